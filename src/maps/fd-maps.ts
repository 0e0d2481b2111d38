/**
 * @fileoverview Maps whose values are file descriptors turned into kernel objects:
 * BPF_MAP_TYPE_PROG_ARRAY (tail calls), PERF_EVENT_ARRAY, ARRAY_OF_MAPS and HASH_OF_MAPS.
 *
 * Models kernel/bpf/arraymap.c (`fd_array_map_alloc_check`, `bpf_fd_array_map_update_elem`: only
 * BPF_ANY, -E2BIG past the end, then the fd is resolved; `fd_array_map_delete_elem`;
 * `bpf_fd_array_map_lookup_elem`: the object's id, -ENOTSUPP when the type has no
 * `map_fd_sys_lookup_elem`; `prog_array_map_clear` when the last user reference goes;
 * `bpf_prog_map_compatible`'s owner program type), kernel/bpf/map_in_map.c (`bpf_map_meta_alloc`: the
 * inner map template, -EINVAL for a map-in-map inner map, -ENOTSUPP for types without
 * `map_meta_equal`; `bpf_map_meta_equal` / `array_map_meta_equal` when inserting) and
 * kernel/bpf/hashtab.c's `htab_of_maps_map_ops` (`fd_htab_map_alloc_check`, in-place replacement).
 */
import { ERRNO } from '../uapi/errno.js';
import { arrayGetNextKey, arrayMapAllocCheck, SIZEOF_BPF_ARRAY } from './arraymap.js';
import { HashTab, htabMapAllocCheck, htabMemUsageEstimate } from './hashtab.js';
import type { BpfMap, MapAttr, MapEnv, MapPerfEventRef, MapProgRef, MapTypeOps } from './ops.js';
import { guardAlloc, readU32, writeU32 } from './ops.js';
import { BPF_F, BPF_MAP_TYPE, BPF_UPDATE, roundupPowOfTwo } from './uapi.js';

/** The inner-map template of a map-in-map. Models `bpf_map_meta_alloc`'s copy of the inner map. */
export interface InnerMapMeta {
  mapType: number;
  keySize: number;
  valueSize: number;
  mapFlags: number;
  maxEntries: number;
}

function isMapInMap(t: number): boolean {
  return t === BPF_MAP_TYPE.ARRAY_OF_MAPS || t === BPF_MAP_TYPE.HASH_OF_MAPS;
}

/** Models map_in_map.c `bpf_map_meta_alloc`: the template from `inner_map_fd`, or -errno. */
export function bpfMapMetaAlloc(fd: number, env: MapEnv): InnerMapMeta | number {
  const inner = env.mapFromFd ? env.mapFromFd(fd) : -ERRNO.EBADF;
  if (typeof inner === 'number') return inner;
  if (isMapInMap(inner.mapType)) return -ERRNO.EINVAL;
  if (inner.mapType === BPF_MAP_TYPE.PROG_ARRAY) return -ERRNO.ENOTSUPP;
  return {
    mapType: inner.mapType,
    keySize: inner.keySize,
    valueSize: inner.valueSize,
    mapFlags: inner.mapFlags,
    maxEntries: inner.maxEntries,
  };
}

/** Models `bpf_map_meta_equal` (and `array_map_meta_equal` for arrays: max_entries unless BPF_F_INNER_MAP). */
export function bpfMapMetaEqual(meta: InnerMapMeta, map: BpfMap): boolean {
  if (
    meta.mapType !== map.mapType ||
    meta.keySize !== map.keySize ||
    meta.valueSize !== map.valueSize ||
    meta.mapFlags !== map.mapFlags
  )
    return false;
  if (meta.mapType === BPF_MAP_TYPE.ARRAY || meta.mapType === BPF_MAP_TYPE.PERCPU_ARRAY) {
    return meta.mapFlags & BPF_F.INNER_MAP ? true : meta.maxEntries === map.maxEntries;
  }
  return true;
}

/** Models `fd_array_map_alloc_check`: the value is a u32 fd; no program-side access flags. */
export function fdArrayMapAllocCheck(attr: MapAttr, env: MapEnv): number {
  if (attr.valueSize !== 4) return -ERRNO.EINVAL;
  if (attr.mapFlags & (BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG)) return -ERRNO.EINVAL;
  return arrayMapAllocCheck(attr, env);
}

type FdObject = MapProgRef | MapPerfEventRef | BpfMap;

/** An array of kernel objects installed by fd. Models `struct bpf_array` with `ptrs[]`. */
export class FdArray implements BpfMap {
  readonly mapType: number;
  readonly keySize = 4;
  readonly valueSize = 4;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra = 0n;
  readonly sysValueSize = 4;
  /** The inner-map template (array_of_maps). */
  readonly innerMeta: InnerMapMeta | undefined;
  /** prog_array owner (`map->owner`): set by the first program inserted or loaded against the map. */
  owner: { progType: number; jited: boolean } | undefined;
  private readonly ptrs: (FdObject | undefined)[];

  constructor(
    attr: MapAttr,
    private readonly env: MapEnv,
    innerMeta?: InnerMapMeta,
  ) {
    this.mapType = attr.mapType;
    this.maxEntries = attr.maxEntries;
    this.mapFlags = attr.mapFlags;
    this.innerMeta = innerMeta;
    this.ptrs = new Array(attr.maxEntries);
  }

  /** Models `array_map_mem_usage` (elem_size = round_up(4, 8): one pointer per entry). */
  memUsage(): number {
    return SIZEOF_BPF_ARRAY + this.maxEntries * 8;
  }

  count(): number {
    return this.ptrs.reduce((n, p) => (p ? n + 1 : n), 0);
  }

  /** Models `bpf_prog_map_compatible`: the first program sets the owner; later ones must match it. */
  progMapCompatible(prog: MapProgRef): boolean {
    const jited = prog.jited ?? false;
    if (!this.owner) {
      this.owner = { progType: prog.progType, jited };
      return true;
    }
    return this.owner.progType === prog.progType && this.owner.jited === jited;
  }

  /** Models the type's `map_fd_get_ptr`. */
  private getPtr(fd: number): FdObject | number {
    switch (this.mapType) {
      case BPF_MAP_TYPE.PROG_ARRAY: {
        const prog = this.env.progFromFd ? this.env.progFromFd(fd) : -ERRNO.EBADF;
        if (typeof prog === 'number') return prog;
        // BPF_PROG_TYPE_EXT (28) programs cannot be tail-called
        if (prog.progType === 28 || !this.progMapCompatible(prog)) return -ERRNO.EINVAL;
        return prog;
      }
      case BPF_MAP_TYPE.PERF_EVENT_ARRAY: {
        const ev = this.env.perfEventFromFd ? this.env.perfEventFromFd(fd) : -ERRNO.EBADF;
        return ev;
      }
      default: {
        const inner = this.env.mapFromFd ? this.env.mapFromFd(fd) : -ERRNO.EBADF;
        if (typeof inner === 'number') return inner;
        return this.innerMeta && bpfMapMetaEqual(this.innerMeta, inner) ? inner : -ERRNO.EINVAL;
      }
    }
  }

  /** Models `bpf_fd_array_map_update_elem` (the value holds an fd). */
  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags !== BPF_UPDATE.ANY) return -ERRNO.EINVAL;
    const index = readU32(key, 0);
    if (index >= this.maxEntries) return -ERRNO.E2BIG;
    const ptr = this.getPtr(readU32(value, 0) | 0);
    if (typeof ptr === 'number') return ptr;
    this.ptrs[index] = ptr;
    return 0;
  }

  /** Models `bpf_fd_array_map_lookup_elem`: the id of the object (u32), -ENOENT, or -ENOTSUPP. */
  lookup(key: Uint8Array, out?: Uint8Array): Uint8Array | number {
    if (this.mapType === BPF_MAP_TYPE.PERF_EVENT_ARRAY) return -ERRNO.ENOTSUPP;
    const index = readU32(key, 0);
    const p = index < this.maxEntries ? this.ptrs[index] : undefined;
    if (!p) return -ERRNO.ENOENT;
    const id =
      this.mapType === BPF_MAP_TYPE.PROG_ARRAY ? (p as MapProgRef).id : (this.env.mapId?.(p as BpfMap) ?? 0);
    const dst = out ?? new Uint8Array(4);
    writeU32(dst, 0, id);
    return dst;
  }

  /** Models `fd_array_map_delete_elem`. */
  delete(key: Uint8Array): number {
    const index = readU32(key, 0);
    if (index >= this.maxEntries) return -ERRNO.E2BIG;
    if (!this.ptrs[index]) return -ERRNO.ENOENT;
    this.ptrs[index] = undefined;
    return 0;
  }

  progDelete(keyBuf: Uint8Array, keyOff: number): number {
    return this.delete(keyBuf.subarray(keyOff, keyOff + 4));
  }

  /** Models `array_map_get_next_key`. */
  getNextKey(key: Uint8Array | undefined): Uint8Array | number {
    return arrayGetNextKey(this.maxEntries, key);
  }

  /** The object at `index` (tail call target, perf event, inner map), for the helpers. */
  entry(index: number): FdObject | undefined {
    return index >>> 0 < this.maxEntries ? this.ptrs[index >>> 0] : undefined;
  }

  /** Program-side lookup of array_of_maps (`array_of_map_lookup_elem`): the inner map. */
  progLookupMap(keyBuf: Uint8Array, keyOff: number): BpfMap | undefined {
    if (this.mapType !== BPF_MAP_TYPE.ARRAY_OF_MAPS) return undefined;
    return this.entry(readU32(keyBuf, keyOff)) as BpfMap | undefined;
  }

  /**
   * Models `map_release_uref`: a prog_array is cleared when its last user reference goes
   * (`prog_array_map_clear`); a perf_event_array drops its events unless BPF_F_PRESERVE_ELEMS.
   */
  releaseUref(): void {
    if (
      this.mapType === BPF_MAP_TYPE.PROG_ARRAY ||
      (this.mapType === BPF_MAP_TYPE.PERF_EVENT_ARRAY && !(this.mapFlags & BPF_F.PRESERVE_ELEMS))
    )
      this.ptrs.fill(undefined);
  }

  free(): void {
    this.ptrs.fill(undefined);
  }
}

/** hash_of_maps: a hash table whose 4-byte values are handles of inner maps. */
export class HashOfMaps extends HashTab {
  readonly innerMeta: InnerMapMeta;
  private readonly objects = new Map<number, BpfMap>();
  private nextHandle = 1;

  constructor(attr: MapAttr, env: MapEnv, meta: InnerMapMeta) {
    super(attr, env, attr.maxEntries);
    this.innerMeta = meta;
    this.env = env;
  }

  private readonly env: MapEnv;

  /** Models `bpf_fd_htab_map_update_elem`: resolves the fd, then updates in place. */
  override update(key: Uint8Array, value: Uint8Array, flags: number): number {
    const fd = readU32(value, 0) | 0;
    const inner = this.env.mapFromFd ? this.env.mapFromFd(fd) : -ERRNO.EBADF;
    if (typeof inner === 'number') return inner;
    if (!bpfMapMetaEqual(this.innerMeta, inner)) return -ERRNO.EINVAL;
    const old = super.lookup(key);
    const h = this.nextHandle++;
    const v = new Uint8Array(4);
    writeU32(v, 0, h);
    const r = super.update(key, v, flags);
    if (r) return r;
    if (typeof old !== 'number') this.objects.delete(readU32(old, 0));
    this.objects.set(h, inner);
    return 0;
  }

  /** Models `bpf_fd_htab_map_lookup_elem`: the inner map's id. */
  override lookup(key: Uint8Array, out?: Uint8Array): Uint8Array | number {
    const m = this.innerOf(key, 0);
    if (!m) return -ERRNO.ENOENT;
    const dst = out ?? new Uint8Array(4);
    writeU32(dst, 0, this.env.mapId?.(m) ?? 0);
    return dst;
  }

  override delete(key: Uint8Array): number {
    const h = super.lookup(key);
    const r = super.delete(key);
    if (!r && typeof h !== 'number') this.objects.delete(readU32(h, 0));
    return r;
  }

  private innerOf(keyBuf: Uint8Array, keyOff: number): BpfMap | undefined {
    const h = super.lookup(keyBuf.subarray(keyOff, keyOff + this.keySize));
    return typeof h === 'number' ? undefined : this.objects.get(readU32(h, 0));
  }

  /** Program-side lookup (`htab_of_map_lookup_elem`): the inner map. */
  progLookupMap(keyBuf: Uint8Array, keyOff: number): BpfMap | undefined {
    return this.innerOf(keyBuf, keyOff);
  }
}

function fdArrayAlloc(attr: MapAttr, env: MapEnv): BpfMap | number {
  if (attr.mapType === BPF_MAP_TYPE.ARRAY_OF_MAPS) {
    const meta = bpfMapMetaAlloc(attr.innerMapFd ?? 0, env);
    if (typeof meta === 'number') return meta;
    return guardAlloc(() => new FdArray(attr, env, meta));
  }
  return guardAlloc(() => new FdArray(attr, env));
}

const fdArrayEstimate = (attr: MapAttr) => SIZEOF_BPF_ARRAY + attr.maxEntries * 8;

/** Models arraymap.c `prog_array_map_ops`. */
export const progArrayOps: MapTypeOps = {
  name: 'prog_array',
  allocCheck: fdArrayMapAllocCheck,
  alloc: fdArrayAlloc,
  memUsageEstimate: fdArrayEstimate,
};
/** Models arraymap.c `perf_event_array_map_ops`. */
export const perfEventArrayOps: MapTypeOps = {
  name: 'perf_event_array',
  allocCheck: fdArrayMapAllocCheck,
  alloc: fdArrayAlloc,
  memUsageEstimate: fdArrayEstimate,
};
/** Models arraymap.c `array_of_maps_map_ops`. */
export const arrayOfMapsOps: MapTypeOps = {
  name: 'array_of_maps',
  allocCheck: fdArrayMapAllocCheck,
  alloc: fdArrayAlloc,
  memUsageEstimate: fdArrayEstimate,
};
/** Models hashtab.c `htab_of_maps_map_ops` (`fd_htab_map_alloc_check`, `htab_of_map_alloc`). */
export const hashOfMapsOps: MapTypeOps = {
  name: 'hash_of_maps',
  allocCheck: (attr, env) => (attr.valueSize !== 4 ? -ERRNO.EINVAL : htabMapAllocCheck(attr, env)),
  alloc: (attr, env) => {
    const meta = bpfMapMetaAlloc(attr.innerMapFd ?? 0, env);
    if (typeof meta === 'number') return meta;
    if (attr.maxEntries > 2 ** 31 || roundupPowOfTwo(attr.maxEntries) > Math.floor(0xffffffff / 16))
      return -ERRNO.E2BIG;
    return guardAlloc(() => new HashOfMaps(attr, env, meta));
  },
  memUsageEstimate: htabMemUsageEstimate,
};
