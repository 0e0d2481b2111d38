/**
 * @fileoverview "Would this program run under this seccomp profile?": a traced run (strace output)
 * replayed through a compiled filter, call by call, with the profile rule that decided each call.
 *
 * Models what the kernel does at each traced syscall (kernel/seccomp.c `__seccomp_filter`: run the
 * filter on `seccomp_data` {nr, arch, ip, args}, act on the returned action) and what the runtime
 * loaded (runc: libseccomp rules from the profile, first matching rule of a syscall, the default
 * action otherwise, the -ENOSYS stub for syscalls newer than the profile). Process boundaries come
 * from the trace: `clone`/`clone3`/`fork`/`vfork` results, with CLONE_THREAD keeping the thread
 * group, so that KILL_PROCESS ends every thread of the process and KILL_THREAD only the caller.
 */
import { formatRet } from '../../seccomp/actions.js';
import type { SockFilter } from '../../seccomp/cbpf/filter.js';
import { runFilter } from '../../seccomp/cbpf/interp.js';
import type { CompiledFilter } from '../../seccomp/compile/compile.js';
import type { ArchPlan, PlanRule } from '../../seccomp/compile/plan.js';
import { RET_ENOSYS } from '../../seccomp/compile/sections.js';
import type { ProfileArg } from '../../seccomp/profile/types.js';
import type { SeccompArch } from '../../seccomp/syscalls/arches.js';
import { syscallNumber } from '../../seccomp/syscalls/resolve.js';
import { SECCOMP_FILTER_FLAG, SECCOMP_RET_MASK } from '../../seccomp/uapi.js';
import { errnoName } from '../../uapi/errno.js';
import {
  formatSeccompRecord,
  SECCOMP_LOG_NAMES,
  type SeccompAuditRecord,
  seccompShouldLog,
} from '../seccomp-outcomes.js';
import { x86_64Constant } from './constants.js';
import type { StraceArg, StraceEvent, SyscallEvent } from './trace.js';
import { argValue, type ConstantLookup } from './value.js';

/** Which part of the filter decided a call. */
export type DecidedBy =
  /** A rule of the profile: its `syscalls[]` index. */
  | { readonly kind: 'rule'; readonly origin: number }
  /** No rule matched: the profile's `defaultAction`. */
  | { readonly kind: 'default' }
  /** runc's stub: a syscall newer than every name in the profile gets ENOSYS. */
  | { readonly kind: 'enosys-stub' }
  /** A raw filter: no profile to name. */
  | { readonly kind: 'filter' };

/** What the kernel would do to the caller. */
export type Consequence =
  /** The call runs (ALLOW, LOG). */
  | 'runs'
  /** The call fails with an errno the filter chose (ERRNO, TRACE or USER_NOTIF without a peer). */
  | 'denied'
  /** The thread or process is killed (KILL_*, TRAP without a SIGSYS handler). */
  | 'killed'
  /** A supervisor on the listener fd decides (USER_NOTIF with a listener configured). */
  | 'notify';

/** One traced syscall, decided. */
export interface CheckedCall {
  readonly line: number;
  readonly pid: number | undefined;
  readonly syscall: string;
  readonly nr: number | undefined;
  /** `ALLOW`, `ERRNO(1)`, `KILL_PROCESS`, ...; `UNKNOWN_SYSCALL` when the arch has no such name. */
  readonly action: string;
  /** The filter's return value (u32). */
  readonly ret: number;
  /** Instructions the filter executed. */
  readonly executed: number;
  readonly decidedBy?: DecidedBy;
  readonly consequence: Consequence;
  /** The errno the caller gets when denied. */
  readonly errno?: number;
  /** Arguments the decision depended on but the trace did not show (pointers, cut output). */
  readonly unknownArgs?: readonly number[];
  /** How the call ended in the trace: its result text (`0`, `-1 ENOENT`). */
  readonly traced?: string;
  /** The trace shows the call succeeding where the filter denies it. */
  readonly succeededInTrace?: boolean;
  /** An earlier kill ended this task: under the filter the call would never be made. */
  readonly afterKill?: boolean;
}

/** The summary of a checked trace. */
export interface CheckSummary {
  readonly calls: number;
  /** Calls per action. */
  readonly actions: Readonly<Record<string, number>>;
  readonly firstKill?: {
    readonly line: number;
    readonly pid: number | undefined;
    readonly syscall: string;
    readonly action: string;
  };
  /** Denied syscalls: name, errno name, count, and the lines where the trace shows the call succeeding. */
  readonly denied: readonly {
    readonly syscall: string;
    readonly errno: string;
    readonly count: number;
    readonly succeededAt: readonly number[];
  }[];
  /** Syscalls the profile never names, decided by its default action. */
  readonly unmentioned: readonly string[];
  /** Names the architecture's table does not have. */
  readonly unknownSyscalls: readonly string[];
  /** Calls whose decision depended on argument values the trace did not show. */
  readonly uncertain: number;
  /** True when the program would fail under the filter: a kill, or a denial of a call that succeeded. */
  readonly wouldFail: boolean;
}

/** The result of {@link checkTrace}. */
export interface CheckResult {
  readonly calls: readonly CheckedCall[];
  readonly summary: CheckSummary;
  /** The audit records (with `options.audit`). */
  readonly audit?: readonly SeccompAuditRecord[];
}

/** Options of {@link checkTrace}. */
export interface CheckOptions {
  /** The traced architecture (its syscall numbers and AUDIT_ARCH). */
  readonly arch: SeccompArch;
  /** A compiled profile (rules are named), or a raw filter. */
  readonly filter: CompiledFilter | readonly SockFilter[];
  /** Constant names → values for arguments (default: x86_64's). */
  readonly constants?: ConstantLookup;
  /** A USER_NOTIF listener exists (the profile's listenerPath): notifications go to a supervisor. */
  readonly listener?: boolean;
  /**
   * Also produce the SECCOMP audit records the kernel would write for these calls (`seccomp_log`
   * with the filter's LOG flag, from the compiled profile, and `kernel/seccomp/actions_logged`).
   */
  readonly audit?: {
    readonly actionsLogged?: ReadonlySet<string>;
    readonly uid?: number;
    readonly gid?: number;
  };
}

/** strace's labels of clone(2) arguments → x86_64 register order (kernel/fork.c SYSCALL_DEFINE5(clone)). */
const CLONE_ARG_ORDER: Readonly<Record<string, number>> = {
  flags: 0,
  child_stack: 1,
  stack: 1,
  parent_tid: 2,
  parent_tidptr: 2,
  child_tidptr: 3,
  child_tid: 3,
  tls: 4,
};

/** The six `seccomp_data.args` of a traced call (`undefined` where the trace shows no number). */
export function callArgs(e: SyscallEvent, lookup: ConstantLookup): (bigint | undefined)[] {
  const out: (bigint | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  const labelled =
    e.name === 'clone' && e.args.every((a) => a.label !== undefined && a.label in CLONE_ARG_ORDER);
  e.args.forEach((a: StraceArg, i) => {
    const slot = labelled ? (CLONE_ARG_ORDER[a.label as string] as number) : i;
    if (slot < 6) out[slot] = argValue(a, lookup);
  });
  return out;
}

const M32 = 0xffffffffn;

/** One libseccomp comparison on a 64-bit (or, on 32-bit arches, the low 32-bit) argument. */
function condHolds(c: ProfileArg, arg: bigint, bits: 32 | 64): boolean {
  const a = bits === 32 ? arg & M32 : arg;
  const v = bits === 32 ? c.value & M32 : c.value;
  switch (c.op) {
    case 'SCMP_CMP_NE':
      return a !== v;
    case 'SCMP_CMP_LT':
      return a < v;
    case 'SCMP_CMP_LE':
      return a <= v;
    case 'SCMP_CMP_EQ':
      return a === v;
    case 'SCMP_CMP_GE':
      return a >= v;
    case 'SCMP_CMP_GT':
      return a > v;
    case 'SCMP_CMP_MASKED_EQ':
      return (a & v) === (bits === 32 ? c.valueTwo & M32 : c.valueTwo);
  }
}

/** The first rule of the plan that matches, and the argument indexes it needed but were unknown. */
function matchRule(
  rules: readonly PlanRule[],
  args: readonly (bigint | undefined)[],
  bits: 32 | 64,
): { rule?: PlanRule; unknown: number[] } {
  const unknown = new Set<number>();
  for (const r of rules) {
    let ok = true;
    for (const c of r.conds) {
      const a = args[c.index];
      if (a === undefined) unknown.add(c.index);
      if (!condHolds(c, a ?? 0n, bits)) {
        ok = false;
        break;
      }
    }
    if (ok) return { rule: r, unknown: [...unknown].sort() };
  }
  return { unknown: [...unknown].sort() };
}

const isCompiled = (f: CompiledFilter | readonly SockFilter[]): f is CompiledFilter => !Array.isArray(f);

/** Thread-group bookkeeping from the trace's clone/fork results. */
class Processes {
  private readonly tgid = new Map<number, number>();
  of(pid: number | undefined): number | undefined {
    return pid === undefined ? undefined : (this.tgid.get(pid) ?? pid);
  }
  /** Records the child of a successful clone/clone3/fork/vfork. */
  spawned(e: SyscallEvent, lookup: ConstantLookup): void {
    const child = e.ret?.value;
    if (child === undefined || child <= 0n || e.pid === undefined) return;
    let thread = false;
    if (e.name === 'clone' || e.name === 'clone3') {
      const flags =
        e.name === 'clone'
          ? callArgs(e, lookup)[0]
          : (() => {
              const s = e.args[0];
              const st = s?.kind === 'changed' ? s.before : s;
              const f = st?.kind === 'struct' ? st.fields.find((x) => x.label === 'flags') : undefined;
              return f === undefined ? undefined : argValue(f, lookup);
            })();
      thread = flags !== undefined && (flags & 0x10000n) !== 0n; // CLONE_THREAD
    }
    this.tgid.set(Number(child), thread ? (this.of(e.pid) as number) : Number(child));
  }
}

const SPAWNERS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/**
 * Decides every syscall of a trace with a filter. Signals, exits and strace's notes are skipped;
 * a call that the trace shows only half of is decided all the same.
 */
export function checkTrace(events: readonly StraceEvent[], opts: CheckOptions): CheckResult {
  const lookup = opts.constants ?? x86_64Constant;
  const compiled = isCompiled(opts.filter) ? opts.filter : undefined;
  const filter = compiled?.filter ?? (opts.filter as readonly SockFilter[]);
  const plan: ArchPlan | undefined = compiled?.plan.arches.find((a) => a.arch.id === opts.arch.id);
  const bits: 32 | 64 = opts.arch.bits === 32 ? 32 : 64;
  const procs = new Processes();
  const deadThreads = new Set<number>();
  const deadProcs = new Set<number>();
  const calls: CheckedCall[] = [];
  const audit: SeccompAuditRecord[] = [];
  const logFlag = compiled !== undefined && (compiled.seccompFlags & SECCOMP_FILTER_FLAG.LOG) !== 0;
  const logged = opts.audit?.actionsLogged ?? new Set<string>(SECCOMP_LOG_NAMES);
  const exeOf = new Map<number, string>();
  let t0: number | undefined;
  for (const e of events) {
    if (e.type === 'syscall' && e.name === 'execve' && e.pid !== undefined && e.args[0]?.kind === 'string')
      exeOf.set(procs.of(e.pid) as number, new TextDecoder().decode(e.args[0].bytes));
    if (e.type !== 'syscall') continue;
    const nr = e.nr ?? syscallNumber(opts.arch, e.name);
    const tgid = procs.of(e.pid);
    const afterKill =
      (e.pid !== undefined && deadThreads.has(e.pid)) ||
      (tgid !== undefined && deadProcs.has(tgid)) ||
      undefined;
    const traced = e.ret?.text;
    if (nr === undefined) {
      calls.push({
        line: e.line,
        pid: e.pid,
        syscall: e.name,
        nr: undefined,
        action: 'UNKNOWN_SYSCALL',
        ret: 0,
        executed: 0,
        consequence: 'runs',
        ...(traced !== undefined ? { traced } : {}),
        ...(afterKill ? { afterKill } : {}),
      });
      continue;
    }
    const args = callArgs(e, lookup);
    const run = runFilter(filter as SockFilter[], {
      nr,
      arch: opts.arch.audit,
      instructionPointer: 0n,
      args: args.map((a) => a ?? 0n),
    });
    const ret = run.ret >>> 0;
    let decidedBy: DecidedBy = { kind: 'filter' };
    let unknownArgs: number[] = [];
    if (compiled !== undefined) {
      const sp = plan?.syscalls.get(nr);
      const m = sp === undefined ? { unknown: [] as number[] } : matchRule(sp.rules, args, bits);
      unknownArgs = m.unknown;
      if (m.rule !== undefined && m.rule.ret >>> 0 === ret)
        decidedBy = { kind: 'rule', origin: m.rule.origin };
      else if (m.rule === undefined && compiled.plan.defaultRet >>> 0 === ret)
        decidedBy = { kind: 'default' };
      else if (m.rule === undefined && ret === RET_ENOSYS && compiled.enosysStub)
        decidedBy = { kind: 'enosys-stub' };
    }
    const action = formatRet(ret);
    const kind = (ret & SECCOMP_RET_MASK.ACTION_FULL) >>> 0;
    const data = ret & SECCOMP_RET_MASK.DATA;
    let consequence: Consequence;
    let errno: number | undefined;
    if (kind === 0x80000000 || kind === 0x00000000 || kind === 0x00030000) consequence = 'killed';
    else if (kind === 0x00050000) {
      consequence = 'denied';
      errno = Math.min(data, 4095);
    } else if (kind === 0x7fc00000) {
      if (opts.listener) consequence = 'notify';
      else {
        consequence = 'denied';
        errno = 38; // ENOSYS: no listener
      }
    } else if (kind === 0x7ff00000) {
      consequence = 'denied'; // no tracer attached in production: ENOSYS
      errno = 38;
    } else consequence = 'runs';
    const succeeded = e.ret?.value !== undefined && e.ret.errno === undefined;
    const call: CheckedCall = {
      line: e.line,
      pid: e.pid,
      syscall: e.name,
      nr,
      action,
      ret,
      executed: run.executed,
      decidedBy,
      consequence,
      ...(errno !== undefined ? { errno } : {}),
      ...(unknownArgs.length > 0 ? { unknownArgs } : {}),
      ...(traced !== undefined ? { traced } : {}),
      ...(consequence === 'denied' && succeeded ? { succeededInTrace: true } : {}),
      ...(afterKill ? { afterKill } : {}),
    };
    calls.push(call);
    if (afterKill) continue;
    if (opts.audit !== undefined) {
      const name = formatRet(ret).replace(/\(.*$/, '');
      const kill = consequence === 'killed' && name !== 'TRAP';
      if (seccompShouldLog(name, kill || name === 'LOG' || logFlag, logged)) {
        // The trace's own clock when it has one (-tt/-ttt), else one millisecond per traced call.
        const secs = e.timestamp?.seconds;
        if (t0 === undefined) t0 = secs ?? 0;
        const timeNs = BigInt(Math.round(((secs ?? t0 + calls.length / 1000) - 0) * 1e9));
        const exe = exeOf.get(tgid ?? -1) ?? '?';
        audit.push({
          timeNs,
          serial: audit.length + 1,
          pid: tgid ?? 0,
          syscall: nr,
          code: ret,
          text: formatSeccompRecord(
            {
              uid: opts.audit.uid ?? 0,
              gid: opts.audit.gid ?? 0,
              tgid: tgid ?? 0,
              comm: exe.split('/').pop()?.slice(0, 15) ?? '?',
              exe,
            },
            timeNs,
            audit.length + 1,
            { sig: kill ? 31 : 0, arch: opts.arch.audit, syscall: nr, compat: false, ip: 0n, code: ret },
          ),
        });
      }
    }
    if (consequence === 'killed') {
      if (kind === 0x80000000 && tgid !== undefined) deadProcs.add(tgid);
      else if (e.pid !== undefined) deadThreads.add(e.pid);
      // TRAP (SIGSYS) and KILL_THREAD of a single-threaded process end the process as well.
      if (kind !== 0x80000000 && tgid !== undefined) deadProcs.add(tgid);
    }
    if (SPAWNERS.has(e.name) && consequence === 'runs') procs.spawned(e, lookup);
  }
  return { calls, summary: summarize(calls, plan), ...(opts.audit !== undefined ? { audit } : {}) };
}

function summarize(calls: readonly CheckedCall[], plan: ArchPlan | undefined): CheckSummary {
  const actions: Record<string, number> = {};
  const denied = new Map<string, { syscall: string; errno: string; count: number; succeededAt: number[] }>();
  const unmentioned = new Set<string>();
  const unknownSyscalls = new Set<string>();
  let firstKill: CheckSummary['firstKill'];
  let uncertain = 0;
  let wouldFail = false;
  for (const c of calls) {
    if (c.afterKill) continue;
    actions[c.action] = (actions[c.action] ?? 0) + 1;
    if (c.action === 'UNKNOWN_SYSCALL') unknownSyscalls.add(c.syscall);
    if (c.unknownArgs !== undefined) uncertain++;
    if (
      c.decidedBy?.kind === 'default' &&
      plan !== undefined &&
      c.nr !== undefined &&
      !plan.syscalls.has(c.nr)
    )
      unmentioned.add(c.syscall);
    if (c.consequence === 'killed') {
      wouldFail = true;
      firstKill ??= { line: c.line, pid: c.pid, syscall: c.syscall, action: c.action };
    }
    if (c.consequence === 'denied') {
      const errno = errnoName(c.errno ?? 0) ?? String(c.errno);
      const key = `${c.syscall}\0${errno}`;
      const d = denied.get(key) ?? { syscall: c.syscall, errno, count: 0, succeededAt: [] };
      d.count++;
      if (c.succeededInTrace) {
        d.succeededAt.push(c.line);
        wouldFail = true;
      }
      denied.set(key, d);
    }
  }
  return {
    calls: calls.filter((c) => !c.afterKill).length,
    actions,
    ...(firstKill !== undefined ? { firstKill } : {}),
    denied: [...denied.values()],
    unmentioned: [...unmentioned].sort(),
    unknownSyscalls: [...unknownSyscalls].sort(),
    uncertain,
    wouldFail,
  };
}
