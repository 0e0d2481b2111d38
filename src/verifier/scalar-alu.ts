/**
 * @fileoverview Bounds of a scalar after an ALU or ALU64 instruction on two scalars.
 *
 * Models kernel/bpf/verifier.c (Linux 6.18) `adjust_scalar_min_max_vals`,
 * `is_safe_to_compute_dst_reg_range` and the per-operation helpers `scalar{32,}_min_max_{add,sub,
 * mul,and,or,xor,lsh,rsh,arsh}` and `scalar_byte_swap` (BPF_END). BPF_DIV and BPF_MOD (and their
 * signed forms) are not range-tracked by 6.18: the result is an unknown 64-bit scalar, without
 * zero extension even for ALU32 (observed on 6.18.44). MOV is `check_alu_op`'s job.
 */
import { BPF_ALU_OP, BPF_CLASS, bpfClass, bpfOp } from '../isa/opcodes.js';
import {
  bmax,
  bmin,
  coerceRegToSize,
  markReg32Known,
  markReg32Unbounded,
  markReg64Unbounded,
  markRegKnown,
  markRegUnbounded,
  markRegUnknown,
  regBoundsSync,
  S32_MAX,
  S32_MIN,
  S64_MAX,
  S64_MIN,
  U32_MAX,
  U64_MAX,
  updateReg32Bounds,
  updateRegBounds,
  zext32To64,
} from './bounds.js';
import { cloneRegState, type RegState } from './reg-state.js';
import {
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumBswap16,
  tnumBswap32,
  tnumBswap64,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumRshift,
  tnumSub,
  tnumSubreg,
  tnumSubregIsConst,
  tnumXor,
} from './tnum.js';

// ---- checked arithmetic (include/linux/overflow.h check_*_overflow) ----

let ovf = false;
function addS64(a: bigint, b: bigint): bigint {
  const r = a + b;
  ovf = r < S64_MIN || r > S64_MAX;
  return BigInt.asIntN(64, r);
}
function subS64(a: bigint, b: bigint): bigint {
  const r = a - b;
  ovf = r < S64_MIN || r > S64_MAX;
  return BigInt.asIntN(64, r);
}
function mulS64(a: bigint, b: bigint): bigint {
  const r = a * b;
  ovf = r < S64_MIN || r > S64_MAX;
  return BigInt.asIntN(64, r);
}
function addU64(a: bigint, b: bigint): bigint {
  const r = a + b;
  ovf = r > U64_MAX;
  return BigInt.asUintN(64, r);
}
function subU64(a: bigint, b: bigint): bigint {
  const r = a - b;
  ovf = r < 0n;
  return BigInt.asUintN(64, r);
}
function mulU64(a: bigint, b: bigint): bigint {
  const r = a * b;
  ovf = r > U64_MAX;
  return BigInt.asUintN(64, r);
}
function addS32(a: number, b: number): number {
  const r = a + b;
  ovf = r < S32_MIN || r > S32_MAX;
  return r | 0;
}
function subS32(a: number, b: number): number {
  const r = a - b;
  ovf = r < S32_MIN || r > S32_MAX;
  return r | 0;
}
function mulS32(a: number, b: number): number {
  const r = a * b;
  ovf = r < S32_MIN || r > S32_MAX;
  return Math.imul(a, b);
}
function addU32(a: number, b: number): number {
  const r = a + b;
  ovf = r > U32_MAX;
  return r >>> 0;
}
function subU32(a: number, b: number): number {
  const r = a - b;
  ovf = r < 0;
  return r >>> 0;
}
function mulU32(a: number, b: number): number {
  const r = a * b;
  ovf = r > U32_MAX;
  return Math.imul(a, b) >>> 0;
}

// ---- ADD / SUB ----

/** Models `scalar32_min_max_add`. */
export function scalar32MinMaxAdd(dst: RegState, src: RegState): void {
  dst.s32Min = addS32(dst.s32Min, src.s32Min);
  let o = ovf;
  if (!o) {
    dst.s32Max = addS32(dst.s32Max, src.s32Max);
    o = ovf;
  }
  if (o) {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  }
  // If either all additions overflow or none does, umin+umin / umax+umax stay valid.
  dst.u32Min = addU32(dst.u32Min, src.u32Min);
  const minOverflow = ovf;
  dst.u32Max = addU32(dst.u32Max, src.u32Max);
  const maxOverflow = ovf;
  if (!minOverflow && maxOverflow) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  }
}

/** Models `scalar_min_max_add`. */
export function scalarMinMaxAdd(dst: RegState, src: RegState): void {
  dst.smin = addS64(dst.smin, src.smin);
  let o = ovf;
  if (!o) {
    dst.smax = addS64(dst.smax, src.smax);
    o = ovf;
  }
  if (o) {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  }
  dst.umin = addU64(dst.umin, src.umin);
  const minOverflow = ovf;
  dst.umax = addU64(dst.umax, src.umax);
  const maxOverflow = ovf;
  if (!minOverflow && maxOverflow) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  }
}

/** Models `scalar32_min_max_sub`. */
export function scalar32MinMaxSub(dst: RegState, src: RegState): void {
  const umin = src.u32Min;
  const umax = src.u32Max;
  dst.s32Min = subS32(dst.s32Min, src.s32Max);
  let o = ovf;
  if (!o) {
    dst.s32Max = subS32(dst.s32Max, src.s32Min);
    o = ovf;
  }
  if (o) {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  }
  // If either all subtractions underflow or none does, the bounds stay valid.
  dst.u32Min = subU32(dst.u32Min, umax);
  const minUnderflow = ovf;
  dst.u32Max = subU32(dst.u32Max, umin);
  const maxUnderflow = ovf;
  if (minUnderflow && !maxUnderflow) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  }
}

/** Models `scalar_min_max_sub`. */
export function scalarMinMaxSub(dst: RegState, src: RegState): void {
  const umin = src.umin;
  const umax = src.umax;
  dst.smin = subS64(dst.smin, src.smax);
  let o = ovf;
  if (!o) {
    dst.smax = subS64(dst.smax, src.smin);
    o = ovf;
  }
  if (o) {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  }
  dst.umin = subU64(dst.umin, umax);
  const minUnderflow = ovf;
  dst.umax = subU64(dst.umax, umin);
  const maxUnderflow = ovf;
  if (minUnderflow && !maxUnderflow) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  }
}

// ---- MUL ----

/** Models `scalar32_min_max_mul`. */
export function scalar32MinMaxMul(dst: RegState, src: RegState): void {
  dst.u32Max = mulU32(dst.u32Max, src.u32Max);
  let o = ovf;
  if (!o) {
    dst.u32Min = mulU32(dst.u32Min, src.u32Min);
    o = ovf;
  }
  if (o) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  }
  const p0 = mulS32(dst.s32Min, src.s32Min);
  let so = ovf;
  const p1 = so ? 0 : mulS32(dst.s32Min, src.s32Max);
  so ||= ovf;
  const p2 = so ? 0 : mulS32(dst.s32Max, src.s32Min);
  so ||= ovf;
  const p3 = so ? 0 : mulS32(dst.s32Max, src.s32Max);
  so ||= ovf;
  if (so) {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  } else {
    dst.s32Min = Math.min(p0, p1, p2, p3);
    dst.s32Max = Math.max(p0, p1, p2, p3);
  }
}

/** Models `scalar_min_max_mul`. */
export function scalarMinMaxMul(dst: RegState, src: RegState): void {
  dst.umax = mulU64(dst.umax, src.umax);
  let o = ovf;
  if (!o) {
    dst.umin = mulU64(dst.umin, src.umin);
    o = ovf;
  }
  if (o) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  }
  const p0 = mulS64(dst.smin, src.smin);
  let so = ovf;
  const p1 = so ? 0n : mulS64(dst.smin, src.smax);
  so ||= ovf;
  const p2 = so ? 0n : mulS64(dst.smax, src.smin);
  so ||= ovf;
  const p3 = so ? 0n : mulS64(dst.smax, src.smax);
  so ||= ovf;
  if (so) {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  } else {
    let mn = p0;
    let mx = p0;
    for (const p of [p1, p2, p3]) {
      if (p < mn) mn = p;
      if (p > mx) mx = p;
    }
    dst.smin = mn;
    dst.smax = mx;
  }
}

// ---- AND / OR / XOR ----

function s32FromU32(dst: RegState): void {
  // Safe to cast the u32 result into s32 only when it does not cross the sign boundary.
  if ((dst.u32Min | 0) <= (dst.u32Max | 0)) {
    dst.s32Min = dst.u32Min | 0;
    dst.s32Max = dst.u32Max | 0;
  } else {
    dst.s32Min = S32_MIN;
    dst.s32Max = S32_MAX;
  }
}

function s64FromU64(dst: RegState): void {
  if (BigInt.asIntN(64, dst.umin) <= BigInt.asIntN(64, dst.umax)) {
    dst.smin = BigInt.asIntN(64, dst.umin);
    dst.smax = BigInt.asIntN(64, dst.umax);
  } else {
    dst.smin = S64_MIN;
    dst.smax = S64_MAX;
  }
}

/** Models `scalar32_min_max_and` (dst var_off already holds the result tnum). */
export function scalar32MinMaxAnd(dst: RegState, src: RegState): void {
  const srcKnown = tnumSubregIsConst(src.varOff);
  const dstKnown = tnumSubregIsConst(dst.varOff);
  const var32 = tnumSubreg(dst.varOff);
  if (srcKnown && dstKnown) {
    markReg32Known(dst, var32.value);
    return;
  }
  // Minimum from var_off (inherently bitwise); maximum is the minimum of the maxima.
  dst.u32Min = Number(var32.value);
  dst.u32Max = Math.min(dst.u32Max, src.u32Max);
  s32FromU32(dst);
}

/** Models `scalar_min_max_and`. */
export function scalarMinMaxAnd(dst: RegState, src: RegState): void {
  const srcKnown = tnumIsConst(src.varOff);
  const dstKnown = tnumIsConst(dst.varOff);
  if (srcKnown && dstKnown) {
    markRegKnown(dst, dst.varOff.value);
    return;
  }
  dst.umin = dst.varOff.value;
  dst.umax = bmin(dst.umax, src.umax);
  s64FromU64(dst);
  // We may learn something more from the var_off
  updateRegBounds(dst);
}

/** Models `scalar32_min_max_or`. */
export function scalar32MinMaxOr(dst: RegState, src: RegState): void {
  const srcKnown = tnumSubregIsConst(src.varOff);
  const dstKnown = tnumSubregIsConst(dst.varOff);
  const var32 = tnumSubreg(dst.varOff);
  if (srcKnown && dstKnown) {
    markReg32Known(dst, var32.value);
    return;
  }
  // Maximum from var_off; minimum is the maximum of the minima.
  dst.u32Min = Math.max(dst.u32Min, src.u32Min);
  dst.u32Max = Number(var32.value | var32.mask);
  s32FromU32(dst);
}

/** Models `scalar_min_max_or`. */
export function scalarMinMaxOr(dst: RegState, src: RegState): void {
  const srcKnown = tnumIsConst(src.varOff);
  const dstKnown = tnumIsConst(dst.varOff);
  if (srcKnown && dstKnown) {
    markRegKnown(dst, dst.varOff.value);
    return;
  }
  dst.umin = bmax(dst.umin, src.umin);
  dst.umax = dst.varOff.value | dst.varOff.mask;
  s64FromU64(dst);
  updateRegBounds(dst);
}

/** Models `scalar32_min_max_xor`. */
export function scalar32MinMaxXor(dst: RegState, src: RegState): void {
  const srcKnown = tnumSubregIsConst(src.varOff);
  const dstKnown = tnumSubregIsConst(dst.varOff);
  const var32 = tnumSubreg(dst.varOff);
  if (srcKnown && dstKnown) {
    markReg32Known(dst, var32.value);
    return;
  }
  // Both minimum and maximum come from var32_off.
  dst.u32Min = Number(var32.value);
  dst.u32Max = Number(var32.value | var32.mask);
  s32FromU32(dst);
}

/** Models `scalar_min_max_xor`. */
export function scalarMinMaxXor(dst: RegState, src: RegState): void {
  const srcKnown = tnumIsConst(src.varOff);
  const dstKnown = tnumIsConst(dst.varOff);
  if (srcKnown && dstKnown) {
    markRegKnown(dst, dst.varOff.value);
    return;
  }
  dst.umin = dst.varOff.value;
  dst.umax = dst.varOff.value | dst.varOff.mask;
  s64FromU64(dst);
  updateRegBounds(dst);
}

// ---- shifts ----

function scalar32MinMaxLshBounds(dst: RegState, uminVal: bigint, umaxVal: bigint): void {
  // We lose all sign bit information (except what we can pick up from var_off)
  dst.s32Min = S32_MIN;
  dst.s32Max = S32_MAX;
  // If we might shift our top bit out, then we know nothing
  if (umaxVal > 31n || BigInt(dst.u32Max) > 1n << (31n - umaxVal)) {
    dst.u32Min = 0;
    dst.u32Max = U32_MAX;
  } else {
    dst.u32Min = Number(BigInt.asUintN(32, BigInt(dst.u32Min) << uminVal));
    dst.u32Max = Number(BigInt.asUintN(32, BigInt(dst.u32Max) << umaxVal));
  }
}

/** Models `scalar32_min_max_lsh`. */
export function scalar32MinMaxLsh(dst: RegState, src: RegState): void {
  const umaxVal = BigInt(src.u32Max);
  const uminVal = BigInt(src.u32Min);
  // u32 alu operation will zext upper bits
  const subreg = tnumSubreg(dst.varOff);
  scalar32MinMaxLshBounds(dst, uminVal, umaxVal);
  dst.varOff = tnumSubreg(tnumLshift(subreg, src.u32Min));
  // Mark reg64 bounds unknown so they are recomputed from the tnum and zext later.
  markReg64Unbounded(dst);
  updateReg32Bounds(dst);
}

function scalar64MinMaxLshBounds(dst: RegState, uminVal: bigint, umaxVal: bigint): void {
  // Special case <<32: the compiler's sign-extension idiom `<<32 s>>32`; the s32 bounds shifted
  // into the upper half are exact.
  if (uminVal === 32n && umaxVal === 32n) {
    dst.smax = BigInt(dst.s32Max) << 32n;
    dst.smin = BigInt(dst.s32Min) << 32n;
  } else {
    dst.smax = S64_MAX;
    dst.smin = S64_MIN;
  }
  // If we might shift our top bit out, then we know nothing
  if (dst.umax > 1n << (63n - umaxVal)) {
    dst.umin = 0n;
    dst.umax = U64_MAX;
  } else {
    dst.umin = BigInt.asUintN(64, dst.umin << uminVal);
    dst.umax = BigInt.asUintN(64, dst.umax << umaxVal);
  }
}

/** Models `scalar_min_max_lsh`. */
export function scalarMinMaxLsh(dst: RegState, src: RegState): void {
  const umaxVal = src.umax;
  const uminVal = src.umin;
  // scalar64 calc uses 32bit unshifted bounds so must be called first
  scalar64MinMaxLshBounds(dst, uminVal, umaxVal);
  scalar32MinMaxLshBounds(dst, uminVal, umaxVal);
  dst.varOff = tnumLshift(dst.varOff, Number(uminVal));
  updateRegBounds(dst);
}

/** Models `scalar32_min_max_rsh`. */
export function scalar32MinMaxRsh(dst: RegState, src: RegState): void {
  const subreg = tnumSubreg(dst.varOff);
  const umaxVal = src.u32Max;
  const uminVal = src.u32Min;
  // BPF_RSH is an unsigned shift: sign information is lost.
  dst.s32Min = S32_MIN;
  dst.s32Max = S32_MAX;
  dst.varOff = tnumRshift(subreg, uminVal);
  dst.u32Min = dst.u32Min >>> umaxVal;
  dst.u32Max = dst.u32Max >>> uminVal;
  markReg64Unbounded(dst);
  updateReg32Bounds(dst);
}

/** Models `scalar_min_max_rsh`. */
export function scalarMinMaxRsh(dst: RegState, src: RegState): void {
  const umaxVal = src.umax;
  const uminVal = src.umin;
  dst.smin = S64_MIN;
  dst.smax = S64_MAX;
  dst.varOff = tnumRshift(dst.varOff, Number(uminVal));
  dst.umin >>= umaxVal;
  dst.umax >>= uminVal;
  // alu32 bounds depend on the bits shifted in: recompute them from the tnum.
  markReg32Unbounded(dst);
  updateRegBounds(dst);
}

/** Models `scalar32_min_max_arsh` (the shift amount is a known constant here). */
export function scalar32MinMaxArsh(dst: RegState, src: RegState): void {
  const uminVal = src.u32Min;
  dst.s32Min = dst.s32Min >> uminVal;
  dst.s32Max = dst.s32Max >> uminVal;
  dst.varOff = tnumArshift(tnumSubreg(dst.varOff), uminVal, 32);
  // blow away the unsigned bounds and rely on var_off to refine the result
  dst.u32Min = 0;
  dst.u32Max = U32_MAX;
  markReg64Unbounded(dst);
  updateReg32Bounds(dst);
}

/** Models `scalar_min_max_arsh`. */
export function scalarMinMaxArsh(dst: RegState, src: RegState): void {
  const uminVal = src.umin;
  dst.smin >>= uminVal;
  dst.smax >>= uminVal;
  dst.varOff = tnumArshift(dst.varOff, Number(uminVal), 64);
  dst.umin = 0n;
  dst.umax = U64_MAX;
  markReg32Unbounded(dst);
  updateRegBounds(dst);
}

// ---- BPF_END ----

/**
 * Byte swap: `bswap` (ALU64) always swaps; `le` is a truncation on little-endian hosts, `be` a
 * swap. The swapped size's truncation follows for 16/32. Models `scalar_byte_swap` (with the
 * 6.18-stable id reset), for a little-endian host (x86-64, arm64).
 */
export function scalarByteSwap(dst: RegState, code: number, imm: number): void {
  const alu64 = bpfClass(code) === BPF_CLASS.ALU64;
  const toLe = (code & BPF_SRC_X) === 0;
  const isBigEndian = false;
  const needBswap = alu64 || toLe === isBigEndian;
  if (needBswap || imm === 16 || imm === 32) dst.id = 0;
  if (needBswap) {
    if (imm === 16) dst.varOff = tnumBswap16(dst.varOff);
    else if (imm === 32) dst.varOff = tnumBswap32(dst.varOff);
    else if (imm === 64) dst.varOff = tnumBswap64(dst.varOff);
    // Byteswap scrambles the range: bounds are re-derived from the new tnum.
    markRegUnbounded(dst);
  }
  if (imm === 16 || imm === 32) coerceRegToSize(dst, imm / 8);
}

const BPF_SRC_X = 0x08;

// ---- forking on [-1, 0] ----

/**
 * When `dst` is in [-1, 0] (64-bit, else 32-bit) and is AND-ed/OR-ed with a constant, the
 * verifier explores both values separately: `dst` becomes -1 and the returned register (a copy of
 * `dst` with 0) is the state of the branch pushed at the same instruction. Returns `null` when no
 * fork happens. Models `maybe_fork_scalars` (6.18-stable).
 */
export function maybeForkScalars(dst: RegState): RegState | null {
  let alu32: boolean;
  if (dst.smin === -1n && dst.smax === 0n) alu32 = false;
  else if (dst.s32Min === -1 && dst.s32Max === 0) alu32 = true;
  else return null;
  const branch = cloneRegState(dst);
  if (alu32) {
    markReg32Known(branch, 0n);
    markReg32Known(dst, -1n);
  } else {
    markRegKnown(branch, 0n);
    markRegKnown(dst, -1n);
  }
  return branch;
}

// ---- dispatcher ----

function forkIfNeeded(dst: RegState, onFork?: (branchDst: RegState) => void): void {
  const branch = maybeForkScalars(dst);
  if (branch !== null && onFork !== undefined) onFork(branch);
}

/**
 * Whether the destination's range can be computed for this instruction: always for ADD, SUB,
 * NEG, AND, XOR, OR, MUL; for shifts only with a constant shift amount below the width.
 * Models `is_safe_to_compute_dst_reg_range`.
 */
export function isSafeToComputeDstRegRange(code: number, src: RegState): boolean {
  const bitness = bpfClass(code) === BPF_CLASS.ALU64 ? 64 : 32;
  let srcIsConst = false;
  if (bitness === 32) {
    srcIsConst = tnumSubregIsConst(src.varOff) && src.s32Min === src.s32Max && src.u32Min === src.u32Max;
  } else {
    srcIsConst = tnumIsConst(src.varOff) && src.smin === src.smax && src.umin === src.umax;
  }
  switch (bpfOp(code)) {
    case BPF_ALU_OP.ADD:
    case BPF_ALU_OP.SUB:
    case BPF_ALU_OP.NEG:
    case BPF_ALU_OP.AND:
    case BPF_ALU_OP.XOR:
    case BPF_ALU_OP.OR:
    case BPF_ALU_OP.MUL:
    case BPF_ALU_OP.END:
      return true;
    case BPF_ALU_OP.LSH:
    case BPF_ALU_OP.RSH:
    case BPF_ALU_OP.ARSH:
      return srcIsConst && src.umax < BigInt(bitness);
    default:
      return false;
  }
}

/**
 * Applies the ALU/ALU64 instruction `code` to the scalar `dst` with the scalar operand `src`
 * (for BPF_K, the caller passes a known register holding the sign-extended immediate; for
 * BPF_NEG and BPF_END, `src` is ignored and `imm` is the END width). Updates `dst` in place; `src`
 * is not modified (the kernel passes it by value). When the verifier would fork (see
 * `maybeForkScalars`), `onFork` receives the destination register of the pushed branch, whose
 * state is the one *before* this instruction. Models `adjust_scalar_min_max_vals` (privileged: `__mark_reg_unknown` gives an
 * imprecise register).
 */
export function adjustScalarMinMaxVals(
  code: number,
  dst: RegState,
  srcIn: Readonly<RegState>,
  imm = 0,
  onFork?: (branchDst: RegState) => void,
): void {
  const op = bpfOp(code);
  const alu32 = bpfClass(code) !== BPF_CLASS.ALU64;
  const src = srcIn as RegState;
  if (!isSafeToComputeDstRegRange(code, src)) {
    markRegUnknown(dst);
    return;
  }
  switch (op) {
    case BPF_ALU_OP.ADD:
      scalar32MinMaxAdd(dst, src);
      scalarMinMaxAdd(dst, src);
      dst.varOff = tnumAdd(dst.varOff, src.varOff);
      break;
    case BPF_ALU_OP.SUB:
      scalar32MinMaxSub(dst, src);
      scalarMinMaxSub(dst, src);
      dst.varOff = tnumSub(dst.varOff, src.varOff);
      break;
    case BPF_ALU_OP.NEG: {
      const fake = cloneRegState(dst);
      markRegKnown(dst, 0n);
      scalar32MinMaxSub(dst, fake);
      scalarMinMaxSub(dst, fake);
      dst.varOff = tnumNeg(fake.varOff);
      break;
    }
    case BPF_ALU_OP.MUL:
      dst.varOff = tnumMul(dst.varOff, src.varOff);
      scalar32MinMaxMul(dst, src);
      scalarMinMaxMul(dst, src);
      break;
    case BPF_ALU_OP.AND:
      if (tnumIsConst(src.varOff)) forkIfNeeded(dst, onFork);
      dst.varOff = tnumAnd(dst.varOff, src.varOff);
      scalar32MinMaxAnd(dst, src);
      scalarMinMaxAnd(dst, src);
      break;
    case BPF_ALU_OP.OR:
      if (tnumIsConst(src.varOff)) forkIfNeeded(dst, onFork);
      dst.varOff = tnumOr(dst.varOff, src.varOff);
      scalar32MinMaxOr(dst, src);
      scalarMinMaxOr(dst, src);
      break;
    case BPF_ALU_OP.XOR:
      dst.varOff = tnumXor(dst.varOff, src.varOff);
      scalar32MinMaxXor(dst, src);
      scalarMinMaxXor(dst, src);
      break;
    case BPF_ALU_OP.LSH:
      if (alu32) scalar32MinMaxLsh(dst, src);
      else scalarMinMaxLsh(dst, src);
      break;
    case BPF_ALU_OP.RSH:
      if (alu32) scalar32MinMaxRsh(dst, src);
      else scalarMinMaxRsh(dst, src);
      break;
    case BPF_ALU_OP.ARSH:
      if (alu32) scalar32MinMaxArsh(dst, src);
      else scalarMinMaxArsh(dst, src);
      break;
    case BPF_ALU_OP.END:
      scalarByteSwap(dst, code, imm);
      break;
    default:
      break;
  }
  // ALU32 ops are zero extended into 64bit register (BPF_END truncates in its helper)
  if (alu32 && op !== BPF_ALU_OP.END) zext32To64(dst);
  regBoundsSync(dst);
}
