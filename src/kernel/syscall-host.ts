/**
 * @fileoverview The process-side view of a kernel that a scenario or a library call drives: user
 * memory plus the few syscalls the bpf() tooling needs. The emulator implements it on a simulated
 * task; the kernel backend (src/kernel/backend, Node only) implements it on the host's real kernel
 * through bpf(2). Because both sides execute the same attr-building code against this interface, a
 * difference between their answers is a difference between the kernels, not between two drivers.
 *
 * Addresses are plain numbers: user-space addresses are below 2^47, well inside 2^53.
 */

/** Result of a sysctl read or write: `ret` is 0 or -errno, `value` the text read (trimmed). */
export interface SysctlResult {
  ret: number;
  value?: string;
}

/** A process's view of a kernel: user memory and syscalls, each returning a value or `-errno`. */
export interface SyscallHost {
  /** Human-readable name for reports: `"bpfsim 6.18"`, `"linux 6.18.44"`. */
  readonly name: string;
  /** Number of possible CPUs (sizes of per-CPU values). */
  readonly possibleCpus: number;

  /** Allocates `size` bytes of zeroed user memory (at least 1), aligned to 8; returns its address. */
  alloc(size: number): number;
  /** Releases memory from `alloc`. */
  free(addr: number): void;
  /** Copies bytes into user memory at `addr` (must lie inside an allocation). */
  write(addr: number, bytes: Uint8Array): void;
  /** Copies `len` bytes out of user memory at `addr`. */
  read(addr: number, len: number): Uint8Array;

  /** `bpf(cmd, attr, size)`: the return value, or `-errno`. */
  bpf(cmd: number, attrAddr: number, size: number): number;
  /** `close(fd)`: 0 or `-errno`. */
  close(fd: number): number;
  /** `getrlimit(resource)`; -1 stands for RLIM_INFINITY. */
  getrlimit(resource: number): { ret: number; soft: number; hard: number };
  /** `setrlimit(resource, soft, hard)`; -1 stands for RLIM_INFINITY. */
  setrlimit(resource: number, soft: number, hard: number): number;
  /** Reads (and with `write` set, first writes) `/proc/sys/<path>`. */
  sysctl(path: string, write?: string): SysctlResult;
  /** The `key: value` lines of `/proc/self/fdinfo/<fd>`, or `-errno`. */
  fdinfo(fd: number): Record<string, string> | number;
}

/** `RLIMIT_*` numbers (include/uapi/asm-generic/resource.h). */
export const RLIMIT = {
  CPU: 0,
  FSIZE: 1,
  DATA: 2,
  STACK: 3,
  CORE: 4,
  RSS: 5,
  NPROC: 6,
  NOFILE: 7,
  MEMLOCK: 8,
  AS: 9,
} as const;
