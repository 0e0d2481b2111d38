/**
 * @fileoverview The seccomp(2) and prctl(PR_SET_SECCOMP) entry points over an abstract task,
 * checking in the order of kernel/seccomp.c do_seccomp, seccomp_set_mode_filter,
 * seccomp_prepare_filter and seccomp_attach_filter so that the errno matches Linux 6.18 when
 * several things are wrong; plus the per-syscall decision of a task (strict mode's allow-list or
 * the filter chain). Signals and notifications are delivered by the syscall engine: this module
 * returns decisions.
 */
import { ERRNO } from '../uapi/errno.js';
import type { SockFilter } from './cbpf/filter.js';
import { compileJit } from './cbpf/jit.js';
import { prepareFilter } from './cbpf/prepare.js';
import { validateFilter } from './cbpf/validate.js';
import {
  attachToChain,
  type ChainDecision,
  releaseChain,
  runChain,
  type SeccompFilterNode,
} from './chain.js';
import type { SeccompData } from './data.js';
import {
  AUDIT_ARCH,
  SECCOMP_DATA,
  SECCOMP_FILTER_FLAG,
  SECCOMP_MODE,
  SECCOMP_OP,
  SECCOMP_RET,
} from './uapi.js';

/** Every flag seccomp_set_mode_filter knows (`SECCOMP_FILTER_FLAG_MASK`). */
export const SECCOMP_FILTER_FLAG_MASK =
  SECCOMP_FILTER_FLAG.TSYNC |
  SECCOMP_FILTER_FLAG.LOG |
  SECCOMP_FILTER_FLAG.SPEC_ALLOW |
  SECCOMP_FILTER_FLAG.NEW_LISTENER |
  SECCOMP_FILTER_FLAG.TSYNC_ESRCH |
  SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV;

/** A task's seccomp mode (`SECCOMP_MODE_*`). */
export type SeccompModeValue = (typeof SECCOMP_MODE)[keyof typeof SECCOMP_MODE];

/**
 * What seccomp needs from a task (a thread). Models the fields of `struct task_struct` and
 * `struct seccomp` that kernel/seccomp.c reads and writes.
 */
export interface SeccompTask {
  /** Thread id (`task_pid_vnr`), returned by a failed TSYNC. */
  readonly tid: number;
  /** `no_new_privs` (prctl PR_SET_NO_NEW_PRIVS). */
  noNewPrivs: boolean;
  /** Whether the task has CAP_SYS_ADMIN in its user namespace (`ns_capable_noaudit`). */
  readonly capSysAdmin: boolean;
  /** `PF_EXITING`: skipped by TSYNC. */
  readonly exiting: boolean;
  /** `seccomp.mode`. */
  mode: SeccompModeValue;
  /** `seccomp.filter`: the newest filter of the task's chain. */
  filter: SeccompFilterNode | undefined;
  /** Speculative store bypass mitigation applied (`arch_seccomp_spec_mitigate`, unless SPEC_ALLOW). */
  specMitigated: boolean;
  /** The thread group (every thread, this one included), for TSYNC. */
  threads(): Iterable<SeccompTask>;
  /** `get_unused_fd_flags(O_CLOEXEC)`: a free fd or `-errno` (EMFILE). */
  getUnusedFd(): number;
  /** `put_unused_fd`: gives back a reserved fd on failure. */
  putUnusedFd(fd: number): void;
  /** `fd_install`: the reserved fd now refers to the filter's notification listener. */
  installListener(fd: number, filter: SeccompFilterNode): void;
}

/** User memory holding a `struct sock_fprog`: `filter` null is a NULL pointer. */
export interface SockFprog {
  len: number;
  /** The instructions at `fprog.filter`; fewer than `len` means the copy faults (EFAULT). */
  filter: readonly SockFilter[] | null;
}

/** Models kernel/seccomp.c seccomp_may_assign_mode. */
function mayAssignMode(task: SeccompTask, mode: SeccompModeValue): boolean {
  return task.mode === SECCOMP_MODE.DISABLED || task.mode === mode;
}

/** Models kernel/seccomp.c seccomp_assign_mode. */
function assignMode(task: SeccompTask, mode: SeccompModeValue, flags: number): void {
  task.mode = mode;
  if ((flags & SECCOMP_FILTER_FLAG.SPEC_ALLOW) === 0) task.specMitigated = true;
}

/** Models kernel/seccomp.c seccomp_set_mode_strict. */
function setModeStrict(task: SeccompTask): number {
  if (!mayAssignMode(task, SECCOMP_MODE.STRICT)) return -ERRNO.EINVAL;
  assignMode(task, SECCOMP_MODE.STRICT, 0);
  return 0;
}

/** Models kernel/seccomp.c is_ancestor. */
function isAncestor(parent: SeccompFilterNode | undefined, child: SeccompFilterNode | undefined): boolean {
  if (parent === undefined) return true;
  for (let c = child; c; c = c.prev) if (c === parent) return true;
  return false;
}

/** Models kernel/seccomp.c seccomp_can_sync_threads: 0, or the tid of the first thread that cannot sync. */
function canSyncThreads(caller: SeccompTask): number {
  for (const t of caller.threads()) {
    if (t === caller || t.exiting) continue;
    if (
      t.mode === SECCOMP_MODE.DISABLED ||
      (t.mode === SECCOMP_MODE.FILTER && isAncestor(t.filter, caller.filter))
    )
      continue;
    return t.tid > 0 ? t.tid : -ERRNO.ESRCH;
  }
  return 0;
}

/** Models kernel/seccomp.c seccomp_sync_threads. */
function syncThreads(caller: SeccompTask, flags: number): void {
  for (const t of caller.threads()) {
    if (t === caller || t.exiting) continue;
    if (caller.filter) caller.filter.refs++;
    releaseChain(t.filter);
    t.filter = caller.filter;
    if (caller.noNewPrivs) t.noNewPrivs = true;
    if (t.mode === SECCOMP_MODE.DISABLED) assignMode(t, SECCOMP_MODE.FILTER, flags);
  }
}

/** Models kernel/seccomp.c has_duplicate_listener. */
function hasDuplicateListener(task: SeccompTask): boolean {
  for (let f = task.filter; f; f = f.prev) if (f.hasListener) return true;
  return false;
}

/**
 * Models kernel/seccomp.c seccomp_prepare_filter + net/core/filter.c bpf_prog_create_from_user:
 * the checks before any lock is taken. Returns the validated instructions or `-errno`.
 */
function prepareUserFilter(task: SeccompTask, fprog: SockFprog | undefined): readonly SockFilter[] | number {
  if (fprog === undefined) return -ERRNO.EFAULT; // copy_from_user of struct sock_fprog
  if (fprog.len <= 0 || fprog.len > 4096) return -ERRNO.EINVAL;
  if (!task.noNewPrivs && !task.capSysAdmin) return -ERRNO.EACCES;
  if (fprog.filter === null) return -ERRNO.EINVAL; // bpf_check_basics_ok: filter == NULL
  if (fprog.filter.length < fprog.len) return -ERRNO.EFAULT;
  const insns = fprog.filter.length === fprog.len ? fprog.filter : fprog.filter.slice(0, fprog.len);
  const v = validateFilter(insns);
  return v.ok ? insns : -v.errno;
}

/** Models kernel/seccomp.c seccomp_set_mode_filter. Returns 0, a listener fd, a tid (TSYNC) or `-errno`. */
function setModeFilter(task: SeccompTask, flags: number, fprog: SockFprog | undefined): number {
  const F = SECCOMP_FILTER_FLAG;
  if (flags & ~SECCOMP_FILTER_FLAG_MASK) return -ERRNO.EINVAL;
  if (flags & F.TSYNC && flags & F.NEW_LISTENER && (flags & F.TSYNC_ESRCH) === 0) return -ERRNO.EINVAL;
  if (flags & F.WAIT_KILLABLE_RECV && (flags & F.NEW_LISTENER) === 0) return -ERRNO.EINVAL;
  const insns = prepareUserFilter(task, fprog);
  if (typeof insns === 'number') return insns;
  let listener = -1;
  if (flags & F.NEW_LISTENER) {
    listener = task.getUnusedFd();
    if (listener < 0) return listener;
  }
  const fail = (errno: number): number => {
    if (listener >= 0) task.putUnusedFd(listener);
    return errno;
  };
  if (!mayAssignMode(task, SECCOMP_MODE.FILTER)) return fail(-ERRNO.EINVAL);
  if (flags & F.NEW_LISTENER && hasDuplicateListener(task)) return fail(-ERRNO.EBUSY);
  const jit = compileJit(prepareFilter(insns));
  // seccomp_attach_filter: the budget first, then whether every thread can be synced.
  const probe = attachToChain(task.filter, jit, { flags, hasListener: listener >= 0 });
  if (typeof probe === 'number') return fail(probe);
  if (flags & F.TSYNC) {
    const failed = canSyncThreads(task);
    if (failed !== 0) return fail(flags & F.TSYNC_ESRCH ? -ERRNO.ESRCH : failed);
  }
  task.filter = probe;
  if (flags & F.TSYNC) syncThreads(task, flags);
  assignMode(task, SECCOMP_MODE.FILTER, flags);
  if (listener >= 0) {
    probe.refs++; // init_listener: the file holds a reference to the filter
    task.installListener(listener, probe);
    return listener;
  }
  return 0;
}

/** `struct seccomp_notif_sizes` (include/uapi/linux/seccomp.h), as x86_64 lays the structs out. */
export const SECCOMP_NOTIF_SIZES = {
  seccomp_notif: 80,
  seccomp_notif_resp: 24,
  seccomp_data: SECCOMP_DATA.SIZE,
} as const;

/** The argument of a seccomp(2) call, by operation. `undefined` stands for a bad user pointer. */
export type SeccompArgs =
  | { op: typeof SECCOMP_OP.SET_MODE_STRICT; flags: number; nonNull?: boolean }
  | { op: typeof SECCOMP_OP.SET_MODE_FILTER; flags: number; fprog: SockFprog | undefined }
  | { op: typeof SECCOMP_OP.GET_ACTION_AVAIL; flags: number; action: number | undefined }
  | { op: typeof SECCOMP_OP.GET_NOTIF_SIZES; flags: number; sizes?: { writable: boolean } }
  | { op: number; flags: number };

/** Result of a seccomp(2) call: the return value (`-errno` on failure) and data for GET_NOTIF_SIZES. */
export interface SeccompCallResult {
  ret: number;
  sizes?: typeof SECCOMP_NOTIF_SIZES;
}

/**
 * The seccomp(2) system call. Models kernel/seccomp.c do_seccomp: SET_MODE_STRICT (flags and
 * args must be 0), SET_MODE_FILTER, GET_ACTION_AVAIL (0 or -EOPNOTSUPP), GET_NOTIF_SIZES;
 * unknown operations are -EINVAL.
 */
export function sysSeccomp(task: SeccompTask, args: SeccompArgs): SeccompCallResult {
  switch (args.op) {
    case SECCOMP_OP.SET_MODE_STRICT: {
      const a = args as Extract<SeccompArgs, { op: 0 }>;
      if (a.flags !== 0 || a.nonNull) return { ret: -ERRNO.EINVAL };
      return { ret: setModeStrict(task) };
    }
    case SECCOMP_OP.SET_MODE_FILTER: {
      const a = args as Extract<SeccompArgs, { op: 1 }>;
      return { ret: setModeFilter(task, a.flags >>> 0, a.fprog) };
    }
    case SECCOMP_OP.GET_ACTION_AVAIL: {
      const a = args as Extract<SeccompArgs, { op: 2 }>;
      if (a.flags !== 0) return { ret: -ERRNO.EINVAL };
      if (a.action === undefined) return { ret: -ERRNO.EFAULT };
      return { ret: isKnownAction(a.action) ? 0 : -ERRNO.EOPNOTSUPP };
    }
    case SECCOMP_OP.GET_NOTIF_SIZES: {
      const a = args as Extract<SeccompArgs, { op: 3 }>;
      if (a.flags !== 0) return { ret: -ERRNO.EINVAL };
      if (a.sizes && !a.sizes.writable) return { ret: -ERRNO.EFAULT };
      return { ret: 0, sizes: SECCOMP_NOTIF_SIZES };
    }
    default:
      return { ret: -ERRNO.EINVAL };
  }
}

/** Models kernel/seccomp.c seccomp_get_action_avail's switch. */
function isKnownAction(action: number): boolean {
  const a = action >>> 0;
  return (
    a === SECCOMP_RET.KILL_PROCESS ||
    a === SECCOMP_RET.KILL_THREAD ||
    a === SECCOMP_RET.TRAP ||
    a === SECCOMP_RET.ERRNO ||
    a === SECCOMP_RET.USER_NOTIF ||
    a === SECCOMP_RET.TRACE ||
    a === SECCOMP_RET.LOG ||
    a === SECCOMP_RET.ALLOW
  );
}

/**
 * `prctl(PR_SET_SECCOMP, mode, filter)`. Models kernel/seccomp.c prctl_set_seccomp: STRICT
 * ignores `filter`, FILTER is seccomp(SET_MODE_FILTER) with flags 0, other modes are -EINVAL.
 */
export function prctlSetSeccomp(task: SeccompTask, mode: number, fprog: SockFprog | undefined): number {
  if (mode === SECCOMP_MODE.STRICT) return sysSeccomp(task, { op: SECCOMP_OP.SET_MODE_STRICT, flags: 0 }).ret;
  if (mode === SECCOMP_MODE.FILTER)
    return sysSeccomp(task, { op: SECCOMP_OP.SET_MODE_FILTER, flags: 0, fprog }).ret;
  return -ERRNO.EINVAL;
}

/** `prctl(PR_GET_SECCOMP)`: the task's mode (kernel/seccomp.c prctl_get_seccomp). */
export function prctlGetSeccomp(task: SeccompTask): number {
  return task.mode;
}

/**
 * Syscalls strict mode allows (kernel/seccomp.c mode1_syscalls): read, write, exit,
 * rt_sigreturn, and x86_64's uretprobe/uprobe; for i386 (compat): read, write, exit, sigreturn.
 */
export const STRICT_MODE_SYSCALLS: Readonly<Record<number, readonly number[]>> = {
  [AUDIT_ARCH.X86_64]: [0, 1, 60, 15, 335, 336],
  [AUDIT_ARCH.I386]: [3, 4, 1, 119],
};

/** A task's decision for one syscall. */
export type SyscallDecision =
  | { mode: 'disabled'; action: 'ALLOW' }
  /** Strict mode: allowed, or the task is killed with SIGKILL (`do_exit(SIGKILL)`). */
  | { mode: 'strict'; action: 'ALLOW' | 'KILL_STRICT' }
  | ({ mode: 'filter' } & ChainDecision);

/**
 * What seccomp decides when `task` makes the syscall `data`. Models kernel/seccomp.c
 * __secure_computing: disabled → allow; strict → __secure_computing_strict; filter →
 * seccomp_run_filters.
 */
export function seccompDecide(task: SeccompTask, data: SeccompData): SyscallDecision {
  if (task.mode === SECCOMP_MODE.STRICT) {
    const allowed = STRICT_MODE_SYSCALLS[data.arch >>> 0] ?? [];
    return { mode: 'strict', action: allowed.includes(data.nr) ? 'ALLOW' : 'KILL_STRICT' };
  }
  if (task.mode === SECCOMP_MODE.FILTER) return { mode: 'filter', ...runChain(task.filter, data) };
  return { mode: 'disabled', action: 'ALLOW' };
}

/** A task created by fork: it shares the parent's chain and inherits mode and no_new_privs. */
export function inheritSeccomp(parent: SeccompTask, child: SeccompTask): void {
  if (parent.filter) parent.filter.refs++;
  child.filter = parent.filter;
  child.mode = parent.mode;
  child.noNewPrivs = parent.noNewPrivs;
}
