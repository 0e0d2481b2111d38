/**
 * @fileoverview Raw system calls from JavaScript through the C library's `syscall(2)` wrapper:
 * koffi under Node, `bun:ffi` under Bun, chosen at run time. Node only (never in a browser).
 *
 * Only the calls the kernel backend needs are numbered here (arch/x86/entry/syscalls/syscall_64.tbl
 * and include/uapi/asm-generic/unistd.h for arm64).
 */

/** What the backend needs from the C library. */
export interface Libc {
  /** `"koffi"` or `"bun:ffi"`. */
  readonly runtime: string;
  /** `syscall(nr, a, b, c)`: the result, or `-errno`. */
  syscall(nr: number, a: number, b: number, c: number, d?: number): number;
  /** The address of a buffer's first byte; the buffer must be kept alive by the caller. */
  address(buf: Uint8Array): number;
}

/** System call numbers by architecture (`__NR_*`). */
export const SYSCALL_NR = {
  x64: { close: 3, bpf: 321, prlimit64: 302, prctl: 157 },
  arm64: { close: 57, bpf: 280, prlimit64: 261, prctl: 167 },
} as const;
export type SyscallNumbers = (typeof SYSCALL_NR)[keyof typeof SYSCALL_NR];

/** Why the kernel backend cannot run here; the message is one line for the user. */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** The system call numbers of this machine's architecture. */
export function syscallNumbers(): SyscallNumbers {
  const nrs = (SYSCALL_NR as Record<string, SyscallNumbers>)[process.arch];
  if (nrs === undefined)
    throw new BackendUnavailableError(`kernel backend: unsupported architecture ${process.arch}`);
  return nrs;
}

const LIBC_NAMES = ['libc.so.6', 'libc.so'];

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, (...a: unknown[]) => unknown> };
  ptr(buf: Uint8Array): number;
  read: { i32(p: unknown, off: number): number };
}

async function bunLibc(): Promise<Libc> {
  const spec = 'bun:ffi';
  const ffi = (await import(spec)) as BunFfi;
  let lib: ReturnType<BunFfi['dlopen']> | undefined;
  for (const name of LIBC_NAMES) {
    try {
      lib = ffi.dlopen(name, {
        syscall: { args: ['i64', 'i64', 'i64', 'i64', 'i64'], returns: 'i64' },
        __errno_location: { args: [], returns: 'ptr' },
      });
      break;
    } catch {
      // try the next name
    }
  }
  if (lib === undefined)
    throw new BackendUnavailableError('kernel backend: cannot load the C library with bun:ffi');
  const sym = lib.symbols;
  const sc = sym.syscall as (...a: number[]) => bigint | number;
  const errnoLoc = sym.__errno_location as () => unknown;
  return {
    runtime: 'bun:ffi',
    syscall(nr, a, b, c, d = 0) {
      const r = Number(sc(nr, a, b, c, d));
      return r === -1 ? -ffi.read.i32(errnoLoc(), 0) : r;
    },
    address: (buf) => ffi.ptr(buf),
  };
}

interface Koffi {
  load(path: string): { func(decl: string): (...a: unknown[]) => unknown };
  address(v: unknown): bigint;
  errno(): number;
}

async function koffiLibc(): Promise<Libc> {
  let koffi: Koffi;
  try {
    const spec = 'koffi';
    const mod = (await import(spec)) as { default?: Koffi } & Koffi;
    koffi = mod.default ?? mod;
  } catch {
    throw new BackendUnavailableError(
      'kernel backend: the optional dependency koffi is not installed (npm install koffi)',
    );
  }
  let fn: ((...a: unknown[]) => unknown) | undefined;
  for (const name of LIBC_NAMES) {
    try {
      fn = koffi.load(name).func('long syscall(long, long, long, long, long)');
      break;
    } catch {
      // try the next name
    }
  }
  if (fn === undefined)
    throw new BackendUnavailableError('kernel backend: cannot load the C library with koffi');
  const sc = fn;
  return {
    runtime: 'koffi',
    syscall(nr, a, b, c, d = 0) {
      const r = Number(sc(nr, a, b, c, d));
      return r === -1 ? -koffi.errno() : r;
    },
    address: (buf) => Number(koffi.address(buf)),
  };
}

let cached: Promise<Libc> | undefined;

/** Loads the C library through the FFI of the running runtime (Bun or Node + koffi). */
export function loadLibc(): Promise<Libc> {
  if (process.platform !== 'linux')
    return Promise.reject(
      new BackendUnavailableError(`kernel backend: needs Linux (this is ${process.platform})`),
    );
  cached ??= typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined' ? bunLibc() : koffiLibc();
  return cached;
}
