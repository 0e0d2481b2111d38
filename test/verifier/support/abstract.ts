/**
 * Helpers for soundness property tests: abstract scalars built from sets of concrete values, a
 * membership check over every component of the state, and the concrete eBPF ALU semantics
 * (BigInt reference, as kernel/bpf/core.c ___bpf_prog_run computes them).
 */
import fc from 'fast-check';
import { regBoundsSync } from '../../../src/verifier/bounds.js';
import { REG_TYPE, type RegState, scalarConst } from '../../../src/verifier/reg-state.js';
import { tnumContains, tnumUnion } from '../../../src/verifier/tnum.js';

const M64 = (1n << 64n) - 1n;

/** Concrete 64-bit values, biased towards boundaries of the 32/64-bit signed/unsigned domains. */
export const arbValue = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.bigInt({ min: 0n, max: 0x200n }),
  fc.bigInt({ min: -0x200n, max: -1n }).map((x) => BigInt.asUintN(64, x)),
  fc.bigInt({ min: 0x7fff_ff00n, max: 0x1_0000_00ffn }),
  fc.bigInt({ min: -0x1_0000_00ffn, max: -0x7fff_ff00n }).map((x) => BigInt.asUintN(64, x)),
  fc.constantFrom(0n, 1n, 1n << 63n, (1n << 63n) - 1n, M64, 0xffff_ffffn, 1n << 32n),
);

/** A small set of concrete values, often clustered so the abstraction is tight. */
export const arbValueSet = fc.oneof(
  fc.array(arbValue, { minLength: 1, maxLength: 4 }),
  fc
    .tuple(arbValue, fc.array(fc.bigInt({ min: -40n, max: 40n }), { minLength: 1, maxLength: 4 }))
    .map(([base, ds]) => ds.map((d) => BigInt.asUintN(64, base + d))),
);

/** The abstract scalar joining `values` (tnum union, min/max in every domain), then synced. */
export function abstractOf(values: readonly bigint[]): RegState {
  const first = values[0] ?? 0n;
  const r = scalarConst(first);
  r.type = REG_TYPE.SCALAR_VALUE;
  for (const v of values) {
    const u = BigInt.asUintN(64, v);
    const s = BigInt.asIntN(64, v);
    const u32 = Number(u & 0xffff_ffffn);
    const s32 = u32 | 0;
    r.varOff = tnumUnion(r.varOff, { value: u, mask: 0n });
    if (u < r.umin) r.umin = u;
    if (u > r.umax) r.umax = u;
    if (s < r.smin) r.smin = s;
    if (s > r.smax) r.smax = s;
    if (u32 < r.u32Min) r.u32Min = u32;
    if (u32 > r.u32Max) r.u32Max = u32;
    if (s32 < r.s32Min) r.s32Min = s32;
    if (s32 > r.s32Max) r.s32Max = s32;
  }
  regBoundsSync(r);
  return r;
}

/** Which component of `r` excludes `x`, or undefined when `x` is a member. */
export function whyNotMember(r: RegState, x: bigint): string | undefined {
  const u = BigInt.asUintN(64, x);
  const s = BigInt.asIntN(64, x);
  const u32 = Number(u & 0xffff_ffffn);
  const s32 = u32 | 0;
  if (r.type !== REG_TYPE.SCALAR_VALUE) return 'not a scalar';
  if (!tnumContains(r.varOff, u)) return 'var_off';
  if (u < r.umin || u > r.umax) return 'u64 range';
  if (s < r.smin || s > r.smax) return 's64 range';
  if (u32 < r.u32Min || u32 > r.u32Max) return 'u32 range';
  if (s32 < r.s32Min || s32 > r.s32Max) return 's32 range';
  return undefined;
}

const mask64 = (x: bigint) => BigInt.asUintN(64, x);
const zext32 = (x: bigint) => BigInt.asUintN(32, x);

/**
 * Concrete result of ALU op `op` (BPF_OP bits) on `dst`, `src`, for ALU64 (`is64`) or ALU32
 * (zero-extended). `off` selects signed div/mod (off = 1). Division by zero gives 0, modulo by
 * zero leaves dst (the eBPF semantics).
 */
export function concreteAlu(op: number, is64: boolean, dst: bigint, src: bigint, off = 0): bigint {
  const bits = is64 ? 64 : 32;
  const a = BigInt.asUintN(bits, dst);
  const b = BigInt.asUintN(bits, src);
  const sa = BigInt.asIntN(bits, dst);
  const sb = BigInt.asIntN(bits, src);
  const wrap = (x: bigint) => BigInt.asUintN(bits, x);
  const shift = b & BigInt(bits - 1);
  let r: bigint;
  switch (op) {
    case 0x00:
      r = wrap(a + b);
      break;
    case 0x10:
      r = wrap(a - b);
      break;
    case 0x20:
      r = wrap(a * b);
      break;
    case 0x30:
      if (b === 0n) r = 0n;
      else if (off === 1) r = wrap(sb === -1n ? -sa : sa / sb);
      else r = a / b;
      break;
    case 0x90:
      if (b === 0n) r = a;
      else if (off === 1) r = wrap(sb === -1n ? 0n : sa % sb);
      else r = a % b;
      break;
    case 0x40:
      r = a | b;
      break;
    case 0x50:
      r = a & b;
      break;
    case 0xa0:
      r = a ^ b;
      break;
    case 0x60:
      r = wrap(a << shift);
      break;
    case 0x70:
      r = a >> shift;
      break;
    case 0xc0:
      r = wrap(sa >> shift);
      break;
    case 0x80:
      r = wrap(-a);
      break;
    default:
      throw new Error(`op 0x${op.toString(16)}`);
  }
  return is64 ? mask64(r) : zext32(r);
}

/** Whether the jump condition `op` holds for (dst, src) in 64 or 32 bits. */
export function concreteCond(op: number, is32: boolean, dst: bigint, src: bigint): boolean {
  const bits = is32 ? 32 : 64;
  const a = BigInt.asUintN(bits, dst);
  const b = BigInt.asUintN(bits, src);
  const sa = BigInt.asIntN(bits, dst);
  const sb = BigInt.asIntN(bits, src);
  switch (op) {
    case 0x10:
      return a === b;
    case 0x50:
      return a !== b;
    case 0x20:
      return a > b;
    case 0x30:
      return a >= b;
    case 0xa0:
      return a < b;
    case 0xb0:
      return a <= b;
    case 0x60:
      return sa > sb;
    case 0x70:
      return sa >= sb;
    case 0xc0:
      return sa < sb;
    case 0xd0:
      return sa <= sb;
    case 0x40:
      return (a & b) !== 0n;
    case 0x48: // JSET | X: the verifier's internal "not JSET"
      return (a & b) === 0n;
    default:
      throw new Error(`cond 0x${op.toString(16)}`);
  }
}
