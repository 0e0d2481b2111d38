/**
 * @fileoverview Assembler for the uBPF / bpf_conformance assembly syntax.
 *
 * Models Alan-Jowett/bpf_conformance lib/src/bpf_assembler.cc (and the uBPF assembler it derives
 * from, iovisor/ubpf ubpf/asm_parser.py): one instruction per line, `mnemonic op1, op2, ...`,
 * registers `%r0`..`%r10`, memory operands `[%r1+8]`, labels `name:`, comments after `#`.
 *
 * ```
 *   mov %r0, 1            lddw %r0, 0x123456789     ldxdw %r0, [%r1+8]
 *   stw [%r1+2], 7        stxb [%r10-1], %r2        lock fetch add [%r10-8], %r1
 *   jeq %r1, 0x1, done    ja +2                     call local func1      exit
 * ```
 *
 * Error messages are the ones bpf_assembler.cc throws ("Invalid register: %r50", "Invalid number
 * of operands for lock", ...), with the 1-based source line. Extensions over bpf_conformance:
 * `callx %rN`, `ldabs{b,h,w,dw} imm`, `ldind{b,h,w,dw} %rN, imm` (uBPF), `may_goto target`,
 * negative hex numbers, and operands separated by commas without spaces.
 */
import type { Insn } from './insn.js';
import { insn } from './insn.js';

/** Result of `assembleUbpf`: the slots, or the first error with its 1-based line. */
export type UbpfAsmResult = { ok: true; insns: Insn[] } | { ok: false; error: string; line: number };

class AsmError extends Error {}

const ALU_OPS: Readonly<Record<string, number>> = {
  add: 0x0,
  sub: 0x1,
  mul: 0x2,
  div: 0x3,
  sdiv: 0x3,
  or: 0x4,
  and: 0x5,
  lsh: 0x6,
  rsh: 0x7,
  neg: 0x8,
  mod: 0x9,
  smod: 0x9,
  xor: 0xa,
  mov: 0xb,
  movsx8: 0xb,
  movsx16: 0xb,
  movsx32: 0xb,
  arsh: 0xc,
};

const JMP_OPS: Readonly<Record<string, number>> = {
  jeq: 0x1,
  jgt: 0x2,
  jge: 0x3,
  jset: 0x4,
  jne: 0x5,
  jsgt: 0x6,
  jsge: 0x7,
  jlt: 0xa,
  jle: 0xb,
  jslt: 0xc,
  jsle: 0xd,
};

/** Load/store size suffixes → BPF_SIZE bits. */
const SIZES: Readonly<Record<string, number>> = { b: 0x10, h: 0x08, w: 0x00, dw: 0x18 };

/** Atomic ALU operations (`imm` of BPF_STX|BPF_ATOMIC). */
const ATOMIC_OPS: Readonly<Record<string, number>> = {
  add: 0x00,
  or: 0x40,
  and: 0x50,
  xor: 0xa0,
  xchg: 0xe1,
  cmpxchg: 0xf1,
};

/** Parses a number the way bpf_assembler.cc does: hex (`0x`, unsigned) or signed decimal. */
function parseNumber(text: string): bigint | undefined {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(text);
  if (m === null) return undefined;
  const v = BigInt(m[2] as string);
  return m[1] === '-' ? -v : v;
}

/** `_decode_imm32`: hex up to 0xffffffff (reinterpreted), decimal within s32. */
function decodeImm32(text: string): number {
  const v = parseNumber(text);
  if (v === undefined) throw new AsmError(`Invalid immediate: ${text}`);
  const hex = /0x/i.test(text);
  const ok = hex ? v >= -0x80000000n && v <= 0xffffffffn : v >= -0x80000000n && v <= 0x7fffffffn;
  if (!ok) throw new AsmError(`Immediate out of 32-bit range: ${text}`);
  return Number(BigInt.asIntN(32, v));
}

/** `_decode_imm64`: hex (unsigned 64-bit) or signed decimal; the low and high 32-bit halves. */
function decodeImm64(text: string): [number, number] {
  const v = parseNumber(text);
  if (v === undefined) throw new AsmError(`Invalid immediate: ${text}`);
  if (v < -(1n << 63n) || v > (1n << 64n) - 1n) throw new AsmError(`Immediate out of 64-bit range: ${text}`);
  const u = BigInt.asUintN(64, v);
  return [Number(BigInt.asIntN(32, u)), Number(BigInt.asIntN(32, u >> 32n))];
}

/** `_decode_offset`: hex up to 0xffff (reinterpreted), decimal within s16. */
function decodeOffset(text: string): number {
  const v = parseNumber(text);
  if (v === undefined) throw new AsmError(`Invalid offset: ${text}`);
  const hex = /0x/i.test(text);
  const ok = hex ? v >= -0x8000n && v <= 0xffffn : v >= -0x8000n && v <= 0x7fffn;
  if (!ok) throw new AsmError(`Offset out of 16-bit range: ${text}`);
  return Number(BigInt.asIntN(16, v));
}

/** `_decode_register`: `%r0`..`%r10`, and `%r11`..`%r15` for negative tests. */
function decodeRegister(text: string): number {
  const m = /^%r(\d+)$/.exec(text);
  const n = m === null ? -1 : Number(m[1]);
  if (m === null || n > 15 || String(n) !== m[1]) throw new AsmError(`Invalid register: ${text}`);
  return n;
}

/** `_decode_register_and_offset`: `[%rN]`, `[%rN+off]`, `[%rN-off]`. */
function decodeRegisterAndOffset(text: string): [number, number] {
  const m = /^\[(%r\d+)([+-][^\]]*)?\]$/.exec(text);
  if (m === null) throw new AsmError(`Failed to decode register and offset: ${text}`);
  return [decodeRegister(m[1] as string), m[2] === undefined ? 0 : decodeOffset(m[2])];
}

interface Pending {
  /** Slot index of the jump/call to patch. */
  slot: number;
  label: string;
  /** Which field receives the relative offset. */
  field: 'off' | 'imm';
  line: number;
}

/** Splits one source line into mnemonic and operands (whitespace- and comma-separated). */
function tokenize(line: string): string[] {
  const hash = line.indexOf('#');
  const body = hash >= 0 ? line.slice(0, hash) : line;
  return body.split(/[\s,]+/).filter((t) => t.length > 0);
}

/**
 * Assembles uBPF/bpf_conformance assembly text. Never throws: malformed input gives
 * `{ ok: false, error, line }` with bpf_assembler.cc's message.
 */
export function assembleUbpf(text: string): UbpfAsmResult {
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  let sawExit = false;
  const lines = text.split(/\r?\n/);
  let lineNo = 0;
  try {
    for (const raw of lines) {
      lineNo++;
      const tokens = tokenize(raw);
      const first = tokens[0];
      if (first === undefined) continue;
      if (first.endsWith(':')) {
        const label = first.slice(0, -1);
        const prev = labels.get(label);
        if (prev !== undefined)
          throw new AsmError(
            `Duplicate label (${label}) detected at line ${out.length} (previous declaration at line ${prev})`,
          );
        labels.set(label, out.length);
        if (tokens.length === 1) continue;
        tokens.shift();
      }
      const mnemonic = tokens[0] as string;
      const ops = tokens.slice(1);
      if (mnemonic === 'exit' && !sawExit) {
        labels.set('exit', out.length);
        sawExit = true;
      }
      const target = (t: string, field: 'off' | 'imm'): number => {
        if (t.startsWith('+') || t.startsWith('-')) return field === 'off' ? decodeOffset(t) : decodeImm32(t);
        pending.push({ slot: out.length, label: t, field, line: lineNo });
        return 0;
      };
      for (const x of encodeLine(mnemonic, ops, target)) out.push(x);
    }
    for (const p of pending) {
      const at = labels.get(p.label);
      lineNo = p.line;
      if (at === undefined) throw new AsmError(`Invalid label: ${p.label}`);
      const rel = at - p.slot - 1;
      const x = out[p.slot] as Insn;
      if (p.field === 'off') {
        if (rel < -0x8000 || rel > 0x7fff) throw new AsmError(`Jump offset out of 16-bit range: ${p.label}`);
        out[p.slot] = insn(x.code, x.dst, x.src, rel, x.imm);
      } else {
        out[p.slot] = insn(x.code, x.dst, x.src, x.off, rel);
      }
    }
  } catch (e) {
    if (e instanceof AsmError) return { ok: false, error: e.message, line: lineNo };
    throw e;
  }
  return { ok: true, insns: out };
}

type Target = (text: string, field: 'off' | 'imm') => number;

function arity(mnemonic: string, ops: readonly string[], n: number): void {
  if (ops.length !== n) throw new AsmError(`Invalid number of operands for mnemonic: ${mnemonic}`);
}

/** Encodes one instruction line into one or two slots. */
function encodeLine(mnemonic: string, ops: string[], target: Target): Insn[] {
  if (mnemonic === 'lock') return [encodeLock(ops)];
  if (mnemonic === 'exit') {
    arity(mnemonic, ops, 0);
    return [insn(0x95, 0, 0, 0, 0)];
  }
  if (mnemonic === 'lddw') {
    arity(mnemonic, ops, 2);
    const dst = decodeRegister(ops[0] as string);
    const [lo, hi] = decodeImm64(ops[1] as string);
    return [insn(0x18, dst, 0, 0, lo), insn(0, 0, 0, 0, hi)];
  }
  if (mnemonic === 'ja') {
    arity(mnemonic, ops, 1);
    return [insn(0x05, 0, 0, target(ops[0] as string, 'off'), 0)];
  }
  if (mnemonic === 'ja32') {
    arity(mnemonic, ops, 1);
    return [insn(0x06, 0, 0, 0, target(ops[0] as string, 'imm'))];
  }
  if (mnemonic === 'may_goto') {
    arity(mnemonic, ops, 1);
    return [insn(0xe5, 0, 0, target(ops[0] as string, 'off'), 0)];
  }
  if (mnemonic === 'call' || mnemonic === 'callx') return [encodeCall(mnemonic, ops, target)];
  const ldx = /^ldx(s?)(b|h|w|dw)$/.exec(mnemonic);
  if (ldx !== null && !(ldx[1] === 's' && ldx[2] === 'dw')) {
    arity(mnemonic, ops, 2);
    const dst = decodeRegister(ops[0] as string);
    const [src, off] = decodeRegisterAndOffset(ops[1] as string);
    const mode = ldx[1] === 's' ? 0x80 : 0x60;
    return [insn(0x01 | mode | (SIZES[ldx[2] as string] as number), dst, src, off, 0)];
  }
  const st = /^st(x?)(b|h|w|dw)$/.exec(mnemonic);
  if (st !== null) {
    arity(mnemonic, ops, 2);
    const [dst, off] = decodeRegisterAndOffset(ops[0] as string);
    const size = SIZES[st[2] as string] as number;
    if (st[1] === 'x') return [insn(0x63 | size, dst, decodeRegister(ops[1] as string), off, 0)];
    return [insn(0x62 | size, dst, 0, off, decodeImm32(ops[1] as string))];
  }
  const ldabs = /^ld(abs|ind)(b|h|w|dw)$/.exec(mnemonic);
  if (ldabs !== null) {
    const size = SIZES[ldabs[2] as string] as number;
    if (ldabs[1] === 'abs') {
      arity(mnemonic, ops, 1);
      return [insn(0x20 | size, 0, 0, 0, decodeImm32(ops[0] as string))];
    }
    arity(mnemonic, ops, 2);
    return [insn(0x40 | size, 0, decodeRegister(ops[0] as string), 0, decodeImm32(ops[1] as string))];
  }
  const end = /^(be|le|swap|bswap)(16|32|64)$/.exec(mnemonic);
  if (end !== null) {
    arity(mnemonic, ops, 1);
    const code = end[1] === 'be' ? 0xdc : end[1] === 'le' ? 0xd4 : 0xd7;
    return [insn(code, decodeRegister(ops[0] as string), 0, 0, Number(end[2]))];
  }
  const jmp = /^(j[a-z]+?)(32)?$/.exec(mnemonic);
  if (jmp !== null && JMP_OPS[jmp[1] as string] !== undefined) {
    arity(mnemonic, ops, 3);
    const cls = jmp[2] === '32' ? 0x06 : 0x05;
    const op = (JMP_OPS[jmp[1] as string] as number) << 4;
    const dst = decodeRegister(ops[0] as string);
    const b = ops[1] as string;
    if (b.startsWith('%')) {
      const src = decodeRegister(b);
      return [insn(cls | op | 0x08, dst, src, target(ops[2] as string, 'off'), 0)];
    }
    const imm = decodeImm32(b);
    return [insn(cls | op, dst, 0, target(ops[2] as string, 'off'), imm)];
  }
  return [encodeAlu(mnemonic, ops)];
}

/** `_encode_alu`: `op`, `op32`, `op64`, `sdiv`/`smod` (off=1), `movsx{8,16,32}{32,64}` (off=8/16/32). */
function encodeAlu(mnemonic: string, ops: string[]): Insn {
  let base = mnemonic;
  let cls = 0x07;
  if (mnemonic.endsWith('32')) {
    cls = 0x04;
    base = mnemonic.slice(0, -2);
  } else if (mnemonic.endsWith('64')) {
    base = mnemonic.slice(0, -2);
  }
  const op = ALU_OPS[base];
  if (op === undefined || (base === 'movsx32' && cls === 0x04)) {
    throw new AsmError(`Invalid mnemonic: ${mnemonic}`);
  }
  let off = 0;
  if (base === 'sdiv' || base === 'smod') off = 1;
  if (base.startsWith('movsx')) off = Number(base.slice(5));
  arity(mnemonic, ops, op === 0x8 ? 1 : 2);
  const dst = decodeRegister(ops[0] as string);
  if (op === 0x8) return insn(cls | 0x80, dst, 0, 0, 0);
  const b = ops[1] as string;
  if (b.startsWith('%')) return insn(cls | (op << 4) | 0x08, dst, decodeRegister(b), off, 0);
  return insn(cls | (op << 4), dst, 0, off, decodeImm32(b));
}

/** `_encode_jmp` for `call`: `call N` (helper), `call %rN`, `call local T`, `call runtime N` (kfunc). */
function encodeCall(mnemonic: string, ops: string[], target: Target): Insn {
  const all = ops.length === 1 ? ['helper', ...ops] : ops;
  arity(mnemonic, all, 2);
  const [mode, t] = all as [string, string];
  if (mnemonic === 'callx' || (mode === 'helper' && t.startsWith('%'))) {
    if (mode !== 'helper') throw new AsmError('Invalid call mode');
    return insn(0x8d, decodeRegister(t), 0, 0, 0);
  }
  if (mode === 'helper') return insn(0x85, 0, 0, 0, decodeImm32(t));
  if (mode === 'local') return insn(0x85, 0, 1, 0, target(t, 'imm'));
  if (mode === 'runtime') return insn(0x85, 0, 2, 0, decodeImm32(t));
  throw new AsmError('Invalid call mode');
}

/** `lock [fetch] op[32] [%rD+off], %rS`: BPF_STX | BPF_ATOMIC. */
function encodeLock(ops: string[]): Insn {
  const rest = ops[0] === 'fetch' ? ops.slice(1) : ops;
  const fetch = ops[0] === 'fetch';
  if (rest.length !== 3) throw new AsmError('Invalid number of operands for lock');
  const name = rest[0] as string;
  const is32 = name.endsWith('32');
  const base = is32 ? name.slice(0, -2) : name;
  const op = ATOMIC_OPS[base];
  if (op === undefined) throw new AsmError(`Invalid mnemonic: ${name}`);
  const [dst, off] = decodeRegisterAndOffset(rest[1] as string);
  const src = decodeRegister(rest[2] as string);
  const imm = op | (fetch ? 0x01 : 0);
  return insn(is32 ? 0xc3 : 0xdb, dst, src, off, imm);
}
