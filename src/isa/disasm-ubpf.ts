/**
 * @fileoverview Disassembler to the uBPF / bpf_conformance assembly syntax (the inverse of
 * `assembleUbpf`).
 *
 * Models iovisor/ubpf ubpf/disassembler.py and the syntax of Alan-Jowett/bpf_conformance
 * lib/src/bpf_assembler.cc: non-negative immediates in `0x` hex, negative ones in decimal, jump
 * targets as `+N`/`-N` slot offsets. Every valid instruction prints as text that `assembleUbpf`
 * turns back into the same bytes. Slots the syntax cannot express (pseudo `lddw` with a non-zero
 * `src`, load-acquire/store-release, invalid opcodes) print as a `#` comment line naming the raw
 * slot, so the output still lines up with the input.
 */
import type { Insn } from './insn.js';
import { bytesToHex, encodeRaw } from './insn.js';

const ALU_NAMES = [
  'add',
  'sub',
  'mul',
  'div',
  'or',
  'and',
  'lsh',
  'rsh',
  'neg',
  'mod',
  'xor',
  'mov',
  'arsh',
] as const;
const JMP_NAMES: Readonly<Record<number, string>> = {
  1: 'jeq',
  2: 'jgt',
  3: 'jge',
  4: 'jset',
  5: 'jne',
  6: 'jsgt',
  7: 'jsge',
  10: 'jlt',
  11: 'jle',
  12: 'jslt',
  13: 'jsle',
};
const SIZE_NAMES: Readonly<Record<number, string>> = { 0: 'w', 8: 'h', 16: 'b', 24: 'dw' };
const ATOMIC_NAMES: Readonly<Record<number, string>> = {
  0: 'add',
  1: 'fetch add',
  64: 'or',
  65: 'fetch or',
  80: 'and',
  81: 'fetch and',
  160: 'xor',
  161: 'fetch xor',
  225: 'xchg',
  241: 'cmpxchg',
};

const reg = (n: number): string => `%r${n}`;
/** An immediate: `0x..` when non-negative, signed decimal otherwise. */
const imm = (n: number): string => (n < 0 ? String(n) : `0x${n.toString(16)}`);
const rel = (n: number): string => (n < 0 ? String(n) : `+${n}`);
const mem = (r: number, off: number): string => `[${reg(r)}${off < 0 ? off : `+${off}`}]`;

function raw(x: Insn): string {
  return `# unsupported ${bytesToHex(encodeRaw([x]))}`;
}

/** One instruction (the next slot is needed for `lddw`). */
function line(x: Insn, next: Insn | undefined): string {
  const cls = x.code & 0x07;
  const op = x.code >> 4;
  const srcX = (x.code & 0x08) !== 0;
  switch (cls) {
    case 0x04:
    case 0x07: {
      const sfx = cls === 0x04 ? '32' : '';
      if (op === 0xd) {
        if (x.src !== 0 || x.off !== 0 || ![16, 32, 64].includes(x.imm)) return raw(x);
        if (cls === 0x07) return srcX ? raw(x) : `bswap${x.imm} ${reg(x.dst)}`;
        return `${srcX ? 'be' : 'le'}${x.imm} ${reg(x.dst)}`;
      }
      const name = ALU_NAMES[op];
      if (name === undefined) return raw(x);
      if (op === 0x8) return srcX || x.src || x.off || x.imm ? raw(x) : `neg${sfx} ${reg(x.dst)}`;
      let m: string = name;
      if ((op === 0x3 || op === 0x9) && x.off === 1) m = op === 0x3 ? 'sdiv' : 'smod';
      else if (op === 0xb && srcX && (x.off === 8 || x.off === 16 || (x.off === 32 && cls === 0x07)))
        m = `movsx${x.off}${cls === 0x04 ? '32' : '64'}`;
      else if (x.off !== 0) return raw(x);
      if (m.startsWith('movsx')) return x.imm ? raw(x) : `${m} ${reg(x.dst)}, ${reg(x.src)}`;
      if (srcX) return x.imm ? raw(x) : `${m}${sfx} ${reg(x.dst)}, ${reg(x.src)}`;
      return x.src ? raw(x) : `${m}${sfx} ${reg(x.dst)}, ${imm(x.imm)}`;
    }
    case 0x05:
    case 0x06: {
      if (x.code === 0x95) return x.dst || x.src || x.off || x.imm ? raw(x) : 'exit';
      if (x.code === 0x05) return x.dst || x.src || x.imm ? raw(x) : `ja ${rel(x.off)}`;
      if (x.code === 0x06) return x.dst || x.src || x.off ? raw(x) : `ja32 ${rel(x.imm)}`;
      if (x.code === 0xe5) return x.dst || x.src || x.imm ? raw(x) : `may_goto ${rel(x.off)}`;
      if (x.code === 0x85) {
        if (x.dst || (x.off && x.src !== 2)) return raw(x);
        if (x.src === 0) return `call ${imm(x.imm)}`;
        if (x.src === 1) return `call local ${rel(x.imm)}`;
        if (x.src === 2 && x.off === 0) return `call runtime ${imm(x.imm)}`;
        return raw(x);
      }
      if (x.code === 0x8d) return x.src || x.off || x.imm ? raw(x) : `call ${reg(x.dst)}`;
      const name = JMP_NAMES[op];
      if (name === undefined) return raw(x);
      const sfx = cls === 0x06 ? '32' : '';
      if (srcX) return x.imm ? raw(x) : `${name}${sfx} ${reg(x.dst)}, ${reg(x.src)}, ${rel(x.off)}`;
      return x.src ? raw(x) : `${name}${sfx} ${reg(x.dst)}, ${imm(x.imm)}, ${rel(x.off)}`;
    }
    case 0x01: {
      const size = SIZE_NAMES[x.code & 0x18] as string;
      const mode = x.code & 0xe0;
      if (x.imm !== 0 || (mode !== 0x60 && mode !== 0x80) || (mode === 0x80 && size === 'dw')) return raw(x);
      return `ldx${mode === 0x80 ? 's' : ''}${size} ${reg(x.dst)}, ${mem(x.src, x.off)}`;
    }
    case 0x02: {
      if ((x.code & 0xe0) !== 0x60 || x.src) return raw(x);
      return `st${SIZE_NAMES[x.code & 0x18]} ${mem(x.dst, x.off)}, ${imm(x.imm)}`;
    }
    case 0x03: {
      const mode = x.code & 0xe0;
      if (mode === 0x60)
        return x.imm ? raw(x) : `stx${SIZE_NAMES[x.code & 0x18]} ${mem(x.dst, x.off)}, ${reg(x.src)}`;
      const size = x.code & 0x18;
      const a = ATOMIC_NAMES[x.imm];
      if (mode !== 0xc0 || a === undefined || (size !== 0x00 && size !== 0x18)) return raw(x);
      return `lock ${a}${size === 0x00 ? '32' : ''} ${mem(x.dst, x.off)}, ${reg(x.src)}`;
    }
    default: {
      const mode = x.code & 0xe0;
      const size = SIZE_NAMES[x.code & 0x18] as string;
      if (x.code === 0x18) {
        if (next === undefined || x.src || x.off || next.code || next.dst || next.src || next.off)
          return raw(x);
        const v = (BigInt(next.imm >>> 0) << 32n) | BigInt(x.imm >>> 0);
        return `lddw ${reg(x.dst)}, 0x${v.toString(16)}`;
      }
      if (mode === 0x20 && !x.dst && !x.src && !x.off) return `ldabs${size} ${imm(x.imm)}`;
      if (mode === 0x40 && !x.dst && !x.off) return `ldind${size} ${reg(x.src)}, ${imm(x.imm)}`;
      return raw(x);
    }
  }
}

/**
 * Disassembles slots to uBPF/bpf_conformance assembly, one line per instruction (`lddw` takes
 * two slots and prints one line). The result ends with a newline unless `insns` is empty.
 */
export function disassembleUbpf(insns: readonly Insn[]): string {
  const lines: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    const next = insns[i + 1];
    const text = line(x, next);
    lines.push(text);
    if (x.code === 0x18 && text.startsWith('lddw')) i++;
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
