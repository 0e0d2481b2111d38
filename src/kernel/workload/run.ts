/**
 * @fileoverview Runs a workload: its tasks on one simulated kernel, round-robin, one syscall per
 * turn, on the virtual clock; every call through the task's syscall entry (seccomp, then the
 * engine). Deterministic: the same workload and filter give the same events.
 *
 * Models what the scheduler gives a set of runnable tasks on one CPU (kernel/sched/core.c, a fixed
 * time slice per syscall here): a task whose call sleeps (wait4, accept, recv, a blocking read) is
 * skipped until the call can complete, a vfork parent waits for its child's exec or exit
 * (kernel/fork.c `wait_for_vfork_done`), and a task that reaches the end of its steps returns from
 * main: libc calls exit_group(0) (exit(0) for a thread).
 */

import { sysSeccomp } from '../../seccomp/attach.js';
import type { SockFilter } from '../../seccomp/cbpf/filter.js';
import { archById } from '../../seccomp/syscalls/arches.js';
import { syscallName, syscallNumber } from '../../seccomp/syscalls/resolve.js';
import { SECCOMP_OP } from '../../seccomp/uapi.js';
import { errnoName } from '../../uapi/errno.js';
import { Kernel } from '../kernel.js';
import { resumeSyscall, type SyscallOutcome } from '../syscall-entry.js';
import type { Task } from '../task.js';
import { capturedInt, type RealArg, realArg, SCRATCH_SIZE, Scratch, showArg, type Vars } from './args.js';
import { type CallStep, ScriptError, type Step, type Workload } from './script.js';

/** One syscall as it happened. */
export interface RunEvent {
  readonly seq: number;
  /** Virtual time when the call entered (ns since boot). */
  readonly timeNs: bigint;
  readonly pid: number;
  readonly comm: string;
  readonly syscall: string;
  readonly nr: number;
  /** The arguments as shown after the call (strace-like). */
  readonly args: readonly string[];
  /** The seccomp action (`ALLOW`, `ERRNO`, `KILL_PROCESS`, ...). */
  readonly action: string;
  /** The return value or -errno (meaningless when `signal` is set). */
  readonly ret: number;
  readonly errno?: string;
  readonly notEmulated?: boolean;
  /** The call slept first and completed later (`resumed` in strace). */
  readonly resumed?: boolean;
  /** The signal that killed the task at this call. */
  readonly signal?: number;
  readonly note?: string;
}

/** How a task ended. */
export interface TaskEnd {
  readonly pid: number;
  readonly comm: string;
  readonly state: 'exited' | 'killed' | 'blocked' | 'stopped';
  /** The wait status (`code << 8`, or the signal). */
  readonly status?: number;
}

/** The outcome of a run. */
export interface RunResult {
  readonly workload: string;
  readonly events: readonly RunEvent[];
  readonly tasks: readonly TaskEnd[];
  /** The first call that killed a task, if any. */
  readonly killed?: RunEvent;
  /** Every remaining task slept with nothing to wake it. */
  readonly deadlock: boolean;
  /** Calls per action. */
  readonly actions: Readonly<Record<string, number>>;
  /** Names of allowed calls bpfsim did not emulate. */
  readonly notEmulated: readonly string[];
  /** Virtual time the run took, ns. */
  readonly durationNs: bigint;
}

/** Options of {@link runWorkload}. */
export interface RunOptions {
  /** A seccomp filter installed in every initial task before its first step (as a container runtime does). */
  readonly filter?: readonly SockFilter[];
  /** The kernel to run on (default: a new one). */
  readonly kernel?: Kernel;
  /** Virtual time per syscall (default 1 µs). */
  readonly syscallCostNs?: number;
  /** Stop after this many syscalls (default 1,000,000). */
  readonly maxSyscalls?: number;
  /** Called for each event as it happens. */
  readonly onEvent?: (e: RunEvent) => void;
}

interface Frame {
  readonly steps: readonly Step[];
  i: number;
  /** For a loop frame: iterations left after this one and the iteration index. */
  left: number;
  iter: number;
}

interface Pending {
  readonly step: CallStep;
  readonly name: string;
  readonly nr: number;
  readonly args: readonly bigint[];
  readonly real: readonly RealArg[];
  readonly action: string;
  readonly timeNs: bigint;
}

interface Runner {
  readonly task: Task;
  readonly stack: Frame[];
  readonly vars: Vars;
  readonly scratch: Scratch;
  pending?: Pending;
  vforkChild?: Task;
  finished: boolean;
  /** Returning from main was issued (exit_group/exit). */
  returned: boolean;
}

/** The next call step of a runner's program, advancing through loops; undefined at the end. */
function nextStep(r: Runner): CallStep | undefined {
  for (;;) {
    const top = r.stack[r.stack.length - 1];
    if (top === undefined) return undefined;
    if (top.i >= top.steps.length) {
      if (top.left > 0) {
        top.left--;
        top.iter++;
        top.i = 0;
        r.vars.set('i', BigInt(top.iter));
        continue;
      }
      r.stack.pop();
      continue;
    }
    const s = top.steps[top.i++] as Step;
    if ('loop' in s) {
      if (s.loop > 0) {
        r.stack.push({ steps: s.body, i: 0, left: s.loop - 1, iter: 0 });
        r.vars.set('i', 0n);
      }
      continue;
    }
    return s;
  }
}

const X86_64 = archById('x86_64');

function resolveNr(call: string | number): { nr: number; name: string } {
  if (typeof call === 'number') return { nr: call, name: syscallName(X86_64, call) ?? `syscall_${call}` };
  const nr = syscallNumber(X86_64, call);
  if (nr === undefined) throw new ScriptError(`unknown x86_64 syscall "${call}"`);
  return { nr, name: call };
}

/** Runs `w` and returns every event and how each task ended. */
export function runWorkload(w: Workload, opts: RunOptions = {}): RunResult {
  const kernel = opts.kernel ?? new Kernel();
  const cost = BigInt(opts.syscallCostNs ?? 1000);
  const max = opts.maxSyscalls ?? 1_000_000;
  const start = kernel.clock.ktimeGetNs();
  const events: RunEvent[] = [];
  const runners: Runner[] = [];
  const actions: Record<string, number> = {};
  const notEmulated = new Set<string>();
  let killed: RunEvent | undefined;

  const addRunner = (task: Task, steps: readonly Step[], vars: Vars, scratch: Scratch): Runner => {
    const r: Runner = {
      task,
      stack: [{ steps, i: 0, left: 0, iter: 0 }],
      vars,
      scratch,
      finished: false,
      returned: false,
    };
    runners.push(r);
    return r;
  };

  for (const spec of w.tasks) {
    const task = kernel.spawn({ uid: spec.uid ?? 0 });
    task.comm = (spec.comm ?? spec.name).slice(0, 15);
    task.exe = spec.exe ?? `/usr/bin/${spec.name}`;
    const base = task.mem.mmap(SCRATCH_SIZE);
    if (opts.filter !== undefined) {
      // The runtime's last steps before exec: no_new_privs, then the filter.
      task.setNoNewPrivs();
      const r = sysSeccomp(task, {
        op: SECCOMP_OP.SET_MODE_FILTER,
        flags: 0,
        fprog: { len: opts.filter.length, filter: [...opts.filter] },
      });
      if (r.ret < 0)
        throw new ScriptError(`the filter could not be installed: ${errnoName(-r.ret) ?? r.ret}`);
    }
    addRunner(task, spec.steps, new Map(), new Scratch(base));
  }

  const record = (
    p: Pending,
    r: Runner,
    out: SyscallOutcome | { ret: number; notEmulated?: true },
    resumed: boolean,
  ): RunEvent => {
    const signal = 'signal' in out ? out.signal : undefined;
    const ret = out.ret;
    const e: RunEvent = {
      seq: events.length + 1,
      timeNs: p.timeNs,
      pid: r.task.pid,
      comm: r.task.comm,
      syscall: p.name,
      nr: p.nr,
      args: p.real.map((a) =>
        showArg(
          r.task,
          a,
          ret,
          p.name,
          p.real.some((x) => x.text.startsWith('TUN')),
        ),
      ),
      action: p.action,
      ret,
      ...(ret < 0 && signal === undefined ? { errno: errnoName(-ret) ?? String(-ret) } : {}),
      ...(out.notEmulated ? { notEmulated: true } : {}),
      ...(resumed ? { resumed: true } : {}),
      ...(signal !== undefined ? { signal } : {}),
      ...(p.step.note !== undefined ? { note: p.step.note } : {}),
    };
    events.push(e);
    actions[p.action] = (actions[p.action] ?? 0) + 1;
    if (out.notEmulated) notEmulated.add(p.name);
    if (signal !== undefined && killed === undefined) killed = e;
    opts.onEvent?.(e);
    return e;
  };

  const finishCall = (r: Runner, p: Pending, ret: number): void => {
    if (p.step.as !== undefined) r.vars.set(p.step.as, BigInt(ret));
    for (const [name, idx] of Object.entries(p.step.capture ?? {})) {
      const a = p.real[idx];
      const v = a === undefined ? undefined : capturedInt(r.task, a);
      if (v !== undefined) r.vars.set(name, v);
    }
  };

  const spawnChild = (r: Runner, p: Pending, child: Task): void => {
    const vars: Vars = new Map(r.vars);
    if (p.step.as !== undefined) vars.set(p.step.as, 0n);
    const cr = addRunner(child, p.step.child ?? [], vars, new Scratch(r.scratch.base));
    if (child.tgid === r.task.tgid) cr.returned = false;
    if (p.name === 'vfork' || (p.name === 'clone' && (p.args[0] ?? 0n) & 0x4000n)) r.vforkChild = child;
  };

  /** One turn of `r`: false when it could not run (sleeping, vfork wait, finished). */
  const turn = (r: Runner): boolean => {
    if (r.finished) return false;
    if (r.task.exiting) {
      r.finished = true;
      return false;
    }
    if (r.vforkChild !== undefined) {
      if (!r.vforkChild.execed && !r.vforkChild.exiting) return false;
      r.vforkChild = undefined;
    }
    if (r.pending !== undefined) {
      const p = r.pending;
      const out = resumeSyscall(r.task, p.nr, p.args);
      if (out.sleeping) return false;
      r.pending = undefined;
      kernel.clock.advance(cost);
      record(p, r, out, true);
      if (!out.notEmulated && out.ret >= 0) finishCall(r, p, out.ret);
      if (out.child !== undefined) spawnChild(r, p, out.child);
      return true;
    }
    let step = nextStep(r);
    if (step === undefined) {
      if (r.returned) {
        r.finished = true;
        return false;
      }
      r.returned = true;
      const thread = r.task.tgid !== r.task.pid;
      step = { call: thread ? 'exit' : 'exit_group', args: [0], note: 'return from main' };
    }
    const { nr, name } = resolveNr(step.call);
    r.scratch.reset();
    const real: RealArg[] = [];
    let lastLen = 0;
    for (const a of step.args ?? []) {
      const ra = realArg(r.task, r.scratch, a, r.vars, lastLen);
      if (ra.struct !== undefined) lastLen = ra.struct.len;
      real.push(ra);
    }
    const args = real.map((a) => a.value);
    const timeNs = kernel.clock.ktimeGetNs();
    const out = r.task.syscall(nr, args);
    const p: Pending = { step, name, nr, args, real, action: out.action, timeNs };
    if (out.sleeping) {
      r.pending = p;
      return true;
    }
    kernel.clock.advance(cost);
    record(p, r, out, false);
    if (out.signal === undefined && !out.notEmulated && out.ret >= 0) finishCall(r, p, out.ret);
    if (out.child !== undefined) spawnChild(r, p, out.child);
    if (r.task.exiting) r.finished = true;
    return true;
  };

  let deadlock = false;
  for (;;) {
    let progressed = false;
    let alive = 0;
    for (const r of [...runners]) {
      if (events.length >= max) break;
      if (turn(r)) progressed = true;
      if (!r.finished) alive++;
    }
    if (alive === 0 || events.length >= max) break;
    if (!progressed) {
      deadlock = true;
      break;
    }
  }

  const tasks: TaskEnd[] = runners.map((r) => {
    const t = r.task;
    const status = t.exitStatus;
    const state: TaskEnd['state'] = t.exiting
      ? status !== undefined && (status & 0x7f) !== 0
        ? 'killed'
        : 'exited'
      : r.pending !== undefined || r.vforkChild !== undefined
        ? 'blocked'
        : 'stopped';
    return { pid: t.pid, comm: t.comm, state, ...(status !== undefined ? { status } : {}) };
  });
  return {
    workload: w.name,
    events,
    tasks,
    ...(killed !== undefined ? { killed } : {}),
    deadlock,
    actions,
    notEmulated: [...notEmulated],
    durationNs: kernel.clock.ktimeGetNs() - start,
  };
}
