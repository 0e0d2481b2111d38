/**
 * @fileoverview The contract between the bpf() syscall layer, the VM's helpers and the map types.
 *
 * Models include/linux/bpf.h `struct bpf_map_ops` and `struct bpf_map`: a map type is a
 * {@link MapTypeOps} (alloc_check + alloc, registered in registry.ts like kernel/bpf/syscall.c
 * find_and_alloc_map) and an allocated map is a {@link BpfMap} whose optional methods are the
 * remaining ops. A missing method means the kernel has no such op for that type; where the kernel
 * implements an op only to refuse it (array delete → -EINVAL, ringbuf lookup → -ENOTSUPP) the method
 * exists and returns that errno.
 *
 * Conventions: keys and values are raw bytes (Uint8Array, little-endian as on x86_64); results are
 * 0/bytes or a negative errno; user mistakes never throw. Per-CPU maps take and return, through the
 * syscall-facing methods, `round_up(value_size, 8) * possibleCpus` bytes (bpf_percpu_*_copy/update).
 * The program-facing methods (`prog*`) work on one CPU's value inside the map's {@link ValueArena}.
 */
import type { ValueArena } from './arena.js';

/** The fields of `union bpf_attr` that BPF_MAP_CREATE hands to a map type (include/uapi/linux/bpf.h). */
export interface MapAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
  /** `map_extra` (bloom filter: number of hash functions in the low 4 bits). */
  mapExtra?: bigint;
  /** Meaningful only with BPF_F_NUMA_NODE. */
  numaNode?: number;
  /** `inner_map_fd` for array_of_maps / hash_of_maps. */
  innerMapFd?: number;
}

/** What the kernel layer provides to map allocation (the kernel's globals, made explicit). */
export interface MapEnv {
  /** `num_possible_cpus()`. */
  readonly possibleCpus: number;
  /** `get_random_u32()`: hash seeds (htab->hashrnd, bloom filter seed). */
  prandomU32(): number;
  /** `capable(CAP_SYS_ADMIN)`; treated as true when absent (root). */
  capSysAdmin?(): boolean;
  /**
   * Resolves a map fd (map-in-map `inner_map_fd`, map fd values of array_of_maps/hash_of_maps): the map
   * or -EBADF. Absent: every fd is -EBADF.
   */
  mapFromFd?(fd: number): BpfMap | number;
  /** Resolves a program fd for prog_array values: the program or -EBADF (bad fd) / -EINVAL (not a program). */
  progFromFd?(fd: number): MapProgRef | number;
  /** The id the kernel layer gave a map (what a map-in-map lookup returns through the syscall). */
  mapId?(map: BpfMap): number;
  /** Resolves a perf event fd for perf_event_array values: the event or -EBADF. */
  perfEventFromFd?(fd: number): MapPerfEventRef | number;
}

/** A perf event a perf_event_array slot can hold (kernel/events: the event's bound CPU). */
export interface MapPerfEventRef {
  /** The CPU the event counts on (`event->oncpu`); bpf_perf_event_output needs it to equal the current CPU. */
  readonly cpu: number;
}

/** The part of a loaded program a prog_array needs (kernel/bpf/arraymap.c prog_fd_array_get_ptr). */
export interface MapProgRef {
  readonly id: number;
  readonly progType: number;
  /** Whether the program was JITed (bpf_prog_map_compatible compares it with the owner's). */
  readonly jited?: boolean;
  /** The loaded program object the VM runs on a tail call (opaque here). */
  readonly program?: unknown;
}

/** An allocated map: models `struct bpf_map` plus its `bpf_map_ops`. */
export interface BpfMap {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  /** After type adjustments (LRU NO_COMMON_LRU rounds it to a multiple of possibleCpus). */
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra: bigint;
  /** Bytes of a value as the bpf() syscall copies it (per-CPU: round_up(value_size, 8) * ncpus). */
  readonly sysValueSize: number;
  /** Program-visible value storage, for map types whose lookup returns a pointer. */
  readonly arena?: ValueArena;

  /** Models `map_mem_usage` (fdinfo `memlock`). */
  memUsage(): number;
  /** Models `map_free`: drops every element (the kernel layer calls it when the last reference goes). */
  free?(): void;
  /** Models `map_release_uref` (prog_array: clear entries when the last user fd closes). */
  releaseUref?(): void;

  /** Syscall lookup (`bpf_map_copy_value`): the value (a copy, or written into `out`) or -errno. */
  lookup?(key: Uint8Array, out?: Uint8Array): Uint8Array | number;
  /** Syscall update (`bpf_map_update_value`, per-CPU: all CPUs). */
  update?(key: Uint8Array, value: Uint8Array, flags: number): number;
  /** Models `map_delete_elem`. */
  delete?(key: Uint8Array): number;
  /** Models `map_get_next_key`; `undefined` key asks for the first key. */
  getNextKey?(key: Uint8Array | undefined): Uint8Array | number;
  /** Models `map_lookup_and_delete_elem` (hash types; queue/stack use {@link pop}). */
  lookupAndDelete?(key: Uint8Array, flags: number): Uint8Array | number;
  /** Models `map_push_elem` (queue, stack, bloom filter: add). */
  push?(value: Uint8Array, flags: number): number;
  /** Models `map_pop_elem`. */
  pop?(): Uint8Array | number;
  /** Models `map_peek_elem` (bloom filter: membership test of `value`, 0 or -ENOENT). */
  peek?(value?: Uint8Array): Uint8Array | number;
  /** Number of elements (for bench/tests and `map_mem_usage` of NO_PREALLOC hashes). */
  count?(): number;
  /**
   * Hash types: models `__htab_map_lookup_and_delete_batch` (bucket cursor). See HashTab.lookupBatch.
   */
  lookupBatch?(
    inBatch: number | undefined,
    maxCount: number,
    doDelete: boolean,
  ): { ret: number; keys: Uint8Array[]; values: Uint8Array[]; outBatch: number | undefined };
  /** Bytes of typed-array storage the emulated map holds now (keys, links, values), for `bench maps`. */
  storageBytes?(): number;

  /**
   * Program-side `bpf_map_lookup_elem` (`map_lookup_elem` op): the location of the CPU's value in
   * {@link arena} (`ValueArena.loc`), or -1 for NULL. The key is `keySize` bytes at `keyOff` in `keyBuf`.
   */
  progLookup?(keyBuf: Uint8Array, keyOff: number, cpu: number): number;
  /** Program-side `bpf_map_update_elem`: `valueSize` bytes at `valOff`, this CPU only. */
  progUpdate?(
    keyBuf: Uint8Array,
    keyOff: number,
    valBuf: Uint8Array,
    valOff: number,
    flags: number,
    cpu: number,
  ): number;
  /** Program-side `bpf_map_delete_elem`. */
  progDelete?(keyBuf: Uint8Array, keyOff: number): number;
  /** Program-side `bpf_map_lookup_percpu_elem` (`map_lookup_percpu_elem` op). */
  progLookupPercpu?(keyBuf: Uint8Array, keyOff: number, cpu: number): number;
  /**
   * Models `map_for_each_callback`: calls `cb(key, valueLocation)` for each element in the kernel's
   * walk order until it returns non-zero; returns the number of elements visited.
   */
  forEach?(cpu: number, cb: (key: Uint8Array, valueOff: number) => number): number;
}

/** A registry entry: models the type-level half of `struct bpf_map_ops` (map_alloc_check, map_alloc). */
export interface MapTypeOps {
  /** The name bpftool prints. */
  readonly name: string;
  /** Models `map_alloc_check`: 0 or -errno. */
  allocCheck?(attr: MapAttr, env: MapEnv): number;
  /** Models `map_alloc`: the map or -errno. */
  alloc(attr: MapAttr, env: MapEnv): BpfMap | number;
  /**
   * The `map_mem_usage` the map will report right after `alloc` (what the kernel charges to the memcg
   * while allocating), computed without allocating. Call after a successful `allocCheck`.
   */
  memUsageEstimate?(attr: MapAttr, env: MapEnv): number;
}

/** Models `bpf_map_attr_numa_node`: the node when BPF_F_NUMA_NODE is set, else NUMA_NO_NODE (-1). */
export function attrNumaNode(attr: MapAttr): number {
  return attr.mapFlags & (1 << 2) ? (attr.numaNode ?? 0) : -1;
}

/** Compares `len` bytes of two buffers at offsets (memcmp() == 0). */
export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/** Reads a little-endian u32 at `off`. */
export function readU32(buf: Uint8Array, off: number): number {
  return (
    ((buf[off] ?? 0) |
      ((buf[off + 1] ?? 0) << 8) |
      ((buf[off + 2] ?? 0) << 16) |
      ((buf[off + 3] ?? 0) << 24)) >>>
    0
  );
}

/** Writes a little-endian u32 at `off`. */
export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

/**
 * Runs a map allocation, turning a JavaScript allocation failure (RangeError: array too large, out
 * of memory) into -ENOMEM, as `bpf_map_area_alloc` failing does in the kernel.
 */
export function guardAlloc<T>(fn: () => T | number): T | number {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) return -12;
    throw e;
  }
}
