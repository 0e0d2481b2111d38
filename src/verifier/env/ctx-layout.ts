/**
 * @fileoverview Layouts of the context structs programs see through R1, and the `bpf_ctx_*` helpers
 * the `is_valid_access` callbacks use to reason about them.
 *
 * Offsets and sizes are those of include/uapi/linux/bpf.h and arch/x86/include/asm/ptrace.h on
 * Linux 6.18 x86_64 (checked against the running kernel's BTF, /sys/kernel/btf/vmlinux). The helpers
 * model `bpf_ctx_range`, `bpf_ctx_range_ptr`, `bpf_ctx_range_till`, `bpf_ctx_narrow_access_ok` and
 * `bpf_ctx_wide_access_ok` (include/linux/filter.h).
 */

/** A context field: its offset and size in bytes. */
export interface CtxField {
  readonly off: number;
  readonly size: number;
}

const f = (off: number, size: number): CtxField => ({ off, size });

/** `struct __sk_buff` (192 bytes). `cb`, `remote_ip6`, `local_ip6` are whole arrays. */
export const SK_BUFF = {
  len: f(0, 4),
  pkt_type: f(4, 4),
  mark: f(8, 4),
  queue_mapping: f(12, 4),
  protocol: f(16, 4),
  vlan_present: f(20, 4),
  vlan_tci: f(24, 4),
  vlan_proto: f(28, 4),
  priority: f(32, 4),
  ingress_ifindex: f(36, 4),
  ifindex: f(40, 4),
  tc_index: f(44, 4),
  cb: f(48, 20),
  hash: f(68, 4),
  tc_classid: f(72, 4),
  data: f(76, 4),
  data_end: f(80, 4),
  napi_id: f(84, 4),
  family: f(88, 4),
  remote_ip4: f(92, 4),
  local_ip4: f(96, 4),
  remote_ip6: f(100, 16),
  local_ip6: f(116, 16),
  remote_port: f(132, 4),
  local_port: f(136, 4),
  data_meta: f(140, 4),
  flow_keys: f(144, 8),
  tstamp: f(152, 8),
  wire_len: f(160, 4),
  gso_segs: f(164, 4),
  sk: f(168, 8),
  gso_size: f(176, 4),
  tstamp_type: f(180, 1),
  hwtstamp: f(184, 8),
} as const;
/** `sizeof(struct __sk_buff)`. */
export const SK_BUFF_SIZE = 192;

/** `struct bpf_sock` (80 bytes). */
export const BPF_SOCK = {
  bound_dev_if: f(0, 4),
  family: f(4, 4),
  type: f(8, 4),
  protocol: f(12, 4),
  mark: f(16, 4),
  priority: f(20, 4),
  src_ip4: f(24, 4),
  src_ip6: f(28, 16),
  src_port: f(44, 4),
  dst_port: f(48, 2),
  dst_ip4: f(52, 4),
  dst_ip6: f(56, 16),
  state: f(72, 4),
  rx_queue_mapping: f(76, 4),
} as const;
/** `sizeof(struct bpf_sock)`. */
export const BPF_SOCK_SIZE = 80;

/** `struct bpf_sock_addr` (72 bytes). */
export const BPF_SOCK_ADDR = {
  user_family: f(0, 4),
  user_ip4: f(4, 4),
  user_ip6: f(8, 16),
  user_port: f(24, 4),
  family: f(28, 4),
  type: f(32, 4),
  protocol: f(36, 4),
  msg_src_ip4: f(40, 4),
  msg_src_ip6: f(44, 16),
  sk: f(64, 8),
} as const;
/** `sizeof(struct bpf_sock_addr)`. */
export const BPF_SOCK_ADDR_SIZE = 72;

/** `struct bpf_sock_ops` (224 bytes); `reply` aliases `args[0]`/`replylong[0]` (offset 4). */
export const BPF_SOCK_OPS = {
  op: f(0, 4),
  reply: f(4, 4),
  family: f(20, 4),
  sk_txhash: f(164, 4),
  bytes_received: f(168, 8),
  bytes_acked: f(176, 8),
  sk: f(184, 8),
  skb_data: f(192, 8),
  skb_data_end: f(200, 8),
  skb_len: f(208, 4),
  skb_tcp_flags: f(212, 4),
  skb_hwtstamp: f(216, 8),
} as const;
/** `sizeof(struct bpf_sock_ops)`. */
export const BPF_SOCK_OPS_SIZE = 224;

/** `struct sk_msg_md` (80 bytes). */
export const SK_MSG_MD = {
  data: f(0, 8),
  data_end: f(8, 8),
  family: f(16, 4),
  remote_ip4: f(20, 4),
  local_ip4: f(24, 4),
  remote_ip6: f(28, 16),
  local_ip6: f(44, 16),
  remote_port: f(60, 4),
  local_port: f(64, 4),
  size: f(68, 4),
  sk: f(72, 8),
} as const;
/** `sizeof(struct sk_msg_md)`. */
export const SK_MSG_MD_SIZE = 80;

/** `struct bpf_sk_lookup` (72 bytes). */
export const BPF_SK_LOOKUP = {
  sk: f(0, 8),
  family: f(8, 4),
  protocol: f(12, 4),
  remote_ip4: f(16, 4),
  remote_ip6: f(20, 16),
  remote_port: f(36, 2),
  local_ip4: f(40, 4),
  local_ip6: f(44, 16),
  local_port: f(60, 4),
  ingress_ifindex: f(64, 4),
} as const;
/** `sizeof(struct bpf_sk_lookup)`. */
export const BPF_SK_LOOKUP_SIZE = 72;

/** `struct xdp_md` (24 bytes). */
export const XDP_MD = {
  data: f(0, 4),
  data_end: f(4, 4),
  data_meta: f(8, 4),
  ingress_ifindex: f(12, 4),
  rx_queue_index: f(16, 4),
  egress_ifindex: f(20, 4),
} as const;
/** `sizeof(struct xdp_md)`. */
export const XDP_MD_SIZE = 24;

/** `struct bpf_sockopt` (40 bytes). */
export const BPF_SOCKOPT = {
  sk: f(0, 8),
  optval: f(8, 8),
  optval_end: f(16, 8),
  level: f(24, 4),
  optname: f(28, 4),
  optlen: f(32, 4),
  retval: f(36, 4),
} as const;
/** `sizeof(struct bpf_sockopt)`. */
export const BPF_SOCKOPT_SIZE = 40;

/** `struct bpf_sysctl` (8 bytes). */
export const BPF_SYSCTL = { write: f(0, 4), file_pos: f(4, 4) } as const;
/** `sizeof(struct bpf_sysctl)`. */
export const BPF_SYSCTL_SIZE = 8;

/** `struct bpf_cgroup_dev_ctx` (12 bytes). */
export const BPF_CGROUP_DEV_CTX = { access_type: f(0, 4), major: f(4, 4), minor: f(8, 4) } as const;
/** `sizeof(struct bpf_cgroup_dev_ctx)`. */
export const BPF_CGROUP_DEV_CTX_SIZE = 12;

/** `struct sk_reuseport_md` (56 bytes). */
export const SK_REUSEPORT_MD = {
  data: f(0, 8),
  data_end: f(8, 8),
  len: f(16, 4),
  eth_protocol: f(20, 4),
  ip_protocol: f(24, 4),
  bind_inany: f(28, 4),
  hash: f(32, 4),
  sk: f(40, 8),
  migrating_sk: f(48, 8),
} as const;
/** `sizeof(struct sk_reuseport_md)`. */
export const SK_REUSEPORT_MD_SIZE = 56;

/** `struct bpf_perf_event_data` (184 bytes on x86_64: `regs` is a 168-byte `pt_regs`). */
export const BPF_PERF_EVENT_DATA = { regs: f(0, 168), sample_period: f(168, 8), addr: f(176, 8) } as const;
/** `sizeof(struct bpf_perf_event_data)` on x86_64. */
export const BPF_PERF_EVENT_DATA_SIZE = 184;

/** `sizeof(struct pt_regs)` on x86_64 (21 registers of 8 bytes). */
export const PT_REGS_SIZE = 168;

/** `struct bpf_nf_ctx` (16 bytes): two kernel pointers. */
export const BPF_NF_CTX = { state: f(0, 8), skb: f(8, 8) } as const;
/** `sizeof(struct bpf_nf_ctx)`. */
export const BPF_NF_CTX_SIZE = 16;

/** `PERF_MAX_TRACE_SIZE` (include/linux/trace_events.h): the tracepoint buffer limit. */
export const PERF_MAX_TRACE_SIZE = 8192;
/** `MAX_BPF_FUNC_ARGS` (include/linux/bpf.h): raw tracepoints see up to 12 u64 arguments. */
export const MAX_BPF_FUNC_ARGS = 12;
/** `U16_MAX`: the context bound of BPF_PROG_TYPE_SYSCALL. */
export const U16_MAX = 0xffff;

/** `case bpf_ctx_range(T, F)` / `bpf_ctx_range_ptr(T, F)`: `off` lies inside the field. */
export function inField(off: number, fld: CtxField): boolean {
  return off >= fld.off && off < fld.off + fld.size;
}

/** `case bpf_ctx_range_till(T, A, B)`: `off` lies in `[offsetof(A), offsetofend(B))`. */
export function inFields(off: number, a: CtxField, b: CtxField): boolean {
  return off >= a.off && off < b.off + b.size;
}

/** `offsetofend(T, F)`. */
export function endOf(fld: CtxField): number {
  return fld.off + fld.size;
}

/** Models `bpf_ctx_narrow_access_ok`: a power-of-two size no wider than the field. */
export function narrowAccessOk(size: number, sizeDefault: number): boolean {
  return size <= sizeDefault && (size & (size - 1)) === 0;
}

/** Models `bpf_ctx_wide_access_ok`: an aligned 8-byte access inside an array field. */
export function wideAccessOk(off: number, size: number, fld: CtxField): boolean {
  return size === 8 && off >= fld.off && off + 8 <= endOf(fld) && off % 8 === 0;
}
