/**
 * @fileoverview BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY.
 *
 * Models kernel/bpf/arraymap.c: `array_map_alloc_check`, `array_map_alloc` (root bypasses the
 * Spectre v1 power-of-two rounding, so max_entries is kept), `array_map_update_elem`,
 * `bpf_percpu_array_update`/`bpf_percpu_array_copy`, `array_map_delete_elem` (-EINVAL),
 * `array_map_get_next_key` and `array_map_mem_usage`. Values sit in one arena at
 * `index * round_up(value_size, 8)` (per-CPU: `(index * ncpus + cpu) * round_up(value_size, 8)`).
 */
import { ERRNO } from '../uapi/errno.js';
import { ValueArena } from './arena.js';
import type { BpfMap, MapAttr, MapEnv, MapTypeOps } from './ops.js';
import { attrNumaNode, guardAlloc, readU32, writeU32 } from './ops.js';
import {
  BPF_F,
  BPF_F_ACCESS_MASK,
  BPF_MAP_TYPE,
  BPF_UPDATE,
  bpfMapFlagsAccessOk,
  INT_MAX,
  PCPU_MIN_UNIT_SIZE,
  pageAlign,
  roundUp8,
} from './uapi.js';

/** Models arraymap.c `ARRAY_CREATE_FLAG_MASK`. */
export const ARRAY_CREATE_FLAG_MASK =
  BPF_F.NUMA_NODE | BPF_F.MMAPABLE | BPF_F_ACCESS_MASK | BPF_F.PRESERVE_ELEMS | BPF_F.INNER_MAP;

/** sizeof(struct bpf_array) on x86_64 6.18 (array fdinfo memlock = 312 + entries * elem_size). */
export const SIZEOF_BPF_ARRAY = 312;

/** Models arraymap.c `array_map_alloc_check` (also used by the fd arrays). */
export function arrayMapAllocCheck(attr: MapAttr, _env?: MapEnv): number {
  const percpu = attr.mapType === BPF_MAP_TYPE.PERCPU_ARRAY;
  const numaNode = attrNumaNode(attr);
  if (
    attr.maxEntries === 0 ||
    attr.keySize !== 4 ||
    attr.valueSize === 0 ||
    attr.mapFlags & ~ARRAY_CREATE_FLAG_MASK ||
    !bpfMapFlagsAccessOk(attr.mapFlags) ||
    (percpu && numaNode !== -1)
  )
    return -ERRNO.EINVAL;
  if (attr.mapType !== BPF_MAP_TYPE.ARRAY && attr.mapFlags & (BPF_F.MMAPABLE | BPF_F.INNER_MAP))
    return -ERRNO.EINVAL;
  if (attr.mapType !== BPF_MAP_TYPE.PERF_EVENT_ARRAY && attr.mapFlags & BPF_F.PRESERVE_ELEMS)
    return -ERRNO.EINVAL;
  if (attr.valueSize > INT_MAX) return -ERRNO.E2BIG;
  if (percpu && roundUp8(attr.valueSize) > PCPU_MIN_UNIT_SIZE) return -ERRNO.E2BIG;
  return 0;
}

/** Models arraymap.c `array_map_get_next_key` (shared by every array-like map). */
export function arrayGetNextKey(maxEntries: number, key: Uint8Array | undefined): Uint8Array | number {
  const index = key ? readU32(key, 0) : 0xffffffff;
  const next = new Uint8Array(4);
  if (index >= maxEntries) {
    writeU32(next, 0, 0);
    return next;
  }
  if (index === maxEntries - 1) return -ERRNO.ENOENT;
  writeU32(next, 0, index + 1);
  return next;
}

/** An allocated ARRAY or PERCPU_ARRAY. Models `struct bpf_array`. */
export class ArrayMap implements BpfMap {
  readonly mapType: number;
  readonly keySize = 4;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra = 0n;
  readonly sysValueSize: number;
  readonly arena: ValueArena;
  /** `array->elem_size`. */
  readonly elemSize: number;
  readonly percpu: boolean;
  readonly ncpus: number;
  private readonly stride: number;

  constructor(attr: MapAttr, env: MapEnv) {
    this.mapType = attr.mapType;
    this.valueSize = attr.valueSize;
    this.maxEntries = attr.maxEntries;
    this.mapFlags = attr.mapFlags;
    this.ncpus = env.possibleCpus;
    this.percpu = attr.mapType === BPF_MAP_TYPE.PERCPU_ARRAY;
    this.elemSize = roundUp8(attr.valueSize);
    this.stride = this.percpu ? this.elemSize * this.ncpus : this.elemSize;
    this.sysValueSize = this.percpu ? this.stride : this.valueSize;
    this.arena = new ValueArena(this.stride, this.maxEntries, (attr.mapFlags & BPF_F.MMAPABLE) !== 0);
  }

  /** Models `array_map_mem_usage`. */
  memUsage(): number {
    const entries = this.maxEntries;
    if (this.percpu) return SIZEOF_BPF_ARRAY + entries * 8 + entries * this.elemSize * this.ncpus;
    if (this.mapFlags & BPF_F.MMAPABLE)
      return pageAlign(SIZEOF_BPF_ARRAY) + pageAlign(entries * this.elemSize);
    return SIZEOF_BPF_ARRAY + entries * this.elemSize;
  }

  count(): number {
    return this.maxEntries;
  }

  storageBytes(): number {
    return this.arena.byteLength();
  }

  /**
   * Models `array_map_mmap`: the values as one page-aligned byte array user space maps (BPF_F_MMAPABLE
   * only; the emulator's mmap shares it, so writes on either side are seen by the other).
   */
  mmapBytes(): Uint8Array | undefined {
    if (!(this.mapFlags & BPF_F.MMAPABLE)) return undefined;
    return this.arena.chunkOf(0);
  }

  /** Syscall lookup: `array_map_lookup_elem` + copy, or `bpf_percpu_array_copy`. */
  lookup(key: Uint8Array, out?: Uint8Array): Uint8Array | number {
    const index = readU32(key, 0);
    if (index >= this.maxEntries) return -ERRNO.ENOENT;
    const dst = out ?? new Uint8Array(this.sysValueSize);
    const base = this.arena.offsetOf(index);
    dst.set(this.arena.chunkOf(index).subarray(base, base + this.sysValueSize));
    return dst;
  }

  /** Models `array_map_lookup_elem` / `percpu_array_map_lookup_elem` from a program. */
  progLookup(keyBuf: Uint8Array, keyOff: number, cpu: number): number {
    const index =
      (keyBuf[keyOff]! |
        (keyBuf[keyOff + 1]! << 8) |
        (keyBuf[keyOff + 2]! << 16) |
        (keyBuf[keyOff + 3]! << 24)) >>>
      0;
    if (index >= this.maxEntries) return -1;
    return this.arena.loc(index, this.percpu ? cpu * this.elemSize : 0);
  }

  /** Models `percpu_array_map_lookup_percpu_elem`. */
  progLookupPercpu(keyBuf: Uint8Array, keyOff: number, cpu: number): number {
    if (!this.percpu || cpu >= this.ncpus) return -1;
    return this.progLookup(keyBuf, keyOff, cpu);
  }

  /** Syscall update: `array_map_update_elem` or `bpf_percpu_array_update` (all CPUs). */
  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const index = readU32(key, 0);
    if (this.percpu) {
      if (flags > BPF_UPDATE.EXIST) return -ERRNO.EINVAL;
      if (index >= this.maxEntries) return -ERRNO.E2BIG;
      if (flags === BPF_UPDATE.NOEXIST) return -ERRNO.EEXIST;
      this.arena.chunkOf(index).set(value.subarray(0, this.stride), this.arena.offsetOf(index));
      return 0;
    }
    return this.progUpdate(key, 0, value, 0, flags, 0);
  }

  /** Models `array_map_update_elem` (per-CPU from a program: this CPU's value). */
  progUpdate(
    keyBuf: Uint8Array,
    keyOff: number,
    valBuf: Uint8Array,
    valOff: number,
    flags: number,
    cpu: number,
  ): number {
    if ((flags & ~BPF_UPDATE.F_LOCK) > BPF_UPDATE.EXIST) return -ERRNO.EINVAL;
    const index = readU32(keyBuf, keyOff);
    if (index >= this.maxEntries) return -ERRNO.E2BIG;
    if (flags & BPF_UPDATE.NOEXIST) return -ERRNO.EEXIST;
    // BPF_F_LOCK needs a bpf_spin_lock in the value (BTF); emulated maps carry no BTF record
    if (flags & BPF_UPDATE.F_LOCK) return -ERRNO.EINVAL;
    const off = this.arena.offsetOf(index) + (this.percpu ? cpu * this.elemSize : 0);
    this.arena.chunkOf(index).set(valBuf.subarray(valOff, valOff + this.valueSize), off);
    return 0;
  }

  /** Models `array_map_delete_elem`: arrays cannot delete. */
  delete(_key: Uint8Array): number {
    return -ERRNO.EINVAL;
  }

  progDelete(_keyBuf: Uint8Array, _keyOff: number): number {
    return -ERRNO.EINVAL;
  }

  /** Models `array_map_get_next_key`. */
  getNextKey(key: Uint8Array | undefined): Uint8Array | number {
    return arrayGetNextKey(this.maxEntries, key);
  }

  /** Models `bpf_for_each_array_elem`. */
  forEach(cpu: number, cb: (key: Uint8Array, valueOff: number) => number): number {
    let n = 0;
    for (let i = 0; i < this.maxEntries; i++) {
      const key = new Uint8Array(4);
      writeU32(key, 0, i);
      n++;
      if (cb(key, this.arena.loc(i, this.percpu ? cpu * this.elemSize : 0))) break;
    }
    return n;
  }
}

/** Models arraymap.c `array_map_mem_usage` from the map's parameters. */
export function arrayMemUsage(
  mapType: number,
  mapFlags: number,
  valueSize: number,
  entries: number,
  ncpus: number,
): number {
  const elemSize = roundUp8(valueSize);
  if (mapType === BPF_MAP_TYPE.PERCPU_ARRAY)
    return SIZEOF_BPF_ARRAY + entries * 8 + entries * elemSize * ncpus;
  if (mapFlags & BPF_F.MMAPABLE) return pageAlign(SIZEOF_BPF_ARRAY) + pageAlign(entries * elemSize);
  return SIZEOF_BPF_ARRAY + entries * elemSize;
}

function arrayMemUsageEstimate(attr: MapAttr, env: MapEnv): number {
  return arrayMemUsage(attr.mapType, attr.mapFlags, attr.valueSize, attr.maxEntries, env.possibleCpus);
}

function arrayMapAlloc(attr: MapAttr, env: MapEnv): BpfMap | number {
  return guardAlloc(() => {
    const m = new ArrayMap(attr, env);
    // an mmap()able array is one contiguous area, allocated up front as array_map_alloc does
    if (attr.mapFlags & BPF_F.MMAPABLE) m.arena.chunkOf(0);
    return m;
  });
}

/** Models arraymap.c `array_map_ops`. */
export const arrayOps: MapTypeOps = {
  name: 'array',
  allocCheck: arrayMapAllocCheck,
  alloc: arrayMapAlloc,
  memUsageEstimate: arrayMemUsageEstimate,
};
/** Models arraymap.c `percpu_array_map_ops`. */
export const percpuArrayOps: MapTypeOps = {
  name: 'percpu_array',
  allocCheck: arrayMapAllocCheck,
  alloc: arrayMapAlloc,
  memUsageEstimate: arrayMemUsageEstimate,
};
