/**
 * @fileoverview A {@link SyscallHost} on the host's real Linux kernel: user memory is JavaScript
 * buffers kept alive in a table (their addresses handed to the kernel), `bpf(2)`, `close(2)` and
 * `prlimit64(2)` go through the C library's `syscall()` (koffi or bun:ffi), sysctls are the files
 * under /proc/sys and fdinfo is /proc/self/fdinfo/N. Node only.
 *
 * Safety: writing a sysctl is refused unless `allowSysctlWrite` is set, and writing
 * `kernel/unprivileged_bpf_disabled` with anything but 0 or 2 is always refused (kernel/bpf/syscall.c
 * `bpf_unpriv_handler`: once 1, it cannot be changed until reboot). {@link KernelHost.dispose}
 * closes the bpf fds the host's user opened and restores changed resource limits.
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { constants, release } from 'node:os';
import type { SyscallHost, SysctlResult } from '../syscall-host.js';
import { BackendUnavailableError, type Libc, loadLibc, type SyscallNumbers, syscallNumbers } from './ffi.js';

/** Options of {@link KernelHost.open}. */
export interface KernelHostOptions {
  /** Allow sysctl writes (never `kernel/unprivileged_bpf_disabled=1`). Default false. */
  allowSysctlWrite?: boolean;
  /**
   * Check first that bpf() works for this process (a one-element array map is created and
   * closed); EPERM there gives a {@link BackendUnavailableError}. Default true.
   */
  probe?: boolean;
}

/** A sysctl write the kernel backend will not do; reported on the result line. */
export class SysctlWriteRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SysctlWriteRefused';
  }
}

const RLIM_INFINITY = 0xffffffffffffffffn;
const PR_SET_DUMPABLE = 4;
/**
 * Sysctls whose writes are restricted to listed values on the real host. For
 * kernel/unprivileged_bpf_disabled only 0 and 2 spelled plainly: the kernel parses numbers with base
 * 0 (kernel/sysctl.c `proc_get_long`), so `01` or `0x1` would also set the irreversible 1.
 */
const WRITABLE_VALUES: Readonly<Record<string, readonly string[]>> = {
  'kernel/unprivileged_bpf_disabled': ['0', '2'],
};

/**
 * Why a sysctl write must not happen on the real host, or undefined when it may. Writing
 * `kernel/unprivileged_bpf_disabled` with anything but 0 or 2 is always refused (1 cannot be undone
 * until reboot); any write needs `allow`.
 */
export function sysctlWriteRefusal(path: string, value: string, allow: boolean): string | undefined {
  const only = WRITABLE_VALUES[path];
  if (only !== undefined && !only.includes(value.trim()))
    return `never writing ${path}=${value.trim()} on the real host (only ${only.join(' or ')}: 1 is irreversible until reboot)`;
  if (!allow)
    return `writing ${path} on the real host needs the allowSysctlWrite option (--allow-sysctl-write)`;
  return undefined;
}

/** The negative errno of a Node filesystem error. */
function fsErrno(e: unknown): number {
  const code = (e as { code?: string }).code;
  const n = code === undefined ? undefined : (constants.errno as Record<string, number>)[code];
  return -(n ?? 5);
}

/** Counts the CPUs listed in /sys/devices/system/cpu/possible (`0-1`, `0,2-3`). */
export function parseCpuList(text: string): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-');
    n += b === undefined ? 1 : Number(b) - Number(a) + 1;
  }
  return n;
}

/** Lists the fds of this process that are bpf objects (`anon_inode:bpf-map`, `-prog`, ...). */
function bpfFds(): Set<number> {
  const out = new Set<number>();
  for (const e of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${e}`).startsWith('anon_inode:bpf')) out.add(Number(e));
    } catch {
      // the fd was closed meanwhile (e.g. the one readdir used)
    }
  }
  return out;
}

interface Allocation {
  base: number;
  bytes: Uint8Array;
}

/** The host's real kernel as a {@link SyscallHost}. */
export class KernelHost implements SyscallHost {
  readonly name: string;
  readonly possibleCpus: number;
  private readonly allocs = new Map<number, Allocation>();
  private readonly initialFds: Set<number>;
  private readonly savedLimits = new Map<number, [bigint, bigint]>();

  private constructor(
    private readonly libc: Libc,
    private readonly nr: SyscallNumbers,
    private readonly options: KernelHostOptions,
  ) {
    this.name = `linux ${release()}`;
    this.possibleCpus = parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
    this.initialFds = bpfFds();
  }

  /** Opens the backend; throws {@link BackendUnavailableError} when this machine cannot run it. */
  static async open(options: KernelHostOptions = {}): Promise<KernelHost> {
    const libc = await loadLibc();
    const host = new KernelHost(libc, syscallNumbers(), options);
    if (options.probe ?? true) host.probe();
    return host;
  }

  /** The FFI in use (`koffi` or `bun:ffi`). */
  get runtime(): string {
    return this.libc.runtime;
  }

  private probe(): void {
    const attr = this.alloc(72);
    const dv = new DataView(new ArrayBuffer(16));
    dv.setUint32(0, 2, true); // BPF_MAP_TYPE_ARRAY
    dv.setUint32(4, 4, true);
    dv.setUint32(8, 4, true);
    dv.setUint32(12, 1, true);
    this.write(attr, new Uint8Array(dv.buffer));
    const r = this.bpf(0, attr, 72);
    this.free(attr);
    if (r >= 0) {
      this.close(r);
      return;
    }
    if (r === -1)
      throw new BackendUnavailableError(
        'kernel backend: bpf() is not permitted for this process (EPERM; run as root)',
      );
    if (r === -38) throw new BackendUnavailableError('kernel backend: this kernel has no bpf() (ENOSYS)');
    throw new BackendUnavailableError(`kernel backend: probing bpf() failed with errno ${-r}`);
  }

  alloc(size: number): number {
    // A fresh ArrayBuffer has an off-heap, non-moving backing store; 8 spare bytes allow aligning.
    const raw = new Uint8Array(new ArrayBuffer(Math.max(size, 1) + 8));
    const a = this.libc.address(raw);
    const pad = (8 - (a % 8)) % 8;
    const bytes = raw.subarray(pad, pad + Math.max(size, 1));
    this.allocs.set(a + pad, { base: a + pad, bytes });
    return a + pad;
  }

  free(addr: number): void {
    this.allocs.delete(addr);
  }

  private find(addr: number, len: number): { bytes: Uint8Array; off: number } {
    const exact = this.allocs.get(addr);
    if (exact !== undefined && len <= exact.bytes.length) return { bytes: exact.bytes, off: 0 };
    for (const al of this.allocs.values()) {
      const off = addr - al.base;
      if (off >= 0 && off + len <= al.bytes.length) return { bytes: al.bytes, off };
    }
    throw new RangeError(`user memory [0x${addr.toString(16)}, +${len}) is not inside one allocation`);
  }

  write(addr: number, bytes: Uint8Array): void {
    const { bytes: b, off } = this.find(addr, bytes.length);
    b.set(bytes, off);
  }

  read(addr: number, len: number): Uint8Array {
    const { bytes, off } = this.find(addr, len);
    return bytes.slice(off, off + len);
  }

  bpf(cmd: number, attrAddr: number, size: number): number {
    return this.libc.syscall(this.nr.bpf, cmd, attrAddr, size >>> 0);
  }

  close(fd: number): number {
    return this.libc.syscall(this.nr.close, fd, 0, 0);
  }

  /** `prlimit64(0, resource, new, old)` with raw 64-bit limits. */
  private prlimit(
    resource: number,
    soft?: bigint,
    hard?: bigint,
  ): { ret: number; soft: bigint; hard: bigint } {
    const oldAddr = this.alloc(16);
    let newAddr = 0;
    if (soft !== undefined && hard !== undefined) {
      newAddr = this.alloc(16);
      const dv = new DataView(new ArrayBuffer(16));
      dv.setBigUint64(0, soft, true);
      dv.setBigUint64(8, hard, true);
      this.write(newAddr, new Uint8Array(dv.buffer));
    }
    const ret = this.libc.syscall(this.nr.prlimit64, 0, resource, newAddr, oldAddr);
    const dv = new DataView(this.read(oldAddr, 16).buffer);
    this.free(oldAddr);
    if (newAddr) this.free(newAddr);
    return { ret, soft: dv.getBigUint64(0, true), hard: dv.getBigUint64(8, true) };
  }

  getrlimit(resource: number): { ret: number; soft: number; hard: number } {
    const r = this.prlimit(resource);
    const conv = (v: bigint): number => (v === RLIM_INFINITY ? -1 : Number(v));
    return { ret: Math.min(r.ret, 0), soft: conv(r.soft), hard: conv(r.hard) };
  }

  setrlimit(resource: number, soft: number, hard: number): number {
    const conv = (v: number): bigint => (v === -1 ? RLIM_INFINITY : BigInt.asUintN(64, BigInt(v)));
    const r = this.prlimit(resource, conv(soft), conv(hard));
    if (r.ret === 0 && !this.savedLimits.has(resource)) this.savedLimits.set(resource, [r.soft, r.hard]);
    return Math.min(r.ret, 0);
  }

  sysctl(path: string, write?: string): SysctlResult {
    if (path.split('/').some((c) => c === '..' || c === '.' || c === '')) return { ret: -22 };
    const p = `/proc/sys/${path}`;
    let ret = 0;
    if (write !== undefined) {
      let fd: number | undefined;
      try {
        fd = openSync(p, 'w');
      } catch (e) {
        ret = fsErrno(e);
      }
      if (fd !== undefined) {
        try {
          const refusal = sysctlWriteRefusal(path, write, this.options.allowSysctlWrite ?? false);
          if (refusal !== undefined) throw new SysctlWriteRefusedError(refusal);
          writeSync(fd, write);
        } catch (e) {
          if (e instanceof SysctlWriteRefusedError) throw e;
          ret = fsErrno(e);
        } finally {
          closeSync(fd);
        }
      }
    }
    try {
      return { ret, value: readFileSync(p, 'utf8').trim() };
    } catch (e) {
      return { ret: ret < 0 ? ret : fsErrno(e) };
    }
  }

  fdinfo(fd: number): Record<string, string> | number {
    let text: string;
    try {
      text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch (e) {
      return fsErrno(e);
    }
    const out: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return out;
  }

  /**
   * Makes this process dumpable again (`prctl(PR_SET_DUMPABLE, 1)`), as after an exec: a process
   * that changed its uid is not, and then cannot read its own /proc/self/fdinfo.
   */
  setDumpable(): number {
    return this.libc.syscall(this.nr.prctl, PR_SET_DUMPABLE, 1, 0);
  }

  /**
   * Closes the bpf fds opened since the host was opened and restores changed resource limits (a
   * lowered hard limit comes back only with CAP_SYS_RESOURCE: replay scripts that set rlimits in a
   * child process when this process must keep its limits).
   */
  dispose(): void {
    for (const fd of bpfFds()) if (!this.initialFds.has(fd)) this.close(fd);
    for (const [res, [soft, hard]] of this.savedLimits) this.prlimit(res, soft, hard);
    this.savedLimits.clear();
    this.allocs.clear();
  }
}
