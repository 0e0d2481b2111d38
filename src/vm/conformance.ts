/**
 * @fileoverview The bpf_conformance `.data` test format and a runner for one case.
 *
 * Models bpf_conformance lib/src/bpf_test_parser.cc `parse_test_file` (sections `-- asm`,
 * `-- raw`, `-- mem`, `-- result`, `-- error`, ignored `-- c` and `-- no register offset`;
 * `#` comments; an unknown directive skips the file) and the uBPF plugin's calling convention:
 * the memory buffer is mapped as a region, R1 = its address, R2 = its length, and R0 is compared
 * as a u64. Helper 5 is the plugin's `unwind` helper (returns R1; a zero return ends the program).
 * Browser-safe: it takes the file text, not a path.
 */
import { assembleUbpf } from '../isa/asm-ubpf.js';
import type { Insn } from '../isa/insn.js';
import type { HelperFn } from './machine.js';
import { AddressSpace } from './memory.js';
import { loadProgram, VmLoadError } from './program.js';
import { type EngineName, runProgram } from './run.js';

/** One parsed `.data` file. `skip` is set when the reference runner would skip it. */
export interface ConformanceCase {
  /** Assembly text of `-- asm` (used when there is no `-- raw`). */
  asm: string;
  /** `-- raw` instructions (each token one 64-bit instruction), if present. */
  raw?: Insn[];
  /** `-- mem` bytes. */
  mem: Uint8Array;
  /** Expected R0 (`-- result`), if present. */
  result?: bigint;
  /** Expected error text (`-- error`), if present and not empty. */
  error?: string;
  /** Whether the file has an `-- error` section (negative/ files often leave its text empty). */
  errorSection: boolean;
  /** Why the reference runner skips this file (unknown directive, no result or error, ...). */
  skip?: string;
  /** A problem parsing the file itself (bad `-- raw` or `-- result` token). */
  parseError?: string;
}

/** The outcome of one case: pass/fail, plus what happened. */
export interface ConformanceOutcome {
  status: 'pass' | 'fail' | 'skip';
  /** One line describing a failure or skip (`expected 0x2, got 0x3`, or the error). */
  message?: string;
  /** R0 when the program ran to exit. */
  got?: bigint;
  /** The error our assembler, loader or VM reported, if any. */
  error?: string;
  /** Negative cases: whether `error` equals the file's `-- error` text. */
  errorMatches?: boolean;
}

function parseU64(s: string): bigint | undefined {
  const t = s.trim();
  try {
    if (t.includes('0x')) {
      const m = /^(-?)0x([0-9a-fA-F]+)/.exec(t);
      if (m === null) return undefined;
      return BigInt.asUintN(64, BigInt(`0x${m[2]}`));
    }
    const m = /^\d+/.exec(t);
    return m === null ? undefined : BigInt.asUintN(64, BigInt(m[0]));
  } catch {
    return undefined;
  }
}

/** Parses the text of a `.data` file as bpf_test_parser.cc does. */
export function parseConformance(text: string): ConformanceCase {
  type State = 'ignore' | 'asm' | 'raw' | 'result' | 'mem' | 'error';
  let state: State = 'ignore';
  const asm: string[] = [];
  let raw = '';
  let mem = '';
  let resultText = '';
  let errorText = '';
  let errorSection = false;
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    if (line.includes('--')) {
      if (line.includes('asm')) state = 'asm';
      else if (line.includes('result')) state = 'result';
      else if (line.includes('mem')) state = 'mem';
      else if (line.includes('raw')) state = 'raw';
      else if (line.includes('no register offset')) state = 'ignore';
      else if (line.includes(' c')) state = 'ignore';
      else if (line.includes('error')) {
        state = 'error';
        errorSection = true;
      } else
        return { asm: '', mem: new Uint8Array(0), errorSection, skip: `unknown directive '${line.trim()}'` };
      continue;
    }
    if (line.length === 0) continue;
    switch (state) {
      case 'asm':
        asm.push(line);
        break;
      case 'result':
        resultText = line;
        break;
      case 'mem':
        mem += ` ${line}`;
        break;
      case 'error':
        errorText = line;
        break;
      case 'raw':
        raw += ` ${line}`;
        break;
      default:
        break;
    }
  }
  const c: ConformanceCase = { asm: asm.join('\n'), mem: new Uint8Array(0), errorSection };
  if (resultText !== '') {
    const v = parseU64(resultText);
    if (v === undefined) c.parseError = `invalid result '${resultText.trim()}'`;
    else c.result = v;
  }
  if (errorText !== '') c.error = errorText;
  if (raw.trim() !== '') {
    const insns: Insn[] = [];
    const toks = raw.trim().split(/\s+/);
    // negative/*.data write instructions as bytes ("85 01 00 00 00 00 00 00"); the reference
    // parser would read each byte as a whole instruction. Read such blocks as the bytes they show.
    if (toks.length % 8 === 0 && toks.every((t) => /^[0-9a-fA-F]{2}$/.test(t))) {
      const words: string[] = [];
      for (let i = 0; i < toks.length; i += 8)
        words.push(
          `0x${toks
            .slice(i, i + 8)
            .reverse()
            .join('')}`,
        );
      toks.splice(0, toks.length, ...words);
    }
    for (const tok of toks) {
      const v = parseU64(tok);
      if (v === undefined) {
        c.parseError = `invalid raw instruction '${tok}'`;
        break;
      }
      const lo = Number(v & 0xffffffffn);
      const regs = (lo >>> 8) & 0xff;
      insns.push({
        code: lo & 0xff,
        dst: regs & 0xf,
        src: regs >> 4,
        off: ((lo >>> 16) << 16) >> 16,
        imm: Number(v >> 32n) | 0,
      });
    }
    c.raw = insns;
  }
  if (mem.trim() !== '') {
    const bytes: number[] = [];
    for (const tok of mem.trim().split(/\s+/)) {
      const m = /^(?:0x)?([0-9a-fA-F]+)/.exec(tok);
      if (m === null) break;
      bytes.push(Number.parseInt((m[1] as string).slice(-8), 16) & 0xff);
    }
    c.mem = Uint8Array.from(bytes);
  }
  return c;
}

/** The uBPF plugin's helper 5, `unwind`: returns R1; when it returns 0 the program stops with R0 = 0. */
const unwind: HelperFn = (r, env) => {
  r[0] = r[2] as number;
  r[1] = r[3] as number;
  if (r[0] === 0 && r[1] === 0) env.exit();
};

const CONFORMANCE_HELPERS: ReadonlyMap<number, HelperFn> = new Map([[5, unwind]]);

/** Instruction budget of a conformance run (a runaway program ends with an error). */
export const CONFORMANCE_BUDGET = 10_000_000;

/**
 * Assembles (or takes the raw instructions of), loads and runs one case on `engine`.
 * Positive cases (`negative` false) pass when R0 equals `-- result`, or, for a file with
 * `-- error`, when any error is reported. Negative cases pass when an error is reported or the
 * result differs from `-- result`.
 */
export function runConformanceCase(
  c: ConformanceCase,
  engine: EngineName,
  negative = false,
): ConformanceOutcome {
  if (c.skip !== undefined) return { status: 'skip', message: c.skip };
  if (c.result === undefined && c.error === undefined && (!negative || !c.errorSection))
    return { status: 'skip', message: 'no result or error' };
  let error: string | undefined = c.parseError;
  let got: bigint | undefined;
  if (error === undefined) {
    let insns: Insn[] | undefined = c.raw;
    if (insns === undefined) {
      const a = assembleUbpf(c.asm);
      if (a.ok) insns = a.insns;
      else error = a.error;
    }
    if (insns !== undefined && insns.length === 0) return { status: 'skip', message: 'no instructions' };
    if (insns !== undefined) {
      try {
        const prog = loadProgram(insns, { allowCallx: true });
        const space = new AddressSpace();
        const region = space.map(c.mem.slice(), { name: 'mem' });
        const res = runProgram(prog, {
          engine,
          space,
          args: [region.addr, BigInt(c.mem.length)],
          helpers: CONFORMANCE_HELPERS,
          budget: CONFORMANCE_BUDGET,
        });
        if (res.kind === 'exit') got = res.r0;
        else if (res.kind === 'budget')
          error = `instruction budget of ${CONFORMANCE_BUDGET} exhausted at pc ${res.pc}`;
        else error = `pc ${res.pc}: ${res.reason}`;
      } catch (e) {
        if (!(e instanceof VmLoadError)) throw e;
        error = e.message;
      }
    }
  }
  const hex = (v: bigint) => `0x${v.toString(16)}`;
  const errorMatches = error !== undefined && c.error !== undefined ? error === c.error : undefined;
  const base = { got, error, errorMatches };
  if (negative) {
    if (error !== undefined) return { status: 'pass', ...base };
    if (c.result !== undefined && got !== c.result) return { status: 'pass', ...base };
    return {
      status: 'fail',
      message: `expected an error, got ${got === undefined ? 'nothing' : hex(got)}`,
      ...base,
    };
  }
  if (c.errorSection && c.result === undefined) {
    if (error !== undefined) return { status: 'pass', ...base };
    return { status: 'fail', message: `expected error '${c.error ?? ''}', got ${hex(got ?? 0n)}`, ...base };
  }
  if (error !== undefined) return { status: 'fail', message: error, ...base };
  if (got !== c.result) {
    return { status: 'fail', message: `expected ${hex(c.result ?? 0n)}, got ${hex(got ?? 0n)}`, ...base };
  }
  return { status: 'pass', ...base };
}
