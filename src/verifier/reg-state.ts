/**
 * @fileoverview The verifier's register state: register types, type flags and the state record.
 *
 * Models `enum bpf_reg_type` (include/linux/bpf.h), `enum bpf_type_flag` (include/linux/bpf.h) and
 * `struct bpf_reg_state` (include/linux/bpf_verifier.h), Linux 6.18. 64-bit bounds are bigints
 * (`smin`/`smax` signed, `umin`/`umax` unsigned); 32-bit bounds are JS numbers (`s32*` in
 * [-2^31, 2^31), `u32*` in [0, 2^32)).
 */
import { TNUM_UNKNOWN, type Tnum, tnumConst } from './tnum.js';

/** Base register types. Models `enum bpf_reg_type` (include/linux/bpf.h, 6.18 order). */
export const REG_TYPE = {
  NOT_INIT: 0,
  SCALAR_VALUE: 1,
  PTR_TO_CTX: 2,
  CONST_PTR_TO_MAP: 3,
  PTR_TO_MAP_VALUE: 4,
  PTR_TO_MAP_KEY: 5,
  PTR_TO_STACK: 6,
  PTR_TO_PACKET_META: 7,
  PTR_TO_PACKET: 8,
  PTR_TO_PACKET_END: 9,
  PTR_TO_FLOW_KEYS: 10,
  PTR_TO_SOCKET: 11,
  PTR_TO_SOCK_COMMON: 12,
  PTR_TO_TCP_SOCK: 13,
  PTR_TO_TP_BUFFER: 14,
  PTR_TO_XDP_SOCK: 15,
  PTR_TO_BTF_ID: 16,
  PTR_TO_MEM: 17,
  PTR_TO_ARENA: 18,
  PTR_TO_BUF: 19,
  PTR_TO_FUNC: 20,
  CONST_PTR_TO_DYNPTR: 21,
} as const;

/** Bits of the base type. Models `BPF_BASE_TYPE_BITS`. */
export const BPF_BASE_TYPE_BITS = 8;
/** Models `BPF_BASE_TYPE_MASK`. */
export const BPF_BASE_TYPE_MASK = (1 << BPF_BASE_TYPE_BITS) - 1;

/** Type flags OR-ed onto a base type. Models `enum bpf_type_flag` (include/linux/bpf.h, 6.18). */
export const TYPE_FLAG = {
  PTR_MAYBE_NULL: 1 << (0 + BPF_BASE_TYPE_BITS),
  MEM_RDONLY: 1 << (1 + BPF_BASE_TYPE_BITS),
  MEM_RINGBUF: 1 << (2 + BPF_BASE_TYPE_BITS),
  MEM_USER: 1 << (3 + BPF_BASE_TYPE_BITS),
  MEM_PERCPU: 1 << (4 + BPF_BASE_TYPE_BITS),
  OBJ_RELEASE: 1 << (5 + BPF_BASE_TYPE_BITS),
  PTR_UNTRUSTED: 1 << (6 + BPF_BASE_TYPE_BITS),
  MEM_UNINIT: 1 << (7 + BPF_BASE_TYPE_BITS),
  DYNPTR_TYPE_LOCAL: 1 << (8 + BPF_BASE_TYPE_BITS),
  DYNPTR_TYPE_RINGBUF: 1 << (9 + BPF_BASE_TYPE_BITS),
  MEM_FIXED_SIZE: 1 << (10 + BPF_BASE_TYPE_BITS),
  MEM_ALLOC: 1 << (11 + BPF_BASE_TYPE_BITS),
  PTR_TRUSTED: 1 << (12 + BPF_BASE_TYPE_BITS),
  MEM_RCU: 1 << (13 + BPF_BASE_TYPE_BITS),
  NON_OWN_REF: 1 << (14 + BPF_BASE_TYPE_BITS),
  DYNPTR_TYPE_SKB: 1 << (15 + BPF_BASE_TYPE_BITS),
  DYNPTR_TYPE_XDP: 1 << (16 + BPF_BASE_TYPE_BITS),
  MEM_ALIGNED: 1 << (17 + BPF_BASE_TYPE_BITS),
  MEM_WRITE: 1 << (18 + BPF_BASE_TYPE_BITS),
} as const;

/** Commonly used composite types. Models the `*_OR_NULL` members of `enum bpf_reg_type`. */
export const REG_TYPE_OR_NULL = {
  PTR_TO_MAP_VALUE_OR_NULL: TYPE_FLAG.PTR_MAYBE_NULL | REG_TYPE.PTR_TO_MAP_VALUE,
  PTR_TO_SOCKET_OR_NULL: TYPE_FLAG.PTR_MAYBE_NULL | REG_TYPE.PTR_TO_SOCKET,
  PTR_TO_SOCK_COMMON_OR_NULL: TYPE_FLAG.PTR_MAYBE_NULL | REG_TYPE.PTR_TO_SOCK_COMMON,
  PTR_TO_TCP_SOCK_OR_NULL: TYPE_FLAG.PTR_MAYBE_NULL | REG_TYPE.PTR_TO_TCP_SOCK,
  PTR_TO_BTF_ID_OR_NULL: TYPE_FLAG.PTR_MAYBE_NULL | REG_TYPE.PTR_TO_BTF_ID,
} as const;

/** Base type of a register type. Models `base_type()`. */
export function baseType(t: number): number {
  return t & BPF_BASE_TYPE_MASK;
}

/** Id flag: the register is `rY + off` for the register rY with the same id (64-bit add). Models `BPF_ADD_CONST64`. */
export const BPF_ADD_CONST64 = 0x8000_0000;
/** Id flag: `wY + off` (32-bit add, zero-extended). Models `BPF_ADD_CONST32`. */
export const BPF_ADD_CONST32 = 0x4000_0000;
/** Either add-const flag. Models `BPF_ADD_CONST`. */
export const BPF_ADD_CONST = BPF_ADD_CONST64 | BPF_ADD_CONST32;

/** The map a map pointer refers to, as far as the register printer needs it. */
export interface RegMapInfo {
  name: string;
  keySize: number;
  valueSize: number;
}

/**
 * One register's abstract state. Models `struct bpf_reg_state` (include/linux/bpf_verifier.h).
 * Pointer-only fields (`off`, `range`, `map`, `memSize`, `btfName`) are ignored for scalars.
 */
export interface RegState {
  /** `enum bpf_reg_type` with flags. */
  type: number;
  /** Fixed pointer offset; for scalars with `id & BPF_ADD_CONST`, the linked constant delta. */
  off: number;
  /** Packet pointer range (`reg->range`). */
  range: number;
  /** Map of a map pointer (`reg->map_ptr`). */
  map: RegMapInfo | null;
  /** Size of PTR_TO_MEM memory. */
  memSize: number;
  /** BTF type name for PTR_TO_BTF_ID. */
  btfName: string;
  /** Dynptr type name for CONST_PTR_TO_DYNPTR. */
  dynptrType: string;
  /** Variable part. */
  varOff: Tnum;
  smin: bigint;
  smax: bigint;
  umin: bigint;
  umax: bigint;
  s32Min: number;
  s32Max: number;
  u32Min: number;
  u32Max: number;
  /** Equivalence id (unsigned 32-bit; bit 31 is BPF_ADD_CONST). */
  id: number;
  refObjId: number;
  /** Frame number of a stack pointer. */
  frameno: number;
  /** Precision mark. */
  precise: boolean;
}

/** A fresh NOT_INIT register (all fields cleared, bounds unbounded). */
export function newRegState(): RegState {
  return {
    type: REG_TYPE.NOT_INIT,
    off: 0,
    range: 0,
    map: null,
    memSize: 0,
    btfName: '',
    dynptrType: '',
    varOff: TNUM_UNKNOWN,
    smin: -(1n << 63n),
    smax: (1n << 63n) - 1n,
    umin: 0n,
    umax: (1n << 64n) - 1n,
    s32Min: -0x8000_0000,
    s32Max: 0x7fff_ffff,
    u32Min: 0,
    u32Max: 0xffff_ffff,
    id: 0,
    refObjId: 0,
    frameno: 0,
    precise: false,
  };
}

/** Copies every field of `src` into `dst` (tnums are immutable, so a shallow copy suffices). */
export function copyRegState(dst: RegState, src: Readonly<RegState>): RegState {
  Object.assign(dst, src);
  return dst;
}

/** A clone of a register state. */
export function cloneRegState(src: Readonly<RegState>): RegState {
  return { ...src };
}

/** A scalar with a known 64-bit value (as after `__mark_reg_known` on a SCALAR_VALUE). */
export function scalarConst(value: bigint): RegState {
  const r = newRegState();
  r.type = REG_TYPE.SCALAR_VALUE;
  const u = BigInt.asUintN(64, value);
  r.varOff = tnumConst(u);
  r.smin = BigInt.asIntN(64, u);
  r.smax = r.smin;
  r.umin = u;
  r.umax = u;
  r.s32Min = Number(BigInt.asIntN(32, u));
  r.s32Max = r.s32Min;
  r.u32Min = Number(BigInt.asUintN(32, u));
  r.u32Max = r.u32Min;
  return r;
}

/** An unknown scalar (as after `__mark_reg_unknown`). */
export function scalarUnknown(): RegState {
  const r = newRegState();
  r.type = REG_TYPE.SCALAR_VALUE;
  return r;
}

/** A pointer register of the given type with fixed offset `off` and constant var_off 0. */
export function pointerReg(type: number, off = 0): RegState {
  const r = scalarConst(0n);
  r.type = type;
  r.off = off;
  return r;
}
