/**
 * @fileoverview The enumeration tables and naming rules of the scenario format, as the reference
 * oracle (shared/tools/kernel-oracle/bpf_oracle.py) defines them: map and program type names
 * (`enum bpf_map_type`, `enum bpf_prog_type` in include/uapi/linux/bpf.h, Linux 6.18), the
 * per-CPU map types whose values are sized per possible CPU, and the errno names the oracle prints
 * (Python's `errno.errorcode`).
 */
import { errnoName } from '../../uapi/errno.js';
import { BPF_CMD } from '../attr/commands.js';

/** `enum bpf_map_type` names in number order, lowercase without `BPF_MAP_TYPE_` (oracle `MAP_TYPES`). */
export const MAP_TYPE_NAMES = [
  'unspec',
  'hash',
  'array',
  'prog_array',
  'perf_event_array',
  'percpu_hash',
  'percpu_array',
  'stack_trace',
  'cgroup_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
  'array_of_maps',
  'hash_of_maps',
  'devmap',
  'sockmap',
  'cpumap',
  'xskmap',
  'sockhash',
  'cgroup_storage',
  'reuseport_sockarray',
  'percpu_cgroup_storage',
  'queue',
  'stack',
  'sk_storage',
  'devmap_hash',
  'struct_ops',
  'ringbuf',
  'inode_storage',
  'task_storage',
  'bloom_filter',
  'user_ringbuf',
  'cgrp_storage',
  'arena',
  'insn_array',
] as const;

/** `enum bpf_prog_type` names in number order, lowercase without `BPF_PROG_TYPE_` (oracle `PROG_TYPES`). */
export const PROG_TYPE_NAMES = [
  'unspec',
  'socket_filter',
  'kprobe',
  'sched_cls',
  'sched_act',
  'tracepoint',
  'xdp',
  'perf_event',
  'cgroup_skb',
  'cgroup_sock',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'sock_ops',
  'sk_skb',
  'cgroup_device',
  'sk_msg',
  'raw_tracepoint',
  'cgroup_sock_addr',
  'lwt_seg6local',
  'lirc_mode2',
  'sk_reuseport',
  'flow_dissector',
  'cgroup_sysctl',
  'raw_tracepoint_writable',
  'cgroup_sockopt',
  'tracing',
  'struct_ops',
  'ext',
  'lsm',
  'sk_lookup',
  'syscall',
  'netfilter',
] as const;

/**
 * Map types whose syscall-side values hold one `round_up(value_size, 8)` slot per possible CPU
 * (kernel/bpf/syscall.c `bpf_map_value_size`; the oracle's `PERCPU_MAPS`): percpu_hash,
 * percpu_array, lru_percpu_hash, percpu_cgroup_storage.
 */
export const PERCPU_MAP_TYPES: ReadonlySet<number> = new Set([5, 6, 10, 21]);

/**
 * Map types whose GET_NEXT_KEY order depends on a per-map random hash seed unless the map is
 * created with `BPF_F_ZERO_SEED` (kernel/bpf/hashtab.c `htab_map_alloc` draws `hashrnd` with
 * `get_random_u32()`; net/core/sock_map.c `sock_hash_alloc` likewise): hash, percpu_hash,
 * lru_hash, lru_percpu_hash, hash_of_maps, sockhash.
 */
export const SEEDED_HASH_MAP_TYPES: ReadonlySet<number> = new Set([1, 5, 9, 10, 13, 18]);

/** bpf() commands whose non-negative return value is a new file descriptor (kernel/bpf/syscall.c). */
export const FD_RETURNING_CMDS: ReadonlySet<number> = new Set([
  BPF_CMD.MAP_CREATE,
  BPF_CMD.PROG_LOAD,
  BPF_CMD.OBJ_GET,
  BPF_CMD.PROG_GET_FD_BY_ID,
  BPF_CMD.MAP_GET_FD_BY_ID,
  BPF_CMD.RAW_TRACEPOINT_OPEN,
  BPF_CMD.BTF_LOAD,
  BPF_CMD.BTF_GET_FD_BY_ID,
  BPF_CMD.LINK_CREATE,
  BPF_CMD.LINK_GET_FD_BY_ID,
  BPF_CMD.ITER_CREATE,
  BPF_CMD.TOKEN_CREATE,
]);

/** `BPF_F_ZERO_SEED` (include/uapi/linux/bpf.h): a hash map with a zero seed iterates deterministically. */
export const BPF_F_ZERO_SEED = 0x40;

/** `BPF_PSEUDO_MAP_FD` (include/uapi/linux/bpf.h): the `src_reg` of an LD_IMM64 that loads a map by fd. */
export const BPF_PSEUDO_MAP_FD = 1;

/**
 * Resolves an enumeration given as the kernel's number or as a name, the way the oracle's
 * `enum_val` does: case-insensitive, with an optional `bpf_map_type_`/`bpf_prog_type_` prefix.
 * Returns `undefined` for an unknown name.
 */
export function enumValue(v: number | string, table: readonly string[]): number | undefined {
  if (typeof v === 'number') return v;
  let s = v.toLowerCase();
  for (const pfx of ['bpf_map_type_', 'bpf_prog_type_']) if (s.startsWith(pfx)) s = s.slice(pfx.length);
  const i = table.indexOf(s);
  return i < 0 ? undefined : i;
}

/** Names Python's `errno.errorcode` gives where it differs from the first name in src/uapi/errno.ts. */
const PYTHON_ERRNO_NAMES: Readonly<Record<number, string>> = {
  35: 'EDEADLOCK',
  95: 'ENOTSUP',
  524: '524',
};

/** The errno name the oracle prints for `-ret` (`errno.errorcode.get(e, str(e))`). */
export function oracleErrnoName(errno: number): string {
  const e = Math.abs(errno);
  return PYTHON_ERRNO_NAMES[e] ?? errnoName(e) ?? String(e);
}

/** `strerror()` texts (glibc) for the errnos a file operation of the oracle can report. */
const STRERROR: Readonly<Record<number, string>> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  5: 'Input/output error',
  9: 'Bad file descriptor',
  12: 'Cannot allocate memory',
  13: 'Permission denied',
  16: 'Device or resource busy',
  20: 'Not a directory',
  21: 'Is a directory',
  22: 'Invalid argument',
  24: 'Too many open files',
  28: 'No space left on device',
  30: 'Read-only file system',
  34: 'Numerical result out of range',
};

/** glibc's `strerror(errno)`, as Python's `OSError.strerror` shows it. */
export function strerror(errno: number): string {
  const e = Math.abs(errno);
  return STRERROR[e] ?? `Unknown error ${e}`;
}

/** The text of a Python `OSError` for a file operation: `[Errno 2] No such file or directory: '/p'`. */
export function pythonOsError(errno: number, path?: string): string {
  const e = Math.abs(errno);
  return `[Errno ${e}] ${strerror(e)}${path === undefined ? '' : `: '${path}'`}`;
}
