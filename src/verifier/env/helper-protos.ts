/**
 * @fileoverview Which helper prototype each program type gets: the verifier's `get_func_proto`.
 *
 * Models `bpf_verifier_ops.get_func_proto` of every program type that loads without BTF, Linux 6.18:
 * `bpf_base_func_proto` (kernel/bpf/helpers.c), `bpf_sk_base_func_proto`, `sk_filter_func_proto`,
 * `tc_cls_act_func_proto`, `xdp_func_proto`, `cg_skb_func_proto`, `sock_filter_func_proto`,
 * `sock_addr_func_proto`, `sock_ops_func_proto`, `sk_msg_func_proto`, `sk_skb_func_proto`,
 * `flow_dissector_func_proto`, `lwt_*_func_proto`, `sk_reuseport_func_proto`, `sk_lookup_func_proto`
 * (net/core/filter.c), `cgroup_dev_func_proto`, `sysctl_func_proto`, `cg_sockopt_func_proto`,
 * `cgroup_common_func_proto`, `cgroup_current_func_proto` (kernel/bpf/cgroup.c),
 * `bpf_tracing_func_proto`, `kprobe_prog_func_proto`, `tp_prog_func_proto`, `pe_prog_func_proto`,
 * `raw_tp_prog_func_proto`, `tracing_prog_func_proto` (kernel/trace/bpf_trace.c), `syscall_prog_func_proto`
 * (kernel/bpf/syscall.c) and `bpf_nf_func_proto` (net/netfilter/nf_bpf_link.c).
 *
 * Build options follow the reference kernel: CONFIG_BPF_KPROBE_OVERRIDE is off (no
 * `bpf_override_return`), lockdown is forced to integrity (no `bpf_probe_write_user`), CONFIG_INET,
 * CONFIG_XFRM, CONFIG_SYN_COOKIES, CONFIG_IPV6_SEG6_BPF, CONFIG_CGROUP_NET_CLASSID and
 * CONFIG_SOCK_CGROUP_DATA are on. LIRC_MODE2 is not built; LSM, STRUCT_OPS and EXT programs (which need
 * attach BTF) are not modelled and get no helpers here.
 */
import { BPF_PROG_TYPE as T } from '../../progs/types.js';
import { BPF_ATTACH as ATTACH } from '../../uapi/bpf-attach-types.js';
import { BPF_FUNC_MAX_ID, BPF_FUNC_NAMES } from '../../uapi/bpf-helpers.js';
import type { HelperProto } from './helper-proto-builder.js';
import { CORE_PROTOS as C } from './helper-proto-defs.js';
import { NET_PROTOS as N } from './helper-proto-defs-net.js';
import type { FuncProtoContext, FuncProtoFn, VerifierFuncProto } from './types.js';

type Proto = HelperProto | undefined;
type Getter = (f: string, c: FullCtx) => Proto;

/** The context with defaults filled in. */
interface FullCtx {
  readonly eat: number;
  readonly progType: number;
  readonly bpf: boolean;
  readonly perfmon: boolean;
  readonly sysAdmin: boolean;
  readonly sleepable: boolean;
  readonly lockdown: 'none' | 'integrity' | 'confidentiality';
}

const readKernelLocked = (c: FullCtx): boolean => c.lockdown === 'confidentiality';
const writeUserLocked = (c: FullCtx): boolean => c.lockdown !== 'none';

/** Models `bpf_prog_check_recur`: tracing types that run under a recursion check. */
function checkRecur(c: FullCtx): boolean {
  if (c.progType === T.TRACING) return c.eat !== ATTACH.TRACE_ITER && c.eat !== ATTACH.TRACE_RAW_TP;
  return c.progType === T.LSM;
}

/** Models `bpf_base_func_proto` (kernel/bpf/helpers.c). */
function baseFuncProto(f: string, c: FullCtx): Proto {
  switch (f) {
    case 'map_lookup_elem':
    case 'map_update_elem':
    case 'map_delete_elem':
    case 'map_push_elem':
    case 'map_pop_elem':
    case 'map_peek_elem':
    case 'map_lookup_percpu_elem':
    case 'get_prandom_u32':
    case 'get_numa_node_id':
    case 'tail_call':
    case 'ktime_get_ns':
    case 'ktime_get_boot_ns':
    case 'ktime_get_tai_ns':
    case 'ringbuf_output':
    case 'ringbuf_reserve':
    case 'ringbuf_submit':
    case 'ringbuf_discard':
    case 'ringbuf_query':
    case 'strncmp':
    case 'strtol':
    case 'strtoul':
    case 'get_current_pid_tgid':
    case 'get_ns_current_pid_tgid':
    case 'get_current_uid_gid':
      return C[`bpf_${f}` as keyof typeof C];
    case 'get_smp_processor_id':
      return C.bpf_get_raw_smp_processor_id;
  }
  if (!c.bpf) return undefined;
  switch (f) {
    case 'spin_lock':
    case 'spin_unlock':
    case 'jiffies64':
    case 'timer_init':
    case 'timer_set_callback':
    case 'timer_start':
    case 'timer_cancel':
    case 'kptr_xchg':
    case 'for_each_map_elem':
    case 'loop':
    case 'user_ringbuf_drain':
    case 'ringbuf_reserve_dynptr':
    case 'ringbuf_submit_dynptr':
    case 'ringbuf_discard_dynptr':
    case 'dynptr_from_mem':
    case 'dynptr_read':
    case 'dynptr_write':
    case 'dynptr_data':
    case 'cgrp_storage_get':
    case 'cgrp_storage_delete':
    case 'get_current_cgroup_id':
    case 'get_current_ancestor_cgroup_id':
    case 'current_task_under_cgroup':
      return C[`bpf_${f}` as keyof typeof C];
    case 'get_cgroup_classid':
      return C.bpf_get_cgroup_classid_curr;
    case 'task_storage_get':
      return checkRecur(c) ? C.bpf_task_storage_get_recur : C.bpf_task_storage_get;
    case 'task_storage_delete':
      return checkRecur(c) ? C.bpf_task_storage_delete_recur : C.bpf_task_storage_delete;
  }
  if (!c.perfmon) return undefined;
  switch (f) {
    case 'trace_printk':
    case 'per_cpu_ptr':
    case 'this_cpu_ptr':
    case 'get_current_task':
    case 'get_current_task_btf':
    case 'get_current_comm':
    case 'probe_read_user':
    case 'probe_read_user_str':
    case 'copy_from_user':
    case 'copy_from_user_task':
    case 'snprintf_btf':
    case 'snprintf':
    case 'task_pt_regs':
    case 'trace_vprintk':
    case 'perf_event_read_value':
    case 'perf_event_read':
    case 'send_signal':
    case 'send_signal_thread':
    case 'get_branch_snapshot':
    case 'find_vma':
      return C[`bpf_${f}` as keyof typeof C];
    case 'probe_read_kernel':
    case 'probe_read_kernel_str':
      return readKernelLocked(c) ? undefined : C[`bpf_${f}` as keyof typeof C];
    case 'get_task_stack':
      return c.sleepable ? C.bpf_get_task_stack_sleepable : C.bpf_get_task_stack;
  }
  return undefined;
}

/** Models `bpf_sk_base_func_proto` (net/core/filter.c). */
function skBaseFuncProto(f: string, c: FullCtx): Proto {
  switch (f) {
    case 'skc_to_tcp6_sock':
    case 'skc_to_tcp_sock':
    case 'skc_to_tcp_timewait_sock':
    case 'skc_to_tcp_request_sock':
    case 'skc_to_udp6_sock':
    case 'skc_to_unix_sock':
    case 'skc_to_mptcp_sock':
      return c.perfmon ? N[`bpf_${f}` as keyof typeof N] : undefined;
    case 'ktime_get_coarse_ns':
      return C.bpf_ktime_get_coarse_ns;
  }
  return baseFuncProto(f, c);
}

/** `get_retval`/`set_retval` are hidden from these attach types. Models `cgroup_common_func_proto`. */
const NO_RETVAL: ReadonlySet<number> = new Set([
  ATTACH.CGROUP_INET_INGRESS,
  ATTACH.CGROUP_INET_EGRESS,
  ATTACH.CGROUP_SOCK_OPS,
  ATTACH.CGROUP_UDP4_RECVMSG,
  ATTACH.CGROUP_UDP6_RECVMSG,
  ATTACH.CGROUP_UNIX_RECVMSG,
  ATTACH.CGROUP_INET4_GETPEERNAME,
  ATTACH.CGROUP_INET6_GETPEERNAME,
  ATTACH.CGROUP_UNIX_GETPEERNAME,
  ATTACH.CGROUP_INET4_GETSOCKNAME,
  ATTACH.CGROUP_INET6_GETSOCKNAME,
  ATTACH.CGROUP_UNIX_GETSOCKNAME,
]);

/** Models `cgroup_common_func_proto` (kernel/bpf/cgroup.c). */
function cgroupCommon(f: string, c: FullCtx): Proto {
  switch (f) {
    case 'get_local_storage':
      return C.bpf_get_local_storage;
    case 'get_retval':
      return NO_RETVAL.has(c.eat) ? undefined : C.bpf_get_retval;
    case 'set_retval':
      return NO_RETVAL.has(c.eat) ? undefined : C.bpf_set_retval;
  }
  return undefined;
}

/**
 * Models `cgroup_current_func_proto` (kernel/bpf/cgroup.c): current-task helpers that cgroup programs
 * get whatever bpf_base_func_proto decides. On 6.18 `get_current_comm` is not among them (the real
 * kernel refuses it to cgroup programs without CAP_PERFMON).
 */
function cgroupCurrent(f: string): Proto {
  switch (f) {
    case 'get_current_uid_gid':
      return C.bpf_get_current_uid_gid;
    case 'get_cgroup_classid':
      return C.bpf_get_cgroup_classid_curr;
    case 'current_task_under_cgroup':
      return C.bpf_current_task_under_cgroup;
  }
  return undefined;
}

/** Tries the getters in order (the kernel's `func_proto = ...; if (func_proto) return func_proto;`). */
const first =
  (...gs: Getter[]): Getter =>
  (f, c) => {
    for (const g of gs) {
      const r = g(f, c);
      if (r !== undefined) return r;
    }
    return undefined;
  };

/** A switch table with a fallback getter. */
const table =
  (entries: Readonly<Record<string, HelperProto | ((c: FullCtx) => Proto)>>, fallback: Getter): Getter =>
  (f, c) => {
    const e = entries[f];
    if (e === undefined) return fallback(f, c);
    return typeof e === 'function' ? e(c) : e;
  };

const sockAddrSockopt: ReadonlySet<number> = new Set([
  ATTACH.CGROUP_INET4_BIND,
  ATTACH.CGROUP_INET6_BIND,
  ATTACH.CGROUP_INET4_CONNECT,
  ATTACH.CGROUP_INET6_CONNECT,
  ATTACH.CGROUP_UNIX_CONNECT,
  ATTACH.CGROUP_UDP4_RECVMSG,
  ATTACH.CGROUP_UDP6_RECVMSG,
  ATTACH.CGROUP_UNIX_RECVMSG,
  ATTACH.CGROUP_UDP4_SENDMSG,
  ATTACH.CGROUP_UDP6_SENDMSG,
  ATTACH.CGROUP_UNIX_SENDMSG,
  ATTACH.CGROUP_INET4_GETPEERNAME,
  ATTACH.CGROUP_INET6_GETPEERNAME,
  ATTACH.CGROUP_INET4_GETSOCKNAME,
  ATTACH.CGROUP_INET6_GETSOCKNAME,
  ATTACH.CGROUP_UNIX_GETPEERNAME,
  ATTACH.CGROUP_UNIX_GETSOCKNAME,
]);

/** Models `sk_filter_func_proto`. */
const skFilter: Getter = table(
  {
    skb_load_bytes: N.bpf_skb_load_bytes,
    skb_load_bytes_relative: N.bpf_skb_load_bytes_relative,
    get_socket_cookie: N.bpf_get_socket_cookie,
    get_socket_uid: N.bpf_get_socket_uid,
    get_netns_cookie: N.bpf_get_netns_cookie,
    perf_event_output: N.bpf_skb_event_output,
  },
  skBaseFuncProto,
);

/** Models `cg_skb_func_proto`. */
const cgSkb: Getter = first(
  cgroupCommon,
  table(
    {
      sk_fullsock: N.bpf_sk_fullsock,
      sk_storage_get: C.bpf_sk_storage_get,
      sk_storage_delete: C.bpf_sk_storage_delete,
      perf_event_output: N.bpf_skb_event_output,
      skb_cgroup_id: N.bpf_skb_cgroup_id,
      skb_ancestor_cgroup_id: N.bpf_skb_ancestor_cgroup_id,
      sk_cgroup_id: N.bpf_sk_cgroup_id,
      sk_ancestor_cgroup_id: N.bpf_sk_ancestor_cgroup_id,
      sk_lookup_tcp: N.bpf_sk_lookup_tcp,
      sk_lookup_udp: N.bpf_sk_lookup_udp,
      sk_release: N.bpf_sk_release,
      skc_lookup_tcp: N.bpf_skc_lookup_tcp,
      tcp_sock: N.bpf_tcp_sock,
      get_listener_sock: N.bpf_get_listener_sock,
      skb_ecn_set_ce: N.bpf_skb_ecn_set_ce,
    },
    skFilter,
  ),
);

/** Models `tc_cls_act_func_proto`. */
const tcClsAct: Getter = table(
  {
    skb_store_bytes: N.bpf_skb_store_bytes,
    skb_load_bytes: N.bpf_skb_load_bytes,
    skb_load_bytes_relative: N.bpf_skb_load_bytes_relative,
    skb_pull_data: N.bpf_skb_pull_data,
    csum_diff: N.bpf_csum_diff,
    csum_update: N.bpf_csum_update,
    csum_level: N.bpf_csum_level,
    l3_csum_replace: N.bpf_l3_csum_replace,
    l4_csum_replace: N.bpf_l4_csum_replace,
    clone_redirect: N.bpf_clone_redirect,
    get_cgroup_classid: N.bpf_get_cgroup_classid,
    skb_vlan_push: N.bpf_skb_vlan_push,
    skb_vlan_pop: N.bpf_skb_vlan_pop,
    skb_change_proto: N.bpf_skb_change_proto,
    skb_change_type: N.bpf_skb_change_type,
    skb_adjust_room: N.bpf_skb_adjust_room,
    skb_change_tail: N.bpf_skb_change_tail,
    skb_change_head: N.bpf_skb_change_head,
    skb_get_tunnel_key: N.bpf_skb_get_tunnel_key,
    skb_set_tunnel_key: N.bpf_skb_set_tunnel_key,
    skb_get_tunnel_opt: N.bpf_skb_get_tunnel_opt,
    skb_set_tunnel_opt: N.bpf_skb_set_tunnel_opt,
    redirect: N.bpf_redirect,
    redirect_neigh: N.bpf_redirect_neigh,
    redirect_peer: N.bpf_redirect_peer,
    get_route_realm: N.bpf_get_route_realm,
    get_hash_recalc: N.bpf_get_hash_recalc,
    set_hash_invalid: N.bpf_set_hash_invalid,
    set_hash: N.bpf_set_hash,
    perf_event_output: N.bpf_skb_event_output,
    get_smp_processor_id: C.bpf_get_smp_processor_id,
    skb_under_cgroup: N.bpf_skb_under_cgroup,
    get_socket_cookie: N.bpf_get_socket_cookie,
    get_socket_uid: N.bpf_get_socket_uid,
    get_netns_cookie: N.bpf_get_netns_cookie,
    fib_lookup: N.bpf_skb_fib_lookup,
    check_mtu: N.bpf_skb_check_mtu,
    sk_fullsock: N.bpf_sk_fullsock,
    sk_storage_get: C.bpf_sk_storage_get,
    sk_storage_delete: C.bpf_sk_storage_delete,
    skb_get_xfrm_state: N.bpf_skb_get_xfrm_state,
    skb_cgroup_classid: N.bpf_skb_cgroup_classid,
    skb_cgroup_id: N.bpf_skb_cgroup_id,
    skb_ancestor_cgroup_id: N.bpf_skb_ancestor_cgroup_id,
    sk_lookup_tcp: N.bpf_tc_sk_lookup_tcp,
    sk_lookup_udp: N.bpf_tc_sk_lookup_udp,
    sk_release: N.bpf_sk_release,
    tcp_sock: N.bpf_tcp_sock,
    get_listener_sock: N.bpf_get_listener_sock,
    skc_lookup_tcp: N.bpf_tc_skc_lookup_tcp,
    tcp_check_syncookie: N.bpf_tcp_check_syncookie,
    skb_ecn_set_ce: N.bpf_skb_ecn_set_ce,
    tcp_gen_syncookie: N.bpf_tcp_gen_syncookie,
    sk_assign: N.bpf_sk_assign,
    skb_set_tstamp: N.bpf_skb_set_tstamp,
    tcp_raw_gen_syncookie_ipv4: N.bpf_tcp_raw_gen_syncookie_ipv4,
    tcp_raw_gen_syncookie_ipv6: N.bpf_tcp_raw_gen_syncookie_ipv6,
    tcp_raw_check_syncookie_ipv4: N.bpf_tcp_raw_check_syncookie_ipv4,
    tcp_raw_check_syncookie_ipv6: N.bpf_tcp_raw_check_syncookie_ipv6,
  },
  skBaseFuncProto,
);

/** Models `xdp_func_proto`. */
const xdp: Getter = table(
  {
    perf_event_output: N.bpf_xdp_event_output,
    get_smp_processor_id: C.bpf_get_smp_processor_id,
    csum_diff: N.bpf_csum_diff,
    xdp_adjust_head: N.bpf_xdp_adjust_head,
    xdp_adjust_meta: N.bpf_xdp_adjust_meta,
    redirect: N.bpf_xdp_redirect,
    redirect_map: N.bpf_xdp_redirect_map,
    xdp_adjust_tail: N.bpf_xdp_adjust_tail,
    xdp_get_buff_len: N.bpf_xdp_get_buff_len,
    xdp_load_bytes: N.bpf_xdp_load_bytes,
    xdp_store_bytes: N.bpf_xdp_store_bytes,
    fib_lookup: N.bpf_xdp_fib_lookup,
    check_mtu: N.bpf_xdp_check_mtu,
    sk_lookup_udp: N.bpf_xdp_sk_lookup_udp,
    sk_lookup_tcp: N.bpf_xdp_sk_lookup_tcp,
    sk_release: N.bpf_sk_release,
    skc_lookup_tcp: N.bpf_xdp_skc_lookup_tcp,
    tcp_check_syncookie: N.bpf_tcp_check_syncookie,
    tcp_gen_syncookie: N.bpf_tcp_gen_syncookie,
    tcp_raw_gen_syncookie_ipv4: N.bpf_tcp_raw_gen_syncookie_ipv4,
    tcp_raw_gen_syncookie_ipv6: N.bpf_tcp_raw_gen_syncookie_ipv6,
    tcp_raw_check_syncookie_ipv4: N.bpf_tcp_raw_check_syncookie_ipv4,
    tcp_raw_check_syncookie_ipv6: N.bpf_tcp_raw_check_syncookie_ipv6,
  },
  skBaseFuncProto,
);

/** Models `sock_filter_func_proto` (BPF_PROG_TYPE_CGROUP_SOCK). */
const sockFilter: Getter = first(
  cgroupCommon,
  cgroupCurrent,
  table(
    {
      get_socket_cookie: N.bpf_get_socket_cookie_sock,
      get_netns_cookie: N.bpf_get_netns_cookie_sock,
      perf_event_output: C.bpf_event_output_data,
      sk_storage_get: C.bpf_sk_storage_get_cg_sock,
      ktime_get_coarse_ns: C.bpf_ktime_get_coarse_ns,
    },
    baseFuncProto,
  ),
);

/** Models `sock_addr_func_proto` (BPF_PROG_TYPE_CGROUP_SOCK_ADDR). */
const sockAddr: Getter = first(
  cgroupCommon,
  cgroupCurrent,
  table(
    {
      bind: (c) =>
        c.eat === ATTACH.CGROUP_INET4_CONNECT || c.eat === ATTACH.CGROUP_INET6_CONNECT
          ? N.bpf_bind
          : undefined,
      get_socket_cookie: N.bpf_get_socket_cookie_sock_addr,
      get_netns_cookie: N.bpf_get_netns_cookie_sock_addr,
      perf_event_output: C.bpf_event_output_data,
      sk_lookup_tcp: N.bpf_sock_addr_sk_lookup_tcp,
      sk_lookup_udp: N.bpf_sock_addr_sk_lookup_udp,
      sk_release: N.bpf_sk_release,
      skc_lookup_tcp: N.bpf_sock_addr_skc_lookup_tcp,
      sk_storage_get: C.bpf_sk_storage_get,
      sk_storage_delete: C.bpf_sk_storage_delete,
      setsockopt: (c) => (sockAddrSockopt.has(c.eat) ? N.bpf_sock_addr_setsockopt : undefined),
      getsockopt: (c) => (sockAddrSockopt.has(c.eat) ? N.bpf_sock_addr_getsockopt : undefined),
    },
    skBaseFuncProto,
  ),
);

/** Models `sock_ops_func_proto`. */
const sockOps: Getter = table(
  {
    setsockopt: N.bpf_sock_ops_setsockopt,
    getsockopt: N.bpf_sock_ops_getsockopt,
    sock_ops_cb_flags_set: N.bpf_sock_ops_cb_flags_set,
    sock_map_update: C.bpf_sock_map_update,
    sock_hash_update: C.bpf_sock_hash_update,
    get_socket_cookie: N.bpf_get_socket_cookie_sock_ops,
    get_local_storage: C.bpf_get_local_storage,
    perf_event_output: C.bpf_event_output_data,
    sk_storage_get: C.bpf_sk_storage_get,
    sk_storage_delete: C.bpf_sk_storage_delete,
    get_netns_cookie: N.bpf_get_netns_cookie_sock_ops,
    load_hdr_opt: N.bpf_sock_ops_load_hdr_opt,
    store_hdr_opt: N.bpf_sock_ops_store_hdr_opt,
    reserve_hdr_opt: N.bpf_sock_ops_reserve_hdr_opt,
    tcp_sock: N.bpf_tcp_sock,
  },
  skBaseFuncProto,
);

/** Models `sk_msg_func_proto`. */
const skMsg: Getter = table(
  {
    msg_redirect_map: C.bpf_msg_redirect_map,
    msg_redirect_hash: C.bpf_msg_redirect_hash,
    msg_apply_bytes: N.bpf_msg_apply_bytes,
    msg_cork_bytes: N.bpf_msg_cork_bytes,
    msg_pull_data: N.bpf_msg_pull_data,
    msg_push_data: N.bpf_msg_push_data,
    msg_pop_data: N.bpf_msg_pop_data,
    perf_event_output: C.bpf_event_output_data,
    get_current_uid_gid: C.bpf_get_current_uid_gid,
    get_current_pid_tgid: C.bpf_get_current_pid_tgid,
    sk_storage_get: C.bpf_sk_storage_get,
    sk_storage_delete: C.bpf_sk_storage_delete,
    get_netns_cookie: N.bpf_get_netns_cookie_sk_msg,
    get_current_cgroup_id: C.bpf_get_current_cgroup_id,
    get_current_ancestor_cgroup_id: C.bpf_get_current_ancestor_cgroup_id,
    get_cgroup_classid: C.bpf_get_cgroup_classid_curr,
  },
  skBaseFuncProto,
);

/** Models `sk_skb_func_proto`. */
const skSkb: Getter = table(
  {
    skb_store_bytes: N.bpf_skb_store_bytes,
    skb_load_bytes: N.bpf_skb_load_bytes,
    skb_pull_data: N.sk_skb_pull_data,
    skb_change_tail: N.sk_skb_change_tail,
    skb_change_head: N.sk_skb_change_head,
    skb_adjust_room: N.sk_skb_adjust_room,
    get_socket_cookie: N.bpf_get_socket_cookie,
    get_socket_uid: N.bpf_get_socket_uid,
    sk_redirect_map: C.bpf_sk_redirect_map,
    sk_redirect_hash: C.bpf_sk_redirect_hash,
    perf_event_output: N.bpf_skb_event_output,
    sk_lookup_tcp: N.bpf_sk_lookup_tcp,
    sk_lookup_udp: N.bpf_sk_lookup_udp,
    sk_release: N.bpf_sk_release,
    skc_lookup_tcp: N.bpf_skc_lookup_tcp,
  },
  skBaseFuncProto,
);

/** Models `flow_dissector_func_proto`. */
const flowDissector: Getter = table({ skb_load_bytes: N.bpf_flow_dissector_load_bytes }, skBaseFuncProto);

/** Models `lwt_out_func_proto`. */
const lwtOut: Getter = table(
  {
    skb_load_bytes: N.bpf_skb_load_bytes,
    skb_pull_data: N.bpf_skb_pull_data,
    csum_diff: N.bpf_csum_diff,
    get_cgroup_classid: N.bpf_get_cgroup_classid,
    get_route_realm: N.bpf_get_route_realm,
    get_hash_recalc: N.bpf_get_hash_recalc,
    perf_event_output: N.bpf_skb_event_output,
    get_smp_processor_id: C.bpf_get_smp_processor_id,
    skb_under_cgroup: N.bpf_skb_under_cgroup,
  },
  skBaseFuncProto,
);

/** Models `lwt_in_func_proto`. */
const lwtIn: Getter = table({ lwt_push_encap: N.bpf_lwt_in_push_encap }, lwtOut);

/** Models `lwt_xmit_func_proto`. */
const lwtXmit: Getter = table(
  {
    skb_get_tunnel_key: N.bpf_skb_get_tunnel_key,
    skb_set_tunnel_key: N.bpf_skb_set_tunnel_key,
    skb_get_tunnel_opt: N.bpf_skb_get_tunnel_opt,
    skb_set_tunnel_opt: N.bpf_skb_set_tunnel_opt,
    redirect: N.bpf_redirect,
    clone_redirect: N.bpf_clone_redirect,
    skb_change_tail: N.bpf_skb_change_tail,
    skb_change_head: N.bpf_skb_change_head,
    skb_store_bytes: N.bpf_skb_store_bytes,
    csum_update: N.bpf_csum_update,
    csum_level: N.bpf_csum_level,
    l3_csum_replace: N.bpf_l3_csum_replace,
    l4_csum_replace: N.bpf_l4_csum_replace,
    set_hash_invalid: N.bpf_set_hash_invalid,
    lwt_push_encap: N.bpf_lwt_xmit_push_encap,
  },
  lwtOut,
);

/** Models `lwt_seg6local_func_proto`. */
const lwtSeg6local: Getter = table(
  {
    lwt_seg6_store_bytes: N.bpf_lwt_seg6_store_bytes,
    lwt_seg6_action: N.bpf_lwt_seg6_action,
    lwt_seg6_adjust_srh: N.bpf_lwt_seg6_adjust_srh,
  },
  lwtOut,
);

/** Models `sk_reuseport_func_proto`. */
const skReuseport: Getter = table(
  {
    sk_select_reuseport: N.sk_select_reuseport,
    skb_load_bytes: N.sk_reuseport_load_bytes,
    skb_load_bytes_relative: N.sk_reuseport_load_bytes_relative,
    get_socket_cookie: N.bpf_get_socket_ptr_cookie,
    ktime_get_coarse_ns: C.bpf_ktime_get_coarse_ns,
  },
  baseFuncProto,
);

/** Models `sk_lookup_func_proto`. */
const skLookup: Getter = table(
  {
    perf_event_output: C.bpf_event_output_data,
    sk_assign: N.bpf_sk_lookup_assign,
    sk_release: N.bpf_sk_release,
  },
  skBaseFuncProto,
);

/** Models `cgroup_dev_func_proto`. */
const cgroupDev: Getter = first(
  cgroupCommon,
  cgroupCurrent,
  table({ perf_event_output: C.bpf_event_output_data }, baseFuncProto),
);

/** Models `sysctl_func_proto`. */
const sysctl: Getter = first(
  cgroupCommon,
  cgroupCurrent,
  table(
    {
      sysctl_get_name: C.bpf_sysctl_get_name,
      sysctl_get_current_value: C.bpf_sysctl_get_current_value,
      sysctl_get_new_value: C.bpf_sysctl_get_new_value,
      sysctl_set_new_value: C.bpf_sysctl_set_new_value,
      ktime_get_coarse_ns: C.bpf_ktime_get_coarse_ns,
      perf_event_output: C.bpf_event_output_data,
    },
    baseFuncProto,
  ),
);

/** Models `cg_sockopt_func_proto`. */
const cgSockopt: Getter = first(
  cgroupCommon,
  cgroupCurrent,
  table(
    {
      get_netns_cookie: C.bpf_get_netns_cookie_sockopt,
      sk_storage_get: C.bpf_sk_storage_get,
      sk_storage_delete: C.bpf_sk_storage_delete,
      setsockopt: (c) => (c.eat === ATTACH.CGROUP_SETSOCKOPT ? N.bpf_sk_setsockopt : undefined),
      getsockopt: (c) => (c.eat === ATTACH.CGROUP_SETSOCKOPT ? N.bpf_sk_getsockopt : undefined),
      tcp_sock: N.bpf_tcp_sock,
      perf_event_output: C.bpf_event_output_data,
    },
    baseFuncProto,
  ),
);

/** Models `bpf_nf_func_proto` (net/netfilter/nf_bpf_link.c). */
const netfilter: Getter = baseFuncProto;

/** Models `bpf_tracing_func_proto` (kernel/trace/bpf_trace.c). */
const tracingBase: Getter = (f, c) => {
  switch (f) {
    case 'get_smp_processor_id':
      return C.bpf_get_smp_processor_id;
    case 'probe_read':
      return readKernelLocked(c) ? undefined : C.bpf_probe_read_compat;
    case 'probe_read_str':
      return readKernelLocked(c) ? undefined : C.bpf_probe_read_compat_str;
    case 'get_func_ip':
      return C.bpf_get_func_ip_tracing;
  }
  const base = baseFuncProto(f, c);
  if (base !== undefined) return base;
  if (f === 'probe_write_user' && c.sysAdmin && !writeUserLocked(c)) return C.bpf_probe_write_user;
  return undefined;
};

const isKprobeMulti = (c: FullCtx): boolean =>
  c.eat === ATTACH.TRACE_KPROBE_MULTI || c.eat === ATTACH.TRACE_KPROBE_SESSION;
const isUprobeMulti = (c: FullCtx): boolean =>
  c.eat === ATTACH.TRACE_UPROBE_MULTI || c.eat === ATTACH.TRACE_UPROBE_SESSION;

/** Models `kprobe_prog_func_proto` (CONFIG_BPF_KPROBE_OVERRIDE off: no `override_return`). */
const kprobe: Getter = table(
  {
    perf_event_output: C.bpf_perf_event_output,
    get_stackid: C.bpf_get_stackid,
    get_stack: (c) => (c.sleepable ? C.bpf_get_stack_sleepable : C.bpf_get_stack),
    get_func_ip: (c) =>
      isKprobeMulti(c)
        ? C.bpf_get_func_ip_kprobe_multi
        : isUprobeMulti(c)
          ? C.bpf_get_func_ip_uprobe_multi
          : C.bpf_get_func_ip_kprobe,
    get_attach_cookie: (c) =>
      isKprobeMulti(c)
        ? C.bpf_get_attach_cookie_kprobe_multi
        : isUprobeMulti(c)
          ? C.bpf_get_attach_cookie_uprobe_multi
          : C.bpf_get_attach_cookie_trace,
  },
  tracingBase,
);

/** Models `tp_prog_func_proto`. */
const tracepoint: Getter = table(
  {
    perf_event_output: C.bpf_perf_event_output_tp,
    get_stackid: C.bpf_get_stackid_tp,
    get_stack: C.bpf_get_stack_tp,
    get_attach_cookie: C.bpf_get_attach_cookie_trace,
  },
  tracingBase,
);

/** Models `pe_prog_func_proto`. */
const perfEvent: Getter = table(
  {
    perf_event_output: C.bpf_perf_event_output_tp,
    get_stackid: C.bpf_get_stackid_pe,
    get_stack: C.bpf_get_stack_pe,
    perf_prog_read_value: C.bpf_perf_prog_read_value,
    read_branch_records: C.bpf_read_branch_records,
    get_attach_cookie: C.bpf_get_attach_cookie_pe,
  },
  tracingBase,
);

/** Models `raw_tp_prog_func_proto`. */
const rawTp: Getter = table(
  {
    perf_event_output: C.bpf_perf_event_output_raw_tp,
    get_stackid: C.bpf_get_stackid_raw_tp,
    get_stack: C.bpf_get_stack_raw_tp,
    get_attach_cookie: C.bpf_get_attach_cookie_tracing,
  },
  tracingBase,
);

/** Models `bpf_prog_has_trampoline`. */
const hasTrampoline = (c: FullCtx): boolean =>
  (c.progType === T.TRACING &&
    (c.eat === ATTACH.TRACE_FENTRY ||
      c.eat === ATTACH.TRACE_FEXIT ||
      c.eat === ATTACH.MODIFY_RETURN ||
      c.eat === ATTACH.TRACE_FSESSION)) ||
  c.progType === T.LSM;

const iter = (proto: HelperProto) => (c: FullCtx) => (c.eat === ATTACH.TRACE_ITER ? proto : undefined);

/** Models `tracing_prog_func_proto` (BPF_PROG_TYPE_TRACING; bpf_iter helpers not modelled). */
const tracingProg: Getter = table(
  {
    skb_output: N.bpf_skb_output,
    xdp_output: N.bpf_xdp_output,
    skc_to_tcp6_sock: N.bpf_skc_to_tcp6_sock,
    skc_to_tcp_sock: N.bpf_skc_to_tcp_sock,
    skc_to_tcp_timewait_sock: N.bpf_skc_to_tcp_timewait_sock,
    skc_to_tcp_request_sock: N.bpf_skc_to_tcp_request_sock,
    skc_to_udp6_sock: N.bpf_skc_to_udp6_sock,
    skc_to_unix_sock: N.bpf_skc_to_unix_sock,
    skc_to_mptcp_sock: N.bpf_skc_to_mptcp_sock,
    sk_storage_get: C.bpf_sk_storage_get_tracing,
    sk_storage_delete: C.bpf_sk_storage_delete_tracing,
    sock_from_file: N.bpf_sock_from_file,
    get_socket_cookie: N.bpf_get_socket_ptr_cookie,
    xdp_get_buff_len: N.bpf_xdp_get_buff_len_trace,
    seq_printf: iter(C.bpf_seq_printf),
    seq_write: iter(C.bpf_seq_write),
    seq_printf_btf: iter(C.bpf_seq_printf_btf),
    d_path: C.bpf_d_path,
    get_func_arg: (c) => (hasTrampoline(c) ? C.bpf_get_func_arg : undefined),
    get_func_ret: (c) => (hasTrampoline(c) ? C.bpf_get_func_ret : undefined),
    get_func_arg_cnt: (c) => (hasTrampoline(c) ? C.bpf_get_func_arg_cnt : undefined),
    get_attach_cookie: (c) =>
      (c.progType === T.TRACING && c.eat === ATTACH.TRACE_RAW_TP) || hasTrampoline(c)
        ? C.bpf_get_attach_cookie_tracing
        : undefined,
  },
  rawTp,
);

/** Models `syscall_prog_func_proto` (kernel/bpf/syscall.c). */
const syscallProg: Getter = table(
  {
    sys_bpf: (c) => (c.perfmon ? C.bpf_sys_bpf : undefined),
    btf_find_by_name_kind: C.bpf_btf_find_by_name_kind,
    sys_close: C.bpf_sys_close,
    kallsyms_lookup_name: C.bpf_kallsyms_lookup_name,
  },
  tracingProg,
);

/** `get_func_proto` by program type. */
const BY_PROG_TYPE: ReadonlyMap<number, Getter> = new Map<number, Getter>([
  [T.SOCKET_FILTER, skFilter],
  [T.KPROBE, kprobe],
  [T.SCHED_CLS, tcClsAct],
  [T.SCHED_ACT, tcClsAct],
  [T.TRACEPOINT, tracepoint],
  [T.XDP, xdp],
  [T.PERF_EVENT, perfEvent],
  [T.CGROUP_SKB, cgSkb],
  [T.CGROUP_SOCK, sockFilter],
  [T.LWT_IN, lwtIn],
  [T.LWT_OUT, lwtOut],
  [T.LWT_XMIT, lwtXmit],
  [T.SOCK_OPS, sockOps],
  [T.SK_SKB, skSkb],
  [T.CGROUP_DEVICE, cgroupDev],
  [T.SK_MSG, skMsg],
  [T.RAW_TRACEPOINT, rawTp],
  [T.CGROUP_SOCK_ADDR, sockAddr],
  [T.LWT_SEG6LOCAL, lwtSeg6local],
  [T.SK_REUSEPORT, skReuseport],
  [T.FLOW_DISSECTOR, flowDissector],
  [T.CGROUP_SYSCTL, sysctl],
  [T.RAW_TRACEPOINT_WRITABLE, rawTp],
  [T.CGROUP_SOCKOPT, cgSockopt],
  [T.TRACING, tracingProg],
  [T.SK_LOOKUP, skLookup],
  [T.SYSCALL, syscallProg],
  [T.NETFILTER, netfilter],
]);

/**
 * The helper prototype `progType` gets for `funcId`, or undefined when the kernel's `get_func_proto`
 * returns NULL (the verifier then prints "program of this type cannot use helper %s#%d"; ids outside
 * [0, __BPF_FUNC_MAX_ID) get "invalid func %s#%d"). Models `bpf_verifier_ops.get_func_proto` for
 * Linux 6.18 (see the file comment for the build options assumed).
 */
export const funcProto: FuncProtoFn = (progType, funcId, ctx): VerifierFuncProto | undefined => {
  const name = helperName(funcId);
  const get = BY_PROG_TYPE.get(progType);
  if (name === undefined || get === undefined) return undefined;
  return get(name.slice(4), fill(progType, ctx));
};

function fill(progType: number, ctx: FuncProtoContext): FullCtx {
  return {
    eat: ctx.expectedAttachType,
    progType,
    bpf: ctx.bpfCapable,
    perfmon: ctx.perfmonCapable,
    sysAdmin: ctx.sysAdminCapable ?? ctx.perfmonCapable,
    sleepable: ctx.sleepable ?? false,
    lockdown: ctx.lockdown ?? 'integrity',
  };
}

/**
 * The helper's name as the verifier log prints it (`bpf_map_lookup_elem`), or undefined when `id` is
 * not in [1, __BPF_FUNC_MAX_ID). Models kernel/bpf/disasm.c `func_id_name` for valid ids.
 */
export function helperName(id: number): string | undefined {
  if (!Number.isInteger(id) || id < 1 || id >= BPF_FUNC_MAX_ID) return undefined;
  const n = BPF_FUNC_NAMES[id];
  return n === undefined ? undefined : `bpf_${n}`;
}

/** `__BPF_FUNC_MAX_ID` (212 in 6.18: the helper list is frozen, new functions are kfuncs). */
export function helperIdMax(): number {
  return BPF_FUNC_MAX_ID;
}
