/**
 * @fileoverview `bpfsim exec FILE`: runs an eBPF program directly on the execution engines, without
 * a kernel or verifier, the way uBPF's `vm` tool and bpf_conformance do: R1 points to a memory
 * buffer (`--mem`), R2 holds its length, and R0 at exit is the result.
 */

import { printBpfInsn } from '../../isa/disasm-kernel.js';
import { decodeRaw, type Insn } from '../../isa/insn.js';
import {
  AddressSpace,
  type EngineName,
  loadProgram,
  type RunResult,
  runProgram,
  VmLoadError,
} from '../../vm/index.js';
import { formatTraceStep, traceProgram } from '../../vm/trace.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { asmSection, assembleText, detectSyntax, readInputFile, syntaxOption } from './asm.js';
import { bytesFromInput } from './disasm.js';

const HELP = `Usage: bpfsim exec FILE [--mem HEX] [--engine interp|jit|both] [--trace] [--budget N]
Runs an eBPF program on bpfsim's engines without a kernel or verifier, as uBPF's vm tool and
bpf_conformance do: R1 = address of a memory buffer, R2 = its length, the result is R0.

FILE ('-' = standard input) holds raw struct bpf_insn bytes, hex text, or assembly in the kernel
or uBPF syntax (a bpf_conformance .data file's '-- asm' section is used).

Options:
  --mem HEX       the memory buffer's bytes (hex, spaces allowed); default empty
  --engine E      interp, jit or both (default both: results must agree)
  --trace         print every executed instruction with the registers it changed
                  (the interpreter runs traced)
  --budget N      stop after N instructions (default 10000000)
  --syntax S      assembly syntax: kernel, ubpf or auto (default auto)
  -j, --json      print {"results": [{"engine", "kind", "r0", "insns"}], "trace": [...]}

Example:
  printf 'r0 = *(u16 *)(r1 +0)\\nr0 = be16 r0\\nexit\\n' | bpfsim exec - --mem '45 00' --trace
  0: (69) r0 = *(u16 *)(r1 +0)             ; r0=0x45
  1: (dc) r0 = be16 r0                     ; r0=0x4500
  2: (95) exit
  interp  r0 = 0x4500 (17664)  3 insns
  jit     r0 = 0x4500 (17664)  3 insns`;

/** Reads FILE as instructions: raw bytes, hex text or assembly. */
export function readProgram(
  path: string,
  syntax: string | undefined,
  io: Parameters<Command['run']>[1],
): Insn[] {
  const data = readInputFile(path, io, 'exec');
  const text = new TextDecoder().decode(data);
  // Text: printable ASCII, tabs and line breaks only (raw instruction bytes almost never are).
  const isText = data.every((b) => b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f));
  const isHex = /[0-9a-f]/i.test(text) && /^[\s0-9a-fA-Fx,]*$/.test(text);
  let insns: Insn[] | undefined;
  if (isText && !isHex && text.trim() !== '') {
    const body = asmSection(text);
    insns = assembleText(body, syntaxOption(syntax, 'exec') ?? detectSyntax(body), path);
  } else {
    const bytes = bytesFromInput(data);
    if (bytes === undefined) throw new CliError(`exec: ${path}: malformed hex text`);
    insns = decodeRaw(bytes);
  }
  if (insns === undefined) throw new CliError(`exec: ${path}: not a whole number of 8-byte instructions`);
  if (insns.length === 0) throw new CliError(`exec: ${path}: no instructions`);
  return insns;
}

const describe = (r: RunResult): string => {
  if (r.kind === 'exit') return `r0 = 0x${r.r0.toString(16)} (${r.r0})  ${r.insns} insns`;
  if (r.kind === 'budget')
    return `stopped: instruction budget exhausted at pc ${r.pc} after ${r.insns} insns`;
  return `fault at pc ${r.pc}: ${r.reason}`;
};

/** `bpfsim exec`. */
export const execCommand: Command = {
  name: 'exec',
  summary: 'run an eBPF program on the interpreter and the JIT (no kernel, no verifier)',
  help: HELP,
  run(args, io, global) {
    const p = parseArgs(args, {
      mem: 'string',
      engine: 'string',
      trace: true,
      budget: 'string',
      syntax: 'string',
    });
    const file = p.positional[0];
    if (file === undefined || p.positional.length > 1) throw new CliError('exec: expected one FILE', 2);
    const engineOpt = p.values.get('engine') ?? 'both';
    if (engineOpt !== 'interp' && engineOpt !== 'jit' && engineOpt !== 'both')
      throw new CliError(`exec: option '--engine': unknown engine '${engineOpt}' (interp, jit or both)`, 2);
    const budgetText = p.values.get('budget') ?? '10000000';
    if (!/^\d+$/.test(budgetText))
      throw new CliError(`exec: option '--budget': not a number: '${budgetText}'`, 2);
    const budget = Number(budgetText);
    const memText = p.values.get('mem') ?? '';
    const memHex = memText.replace(/0x/gi, '').replace(/[\s,]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(memHex))
      throw new CliError(`exec: option '--mem': malformed hex '${memText}'`, 2);
    const mem = new Uint8Array(memHex.length / 2);
    for (let i = 0; i < mem.length; i++) mem[i] = Number.parseInt(memHex.slice(2 * i, 2 * i + 2), 16);

    const insns = readProgram(file, p.values.get('syntax'), io);
    let prog: ReturnType<typeof loadProgram>;
    try {
      prog = loadProgram(insns, { allowCallx: true });
    } catch (e) {
      if (e instanceof VmLoadError) throw new CliError(`exec: ${file}: ${e.message}`);
      throw e;
    }
    const engines: EngineName[] = engineOpt === 'both' ? ['interp', 'jit'] : [engineOpt];
    const runOn = (engine: EngineName) => {
      const space = new AddressSpace();
      const region = space.map(mem.slice(), { name: 'mem' });
      return { space, region, opts: { engine, space, args: [region.addr, BigInt(mem.length)], budget } };
    };
    const traceLines: string[] = [];
    let traceJson: unknown[] | undefined;
    if (p.flags.has('trace')) {
      const { opts } = runOn('interp');
      const t = traceProgram(prog, opts);
      for (const s of t.steps) traceLines.push(formatTraceStep(prog, s));
      if (t.truncated) traceLines.push(`... trace truncated after ${t.steps.length} instructions`);
      traceJson = t.steps.map((s) => ({
        pc: s.pc,
        insn: printBpfInsn(prog.insns, s.pc).replace(/^\([0-9a-f]{2}\) /, ''),
        changes: Object.fromEntries(s.changes.map(([r, v]) => [`r${r}`, `0x${v.toString(16)}`])),
      }));
    }
    const results = engines.map((engine) => ({ engine, result: runProgram(prog, runOn(engine).opts) }));
    const [a, b] = results;
    const disagree =
      a !== undefined && b !== undefined && describe(a.result) !== describe(b.result)
        ? `exec: the engines disagree: interp ${describe(a.result)}, jit ${describe(b.result)}`
        : undefined;
    if (global.json) {
      const out = {
        results: results.map(({ engine, result: r }) => ({
          engine,
          kind: r.kind,
          ...(r.kind === 'exit' ? { r0: `0x${r.r0.toString(16)}` } : { pc: r.pc }),
          ...(r.kind === 'fault' ? { reason: r.reason } : {}),
          insns: r.insns,
        })),
        ...(traceJson !== undefined ? { trace: traceJson } : {}),
      };
      io.out(`${JSON.stringify(out, null, global.pretty ? 2 : undefined)}\n`);
    } else {
      for (const l of traceLines) io.out(`${l}\n`);
      for (const { engine, result: r } of results) io.out(`${engine.padEnd(6)}  ${describe(r)}\n`);
    }
    if (disagree !== undefined) throw new CliError(disagree);
    return results.every(({ result: r }) => r.kind === 'exit') ? 0 : 1;
  },
};
