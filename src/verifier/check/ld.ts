/**
 * @fileoverview BPF_LD instructions: 64-bit immediates (constants, map pointers, map values) and
 * the legacy packet loads LD_ABS/LD_IND.
 *
 * Models `check_ld_imm` and `check_ld_abs` of kernel/bpf/verifier.c (Linux 6.18).
 */
import type { Insn } from '../../isa/insn.js';
import { ERRNO as E } from '../../uapi/errno.js';
import { markRegKnown } from '../bounds.js';
import { REG_TYPE } from '../reg-state.js';
import type { VerifierEnv } from './env.js';
import { checkPtrOffReg } from './mem.js';
import { checkResourceLeak } from './refs.js';
import { checkRegArg, markNotInit, markRegKnownZero, markUnknown, REG_ARG } from './regs.js';

const BPF_DW = 0x18;
const PSEUDO = { MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, MAP_IDX: 5, MAP_IDX_VALUE: 6 } as const;
const BPF_MAP_TYPE_ARENA = 33;

/** Models `check_ld_imm`. */
export function checkLdImm(env: VerifierEnv, insn: Insn, next: Insn | undefined): void {
  if ((insn.code & 0x18) !== BPF_DW) env.fail(E.EINVAL, 'invalid BPF_LD_IMM insn\n');
  if (insn.off !== 0) env.fail(E.EINVAL, 'BPF_LD_IMM64 uses reserved fields\n');
  checkRegArg(env, insn.dst, REG_ARG.DST_OP);
  const dst = env.reg(insn.dst);
  if (insn.src === 0) {
    const imm = (BigInt((next?.imm ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
    dst.type = REG_TYPE.SCALAR_VALUE;
    markRegKnown(dst, imm);
    return;
  }
  markRegKnownZero(dst);
  if (insn.src === PSEUDO.BTF_ID)
    env.fail(E.EINVAL, 'kernel is missing BTF, make sure CONFIG_DEBUG_INFO_BTF=y is specified in Kconfig.\n');
  if (insn.src === PSEUDO.FUNC) env.fail(E.EINVAL, 'missing btf func_info\n');
  const ref = env.input.ldImmMaps.get(env.insnIdx);
  if (!ref) env.fail(E.EFAULT, 'verifier bug: unexpected src reg value for ldimm64\n');
  dst.map = ref.map;
  if (insn.src === PSEUDO.MAP_VALUE || insn.src === PSEUDO.MAP_IDX_VALUE) {
    if (ref.map.mapType === BPF_MAP_TYPE_ARENA) {
      markUnknown(env, dst);
      return;
    }
    dst.type = REG_TYPE.PTR_TO_MAP_VALUE;
    dst.off = ref.off;
  } else {
    dst.type = REG_TYPE.CONST_PTR_TO_MAP;
  }
}

const SOCKET_FILTER = 1;
const SCHED_CLS = 3;
const SCHED_ACT = 4;
const MODE_ABS = 0x20;
const CALLER_SAVED = [0, 1, 2, 3, 4, 5] as const;

/** Models `check_ld_abs`. */
export function checkLdAbs(env: VerifierEnv, insn: Insn): void {
  const pt = env.input.progType;
  if (pt !== SOCKET_FILTER && pt !== SCHED_CLS && pt !== SCHED_ACT)
    env.fail(E.EINVAL, 'BPF_LD_[ABS|IND] instructions not allowed for this program type\n');
  const mode = insn.code & 0xe0;
  if (
    insn.dst !== 0 ||
    insn.off !== 0 ||
    (insn.code & 0x18) === BPF_DW ||
    (mode === MODE_ABS && insn.src !== 0)
  )
    env.fail(E.EINVAL, 'BPF_LD_[ABS|IND] uses reserved fields\n');
  checkRegArg(env, 6, REG_ARG.SRC_OP);
  checkResourceLeak(env, false, true, 'BPF_LD_[ABS|IND]');
  if (env.reg(6).type !== REG_TYPE.PTR_TO_CTX)
    env.fail(E.EINVAL, 'at the time of BPF_LD_ABS|IND R6 != pointer to skb\n');
  if (mode !== MODE_ABS) checkRegArg(env, insn.src, REG_ARG.SRC_OP);
  checkPtrOffReg(env, env.reg(6), 6, false);
  for (const r of CALLER_SAVED) {
    markNotInit(env.reg(r));
    checkRegArg(env, r, REG_ARG.DST_OP_NO_MARK);
  }
  markUnknown(env, env.reg(0));
}
