/**
 * @fileoverview 64-bit arithmetic on pairs of signed 32-bit halves, shared by both engines.
 *
 * Models the ALU64 semantics of kernel/bpf/core.c `___bpf_prog_run` (ALU64_MUL, ALU64_DIV,
 * ALU64_MOD, their signed `off == 1` forms, shifts) without BigInt on the hot path. Functions
 * return the low half and leave the high half in {@link A64.hi}.
 */

/** Scratch result register: functions below return the low half and store the high half here. */
export const A64 = { hi: 0 };

/** High 32 bits of the unsigned product of two 32-bit values. */
export function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** (alo,ahi) * (blo,bhi) mod 2^64. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): number {
  A64.hi = (mulhiU32(alo, blo) + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
  return Math.imul(alo, blo);
}

function toU(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
function toS(lo: number, hi: number): bigint {
  return (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
}
function ret(v: bigint): number {
  A64.hi = Number(BigInt.asIntN(32, v >> 32n));
  return Number(BigInt.asIntN(32, v));
}

/** Unsigned 64-bit division; x / 0 = 0 (kernel: `BPF_R0 = 0` on divide by zero is enforced by the verifier's rewrite). */
export function udiv64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (bhi === 0 && ahi === 0) {
    const b = blo >>> 0;
    A64.hi = 0;
    return b === 0 ? 0 : ((alo >>> 0) / b) | 0;
  }
  if (bhi === 0 && blo === 0) {
    A64.hi = 0;
    return 0;
  }
  return ret(toU(alo, ahi) / toU(blo, bhi));
}

/** Unsigned 64-bit modulo; x % 0 = x. */
export function umod64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (bhi === 0 && ahi === 0) {
    const b = blo >>> 0;
    A64.hi = 0;
    return b === 0 ? alo : ((alo >>> 0) % b) | 0;
  }
  if (bhi === 0 && blo === 0) {
    A64.hi = ahi;
    return alo;
  }
  return ret(toU(alo, ahi) % toU(blo, bhi));
}

/** Signed 64-bit division (sdiv, off=1); x / 0 = 0 and INT64_MIN / -1 = INT64_MIN (wraps). */
export function sdiv64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (bhi === 0 && blo === 0) {
    A64.hi = 0;
    return 0;
  }
  const b = toS(blo, bhi);
  if (b === -1n) return ret(BigInt.asIntN(64, -toS(alo, ahi)));
  return ret(toS(alo, ahi) / b);
}

/** Signed 64-bit modulo (smod, off=1); x % 0 = x, x % -1 = 0, sign follows the dividend. */
export function smod64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (bhi === 0 && blo === 0) {
    A64.hi = ahi;
    return alo;
  }
  const b = toS(blo, bhi);
  if (b === -1n) {
    A64.hi = 0;
    return 0;
  }
  return ret(toS(alo, ahi) % b);
}

/** Unsigned 32-bit division; x / 0 = 0. Result is zero-extended by the caller. */
export function udiv32(a: number, b: number): number {
  const d = b >>> 0;
  return d === 0 ? 0 : ((a >>> 0) / d) | 0;
}

/** Unsigned 32-bit modulo; x % 0 = x. */
export function umod32(a: number, b: number): number {
  const d = b >>> 0;
  return d === 0 ? a : ((a >>> 0) % d) | 0;
}

/** Signed 32-bit division; x / 0 = 0, INT32_MIN / -1 = INT32_MIN. */
export function sdiv32(a: number, b: number): number {
  if (b === 0) return 0;
  if (b === -1) return -a | 0;
  return (a / b) | 0;
}

/** Signed 32-bit modulo; x % 0 = x, x % -1 = 0. */
export function smod32(a: number, b: number): number {
  if (b === 0) return a;
  if (b === -1) return 0;
  return (a % b) | 0;
}

/** 64-bit left shift by `n & 63`. */
export function lsh64(lo: number, hi: number, n: number): number {
  n &= 63;
  if (n === 0) {
    A64.hi = hi;
    return lo;
  }
  if (n < 32) {
    A64.hi = (hi << n) | (lo >>> (32 - n));
    return lo << n;
  }
  A64.hi = lo << (n - 32);
  return 0;
}

/** 64-bit logical right shift by `n & 63`. */
export function rsh64(lo: number, hi: number, n: number): number {
  n &= 63;
  if (n === 0) {
    A64.hi = hi;
    return lo;
  }
  if (n < 32) {
    A64.hi = hi >>> n;
    return (lo >>> n) | (hi << (32 - n));
  }
  A64.hi = 0;
  return hi >>> (n - 32);
}

/** 64-bit arithmetic right shift by `n & 63`. */
export function arsh64(lo: number, hi: number, n: number): number {
  n &= 63;
  if (n === 0) {
    A64.hi = hi;
    return lo;
  }
  if (n < 32) {
    A64.hi = hi >> n;
    return (lo >>> n) | (hi << (32 - n));
  }
  A64.hi = hi >> 31;
  return hi >> (n - 32);
}

/** Byte swap of the low 16 bits. */
export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** Byte swap of 32 bits. */
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** Joins halves into an unsigned bigint. */
export function u64(lo: number, hi: number): bigint {
  return toU(lo, hi);
}
