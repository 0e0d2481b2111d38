/**
 * @fileoverview Map-related constants of the bpf() UAPI. Models include/uapi/linux/bpf.h
 * (enum bpf_map_type, the BPF_F_* map_create flags, the element update flags) and the few kernel
 * limits the map implementations check (include/linux/percpu.h, include/linux/slab.h).
 */

/** Map type numbers. Models include/uapi/linux/bpf.h `enum bpf_map_type` (Linux 6.18). */
export const BPF_MAP_TYPE = {
  UNSPEC: 0,
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  CGROUP_ARRAY: 8,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  SOCKMAP: 15,
  CPUMAP: 16,
  XSKMAP: 17,
  SOCKHASH: 18,
  CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE: 21,
  QUEUE: 22,
  STACK: 23,
  SK_STORAGE: 24,
  DEVMAP_HASH: 25,
  STRUCT_OPS: 26,
  RINGBUF: 27,
  INODE_STORAGE: 28,
  TASK_STORAGE: 29,
  BLOOM_FILTER: 30,
  USER_RINGBUF: 31,
  CGRP_STORAGE: 32,
  ARENA: 33,
  INSN_ARRAY: 34,
} as const;
/** A map type number. */
export type BpfMapType = (typeof BPF_MAP_TYPE)[keyof typeof BPF_MAP_TYPE];

/** Lower-case names as bpftool prints them (tools/lib/bpf/libbpf.c `map_type_name`). */
export const MAP_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'unspec',
  1: 'hash',
  2: 'array',
  3: 'prog_array',
  4: 'perf_event_array',
  5: 'percpu_hash',
  6: 'percpu_array',
  7: 'stack_trace',
  8: 'cgroup_array',
  9: 'lru_hash',
  10: 'lru_percpu_hash',
  11: 'lpm_trie',
  12: 'array_of_maps',
  13: 'hash_of_maps',
  14: 'devmap',
  15: 'sockmap',
  16: 'cpumap',
  17: 'xskmap',
  18: 'sockhash',
  19: 'cgroup_storage',
  20: 'reuseport_sockarray',
  21: 'percpu_cgroup_storage',
  22: 'queue',
  23: 'stack',
  24: 'sk_storage',
  25: 'devmap_hash',
  26: 'struct_ops',
  27: 'ringbuf',
  28: 'inode_storage',
  29: 'task_storage',
  30: 'bloom_filter',
  31: 'user_ringbuf',
  32: 'cgrp_storage',
  33: 'arena',
  34: 'insn_array',
};

/** `map_create` flags. Models include/uapi/linux/bpf.h (the anonymous enum of BPF_F_*). */
export const BPF_F = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  CLONE: 1 << 9,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
  LINK: 1 << 13,
  PATH_FD: 1 << 14,
  VTYPE_BTF_OBJ_FD: 1 << 15,
  TOKEN_FD: 1 << 16,
  SEGV_ON_FAULT: 1 << 17,
  NO_USER_CONV: 1 << 18,
} as const;

/** Models include/linux/bpf.h `BPF_F_ACCESS_MASK`. */
export const BPF_F_ACCESS_MASK = BPF_F.RDONLY | BPF_F.RDONLY_PROG | BPF_F.WRONLY | BPF_F.WRONLY_PROG;

/** Element update flags (`attr->flags` of BPF_MAP_UPDATE_ELEM). Models include/uapi/linux/bpf.h. */
export const BPF_UPDATE = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
  F_LOCK: 4,
} as const;

/** `NUMA_NO_NODE` (include/linux/numa.h). */
export const NUMA_NO_NODE = -1;
/** Models include/linux/percpu.h `PCPU_MIN_UNIT_SIZE` (32 KiB). */
export const PCPU_MIN_UNIT_SIZE = 32 << 10;
/** Models include/linux/slab.h `KMALLOC_MAX_SIZE` on x86_64 (1 << (MAX_PAGE_ORDER + PAGE_SHIFT)). */
export const KMALLOC_MAX_SIZE = 1 << 22;
/** `PAGE_SIZE` on x86_64. */
export const PAGE_SIZE = 4096;
/** `INT_MAX`. */
export const INT_MAX = 0x7fffffff;

/** Models include/linux/bpf.h `bpf_map_flags_access_ok`: RDONLY_PROG and WRONLY_PROG are exclusive. */
export function bpfMapFlagsAccessOk(flags: number): boolean {
  const both = BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG;
  return (flags & both) !== both;
}

/** Models include/linux/math.h `round_up(x, 8)` for sizes (no overflow below 2^53). */
export function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Models include/linux/mm.h `PAGE_ALIGN`. */
export function pageAlign(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/** Models include/linux/log2.h `roundup_pow_of_two` for 1 <= n <= 2^31. */
export function roundupPowOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
