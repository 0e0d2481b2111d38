/**
 * @fileoverview BPF_MAP_TYPE_BLOOM_FILTER.
 *
 * Models kernel/bpf/bloom_filter.c: `bloom_map_alloc_check` (value_size bound), `bloom_map_alloc`
 * (key_size 0, map_extra's low 4 bits = number of hash functions, default 5; bit array of
 * roundup_pow_of_two(max_entries * k / 5 * 7) bits, at least 64), `hash` (jhash/jhash2 seeded with
 * `hash_seed + i`, hash_seed 0 with BPF_F_ZERO_SEED), push (= add, flags must be BPF_ANY), peek
 * (= membership test: 0 or -ENOENT) and `bloom_map_mem_usage`.
 */
import { ERRNO } from '../uapi/errno.js';
import { jhash, jhash2 } from './jhash.js';
import type { BpfMap, MapAttr, MapEnv, MapTypeOps } from './ops.js';
import { guardAlloc } from './ops.js';
import {
  BPF_F,
  BPF_F_ACCESS_MASK,
  BPF_UPDATE,
  bpfMapFlagsAccessOk,
  KMALLOC_MAX_SIZE,
  roundupPowOfTwo,
} from './uapi.js';

/** Models `BLOOM_CREATE_FLAG_MASK`. */
export const BLOOM_CREATE_FLAG_MASK = BPF_F.NUMA_NODE | BPF_F.ZERO_SEED | BPF_F_ACCESS_MASK;
/** sizeof(struct bpf_bloom_filter) on 6.18 x86_64 (measured: memlock 440 for 0/4/100 = 312 + 128 bitset bytes). */
export const SIZEOF_BPF_BLOOM_FILTER = 312;

function bloomGeometry(maxEntries: number, mapExtra: bigint): { k: number; mask: number; bytes: number } {
  let k = Number(mapExtra & 0xfn);
  if (k === 0) k = 5;
  const prod = maxEntries * k;
  let nrBits = prod > 0xffffffff ? -1 : Math.floor(prod / 5) * 7;
  if (nrBits > 0xffffffff || nrBits > 2 ** 31) nrBits = -1;
  let bytes: number;
  let mask: number;
  if (nrBits < 0) {
    bytes = Math.ceil(0xffffffff / 8);
    mask = 0xffffffff;
  } else {
    nrBits = nrBits <= 64 ? 64 : roundupPowOfTwo(nrBits);
    bytes = nrBits / 8;
    mask = nrBits - 1;
  }
  bytes = Math.ceil(bytes / 8) * 8;
  return { k, mask, bytes };
}

/** Models `bloom_map_alloc`'s checks (bloom_filter.c keeps them there, after `bloom_map_alloc_check`). */
function bloomAllocCheck(attr: MapAttr, _env: MapEnv): number {
  if (attr.valueSize > KMALLOC_MAX_SIZE) return -ERRNO.E2BIG;
  if (
    attr.keySize !== 0 ||
    attr.valueSize === 0 ||
    attr.maxEntries === 0 ||
    attr.mapFlags & ~BLOOM_CREATE_FLAG_MASK ||
    !bpfMapFlagsAccessOk(attr.mapFlags) ||
    ((attr.mapExtra ?? 0n) & ~0xfn) !== 0n
  )
    return -ERRNO.EINVAL;
  return 0;
}

/** An allocated bloom filter. Models `struct bpf_bloom_filter`. */
export class BloomFilter implements BpfMap {
  readonly mapType: number;
  readonly keySize = 0;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra: bigint;
  readonly sysValueSize: number;
  readonly nrHashFuncs: number;
  readonly bitsetMask: number;
  readonly hashSeed: number;
  private readonly bitsetBytes: number;
  private readonly bitset: Uint8Array;

  constructor(attr: MapAttr, env: MapEnv) {
    this.mapType = attr.mapType;
    this.valueSize = attr.valueSize;
    this.sysValueSize = attr.valueSize;
    this.maxEntries = attr.maxEntries;
    this.mapFlags = attr.mapFlags;
    this.mapExtra = attr.mapExtra ?? 0n;
    const g = bloomGeometry(attr.maxEntries, this.mapExtra);
    this.nrHashFuncs = g.k;
    this.bitsetMask = g.mask;
    this.bitsetBytes = g.bytes;
    this.hashSeed = attr.mapFlags & BPF_F.ZERO_SEED ? 0 : env.prandomU32() >>> 0;
    this.bitset = new Uint8Array(this.bitsetBytes);
  }

  /** Models `bloom_map_mem_usage`. */
  memUsage(): number {
    return SIZEOF_BPF_BLOOM_FILTER + this.bitsetBytes;
  }

  /** Models bloom_filter.c `hash`. */
  private hash(value: Uint8Array, i: number): number {
    const seed = (this.hashSeed + i) | 0;
    const h =
      this.valueSize % 4 === 0
        ? jhash2(value, 0, this.valueSize / 4, seed)
        : jhash(value, 0, this.valueSize, seed);
    return (h & this.bitsetMask) >>> 0;
  }

  /** Models `bloom_map_push_elem`. */
  push(value: Uint8Array, flags: number): number {
    if (flags !== BPF_UPDATE.ANY) return -ERRNO.EINVAL;
    for (let i = 0; i < this.nrHashFuncs; i++) {
      const h = this.hash(value, i);
      this.bitset[h >>> 3]! |= 1 << (h & 7);
    }
    return 0;
  }

  /** Models `bloom_map_peek_elem`: 0 if `value` may be present, -ENOENT if certainly absent. */
  peek(value?: Uint8Array): Uint8Array | number {
    if (!value) return -ERRNO.EINVAL;
    for (let i = 0; i < this.nrHashFuncs; i++) {
      const h = this.hash(value, i);
      if (!(this.bitset[h >>> 3]! & (1 << (h & 7)))) return -ERRNO.ENOENT;
    }
    return 0;
  }

  /** Models `bloom_map_pop_elem`. */
  pop(): Uint8Array | number {
    return -ERRNO.EOPNOTSUPP;
  }

  /** Models `bloom_map_delete_elem`. */
  delete(_key: Uint8Array): number {
    return -ERRNO.EOPNOTSUPP;
  }

  /** Models `bloom_map_get_next_key`. */
  getNextKey(_key: Uint8Array | undefined): Uint8Array | number {
    return -ERRNO.EOPNOTSUPP;
  }

  /** Models `bloom_map_update_elem`: -EINVAL (the syscall uses push). */
  update(_key: Uint8Array, _value: Uint8Array, _flags: number): number {
    return -ERRNO.EINVAL;
  }
}

/** Models bloom_filter.c `bloom_filter_map_ops`. */
export const bloomFilterOps: MapTypeOps = {
  name: 'bloom_filter',
  allocCheck: bloomAllocCheck,
  alloc: (attr, env) => guardAlloc(() => new BloomFilter(attr, env)),
  memUsageEstimate: (attr) =>
    SIZEOF_BPF_BLOOM_FILTER + bloomGeometry(attr.maxEntries, attr.mapExtra ?? 0n).bytes,
};
