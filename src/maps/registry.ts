/**
 * @fileoverview The map-type registry. Models kernel/bpf/syscall.c `find_and_alloc_map` over the
 * table generated from include/linux/bpf_types.h (`BPF_MAP_TYPE(_id, _ops)`): a map type number
 * selects its ops; an unknown or unsupported type is -EINVAL; `map_alloc_check` runs before
 * `map_alloc`.
 */
import { ERRNO } from '../uapi/errno.js';
import { arrayOps, percpuArrayOps } from './arraymap.js';
import { bloomFilterOps } from './bloom-filter.js';
import { arrayOfMapsOps, hashOfMapsOps, perfEventArrayOps, progArrayOps } from './fd-maps.js';
import { htabLruOps, htabLruPercpuOps, htabOps, htabPercpuOps } from './hashtab.js';
import { trieOps } from './lpm-trie.js';
import type { BpfMap, MapAttr, MapEnv, MapTypeOps } from './ops.js';
import { queueOps, stackOps } from './queue-stack.js';
import { ringbufOps } from './ringbuf.js';
import { BPF_MAP_TYPE, type BpfMapType } from './uapi.js';

/** Map types this emulator implements, by number. Models include/linux/bpf_types.h. */
export const MAP_TYPES = {
  [BPF_MAP_TYPE.HASH]: htabOps,
  [BPF_MAP_TYPE.ARRAY]: arrayOps,
  [BPF_MAP_TYPE.PROG_ARRAY]: progArrayOps,
  [BPF_MAP_TYPE.PERF_EVENT_ARRAY]: perfEventArrayOps,
  [BPF_MAP_TYPE.PERCPU_HASH]: htabPercpuOps,
  [BPF_MAP_TYPE.PERCPU_ARRAY]: percpuArrayOps,
  [BPF_MAP_TYPE.LRU_HASH]: htabLruOps,
  [BPF_MAP_TYPE.LRU_PERCPU_HASH]: htabLruPercpuOps,
  [BPF_MAP_TYPE.LPM_TRIE]: trieOps,
  [BPF_MAP_TYPE.ARRAY_OF_MAPS]: arrayOfMapsOps,
  [BPF_MAP_TYPE.HASH_OF_MAPS]: hashOfMapsOps,
  [BPF_MAP_TYPE.QUEUE]: queueOps,
  [BPF_MAP_TYPE.STACK]: stackOps,
  [BPF_MAP_TYPE.RINGBUF]: ringbufOps,
  [BPF_MAP_TYPE.BLOOM_FILTER]: bloomFilterOps,
} satisfies Partial<Record<BpfMapType, MapTypeOps>>;

/** The ops of a map type, or `undefined` when the type is unknown or not emulated. */
export function mapTypeOps(mapType: number): MapTypeOps | undefined {
  return (MAP_TYPES as Partial<Record<number, MapTypeOps>>)[mapType];
}

/** Models the type half of `find_and_alloc_map`: -EINVAL for an unknown type, else `map_alloc_check`. */
export function mapAllocCheck(attr: MapAttr, env: MapEnv): number {
  const ops = mapTypeOps(attr.mapType);
  if (!ops) return -ERRNO.EINVAL;
  return ops.allocCheck ? ops.allocCheck(attr, env) : 0;
}

/** Models `find_and_alloc_map`: alloc_check then alloc; the map or -errno. */
export function mapAlloc(attr: MapAttr, env: MapEnv): BpfMap | number {
  const ops = mapTypeOps(attr.mapType);
  if (!ops) return -ERRNO.EINVAL;
  if (ops.allocCheck) {
    const err = ops.allocCheck(attr, env);
    if (err) return err;
  }
  return ops.alloc(attr, env);
}
