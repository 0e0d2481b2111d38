/**
 * @fileoverview bpfsim's BPF maps: the map-type registry (kernel/bpf/syscall.c find_and_alloc_map
 * over include/linux/bpf_types.h), every emulated map type, and the map helpers on the VM.
 *
 * ```ts
 * import { mapAlloc, BPF_MAP_TYPE } from './maps/index.js';
 * const m = mapAlloc({ mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 16, mapFlags: 0 },
 *                    { possibleCpus: 2, prandomU32: () => 42 });
 * if (typeof m === 'number') throw new Error(`errno ${-m}`);   // -EINVAL, -E2BIG, ...
 * m.update!(key, value, 0);                                      // 0 or -errno, never throws
 * ```
 */
export { ARENA_CHUNK_SPAN, ValueArena } from './arena.js';
export { ArrayMap, arrayOps, percpuArrayOps } from './arraymap.js';
export { BloomFilter, bloomFilterOps } from './bloom-filter.js';
export { BpfLru } from './bpf-lru.js';
export {
  arrayOfMapsOps,
  FdArray,
  HashOfMaps,
  hashOfMapsOps,
  perfEventArrayOps,
  progArrayOps,
} from './fd-maps.js';
export {
  HashTab,
  type HtabBatchResult,
  htabLruOps,
  htabLruPercpuOps,
  htabOps,
  htabPercpuOps,
} from './hashtab.js';
export { ARG, BPF_FUNC, MAP_HELPER_PROTOS, type MapHelperProto, RET } from './helper-protos.js';
export {
  BPF_F_CURRENT_CPU,
  type MapHelperOptions,
  MapPointers,
  mapHelpers,
  type PerfOutputEvent,
} from './helpers.js';
export { htabMapHash, jhash, jhash2 } from './jhash.js';
export { LpmTrie, trieOps } from './lpm-trie.js';
export type { BpfMap, MapAttr, MapEnv, MapPerfEventRef, MapProgRef, MapTypeOps } from './ops.js';
export { QueueStack, queueOps, stackOps } from './queue-stack.js';
export { MAP_TYPES, mapAlloc, mapAllocCheck, mapTypeOps } from './registry.js';
export { BPF_RB, BPF_RB_QUERY, RingBuf, ringbufOps } from './ringbuf.js';
export { BPF_F, BPF_MAP_TYPE, BPF_UPDATE, type BpfMapType, MAP_TYPE_NAMES } from './uapi.js';
