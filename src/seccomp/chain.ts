/**
 * @fileoverview A task's seccomp filter chain and its evaluation. Models kernel/seccomp.c
 * `struct seccomp_filter` (the `prev` list, newest first, shared between tasks by reference
 * counting), seccomp_attach_filter (the MAX_INSNS_PER_PATH budget with a 4-instruction penalty
 * per filter) and seccomp_run_filters (every filter runs, the lowest `(s32)(ret &
 * SECCOMP_RET_ACTION_FULL)` wins, ties keep the newest), then __seccomp_filter's reading of the
 * result (ERRNO capped at MAX_ERRNO, unknown actions kill the process).
 */
import { ERRNO } from '../uapi/errno.js';
import { type ActionName, actionFromRet } from './actions.js';
import type { SockFilter } from './cbpf/filter.js';
import { lastRun } from './cbpf/interp.js';
import { compileJit, type JitFilter, runJit } from './cbpf/jit.js';
import { type SeccompData, seccompDataWords } from './data.js';
import { AUDIT_ARCH, SECCOMP_FILTER_FLAG, SECCOMP_LIMITS, SECCOMP_RET } from './uapi.js';

/** One attached filter. Models `struct seccomp_filter`. */
export interface SeccompFilterNode {
  /** The compiled program (validated). */
  readonly jit: JitFilter;
  /** The previously attached filter (older), or undefined for the first one. */
  readonly prev: SeccompFilterNode | undefined;
  /** 1 for the first filter attached, 2 for the next, ... (position from the oldest). */
  readonly depth: number;
  /** `SECCOMP_FILTER_FLAG_LOG`: log every action but ALLOW. */
  readonly log: boolean;
  /** `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`. */
  readonly waitKillableRecv: boolean;
  /** Whether the filter has a user-notification listener (`filter->notif`, NEW_LISTENER). */
  hasListener: boolean;
  /** Tasks (and child filters) holding this filter (`refs`). */
  refs: number;
}

/** The instructions of a filter node (as attached). */
export function filterInsns(node: SeccompFilterNode): readonly SockFilter[] {
  return node.jit.prepared.filter;
}

/**
 * The instruction count seccomp_attach_filter charges for a chain plus a new filter of `newLen`
 * instructions: `newLen + Σ (len + 4)` over the existing filters.
 */
export function chainPathLength(head: SeccompFilterNode | undefined, newLen: number): number {
  let total = newLen;
  for (let f = head; f; f = f.prev) total += f.jit.prepared.code.length + SECCOMP_LIMITS.FILTER_PENALTY;
  return total;
}

/** Options of a filter being attached (from the seccomp(2) flags). */
export interface AttachOptions {
  flags?: number;
  hasListener?: boolean;
}

/**
 * Puts a prepared filter at the head of a chain: returns the new head, or `-ENOMEM` when the
 * path would exceed MAX_INSNS_PER_PATH (32768). The caller's reference to `head` moves to the new
 * node ("don't drop its task reference"). Models the length check and list update of
 * kernel/seccomp.c seccomp_attach_filter (TSYNC is handled by the attach layer).
 */
export function attachToChain(
  head: SeccompFilterNode | undefined,
  jit: JitFilter,
  opts: AttachOptions = {},
): SeccompFilterNode | number {
  if (chainPathLength(head, jit.prepared.code.length) > SECCOMP_LIMITS.MAX_INSNS_PER_PATH)
    return -ERRNO.ENOMEM;
  const flags = opts.flags ?? 0;
  return {
    jit,
    prev: head,
    depth: (head?.depth ?? 0) + 1,
    log: (flags & SECCOMP_FILTER_FLAG.LOG) !== 0,
    waitKillableRecv: (flags & SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV) !== 0,
    hasListener: opts.hasListener ?? false,
    refs: 1,
  };
}

/**
 * Builds a chain from filters given oldest first (each validated and JIT-compiled); throws
 * `SeccompFilterError` for an invalid filter and `SeccompChainError` (ENOMEM) over budget.
 */
export function buildChain(filters: ReadonlyArray<readonly SockFilter[]>): SeccompFilterNode | undefined {
  let head: SeccompFilterNode | undefined;
  for (const f of filters) {
    const r = attachToChain(head, compileJit(f));
    if (typeof r === 'number')
      throw new SeccompChainError(-r, 'filter chain exceeds MAX_INSNS_PER_PATH (32768)');
    head = r;
  }
  return head;
}

/** A chain that cannot be built: carries the errno (ENOMEM). */
export class SeccompChainError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'SeccompChainError';
  }
}

/**
 * The listener fd of a filter was closed: the filter no longer has a listener (USER_NOTIF then
 * fails with ENOSYS, and a new NEW_LISTENER is allowed) and the file's reference is dropped.
 * Models kernel/seccomp.c seccomp_notify_release → seccomp_notify_detach.
 */
export function detachListener(node: SeccompFilterNode): void {
  if (!node.hasListener) return;
  node.hasListener = false;
  node.refs--;
}

/** Releases a task's reference to a chain (models __put_seccomp_filter's walk down `prev`). */
export function releaseChain(head: SeccompFilterNode | undefined): void {
  for (let f = head; f; f = f.prev) {
    if (--f.refs > 0) break;
  }
}

/** Shares a chain with a new task (fork: copy_seccomp → get_seccomp_filter). */
export function shareChain(head: SeccompFilterNode | undefined): SeccompFilterNode | undefined {
  if (head) head.refs++;
  return head;
}

/** What a chain decides for one system call. */
export interface ChainDecision {
  /** The winning raw 32-bit filter result (SECCOMP_RET_ALLOW when no filter returned lower). */
  ret: number;
  /** The action the kernel takes (unknown actions are KILL_PROCESS). */
  action: ActionName;
  /** The action data (ERRNO capped at 4095; TRAP si_errno; TRACE message). */
  data: number;
  /** The filter whose result won (`match`), undefined when every filter allowed. */
  filter: SeccompFilterNode | undefined;
  /** Instructions executed over all filters. */
  executed: number;
  /** True when the filters did not run (x86_64 uretprobe/uprobe exception). */
  bypassed: boolean;
}

/** x86_64 `__NR_uretprobe` and `__NR_uprobe`: never filtered (kernel/seccomp.c seccomp_uprobe_exception). */
export const UPROBE_EXCEPTION_NRS: readonly number[] = [335, 336];

/**
 * Evaluates a chain on seccomp_data words (see `seccompDataWords`). Models kernel/seccomp.c
 * seccomp_run_filters: newest first, `ACTION_ONLY(cur) < ACTION_ONLY(ret)` (signed, strict) keeps
 * the newest on ties. The x86_64 uprobe/uretprobe exception of seccomp_cache_check_allow applies
 * (native arch only). An empty chain allows everything.
 */
export function runChainWords(head: SeccompFilterNode | undefined, words: Uint32Array): ChainDecision {
  if (
    (words[1] as number) === AUDIT_ARCH.X86_64 &&
    UPROBE_EXCEPTION_NRS.includes(words[0] as number) &&
    head !== undefined
  )
    return {
      ret: SECCOMP_RET.ALLOW,
      action: 'ALLOW',
      data: 0,
      filter: undefined,
      executed: 0,
      bypassed: true,
    };
  let ret: number = SECCOMP_RET.ALLOW;
  let match: SeccompFilterNode | undefined;
  let executed = 0;
  for (let f = head; f; f = f.prev) {
    const cur = runJit(f.jit, words);
    executed += lastRun.executed;
    if ((cur & 0xffff0000) < (ret & 0xffff0000)) {
      ret = cur;
      match = f;
    }
  }
  const a = actionFromRet(ret);
  return { ret: ret >>> 0, action: a.action, data: a.data, filter: match, executed, bypassed: false };
}

const scratchWords = new Uint32Array(16);

/** `runChainWords` on a `SeccompData`. */
export function runChain(head: SeccompFilterNode | undefined, data: SeccompData): ChainDecision {
  return runChainWords(head, seccompDataWords(data, scratchWords));
}
