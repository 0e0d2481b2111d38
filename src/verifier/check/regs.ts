/**
 * @fileoverview Register operand checks and register marking.
 *
 * Models `check_reg_arg`/`__check_reg_arg`, `mark_reg_unknown`, `mark_reg_not_init`,
 * `mark_reg_known_zero`, `__mark_reg_const_zero`, `__is_pointer_value`, `register_is_null`,
 * `reg_is_pkt_pointer(_any)` and `type_may_be_null` of kernel/bpf/verifier.c (Linux 6.18).
 */

import { ERRNO as ERRNO_ } from '../../uapi/errno.js';
import { markRegKnown, markRegUnknown } from '../bounds.js';
import { baseType, newRegState, REG_TYPE, type RegState, TYPE_FLAG } from '../reg-state.js';
import { tnumEqualsConst } from '../tnum.js';
import type { VerifierEnv } from './env.js';
import { BPF_REG_FP, MAX_BPF_REG, markKnownZero } from './state.js';

/** Operand kinds of `check_reg_arg`. Models `enum reg_arg_type`. */
export const REG_ARG = { SRC_OP: 0, DST_OP: 1, DST_OP_NO_MARK: 2 } as const;

/** Models `check_reg_arg`. */
export function checkRegArg(env: VerifierEnv, regno: number, t: number): void {
  if (regno >= MAX_BPF_REG) env.fail(ERRNO_.EINVAL, `R${regno} is invalid\n`);
  env.markRegScratched(regno);
  const reg = env.reg(regno);
  if (t === REG_ARG.SRC_OP) {
    if (reg.type === REG_TYPE.NOT_INIT) env.fail(ERRNO_.EACCES, `R${regno} !read_ok\n`);
    return;
  }
  if (regno === BPF_REG_FP) env.fail(ERRNO_.EACCES, 'frame pointer is read only\n');
  if (t === REG_ARG.DST_OP) markUnknown(env, reg);
}

/** Models `mark_reg_unknown` (`__mark_reg_unknown`). */
export function markUnknown(env: VerifierEnv, reg: RegState): void {
  markRegUnknown(reg, env.bpfCapable);
}

/** Models `__mark_reg_not_init`. */
export function markNotInit(reg: RegState): void {
  Object.assign(reg, newRegState());
}

/** Models `mark_reg_invalid`: unreadable without CAP_PERFMON, an unknown scalar with it. */
export function markRegInvalid(env: VerifierEnv, reg: RegState): void {
  if (!env.allowPtrLeaks) markNotInit(reg);
  else markUnknown(env, reg);
}

/** Models `mark_reg_known_zero` (type left to the caller). */
export function markRegKnownZero(reg: RegState): void {
  markRegKnown(reg, 0n);
  markKnownZero(reg);
}

/** Models `__mark_reg_const_zero`. */
export function markConstZero(env: VerifierEnv, reg: RegState): void {
  markRegKnown(reg, 0n);
  reg.type = REG_TYPE.SCALAR_VALUE;
  reg.precise = !env.bpfCapable;
}

/** Models `__is_pointer_value(allow_ptr_leaks, reg)`. */
export function isPointerValueReg(allowPtrLeaks: boolean, reg: RegState): boolean {
  if (allowPtrLeaks) return false;
  return reg.type !== REG_TYPE.SCALAR_VALUE;
}

/** Models `is_pointer_value(env, regno)`. */
export function isPointerValue(env: VerifierEnv, regno: number): boolean {
  return isPointerValueReg(env.allowPtrLeaks, env.reg(regno));
}

/** Models `register_is_null`: a scalar known to be 0. */
export function registerIsNull(reg: RegState): boolean {
  return reg.type === REG_TYPE.SCALAR_VALUE && tnumEqualsConst(reg.varOff, 0n);
}

/** Models `type_may_be_null`. */
export function typeMayBeNull(type: number): boolean {
  return (type & TYPE_FLAG.PTR_MAYBE_NULL) !== 0;
}

/** Models `reg_is_pkt_pointer`. */
export function regIsPktPointer(reg: RegState): boolean {
  return reg.type === REG_TYPE.PTR_TO_PACKET || reg.type === REG_TYPE.PTR_TO_PACKET_META;
}

/** Models `reg_is_pkt_pointer_any`. */
export function regIsPktPointerAny(reg: RegState): boolean {
  return regIsPktPointer(reg) || reg.type === REG_TYPE.PTR_TO_PACKET_END;
}

/** Models `type_is_sk_pointer`. */
export function typeIsSkPointer(type: number): boolean {
  const b = baseType(type);
  return (
    b === REG_TYPE.PTR_TO_SOCKET ||
    b === REG_TYPE.PTR_TO_SOCK_COMMON ||
    b === REG_TYPE.PTR_TO_TCP_SOCK ||
    b === REG_TYPE.PTR_TO_XDP_SOCK
  );
}
