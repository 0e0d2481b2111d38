/**
 * Test helpers: small instruction constructors (built on insn() from src/isa/insn.ts) and a
 * BigInt reference model of ALU and jump semantics written from RFC 9669 (independent of the
 * engines' 32-bit-halves code).
 */
import { type Insn, insn } from '../../src/isa/insn.js';

export const M64 = (1n << 64n) - 1n;
export const M32 = 0xffffffffn;

export const I = {
  alu64: (op: number, dst: number, src: number, off = 0) => insn(0x07 | 0x08 | op, dst, src, off, 0),
  alu64k: (op: number, dst: number, imm: number, off = 0) => insn(0x07 | op, dst, 0, off, imm),
  alu32: (op: number, dst: number, src: number, off = 0) => insn(0x04 | 0x08 | op, dst, src, off, 0),
  alu32k: (op: number, dst: number, imm: number, off = 0) => insn(0x04 | op, dst, 0, off, imm),
  mov64k: (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm),
  mov64: (dst: number, src: number) => insn(0xbf, dst, src, 0, 0),
  ld64: (dst: number, v: bigint): Insn[] => {
    const u = BigInt.asUintN(64, v);
    return [insn(0x18, dst, 0, 0, Number(u & M32) | 0), insn(0, 0, 0, 0, Number(u >> 32n) | 0)];
  },
  jmp: (op: number, dst: number, src: number, off: number) => insn(0x05 | 0x08 | op, dst, src, off, 0),
  jmpk: (op: number, dst: number, imm: number, off: number) => insn(0x05 | op, dst, 0, off, imm),
  jmp32: (op: number, dst: number, src: number, off: number) => insn(0x06 | 0x08 | op, dst, src, off, 0),
  jmp32k: (op: number, dst: number, imm: number, off: number) => insn(0x06 | op, dst, 0, off, imm),
  ja: (off: number) => insn(0x05, 0, 0, off, 0),
  ldx: (size: number, dst: number, src: number, off: number) => insn(0x61 | size, dst, src, off, 0),
  ldxsx: (size: number, dst: number, src: number, off: number) => insn(0x81 | size, dst, src, off, 0),
  stx: (size: number, dst: number, src: number, off: number) => insn(0x63 | size, dst, src, off, 0),
  st: (size: number, dst: number, off: number, imm: number) => insn(0x62 | size, dst, 0, off, imm),
  atomic: (size: number, dst: number, src: number, off: number, op: number) =>
    insn(0xc3 | size, dst, src, off, op),
  call: (id: number) => insn(0x85, 0, 0, 0, id),
  callLocal: (rel: number) => insn(0x85, 0, 1, 0, rel),
  exit: () => insn(0x95, 0, 0, 0, 0),
  mayGoto: (off: number) => insn(0xe5, 0, 0, off, 0),
};

/** Size field values. */
export const SZ = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

const s64 = (x: bigint) => BigInt.asIntN(64, x);
const s32 = (x: bigint) => BigInt.asIntN(32, x);
const u64 = (x: bigint) => BigInt.asUintN(64, x);
const u32 = (x: bigint) => BigInt.asUintN(32, x);

/** RFC 9669 ALU semantics on u64 operands: returns the new dst value (u64). */
export function refAlu(is64: boolean, op: number, off: number, a: bigint, b: bigint): bigint {
  if (is64) {
    switch (op) {
      case 0x00:
        return u64(a + b);
      case 0x10:
        return u64(a - b);
      case 0x20:
        return u64(a * b);
      case 0x30:
        if (b === 0n) return 0n;
        return off === 1 ? u64(s64(a) / s64(b)) : a / b;
      case 0x40:
        return a | b;
      case 0x50:
        return a & b;
      case 0x60:
        return u64(a << (b & 63n));
      case 0x70:
        return a >> (b & 63n);
      case 0x80:
        return u64(-a);
      case 0x90:
        if (b === 0n) return a;
        return off === 1 ? u64(s64(a) % s64(b)) : a % b;
      case 0xa0:
        return a ^ b;
      case 0xb0:
        return off === 0 ? b : u64(BigInt.asIntN(off, b));
      default:
        return u64(s64(a) >> (b & 63n));
    }
  }
  const x = u32(a);
  const y = u32(b);
  switch (op) {
    case 0x00:
      return u32(x + y);
    case 0x10:
      return u32(x - y);
    case 0x20:
      return u32(x * y);
    case 0x30:
      if (y === 0n) return 0n;
      return off === 1 ? u32(s32(x) / s32(y)) : x / y;
    case 0x40:
      return x | y;
    case 0x50:
      return x & y;
    case 0x60:
      return u32(x << (y & 31n));
    case 0x70:
      return x >> (y & 31n);
    case 0x80:
      return u32(-x);
    case 0x90:
      if (y === 0n) return x;
      return off === 1 ? u32(s32(x) % s32(y)) : x % y;
    case 0xa0:
      return x ^ y;
    case 0xb0:
      return off === 0 ? y : u32(BigInt.asIntN(off, y));
    default:
      return u32(s32(x) >> (y & 31n));
  }
}

/** RFC 9669 jump conditions on u64 operands (JMP32 compares the low 32 bits). */
export function refCond(is64: boolean, op: number, a: bigint, b: bigint): boolean {
  const bits = is64 ? 64 : 32;
  const ua = BigInt.asUintN(bits, a);
  const ub = BigInt.asUintN(bits, b);
  const sa = BigInt.asIntN(bits, a);
  const sb = BigInt.asIntN(bits, b);
  switch (op) {
    case 0x10:
      return ua === ub;
    case 0x50:
      return ua !== ub;
    case 0x40:
      return (ua & ub) !== 0n;
    case 0x20:
      return ua > ub;
    case 0x30:
      return ua >= ub;
    case 0xa0:
      return ua < ub;
    case 0xb0:
      return ua <= ub;
    case 0x60:
      return sa > sb;
    case 0x70:
      return sa >= sb;
    case 0xc0:
      return sa < sb;
    default:
      return sa <= sb;
  }
}

/** Byte swap of the low `bits` bits of `v`. */
export function refBswap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}
