/**
 * @fileoverview The program-type registry: what the syscall layer and the verifier need per type.
 *
 * Models kernel/bpf/syscall.c `bpf_prog_types[]` (`struct bpf_prog_ops`: `test_run`) and the
 * verifier side `bpf_verifier_ops` (context size, `get_func_proto`, `is_valid_access`) as
 * generated from include/linux/bpf_types.h. Types without an entry are EINVAL at load
 * (`find_prog_type`); types without `testRun` give ENOTSUPP at BPF_PROG_TEST_RUN.
 */
import { kprobeType } from './kprobe.js';
import { schedActType, schedClsType, testRunSkb } from './sched_cls.js';
import { socketFilterType } from './socket_filter.js';
import type { TestRunFn } from './test-run-io.js';
import { tracepointType } from './tracepoint.js';
import { BPF_PROG_TYPE, PROG_TYPE_NAMES } from './types.js';
import { xdpType } from './xdp.js';

/** A helper prototype as the verifier reads it (models `struct bpf_func_proto`, reduced). */
export interface FuncProto {
  readonly name: string;
  /** `gpl_only`: callable only from GPL-compatible programs. */
  readonly gplOnly: boolean;
}

/** One program type; models `bpf_prog_ops` + `bpf_verifier_ops`. */
export interface ProgTypeOps {
  readonly type: number;
  readonly name: string;
  /** Size of the context struct user space sees (`struct __sk_buff`, `struct xdp_md`, ...). */
  readonly ctxSize: number;
  /** Models `test_run`; absent: BPF_PROG_TEST_RUN returns ENOTSUPP. */
  readonly testRun?: TestRunFn;
  /**
   * Models `is_valid_access(off, size, type)` for the verifier: whether the program may read
   * (`write` false) or write `size` bytes at `off` of its context.
   */
  readonly isValidAccess?: (off: number, size: number, write: boolean) => boolean;
  /** Models `get_func_proto(func_id)`: filled in by the helpers layer; undefined = not allowed. */
  getFuncProto?: (funcId: number) => FuncProto | undefined;
}

const T = BPF_PROG_TYPE;

/** Models a generic program type whose context is opaque to bpfsim (no test_run). */
function plain(type: number, ctxSize: number, testRun?: TestRunFn): ProgTypeOps {
  return { type, name: PROG_TYPE_NAMES[type] ?? `type ${type}`, ctxSize, testRun };
}

const TYPES = new Map<number, ProgTypeOps>();
for (const t of [
  socketFilterType,
  kprobeType,
  schedClsType,
  schedActType,
  tracepointType,
  xdpType,
  plain(T.PERF_EVENT, 0),
  plain(T.CGROUP_SKB, 192, testRunSkb),
  plain(T.CGROUP_SOCK, 0),
  plain(T.LWT_IN, 192, testRunSkb),
  plain(T.LWT_OUT, 192, testRunSkb),
  plain(T.LWT_XMIT, 192, testRunSkb),
  plain(T.SOCK_OPS, 0),
  plain(T.SK_SKB, 192),
  plain(T.CGROUP_DEVICE, 0),
  plain(T.SK_MSG, 0),
  plain(T.RAW_TRACEPOINT, 0),
  plain(T.CGROUP_SOCK_ADDR, 0),
  plain(T.LWT_SEG6LOCAL, 192),
  plain(T.LIRC_MODE2, 0),
  plain(T.SK_REUSEPORT, 0),
  plain(T.FLOW_DISSECTOR, 0),
  plain(T.CGROUP_SYSCTL, 0),
  plain(T.RAW_TRACEPOINT_WRITABLE, 0),
  plain(T.CGROUP_SOCKOPT, 0),
  plain(T.TRACING, 0),
  plain(T.STRUCT_OPS, 0),
  plain(T.EXT, 0),
  plain(T.LSM, 0),
  plain(T.SK_LOOKUP, 0),
  plain(T.SYSCALL, 0),
  plain(T.NETFILTER, 0),
])
  TYPES.set(t.type, t);

/** Models `find_prog_type`: the type's ops, or undefined (EINVAL). */
export function progTypeOps(type: number): ProgTypeOps | undefined {
  return TYPES.get(type);
}

/** Every registered program type. */
export function progTypes(): ProgTypeOps[] {
  return [...TYPES.values()];
}
