/**
 * @fileoverview Program type numbers. Models include/uapi/linux/bpf.h `enum bpf_prog_type` (Linux 6.18).
 */

/** Program type numbers; models `enum bpf_prog_type`. */
export const BPF_PROG_TYPE = {
  UNSPEC: 0,
  SOCKET_FILTER: 1,
  KPROBE: 2,
  SCHED_CLS: 3,
  SCHED_ACT: 4,
  TRACEPOINT: 5,
  XDP: 6,
  PERF_EVENT: 7,
  CGROUP_SKB: 8,
  CGROUP_SOCK: 9,
  LWT_IN: 10,
  LWT_OUT: 11,
  LWT_XMIT: 12,
  SOCK_OPS: 13,
  SK_SKB: 14,
  CGROUP_DEVICE: 15,
  SK_MSG: 16,
  RAW_TRACEPOINT: 17,
  CGROUP_SOCK_ADDR: 18,
  LWT_SEG6LOCAL: 19,
  LIRC_MODE2: 20,
  SK_REUSEPORT: 21,
  FLOW_DISSECTOR: 22,
  CGROUP_SYSCTL: 23,
  RAW_TRACEPOINT_WRITABLE: 24,
  CGROUP_SOCKOPT: 25,
  TRACING: 26,
  STRUCT_OPS: 27,
  EXT: 28,
  LSM: 29,
  SK_LOOKUP: 30,
  SYSCALL: 31,
  NETFILTER: 32,
} as const;

/** Lowercase names as bpftool prints them (libbpf `prog_type_name`), by number. */
export const PROG_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(BPF_PROG_TYPE).map(([k, v]) => [v, k.toLowerCase()]),
);

/** The number of a program type given by name (`'xdp'`, `'socket_filter'`) or number. */
export function progTypeNumber(t: string | number): number | undefined {
  if (typeof t === 'number') return t;
  const v = (BPF_PROG_TYPE as Record<string, number>)[t.toUpperCase()];
  return v;
}
