/**
 * @fileoverview Seccomp UAPI constants: return actions, modes, operations, flags, `seccomp_data`
 * layout and audit architectures. Models include/uapi/linux/seccomp.h and include/uapi/linux/audit.h.
 */

/** `SECCOMP_RET_*` actions, in the kernel's precedence order (lower value of `(s32)` wins). */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  /** Alias of KILL_THREAD. */
  KILL: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** Masks of a filter's return value. */
export const SECCOMP_RET_MASK = {
  ACTION_FULL: 0xffff0000,
  ACTION: 0x7fff0000,
  DATA: 0x0000ffff,
} as const;

/** `SECCOMP_MODE_*` (prctl PR_SET_SECCOMP / the task's mode). */
export const SECCOMP_MODE = {
  DISABLED: 0,
  STRICT: 1,
  FILTER: 2,
} as const;

/** `seccomp(2)` operations. */
export const SECCOMP_OP = {
  SET_MODE_STRICT: 0,
  SET_MODE_FILTER: 1,
  GET_ACTION_AVAIL: 2,
  GET_NOTIF_SIZES: 3,
} as const;

/** `SECCOMP_FILTER_FLAG_*`. */
export const SECCOMP_FILTER_FLAG = {
  TSYNC: 1 << 0,
  LOG: 1 << 1,
  SPEC_ALLOW: 1 << 2,
  NEW_LISTENER: 1 << 3,
  TSYNC_ESRCH: 1 << 4,
  WAIT_KILLABLE_RECV: 1 << 5,
} as const;

/** Byte offsets in `struct seccomp_data` (64 bytes). */
export const SECCOMP_DATA = {
  NR: 0,
  ARCH: 4,
  INSTRUCTION_POINTER: 8,
  /** `args[i]` is at `ARGS + 8 * i`, 64-bit little endian on little-endian arches. */
  ARGS: 16,
  SIZE: 64,
} as const;

/** Largest cBPF program (`BPF_MAXINSNS`) and the chain budget (`MAX_INSNS_PER_PATH`). */
export const SECCOMP_LIMITS = {
  MAX_INSNS: 4096,
  MAX_INSNS_PER_PATH: 32768,
  /** Instructions charged per filter in a chain on top of its length. */
  FILTER_PENALTY: 4,
  /** Largest errno a filter can return (`MAX_ERRNO`). */
  MAX_ERRNO: 4095,
} as const;

/** `AUDIT_ARCH_*` values (include/uapi/linux/audit.h). */
export const AUDIT_ARCH = {
  X86_64: 0xc000003e,
  I386: 0x40000003,
  AARCH64: 0xc00000b7,
  ARM: 0x40000028,
  RISCV64: 0xc00000f3,
  S390X: 0x80000016,
  PPC64LE: 0xc0000015,
  MIPS64: 0x80000008,
  MIPSEL64: 0xc0000008,
} as const;

/** x32 syscall numbers on x86_64 carry this bit (`__X32_SYSCALL_BIT`). */
export const X32_SYSCALL_BIT = 0x40000000;
