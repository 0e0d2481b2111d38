/**
 * @fileoverview Helper argument and return types of the verifier, as numbers.
 *
 * Models `enum bpf_arg_type` and `enum bpf_return_type` of include/linux/bpf.h (Linux 6.18): a base
 * value in the low `BPF_BASE_TYPE_BITS` bits OR-ed with `enum bpf_type_flag` bits (../reg-state.ts
 * `TYPE_FLAG`). Linux 6.12 removed `ARG_PTR_TO_LONG` / `ARG_PTR_TO_INT`: the helpers that used them
 * now take `ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED` with an `arg_size`.
 */
import { TYPE_FLAG } from '../reg-state.js';

const F = TYPE_FLAG;

/** Base argument types. Models the first members of `enum bpf_arg_type` (6.18 order). */
export const ARG_BASE = {
  ARG_DONTCARE: 0,
  ARG_CONST_MAP_PTR: 1,
  ARG_PTR_TO_MAP_KEY: 2,
  ARG_PTR_TO_MAP_VALUE: 3,
  ARG_PTR_TO_MEM: 4,
  ARG_PTR_TO_ARENA: 5,
  ARG_CONST_SIZE: 6,
  ARG_CONST_SIZE_OR_ZERO: 7,
  ARG_PTR_TO_CTX: 8,
  ARG_ANYTHING: 9,
  ARG_PTR_TO_SPIN_LOCK: 10,
  ARG_PTR_TO_SOCK_COMMON: 11,
  ARG_PTR_TO_SOCKET: 12,
  ARG_PTR_TO_BTF_ID: 13,
  ARG_PTR_TO_RINGBUF_MEM: 14,
  ARG_CONST_ALLOC_SIZE_OR_ZERO: 15,
  ARG_PTR_TO_BTF_ID_SOCK_COMMON: 16,
  ARG_PTR_TO_PERCPU_BTF_ID: 17,
  ARG_PTR_TO_FUNC: 18,
  ARG_PTR_TO_STACK: 19,
  ARG_PTR_TO_CONST_STR: 20,
  ARG_PTR_TO_TIMER: 21,
  ARG_KPTR_XCHG_DEST: 22,
  ARG_PTR_TO_DYNPTR: 23,
} as const;

/** Models `__BPF_ARG_TYPE_MAX`. */
export const BPF_ARG_TYPE_MAX = 24;

const A = ARG_BASE;

/** Every `enum bpf_arg_type` member, extended ones included. Models include/linux/bpf.h (6.18). */
export const ARG = {
  ...ARG_BASE,
  ARG_PTR_TO_MAP_VALUE_OR_NULL: F.PTR_MAYBE_NULL | A.ARG_PTR_TO_MAP_VALUE,
  ARG_PTR_TO_MEM_OR_NULL: F.PTR_MAYBE_NULL | A.ARG_PTR_TO_MEM,
  ARG_PTR_TO_CTX_OR_NULL: F.PTR_MAYBE_NULL | A.ARG_PTR_TO_CTX,
  ARG_PTR_TO_SOCKET_OR_NULL: F.PTR_MAYBE_NULL | A.ARG_PTR_TO_SOCKET,
  ARG_PTR_TO_STACK_OR_NULL: F.PTR_MAYBE_NULL | A.ARG_PTR_TO_STACK,
  ARG_PTR_TO_BTF_ID_OR_NULL: F.PTR_MAYBE_NULL | A.ARG_PTR_TO_BTF_ID,
  /** Memory the helper fills (or clears on error): need not be initialized. */
  ARG_PTR_TO_UNINIT_MEM: F.MEM_UNINIT | F.MEM_WRITE | A.ARG_PTR_TO_MEM,
  /** Memory of a size known at compile time (`bpf_func_proto.arg_size`). */
  ARG_PTR_TO_FIXED_SIZE_MEM: F.MEM_FIXED_SIZE | A.ARG_PTR_TO_MEM,
} as const;
/** An `enum bpf_arg_type` member name. */
export type ArgTypeName = keyof typeof ARG;

/** Base return types. Models the first members of `enum bpf_return_type` (6.18 order). */
export const RET_BASE = {
  RET_INTEGER: 0,
  RET_VOID: 1,
  RET_PTR_TO_MAP_VALUE: 2,
  RET_PTR_TO_SOCKET: 3,
  RET_PTR_TO_TCP_SOCK: 4,
  RET_PTR_TO_SOCK_COMMON: 5,
  RET_PTR_TO_MEM: 6,
  RET_PTR_TO_MEM_OR_BTF_ID: 7,
  RET_PTR_TO_BTF_ID: 8,
} as const;

/** Models `__BPF_RET_TYPE_MAX`. */
export const BPF_RET_TYPE_MAX = 9;

const R = RET_BASE;

/** Every `enum bpf_return_type` member, extended ones included. Models include/linux/bpf.h (6.18). */
export const RET = {
  ...RET_BASE,
  RET_PTR_TO_MAP_VALUE_OR_NULL: F.PTR_MAYBE_NULL | R.RET_PTR_TO_MAP_VALUE,
  RET_PTR_TO_SOCKET_OR_NULL: F.PTR_MAYBE_NULL | R.RET_PTR_TO_SOCKET,
  RET_PTR_TO_TCP_SOCK_OR_NULL: F.PTR_MAYBE_NULL | R.RET_PTR_TO_TCP_SOCK,
  RET_PTR_TO_SOCK_COMMON_OR_NULL: F.PTR_MAYBE_NULL | R.RET_PTR_TO_SOCK_COMMON,
  RET_PTR_TO_RINGBUF_MEM_OR_NULL: F.PTR_MAYBE_NULL | F.MEM_RINGBUF | R.RET_PTR_TO_MEM,
  RET_PTR_TO_DYNPTR_MEM_OR_NULL: F.PTR_MAYBE_NULL | R.RET_PTR_TO_MEM,
  RET_PTR_TO_BTF_ID_OR_NULL: F.PTR_MAYBE_NULL | R.RET_PTR_TO_BTF_ID,
  RET_PTR_TO_BTF_ID_TRUSTED: F.PTR_TRUSTED | R.RET_PTR_TO_BTF_ID,
} as const;
/** An `enum bpf_return_type` member name. */
export type RetTypeName = keyof typeof RET;

/** Names of the type flags, low bit first, as `typeName` prints them. */
const FLAG_NAMES = Object.entries(F).sort((a, b) => a[1] - b[1]);

function nameWithFlags(t: number, bases: Readonly<Record<string, number>>): string {
  const base = t & 0xff;
  const baseName = Object.entries(bases).find(([, v]) => v === base)?.[0] ?? `${base}`;
  const flags = FLAG_NAMES.filter(([, bit]) => (t & bit) !== 0).map(([n]) => n);
  return [baseName, ...flags].join(' | ');
}

/** `ARG_PTR_TO_MEM | MEM_RDONLY` for a numeric argument type (for messages and tests). */
export function argTypeName(t: number): string {
  return nameWithFlags(t, ARG_BASE);
}

/** `RET_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RINGBUF` for a numeric return type. */
export function retTypeName(t: number): string {
  return nameWithFlags(t, RET_BASE);
}
