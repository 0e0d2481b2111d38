/**
 * Loads eBPF programs into the real kernel through bpf(2) (BPF_PROG_LOAD) with koffi, to compare
 * the verifier's log and verdict with bpfsim's. Layout of the 152-byte attr as in
 * /work/shared/tools/kernel-oracle/bpf_oracle.py.
 */
import { createRequire } from 'node:module';

export interface KernelLoad {
  /** fd (closed already) or -errno. */
  ret: number;
  errno: number;
  log: string;
}

type SyscallFn = (nr: number, cmd: number, attr: Buffer, size: number) => number | bigint;

interface Koffi {
  load(name: string): { func(sig: string): (...args: unknown[]) => unknown };
  address(b: Buffer): bigint | number;
  errno(): number;
}

let koffi: Koffi | undefined;
let syscall: SyscallFn | undefined;
let closeFn: ((fd: number) => number) | undefined;
let reason = '';

try {
  if (process.platform !== 'linux') reason = 'not Linux';
  else if (typeof process.getuid === 'function' && process.getuid() !== 0) reason = 'not root';
  else {
    const require = createRequire(import.meta.url);
    koffi = require('koffi') as Koffi;
    const libc = koffi.load('libc.so.6');
    syscall = libc.func('long syscall(long nr, long cmd, void *attr, long size)') as SyscallFn;
    closeFn = libc.func('int close(int fd)') as (fd: number) => number;
  }
} catch (e) {
  reason = `koffi unavailable (${(e as Error).message.split('\n')[0]})`;
  koffi = undefined;
}

const SYS_BPF = 321;
const BPF_PROG_LOAD = 5;

/** Whether programs can be loaded here, and if not, why. */
export const kernelAvailable: { ok: boolean; reason: string } = (() => {
  if (koffi === undefined || syscall === undefined)
    return { ok: false, reason: reason || 'koffi unavailable' };
  // Probe: `r0 = 0; exit` must load.
  const probe = loadProgram(Buffer.from('b700000000000000' + '9500000000000000', 'hex'), 1, 0);
  if (probe.ret < 0) return { ok: false, reason: `bpf(BPF_PROG_LOAD) fails: errno ${probe.errno}` };
  return { ok: true, reason: '' };
})();

/** Loads `insns` (raw bytes) as `progType` (1 = socket_filter) with the given log level. */
export function loadProgram(insns: Uint8Array, progType = 1, logLevel = 2, logSize = 1 << 22): KernelLoad {
  if (koffi === undefined || syscall === undefined || closeFn === undefined)
    throw new Error('kernel unavailable');
  const code = Buffer.from(insns);
  const lic = Buffer.from('GPL\0');
  const log = Buffer.alloc(logLevel ? logSize : 1);
  const attr = Buffer.alloc(152);
  attr.writeUInt32LE(progType, 0);
  attr.writeUInt32LE(code.length / 8, 4);
  attr.writeBigUInt64LE(BigInt(koffi.address(code)), 8);
  attr.writeBigUInt64LE(BigInt(koffi.address(lic)), 16);
  if (logLevel) {
    attr.writeUInt32LE(logLevel, 24);
    attr.writeUInt32LE(logSize, 28);
    attr.writeBigUInt64LE(BigInt(koffi.address(log)), 32);
  }
  const r = Number(syscall(SYS_BPF, BPF_PROG_LOAD, attr, 152));
  const errno = r < 0 ? koffi.errno() : 0;
  if (r >= 0) closeFn(r);
  const end = log.indexOf(0);
  return { ret: r < 0 ? -errno : r, errno, log: log.toString('utf8', 0, end < 0 ? log.length : end) };
}
