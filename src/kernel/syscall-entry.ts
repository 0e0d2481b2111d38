/**
 * @fileoverview The one system call path of a task: seccomp first, then the syscall table.
 *
 * Models arch/x86/entry/common.c `do_syscall_64` → `syscall_enter_from_user_mode` (seccomp:
 * kernel/seccomp.c `__secure_computing`, actions as `__seccomp_filter` takes them) → the x86_64
 * syscall table for the calls bpfsim implements: files of the simulated filesystem (fs/: open,
 * openat, read, write, lseek, fstat, stat, newfstatat, getdents64, fcntl), `/dev/net/tun` and the
 * interface ioctls (net/), sockets (socket, bind, connect, listen, accept/accept4, sendto,
 * recvfrom, getsockname, set/getsockopt), processes (clone, clone3, fork, vfork, execve, wait4,
 * exit, exit_group, kernel/fork.c `copy_process` flag checks, kernel/exit.c `do_wait`), close,
 * mmap, mprotect, munmap, dup/dup2/dup3, getpid/gettid/getppid/getuid/getgid, prctl
 * (NO_NEW_PRIVS, SECCOMP), getrlimit/setrlimit, seccomp and bpf. Other numbers, and variants of
 * these calls bpfsim does not model (other address families, ioctls, fcntl commands, namespace
 * clone flags), return ENOSYS flagged `notEmulated`, never a faked result. A call that would sleep
 * (wait4 for a running child, accept or recv with nothing queued, a blocking tun read) is reported
 * `sleeping`; {@link resumeSyscall} runs it again later without a second pass through seccomp.
 * The actions act as `__seccomp_filter` does (see seccomp-outcomes.ts): TRAP and the kills deliver
 * SIGSYS with its siginfo, TRACE stops at a tracer (ENOSYS without one, then the filters run again),
 * USER_NOTIF goes to the supervisor of the filter's listener (ENOSYS without a listener; without a
 * supervisor the caller is reported blocked), and `seccomp_log` writes SECCOMP audit records.
 */

import {
  prctlGetSeccomp,
  prctlSetSeccomp,
  type SeccompArgs,
  type SockFprog,
  seccompDecide,
  sysSeccomp,
} from '../seccomp/attach.js';
import type { SockFilter } from '../seccomp/cbpf/filter.js';
import { type ChainDecision, runChainWords } from '../seccomp/chain.js';
import type { SeccompData } from '../seccomp/data.js';
import { AUDIT_ARCH, SECCOMP_MODE, SECCOMP_OP } from '../seccomp/uapi.js';
import { ERRNO } from '../uapi/errno.js';
import { isDir, isReg } from './fs/inode.js';
import { sysIoctl } from './fs/ioctl.js';
import { NOT_EMULATED, OpenFile, SLEEPS } from './fs/open-file.js';
import {
  AT,
  type DeviceOpen,
  getname,
  nullOps,
  sysFcntl,
  sysFstat,
  sysGetdents64,
  sysLseek,
  sysNewfstatat,
  sysOpenat,
  sysRead,
  sysWrite,
} from './fs/syscalls.js';
import { DEV, MAY, vfsOf } from './fs/vfs.js';
import {
  sysAccept4,
  sysBind,
  sysConnect,
  sysGetsockname,
  sysGetsockopt,
  sysListen,
  sysRecvfrom,
  sysSendto,
  sysSetsockopt,
  sysSocket,
} from './net/socket.js';
import { tunOpen } from './net/tun.js';
import {
  formatSeccompRecord,
  SECCOMP_USER_NOTIF_FLAG_CONTINUE,
  type SigsysInfo,
  seccompShouldLog,
} from './seccomp-outcomes.js';
import type { Task } from './task.js';

/** x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) of the calls modelled here. */
export const NR = {
  read: 0,
  write: 1,
  open: 2,
  close: 3,
  stat: 4,
  fstat: 5,
  lstat: 6,
  lseek: 8,
  mmap: 9,
  mprotect: 10,
  munmap: 11,
  ioctl: 16,
  dup: 32,
  dup2: 33,
  getpid: 39,
  socket: 41,
  connect: 42,
  accept: 43,
  sendto: 44,
  recvfrom: 45,
  bind: 49,
  listen: 50,
  getsockname: 51,
  setsockopt: 54,
  getsockopt: 55,
  clone: 56,
  fork: 57,
  vfork: 58,
  execve: 59,
  exit: 60,
  wait4: 61,
  fcntl: 72,
  getrlimit: 97,
  getuid: 102,
  getgid: 104,
  getppid: 110,
  prctl: 157,
  setrlimit: 160,
  gettid: 186,
  getdents64: 217,
  exit_group: 231,
  openat: 257,
  newfstatat: 262,
  accept4: 288,
  dup3: 292,
  seccomp: 317,
  bpf: 321,
  clone3: 435,
} as const;

/** prctl options used here (include/uapi/linux/prctl.h). */
export const PR = {
  GET_SECCOMP: 21,
  SET_SECCOMP: 22,
  SET_NO_NEW_PRIVS: 38,
  GET_NO_NEW_PRIVS: 39,
} as const;

/** Signal numbers of the deaths seccomp causes, and SIGCHLD (the exit signal of fork). */
export const SIG = { SIGKILL: 9, SIGCHLD: 17, SIGSYS: 31 } as const;

/** What happened to one system call. */
export interface SyscallOutcome {
  /** The return value, or -errno. Meaningless when `signal` is set. */
  readonly ret: number;
  /** The seccomp action applied (`ALLOW` when seccomp is off or allowed the call). */
  readonly action: string;
  /** The signal that killed the thread or process (SIGSYS for TRAP and KILL_*, SIGKILL in strict mode). */
  readonly signal?: number;
  /** The SIGSYS siginfo (`si_syscall`, `si_arch`, `si_errno`, `si_call_addr`). */
  readonly siginfo?: SigsysInfo;
  /** USER_NOTIF with a listener nobody answers: the caller would wait (until the listener closes). */
  readonly blocked?: boolean;
  /** The id of the user notification the supervisor answered. */
  readonly notified?: bigint;
  /** A tracer stopped the task at PTRACE_EVENT_SECCOMP. */
  readonly traced?: boolean;
  /** An audit record was emitted (`seccomp_log`). */
  readonly logged?: boolean;
  /** The call was allowed but bpfsim does not emulate it: `ret` is ENOSYS, not what Linux would return. */
  readonly notEmulated?: boolean;
  /** The call sleeps (nothing to accept/receive, a child still running): resume it later. */
  readonly sleeping?: boolean;
  /** The task or thread a successful clone/clone3/fork/vfork created. */
  readonly child?: Task;
}

/** The syscall numbers `dispatch` emulates; others are reported `notEmulated`, never faked. */
export const EMULATED_NRS: ReadonlySet<number> = new Set<number>(Object.values(NR));

type RunResult = { ret: number; notEmulated?: true; sleeping?: true; child?: Task };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Runs an allowed call and returns its outcome with `action` (and `extra`) set. Built by
 * assignment, not object spread: spreading results of varying shapes made the syscall path 20x slower.
 */
function ran(
  task: Task,
  nr: number,
  args: readonly (number | bigint)[],
  action: string,
  extra?: Partial<SyscallOutcome>,
): SyscallOutcome {
  const r = run(task, nr, args) as Mutable<SyscallOutcome>;
  r.action = action;
  if (extra !== undefined) Object.assign(r, extra);
  return r;
}

/** The task the running clone/fork created (one call runs at a time). */
let created: Task | undefined;

/** Runs an allowed call: its return value, flagged when the call is not emulated or sleeps. */
function run(task: Task, nr: number, args: readonly (number | bigint)[]): RunResult {
  created = undefined;
  const ext = task.kernel.extSyscalls.get(nr);
  if (ext !== undefined) return { ret: ext(task, args) };
  const ret = dispatch(task, nr, args);
  if (ret === NOT_EMULATED || !EMULATED_NRS.has(nr)) return { ret: -ERRNO.ENOSYS, notEmulated: true };
  if (ret === SLEEPS) return { ret: 0, sleeping: true };
  const child = created;
  created = undefined;
  const r: RunResult = { ret };
  if (child !== undefined) r.child = child;
  return r;
}

/**
 * Runs again a call that slept, once the task is scheduled (the wait queue woke it): the syscall
 * body only, seccomp having decided at entry.
 */
export function resumeSyscall(task: Task, nr: number, args: readonly (number | bigint)[]): RunResult {
  if (task.exiting) return { ret: -ERRNO.ESRCH };
  return run(task, nr, args);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const n = (v: number | bigint | undefined): number => {
  if (v === undefined) return 0;
  if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) return v;
  if (typeof v === 'bigint' && v >= 0n && v <= MAX_SAFE) return Number(v);
  const b = BigInt.asUintN(64, BigInt(v));
  return b > MAX_SAFE ? Number.MAX_SAFE_INTEGER : Number(b);
};
const s32 = (v: number | bigint | undefined): number => {
  if (typeof v === 'number') return v | 0;
  if (typeof v === 'bigint' && v >= -0x80000000n && v <= 0x7fffffffn) return Number(v);
  return Number(BigInt.asIntN(32, BigInt(v ?? 0)));
};

/** Reads a `struct sock_fprog` (u16 len, u64 filter) and its instructions from user memory. */
function readFprog(task: Task, addr: number): SockFprog | undefined {
  const hdr = task.mem.copyFromUser(addr, 16);
  if (typeof hdr === 'number') return undefined;
  const dv = new DataView(hdr.buffer);
  const len = dv.getUint16(0, true);
  const ptr = Number(dv.getBigUint64(8, true) & BigInt(Number.MAX_SAFE_INTEGER));
  if (ptr === 0) return { len, filter: null };
  const out: SockFilter[] = [];
  for (let i = 0; i < len; i++) {
    const b = task.mem.copyFromUser(ptr + 8 * i, 8);
    if (typeof b === 'number') break;
    const d = new DataView(b.buffer);
    out.push({ code: d.getUint16(0, true), jt: b[2] as number, jf: b[3] as number, k: d.getUint32(4, true) });
  }
  return { len, filter: out };
}

/** Character devices by `i_rdev` (drivers' `open`). */
const DEVICES: ReadonlyMap<number, DeviceOpen> = new Map<number, DeviceOpen>([
  [DEV.TUN, tunOpen],
  [DEV.NULL, (_t, inode, flags) => new OpenFile(inode, flags, nullOps, undefined)],
]);

const u32 = (v: number | bigint | undefined): number => {
  if (typeof v === 'number') return v >>> 0;
  if (typeof v === 'bigint' && v >= 0n && v <= 0xffffffffn) return Number(v);
  return Number(BigInt.asUintN(32, BigInt(v ?? 0)));
};

/** The syscall table: runs an allowed call. */
function dispatch(task: Task, nr: number, a: readonly (number | bigint)[]): number {
  switch (nr) {
    case NR.read:
      return sysRead(task, s32(a[0]), n(a[1]), n(a[2]));
    case NR.write:
      return sysWrite(task, s32(a[0]), n(a[1]), n(a[2]));
    case NR.open:
      return sysOpenat(task, AT.FDCWD, n(a[0]), u32(a[1]), u32(a[2]), DEVICES);
    case NR.openat:
      return sysOpenat(task, s32(a[0]), n(a[1]), u32(a[2]), u32(a[3]), DEVICES);
    case NR.stat:
      return sysNewfstatat(task, AT.FDCWD, n(a[0]), n(a[1]), 0);
    case NR.lstat:
      return sysNewfstatat(task, AT.FDCWD, n(a[0]), n(a[1]), AT.SYMLINK_NOFOLLOW);
    case NR.fstat:
      return sysFstat(task, s32(a[0]), n(a[1]));
    case NR.newfstatat:
      return sysNewfstatat(task, s32(a[0]), n(a[1]), n(a[2]), u32(a[3]));
    case NR.lseek:
      return sysLseek(task, s32(a[0]), BigInt(a[1] ?? 0), u32(a[2]));
    case NR.getdents64:
      return sysGetdents64(task, s32(a[0]), n(a[1]), u32(a[2]));
    case NR.fcntl:
      return sysFcntl(task, s32(a[0]), u32(a[1]), BigInt(a[2] ?? 0));
    case NR.ioctl:
      return sysIoctl(task, s32(a[0]), u32(a[1]), n(a[2]));
    case NR.mprotect:
      return task.mem.accessOk(n(a[0]), n(a[1])) ? 0 : -ERRNO.ENOMEM;
    case NR.socket:
      return sysSocket(task, s32(a[0]), s32(a[1]), s32(a[2]));
    case NR.bind:
      return sysBind(task, s32(a[0]), n(a[1]), s32(a[2]));
    case NR.connect:
      return sysConnect(task, s32(a[0]), n(a[1]), s32(a[2]));
    case NR.listen:
      return sysListen(task, s32(a[0]), s32(a[1]));
    case NR.accept:
      return sysAccept4(task, s32(a[0]), n(a[1]), n(a[2]), 0);
    case NR.accept4:
      return sysAccept4(task, s32(a[0]), n(a[1]), n(a[2]), s32(a[3]));
    case NR.sendto:
      return sysSendto(task, s32(a[0]), n(a[1]), n(a[2]), u32(a[3]), n(a[4]), s32(a[5]));
    case NR.recvfrom:
      return sysRecvfrom(task, s32(a[0]), n(a[1]), n(a[2]), u32(a[3]), n(a[4]), n(a[5]));
    case NR.getsockname:
      return sysGetsockname(task, s32(a[0]), n(a[1]), n(a[2]));
    case NR.setsockopt:
      return sysSetsockopt(task, s32(a[0]), s32(a[1]), s32(a[2]), n(a[3]), s32(a[4]));
    case NR.getsockopt:
      return sysGetsockopt(task, s32(a[0]), s32(a[1]), s32(a[2]), n(a[3]), n(a[4]));
    case NR.clone:
      return sysClone(task, BigInt.asUintN(64, BigInt(a[0] ?? 0)));
    case NR.fork:
      return sysClone(task, BigInt(SIG.SIGCHLD));
    case NR.vfork:
      return sysClone(task, CLONE.VM | CLONE.VFORK | BigInt(SIG.SIGCHLD));
    case NR.clone3:
      return sysClone3(task, n(a[0]), n(a[1]));
    case NR.execve:
      return sysExecve(task, n(a[0]));
    case NR.wait4:
      return sysWait4(task, s32(a[0]), n(a[1]), u32(a[2]));
    case NR.exit:
      task.exitStatus = (u32(a[0]) & 0xff) << 8;
      task.exit();
      return 0;
    case NR.exit_group: {
      const status = (u32(a[0]) & 0xff) << 8;
      for (const t of task.threads()) t.exitStatus ??= status;
      task.exitGroup();
      return 0;
    }
    case NR.getppid:
      return task.parent?.tgid ?? 0;
    case NR.close:
      return task.close(s32(a[0]));
    case NR.mmap:
      return task.mmap(n(a[1]));
    case NR.munmap:
      return task.munmap(n(a[0]), n(a[1]));
    case NR.dup:
      return task.dup(s32(a[0]));
    case NR.dup2:
      return task.dup2(s32(a[0]), s32(a[1]));
    case NR.dup3:
      return task.dup3(s32(a[0]), s32(a[1]), n(a[2]));
    case NR.getpid:
      return task.tgid;
    case NR.gettid:
      return task.pid;
    case NR.getuid:
      return task.creds.uid;
    case NR.getgid:
      return task.creds.gid;
    case NR.getrlimit:
    case NR.setrlimit:
      return rlimitCall(task, nr, n(a[0]), n(a[1]));
    case NR.prctl:
      return prctl(task, n(a[0]), a);
    case NR.seccomp:
      return seccompCall(task, n(a[0]), n(a[1]), n(a[2]));
    case NR.bpf:
      return task.bpf(n(a[0]), n(a[1]), n(a[2]));
    default:
      return -ERRNO.ENOSYS;
  }
}

/** clone flags (include/uapi/linux/sched.h). */
export const CLONE = {
  VM: 0x100n,
  FS: 0x200n,
  FILES: 0x400n,
  SIGHAND: 0x800n,
  PIDFD: 0x1000n,
  PTRACE: 0x2000n,
  VFORK: 0x4000n,
  PARENT: 0x8000n,
  THREAD: 0x10000n,
  NEWNS: 0x20000n,
  SYSVSEM: 0x40000n,
  SETTLS: 0x80000n,
  PARENT_SETTID: 0x100000n,
  CHILD_CLEARTID: 0x200000n,
  DETACHED: 0x400000n,
  UNTRACED: 0x800000n,
  CHILD_SETTID: 0x1000000n,
  NEWCGROUP: 0x2000000n,
  NEWUTS: 0x4000000n,
  NEWIPC: 0x8000000n,
  NEWUSER: 0x10000000n,
  NEWPID: 0x20000000n,
  NEWNET: 0x40000000n,
  IO: 0x80000000n,
} as const;

const CLONE_NAMESPACES =
  CLONE.NEWNS | CLONE.NEWCGROUP | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWUSER | CLONE.NEWPID | CLONE.NEWNET;

/**
 * Models kernel/fork.c `copy_process`'s flag checks and the two cases bpfsim runs: a thread
 * (CLONE_THREAD|CLONE_SIGHAND|CLONE_VM, sharing fds and memory) and a process (fork; vfork and
 * CLONE_VM|CLONE_VFORK run as a copy whose parent waits for its exec or exit). Namespaces and
 * other sharing combinations are not emulated.
 */
function sysClone(task: Task, flags: bigint): number {
  if ((flags & (CLONE.NEWNS | CLONE.FS)) === (CLONE.NEWNS | CLONE.FS)) return -ERRNO.EINVAL;
  if ((flags & (CLONE.NEWUSER | CLONE.FS)) === (CLONE.NEWUSER | CLONE.FS)) return -ERRNO.EINVAL;
  if (flags & CLONE.THREAD && !(flags & CLONE.SIGHAND)) return -ERRNO.EINVAL;
  if (flags & CLONE.SIGHAND && !(flags & CLONE.VM)) return -ERRNO.EINVAL;
  if (flags & CLONE_NAMESPACES) return NOT_EMULATED;
  if (flags & CLONE.THREAD) {
    if (!(flags & CLONE.FILES)) return NOT_EMULATED;
    created = task.spawnThread();
    return created.tid;
  }
  if (flags & CLONE.FILES || (flags & CLONE.VM && !(flags & CLONE.VFORK))) return NOT_EMULATED;
  const child = task.fork();
  created = child;
  return child.tgid;
}

/** `clone3(uargs, size)`: `struct clone_args` (flags at 0, exit_signal at 32); EINVAL below CLONE_ARGS_SIZE_VER0, E2BIG past a page. */
function sysClone3(task: Task, uargs: number, size: number): number {
  if (size > 4096) return -ERRNO.E2BIG;
  if (size < 64) return -ERRNO.EINVAL;
  const b = task.mem.copyFromUser(uargs, 64);
  if (typeof b === 'number') return b;
  const dv = new DataView(b.buffer);
  const flags = dv.getBigUint64(0, true);
  const exitSignal = dv.getBigUint64(32, true);
  if (exitSignal > 64n) return -ERRNO.EINVAL;
  if (flags & CLONE.DETACHED) return -ERRNO.EINVAL;
  return sysClone(task, flags | exitSignal);
}

/**
 * `execve(path, argv, envp)`: fs/exec.c `do_open_execat` (ENOENT, EACCES for a directory, a
 * non-regular file or one without execute permission), ENOEXEC for a file that is neither ELF nor
 * a `#!` script, then {@link Task.execAs}.
 */
function sysExecve(task: Task, pathAddr: number): number {
  const path = getname(task, pathAddr);
  if (typeof path === 'number') return path;
  const vfs = vfsOf(task.kernel);
  const l = vfs.lookup(task.creds, task.cwd ?? vfs.root, path);
  if (!l.ok) return -l.errno;
  if (isDir(l.inode) || !isReg(l.inode)) return -ERRNO.EACCES;
  if (!vfs.permission(task.creds, l.inode, MAY.EXEC)) return -ERRNO.EACCES;
  const head = new TextDecoder().decode(l.inode.data.subarray(0, 4));
  if (head !== '\x7fELF' && !head.startsWith('#!')) return -ERRNO.ENOEXEC;
  task.execAs(path.startsWith('/') ? path : `${vfs.pathOf(task.cwd ?? vfs.root)}/${path}`.replace('//', '/'));
  return 0;
}

/** wait4 options (include/uapi/linux/wait.h). */
export const WAIT = {
  NOHANG: 1,
  UNTRACED: 2,
  CONTINUED: 8,
  NOTHREAD: 0x20000000,
  ALL: 0x40000000,
  CLONE: 0x80000000,
} as const;

/**
 * `wait4(pid, wstatus, options, rusage)`: kernel/exit.c `do_wait` for children of the caller
 * (pid -1 or 0: any; > 0: that one; < -1: process groups, not emulated): ECHILD with no such
 * child, the status of an exited one (then reaped), 0 with WNOHANG, else the caller sleeps.
 */
function sysWait4(task: Task, pid: number, wstatus: number, options: number): number {
  const valid = WAIT.NOHANG | WAIT.UNTRACED | WAIT.CONTINUED | WAIT.NOTHREAD | WAIT.ALL | WAIT.CLONE;
  if (options & ~valid) return -ERRNO.EINVAL;
  if (pid < -1) return NOT_EMULATED;
  const kids = task.children.filter((c) => pid <= 0 || c.tgid === pid);
  if (kids.length === 0) return -ERRNO.ECHILD;
  const done = kids.find((c) => c.zombie);
  if (done === undefined) return options & WAIT.NOHANG ? 0 : SLEEPS;
  if (wstatus !== 0) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, done.exitStatus ?? 0, true);
    if (task.mem.copyToUser(wstatus, b)) return -ERRNO.EFAULT;
  }
  done.reap();
  return done.tgid;
}

/** getrlimit/setrlimit with a `struct rlimit` (two u64, RLIM_INFINITY = ~0) in user memory. */
function rlimitCall(task: Task, nr: number, resource: number, addr: number): number {
  const INF = 0xffffffffffffffffn;
  if (nr === NR.getrlimit) {
    const r = task.getrlimit(resource);
    if (typeof r === 'number') return r;
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, r.soft === Number.POSITIVE_INFINITY ? INF : BigInt(r.soft), true);
    dv.setBigUint64(8, r.hard === Number.POSITIVE_INFINITY ? INF : BigInt(r.hard), true);
    return task.mem.copyToUser(addr, b) ? -ERRNO.EFAULT : 0;
  }
  const b = task.mem.copyFromUser(addr, 16);
  if (typeof b === 'number') return -ERRNO.EFAULT;
  const dv = new DataView(b.buffer);
  const v = (x: bigint): number => (x === INF ? Number.POSITIVE_INFINITY : Number(x));
  return task.setrlimit(resource, v(dv.getBigUint64(0, true)), v(dv.getBigUint64(8, true)));
}

/** Models kernel/sys.c `prctl` for the options seccomp users need. */
function prctl(task: Task, option: number, a: readonly (number | bigint)[]): number {
  switch (option) {
    case PR.SET_NO_NEW_PRIVS:
      if (n(a[1]) !== 1 || n(a[2]) || n(a[3]) || n(a[4])) return -ERRNO.EINVAL;
      task.setNoNewPrivs();
      return 0;
    case PR.GET_NO_NEW_PRIVS:
      if (n(a[1]) || n(a[2]) || n(a[3]) || n(a[4])) return -ERRNO.EINVAL;
      return task.noNewPrivs ? 1 : 0;
    case PR.GET_SECCOMP:
      return prctlGetSeccomp(task);
    case PR.SET_SECCOMP: {
      const addr = n(a[2]);
      return prctlSetSeccomp(task, n(a[1]), addr ? readFprog(task, addr) : undefined);
    }
    default:
      return -ERRNO.EINVAL;
  }
}

/** Models `SYSCALL_DEFINE3(seccomp, op, flags, uargs)`: reads the op's argument from user memory. */
function seccompCall(task: Task, op: number, flags: number, uargs: number): number {
  let args: SeccompArgs;
  if (op === SECCOMP_OP.SET_MODE_STRICT) args = { op, flags, nonNull: uargs !== 0 };
  else if (op === SECCOMP_OP.SET_MODE_FILTER)
    args = { op, flags, fprog: uargs ? readFprog(task, uargs) : undefined };
  else if (op === SECCOMP_OP.GET_ACTION_AVAIL) {
    const b = task.mem.copyFromUser(uargs, 4);
    args = {
      op,
      flags,
      action: typeof b === 'number' ? undefined : new DataView(b.buffer).getUint32(0, true),
    };
  } else if (op === SECCOMP_OP.GET_NOTIF_SIZES)
    args = { op, flags, sizes: { writable: task.mem.accessOk(uargs, 6) } };
  else args = { op, flags };
  const r = sysSeccomp(task, args);
  if (r.sizes && r.ret === 0) {
    const b = new Uint8Array(6);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, r.sizes.seccomp_notif, true);
    dv.setUint16(2, r.sizes.seccomp_notif_resp, true);
    dv.setUint16(4, r.sizes.seccomp_data, true);
    if (task.mem.copyToUser(uargs, b)) return -ERRNO.EFAULT;
  }
  return r.ret;
}

const words = new Uint32Array(16);

/** The low and high u32 of a register value (two's complement for negative numbers). */
function setReg(i: number, v: number | bigint | undefined): void {
  if (typeof v === 'number' && v >= -0x80000000 && v <= 0xffffffff) {
    words[i] = v >>> 0;
    words[i + 1] = v < 0 ? 0xffffffff : 0;
  } else if (v === undefined || v === 0n) {
    words[i] = 0;
    words[i + 1] = 0;
  } else if (typeof v === 'bigint' && v > 0n && v <= 0xffffffffn) {
    words[i] = Number(v);
    words[i + 1] = 0;
  } else {
    const b = BigInt.asUintN(64, BigInt(v ?? 0));
    words[i] = Number(b & 0xffffffffn);
    words[i + 1] = Number(b >> 32n);
  }
}

/** `populate_seccomp_data` into the shared words, as data.ts `seccompDataWords` lays them out. */
function fillWords(nr: number, ip: bigint, args: readonly (number | bigint)[]): Uint32Array {
  words[0] = nr >>> 0;
  words[1] = AUDIT_ARCH.X86_64;
  if (ip === 0n) {
    words[2] = 0;
    words[3] = 0;
  } else setReg(2, ip);
  const k = Math.min(args.length, 6);
  for (let i = 0; i < k; i++) setReg(4 + 2 * i, args[i]);
  for (let i = 4 + 2 * k; i < 16; i++) words[i] = 0;
  return words;
}

/** Models `do_syscall_64` for `task`: seccomp's decision, then the call. */
export function doSyscall(
  task: Task,
  nr: number,
  args: readonly (number | bigint)[],
  ip: bigint,
): SyscallOutcome {
  if (task.exiting) return { ret: -ERRNO.ESRCH, action: 'ALLOW' };
  if (task.mode === SECCOMP_MODE.FILTER) {
    // The filter reads the words; seccomp_data with bigint args is built only when an action
    // other than ALLOW needs it (audit, notifications, the second pass after TRACE).
    const d = runChainWords(task.filter, fillWords(nr, ip, args));
    if (d.action === 'ALLOW') return ran(task, nr, args, 'ALLOW');
    const full = { nr, arch: AUDIT_ARCH.X86_64, instructionPointer: ip, args: args.map((x) => BigInt(x)) };
    return filterOutcome(task, full, args, d, false);
  }
  const data = { nr, arch: AUDIT_ARCH.X86_64, instructionPointer: ip, args: args.map((x) => BigInt(x)) };
  const d = seccompDecide(task, data);
  if (d.mode !== 'filter') {
    if (d.action === 'KILL_STRICT') {
      // __secure_computing_strict: seccomp_log(SIGKILL, KILL_THREAD), do_exit(SIGKILL).
      audit(task, data, SIG.SIGKILL, 'KILL_THREAD', SECCOMP_RET_KILL_THREAD, true);
      for (const t of task.threads()) t.exitStatus ??= SIG.SIGKILL;
      task.exitGroup();
      return { ret: -ERRNO.EINTR, action: d.action, signal: SIG.SIGKILL };
    }
    return ran(task, nr, args, 'ALLOW');
  }
  return filterOutcome(task, data, args, d, false);
}

const SECCOMP_RET_KILL_THREAD = 0;

/** Models `seccomp_log` → `audit_seccomp`. */
function audit(
  task: Task,
  data: SeccompData,
  sig: number,
  action: string,
  code: number,
  requested: boolean,
): boolean {
  if (!seccompShouldLog(action, requested, task.kernel.seccompActionsLogged)) return false;
  task.kernel.emitSeccompAudit((timeNs, serial) => ({
    pid: task.tgid,
    syscall: data.nr,
    code: code >>> 0,
    text: formatSeccompRecord(
      { uid: task.creds.uid, gid: task.creds.gid, tgid: task.tgid, comm: task.comm, exe: task.exe },
      timeNs,
      serial,
      {
        sig,
        arch: data.arch,
        syscall: data.nr,
        compat: false,
        ip: data.instructionPointer,
        code,
      },
    ),
  }));
  return true;
}

/** Models the switch of kernel/seccomp.c `__seccomp_filter` after `seccomp_run_filters`. */
function filterOutcome(
  task: Task,
  data: SeccompData,
  args: readonly (number | bigint)[],
  d: ChainDecision,
  recheckAfterTrace: boolean,
): SyscallOutcome {
  const nr = data.nr;
  const requested = d.filter?.log ?? false;
  const siginfo = (): SigsysInfo => ({
    signo: 31,
    code: 1,
    errno: d.data,
    callAddr: data.instructionPointer,
    syscall: nr,
    arch: data.arch,
  });
  const skip = (ret: number, extra: Partial<SyscallOutcome> = {}): SyscallOutcome => {
    const logged = audit(task, data, 0, d.action, d.ret, requested);
    return { ret, action: d.action, ...(logged ? { logged } : {}), ...extra };
  };
  switch (d.action) {
    case 'ALLOW':
      return ran(task, nr, args, d.action);
    case 'LOG': {
      const logged = audit(task, data, 0, 'LOG', d.ret, true);
      return logged ? ran(task, nr, args, d.action, { logged }) : ran(task, nr, args, d.action);
    }
    case 'ERRNO':
      return skip(-d.data);
    case 'TRAP':
      // force_sig_seccomp(force_coredump = false): a SIGSYS handler could run; none can be
      // installed on a simulated task, so the default action of SIGSYS ends the process.
      for (const t of task.threads()) t.exitStatus ??= SIG.SIGSYS;
      task.exitGroup();
      return skip(-ERRNO.ENOSYS, { signal: SIG.SIGSYS, siginfo: siginfo() });
    case 'TRACE': {
      if (recheckAfterTrace) return ran(task, nr, args, 'ALLOW');
      const tracer = task.tracer;
      if (tracer === undefined) return skip(-ERRNO.ENOSYS);
      const stop = tracer({ msg: d.data, nr, pid: task.pid });
      if (stop.skip) return skip(stop.ret ?? -ERRNO.ENOSYS, { traced: true });
      // The tracer let it run: the filters run again (recheck_after_trace), TRACE now allows.
      const again = seccompDecide(task, data);
      if (again.mode !== 'filter') return ran(task, nr, args, 'ALLOW', { traced: true });
      return { ...filterOutcome(task, data, args, again, true), traced: true };
    }
    case 'USER_NOTIF': {
      const filter = d.filter;
      if (filter === undefined || !filter.hasListener) return skip(-ERRNO.ENOSYS);
      const supervisor = task.kernel.seccompNotifiers.get(filter);
      // Without a supervisor reading the listener, the caller waits (until the listener closes).
      if (supervisor === undefined) return skip(-ERRNO.ENOSYS, { blocked: true });
      const id = task.kernel.seccompNotifiers.takeId(filter);
      const resp = supervisor({ id, pid: task.pid, flags: 0, data });
      const flags = resp.flags ?? 0;
      const error = resp.error ?? 0;
      const val = resp.val ?? 0;
      // seccomp_notify_send: unknown flags, or CONTINUE with a value, are refused (the caller keeps waiting).
      if (
        flags & ~SECCOMP_USER_NOTIF_FLAG_CONTINUE ||
        (flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE && (error || val))
      )
        return skip(-ERRNO.ENOSYS, { blocked: true, notified: id });
      if (flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE) return ran(task, nr, args, d.action, { notified: id });
      return skip(error ? error : val, { notified: id });
    }
    default: {
      // KILL_THREAD, KILL_PROCESS and unknown actions (KILL_PROCESS).
      const logged = audit(task, data, SIG.SIGSYS, d.action, d.ret, true);
      // The core-dumping SIGSYS: wait status = signal | WCOREFLAG (0x80).
      if (d.action === 'KILL_THREAD') {
        task.exitStatus ??= SIG.SIGSYS | 0x80;
        task.exit();
      } else {
        for (const t of task.threads()) t.exitStatus ??= SIG.SIGSYS | 0x80;
        task.exitGroup();
      }
      return {
        ret: -ERRNO.EINTR,
        action: d.action,
        signal: SIG.SIGSYS,
        siginfo: siginfo(),
        ...(logged ? { logged } : {}),
      };
    }
  }
}
