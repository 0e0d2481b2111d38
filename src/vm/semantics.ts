/**
 * @fileoverview ALU, byte-order and jump-condition semantics on 32-bit halves, shared by the
 * interpreter and the JIT.
 *
 * Models the ALU/ALU64 and JMP/JMP32 cases of kernel/bpf/core.c `___bpf_prog_run` (Linux 6.18):
 * ALU32 results zero-extend, x/0 = 0, x%0 = x, signed division and modulo for `off == 1`, shifts
 * masked to the operand width, movsx for `off` 8/16/32, and BPF_END (le/be/bswap).
 */
import {
  A64,
  arsh64,
  bswap16,
  bswap32,
  lsh64,
  mul64,
  rsh64,
  sdiv32,
  sdiv64,
  smod32,
  smod64,
  udiv32,
  udiv64,
  umod32,
  umod64,
} from './alu64.js';

/** 64-bit condition for JMP op `op` (upper nibble) on (alo,ahi) vs (blo,bhi). */
export function cond64(op: number, alo: number, ahi: number, blo: number, bhi: number): boolean {
  switch (op) {
    case 0x10:
      return alo === blo && ahi === bhi;
    case 0x50:
      return alo !== blo || ahi !== bhi;
    case 0x40:
      return (alo & blo) !== 0 || (ahi & bhi) !== 0;
    case 0x20:
      return ahi !== bhi ? ahi >>> 0 > bhi >>> 0 : alo >>> 0 > blo >>> 0;
    case 0x30:
      return ahi !== bhi ? ahi >>> 0 > bhi >>> 0 : alo >>> 0 >= blo >>> 0;
    case 0xa0:
      return ahi !== bhi ? ahi >>> 0 < bhi >>> 0 : alo >>> 0 < blo >>> 0;
    case 0xb0:
      return ahi !== bhi ? ahi >>> 0 < bhi >>> 0 : alo >>> 0 <= blo >>> 0;
    case 0x60:
      return ahi !== bhi ? ahi > bhi : alo >>> 0 > blo >>> 0;
    case 0x70:
      return ahi !== bhi ? ahi > bhi : alo >>> 0 >= blo >>> 0;
    case 0xc0:
      return ahi !== bhi ? ahi < bhi : alo >>> 0 < blo >>> 0;
    default:
      return ahi !== bhi ? ahi < bhi : alo >>> 0 <= blo >>> 0;
  }
}

/** 32-bit condition (JMP32) on the low halves. */
export function cond32(op: number, a: number, b: number): boolean {
  switch (op) {
    case 0x10:
      return a === b;
    case 0x50:
      return a !== b;
    case 0x40:
      return (a & b) !== 0;
    case 0x20:
      return a >>> 0 > b >>> 0;
    case 0x30:
      return a >>> 0 >= b >>> 0;
    case 0xa0:
      return a >>> 0 < b >>> 0;
    case 0xb0:
      return a >>> 0 <= b >>> 0;
    case 0x60:
      return a > b;
    case 0x70:
      return a >= b;
    case 0xc0:
      return a < b;
    default:
      return a <= b;
  }
}

/**
 * Computes ALU op `op` (upper nibble of the opcode) on (alo, ahi) and operand (blo, bhi).
 * `is64` selects ALU64; `off` is the instruction's offset (sdiv/smod, movsx). Returns the low
 * half; the high half is in A64.hi (already zero for ALU32).
 */
export function alu(
  op: number,
  is64: boolean,
  off: number,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
): number {
  if (is64) {
    switch (op) {
      case 0x00: {
        const lo = (alo + blo) | 0;
        A64.hi = (ahi + bhi + (lo >>> 0 < alo >>> 0 ? 1 : 0)) | 0;
        return lo;
      }
      case 0x10: {
        A64.hi = (ahi - bhi - (alo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
        return (alo - blo) | 0;
      }
      case 0x20:
        return mul64(alo, ahi, blo, bhi);
      case 0x30:
        return off === 1 ? sdiv64(alo, ahi, blo, bhi) : udiv64(alo, ahi, blo, bhi);
      case 0x40:
        A64.hi = ahi | bhi;
        return alo | blo;
      case 0x50:
        A64.hi = ahi & bhi;
        return alo & blo;
      case 0x60:
        return lsh64(alo, ahi, blo);
      case 0x70:
        return rsh64(alo, ahi, blo);
      case 0x80: {
        const lo = -alo | 0;
        A64.hi = (~ahi + (lo === 0 ? 1 : 0)) | 0;
        return lo;
      }
      case 0x90:
        return off === 1 ? smod64(alo, ahi, blo, bhi) : umod64(alo, ahi, blo, bhi);
      case 0xa0:
        A64.hi = ahi ^ bhi;
        return alo ^ blo;
      case 0xb0:
        if (off === 8) {
          const v = (blo << 24) >> 24;
          A64.hi = v >> 31;
          return v;
        }
        if (off === 16) {
          const v = (blo << 16) >> 16;
          A64.hi = v >> 31;
          return v;
        }
        if (off === 32) {
          A64.hi = blo >> 31;
          return blo;
        }
        A64.hi = bhi;
        return blo;
      default:
        // 0xc0 ARSH
        return arsh64(alo, ahi, blo);
    }
  }
  A64.hi = 0;
  switch (op) {
    case 0x00:
      return (alo + blo) | 0;
    case 0x10:
      return (alo - blo) | 0;
    case 0x20:
      return Math.imul(alo, blo);
    case 0x30:
      return off === 1 ? sdiv32(alo, blo) : udiv32(alo, blo);
    case 0x40:
      return alo | blo;
    case 0x50:
      return alo & blo;
    case 0x60:
      return alo << (blo & 31);
    case 0x70:
      return (alo >>> (blo & 31)) | 0;
    case 0x80:
      return -alo | 0;
    case 0x90:
      return off === 1 ? smod32(alo, blo) : umod32(alo, blo);
    case 0xa0:
      return alo ^ blo;
    case 0xb0:
      if (off === 8) return (blo << 24) >> 24;
      if (off === 16) return (blo << 16) >> 16;
      return blo;
    default:
      return alo >> (blo & 31);
  }
}

/**
 * BPF_END: `code` 0xd4 (to little endian), 0xdc (to big endian), 0xd7 (ALU64 bswap) with width
 * `bits` on (lo, hi). Returns the low half; high half in A64.hi.
 */
export function endian(code: number, bits: number, lo: number, hi: number): number {
  const swap = code !== 0xd4;
  if (bits === 16) {
    A64.hi = 0;
    return swap ? bswap16(lo) : lo & 0xffff;
  }
  if (bits === 32) {
    A64.hi = 0;
    return swap ? bswap32(lo) : lo;
  }
  if (!swap) {
    A64.hi = hi;
    return lo;
  }
  A64.hi = bswap32(lo);
  return bswap32(hi);
}
