/**
 * @fileoverview Calls: helper calls checked against their prototypes, bpf-to-bpf calls into
 * subprograms (new frames) and returns from them, and the return-value check at program exit.
 *
 * Models `check_helper_call`, `check_func_arg`, `check_reg_type`, `check_func_arg_reg_off`,
 * `check_helper_mem_access`, `check_mem_size_reg`, `check_func_call`, `setup_func_entry`,
 * `prepare_func_exit` and `check_return_code` of kernel/bpf/verifier.c (Linux 6.18).
 */
import type { Insn } from '../../isa/insn.js';
import { ERRNO as E } from '../../uapi/errno.js';
import { ARG_BASE as A, RET_BASE as R } from '../env/arg-types.js';
import type { VerifierFuncProto } from '../env/types.js';
import { regTypeStr } from '../print-state.js';
import { baseType, copyRegState, REG_TYPE, type RegState, TYPE_FLAG } from '../reg-state.js';
import { tnumIsConst } from '../tnum.js';
import { BPF_MAX_VAR_SIZ, type VerifierEnv } from './env.js';
import type { VerifierMapInfo } from './input.js';
import { forEachReg } from './jmp.js';
import {
  ACCESS,
  checkMapAccessType,
  checkMemAccess,
  checkMemRegionAccess,
  checkPacketAccess,
  checkPtrAlignment,
  checkPtrOffReg,
  mapOf,
  mayAccessDirectPktData,
} from './mem.js';
import { markChainPrecision, markSlotPrecision } from './precision.js';
import { acquireReference, checkResourceLeak, releaseReference } from './refs.js';
import {
  checkRegArg,
  isPointerValue,
  markNotInit,
  markRegInvalid,
  markRegKnownZero,
  markUnknown,
  REG_ARG,
  registerIsNull,
  typeMayBeNull,
} from './regs.js';
import { checkStackRangeInitialized, type StackRawMeta } from './stack.js';
import { curFrame, type FuncState, MAX_CALL_FRAMES, newFuncState } from './state.js';

const F = TYPE_FLAG;
const T = REG_TYPE;
const CALLER_SAVED = [0, 1, 2, 3, 4, 5] as const;

/** Helper ids with special handling (include/uapi/linux/bpf.h). */
const FN = {
  map_lookup_elem: 1,
  tail_call: 12,
  sk_lookup_tcp: 84,
  sk_lookup_udp: 85,
  sk_release: 86,
  skc_lookup_tcp: 99,
  ringbuf_reserve: 131,
  ringbuf_submit: 132,
  ringbuf_discard: 133,
} as const;

/** The register type of each socket return type. */
const SOCK_RET_TYPE: Readonly<Record<number, number>> = {
  [R.RET_PTR_TO_SOCKET]: T.PTR_TO_SOCKET,
  [R.RET_PTR_TO_SOCK_COMMON]: T.PTR_TO_SOCK_COMMON,
  [R.RET_PTR_TO_TCP_SOCK]: T.PTR_TO_TCP_SOCK,
};

/** Models `compatible_reg_types` per base argument type. */
const COMPATIBLE: Record<number, readonly number[]> = (() => {
  const mapKeyValue = [
    T.PTR_TO_STACK,
    T.PTR_TO_PACKET,
    T.PTR_TO_PACKET_META,
    T.PTR_TO_MAP_KEY,
    T.PTR_TO_MAP_VALUE,
    T.PTR_TO_MEM,
    T.PTR_TO_MEM | F.MEM_RINGBUF,
    T.PTR_TO_BUF,
    T.PTR_TO_BUF | F.MEM_RDONLY,
    T.PTR_TO_ARENA,
  ];
  const mem = [
    T.PTR_TO_STACK,
    T.PTR_TO_PACKET,
    T.PTR_TO_PACKET_META,
    T.PTR_TO_MAP_KEY,
    T.PTR_TO_MAP_VALUE,
    T.PTR_TO_MEM,
    T.PTR_TO_MEM | F.MEM_RINGBUF,
    T.PTR_TO_BUF,
    T.PTR_TO_BTF_ID | F.PTR_TRUSTED,
  ];
  return {
    [A.ARG_PTR_TO_MAP_KEY]: mapKeyValue,
    [A.ARG_PTR_TO_MAP_VALUE]: mapKeyValue,
    [A.ARG_CONST_SIZE]: [T.SCALAR_VALUE],
    [A.ARG_CONST_SIZE_OR_ZERO]: [T.SCALAR_VALUE],
    [A.ARG_CONST_ALLOC_SIZE_OR_ZERO]: [T.SCALAR_VALUE],
    [A.ARG_CONST_MAP_PTR]: [T.CONST_PTR_TO_MAP],
    [A.ARG_PTR_TO_CTX]: [T.PTR_TO_CTX],
    [A.ARG_PTR_TO_SOCK_COMMON]: [T.PTR_TO_SOCK_COMMON, T.PTR_TO_SOCKET, T.PTR_TO_TCP_SOCK, T.PTR_TO_XDP_SOCK],
    [A.ARG_PTR_TO_SOCKET]: [T.PTR_TO_SOCKET],
    [A.ARG_PTR_TO_MEM]: mem,
    [A.ARG_PTR_TO_RINGBUF_MEM]: [T.PTR_TO_MEM | F.MEM_RINGBUF],
    [A.ARG_PTR_TO_FUNC]: [T.PTR_TO_FUNC],
    [A.ARG_PTR_TO_STACK]: [T.PTR_TO_STACK],
    [A.ARG_PTR_TO_CONST_STR]: [T.PTR_TO_MAP_VALUE],
    [A.ARG_PTR_TO_TIMER]: [T.PTR_TO_MAP_VALUE],
    [A.ARG_PTR_TO_SPIN_LOCK]: [T.PTR_TO_MAP_VALUE, T.PTR_TO_BTF_ID | F.MEM_ALLOC],
    [A.ARG_PTR_TO_BTF_ID_SOCK_COMMON]: [
      T.PTR_TO_SOCK_COMMON,
      T.PTR_TO_SOCKET,
      T.PTR_TO_TCP_SOCK,
      T.PTR_TO_XDP_SOCK,
      T.PTR_TO_BTF_ID,
      T.PTR_TO_BTF_ID | F.PTR_TRUSTED,
    ],
    [A.ARG_PTR_TO_BTF_ID]: [T.PTR_TO_BTF_ID, T.PTR_TO_BTF_ID | F.PTR_TRUSTED],
  };
})();

/** The per-call facts `check_func_arg` gathers. Models `struct bpf_call_arg_meta`. */
interface CallMeta extends StackRawMeta {
  map: VerifierMapInfo | null;
  pktAccess: boolean;
  memSize: number;
  refObjId: number;
  releaseRegno: number;
  msizeMaxValue: bigint;
  /** The key of a lookup when it is a known constant on the stack, else -1 (`const_map_key`). */
  constMapKey: bigint;
}

/** Models `can_elide_value_nullness`: array lookups with an in-range constant key cannot fail. */
function canElideValueNullness(mapType: number): boolean {
  return mapType === 2 || mapType === 6; // ARRAY, PERCPU_ARRAY
}

/** Models `get_constant_map_key`: the key's value when the stack holds a known scalar, else -1. */
function constantMapKey(env: VerifierEnv, key: RegState, keySize: number): bigint {
  if (!env.bpfCapable || key.type !== T.PTR_TO_STACK || key.varOff.mask !== 0n) return -1n;
  const f = env.frameOf(key);
  const stackOff = key.off + Number(BigInt.asIntN(64, key.varOff.value));
  const slot = -stackOff - 1;
  const spi = Math.floor(slot / 8);
  const off = slot % 8;
  const st = f.stack[spi];
  if (!st) return -1n;
  const stype = st.slotType;
  let zeroSize = 0;
  for (let i = off; i >= 0 && stype[i] === 3; i--) zeroSize++;
  if (zeroSize >= keySize) return 0n;
  if (!(stype[7] === 1 && st.spilledPtr.type === T.SCALAR_VALUE)) return -1n;
  let spillSize = 0;
  for (let i = off; i >= 0 && stype[i] === 1; i--) spillSize++;
  if (spillSize !== keySize) return -1n;
  if (st.spilledPtr.varOff.mask !== 0n) return -1n;
  markSlotPrecision(env, key.frameno, spi);
  return BigInt.asIntN(64, st.spilledPtr.varOff.value);
}

function helperLogName(env: VerifierEnv, id: number): string {
  return env.input.tables.helperName?.(id) ?? 'unknown';
}

/** Models `check_reg_type`. */
function checkRegType(env: VerifierEnv, regno: number, argType: number): void {
  const reg = env.reg(regno);
  const compatible = COMPATIBLE[argType & 0xff];
  if (!compatible) env.fail(E.EFAULT, `verifier internal error: unsupported arg type ${argType}\n`);
  let type = reg.type;
  if (argType & F.MEM_RDONLY) type &= ~F.MEM_RDONLY;
  if (argType & F.PTR_MAYBE_NULL) type &= ~F.PTR_MAYBE_NULL;
  if (compatible.includes(type)) return;
  const names = compatible.map(regTypeStr);
  env.fail(E.EACCES, `R${regno} type=${regTypeStr(reg.type)} expected=${names.join(', ')}\n`);
}

/** Models `check_func_arg_reg_off`. */
function checkFuncArgRegOff(env: VerifierEnv, reg: RegState, regno: number, argType: number): void {
  switch (reg.type) {
    case T.PTR_TO_STACK:
    case T.PTR_TO_PACKET:
    case T.PTR_TO_PACKET_META:
    case T.PTR_TO_MAP_KEY:
    case T.PTR_TO_MAP_VALUE:
    case T.PTR_TO_MEM:
    case T.PTR_TO_MEM | F.MEM_RDONLY:
    case T.PTR_TO_BUF:
    case T.PTR_TO_BUF | F.MEM_RDONLY:
    case T.PTR_TO_ARENA:
    case T.SCALAR_VALUE:
      return;
    case T.PTR_TO_MEM | F.MEM_RINGBUF:
      if (argType & F.OBJ_RELEASE) checkPtrOffReg(env, reg, regno, false);
      return;
    default:
      checkPtrOffReg(env, reg, regno, false);
  }
}

/** Models `check_helper_mem_access`. */
function checkHelperMemAccess(
  env: VerifierEnv,
  regno: number,
  accessSize: number,
  t: number,
  zeroSizeAllowed: boolean,
  meta: CallMeta | null,
): void {
  const reg = env.reg(regno);
  switch (baseType(reg.type)) {
    case T.PTR_TO_PACKET:
    case T.PTR_TO_PACKET_META:
      checkPacketAccess(env, regno, reg.off, accessSize, zeroSizeAllowed);
      return;
    case T.PTR_TO_MAP_KEY:
      if (t === ACCESS.WRITE) env.fail(E.EACCES, `R${regno} cannot write into ${regTypeStr(reg.type)}\n`);
      checkMemRegionAccess(env, regno, reg.off, accessSize, mapOf(reg).keySize, false);
      return;
    case T.PTR_TO_MAP_VALUE:
      checkMapAccessType(env, mapOf(reg), reg.off, accessSize, t);
      checkMemRegionAccess(env, regno, reg.off, accessSize, mapOf(reg).valueSize, zeroSizeAllowed);
      return;
    case T.PTR_TO_MEM:
      if (reg.type & F.MEM_RDONLY && t === ACCESS.WRITE)
        env.fail(E.EACCES, `R${regno} cannot write into ${regTypeStr(reg.type)}\n`);
      checkMemRegionAccess(env, regno, reg.off, accessSize, reg.memSize, zeroSizeAllowed);
      return;
    case T.PTR_TO_STACK:
      checkStackRangeInitialized(env, regno, reg.off, accessSize, zeroSizeAllowed, t, meta);
      return;
    default:
      if (zeroSizeAllowed && accessSize === 0 && registerIsNull(reg)) return;
      env.fail(E.EACCES, `R${regno} type=${regTypeStr(reg.type)} expected=${regTypeStr(T.PTR_TO_STACK)}\n`);
  }
}

/** Models `check_mem_size_reg`. */
function checkMemSizeReg(
  env: VerifierEnv,
  reg: RegState,
  regno: number,
  t: number,
  zeroSizeAllowed: boolean,
  metaIn: CallMeta,
): void {
  metaIn.msizeMaxValue = reg.umax;
  const meta = tnumIsConst(reg.varOff) ? metaIn : null;
  if (reg.smin < 0n)
    env.fail(E.EACCES, `R${regno} min value is negative, either use unsigned or 'var &= const'\n`);
  if (reg.umin === 0n && !zeroSizeAllowed)
    env.fail(E.EACCES, `R${regno} invalid zero-sized read: u64=[${reg.umin},${reg.umax}]\n`);
  if (reg.umax >= BigInt(BPF_MAX_VAR_SIZ))
    env.fail(E.EACCES, `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'\n`);
  checkHelperMemAccess(env, regno - 1, Number(reg.umax), t, zeroSizeAllowed, meta);
  markChainPrecision(env, regno);
}

/** Models `check_func_arg`. */
function checkFuncArg(env: VerifierEnv, arg: number, meta: CallMeta, fn: VerifierFuncProto): void {
  const regno = 1 + arg;
  const argType = fn.argTypes[arg] ?? 0;
  if (argType === A.ARG_DONTCARE) return;
  checkRegArg(env, regno, REG_ARG.SRC_OP);
  const reg = env.reg(regno);
  if (argType === A.ARG_ANYTHING) {
    if (isPointerValue(env, regno)) env.fail(E.EACCES, `R${regno} leaks addr into helper function\n`);
    return;
  }
  if (
    (reg.type === T.PTR_TO_PACKET || reg.type === T.PTR_TO_PACKET_META) &&
    !mayAccessDirectPktData(env, ACCESS.READ, meta.pktAccess)
  )
    env.fail(E.EACCES, 'helper access to the packet is not allowed\n');
  if (!(registerIsNull(reg) && argType & F.PTR_MAYBE_NULL)) {
    checkRegType(env, regno, argType);
    checkFuncArgRegOff(env, reg, regno, argType);
  }
  if (argType & F.OBJ_RELEASE) {
    if (!reg.refObjId && !registerIsNull(reg))
      env.fail(E.EINVAL, `R${regno} must be referenced when passed to release function\n`);
    meta.releaseRegno = regno;
  }
  if (reg.refObjId) meta.refObjId = reg.refObjId;
  const write = (prev: number): number => (prev & F.MEM_WRITE ? ACCESS.WRITE : ACCESS.READ);
  switch (argType & 0xff) {
    case A.ARG_CONST_MAP_PTR:
      meta.map = mapOf(reg);
      break;
    case A.ARG_PTR_TO_MAP_KEY:
      if (!meta.map) env.fail(E.EACCES, 'invalid map_ptr to access map->key\n');
      checkHelperMemAccess(env, regno, meta.map.keySize, ACCESS.READ, false, null);
      if (canElideValueNullness(meta.map.mapType))
        meta.constMapKey = constantMapKey(env, reg, meta.map.keySize);
      break;
    case A.ARG_PTR_TO_MAP_VALUE:
      if (argType & F.PTR_MAYBE_NULL && registerIsNull(reg)) return;
      if (!meta.map) env.fail(E.EACCES, 'invalid map_ptr to access map->value\n');
      meta.rawMode = (argType & F.MEM_UNINIT) !== 0;
      checkHelperMemAccess(env, regno, meta.map.valueSize, write(argType), false, meta);
      break;
    case A.ARG_PTR_TO_MEM:
      meta.rawMode = (argType & F.MEM_UNINIT) !== 0;
      if (argType & F.MEM_FIXED_SIZE) {
        const size = fn.argSize?.[arg] ?? 0;
        checkHelperMemAccess(env, regno, size, write(argType), false, meta);
        if (argType & F.MEM_ALIGNED) checkPtrAlignment(env, reg, 0, size, true);
      }
      break;
    case A.ARG_CONST_SIZE:
      checkMemSizeReg(env, reg, regno, write(fn.argTypes[arg - 1] ?? 0), false, meta);
      break;
    case A.ARG_CONST_SIZE_OR_ZERO:
      checkMemSizeReg(env, reg, regno, write(fn.argTypes[arg - 1] ?? 0), true, meta);
      break;
    case A.ARG_CONST_ALLOC_SIZE_OR_ZERO:
      if (!tnumIsConst(reg.varOff)) env.fail(E.EACCES, `R${regno} is not a known constant'\n`);
      meta.memSize = Number(reg.varOff.value);
      markChainPrecision(env, regno);
      break;
    case A.ARG_PTR_TO_CONST_STR:
      checkRegConstStr(env, reg, regno);
      break;
    default:
      break;
  }
}

/** Models `check_reg_const_str`: a NUL-terminated string in a read-only map value. */
function checkRegConstStr(env: VerifierEnv, reg: RegState, regno: number): void {
  const map = mapOf(reg);
  if (!map.frozen) env.fail(E.EACCES, `R${regno} does not point to a readonly map'\n`);
  if (!tnumIsConst(reg.varOff)) env.fail(E.EACCES, `R${regno} is not a constant address'\n`);
  checkMapAccessType(env, map, reg.off, 1, ACCESS.READ);
  checkMemRegionAccess(env, regno, reg.off, 1, map.valueSize, false);
}

/** Models `check_helper_call`. */
export function checkHelperCall(env: VerifierEnv, insn: Insn, insnIdx: number): void {
  const funcId = insn.imm;
  if (funcId < 0 || (funcId >= 212 && !env.input.tables.extHelper?.(funcId)))
    env.fail(E.EINVAL, `invalid func ${helperLogName(env, funcId)}#${funcId}\n`);
  const fn = env.input.tables.funcProto(env.input.progType, funcId, {
    expectedAttachType: env.input.expectedAttachType,
    bpfCapable: env.input.bpfCapable,
    perfmonCapable: env.input.perfmonCapable,
  });
  if (!fn)
    env.fail(E.EINVAL, `program of this type cannot use helper ${helperLogName(env, funcId)}#${funcId}\n`);
  if (!env.input.gplCompatible && fn.gplOnly)
    env.fail(E.EINVAL, 'cannot call GPL-restricted function from non-GPL compatible program\n');
  if (fn.restricted) env.fail(E.EINVAL, 'helper call is not allowed in probe\n');
  if (fn.mightSleep) env.fail(E.EINVAL, 'helper call might sleep in a non-sleepable prog\n');
  const meta: CallMeta = {
    map: null,
    pktAccess: fn.pktAccess,
    memSize: 0,
    refObjId: 0,
    releaseRegno: 0,
    msizeMaxValue: 0n,
    constMapKey: -1n,
    rawMode: false,
    accessSize: 0,
    regno: 0,
  };
  for (let i = 0; i < 5; i++) checkFuncArg(env, i, meta, fn);
  // record_func_map: tail calls through different maps at one insn are not tracked further here
  const aux = env.aux[insnIdx];
  if (aux && meta.map && aux.mapPtr === null) aux.mapPtr = meta.map;
  for (let i = 0; i < meta.accessSize; i++)
    checkMemAccess(env, insnIdx, meta.regno, i, 1, ACCESS.WRITE, -1, false, false);
  if (meta.releaseRegno) {
    const r = env.reg(meta.releaseRegno);
    if (registerIsNull(r)) {
      // releasing NULL is allowed by helpers taking a maybe-NULL pointer
    } else releaseReference(env, r.refObjId);
  }
  if (funcId === FN.tail_call) checkResourceLeak(env, false, true, 'tail_call');
  const regs = env.regs();
  for (const r of CALLER_SAVED) {
    markNotInit(regs[r] as RegState);
    checkRegArg(env, r, REG_ARG.DST_OP_NO_MARK);
  }
  const r0 = regs[0] as RegState;
  const retFlag = fn.retType & ~0xff;
  switch (fn.retType & 0xff) {
    case R.RET_INTEGER:
      markUnknown(env, r0);
      break;
    case R.RET_VOID:
      r0.type = T.NOT_INIT;
      break;
    case R.RET_PTR_TO_MAP_VALUE: {
      markRegKnownZero(r0);
      if (!meta.map) env.fail(E.EINVAL, 'kernel subsystem misconfigured verifier\n');
      r0.map = meta.map;
      let flag = retFlag;
      if (
        funcId === FN.map_lookup_elem &&
        canElideValueNullness(meta.map.mapType) &&
        meta.constMapKey >= 0n &&
        meta.constMapKey < BigInt(meta.map.maxEntries)
      )
        flag &= ~F.PTR_MAYBE_NULL;
      r0.type = T.PTR_TO_MAP_VALUE | flag;
      break;
    }
    case R.RET_PTR_TO_SOCKET:
    case R.RET_PTR_TO_SOCK_COMMON:
    case R.RET_PTR_TO_TCP_SOCK:
      markRegKnownZero(r0);
      r0.type = (SOCK_RET_TYPE[fn.retType & 0xff] as number) | retFlag;
      break;
    case R.RET_PTR_TO_MEM:
      markRegKnownZero(r0);
      r0.type = T.PTR_TO_MEM | retFlag;
      r0.memSize = meta.memSize;
      break;
    default:
      env.fail(
        E.EINVAL,
        `unknown return type ${fn.retType & 0xff} of func ${helperLogName(env, funcId)}#${funcId}\n`,
      );
  }
  if (typeMayBeNull(r0.type)) r0.id = ++env.idGen.value;
  if (
    funcId === FN.sk_lookup_tcp ||
    funcId === FN.sk_lookup_udp ||
    funcId === FN.skc_lookup_tcp ||
    funcId === FN.ringbuf_reserve
  ) {
    const id = acquireReference(env, insnIdx);
    r0.id = id;
    r0.refObjId = id;
  }
  if (meta.map) {
    const lines = env.input.tables.mapFuncCompat?.(meta.map.mapType, funcId) ?? null;
    if (lines) {
      for (const l of lines) env.verbose(`${l}\n`);
      throw env.errorOf(E.EINVAL);
    }
  }
  if (env.input.tables.changesPktData?.(funcId)) clearAllPktPointers(env);
}

/** Models `clear_all_pkt_pointers`: packet pointers are invalid after a helper that may move the data. */
function clearAllPktPointers(env: VerifierEnv): void {
  forEachReg(env.cur, (reg) => {
    if (reg.type === T.PTR_TO_PACKET || reg.type === T.PTR_TO_PACKET_META || reg.type === T.PTR_TO_PACKET_END)
      markRegInvalid(env, reg);
  });
}

/** Models `check_func_call` + `setup_func_entry` for a bpf-to-bpf call. */
export function checkFuncCall(env: VerifierEnv, insn: Insn): void {
  const st = env.cur;
  const target = env.insnIdx + insn.imm + 1;
  const subprog = env.input.subprogStarts.indexOf(target);
  if (subprog < 0)
    env.fail(E.EFAULT, `verifier bug: target of func call at insn ${target} is not a program\n`);
  if (st.curframe + 1 >= MAX_CALL_FRAMES)
    env.fail(E.E2BIG, `the call stack of ${st.curframe + 2} frames is too deep\n`);
  const caller = curFrame(st);
  const callee = newFuncState(st.curframe + 1, env.insnIdx, subprog);
  for (let i = 1; i <= 5; i++) copyRegState(callee.regs[i] as RegState, caller.regs[i] as RegState);
  st.frames[st.curframe + 1] = callee;
  st.frames.length = st.curframe + 2;
  st.curframe++;
  env.markAllScratched();
  for (const r of CALLER_SAVED) {
    markNotInit(caller.regs[r] as RegState);
    env.markRegScratched(r);
  }
  env.insnIdx = target - 1;
  env.liveness.resetLiveStackCallchain();
  if (env.logLevel1) {
    env.verbose('caller:\n');
    env.printVerifierState(st, caller.frameno, true);
    env.verbose('callee:\n');
    env.printVerifierState(st, st.curframe, true);
  }
}

/** Models `prepare_func_exit` for a plain subprogram (not a callback). */
export function prepareFuncExit(env: VerifierEnv): void {
  const st = env.cur;
  const callee = curFrame(st);
  const r0 = callee.regs[0] as RegState;
  if (r0.type === T.PTR_TO_STACK) env.fail(E.EINVAL, 'cannot return stack pointer to the caller\n');
  const caller = st.frames[st.curframe - 1] as FuncState;
  copyRegState(caller.regs[0] as RegState, r0);
  env.insnIdx = callee.callsite + 1;
  if (env.logLevel1) {
    env.verbose('returning from callee:\n');
    env.printVerifierState(st, callee.frameno, true);
    env.verbose(`to caller at ${env.insnIdx}:\n`);
    env.printVerifierState(st, caller.frameno, true);
  }
  st.frames.length = st.curframe;
  st.curframe--;
}

/** Program types and their expected return ranges. Models the switch of `check_return_code`. */
function retvalRange(progType: number, eat: number): [number, number] | null {
  switch (progType) {
    case 18: // CGROUP_SOCK_ADDR
      if (eat === 29 || eat === 30 || eat === 47 || eat === 48) return [1, 1]; // recvmsg: UDP4/6, UNIX recvmsg, getpeername? approximated
      if (eat === 8 || eat === 9) return [0, 3]; // INET4/6_BIND
      return [0, 1];
    case 8: // CGROUP_SKB
      return eat === 1 ? [0, 3] : [0, 1];
    case 9: // CGROUP_SOCK
    case 13: // SOCK_OPS
    case 15: // CGROUP_DEVICE
    case 23: // CGROUP_SYSCTL
    case 25: // CGROUP_SOCKOPT
      return [0, 1];
    case 30: // SK_LOOKUP
      return [0, 1];
    case 32: // NETFILTER
      return [0, 1];
    default:
      return null;
  }
}

/** Models `check_return_code` at the main program's exit. */
export function checkReturnCode(env: VerifierEnv): void {
  checkRegArg(env, 0, REG_ARG.SRC_OP);
  if (isPointerValue(env, 0)) env.fail(E.EACCES, 'R0 leaks addr as return value\n');
  const range = retvalRange(env.input.progType, env.input.expectedAttachType);
  if (!range) return;
  const reg = env.reg(0);
  if (reg.type !== T.SCALAR_VALUE)
    env.fail(E.EINVAL, `At program exit the register R0 is not a known value (${regTypeStr(reg.type)})\n`);
  const [lo, hi] = range;
  markChainPrecision(env, 0);
  if (BigInt(lo) <= reg.smin && reg.smax <= BigInt(hi)) return;
  let s = 'At program exit the register R0 has';
  let unknown = true;
  if (reg.smin > -(1n << 63n)) {
    s += ` smin=${reg.smin}`;
    unknown = false;
  }
  if (reg.smax < (1n << 63n) - 1n) {
    s += ` smax=${reg.smax}`;
    unknown = false;
  }
  if (unknown) s += ' unknown scalar value';
  env.fail(E.EINVAL, `${s} should have been in [${lo}, ${hi}]\n`);
}
