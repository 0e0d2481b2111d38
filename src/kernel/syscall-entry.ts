/**
 * @fileoverview The one system call path of a task: seccomp first, then the syscall table.
 *
 * Models arch/x86/entry/common.c `do_syscall_64` → `syscall_enter_from_user_mode` (seccomp:
 * kernel/seccomp.c `__secure_computing`, actions as `__seccomp_filter` takes them) → the x86_64
 * syscall table for the calls bpfsim implements: read/write on the terminal, close, mmap, munmap,
 * dup/dup2/dup3, getpid/gettid/getuid/getgid, exit/exit_group, prctl (NO_NEW_PRIVS, SECCOMP),
 * getrlimit/setrlimit, seccomp and bpf. Other numbers return ENOSYS flagged `notEmulated`, never a faked result.
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
import type { ChainDecision } from '../seccomp/chain.js';
import type { SeccompData } from '../seccomp/data.js';
import { AUDIT_ARCH, SECCOMP_OP } from '../seccomp/uapi.js';
import { ERRNO } from '../uapi/errno.js';
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
  close: 3,
  mmap: 9,
  munmap: 11,
  dup: 32,
  dup2: 33,
  getpid: 39,
  exit: 60,
  getrlimit: 97,
  getuid: 102,
  getgid: 104,
  prctl: 157,
  setrlimit: 160,
  gettid: 186,
  exit_group: 231,
  dup3: 292,
  seccomp: 317,
  bpf: 321,
} as const;

/** prctl options used here (include/uapi/linux/prctl.h). */
export const PR = {
  GET_SECCOMP: 21,
  SET_SECCOMP: 22,
  SET_NO_NEW_PRIVS: 38,
  GET_NO_NEW_PRIVS: 39,
} as const;

/** Signal numbers of the deaths seccomp causes. */
export const SIG = { SIGKILL: 9, SIGSYS: 31 } as const;

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
}

/** The syscall numbers `dispatch` emulates; others are reported `notEmulated`, never faked. */
export const EMULATED_NRS: ReadonlySet<number> = new Set<number>(Object.values(NR));

/** Runs an allowed call: its return value, flagged when the call is not emulated. */
function run(
  task: Task,
  nr: number,
  args: readonly (number | bigint)[],
): { ret: number; notEmulated?: true } {
  const ret = dispatch(task, nr, args);
  return EMULATED_NRS.has(nr) ? { ret } : { ret, notEmulated: true };
}

const n = (v: number | bigint | undefined): number => {
  if (v === undefined) return 0;
  const b = BigInt.asUintN(64, BigInt(v));
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(b);
};
const s32 = (v: number | bigint | undefined): number => Number(BigInt.asIntN(32, BigInt(v ?? 0)));

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

/** The syscall table: runs an allowed call. */
function dispatch(task: Task, nr: number, a: readonly (number | bigint)[]): number {
  switch (nr) {
    case NR.read:
      return task.fds.get(s32(a[0])) ? 0 : -ERRNO.EBADF;
    case NR.write: {
      const f = task.fds.get(s32(a[0]));
      if (!f) return -ERRNO.EBADF;
      if (f.kind !== 'tty') return -ERRNO.EINVAL;
      const len = n(a[2]);
      return task.mem.accessOk(n(a[1]), len) ? len : -ERRNO.EFAULT;
    }
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

/** Models `do_syscall_64` for `task`: seccomp's decision, then the call. */
export function doSyscall(
  task: Task,
  nr: number,
  args: readonly (number | bigint)[],
  ip: bigint,
): SyscallOutcome {
  if (task.exiting) return { ret: -ERRNO.ESRCH, action: 'ALLOW' };
  const data = { nr, arch: AUDIT_ARCH.X86_64, instructionPointer: ip, args: args.map((x) => BigInt(x)) };
  const d = seccompDecide(task, data);
  if (d.mode !== 'filter') {
    if (d.action === 'KILL_STRICT') {
      // __secure_computing_strict: seccomp_log(SIGKILL, KILL_THREAD), do_exit(SIGKILL).
      audit(task, data, SIG.SIGKILL, 'KILL_THREAD', SECCOMP_RET_KILL_THREAD, true);
      task.exitGroup();
      return { ret: -ERRNO.EINTR, action: d.action, signal: SIG.SIGKILL };
    }
    return { ...run(task, nr, args), action: 'ALLOW' };
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
      return { ...run(task, nr, args), action: d.action };
    case 'LOG': {
      const logged = audit(task, data, 0, 'LOG', d.ret, true);
      return { ...run(task, nr, args), action: d.action, ...(logged ? { logged } : {}) };
    }
    case 'ERRNO':
      return skip(-d.data);
    case 'TRAP':
      // force_sig_seccomp(force_coredump = false): a SIGSYS handler could run; none can be
      // installed on a simulated task, so the default action of SIGSYS ends the process.
      task.exitGroup();
      return skip(-ERRNO.ENOSYS, { signal: SIG.SIGSYS, siginfo: siginfo() });
    case 'TRACE': {
      if (recheckAfterTrace) return { ...run(task, nr, args), action: 'ALLOW' };
      const tracer = task.tracer;
      if (tracer === undefined) return skip(-ERRNO.ENOSYS);
      const stop = tracer({ msg: d.data, nr, pid: task.pid });
      if (stop.skip) return skip(stop.ret ?? -ERRNO.ENOSYS, { traced: true });
      // The tracer let it run: the filters run again (recheck_after_trace), TRACE now allows.
      const again = seccompDecide(task, data);
      if (again.mode !== 'filter') return { ...run(task, nr, args), action: 'ALLOW', traced: true };
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
      if (flags & SECCOMP_USER_NOTIF_FLAG_CONTINUE)
        return { ...run(task, nr, args), action: d.action, notified: id };
      return skip(error ? error : val, { notified: id });
    }
    default: {
      // KILL_THREAD, KILL_PROCESS and unknown actions (KILL_PROCESS).
      const logged = audit(task, data, SIG.SIGSYS, d.action, d.ret, true);
      if (d.action === 'KILL_THREAD') task.exit();
      else task.exitGroup();
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
