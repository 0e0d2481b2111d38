/**
 * @fileoverview Conditional jumps on scalars: predicting the outcome and narrowing both sides.
 *
 * Models kernel/bpf/verifier.c (Linux 6.18) `flip_opcode`, `rev_opcode`, `is_scalar_branch_taken`,
 * `is_branch_taken` (its scalar part and the pointer-vs-NULL rule), `regs_refine_cond_op`,
 * `reg_set_min_max` (linked registers: linked-regs.ts).
 */
import { BPF_JMP_OP, BPF_SRC } from '../isa/opcodes.js';
import {
  isRegConst,
  markRegUnbounded,
  regBoundsSanityCheck,
  regBoundsSync,
  regConstValue,
} from './bounds.js';
import { REG_TYPE, type RegState, TYPE_FLAG } from './reg-state.js';
import {
  tnumAnd,
  tnumConst,
  tnumIntersect,
  tnumIsConst,
  tnumOr,
  tnumOverlap,
  tnumSubreg,
  tnumWithSubreg,
  U64_MAX,
} from './tnum.js';

const J = BPF_JMP_OP;

/** The condition with operands swapped (`a < b` ⇔ `b > a`). Models `flip_opcode`. */
export function flipOpcode(opcode: number): number {
  switch (opcode) {
    case J.JLT:
      return J.JGT;
    case J.JGT:
      return J.JLT;
    case J.JLE:
      return J.JGE;
    case J.JGE:
      return J.JLE;
    case J.JSLT:
      return J.JSGT;
    case J.JSGT:
      return J.JSLT;
    case J.JSLE:
      return J.JSGE;
    case J.JSGE:
      return J.JSLE;
    default:
      return opcode;
  }
}

/** `BPF_JSET | BPF_X`: the verifier's internal "not JSET" condition (see `rev_opcode`). */
export const JSET_NOT = J.JSET | BPF_SRC.X;

/** The negated condition, for the fall-through branch. Models `rev_opcode`. */
export function revOpcode(opcode: number): number {
  switch (opcode) {
    case J.JEQ:
      return J.JNE;
    case J.JNE:
      return J.JEQ;
    case J.JSET:
      return JSET_NOT;
    case JSET_NOT:
      return J.JSET;
    case J.JGT:
      return J.JLE;
    case J.JLE:
      return J.JGT;
    case J.JGE:
      return J.JLT;
    case J.JLT:
      return J.JGE;
    case J.JSGT:
      return J.JSLE;
    case J.JSLE:
      return J.JSGT;
    case J.JSGE:
      return J.JSLT;
    case J.JSLT:
      return J.JSGE;
    default:
      return opcode;
  }
}

/**
 * 1 if the jump is always taken, 0 if never, -1 if unknown, for two scalars.
 * Models `is_scalar_branch_taken`.
 */
export function isScalarBranchTaken(
  reg1In: RegState,
  reg2In: RegState,
  opcode: number,
  isJmp32: boolean,
): number {
  let reg1 = reg1In;
  let reg2 = reg2In;
  let t1 = isJmp32 ? tnumSubreg(reg1.varOff) : reg1.varOff;
  let t2 = isJmp32 ? tnumSubreg(reg2.varOff) : reg2.varOff;
  const umin1 = isJmp32 ? BigInt(reg1.u32Min) : reg1.umin;
  const umax1 = isJmp32 ? BigInt(reg1.u32Max) : reg1.umax;
  const smin1 = isJmp32 ? BigInt(reg1.s32Min) : reg1.smin;
  const smax1 = isJmp32 ? BigInt(reg1.s32Max) : reg1.smax;
  const umin2 = isJmp32 ? BigInt(reg2.u32Min) : reg2.umin;
  const umax2 = isJmp32 ? BigInt(reg2.u32Max) : reg2.umax;
  const smin2 = isJmp32 ? BigInt(reg2.s32Min) : reg2.smin;
  const smax2 = isJmp32 ? BigInt(reg2.s32Max) : reg2.smax;

  switch (opcode) {
    case J.JEQ:
      // constants, umin/umax and smin/smax checks would be redundant
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value === t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 0;
      // non-overlapping ranges
      if (umin1 > umax2 || umax1 < umin2) return 0;
      if (smin1 > smax2 || smax1 < smin2) return 0;
      if (!isJmp32) {
        // if 64-bit ranges are inconclusive, use 32-bit subrange knowledge
        if (reg1.u32Min > reg2.u32Max || reg1.u32Max < reg2.u32Min) return 0;
        if (reg1.s32Min > reg2.s32Max || reg1.s32Max < reg2.s32Min) return 0;
      }
      break;
    case J.JNE:
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value !== t2.value ? 1 : 0;
      if (!tnumOverlap(t1, t2)) return 1;
      if (umin1 > umax2 || umax1 < umin2) return 1;
      if (smin1 > smax2 || smax1 < smin2) return 1;
      if (!isJmp32) {
        if (reg1.u32Min > reg2.u32Max || reg1.u32Max < reg2.u32Min) return 1;
        if (reg1.s32Min > reg2.s32Max || reg1.s32Max < reg2.s32Min) return 1;
      }
      break;
    case J.JSET:
      if (!isRegConst(reg2, isJmp32)) {
        [reg1, reg2] = [reg2, reg1];
        [t1, t2] = [t2, t1];
      }
      if (!isRegConst(reg2, isJmp32)) return -1;
      if ((~t1.mask & t1.value & t2.value) !== 0n) return 1;
      if (((t1.mask | t1.value) & t2.value) === 0n) return 0;
      break;
    case J.JGT:
      if (umin1 > umax2) return 1;
      if (umax1 <= umin2) return 0;
      break;
    case J.JSGT:
      if (smin1 > smax2) return 1;
      if (smax1 <= smin2) return 0;
      break;
    case J.JLT:
      if (umax1 < umin2) return 1;
      if (umin1 >= umax2) return 0;
      break;
    case J.JSLT:
      if (smax1 < smin2) return 1;
      if (smin1 >= smax2) return 0;
      break;
    case J.JGE:
      if (umin1 >= umax2) return 1;
      if (umax1 < umin2) return 0;
      break;
    case J.JSGE:
      if (smin1 >= smax2) return 1;
      if (smax1 < smin2) return 0;
      break;
    case J.JLE:
      if (umax1 <= umin2) return 1;
      if (umin1 > umax2) return 0;
      break;
    case J.JSLE:
      if (smax1 <= smin2) return 1;
      if (smin1 > smax2) return 0;
      break;
    default:
      break;
  }
  return -1;
}

function isPointerValue(reg: RegState): boolean {
  return reg.type !== REG_TYPE.SCALAR_VALUE && reg.type !== REG_TYPE.NOT_INIT;
}

/**
 * Pointers that cannot be NULL: sockets, map values and keys, memory, map pointers (not ctx,
 * stack or packet pointers, whose comparisons with 0 stay unpredicted). Models `reg_not_null`.
 */
export function regNotNull(reg: RegState): boolean {
  if ((reg.type & TYPE_FLAG.PTR_MAYBE_NULL) !== 0) return false;
  const t = reg.type & 0xff;
  return (
    t === REG_TYPE.PTR_TO_SOCKET ||
    t === REG_TYPE.PTR_TO_TCP_SOCK ||
    t === REG_TYPE.PTR_TO_MAP_VALUE ||
    t === REG_TYPE.PTR_TO_MAP_KEY ||
    t === REG_TYPE.PTR_TO_SOCK_COMMON ||
    (t === REG_TYPE.PTR_TO_BTF_ID && (reg.type & TYPE_FLAG.PTR_TRUSTED) !== 0) ||
    (t === REG_TYPE.PTR_TO_MEM && (reg.type & TYPE_FLAG.PTR_UNTRUSTED) === 0) ||
    t === REG_TYPE.CONST_PTR_TO_MAP
  );
}

/**
 * Branch prediction: 1 taken, 0 not taken, -1 unknown. A pointer that cannot be NULL (`reg_not_null`) compared with the
 * constant 0 decides JEQ/JNE; otherwise pointers give -1. Packet-pointer comparisons
 * (`is_pkt_ptr_branch_taken`) belong to the packet-access code and are not modelled here.
 * Models `is_branch_taken`.
 */
export function isBranchTaken(
  reg1In: RegState,
  reg2In: RegState,
  opcodeIn: number,
  isJmp32: boolean,
): number {
  let reg1 = reg1In;
  let reg2 = reg2In;
  let opcode = opcodeIn;
  if (isPointerValue(reg1) || isPointerValue(reg2)) {
    // arrange that reg2 is a scalar, and reg1 is a pointer
    if (!isRegConst(reg2, isJmp32)) {
      opcode = flipOpcode(opcode);
      [reg1, reg2] = [reg2, reg1];
    }
    // and ensure that reg2 is a constant
    if (!isRegConst(reg2, isJmp32)) return -1;
    if (!regNotNull(reg1)) return -1;
    if (regConstValue(reg2, isJmp32) !== 0n) return -1;
    if (opcode === J.JEQ) return 0;
    if (opcode === J.JNE) return 1;
    return -1;
  }
  return isScalarBranchTaken(reg1, reg2, opcode, isJmp32);
}

function umaxB(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
function uminB(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Narrows two scalars under the assumption that `reg1 <opcode> reg2` holds. Models
 * `regs_refine_cond_op`.
 */
export function regsRefineCondOp(
  reg1In: RegState,
  reg2In: RegState,
  opcodeIn: number,
  isJmp32: boolean,
): void {
  let reg1 = reg1In;
  let reg2 = reg2In;
  let opcode = opcodeIn;
  // In case of GE/GT/SGE/SGT, reuse LE/LT/SLE/SLT logic from below
  switch (opcode) {
    case J.JGE:
    case J.JGT:
    case J.JSGE:
    case J.JSGT:
      opcode = flipOpcode(opcode);
      [reg1, reg2] = [reg2, reg1];
      break;
    default:
      break;
  }

  switch (opcode) {
    case J.JEQ:
      if (isJmp32) {
        reg1.u32Min = Math.max(reg1.u32Min, reg2.u32Min);
        reg1.u32Max = Math.min(reg1.u32Max, reg2.u32Max);
        reg1.s32Min = Math.max(reg1.s32Min, reg2.s32Min);
        reg1.s32Max = Math.min(reg1.s32Max, reg2.s32Max);
        reg2.u32Min = reg1.u32Min;
        reg2.u32Max = reg1.u32Max;
        reg2.s32Min = reg1.s32Min;
        reg2.s32Max = reg1.s32Max;
        const t = tnumIntersect(tnumSubreg(reg1.varOff), tnumSubreg(reg2.varOff));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
        reg2.varOff = tnumWithSubreg(reg2.varOff, t);
      } else {
        reg1.umin = umaxB(reg1.umin, reg2.umin);
        reg1.umax = uminB(reg1.umax, reg2.umax);
        reg1.smin = umaxB(reg1.smin, reg2.smin);
        reg1.smax = uminB(reg1.smax, reg2.smax);
        reg2.umin = reg1.umin;
        reg2.umax = reg1.umax;
        reg2.smin = reg1.smin;
        reg2.smax = reg1.smax;
        reg1.varOff = tnumIntersect(reg1.varOff, reg2.varOff);
        reg2.varOff = reg1.varOff;
      }
      break;
    case J.JNE: {
      if (!isRegConst(reg2, isJmp32)) [reg1, reg2] = [reg2, reg1];
      if (!isRegConst(reg2, isJmp32)) break;
      // try to recompute the bound of reg1 if reg2 is a const at the edge of reg1's range
      const val = regConstValue(reg2, isJmp32);
      if (isJmp32) {
        const u = Number(val);
        const s = u | 0;
        if (reg1.u32Min === u) reg1.u32Min = (reg1.u32Min + 1) >>> 0;
        if (reg1.u32Max === u) reg1.u32Max = (reg1.u32Max - 1) >>> 0;
        if (reg1.s32Min === s) reg1.s32Min = (reg1.s32Min + 1) | 0;
        if (reg1.s32Max === s) reg1.s32Max = (reg1.s32Max - 1) | 0;
      } else {
        const s = BigInt.asIntN(64, val);
        if (reg1.umin === val) reg1.umin = BigInt.asUintN(64, reg1.umin + 1n);
        if (reg1.umax === val) reg1.umax = BigInt.asUintN(64, reg1.umax - 1n);
        if (reg1.smin === s) reg1.smin = BigInt.asIntN(64, reg1.smin + 1n);
        if (reg1.smax === s) reg1.smax = BigInt.asIntN(64, reg1.smax - 1n);
      }
      break;
    }
    case J.JSET: {
      if (!isRegConst(reg2, isJmp32)) [reg1, reg2] = [reg2, reg1];
      if (!isRegConst(reg2, isJmp32)) break;
      const val = regConstValue(reg2, isJmp32);
      // Only a single-bit mask teaches something definite on the TRUE branch.
      if (val === 0n || (val & (val - 1n)) !== 0n) break;
      if (isJmp32) {
        const t = tnumOr(tnumSubreg(reg1.varOff), tnumConst(val));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
      } else {
        reg1.varOff = tnumOr(reg1.varOff, tnumConst(val));
      }
      break;
    }
    case JSET_NOT: {
      if (!isRegConst(reg2, isJmp32)) [reg1, reg2] = [reg2, reg1];
      if (!isRegConst(reg2, isJmp32)) break;
      const val = regConstValue(reg2, isJmp32);
      // Forget the ranges before narrowing tnums, to avoid invariant violations on a dead branch.
      markRegUnbounded(reg1);
      if (isJmp32) {
        const t = tnumAnd(tnumSubreg(reg1.varOff), tnumConst(~val & U64_MAX));
        reg1.varOff = tnumWithSubreg(reg1.varOff, t);
      } else {
        reg1.varOff = tnumAnd(reg1.varOff, tnumConst(~val & U64_MAX));
      }
      break;
    }
    case J.JLE:
      if (isJmp32) {
        reg1.u32Max = Math.min(reg1.u32Max, reg2.u32Max);
        reg2.u32Min = Math.max(reg1.u32Min, reg2.u32Min);
      } else {
        reg1.umax = uminB(reg1.umax, reg2.umax);
        reg2.umin = umaxB(reg1.umin, reg2.umin);
      }
      break;
    case J.JLT:
      if (isJmp32) {
        reg1.u32Max = Math.min(reg1.u32Max, (reg2.u32Max - 1) >>> 0);
        reg2.u32Min = Math.max((reg1.u32Min + 1) >>> 0, reg2.u32Min);
      } else {
        reg1.umax = uminB(reg1.umax, BigInt.asUintN(64, reg2.umax - 1n));
        reg2.umin = umaxB(BigInt.asUintN(64, reg1.umin + 1n), reg2.umin);
      }
      break;
    case J.JSLE:
      if (isJmp32) {
        reg1.s32Max = Math.min(reg1.s32Max, reg2.s32Max);
        reg2.s32Min = Math.max(reg1.s32Min, reg2.s32Min);
      } else {
        reg1.smax = uminB(reg1.smax, reg2.smax);
        reg2.smin = umaxB(reg1.smin, reg2.smin);
      }
      break;
    case J.JSLT:
      if (isJmp32) {
        reg1.s32Max = Math.min(reg1.s32Max, (reg2.s32Max - 1) | 0);
        reg2.s32Min = Math.max((reg1.s32Min + 1) | 0, reg2.s32Min);
      } else {
        reg1.smax = uminB(reg1.smax, BigInt.asIntN(64, reg2.smax - 1n));
        reg2.smin = umaxB(BigInt.asIntN(64, reg1.smin + 1n), reg2.smin);
      }
      break;
    default:
      break;
  }
}

/** Result of `reg_set_min_max`: invariant violations found (empty when none). */
export interface SetMinMaxResult {
  violations: string[];
}

/**
 * Narrows the registers of both successors of a conditional jump: `false*` (fall-through, the
 * negated condition) and `true*` (jump taken). Pointers are left alone. Registers whose bounds
 * become inconsistent (the branch is infeasible) are marked unbounded, as the kernel does without
 * `BPF_F_TEST_REG_INVARIANTS`; the messages are returned for callers that load with that flag
 * (a 6.18.44 kernel prints nothing in the log for them without the flag — observed with the
 * differential tests). Models `reg_set_min_max`.
 */
export function regSetMinMax(
  trueReg1: RegState,
  trueReg2: RegState,
  falseReg1: RegState,
  falseReg2: RegState,
  opcode: number,
  isJmp32: boolean,
): SetMinMaxResult {
  const violations: string[] = [];
  if (falseReg1.type !== REG_TYPE.SCALAR_VALUE || falseReg2.type !== REG_TYPE.SCALAR_VALUE)
    return { violations };
  // fallthrough (FALSE) branch
  regsRefineCondOp(falseReg1, falseReg2, revOpcode(opcode), isJmp32);
  regBoundsSync(falseReg1);
  regBoundsSync(falseReg2);
  // jump (TRUE) branch
  regsRefineCondOp(trueReg1, trueReg2, opcode, isJmp32);
  regBoundsSync(trueReg1);
  regBoundsSync(trueReg2);
  const checks: [RegState, string][] = [
    [trueReg1, 'true_reg1'],
    [trueReg2, 'true_reg2'],
    [falseReg1, 'false_reg1'],
    [falseReg2, 'false_reg2'],
  ];
  for (const [r, name] of checks) {
    const msg = regBoundsSanityCheck(r, name);
    if (msg !== undefined) {
      violations.push(msg);
      markRegUnbounded(r);
    }
  }
  return { violations };
}
