/**
 * @fileoverview Memory access checks: alignment, context, stack, map key/value, packet and memory
 * regions, for loads, stores and atomics.
 *
 * Models `check_mem_access`, `check_ptr_alignment`, `check_ctx_access`, `check_ptr_off_reg`,
 * `check_mem_region_access`, `__check_mem_access`, `check_map_access_type`, `check_packet_access`,
 * `check_load_mem`, `check_store_reg`, `check_atomic_rmw` and `save_aux_ptr_type` of
 * kernel/bpf/verifier.c (Linux 6.18).
 */
import type { Insn } from '../../isa/insn.js';
import { ERRNO as E } from '../../uapi/errno.js';
import { coerceRegToSize, coerceRegToSizeSx } from '../bounds.js';
import { regTypeStr, tnumStrn } from '../print-state.js';
import { baseType, REG_TYPE, type RegState, TYPE_FLAG } from '../reg-state.js';
import { tnumAdd, tnumConst, tnumIsAligned, tnumIsConst } from '../tnum.js';
import { regBoundsSanity } from './alu.js';
import { BPF_MAX_VAR_OFF, type VerifierEnv } from './env.js';
import type { VerifierMapInfo } from './input.js';
import {
  checkRegArg,
  isPointerValue,
  markRegKnownZero,
  markUnknown,
  REG_ARG,
  regIsPktPointer,
  typeIsSkPointer,
  typeMayBeNull,
} from './regs.js';
import { checkStackAccessWithinBounds, checkStackRead, checkStackWrite } from './stack.js';

/** Access direction. Models `enum bpf_access_type`. */
export const ACCESS = { READ: 1, WRITE: 2 } as const;

const SIZE_BYTES = [4, 2, 1, 8] as const;
/** Bytes of a BPF_SIZE field. Models `bpf_size_to_bytes`. */
export function bpfSizeToBytes(code: number): number {
  return SIZE_BYTES[(code >> 3) & 3] as number;
}

const BPF_F_RDONLY_PROG = 1 << 7;
const BPF_F_WRONLY_PROG = 1 << 8;

/** The map of a map pointer register. */
export function mapOf(reg: RegState): VerifierMapInfo {
  return reg.map as VerifierMapInfo;
}

/** Models `check_generic_ptr_alignment` / `check_pkt_ptr_alignment` via `check_ptr_alignment`. */
export function checkPtrAlignment(
  env: VerifierEnv,
  reg: RegState,
  off: number,
  size: number,
  strictOnce: boolean,
): void {
  let strict = env.strictAlignment || strictOnce;
  let desc = '';
  switch (reg.type) {
    case REG_TYPE.PTR_TO_PACKET:
    case REG_TYPE.PTR_TO_PACKET_META: {
      if (!strict || size === 1) return;
      const ipAlign = 2;
      const regOff = tnumAdd(reg.varOff, tnumConst(BigInt(ipAlign + reg.off + off)));
      if (!tnumIsAligned(regOff, BigInt(size)))
        env.fail(
          E.EACCES,
          `misaligned packet access off ${ipAlign}+${tnumStrn(reg.varOff)}+${reg.off}+${off} size ${size}\n`,
        );
      return;
    }
    case REG_TYPE.PTR_TO_FLOW_KEYS:
      desc = 'flow keys ';
      break;
    case REG_TYPE.PTR_TO_MAP_KEY:
      desc = 'key ';
      break;
    case REG_TYPE.PTR_TO_MAP_VALUE:
      desc = 'value ';
      break;
    case REG_TYPE.PTR_TO_CTX:
      desc = 'context ';
      break;
    case REG_TYPE.PTR_TO_STACK:
      desc = 'stack ';
      strict = true;
      break;
    case REG_TYPE.PTR_TO_SOCKET:
      desc = 'sock ';
      break;
    case REG_TYPE.PTR_TO_SOCK_COMMON:
      desc = 'sock_common ';
      break;
    case REG_TYPE.PTR_TO_TCP_SOCK:
      desc = 'tcp_sock ';
      break;
    case REG_TYPE.PTR_TO_XDP_SOCK:
      desc = 'xdp_sock ';
      break;
    case REG_TYPE.PTR_TO_ARENA:
      return;
    default:
      break;
  }
  if (!strict || size === 1) return;
  const regOff = tnumAdd(reg.varOff, tnumConst(BigInt(reg.off + off)));
  if (!tnumIsAligned(regOff, BigInt(size)))
    env.fail(
      E.EACCES,
      `misaligned ${desc}access off ${tnumStrn(reg.varOff)}+${reg.off}+${off} size ${size}\n`,
    );
}

/** Models `__check_ptr_off_reg`. */
export function checkPtrOffReg(env: VerifierEnv, reg: RegState, regno: number, fixedOffOk: boolean): void {
  const t = regTypeStr(reg.type);
  if (reg.off < 0) env.fail(E.EACCES, `negative offset ${t} ptr R${regno} off=${reg.off} disallowed\n`);
  if (!fixedOffOk && reg.off)
    env.fail(E.EACCES, `dereference of modified ${t} ptr R${regno} off=${reg.off} disallowed\n`);
  if (!tnumIsConst(reg.varOff) || reg.varOff.value)
    env.fail(E.EACCES, `variable ${t} access var_off=${tnumStrn(reg.varOff)} disallowed\n`);
}

/** Models `__check_mem_access`: `[off, off+size)` within `memSize`. */
function checkMemAccessRaw(
  env: VerifierEnv,
  regno: number,
  off: bigint,
  size: number,
  memSize: number,
  zeroSizeAllowed: boolean,
): void {
  const sizeOk = size > 0 || (size === 0 && zeroSizeAllowed);
  if (off >= 0n && sizeOk && off + BigInt(size) <= BigInt(memSize)) return;
  const reg = env.reg(regno);
  const o = Number(BigInt.asIntN(32, off));
  switch (reg.type) {
    case REG_TYPE.PTR_TO_MAP_KEY:
      env.verbose(`invalid access to map key, key_size=${memSize} off=${o} size=${size}\n`);
      break;
    case REG_TYPE.PTR_TO_MAP_VALUE:
      env.verbose(`invalid access to map value, value_size=${memSize} off=${o} size=${size}\n`);
      break;
    case REG_TYPE.PTR_TO_PACKET:
    case REG_TYPE.PTR_TO_PACKET_META:
    case REG_TYPE.PTR_TO_PACKET_END:
      env.verbose(
        `invalid access to packet, off=${o} size=${size}, R${regno}(id=${reg.id},off=${o},r=${memSize})\n`,
      );
      break;
    default:
      env.verbose(`invalid access to memory, mem_size=${memSize >>> 0} off=${o} size=${size}\n`);
  }
  throw env.errorOf(E.EACCES);
}

/** Models `check_mem_region_access`. */
export function checkMemRegionAccess(
  env: VerifierEnv,
  regno: number,
  off: number,
  size: number,
  memSize: number,
  zeroSizeAllowed: boolean,
): void {
  const reg = env.reg(regno);
  const o = BigInt(off);
  if (
    reg.smin < 0n &&
    (reg.smin === -(1n << 63n) || BigInt.asIntN(32, o + reg.smin) !== o + reg.smin || reg.smin + o < 0n)
  )
    env.fail(
      E.EACCES,
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.\n`,
    );
  try {
    checkMemAccessRaw(env, regno, reg.smin + o, size, memSize, zeroSizeAllowed);
  } catch (e) {
    env.verbose(`R${regno} min value is outside of the allowed memory range\n`);
    throw e;
  }
  if (reg.umax >= BigInt(BPF_MAX_VAR_OFF))
    env.fail(E.EACCES, `R${regno} unbounded memory access, make sure to bounds check any such access\n`);
  try {
    checkMemAccessRaw(env, regno, reg.umax + o, size, memSize, zeroSizeAllowed);
  } catch (e) {
    env.verbose(`R${regno} max value is outside of the allowed memory range\n`);
    throw e;
  }
}

/** Models `check_map_access_type`. */
export function checkMapAccessType(
  env: VerifierEnv,
  map: VerifierMapInfo,
  off: number,
  size: number,
  t: number,
): void {
  const canWrite = !(map.mapFlags & BPF_F_RDONLY_PROG);
  const canRead = !(map.mapFlags & BPF_F_WRONLY_PROG);
  if (t === ACCESS.WRITE && !canWrite)
    env.fail(E.EACCES, `write into map forbidden, value_size=${map.valueSize} off=${off} size=${size}\n`);
  if (t === ACCESS.READ && !canRead)
    env.fail(E.EACCES, `read from map forbidden, value_size=${map.valueSize} off=${off} size=${size}\n`);
}

/** Models `check_packet_access`. */
export function checkPacketAccess(
  env: VerifierEnv,
  regno: number,
  off: number,
  size: number,
  zeroSizeAllowed: boolean,
): void {
  const reg = env.reg(regno);
  if (reg.smin < 0n)
    env.fail(
      E.EACCES,
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.\n`,
    );
  try {
    if (reg.range < 0) throw env.errorOf(E.EINVAL);
    checkMemAccessRaw(env, regno, BigInt(off), size, reg.range, zeroSizeAllowed);
  } catch (e) {
    env.verbose(`R${regno} offset is outside of the packet\n`);
    throw e;
  }
}

/** Models `may_access_direct_pkt_data`. */
export function mayAccessDirectPktData(env: VerifierEnv, t: number, pktAccess?: boolean): boolean {
  return defaultDirectPktAccess(env.input.progType, t === ACCESS.WRITE, pktAccess);
}

/**
 * `may_access_direct_pkt_data` by program type (uapi `enum bpf_prog_type` numbers); `pktAccess` is
 * the helper's `pkt_access` flag when the access is a helper argument.
 */
export function defaultDirectPktAccess(progType: number, write: boolean, pktAccess?: boolean): boolean {
  switch (progType) {
    case 10: // LWT_IN
    case 11: // LWT_OUT
    case 19: // LWT_SEG6LOCAL
    case 21: // SK_REUSEPORT
    case 22: // FLOW_DISSECTOR
    case 8: // CGROUP_SKB
      if (write) return false;
      return pktAccess ?? true;
    case 3: // SCHED_CLS
    case 4: // SCHED_ACT
    case 6: // XDP
    case 12: // LWT_XMIT
    case 14: // SK_SKB
    case 16: // SK_MSG
      return pktAccess ?? true;
    case 25: // CGROUP_SOCKOPT
      return true;
    default:
      return false;
  }
}

/** Models `check_mem_access`. */
export function checkMemAccess(
  env: VerifierEnv,
  insnIdx: number,
  regno: number,
  offIn: number,
  bpfSize: number,
  t: number,
  valueRegno: number,
  strictOnce: boolean,
  isLdsx: boolean,
): void {
  const regs = env.regs();
  const reg = regs[regno] as RegState;
  const size = bpfSize;
  checkPtrAlignment(env, reg, offIn, size, strictOnce);
  const off = offIn + reg.off;
  const value = valueRegno >= 0 ? (regs[valueRegno] as RegState) : null;
  const leaks = (what: string): void => {
    if (t === ACCESS.WRITE && valueRegno >= 0 && isPointerValue(env, valueRegno))
      env.fail(E.EACCES, `R${valueRegno} leaks addr into ${what}\n`);
  };
  if (reg.type === REG_TYPE.PTR_TO_MAP_KEY) {
    if (t === ACCESS.WRITE) env.fail(E.EACCES, `write to change key R${regno} not allowed\n`);
    checkMemRegionAccess(env, regno, off, size, mapOf(reg).keySize, false);
    if (value) markUnknown(env, value);
  } else if (reg.type === REG_TYPE.PTR_TO_MAP_VALUE) {
    leaks('map');
    checkMapAccessType(env, mapOf(reg), off, size, t);
    checkMemRegionAccess(env, regno, off, size, mapOf(reg).valueSize, false);
    if (t === ACCESS.READ && value) markUnknown(env, value);
  } else if (baseType(reg.type) === REG_TYPE.PTR_TO_MEM) {
    const rdonly = (reg.type & TYPE_FLAG.MEM_RDONLY) !== 0;
    if (typeMayBeNull(reg.type))
      env.fail(E.EACCES, `R${regno} invalid mem access '${regTypeStr(reg.type)}'\n`);
    if (t === ACCESS.WRITE && rdonly)
      env.fail(E.EACCES, `R${regno} cannot write into ${regTypeStr(reg.type)}\n`);
    leaks('mem');
    checkMemRegionAccess(env, regno, off, size, reg.memSize, false);
    if (value && (t === ACCESS.READ || rdonly)) markUnknown(env, value);
  } else if (reg.type === REG_TYPE.PTR_TO_CTX) {
    leaks('ctx');
    checkPtrOffReg(env, reg, regno, false);
    const info = env.input.tables.ctxAccess(
      env.input.progType,
      env.input.expectedAttachType,
      off,
      size,
      t === ACCESS.WRITE,
      { bpfCapable: env.bpfCapable, ldsx: isLdsx },
    );
    if (!info.ok) env.fail(E.EACCES, `invalid bpf_context access off=${off} size=${size}\n`);
    if (t === ACCESS.READ && value) {
      if (info.regType === REG_TYPE.SCALAR_VALUE) {
        markUnknown(env, value);
      } else {
        markRegKnownZero(value);
        value.map = null;
        value.range = 0;
        value.frameno = 0;
        value.refObjId = 0;
        value.id = typeMayBeNull(info.regType) ? ++env.idGen.value : 0;
        value.precise = false;
      }
      value.type = info.regType;
    }
  } else if (reg.type === REG_TYPE.PTR_TO_STACK) {
    checkStackAccessWithinBounds(env, regno, off, size, t, false);
    if (t === ACCESS.READ) checkStackRead(env, regno, off, size, valueRegno);
    else checkStackWrite(env, regno, off, size, valueRegno, insnIdx);
  } else if (regIsPktPointer(reg)) {
    if (t === ACCESS.WRITE && !mayAccessDirectPktData(env, t))
      env.fail(E.EACCES, 'cannot write into packet\n');
    leaks('packet');
    checkPacketAccess(env, regno, off, size, false);
    if (t === ACCESS.READ && value) markUnknown(env, value);
  } else if (reg.type === REG_TYPE.PTR_TO_FLOW_KEYS) {
    leaks('flow keys');
    if (off < 0 || size < 0 || off + size > 56)
      env.fail(E.EACCES, `invalid access to flow keys off=${off} size=${size}\n`);
    if (t === ACCESS.READ && value) markUnknown(env, value);
  } else if (typeIsSkPointer(reg.type)) {
    if (t === ACCESS.WRITE) env.fail(E.EACCES, `R${regno} cannot write into ${regTypeStr(reg.type)}\n`);
    checkSockAccess(env, regno, off, size);
    if (value) markUnknown(env, value);
  } else if (reg.type === REG_TYPE.PTR_TO_TP_BUFFER) {
    if (off < 0) env.fail(E.EACCES, `R${regno} invalid tracepoint buffer access: off=${off}, size=${size}\n`);
    if (!tnumIsConst(reg.varOff))
      env.fail(
        E.EACCES,
        `R${regno} invalid variable buffer offset: off=${off}, var_off=${tnumStrn(reg.varOff)}\n`,
      );
    if (t === ACCESS.READ && value) markUnknown(env, value);
  } else {
    env.fail(E.EACCES, `R${regno} invalid mem access '${regTypeStr(reg.type)}'\n`);
  }
  if (size < 8 && value && t === ACCESS.READ && value.type === REG_TYPE.SCALAR_VALUE) {
    if (!isLdsx) coerceRegToSize(value, size);
    else coerceRegToSizeSx(value, size);
  }
}

/** Models `check_sock_access` with `bpf_sock_is_valid_access` / `bpf_sock_common_is_valid_access`. */
function checkSockAccess(env: VerifierEnv, regno: number, off: number, size: number): void {
  const reg = env.reg(regno);
  if (reg.smin < 0n)
    env.fail(
      E.EACCES,
      `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.\n`,
    );
  // struct bpf_sock is 80 bytes; fields are u32 except the 8-byte-aligned pointers are not exposed
  const sockCommonMax = 0x1c + 4; // up to dst_port/padding in bpf_sock_common view
  const limit = baseType(reg.type) === REG_TYPE.PTR_TO_SOCK_COMMON ? sockCommonMax : 80;
  if (off < 0 || off + size > limit || off % size !== 0 || size > 8)
    env.fail(E.EACCES, `R${regno} invalid ${regTypeStr(reg.type)} access off=${off} size=${size}\n`);
}

/** Models `save_aux_ptr_type`. */
export function saveAuxPtrType(env: VerifierEnv, type: number, allowTrustMismatch: boolean): void {
  const aux = env.aux[env.insnIdx];
  if (!aux) return;
  if (aux.ptrType === -1) {
    aux.ptrType = type;
    return;
  }
  if (regTypeMismatch(type, aux.ptrType)) {
    if (
      allowTrustMismatch &&
      baseType(type) === REG_TYPE.PTR_TO_BTF_ID &&
      baseType(aux.ptrType) === REG_TYPE.PTR_TO_BTF_ID
    )
      return;
    env.fail(E.EINVAL, 'same insn cannot be used with different pointers\n');
  }
}

function regTypeMismatchOk(type: number): boolean {
  switch (baseType(type)) {
    case REG_TYPE.PTR_TO_CTX:
    case REG_TYPE.PTR_TO_SOCKET:
    case REG_TYPE.PTR_TO_SOCK_COMMON:
    case REG_TYPE.PTR_TO_TCP_SOCK:
    case REG_TYPE.PTR_TO_XDP_SOCK:
    case REG_TYPE.PTR_TO_BTF_ID:
    case REG_TYPE.PTR_TO_ARENA:
      return false;
    default:
      return true;
  }
}

/** Models `reg_type_mismatch`. */
function regTypeMismatch(src: number, prev: number): boolean {
  return src !== prev && (!regTypeMismatchOk(src) || !regTypeMismatchOk(prev));
}

/** Models `check_load_mem`. */
export function checkLoadMem(env: VerifierEnv, insn: Insn, isLdsx: boolean): void {
  checkRegArg(env, insn.src, REG_ARG.SRC_OP);
  checkRegArg(env, insn.dst, REG_ARG.DST_OP_NO_MARK);
  const srcType = env.reg(insn.src).type;
  checkMemAccess(
    env,
    env.insnIdx,
    insn.src,
    insn.off,
    bpfSizeToBytes(insn.code),
    ACCESS.READ,
    insn.dst,
    false,
    isLdsx,
  );
  saveAuxPtrType(env, srcType, true);
  regBoundsSanity(env, env.reg(insn.dst), 'ldx');
}

/** Models `check_store_reg`. */
export function checkStoreReg(env: VerifierEnv, insn: Insn): void {
  checkRegArg(env, insn.src, REG_ARG.SRC_OP);
  storeMem(env, insn, insn.src);
}

/** Models the BPF_ST branch of `do_check_insn`. */
export function checkStoreImm(env: VerifierEnv, insn: Insn): void {
  storeMem(env, insn, -1);
}

/** The shared part of a store: `dst` readable, `dst + off` writable, the pointer type recorded. */
function storeMem(env: VerifierEnv, insn: Insn, valueRegno: number): void {
  checkRegArg(env, insn.dst, REG_ARG.SRC_OP);
  const dstType = env.reg(insn.dst).type;
  checkMemAccess(
    env,
    env.insnIdx,
    insn.dst,
    insn.off,
    bpfSizeToBytes(insn.code),
    ACCESS.WRITE,
    valueRegno,
    false,
    false,
  );
  saveAuxPtrType(env, dstType, false);
}

const BPF_FETCH = 0x01;
const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
const BPF_XCHG = 0xe0 | BPF_FETCH;
const ATOMIC_RMW = new Set([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, BPF_XCHG, BPF_CMPXCHG]);
const BPF_LOAD_ACQ = 0x100;
const BPF_STORE_REL = 0x110;

/** Models `check_atomic` (`check_atomic_rmw`, `check_atomic_load`, `check_atomic_store`). */
export function checkAtomic(env: VerifierEnv, insn: Insn): void {
  const size = bpfSizeToBytes(insn.code);
  if (insn.imm === BPF_LOAD_ACQ || insn.imm === BPF_STORE_REL) {
    if (insn.imm === BPF_LOAD_ACQ) {
      checkLoadMem(env, insn, false);
    } else {
      checkStoreReg(env, insn);
    }
    return;
  }
  if (!ATOMIC_RMW.has(insn.imm))
    env.fail(
      E.EINVAL,
      `BPF_ATOMIC uses invalid atomic opcode ${(insn.imm >>> 0).toString(16).padStart(2, '0')}\n`,
    );
  if (size !== 4 && size !== 8) env.fail(E.EINVAL, 'invalid atomic operand size\n');
  checkRegArg(env, insn.src, REG_ARG.SRC_OP);
  checkRegArg(env, insn.dst, REG_ARG.SRC_OP);
  if (insn.imm === BPF_CMPXCHG) {
    checkRegArg(env, 0, REG_ARG.SRC_OP);
    if (isPointerValue(env, 0)) env.fail(E.EACCES, 'R0 leaks addr into mem\n');
  }
  if (isPointerValue(env, insn.src)) env.fail(E.EACCES, `R${insn.src} leaks addr into mem\n`);
  const dst = env.reg(insn.dst);
  if (
    dst.type === REG_TYPE.PTR_TO_CTX ||
    regIsPktPointer(dst) ||
    dst.type === REG_TYPE.PTR_TO_FLOW_KEYS ||
    typeIsSkPointer(dst.type)
  )
    env.fail(E.EACCES, `BPF_ATOMIC stores into R${insn.dst} ${regTypeStr(dst.type)} is not allowed\n`);
  let loadReg = -1;
  if (insn.imm & BPF_FETCH) {
    loadReg = insn.imm === BPF_CMPXCHG ? 0 : insn.src;
    checkRegArg(env, loadReg, REG_ARG.DST_OP);
  }
  checkMemAccess(env, env.insnIdx, insn.dst, insn.off, size, ACCESS.READ, -1, true, false);
  if (loadReg >= 0)
    checkMemAccess(env, env.insnIdx, insn.dst, insn.off, size, ACCESS.READ, loadReg, true, false);
  checkMemAccess(env, env.insnIdx, insn.dst, insn.off, size, ACCESS.WRITE, -1, true, false);
}
