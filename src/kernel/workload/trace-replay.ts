/**
 * @fileoverview Traced syscalls replayed through a task: an `strace -f` log turned into the calls
 * a task makes (number + six register values), each entering the task's syscall path — the
 * seccomp filter chain, then the engine — as `bpfsim bench trace` times it.
 *
 * Strings the trace shows (paths, written data) are copied into the task's memory and passed by
 * address, structs and arrays get a zeroed buffer, so that the engine does real work (path walks,
 * copies) rather than failing with EFAULT. Calls that create or end tasks (clone, fork, vfork,
 * clone3, execve, exit, exit_group, wait4) are left out: replayed in a loop they would change the
 * task set the replay measures; so are mappings larger than 64 KiB (the engine backs each mapping
 * with real zeroed memory, so a 2 MiB library mapping would time the allocator, not the kernel).
 */
import type { StraceArg, StraceEvent } from '../strace/trace.js';
import { argValue } from '../strace/value.js';
import type { Task } from '../task.js';

/** One call ready to replay. */
export interface ReplayCall {
  readonly name: string;
  readonly nr: number;
  /** Register values: numbers when they fit (-2^31..2^53), bigints otherwise. */
  readonly args: readonly (number | bigint)[];
}

/** A u64 register value as a number when exact (negative ints as C passes them sign-extended). */
function reg(v: bigint): number | bigint {
  const s = BigInt.asIntN(64, v);
  if (s >= -0x80000000n && s <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(s);
  return v;
}

const LIFECYCLE = new Set([
  'clone',
  'clone3',
  'fork',
  'vfork',
  'execve',
  'execveat',
  'exit',
  'exit_group',
  'wait4',
  'waitid',
]);

/** Mappings larger than this are left out: the engine backs a mapping with real zeroed memory. */
export const REPLAY_MAX_MAP = 64 * 1024;

/** Why a traced call is left out of the replay, or undefined when it is replayed. */
export function leftOut(e: Extract<StraceEvent, { type: 'syscall' }>): string | undefined {
  if (e.nr === undefined) return 'unknown syscall';
  if (LIFECYCLE.has(e.name)) return 'creates or ends a task';
  if (e.name === 'mmap' || e.name === 'mremap') {
    const len = e.args[e.name === 'mmap' ? 1 : 2];
    const v = len === undefined ? undefined : argValue(len);
    if (v === undefined || v > BigInt(REPLAY_MAX_MAP)) return 'mapping larger than 64 KiB';
  }
  return undefined;
}

/** Bytes allocated for a struct or array argument. */
const STRUCT_BYTES = 256;

/**
 * The calls of `events` for `task`: their string and struct arguments placed in a new mapping of
 * the task's memory. Calls without a number (unknown on x86_64) and lifecycle calls are skipped.
 */
export function prepareReplay(task: Task, events: readonly StraceEvent[]): ReplayCall[] {
  // A buffer is as large as its contents, or as the count that follows it (read(fd, buf, 4096)).
  const need = (a: StraceArg, next: StraceArg | undefined): number => {
    const own =
      a.kind === 'string' ? a.bytes.length + 1 : a.kind === 'struct' || a.kind === 'array' ? STRUCT_BYTES : 0;
    if (own === 0) return 0;
    const count = next?.kind === 'int' ? Number(next.value) : 0;
    return Math.max(own, Math.min(count, 1 << 20));
  };
  const calls = events.filter(
    (e): e is Extract<StraceEvent, { type: 'syscall' }> => e.type === 'syscall' && leftOut(e) === undefined,
  );
  let size = 0;
  for (const e of calls)
    e.args.forEach((a, i) => {
      size += (need(a, e.args[i + 1]) + 15) & ~15;
    });
  const base = size > 0 ? task.mem.mmap(size) : 0;
  if (base < 0) throw new RangeError(`cannot map ${size} bytes for the replay`);
  let off = 0;
  const place = (a: StraceArg, n: number): bigint => {
    const addr = base + off;
    off += (n + 15) & ~15;
    if (a.kind === 'string') {
      const b = new Uint8Array(a.bytes.length + 1);
      b.set(a.bytes);
      task.mem.copyToUser(addr, b);
    }
    return BigInt(addr);
  };
  return calls.map((e) => ({
    name: e.name,
    nr: e.nr as number,
    args: e.args.slice(0, 6).map((a, i) => {
      const n = need(a, e.args[i + 1]);
      return reg(n > 0 ? place(a, n) : (argValue(a) ?? 0n));
    }),
  }));
}

/** x86_64 `mmap`. */
const MMAP_NR = 9;

/**
 * Replays `calls` round and round until `n` calls were made; counts per seccomp action. A mapping
 * a replayed mmap creates is unmapped right away, and the descriptors a pass leaves open are
 * closed before the next pass (both outside the count), so every pass starts from the same state.
 */
export function replayCalls(task: Task, calls: readonly ReplayCall[], n: number): Map<string, number> {
  const actions = new Map<string, number>();
  if (calls.length === 0) return actions;
  const baseline = new Set(task.fds.openFds());
  let last = '';
  let lastCount = 0;
  for (let i = 0; i < n; i++) {
    const k = i % calls.length;
    if (k === 0 && i > 0) {
      // A new pass, as if the traced program ran again: the descriptors the last pass left open go.
      for (const fd of task.fds.openFds()) if (!baseline.has(fd)) task.fds.close(fd);
    }
    const c = calls[k] as ReplayCall;
    const out = task.syscall(c.nr, c.args);
    // The traced program's later munmap names its own addresses: give the mapping back at once so
    // that the address space stays the same size however many rounds run.
    if (c.nr === MMAP_NR && out.ret > 0 && !out.notEmulated) task.munmap(out.ret, Number(c.args[1] ?? 0));
    if (out.action === last) lastCount++;
    else {
      if (last !== '') actions.set(last, (actions.get(last) ?? 0) + lastCount);
      last = out.action;
      lastCount = 1;
    }
  }
  actions.set(last, (actions.get(last) ?? 0) + lastCount);
  return actions;
}
