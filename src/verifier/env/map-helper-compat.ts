/**
 * @fileoverview Which helpers accept which map types.
 *
 * Models `check_map_func_compatibility` and `may_update_sockmap` of kernel/bpf/verifier.c (Linux 6.18):
 * a two-way check, first from the map's side (the helpers a map type allows), then from the helper's
 * side (the map types a helper accepts). A refusal is printed as
 * "cannot pass map_type %d into func %s#%d", preceded by "cannot update sockmap in this context" when
 * a sockmap/sockhash update or delete comes from a program type that may hold a locked socket.
 */
import { BPF_MAP_TYPE as M } from '../../maps/uapi.js';
import { BPF_PROG_TYPE as T } from '../../progs/types.js';
import { BPF_ATTACH } from '../../uapi/bpf-attach-types.js';
import { BPF_FUNC as H } from '../../uapi/bpf-helpers.js';
import { helperName } from './helper-protos.js';

/** The ring buffer helpers (a ringbuf map allows exactly these, and they accept only it). */
const RINGBUF_FUNCS: readonly number[] = [
  H.ringbuf_output,
  H.ringbuf_reserve,
  H.ringbuf_query,
  H.ringbuf_reserve_dynptr,
  H.ringbuf_submit_dynptr,
  H.ringbuf_discard_dynptr,
];

/** The helpers a map type allows; map types not listed allow every helper. First half of the check. */
export const MAP_ALLOWED_HELPERS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>(
  [
    [M.PROG_ARRAY, [H.tail_call]],
    [
      M.PERF_EVENT_ARRAY,
      [H.perf_event_read, H.perf_event_output, H.skb_output, H.perf_event_read_value, H.xdp_output],
    ],
    [M.RINGBUF, RINGBUF_FUNCS],
    [M.USER_RINGBUF, [H.user_ringbuf_drain]],
    [M.STACK_TRACE, [H.get_stackid]],
    [M.CGROUP_ARRAY, [H.skb_under_cgroup, H.current_task_under_cgroup]],
    [M.CGROUP_STORAGE, [H.get_local_storage]],
    [M.PERCPU_CGROUP_STORAGE, [H.get_local_storage]],
    [M.DEVMAP, [H.redirect_map, H.map_lookup_elem]],
    [M.DEVMAP_HASH, [H.redirect_map, H.map_lookup_elem]],
    [M.CPUMAP, [H.redirect_map]],
    [M.XSKMAP, [H.redirect_map, H.map_lookup_elem]],
    [M.ARRAY_OF_MAPS, [H.map_lookup_elem]],
    [M.HASH_OF_MAPS, [H.map_lookup_elem]],
    [
      M.SOCKMAP,
      [H.sk_redirect_map, H.sock_map_update, H.msg_redirect_map, H.sk_select_reuseport, H.map_lookup_elem],
    ],
    [
      M.SOCKHASH,
      [H.sk_redirect_hash, H.sock_hash_update, H.msg_redirect_hash, H.sk_select_reuseport, H.map_lookup_elem],
    ],
    [M.REUSEPORT_SOCKARRAY, [H.sk_select_reuseport]],
    [M.QUEUE, [H.map_peek_elem, H.map_pop_elem, H.map_push_elem]],
    [M.STACK, [H.map_peek_elem, H.map_pop_elem, H.map_push_elem]],
    [M.SK_STORAGE, [H.sk_storage_get, H.sk_storage_delete, H.kptr_xchg]],
    [M.INODE_STORAGE, [H.inode_storage_get, H.inode_storage_delete, H.kptr_xchg]],
    [M.TASK_STORAGE, [H.task_storage_get, H.task_storage_delete, H.kptr_xchg]],
    [M.CGRP_STORAGE, [H.cgrp_storage_get, H.cgrp_storage_delete, H.kptr_xchg]],
    [M.BLOOM_FILTER, [H.map_peek_elem, H.map_push_elem]],
  ],
);

/** The map types a helper accepts; helpers not listed accept every map type. Second half of the check. */
export const HELPER_ALLOWED_MAPS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>(
  [
    [H.tail_call, [M.PROG_ARRAY]],
    ...[H.perf_event_read, H.perf_event_output, H.perf_event_read_value, H.skb_output, H.xdp_output].map(
      (f): [number, number[]] => [f, [M.PERF_EVENT_ARRAY]],
    ),
    ...RINGBUF_FUNCS.map((f): [number, number[]] => [f, [M.RINGBUF]]),
    [H.user_ringbuf_drain, [M.USER_RINGBUF]],
    [H.get_stackid, [M.STACK_TRACE]],
    [H.current_task_under_cgroup, [M.CGROUP_ARRAY]],
    [H.skb_under_cgroup, [M.CGROUP_ARRAY]],
    [H.redirect_map, [M.DEVMAP, M.DEVMAP_HASH, M.CPUMAP, M.XSKMAP]],
    ...[H.sk_redirect_map, H.msg_redirect_map, H.sock_map_update].map((f): [number, number[]] => [
      f,
      [M.SOCKMAP],
    ]),
    ...[H.sk_redirect_hash, H.msg_redirect_hash, H.sock_hash_update].map((f): [number, number[]] => [
      f,
      [M.SOCKHASH],
    ]),
    [H.get_local_storage, [M.CGROUP_STORAGE, M.PERCPU_CGROUP_STORAGE]],
    [H.sk_select_reuseport, [M.REUSEPORT_SOCKARRAY, M.SOCKMAP, M.SOCKHASH]],
    [H.map_pop_elem, [M.QUEUE, M.STACK]],
    [H.map_peek_elem, [M.QUEUE, M.STACK, M.BLOOM_FILTER]],
    [H.map_push_elem, [M.QUEUE, M.STACK, M.BLOOM_FILTER]],
    [H.map_lookup_percpu_elem, [M.PERCPU_ARRAY, M.PERCPU_HASH, M.LRU_PERCPU_HASH]],
    [H.sk_storage_get, [M.SK_STORAGE]],
    [H.sk_storage_delete, [M.SK_STORAGE]],
    [H.inode_storage_get, [M.INODE_STORAGE]],
    [H.inode_storage_delete, [M.INODE_STORAGE]],
    [H.task_storage_get, [M.TASK_STORAGE]],
    [H.task_storage_delete, [M.TASK_STORAGE]],
    [H.cgrp_storage_get, [M.CGRP_STORAGE]],
    [H.cgrp_storage_delete, [M.CGRP_STORAGE]],
  ],
);

/** The program whose call is checked: `may_update_sockmap` looks at its type and attach type. */
export interface CompatProg {
  /** `resolve_prog_type(env->prog)`: for EXT programs, the target's type. */
  readonly progType: number;
  /** `prog->expected_attach_type`. */
  readonly expectedAttachType: number;
}

/** The verdict of the check: ok, or the log lines the kernel prints before failing with EINVAL. */
export type CompatResult = { readonly ok: true } | { readonly ok: false; readonly log: readonly string[] };

/** Models `may_update_sockmap`: sockmap/sockhash update and delete outside the helpers made for it. */
function mayUpdateSockmap(prog: CompatProg, funcId: number): { ok: boolean; log: string[] } {
  if (funcId !== H.map_update_elem && funcId !== H.map_delete_elem) return { ok: false, log: [] };
  switch (prog.progType) {
    case T.TRACING:
      if (prog.expectedAttachType === BPF_ATTACH.TRACE_ITER) return { ok: true, log: [] };
      break;
    case T.SOCK_OPS:
      if (funcId === H.map_delete_elem) return { ok: true, log: [] };
      break;
    case T.SOCKET_FILTER:
    case T.SCHED_CLS:
    case T.SCHED_ACT:
    case T.XDP:
    case T.SK_REUSEPORT:
    case T.FLOW_DISSECTOR:
    case T.SK_LOOKUP:
      return { ok: true, log: [] };
  }
  return { ok: false, log: ['cannot update sockmap in this context'] };
}

/**
 * Whether `funcId` may take a map of `mapType` (its ARG_CONST_MAP_PTR argument). Models
 * `check_map_func_compatibility` without the tail-call/subprogram mixing check, which needs the
 * whole program ("mixing of tail_calls and bpf-to-bpf calls is not supported").
 */
export function checkMapFuncCompatibility(prog: CompatProg, mapType: number, funcId: number): CompatResult {
  const fail = (pre: readonly string[] = []): CompatResult => ({
    ok: false,
    log: [...pre, `cannot pass map_type ${mapType} into func ${helperName(funcId) ?? 'unknown'}#${funcId}`],
  });
  const allowed = MAP_ALLOWED_HELPERS.get(mapType);
  if (allowed !== undefined && !allowed.includes(funcId)) {
    if (mapType !== M.SOCKMAP && mapType !== M.SOCKHASH) return fail();
    const upd = mayUpdateSockmap(prog, funcId);
    if (!upd.ok) return fail(upd.log);
  }
  const maps = HELPER_ALLOWED_MAPS.get(funcId);
  if (maps !== undefined && !maps.includes(mapType)) return fail();
  return { ok: true };
}
