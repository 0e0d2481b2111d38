/**
 * @fileoverview ALU instructions: operand checks, MOV, scalar arithmetic and pointer arithmetic.
 *
 * Models `check_alu_op`, `adjust_reg_min_max_vals`, `adjust_ptr_min_max_vals`,
 * `check_reg_sane_offset`, `reg_bounds_sanity_check` and the Spectre v1 sanitation of loads
 * without CAP_PERFMON (`sanitize_ptr_alu`, `sanitize_val_alu`, `sanitize_check_bounds`) of
 * kernel/bpf/verifier.c (Linux 6.18).
 */
import { BPF_ALU_STRING } from '../../isa/disasm-kernel.js';
import type { Insn } from '../../isa/insn.js';
import { BPF_ALU_OP } from '../../isa/opcodes.js';
import { ERRNO as E } from '../../uapi/errno.js';
import {
  coerceRegToSizeSx,
  coerceSubregToSizeSx,
  markReg32Unbounded,
  markRegKnown,
  markRegKnownBounds,
  markRegUnbounded,
  regBoundsSanityCheck,
  regBoundsSync,
  S64_MAX,
  S64_MIN,
  U64_MAX,
  zext32To64,
} from '../bounds.js';
import { assignScalarIdBeforeMov, trackLinkedConstDelta } from '../linked-regs.js';
import { regTypeStr, tnumStrn } from '../print-state.js';
import { baseType, copyRegState, newRegState, REG_TYPE, type RegState } from '../reg-state.js';
import { adjustScalarMinMaxVals } from '../scalar-alu.js';
import { tnumAdd, tnumIsConst, tnumSub } from '../tnum.js';
import { BPF_MAX_VAR_OFF, type VerifierEnv, VerifyError } from './env.js';
import { checkMemRegionAccess } from './mem.js';
import { markChainPrecision } from './precision.js';
import { checkRegArg, isPointerValue, markUnknown, REG_ARG, regIsPktPointer, typeMayBeNull } from './regs.js';
import { sanitizeSpeculativePath } from './speculative.js';

const ALU64 = 0x07;
const OP = BPF_ALU_OP;
const SRC_X = 0x08;
const BPF_ADDR_SPACE_CAST = 1;
const BPF_F_TEST_REG_INVARIANTS = 1 << 7;

/** Models `reg_bounds_sanity_check`: invariant violations leave the register unbounded. */
export function regBoundsSanity(env: VerifierEnv, reg: RegState, ctx: string): void {
  if (reg.type !== REG_TYPE.SCALAR_VALUE) return;
  if (reg.varOff.mask === 0n && reg.smin === reg.smax && reg.umin === reg.umax) return;
  const msg = regBoundsSanityCheck(reg, ctx);
  if (msg === undefined) return;
  if (env.input.progFlags & BPF_F_TEST_REG_INVARIANTS)
    env.fail(E.EFAULT, `verifier bug: REG INVARIANTS VIOLATION (${ctx}): ${msg}\n`);
  markRegUnbounded(reg);
}

/** Models `check_alu_op`. */
export function checkAluOp(env: VerifierEnv, insn: Insn): void {
  const op = insn.code & 0xf0;
  const is64 = (insn.code & 7) === ALU64;
  const srcX = (insn.code & SRC_X) !== 0;
  const regs = env.regs();
  if (op === OP.END || op === OP.NEG) {
    if (op === OP.NEG) {
      if (srcX || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0)
        env.fail(E.EINVAL, 'BPF_NEG uses reserved fields\n');
    } else if (
      insn.src !== 0 ||
      insn.off !== 0 ||
      (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) ||
      (is64 && srcX)
    ) {
      env.fail(E.EINVAL, 'BPF_END uses reserved fields\n');
    }
    checkRegArg(env, insn.dst, REG_ARG.SRC_OP);
    if (isPointerValue(env, insn.dst)) env.fail(E.EACCES, `R${insn.dst} pointer arithmetic prohibited\n`);
    const dst = regs[insn.dst] as RegState;
    if (op === OP.NEG && dst.type === REG_TYPE.SCALAR_VALUE) {
      checkRegArg(env, insn.dst, REG_ARG.DST_OP_NO_MARK);
      adjustScalarMinMaxVals(insn.code, dst, copyRegState(newRegState(), dst), insn.imm);
    } else if (op === OP.END && dst.type === REG_TYPE.SCALAR_VALUE) {
      checkRegArg(env, insn.dst, REG_ARG.DST_OP_NO_MARK);
      adjustScalarMinMaxVals(insn.code, dst, dst, insn.imm);
      dst.id = 0;
    } else {
      checkRegArg(env, insn.dst, REG_ARG.DST_OP);
    }
  } else if (op === OP.MOV) {
    if (srcX) {
      if (!is64) {
        if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16) || insn.imm)
          env.fail(E.EINVAL, 'BPF_MOV uses reserved fields\n');
      } else if (insn.off === BPF_ADDR_SPACE_CAST) {
        if (insn.imm !== 1 && insn.imm !== 1 << 16)
          env.fail(E.EINVAL, 'addr_space_cast insn can only convert between address space 1 and 0\n');
        env.fail(
          E.EINVAL,
          'addr_space_cast insn can only be used in a program that has an associated arena\n',
        );
      } else if ((insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32) || insn.imm) {
        env.fail(E.EINVAL, 'BPF_MOV uses reserved fields\n');
      }
      checkRegArg(env, insn.src, REG_ARG.SRC_OP);
    } else if (insn.src !== 0 || insn.off !== 0) {
      env.fail(E.EINVAL, 'BPF_MOV uses reserved fields\n');
    }
    checkRegArg(env, insn.dst, REG_ARG.DST_OP_NO_MARK);
    const dst = regs[insn.dst] as RegState;
    if (srcX) {
      const src = regs[insn.src] as RegState;
      if (is64) {
        if (insn.off === 0) {
          assignScalarIdBeforeMov(src, env.idGen);
          copyRegState(dst, src);
        } else if (isPointerValue(env, insn.src)) {
          env.fail(E.EACCES, `R${insn.src} sign-extension part of pointer\n`);
        } else if (src.type === REG_TYPE.SCALAR_VALUE) {
          const noSext = src.umax < 1n << BigInt(insn.off - 1);
          if (noSext) assignScalarIdBeforeMov(src, env.idGen);
          copyRegState(dst, src);
          if (!noSext) dst.id = 0;
          coerceRegToSizeSx(dst, insn.off >> 3);
        } else {
          markUnknown(env, dst);
        }
      } else {
        if (isPointerValue(env, insn.src)) env.fail(E.EACCES, `R${insn.src} partial copy of pointer\n`);
        if (src.type === REG_TYPE.SCALAR_VALUE) {
          if (insn.off === 0) {
            const isU32 = src.umax <= 0xffff_ffffn;
            if (isU32) assignScalarIdBeforeMov(src, env.idGen);
            copyRegState(dst, src);
            if (!isU32) dst.id = 0;
          } else {
            const noSext = src.umax < 1n << BigInt(insn.off - 1);
            if (noSext) assignScalarIdBeforeMov(src, env.idGen);
            copyRegState(dst, src);
            if (!noSext) dst.id = 0;
            coerceSubregToSizeSx(dst, insn.off >> 3);
          }
        } else {
          markUnknown(env, dst);
        }
        zext32To64(dst);
        regBoundsSync(dst);
      }
    } else {
      markUnknown(env, dst);
      dst.type = REG_TYPE.SCALAR_VALUE;
      markRegKnown(dst, is64 ? BigInt(insn.imm) : BigInt(insn.imm >>> 0));
    }
  } else if (op > OP.END) {
    env.fail(E.EINVAL, `invalid BPF_ALU opcode ${(op >> 4).toString(16)}\n`);
  } else {
    const offOk = insn.off === 0 || (insn.off === 1 && (op === OP.MOD || op === OP.DIV));
    if (srcX) {
      if (insn.imm !== 0 || !offOk) env.fail(E.EINVAL, 'BPF_ALU uses reserved fields\n');
      checkRegArg(env, insn.src, REG_ARG.SRC_OP);
    } else if (insn.src !== 0 || !offOk) {
      env.fail(E.EINVAL, 'BPF_ALU uses reserved fields\n');
    }
    checkRegArg(env, insn.dst, REG_ARG.SRC_OP);
    if ((op === OP.MOD || op === OP.DIV) && !srcX && insn.imm === 0) env.fail(E.EINVAL, 'div by zero\n');
    if ((op === OP.LSH || op === OP.RSH || op === OP.ARSH) && !srcX) {
      const size = is64 ? 64 : 32;
      if (insn.imm < 0 || insn.imm >= size) env.fail(E.EINVAL, `invalid shift ${insn.imm}\n`);
    }
    checkRegArg(env, insn.dst, REG_ARG.DST_OP_NO_MARK);
    adjustRegMinMaxVals(env, insn);
  }
  regBoundsSanity(env, regs[insn.dst] as RegState, 'alu');
}

/** Models `adjust_reg_min_max_vals`. */
function adjustRegMinMaxVals(env: VerifierEnv, insn: Insn): void {
  const regs = env.regs();
  const dst = regs[insn.dst] as RegState;
  const op = insn.code & 0xf0;
  let src: RegState;
  const ptrReg = dst.type !== REG_TYPE.SCALAR_VALUE ? dst : null;
  if (insn.code & SRC_X) {
    src = regs[insn.src] as RegState;
    if (src.type !== REG_TYPE.SCALAR_VALUE) {
      if (dst.type !== REG_TYPE.SCALAR_VALUE) {
        if (op === OP.SUB && env.allowPtrLeaks) {
          markUnknown(env, dst);
          return;
        }
        env.fail(E.EACCES, `R${insn.dst} pointer ${BPF_ALU_STRING[op >> 4]} pointer prohibited\n`);
      }
      // scalar += pointer
      markChainPrecision(env, insn.dst);
      adjustPtrMinMaxVals(env, insn, src, dst);
      return;
    }
    if (ptrReg) {
      markChainPrecision(env, insn.src);
      adjustPtrMinMaxVals(env, insn, ptrReg, src);
      return;
    }
    if (dst.precise) markChainPrecision(env, insn.src);
  } else {
    src = env.fakeReg;
    markRegKnown(src, BigInt(insn.imm));
    src.type = REG_TYPE.SCALAR_VALUE;
    if (ptrReg) {
      adjustPtrMinMaxVals(env, insn, ptrReg, src);
      return;
    }
  }
  if (op === OP.ADD || op === OP.SUB) sanitizeValAlu(env, insn);
  const umaxBefore = dst.umax;
  if (dst.varOff.mask === 0n && src.varOff.mask === 0n && constAlu(insn.code, dst, src.varOff.value)) {
    trackLinkedConstDelta(insn.code, dst, src, umaxBefore, env.bpfCapable);
    return;
  }
  const srcCopy = src === dst ? copyRegState(newRegState(), src) : src;
  let forked: RegState | null = null;
  adjustScalarMinMaxVals(insn.code, dst, srcCopy, insn.imm, (b) => {
    forked = b;
  });
  if (forked !== null) pushForkedScalar(env, insn.dst, forked);
  trackLinkedConstDelta(insn.code, dst, srcCopy, umaxBefore, env.bpfCapable);
}

const M64 = (1n << 64n) - 1n;

/**
 * Both operands known: the result is the constant the kernel's range arithmetic arrives at (tnum and
 * bounds of two constants collapse to the exact value). A fast path of `adjust_scalar_min_max_vals`
 * for the ops whose ranges it computes; false for the others (DIV, MOD, out-of-range shifts).
 */
function constAlu(code: number, dst: RegState, b: bigint): boolean {
  const op = code & 0xf0;
  const is64 = (code & 7) === ALU64;
  // tnum values are u64 already: 64-bit ops need masking only where they can leave that range
  const mask = is64 ? M64 : 0xffff_ffffn;
  const x = is64 ? dst.varOff.value : dst.varOff.value & mask;
  const y = is64 ? b : b & mask;
  const width = is64 ? 64n : 32n;
  let r: bigint;
  switch (op) {
    case OP.ADD:
      r = x + y;
      if (r > mask) r -= mask + 1n;
      break;
    case OP.SUB:
      r = x - y;
      if (r < 0n) r += mask + 1n;
      break;
    case OP.MUL:
      r = (x * y) & mask;
      break;
    case OP.AND:
      r = x & y;
      break;
    case OP.OR:
      r = x | y;
      break;
    case OP.XOR:
      r = x ^ y;
      break;
    case OP.LSH:
      if (y >= width) return false;
      r = (x << y) & mask;
      break;
    case OP.RSH:
      if (y >= width) return false;
      r = x >> y;
      break;
    case OP.ARSH:
      if (y >= width) return false;
      r = ((is64 ? BigInt.asIntN(64, x) : BigInt.asIntN(32, x)) >> y) & mask;
      break;
    default:
      return false;
  }
  markRegKnownBounds(dst, r);
  return true;
}

/** The branch `maybe_fork_scalars` pushes: the same insn's successor with dst = 0. */
function pushForkedScalar(env: VerifierEnv, regno: number, branchDst: RegState): void {
  const st = env.pushStack(env.insnIdx + 1, env.insnIdx);
  const f = st.frames[st.curframe];
  if (f) copyRegState(f.regs[regno] as RegState, branchDst);
}

/** Models `check_reg_sane_offset`. */
function checkRegSaneOffset(env: VerifierEnv, reg: RegState, type: number): boolean {
  const known = tnumIsConst(reg.varOff);
  const val = BigInt.asIntN(64, reg.varOff.value);
  const t = regTypeStr(type);
  if (known && (val >= BigInt(BPF_MAX_VAR_OFF) || val <= -BigInt(BPF_MAX_VAR_OFF))) {
    env.verbose(`math between ${t} pointer and ${val} is not allowed\n`);
    return false;
  }
  if (reg.off >= BPF_MAX_VAR_OFF || reg.off <= -BPF_MAX_VAR_OFF) {
    env.verbose(`${t} pointer offset ${reg.off} is not allowed\n`);
    return false;
  }
  if (reg.smin === S64_MIN) {
    env.verbose(`math between ${t} pointer and register with unbounded min value is not allowed\n`);
    return false;
  }
  if (reg.smin >= BigInt(BPF_MAX_VAR_OFF) || reg.smin <= -BigInt(BPF_MAX_VAR_OFF)) {
    env.verbose(`value ${reg.smin} makes ${t} pointer be out of bounds\n`);
    return false;
  }
  return true;
}

const fitsS32 = (v: bigint): boolean => v === BigInt.asIntN(32, v);

/** `ptr +/- K` folded into the fixed offset: the variable part stays the pointer's. */
function keepPtrBounds(dst: RegState, ptr: RegState, off: number): void {
  dst.smin = ptr.smin;
  dst.smax = ptr.smax;
  dst.umin = ptr.umin;
  dst.umax = ptr.umax;
  dst.varOff = ptr.varOff;
  dst.off = off;
}

/** The signed bounds of a new variable offset, or unbounded when they overflowed s64. */
function setSignedOrUnbounded(dst: RegState, smin: bigint, smax: bigint): void {
  const overflow = smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX;
  dst.smin = overflow ? S64_MIN : smin;
  dst.smax = overflow ? S64_MAX : smax;
}

/** Models `adjust_ptr_min_max_vals`: `ptr op scalar` (or `scalar += ptr`) into insn.dst. */
function adjustPtrMinMaxVals(env: VerifierEnv, insn: Insn, ptrIn: RegState, offIn: RegState): void {
  const regs = env.regs();
  const dstno = insn.dst;
  const dst = regs[dstno] as RegState;
  const op = insn.code & 0xf0;
  // work on copies: dst may alias either operand
  const ptr = copyRegState(newRegState(), ptrIn);
  const offReg = copyRegState(newRegState(), offIn);
  const offIsDst = offIn === dst;
  const known = tnumIsConst(offReg.varOff);
  const { smin: sminVal, smax: smaxVal, umin: uminVal, umax: umaxVal } = offReg;
  if ((insn.code & 7) !== ALU64) {
    if (op === OP.SUB && env.allowPtrLeaks) {
      markUnknown(env, dst);
      return;
    }
    env.fail(E.EACCES, `R${dstno} 32-bit pointer arithmetic prohibited\n`);
  }
  if (typeMayBeNull(ptr.type))
    env.fail(
      E.EACCES,
      `R${dstno} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited, null-check it first\n`,
    );
  switch (baseType(ptr.type)) {
    case REG_TYPE.PTR_TO_CTX:
    case REG_TYPE.PTR_TO_MAP_VALUE:
    case REG_TYPE.PTR_TO_MAP_KEY:
    case REG_TYPE.PTR_TO_STACK:
    case REG_TYPE.PTR_TO_PACKET_META:
    case REG_TYPE.PTR_TO_PACKET:
    case REG_TYPE.PTR_TO_TP_BUFFER:
    case REG_TYPE.PTR_TO_BTF_ID:
    case REG_TYPE.PTR_TO_MEM:
    case REG_TYPE.PTR_TO_BUF:
    case REG_TYPE.PTR_TO_FUNC:
    case REG_TYPE.CONST_PTR_TO_DYNPTR:
      break;
    case REG_TYPE.PTR_TO_FLOW_KEYS:
      if (known) break;
      env.fail(E.EACCES, `R${dstno} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited\n`);
      break;
    case REG_TYPE.CONST_PTR_TO_MAP:
      if (known && sminVal === 0n && op === OP.ADD) break;
      env.fail(E.EACCES, `R${dstno} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited\n`);
      break;
    default:
      env.fail(E.EACCES, `R${dstno} pointer arithmetic on ${regTypeStr(ptr.type)} prohibited\n`);
  }
  if ((known && (sminVal !== smaxVal || uminVal !== umaxVal)) || sminVal > smaxVal || uminVal > umaxVal) {
    markUnknown(env, dst);
    return;
  }
  // In case of 'scalar += pointer', dst inherits pointer type and id.
  dst.type = ptr.type;
  dst.id = ptr.id;
  if (!checkRegSaneOffset(env, offReg, ptr.type) || !checkRegSaneOffset(env, ptr, ptr.type))
    env.fail(E.EINVAL);
  markReg32Unbounded(dst);
  const sanitize = op === OP.ADD || op === OP.SUB;
  const info: SanitizeInfo = { maskToLeft: false, aluState: 0, aluLimit: 0 };
  if (sanitize) sanitizePtrAlu(env, insn, ptr, offReg, dst, !offIsDst, info, false);
  const inherit = (): void => {
    dst.map = ptr.map;
    dst.range = ptr.range;
    dst.memSize = ptr.memSize;
    dst.btfName = ptr.btfName;
    dst.frameno = ptr.frameno;
    dst.refObjId = ptr.refObjId;
  };
  switch (op) {
    case OP.ADD: {
      const noff = BigInt(ptr.off) + sminVal;
      if (known && fitsS32(noff)) {
        keepPtrBounds(dst, ptr, Number(noff));
        inherit();
        break;
      }
      setSignedOrUnbounded(dst, ptr.smin + sminVal, ptr.smax + smaxVal);
      const umin = ptr.umin + uminVal;
      const umax = ptr.umax + umaxVal;
      if (umin > U64_MAX || umax > U64_MAX) {
        dst.umin = 0n;
        dst.umax = U64_MAX;
      } else {
        dst.umin = umin;
        dst.umax = umax;
      }
      dst.varOff = tnumAdd(ptr.varOff, offReg.varOff);
      dst.off = ptr.off;
      inherit();
      if (regIsPktPointer(ptr)) {
        dst.id = ++env.idGen.value;
        dst.range = 0;
      }
      break;
    }
    case OP.SUB: {
      if (offIsDst) env.fail(E.EACCES, `R${dstno} tried to subtract pointer from scalar\n`);
      if (ptr.type === REG_TYPE.PTR_TO_STACK)
        env.fail(E.EACCES, `R${dstno} subtraction from stack pointer prohibited\n`);
      const noff = BigInt(ptr.off) - sminVal;
      if (known && fitsS32(noff)) {
        keepPtrBounds(dst, ptr, Number(noff));
        dst.id = ptr.id;
        inherit();
        break;
      }
      setSignedOrUnbounded(dst, ptr.smin - smaxVal, ptr.smax - sminVal);
      if (ptr.umin < umaxVal) {
        dst.umin = 0n;
        dst.umax = U64_MAX;
      } else {
        dst.umin = ptr.umin - umaxVal;
        dst.umax = ptr.umax - uminVal;
      }
      dst.varOff = tnumSub(ptr.varOff, offReg.varOff);
      dst.off = ptr.off;
      inherit();
      if (regIsPktPointer(ptr)) {
        dst.id = ++env.idGen.value;
        if (sminVal < 0n) dst.range = 0;
      }
      break;
    }
    case OP.AND:
    case OP.OR:
    case OP.XOR:
      env.fail(E.EACCES, `R${dstno} bitwise operator ${BPF_ALU_STRING[op >> 4]} on pointer prohibited\n`);
      break;
    default:
      env.fail(
        E.EACCES,
        `R${dstno} pointer arithmetic with ${BPF_ALU_STRING[op >> 4]} operator prohibited\n`,
      );
  }
  if (!checkRegSaneOffset(env, dst, ptr.type)) env.fail(E.EINVAL);
  regBoundsSync(dst);
  if (!env.bypassSpecV1) sanitizeCheckBounds(env, dstno, dst);
  if (sanitize) sanitizePtrAlu(env, insn, dst, offReg, dst, !offIsDst, info, true);
}

const BPF_ALU_SANITIZE_SRC = 1 << 0;
const BPF_ALU_SANITIZE_DST = 1 << 1;
const BPF_ALU_NEG_VALUE = 1 << 2;
const BPF_ALU_NON_POINTER = 1 << 3;
const BPF_ALU_IMMEDIATE = 1 << 4;
const REASON = { BOUNDS: -1, TYPE: -2, PATHS: -3, LIMIT: -4 } as const;

interface SanitizeInfo {
  maskToLeft: boolean;
  aluState: number;
  aluLimit: number;
}

/** Models `update_alu_sanitation_state`: one insn, one masking; REASON_PATHS when paths disagree. */
function updateAluSanitationState(env: VerifierEnv, state: number, limit: number): number {
  const a = env.aux[env.insnIdx];
  if (!a) return 0;
  if (a.aluState && (a.aluState !== state || a.aluLimit !== limit)) return REASON.PATHS;
  a.aluState = state;
  a.aluLimit = limit;
  return 0;
}

/** Models `can_skip_alu_sanitation`. */
function canSkipAluSanitation(env: VerifierEnv, insn: Insn): boolean {
  return env.bypassSpecV1 || !(insn.code & SRC_X) || env.aux[env.insnIdx]?.nospec === true;
}

/** Models `sanitize_err`. */
function sanitizeErr(env: VerifierEnv, insn: Insn, reason: number, offIsDst: boolean): never {
  const err = 'pointer arithmetic with it prohibited for !root';
  const op = (insn.code & 0xf0) === OP.ADD ? 'add' : 'sub';
  const dst = insn.dst;
  const src = insn.src;
  switch (reason) {
    case REASON.BOUNDS:
      env.fail(E.EACCES, `R${offIsDst ? dst : src} has unknown scalar with mixed signed bounds, ${err}\n`);
      break;
    case REASON.TYPE:
      env.fail(E.EACCES, `R${offIsDst ? src : dst} has pointer with unsupported alu operation, ${err}\n`);
      break;
    case REASON.PATHS:
      env.fail(E.EACCES, `R${dst} tried to ${op} from different maps, paths or scalars, ${err}\n`);
      break;
    default:
      env.fail(E.EACCES, `R${dst} tried to ${op} beyond pointer bounds, ${err}\n`);
  }
}

/** Models `retrieve_ptr_limit`: the masking limit of a stack or map value pointer. */
function retrievePtrLimit(ptr: RegState, maskToLeft: boolean): number {
  let max: number;
  let limit: bigint;
  if (ptr.type === REG_TYPE.PTR_TO_STACK) {
    max = 512 + (maskToLeft ? 1 : 0);
    limit = -(BigInt.asIntN(64, ptr.varOff.value) + BigInt(ptr.off));
  } else if (ptr.type === REG_TYPE.PTR_TO_MAP_VALUE) {
    max = ptr.map?.valueSize ?? 0;
    limit = (maskToLeft ? ptr.smin : ptr.umax) + BigInt(ptr.off);
  } else return REASON.TYPE;
  const u = BigInt.asUintN(32, limit);
  if (u >= BigInt(max)) return REASON.LIMIT;
  return Number(u);
}

/**
 * Models `sanitize_ptr_alu` for loads without CAP_PERFMON (Spectre v1): register offsets must have
 * one-signed bounds and the pointer a masking limit, the same on every path; the first call (before
 * the arithmetic) also queues the speculative path where the offset was masked to 0, i.e. `dst` is
 * the pointer unchanged (`do_sim`). `ptr` is the pointer operand as it was before the insn.
 */
function sanitizePtrAlu(
  env: VerifierEnv,
  insn: Insn,
  ptr: RegState,
  off: RegState,
  dst: RegState,
  ptrIsDst: boolean,
  info: SanitizeInfo,
  commit: boolean,
): void {
  if (canSkipAluSanitation(env, insn)) return;
  const offIsImm = tnumIsConst(off.varOff);
  // on a speculative path the masking was decided by the non-speculative ones: only simulate
  if (!env.cur.speculative) {
    const offIsNeg = off.smin < 0n;
    const op = insn.code & 0xf0;
    if (!commit) {
      if (!offIsImm && off.smin < 0n !== off.smax < 0n) sanitizeErr(env, insn, REASON.BOUNDS, !ptrIsDst);
      info.maskToLeft = (op === OP.ADD && offIsNeg) || (op === OP.SUB && !offIsNeg);
    }
    const limit = retrievePtrLimit(ptr, info.maskToLeft);
    if (limit < 0) sanitizeErr(env, insn, limit, !ptrIsDst);
    if (commit) {
      const r = updateAluSanitationState(env, info.aluState, Math.abs(info.aluLimit - limit));
      if (r < 0) sanitizeErr(env, insn, r, !ptrIsDst);
    } else {
      let state = (offIsNeg ? BPF_ALU_NEG_VALUE : 0) | (offIsImm ? BPF_ALU_IMMEDIATE : 0);
      state |= ptrIsDst ? BPF_ALU_SANITIZE_SRC : BPF_ALU_SANITIZE_DST;
      info.aluState = state;
      info.aluLimit = limit;
      // limit pruning on unknown scalars to find masking differences from other paths
      if (!offIsImm) env.exploreAluLimits = true;
    }
  }
  if (commit || offIsImm) return;
  // do_sim: the masked offset is 0, so dst holds the unmoved pointer on the speculative path
  let saved: RegState | null = null;
  if (!ptrIsDst) {
    saved = copyRegState(newRegState(), dst);
    copyRegState(dst, ptr);
  }
  sanitizeSpeculativePath(env, null, env.insnIdx + 1, env.insnIdx);
  if (saved) copyRegState(dst, saved);
}

/** Models `sanitize_val_alu`: a scalar op at an insn that also did pointer arithmetic on another path. */
export function sanitizeValAlu(env: VerifierEnv, insn: Insn): void {
  if (canSkipAluSanitation(env, insn)) return;
  const r = updateAluSanitationState(env, BPF_ALU_NON_POINTER, 0);
  if (r < 0) sanitizeErr(env, insn, r, false);
}

/**
 * Models `sanitize_check_bounds` (unprivileged loads) with `check_stack_access_for_ptr_arithmetic`:
 * stack and map value pointers stay in bounds.
 */
function sanitizeCheckBounds(env: VerifierEnv, regno: number, dst: RegState): void {
  if (dst.type === REG_TYPE.PTR_TO_STACK) {
    const off = Number(BigInt.asIntN(32, BigInt(dst.off) + dst.varOff.value));
    if (!tnumIsConst(dst.varOff)) {
      env.fail(
        E.EACCES,
        `R${regno} variable stack access prohibited for !root, var_off=${tnumStrn(dst.varOff)} off=${off}\n`,
      );
    }
    if (off >= 0 || off < -512)
      env.fail(
        E.EACCES,
        `R${regno} stack pointer arithmetic goes out of range, prohibited for !root; off=${off}\n`,
      );
  } else if (dst.type === REG_TYPE.PTR_TO_MAP_VALUE) {
    try {
      checkMemRegionAccess(env, regno, dst.off, 1, dst.map?.valueSize ?? 0, false);
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      env.fail(
        E.EACCES,
        `R${regno} pointer arithmetic of map value goes out of range, prohibited for !root\n`,
      );
    }
  }
}
