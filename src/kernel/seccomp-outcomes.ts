/**
 * @fileoverview What a task's seccomp decision does to the task: the parts of kernel/seccomp.c
 * `__seccomp_filter` after `seccomp_run_filters`: SIGSYS with its siginfo for TRAP and the kills
 * (`seccomp_init_siginfo`), the user-notification round trip with a supervisor holding the
 * listener fd (`seccomp_do_user_notification`, `seccomp_notify_recv`/`send`), the tracer stop of
 * TRACE (`ptrace_event(PTRACE_EVENT_SECCOMP)`, then the recheck), and the audit record of
 * `seccomp_log` (kernel/auditsc.c `audit_seccomp`) as `kernel/seccomp/actions_logged` selects it.
 */
import type { SeccompFilterNode } from '../seccomp/chain.js';
import type { SeccompData } from '../seccomp/data.js';

/** `siginfo_t` of the SIGSYS seccomp sends (include/uapi/asm-generic/siginfo.h `_sigsys`). */
export interface SigsysInfo {
  readonly signo: 31;
  /** `SYS_SECCOMP`. */
  readonly code: 1;
  /** The filter's data (SECCOMP_RET_DATA). */
  readonly errno: number;
  /** The instruction pointer of the call (`si_call_addr`). */
  readonly callAddr: bigint;
  readonly syscall: number;
  /** AUDIT_ARCH_* of the call. */
  readonly arch: number;
}

/** `struct seccomp_notif`: what a supervisor receives. */
export interface SeccompNotif {
  readonly id: bigint;
  /** The caller's thread id. */
  readonly pid: number;
  readonly flags: 0;
  readonly data: SeccompData;
}

/** `struct seccomp_notif_resp`: the supervisor's answer. */
export interface SeccompNotifResp {
  /** The syscall's return value (when `error` is 0). */
  readonly val?: number;
  /** A negative errno to fail the call with, or 0. */
  readonly error?: number;
  /** `SECCOMP_USER_NOTIF_FLAG_CONTINUE` (1): run the syscall as if allowed. */
  readonly flags?: number;
}

/**
 * A supervisor answering notifications on a listener fd: the loop of SECCOMP_IOCTL_NOTIF_RECV and
 * SECCOMP_IOCTL_NOTIF_SEND a supervisor process runs, as a function.
 */
export type SeccompSupervisor = (notif: SeccompNotif) => SeccompNotifResp;

/** What a tracer does at a PTRACE_EVENT_SECCOMP stop. */
export interface TraceStop {
  /** `PTRACE_GETEVENTMSG`: the filter's data. */
  readonly msg: number;
  readonly nr: number;
  readonly pid: number;
}

/** A ptrace tracer attached with PTRACE_O_TRACESECCOMP: `skip` sets the syscall number to -1. */
export type SeccompTracer = (stop: TraceStop) => { skip: true; ret?: number } | { skip: false };

/** `SECCOMP_USER_NOTIF_FLAG_CONTINUE`. */
export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;

/** Supervisors by filter (the listener file's `filter->notif`), and each filter's next notification id. */
export class SeccompNotifiers {
  private readonly supervisors = new WeakMap<SeccompFilterNode, SeccompSupervisor>();
  private readonly nextId = new WeakMap<SeccompFilterNode, bigint>();

  set(filter: SeccompFilterNode, fn: SeccompSupervisor, firstId: bigint): void {
    this.supervisors.set(filter, fn);
    if (!this.nextId.has(filter)) this.nextId.set(filter, firstId);
  }

  get(filter: SeccompFilterNode): SeccompSupervisor | undefined {
    return filter.hasListener ? this.supervisors.get(filter) : undefined;
  }

  /** Models `seccomp_next_notify_id`. */
  takeId(filter: SeccompFilterNode): bigint {
    const id = this.nextId.get(filter) ?? 0n;
    this.nextId.set(filter, BigInt.asUintN(64, id + 1n));
    return id;
  }
}

/** Names of `kernel/seccomp/actions_logged`, in the kernel's order (seccomp_log_names). */
export const SECCOMP_LOG_NAMES = [
  'kill_process',
  'kill_thread',
  'trap',
  'errno',
  'user_notif',
  'trace',
  'log',
] as const;
/** `kernel/seccomp/actions_avail`. */
export const SECCOMP_ACTIONS_AVAIL = 'kill_process kill_thread trap errno user_notif trace log allow';

const LOG_NAME: Readonly<Record<string, (typeof SECCOMP_LOG_NAMES)[number]>> = {
  KILL_PROCESS: 'kill_process',
  KILL_THREAD: 'kill_thread',
  TRAP: 'trap',
  ERRNO: 'errno',
  USER_NOTIF: 'user_notif',
  TRACE: 'trace',
  LOG: 'log',
};

/**
 * Models `seccomp_log`: whether an action is logged. ALLOW never; LOG and the kills whenever
 * `actions_logged` names them; the others only when the filter asked (SECCOMP_FILTER_FLAG_LOG).
 */
export function seccompShouldLog(action: string, requested: boolean, logged: ReadonlySet<string>): boolean {
  const name = LOG_NAME[action];
  if (name === undefined) return false;
  if (action === 'LOG' || action === 'KILL_PROCESS' || action === 'KILL_THREAD') return logged.has(name);
  return requested && logged.has(name);
}

/** Parses a write to `actions_logged` (seccomp_actions_logged_from_names): names, "allow" refused. */
export function parseActionsLogged(text: string): Set<string> | undefined {
  const out = new Set<string>();
  for (const w of text.trim().split(/\s+/).filter(Boolean)) {
    if (!(SECCOMP_LOG_NAMES as readonly string[]).includes(w)) return undefined;
    out.add(w);
  }
  return out;
}

/** One SECCOMP audit record. */
export interface SeccompAuditRecord {
  /** The record type: SECCOMP (AUDIT_SECCOMP, default) or BPF (AUDIT_BPF, program load/unload). */
  readonly type?: 'SECCOMP' | 'BPF';
  /** Virtual time of the record, ns. */
  readonly timeNs: bigint;
  readonly serial: number;
  readonly pid: number;
  readonly syscall: number;
  readonly code: number;
  /** The record as auditd writes it (`type=SECCOMP msg=audit(...): ...`). */
  readonly text: string;
}

/** Who made the call, for `audit_log_task`. */
export interface AuditTask {
  readonly uid: number;
  readonly gid: number;
  readonly tgid: number;
  readonly comm: string;
  readonly exe: string;
}

const UNSET = 4294967295; // AUDIT_UID_UNSET / AUDIT_SID_UNSET

/** kernel/audit.c `audit_log_untrustedstring`: quoted, or hex when it holds a space, quote or control. */
function untrusted(s: string): string {
  const b = new TextEncoder().encode(s);
  if (b.every((c) => c > 0x20 && c < 0x7f && c !== 0x22)) return `"${s}"`;
  return [...b].map((c) => c.toString(16).padStart(2, '0').toUpperCase()).join('');
}

/**
 * Formats kernel/auditsc.c `audit_seccomp`: `audit_log_task` (auid uid gid ses pid comm exe; no
 * LSM subject here) then ` sig=%ld arch=%x syscall=%ld compat=%d ip=0x%lx code=0x%x`.
 */
export function formatSeccompRecord(
  t: AuditTask,
  timeNs: bigint,
  serial: number,
  f: { sig: number; arch: number; syscall: number; compat: boolean; ip: bigint; code: number },
): string {
  const sec = timeNs / 1_000_000_000n;
  const ms = (timeNs / 1_000_000n) % 1000n;
  const comm = untrusted(t.comm);
  return (
    `type=SECCOMP msg=audit(${sec}.${String(ms).padStart(3, '0')}:${serial}): ` +
    `auid=${UNSET} uid=${t.uid} gid=${t.gid} ses=${UNSET} pid=${t.tgid} comm=${comm} exe=${untrusted(t.exe)} ` +
    `sig=${f.sig} arch=${(f.arch >>> 0).toString(16)} syscall=${f.syscall} compat=${f.compat ? 1 : 0} ` +
    `ip=0x${f.ip.toString(16)} code=0x${(f.code >>> 0).toString(16)}`
  );
}
