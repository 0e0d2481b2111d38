/**
 * @fileoverview Prototypes of the non-networking helpers, by the kernel's `*_proto` variable name.
 *
 * Models the `struct bpf_func_proto` definitions of kernel/bpf/helpers.c, kernel/bpf/core.c
 * (`bpf_tail_call_proto`), kernel/bpf/ringbuf.c, kernel/bpf/bpf_iter.c (`bpf_for_each_map_elem_proto`,
 * `bpf_loop_proto`), kernel/bpf/stackmap.c, kernel/bpf/cgroup.c, kernel/bpf/local_storage.c,
 * kernel/bpf/bpf_task_storage.c, kernel/bpf/bpf_cgrp_storage.c, kernel/bpf/syscall.c, kernel/bpf/btf.c,
 * net/core/bpf_sk_storage.c, net/core/sock_map.c and kernel/trace/bpf_trace.c (Linux 6.18).
 */
import { ARG as A, RET as R } from './arg-types.js';
import { F, type ProtoMap, p } from './helper-proto-builder.js';

const INT = R.RET_INTEGER;
const VOID = R.RET_VOID;
const MAP = A.ARG_CONST_MAP_PTR;
const ANY = A.ARG_ANYTHING;
const CTX = A.ARG_PTR_TO_CTX;
const MEM_RO = A.ARG_PTR_TO_MEM | F.MEM_RDONLY;
const MEM_RO_OR_NULL = A.ARG_PTR_TO_MEM | F.PTR_MAYBE_NULL | F.MEM_RDONLY;
const UNINIT = A.ARG_PTR_TO_UNINIT_MEM;
const SIZE = A.ARG_CONST_SIZE;
const SIZE0 = A.ARG_CONST_SIZE_OR_ZERO;
const BTF = A.ARG_PTR_TO_BTF_ID;
/** `ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED` (the former ARG_PTR_TO_LONG). */
const OUT_U64 = A.ARG_PTR_TO_FIXED_SIZE_MEM | F.MEM_UNINIT | F.MEM_WRITE | F.MEM_ALIGNED;
const U64_AT_4: readonly [number, number, number, number, number] = [0, 0, 0, 8, 0];

/** Prototypes of the map, time, string, timer, dynptr, ring buffer and tracing helpers. */
export const CORE_PROTOS = {
  // kernel/bpf/helpers.c
  bpf_map_lookup_elem: p('map_lookup_elem', R.RET_PTR_TO_MAP_VALUE_OR_NULL, [MAP, A.ARG_PTR_TO_MAP_KEY], {
    pkt: true,
  }),
  bpf_map_update_elem: p('map_update_elem', INT, [MAP, A.ARG_PTR_TO_MAP_KEY, A.ARG_PTR_TO_MAP_VALUE, ANY], {
    pkt: true,
  }),
  bpf_map_delete_elem: p('map_delete_elem', INT, [MAP, A.ARG_PTR_TO_MAP_KEY], { pkt: true }),
  bpf_map_push_elem: p('map_push_elem', INT, [MAP, A.ARG_PTR_TO_MAP_VALUE, ANY], { pkt: true }),
  bpf_map_pop_elem: p('map_pop_elem', INT, [MAP, A.ARG_PTR_TO_MAP_VALUE | F.MEM_UNINIT | F.MEM_WRITE]),
  bpf_map_peek_elem: p('map_peek_elem', INT, [MAP, A.ARG_PTR_TO_MAP_VALUE | F.MEM_UNINIT | F.MEM_WRITE]),
  bpf_map_lookup_percpu_elem: p(
    'map_lookup_percpu_elem',
    R.RET_PTR_TO_MAP_VALUE_OR_NULL,
    [MAP, A.ARG_PTR_TO_MAP_KEY, ANY],
    { pkt: true },
  ),
  bpf_get_prandom_u32: p('get_prandom_u32', INT, []),
  bpf_get_smp_processor_id: p('get_smp_processor_id', INT, []),
  bpf_get_raw_smp_processor_id: p('get_smp_processor_id', INT, []),
  bpf_get_numa_node_id: p('get_numa_node_id', INT, []),
  bpf_ktime_get_ns: p('ktime_get_ns', INT, []),
  bpf_ktime_get_boot_ns: p('ktime_get_boot_ns', INT, []),
  bpf_ktime_get_coarse_ns: p('ktime_get_coarse_ns', INT, []),
  bpf_ktime_get_tai_ns: p('ktime_get_tai_ns', INT, []),
  bpf_get_current_pid_tgid: p('get_current_pid_tgid', INT, []),
  bpf_get_current_uid_gid: p('get_current_uid_gid', INT, []),
  bpf_get_current_comm: p('get_current_comm', INT, [UNINIT, SIZE]),
  bpf_spin_lock: p('spin_lock', VOID, [A.ARG_PTR_TO_SPIN_LOCK]),
  bpf_spin_unlock: p('spin_unlock', VOID, [A.ARG_PTR_TO_SPIN_LOCK]),
  bpf_jiffies64: p('jiffies64', INT, []),
  bpf_get_current_cgroup_id: p('get_current_cgroup_id', INT, []),
  bpf_get_current_ancestor_cgroup_id: p('get_current_ancestor_cgroup_id', INT, [ANY]),
  bpf_strtol: p('strtol', INT, [MEM_RO, SIZE, ANY, OUT_U64], { sizes: U64_AT_4 }),
  bpf_strtoul: p('strtoul', INT, [MEM_RO, SIZE, ANY, OUT_U64], { sizes: U64_AT_4 }),
  bpf_strncmp: p('strncmp', INT, [MEM_RO, SIZE, A.ARG_PTR_TO_CONST_STR]),
  bpf_get_ns_current_pid_tgid: p('get_ns_current_pid_tgid', INT, [ANY, ANY, UNINIT, SIZE]),
  bpf_event_output_data: p('perf_event_output', INT, [CTX, MAP, ANY, MEM_RO, SIZE0], { gpl: true }),
  bpf_copy_from_user: p('copy_from_user', INT, [UNINIT, SIZE0, ANY], { sleep: true }),
  bpf_copy_from_user_task: p('copy_from_user_task', INT, [UNINIT, SIZE0, ANY, BTF, ANY], {
    gpl: true,
    sleep: true,
  }),
  bpf_per_cpu_ptr: p('per_cpu_ptr', R.RET_PTR_TO_MEM_OR_BTF_ID | F.PTR_MAYBE_NULL | F.MEM_RDONLY, [
    A.ARG_PTR_TO_PERCPU_BTF_ID,
    ANY,
  ]),
  bpf_this_cpu_ptr: p('this_cpu_ptr', R.RET_PTR_TO_MEM_OR_BTF_ID | F.MEM_RDONLY, [
    A.ARG_PTR_TO_PERCPU_BTF_ID,
  ]),
  bpf_snprintf: p(
    'snprintf',
    INT,
    [A.ARG_PTR_TO_MEM_OR_NULL, SIZE0, A.ARG_PTR_TO_CONST_STR, MEM_RO_OR_NULL, SIZE0],
    {
      gpl: true,
    },
  ),
  bpf_timer_init: p('timer_init', INT, [A.ARG_PTR_TO_TIMER, MAP, ANY], { gpl: true }),
  bpf_timer_set_callback: p('timer_set_callback', INT, [A.ARG_PTR_TO_TIMER, A.ARG_PTR_TO_FUNC], {
    gpl: true,
  }),
  bpf_timer_start: p('timer_start', INT, [A.ARG_PTR_TO_TIMER, ANY, ANY], { gpl: true }),
  bpf_timer_cancel: p('timer_cancel', INT, [A.ARG_PTR_TO_TIMER], { gpl: true }),
  bpf_kptr_xchg: p('kptr_xchg', R.RET_PTR_TO_BTF_ID_OR_NULL, [
    A.ARG_KPTR_XCHG_DEST,
    A.ARG_PTR_TO_BTF_ID_OR_NULL | F.OBJ_RELEASE,
  ]),
  bpf_dynptr_from_mem: p('dynptr_from_mem', INT, [
    UNINIT,
    SIZE0,
    ANY,
    A.ARG_PTR_TO_DYNPTR | F.DYNPTR_TYPE_LOCAL | F.MEM_UNINIT | F.MEM_WRITE,
  ]),
  bpf_dynptr_read: p('dynptr_read', INT, [UNINIT, SIZE0, A.ARG_PTR_TO_DYNPTR | F.MEM_RDONLY, ANY, ANY]),
  bpf_dynptr_write: p('dynptr_write', INT, [A.ARG_PTR_TO_DYNPTR | F.MEM_RDONLY, ANY, MEM_RO, SIZE0, ANY]),
  bpf_dynptr_data: p('dynptr_data', R.RET_PTR_TO_DYNPTR_MEM_OR_NULL, [
    A.ARG_PTR_TO_DYNPTR | F.MEM_RDONLY,
    ANY,
    A.ARG_CONST_ALLOC_SIZE_OR_ZERO,
  ]),
  bpf_current_task_under_cgroup: p('current_task_under_cgroup', INT, [MAP, ANY]),
  bpf_get_cgroup_classid_curr: p('get_cgroup_classid', INT, []),
  // kernel/bpf/core.c
  bpf_tail_call: p('tail_call', VOID, [CTX, MAP, ANY]),
  // kernel/bpf/ringbuf.c
  bpf_ringbuf_output: p('ringbuf_output', INT, [MAP, MEM_RO, SIZE0, ANY]),
  bpf_ringbuf_reserve: p('ringbuf_reserve', R.RET_PTR_TO_RINGBUF_MEM_OR_NULL, [
    MAP,
    A.ARG_CONST_ALLOC_SIZE_OR_ZERO,
    ANY,
  ]),
  bpf_ringbuf_submit: p('ringbuf_submit', VOID, [A.ARG_PTR_TO_RINGBUF_MEM | F.OBJ_RELEASE, ANY]),
  bpf_ringbuf_discard: p('ringbuf_discard', VOID, [A.ARG_PTR_TO_RINGBUF_MEM | F.OBJ_RELEASE, ANY]),
  bpf_ringbuf_query: p('ringbuf_query', INT, [MAP, ANY]),
  bpf_ringbuf_reserve_dynptr: p('ringbuf_reserve_dynptr', INT, [
    MAP,
    ANY,
    ANY,
    A.ARG_PTR_TO_DYNPTR | F.DYNPTR_TYPE_RINGBUF | F.MEM_UNINIT | F.MEM_WRITE,
  ]),
  bpf_ringbuf_submit_dynptr: p('ringbuf_submit_dynptr', VOID, [
    A.ARG_PTR_TO_DYNPTR | F.DYNPTR_TYPE_RINGBUF | F.OBJ_RELEASE,
    ANY,
  ]),
  bpf_ringbuf_discard_dynptr: p('ringbuf_discard_dynptr', VOID, [
    A.ARG_PTR_TO_DYNPTR | F.DYNPTR_TYPE_RINGBUF | F.OBJ_RELEASE,
    ANY,
  ]),
  bpf_user_ringbuf_drain: p('user_ringbuf_drain', INT, [
    MAP,
    A.ARG_PTR_TO_FUNC,
    A.ARG_PTR_TO_STACK_OR_NULL,
    ANY,
  ]),
  // kernel/bpf/bpf_iter.c
  bpf_for_each_map_elem: p('for_each_map_elem', INT, [
    MAP,
    A.ARG_PTR_TO_FUNC,
    A.ARG_PTR_TO_STACK_OR_NULL,
    ANY,
  ]),
  bpf_loop: p('loop', INT, [ANY, A.ARG_PTR_TO_FUNC, A.ARG_PTR_TO_STACK_OR_NULL, ANY]),
  // kernel/bpf/bpf_task_storage.c, bpf_cgrp_storage.c, local_storage.c
  bpf_task_storage_get: p('task_storage_get', R.RET_PTR_TO_MAP_VALUE_OR_NULL, [
    MAP,
    A.ARG_PTR_TO_BTF_ID_OR_NULL,
    A.ARG_PTR_TO_MAP_VALUE_OR_NULL,
    ANY,
  ]),
  bpf_task_storage_get_recur: p('task_storage_get', R.RET_PTR_TO_MAP_VALUE_OR_NULL, [
    MAP,
    A.ARG_PTR_TO_BTF_ID_OR_NULL,
    A.ARG_PTR_TO_MAP_VALUE_OR_NULL,
    ANY,
  ]),
  bpf_task_storage_delete: p('task_storage_delete', INT, [MAP, A.ARG_PTR_TO_BTF_ID_OR_NULL]),
  bpf_task_storage_delete_recur: p('task_storage_delete', INT, [MAP, A.ARG_PTR_TO_BTF_ID_OR_NULL]),
  bpf_cgrp_storage_get: p('cgrp_storage_get', R.RET_PTR_TO_MAP_VALUE_OR_NULL, [
    MAP,
    A.ARG_PTR_TO_BTF_ID_OR_NULL,
    A.ARG_PTR_TO_MAP_VALUE_OR_NULL,
    ANY,
  ]),
  bpf_cgrp_storage_delete: p('cgrp_storage_delete', INT, [MAP, A.ARG_PTR_TO_BTF_ID_OR_NULL]),
  bpf_get_local_storage: p('get_local_storage', R.RET_PTR_TO_MAP_VALUE, [MAP, ANY]),
  // net/core/bpf_sk_storage.c
  bpf_sk_storage_get: p('sk_storage_get', R.RET_PTR_TO_MAP_VALUE_OR_NULL, [
    MAP,
    A.ARG_PTR_TO_BTF_ID_SOCK_COMMON,
    A.ARG_PTR_TO_MAP_VALUE_OR_NULL,
    ANY,
  ]),
  bpf_sk_storage_get_cg_sock: p('sk_storage_get', R.RET_PTR_TO_MAP_VALUE_OR_NULL, [
    MAP,
    CTX,
    A.ARG_PTR_TO_MAP_VALUE_OR_NULL,
    ANY,
  ]),
  bpf_sk_storage_get_tracing: p(
    'sk_storage_get',
    R.RET_PTR_TO_MAP_VALUE_OR_NULL,
    [MAP, A.ARG_PTR_TO_BTF_ID_OR_NULL, A.ARG_PTR_TO_MAP_VALUE_OR_NULL, ANY],
    { restricted: true },
  ),
  bpf_sk_storage_delete: p('sk_storage_delete', INT, [MAP, A.ARG_PTR_TO_BTF_ID_SOCK_COMMON]),
  bpf_sk_storage_delete_tracing: p('sk_storage_delete', INT, [MAP, A.ARG_PTR_TO_BTF_ID_OR_NULL], {
    restricted: true,
  }),
  // net/core/sock_map.c
  bpf_sock_map_update: p('sock_map_update', INT, [CTX, MAP, A.ARG_PTR_TO_MAP_KEY, ANY]),
  bpf_sock_hash_update: p('sock_hash_update', INT, [CTX, MAP, A.ARG_PTR_TO_MAP_KEY, ANY]),
  bpf_sk_redirect_map: p('sk_redirect_map', INT, [CTX, MAP, ANY, ANY]),
  bpf_sk_redirect_hash: p('sk_redirect_hash', INT, [CTX, MAP, A.ARG_PTR_TO_MAP_KEY, ANY]),
  bpf_msg_redirect_map: p('msg_redirect_map', INT, [CTX, MAP, ANY, ANY]),
  bpf_msg_redirect_hash: p('msg_redirect_hash', INT, [CTX, MAP, A.ARG_PTR_TO_MAP_KEY, ANY]),
  // kernel/bpf/cgroup.c
  bpf_get_retval: p('get_retval', INT, []),
  bpf_set_retval: p('set_retval', INT, [ANY]),
  bpf_sysctl_get_name: p('sysctl_get_name', INT, [CTX, A.ARG_PTR_TO_MEM | F.MEM_WRITE, SIZE, ANY]),
  bpf_sysctl_get_current_value: p('sysctl_get_current_value', INT, [CTX, UNINIT, SIZE]),
  bpf_sysctl_get_new_value: p('sysctl_get_new_value', INT, [CTX, UNINIT, SIZE]),
  bpf_sysctl_set_new_value: p('sysctl_set_new_value', INT, [CTX, MEM_RO, SIZE]),
  bpf_get_netns_cookie_sockopt: p('get_netns_cookie', INT, [A.ARG_PTR_TO_CTX_OR_NULL]),
  // kernel/bpf/syscall.c, kernel/bpf/btf.c
  bpf_sys_bpf: p('sys_bpf', INT, [ANY, MEM_RO, SIZE]),
  bpf_sys_close: p('sys_close', INT, [ANY]),
  bpf_kallsyms_lookup_name: p('kallsyms_lookup_name', INT, [A.ARG_PTR_TO_MEM, SIZE0, ANY, OUT_U64], {
    sizes: U64_AT_4,
  }),
  bpf_btf_find_by_name_kind: p('btf_find_by_name_kind', INT, [MEM_RO, SIZE, ANY, ANY]),
  // kernel/bpf/stackmap.c
  bpf_get_stackid: p('get_stackid', INT, [CTX, MAP, ANY], { gpl: true }),
  bpf_get_stack: p('get_stack', INT, [CTX, UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_get_stack_sleepable: p('get_stack', INT, [CTX, UNINIT, SIZE0, ANY], { gpl: true, sleep: true }),
  bpf_get_task_stack: p('get_task_stack', INT, [BTF, UNINIT, SIZE0, ANY]),
  bpf_get_task_stack_sleepable: p('get_task_stack', INT, [BTF, UNINIT, SIZE0, ANY], { sleep: true }),
  bpf_get_stackid_pe: p('get_stackid', INT, [CTX, MAP, ANY]),
  bpf_get_stack_pe: p('get_stack', INT, [CTX, UNINIT, SIZE0, ANY], { gpl: true }),
  // kernel/trace/bpf_trace.c
  bpf_trace_printk: p('trace_printk', INT, [MEM_RO, SIZE], { gpl: true }),
  bpf_trace_vprintk: p('trace_vprintk', INT, [MEM_RO, SIZE, MEM_RO_OR_NULL, SIZE0], { gpl: true }),
  bpf_get_current_task: p('get_current_task', INT, [], { gpl: true }),
  bpf_get_current_task_btf: p('get_current_task_btf', R.RET_PTR_TO_BTF_ID_TRUSTED, [], { gpl: true }),
  bpf_task_pt_regs: p('task_pt_regs', R.RET_PTR_TO_BTF_ID, [BTF], { gpl: true }),
  bpf_probe_read_user: p('probe_read_user', INT, [UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_probe_read_user_str: p('probe_read_user_str', INT, [UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_probe_read_kernel: p('probe_read_kernel', INT, [UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_probe_read_kernel_str: p('probe_read_kernel_str', INT, [UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_probe_read_compat: p('probe_read', INT, [UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_probe_read_compat_str: p('probe_read_str', INT, [UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_probe_write_user: p('probe_write_user', INT, [ANY, MEM_RO, SIZE], { gpl: true }),
  bpf_perf_event_read: p('perf_event_read', INT, [MAP, ANY], { gpl: true }),
  bpf_perf_event_read_value: p('perf_event_read_value', INT, [MAP, ANY, UNINIT, SIZE], { gpl: true }),
  bpf_perf_event_output: p('perf_event_output', INT, [CTX, MAP, ANY, MEM_RO, SIZE0], { gpl: true }),
  bpf_perf_event_output_tp: p('perf_event_output', INT, [CTX, MAP, ANY, MEM_RO, SIZE0], { gpl: true }),
  bpf_perf_event_output_raw_tp: p('perf_event_output', INT, [CTX, MAP, ANY, MEM_RO, SIZE0], { gpl: true }),
  bpf_get_stackid_tp: p('get_stackid', INT, [CTX, MAP, ANY], { gpl: true }),
  bpf_get_stack_tp: p('get_stack', INT, [CTX, UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_get_stackid_raw_tp: p('get_stackid', INT, [CTX, MAP, ANY], { gpl: true }),
  bpf_get_stack_raw_tp: p('get_stack', INT, [CTX, A.ARG_PTR_TO_MEM | F.MEM_WRITE, SIZE0, ANY], { gpl: true }),
  bpf_perf_prog_read_value: p('perf_prog_read_value', INT, [CTX, UNINIT, SIZE], { gpl: true }),
  bpf_read_branch_records: p('read_branch_records', INT, [CTX, A.ARG_PTR_TO_MEM_OR_NULL, SIZE0, ANY], {
    gpl: true,
  }),
  bpf_send_signal: p('send_signal', INT, [ANY]),
  bpf_send_signal_thread: p('send_signal_thread', INT, [ANY]),
  bpf_snprintf_btf: p('snprintf_btf', INT, [A.ARG_PTR_TO_MEM | F.MEM_WRITE, SIZE, MEM_RO, SIZE, ANY]),
  bpf_get_branch_snapshot: p('get_branch_snapshot', INT, [UNINIT, SIZE0, ANY], { gpl: true }),
  bpf_find_vma: p('find_vma', INT, [BTF, ANY, A.ARG_PTR_TO_FUNC, A.ARG_PTR_TO_STACK_OR_NULL, ANY]),
  bpf_get_func_ip_tracing: p('get_func_ip', INT, [CTX], { gpl: true }),
  bpf_get_func_ip_kprobe: p('get_func_ip', INT, [CTX], { gpl: true }),
  bpf_get_func_ip_kprobe_multi: p('get_func_ip', INT, [CTX], { gpl: true }),
  bpf_get_func_ip_uprobe_multi: p('get_func_ip', INT, [CTX], { gpl: true }),
  bpf_get_attach_cookie_trace: p('get_attach_cookie', INT, [CTX]),
  bpf_get_attach_cookie_pe: p('get_attach_cookie', INT, [CTX]),
  bpf_get_attach_cookie_tracing: p('get_attach_cookie', INT, [CTX]),
  bpf_get_attach_cookie_kprobe_multi: p('get_attach_cookie', INT, [CTX]),
  bpf_get_attach_cookie_uprobe_multi: p('get_attach_cookie', INT, [CTX]),
  bpf_override_return: p('override_return', INT, [CTX, ANY], { gpl: true }),
  bpf_d_path: p('d_path', INT, [BTF, A.ARG_PTR_TO_MEM | F.MEM_WRITE, SIZE0], { restricted: true }),
  bpf_seq_printf: p('seq_printf', INT, [BTF, MEM_RO, SIZE, MEM_RO_OR_NULL, SIZE0], { gpl: true }),
  bpf_seq_write: p('seq_write', INT, [BTF, MEM_RO, SIZE0], { gpl: true }),
  bpf_seq_printf_btf: p('seq_printf_btf', INT, [BTF, MEM_RO, SIZE0, ANY], { gpl: true }),
  bpf_get_func_arg: p('get_func_arg', INT, [CTX, ANY, OUT_U64], { sizes: [0, 0, 8, 0, 0] }),
  bpf_get_func_ret: p('get_func_ret', INT, [CTX, OUT_U64], { sizes: [0, 8, 0, 0, 0] }),
  bpf_get_func_arg_cnt: p('get_func_arg_cnt', INT, [CTX]),
} as const satisfies ProtoMap;
