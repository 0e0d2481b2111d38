/**
 * @fileoverview BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH.
 *
 * Models kernel/bpf/hashtab.c: `htab_map_alloc_check`, `htab_map_alloc`, buckets of
 * `hlist_nulls` lists (new elements added at the head), `htab_map_hash` (jhash with a per-map seed,
 * 0 with BPF_F_ZERO_SEED), the preallocated element pool with per-CPU extra elements
 * (`alloc_extra_elems`: an overwrite of an existing key never fails with E2BIG), `check_flags`,
 * `htab_map_get_next_key`'s bucket walk and `htab_map_mem_usage`.
 *
 * Elements live in typed arrays indexed by a slot number (like the kernel's `htab->elems` array):
 * `next` chains a bucket, `hashes` caches the hash, `keys` holds keys, and the {@link ValueArena}
 * holds values per slot (per-CPU: then `cpu * round_up(value_size, 8)`), so a program's
 * value pointer stays valid until the element is freed, as with the kernel's preallocated elements.
 * Values stay out of the element records on purpose: a program that writes past its value (the
 * VM also runs unverified programs) can then corrupt other values, never the bucket links.
 *
 * Speed: hashes are kept in their signed 32-bit form (small integers in V8, never boxed), 4-byte
 * keys take a path of their own (`jhash_1word`, one-word compare), and the program side can get a
 * value as (chunk, offset) through {@link HashTab.progLookupOffset}, so the helper path from the
 * JIT allocates nothing.
 */
import { ERRNO } from '../uapi/errno.js';
import { ARENA_CHUNK_SPAN, ValueArena } from './arena.js';
import { BpfLru } from './bpf-lru.js';
import { htabMapHash, jhash1WordI32, jhash2WordsI32 } from './jhash.js';
import type { BpfMap, MapAttr, MapEnv, MapTypeOps } from './ops.js';
import { attrNumaNode, bytesEqual, guardAlloc } from './ops.js';
import {
  BPF_F,
  BPF_F_ACCESS_MASK,
  BPF_MAP_TYPE,
  BPF_UPDATE,
  bpfMapFlagsAccessOk,
  KMALLOC_MAX_SIZE,
  PCPU_MIN_UNIT_SIZE,
  roundUp8,
  roundupPowOfTwo,
} from './uapi.js';

/** The result of {@link HashTab.lookupBatch}: what the kernel copies to user space. */
export interface HtabBatchResult {
  ret: number;
  keys: Uint8Array[];
  values: Uint8Array[];
  /** The bucket to resume from (`out_batch`); undefined when nothing is written back. */
  outBatch: number | undefined;
}

/** Models hashtab.c `HTAB_CREATE_FLAG_MASK`. */
export const HTAB_CREATE_FLAG_MASK =
  BPF_F.NO_PREALLOC | BPF_F.NO_COMMON_LRU | BPF_F.NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F.ZERO_SEED;

/**
 * sizeof(struct bpf_htab) on x86_64 6.18 (fdinfo memlock of an empty NO_PREALLOC hash minus buckets/locks):
 * 896 on the reference build 6.18.44-fc-v1147, one cache line more than the 832 of the recorded fixtures.
 */
export const SIZEOF_BPF_HTAB = 896;
/** sizeof(struct bucket). */
export const SIZEOF_BUCKET = 16;
/** sizeof(struct htab_elem). */
export const SIZEOF_HTAB_ELEM = 48;
/** hashtab.c `HASHTAB_MAP_LOCK_COUNT`. */
export const HASHTAB_MAP_LOCK_COUNT = 8;
const LLIST_NODE_SZ = 8;
const SIZEOF_PTR = 8;

const NONE = -1;
/** Int32Array words are stored little-endian (every JavaScript engine on x86 and arm64). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function isPercpuType(t: number): boolean {
  return t === BPF_MAP_TYPE.PERCPU_HASH || t === BPF_MAP_TYPE.LRU_PERCPU_HASH;
}
function isFdType(t: number): boolean {
  return t === BPF_MAP_TYPE.HASH_OF_MAPS;
}
function isLruType(t: number): boolean {
  return t === BPF_MAP_TYPE.LRU_HASH || t === BPF_MAP_TYPE.LRU_PERCPU_HASH;
}

/** Models hashtab.c `htab_map_alloc_check` (shared by all four hash types and hash_of_maps). */
export function htabMapAllocCheck(attr: MapAttr, env: MapEnv): number {
  const percpu = isPercpuType(attr.mapType);
  const lru = isLruType(attr.mapType);
  const percpuLru = (attr.mapFlags & BPF_F.NO_COMMON_LRU) !== 0;
  const prealloc = (attr.mapFlags & BPF_F.NO_PREALLOC) === 0;
  const zeroSeed = (attr.mapFlags & BPF_F.ZERO_SEED) !== 0;
  const numaNode = attrNumaNode(attr);

  if (zeroSeed && env.capSysAdmin && !env.capSysAdmin()) return -ERRNO.EPERM;
  if (attr.mapFlags & ~HTAB_CREATE_FLAG_MASK || !bpfMapFlagsAccessOk(attr.mapFlags)) return -ERRNO.EINVAL;
  if (!lru && percpuLru) return -ERRNO.EINVAL;
  if (lru && !prealloc) return -ERRNO.ENOTSUPP;
  if (numaNode !== -1 && (percpu || percpuLru)) return -ERRNO.EINVAL;
  if (attr.maxEntries === 0 || attr.keySize === 0 || attr.valueSize === 0) return -ERRNO.EINVAL;
  if (attr.keySize + attr.valueSize >= KMALLOC_MAX_SIZE - SIZEOF_HTAB_ELEM) return -ERRNO.E2BIG;
  if (percpu && roundUp8(attr.valueSize) > PCPU_MIN_UNIT_SIZE) return -ERRNO.E2BIG;
  return 0;
}

/** An allocated hash table of any of the four hash types. Models `struct bpf_htab`. */
export class HashTab implements BpfMap {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra = 0n;
  readonly sysValueSize: number;
  readonly arena: ValueArena;
  /** `htab->hashrnd`. */
  readonly hashrnd: number;
  /** `htab->n_buckets`. */
  readonly nBuckets: number;
  /** `htab->elem_size`. */
  readonly elemSize: number;
  readonly percpu: boolean;
  readonly lru: boolean;
  readonly prealloc: boolean;
  readonly ncpus: number;
  /** hash_of_maps (values are inner map handles, updated in place). */
  private readonly fd: boolean;
  /**
   * Lookups give programs value pointers ({@link progLookupOffset}): every hash type but
   * hash_of_maps. A plain field, so the helpers test it without an `instanceof` walk per call.
   */
  readonly valuePointers: boolean;

  private readonly mask: number;
  private readonly vsz8: number;
  /** Bytes per slot in the arena (per-CPU: all CPUs' values). */
  private readonly stride: number;
  /**
   * The buckets, one word each (`hlist_nulls_head`): the low {@link slotBits} bits hold 1 + the
   * first slot of the bucket's list (0: empty), the bits above them the bucket's tag set, one bit
   * per tag value of the hashes in the list (see {@link tagOf}). A lookup whose tag bit is clear
   * knows the key is absent without reading the list: one memory access fewer for inserts and
   * misses, the common case in a big table; the kernel walks the list instead, which gives the
   * same answers. One word per bucket keeps the table small (a 1M-bucket table is 4 MiB), which
   * matters more than anything else once it no longer fits in the caches.
   */
  private readonly bk: Int32Array;
  /** Bits of a bucket word holding 1 + the head slot. */
  private readonly slotBits: number;
  /** `(1 << slotBits) - 1`. */
  private readonly slotMask: number;
  /** Number of tag bits above the slot bits minus one (a power of two minus one). */
  private readonly tagMask: number;
  /**
   * Element records, `es` int32 words per slot (one cache line for small keys, like struct
   * htab_elem): [0] next slot in the bucket, [1] hash, [2..] the key bytes.
   */
  private elems: Int32Array;
  /** Byte view of {@link elems} (keys at `(slot * es + 2) * 4`). */
  private ebytes: Uint8Array;
  /** Words per element record. */
  private readonly es: number;
  /** Keys are whole words: hashed with jhash2 and compared word by word. */
  private readonly wordKeys: boolean;
  /** 4-byte keys: hashed with jhash_1word, records of 3 words, no staging through {@link kw}. */
  private readonly oneWord: boolean;
  /** A plain hash (not per-CPU, LRU or hash_of_maps) with 4-byte keys: {@link update1} and {@link lookup1}. */
  private readonly plain1: boolean;
  /** The hash (signed 32-bit form) of the key last passed to {@link locate}. */
  private lastHash = 0;
  /** The arena chunk of the value {@link progLookupOffset} found last. */
  valueChunk = 0;
  /** The key being looked up, as words (filled by {@link hashKey}). */
  private readonly kw: Int32Array;
  private readonly nw: number;
  /** Free slots (prealloc freelist / freed NO_PREALLOC elements); grown only as slots are freed. */
  private freeList: Int32Array;
  private freeTop = 0;
  /** Slots never handed out yet. */
  private highWater = 0;
  private capacity: number;
  private readonly poolLimit: number;
  /** `htab->extra_elems` (prealloc, !percpu, !lru): one spare element per CPU. */
  private readonly extra: Int32Array | undefined;
  private readonly lruList: BpfLru | undefined;
  private nElems = 0;

  constructor(attr: MapAttr, env: MapEnv, maxEntries: number) {
    this.mapType = attr.mapType;
    this.keySize = attr.keySize;
    this.valueSize = attr.valueSize;
    this.maxEntries = maxEntries;
    this.mapFlags = attr.mapFlags;
    this.ncpus = env.possibleCpus;
    this.percpu = isPercpuType(attr.mapType);
    this.lru = isLruType(attr.mapType);
    this.prealloc = (attr.mapFlags & BPF_F.NO_PREALLOC) === 0;
    this.fd = isFdType(attr.mapType);
    this.valuePointers = !this.fd;
    this.vsz8 = roundUp8(attr.valueSize);
    this.stride = this.percpu ? this.vsz8 * this.ncpus : this.vsz8;
    this.sysValueSize = this.percpu ? this.vsz8 * this.ncpus : this.valueSize;
    this.nBuckets = roundupPowOfTwo(maxEntries);
    this.mask = this.nBuckets - 1;
    this.elemSize = SIZEOF_HTAB_ELEM + roundUp8(attr.keySize) + (this.percpu ? SIZEOF_PTR : this.vsz8);
    this.hashrnd = attr.mapFlags & BPF_F.ZERO_SEED ? 0 : env.prandomU32() >>> 0;
    this.bk = new Int32Array(this.nBuckets);
    // htab_has_extra_elems: not for per-CPU, LRU or fd (hash_of_maps) tables
    const hasExtra = this.prealloc && !this.percpu && !this.lru && !isFdType(attr.mapType);
    // Slots are created on demand (memory grows with use); the kernel's pool sizes bound them.
    this.poolLimit = this.prealloc ? maxEntries + (hasExtra ? this.ncpus : 0) : maxEntries + 1;
    this.capacity = this.lru ? maxEntries : Math.min(this.poolLimit, 64);
    // slot + 1 must fit (max_entries is at most 2^28: n_buckets * 16 fits in a u32), tags get the rest
    let slotBits = 1;
    while (2 ** slotBits <= this.poolLimit) slotBits++;
    this.slotBits = slotBits;
    this.slotMask = 2 ** slotBits - 1;
    let tagBits = 1;
    while (tagBits * 2 <= 32 - slotBits && tagBits < 8) tagBits *= 2;
    this.tagMask = tagBits - 1;
    this.nw = Math.ceil(this.keySize / 4);
    this.es = 2 + this.nw;
    this.wordKeys = (this.keySize & 3) === 0;
    this.oneWord = this.keySize === 4;
    this.plain1 = this.oneWord && !this.percpu && !this.lru && !this.fd;
    this.kw = new Int32Array(this.nw);
    this.elems = new Int32Array(this.capacity * this.es);
    this.ebytes = new Uint8Array(this.elems.buffer);
    this.freeList = new Int32Array(Math.min(this.capacity, 64));
    this.arena = new ValueArena(this.stride, this.poolLimit);
    if (hasExtra) {
      this.extra = new Int32Array(this.ncpus).fill(NONE);
    }
    if (this.lru) {
      this.lruList = new BpfLru((attr.mapFlags & BPF_F.NO_COMMON_LRU) !== 0, this.ncpus, maxEntries, (slot) =>
        this.lruDeleteNode(slot),
      );
    }
  }

  /** Models `htab_map_mem_usage`. */
  memUsage(): number {
    return htabMemUsage(
      this.mapType,
      this.mapFlags,
      this.keySize,
      this.valueSize,
      this.maxEntries,
      this.ncpus,
      this.nElems,
    );
  }

  count(): number {
    return this.nElems;
  }

  storageBytes(): number {
    return this.bk.byteLength + this.elems.byteLength + this.freeList.byteLength + this.arena.byteLength();
  }

  /** The tag bit of `hash` in a bucket word (`hash`'s top bits: the bucket index uses the low ones). */
  private tagOf(hash: number): number {
    return 1 << (this.slotBits + ((hash >>> 27) & this.tagMask));
  }

  /** The first slot of bucket `b`'s list, or NONE. */
  private headOf(b: number): number {
    return (this.bk[b]! & this.slotMask) - 1;
  }

  free(): void {
    this.bk.fill(0);
    this.nElems = 0;
  }

  // ---- element pool ----

  private grow(): void {
    const cap = Math.min(this.capacity * 2, this.poolLimit);
    const elems = new Int32Array(cap * this.es);
    elems.set(this.elems);
    this.elems = elems;
    this.ebytes = new Uint8Array(elems.buffer);
    this.capacity = cap;
  }

  /** A free slot from the pool (pcpu_freelist_pop / bpf_mem_cache_alloc), or NONE. */
  private popFree(): number {
    if (this.freeTop > 0) return this.freeList[--this.freeTop]!;
    if (this.highWater >= this.poolLimit) return NONE;
    if (this.highWater >= this.capacity) this.grow();
    return this.highWater++;
  }

  private pushFree(slot: number): void {
    if (this.freeTop >= this.freeList.length) {
      // at most every slot handed out so far is free at once
      const fl = new Int32Array(Math.min(Math.max(this.freeList.length * 2, 64), this.poolLimit));
      fl.set(this.freeList);
      this.freeList = fl;
    }
    this.freeList[this.freeTop++] = slot;
  }

  // ---- lookup ----

  /** {@link hashKey} for a 4-byte key (loaded into `kw[0]`). */
  private hashOneWord(key: Uint8Array, off: number): number {
    const k = key[off]! | (key[off + 1]! << 8) | (key[off + 2]! << 16) | (key[off + 3]! << 24);
    this.kw[0] = k;
    return jhash1WordI32(k, this.hashrnd);
  }

  /**
   * Models `htab_map_hash` for the key at `off` (as a signed 32-bit integer); word keys are also
   * loaded into {@link kw}.
   */
  private hashKey(key: Uint8Array, off: number): number {
    if (!this.wordKeys) return htabMapHash(key, off, this.keySize, this.hashrnd) | 0;
    const kw = this.kw;
    for (let i = 0, o = off; i < this.nw; i++, o += 4) {
      kw[i] = key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24);
    }
    return jhash2WordsI32(kw, this.nw, this.hashrnd);
  }

  /**
   * `htab_map_hash` + `lookup_elem_raw` for the key at `off`: its slot or NONE. The hash is left in
   * {@link lastHash} and word keys in {@link kw} (for {@link setKey}).
   */
  private locate(key: Uint8Array, off: number): number {
    if (this.oneWord) {
      const k = key[off]! | (key[off + 1]! << 8) | (key[off + 2]! << 16) | (key[off + 3]! << 24);
      this.kw[0] = k;
      const hash = jhash1WordI32(k, this.hashrnd);
      this.lastHash = hash;
      return this.find1(k, hash);
    }
    const hash = this.hashKey(key, off);
    this.lastHash = hash;
    return this.lookupRaw(key, off, hash);
  }

  /** {@link find1} for the 4-byte key at the start of `key`. */
  private find1Key(key: Uint8Array): number {
    const k = key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24);
    return this.find1(k, jhash1WordI32(k, this.hashrnd));
  }

  /** `lookup_elem_raw` for a 4-byte key `k` (records of 3 words: next, hash, key); `hash` signed. */
  private find1(k: number, hash: number): number {
    const e = this.elems;
    const w = this.bk[hash & this.mask]!;
    if ((w & this.tagOf(hash)) === 0) return NONE;
    for (let l = (w & this.slotMask) - 1; l !== NONE; l = e[l * 3]!) {
      const b = l * 3;
      if (e[b + 1] === hash && e[b + 2] === k) return l;
    }
    return NONE;
  }

  /** Models `lookup_elem_raw`: the slot of `key` in its bucket, or NONE (after {@link hashKey}). */
  private lookupRaw(key: Uint8Array, off: number, hash: number): number {
    const e = this.elems;
    const es = this.es;
    const h = hash;
    const w = this.bk[hash & this.mask]!;
    if ((w & this.tagOf(hash)) === 0) return NONE;
    const head = (w & this.slotMask) - 1;
    if (this.wordKeys) {
      const kw = this.kw;
      const nw = this.nw;
      for (let l = head; l !== NONE; l = e[l * es]!) {
        const b = l * es;
        if (e[b + 1] !== h) continue;
        let i = 0;
        while (i < nw && e[b + 2 + i] === kw[i]) i++;
        if (i === nw) return l;
      }
      return NONE;
    }
    const ks = this.keySize;
    for (let l = head; l !== NONE; l = e[l * es]!) {
      if (e[l * es + 1] === h && bytesEqual(this.ebytes, (l * es + 2) * 4, key, off, ks)) return l;
    }
    return NONE;
  }

  /** Unlinks `slot` from its bucket (hlist_nulls_del_rcu) and recomputes the bucket's tag set. */
  private unlink(slot: number, hash: number): void {
    const b = hash & this.mask;
    const e = this.elems;
    const es = this.es;
    let head = this.headOf(b);
    if (head === slot) {
      head = e[slot * es]!;
    } else {
      for (let l = head; l !== NONE; ) {
        const n = e[l * es]!;
        if (n === slot) {
          e[l * es] = e[slot * es]!;
          break;
        }
        l = n;
      }
    }
    let w = head + 1;
    for (let l = head; l !== NONE; l = e[l * es]!) w |= this.tagOf(e[l * es + 1]!);
    this.bk[b] = w;
  }

  /** Links `slot` at the head of its bucket (hlist_nulls_add_head_rcu). */
  private linkHead(slot: number, hash: number): void {
    const b = hash & this.mask;
    const w = this.bk[b]!;
    this.elems[slot * this.es] = (w & this.slotMask) - 1;
    this.bk[b] = (w & ~this.slotMask) | (slot + 1) | this.tagOf(hash);
  }

  /** Stores the key (as loaded by {@link hashKey}) and hash into `slot`. */
  private setKey(slot: number, key: Uint8Array, off: number, hash: number): void {
    const b = slot * this.es;
    this.elems[b + 1] = hash;
    if (this.wordKeys) {
      for (let i = 0; i < this.nw; i++) this.elems[b + 2 + i] = this.kw[i]!;
    } else {
      const eb = this.ebytes;
      const o = (b + 2) * 4;
      for (let i = 0; i < this.keySize; i++) eb[o + i] = key[off + i]!;
    }
  }

  /** Syscall lookup: models `bpf_map_copy_value` (percpu: `bpf_percpu_hash_copy`). */
  lookup(key: Uint8Array, out?: Uint8Array): Uint8Array | number {
    const l = this.plain1 ? this.find1Key(key) : this.locate(key, 0);
    if (l === NONE) return -ERRNO.ENOENT;
    const dst = out ?? new Uint8Array(this.sysValueSize);
    const base = this.arena.offsetOf(l);
    const src = this.arena.chunkOf(l);
    const n = this.sysValueSize;
    if (n <= 64) for (let i = 0; i < n; i++) dst[i] = src[base + i]!;
    else dst.set(src.subarray(base, base + n));
    return dst;
  }

  /** Models `htab_map_lookup_elem` / `htab_lru_map_lookup_elem` (marks the LRU reference bit). */
  progLookup(keyBuf: Uint8Array, keyOff: number, cpu: number): number {
    const off = this.progLookupOffset(keyBuf, keyOff, cpu);
    return off < 0 ? -1 : this.valueChunk * ARENA_CHUNK_SPAN + off;
  }

  /**
   * {@link progLookup} without a location number: the value's byte offset in arena chunk
   * {@link valueChunk}, or -1. Only small integers, so the helper path never boxes a number.
   */
  progLookupOffset(keyBuf: Uint8Array, keyOff: number, cpu: number): number {
    if (this.plain1) return this.lookup1(keyBuf, keyOff);
    const l = this.locate(keyBuf, keyOff);
    if (l === NONE) return -1;
    if (this.lruList) this.lruList.setRef(l);
    const a = this.arena;
    const c = l >>> a.shift;
    if (a.chunks[c] === undefined) a.chunkOf(l);
    this.valueChunk = c;
    return a.offsetOf(l) + (this.percpu ? cpu * this.vsz8 : 0);
  }

  /** {@link progLookupOffset} of a plain table with 4-byte keys: the whole lookup in one function. */
  private lookup1(key: Uint8Array, o: number): number {
    const k = key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24);
    const l = this.find1(k, jhash1WordI32(k, this.hashrnd));
    if (l === NONE) return -1;
    const a = this.arena;
    const c = l >>> a.shift;
    if (a.chunks[c] === undefined) a.chunkOf(l);
    this.valueChunk = c;
    return a.offsetOf(l);
  }

  /** Models `htab_percpu_map_lookup_percpu_elem`. */
  progLookupPercpu(keyBuf: Uint8Array, keyOff: number, cpu: number): number {
    if (!this.percpu || cpu >= this.ncpus) return -1;
    return this.progLookup(keyBuf, keyOff, cpu);
  }

  // ---- update ----

  /** Syscall update (`bpf_map_update_value`; per-CPU values for every CPU). */
  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (this.plain1) return this.update1(key, 0, value, 0, flags, 0);
    return this.doUpdate(key, 0, value, 0, flags, true, 0);
  }

  /** Program update (`map_update_elem` op; per-CPU: this CPU only, others zeroed on insert). */
  progUpdate(
    keyBuf: Uint8Array,
    keyOff: number,
    valBuf: Uint8Array,
    valOff: number,
    flags: number,
    cpu: number,
  ): number {
    if (this.plain1) return this.update1(keyBuf, keyOff, valBuf, valOff, flags, cpu);
    return this.doUpdate(keyBuf, keyOff, valBuf, valOff, flags, false, cpu);
  }

  /**
   * {@link doUpdate} of a plain table with 4-byte keys (`htab_map_update_elem`), in one function:
   * the helper path's common case.
   */
  private update1(
    key: Uint8Array,
    o: number,
    val: Uint8Array,
    valOff: number,
    flags: number,
    cpu: number,
  ): number {
    // check_flags: BPF_ANY, BPF_NOEXIST or BPF_EXIST; BPF_F_LOCK needs BTF, which emulated maps lack
    if (flags > BPF_UPDATE.EXIST || flags < 0) return -ERRNO.EINVAL;
    const k = key[o]! | (key[o + 1]! << 8) | (key[o + 2]! << 16) | (key[o + 3]! << 24);
    const hash = jhash1WordI32(k, this.hashrnd);
    const bi = hash & this.mask;
    const tag = this.tagOf(hash);
    const bk = this.bk;
    // The bucket is loaded first and used last: the work in between does not depend on it, so the
    // CPU overlaps that work with the bucket's cache miss (the dominant cost of a big table).
    const w = bk[bi]!;
    const a = this.arena;
    const n = this.valueSize;
    // The slot a new element would take (the one alloc_htab_elem pops), filled in advance: it is
    // free, so writing it is harmless when the key turns out to exist.
    let spec = NONE;
    if (this.freeTop > 0) spec = this.freeList[this.freeTop - 1]!;
    else if (this.highWater < this.capacity) spec = this.highWater;
    let e = this.elems;
    if (spec !== NONE && n <= 64) {
      e[spec * 3 + 1] = hash;
      e[spec * 3 + 2] = k;
      this.copyValueIn(spec, val, valOff);
    }
    const head = (w & this.slotMask) - 1;
    let old = (w & tag) === 0 ? NONE : head;
    while (old !== NONE) {
      const b = old * 3;
      if (e[b + 1] === hash && e[b + 2] === k) break;
      old = e[b]!;
    }
    if (old !== NONE ? flags === BPF_UPDATE.NOEXIST : flags === BPF_UPDATE.EXIST)
      return old !== NONE ? -ERRNO.EEXIST : -ERRNO.ENOENT;
    if (old === NONE && spec !== NONE && n <= 64) {
      // the common case: a new key, its element already written; link it at the bucket's head
      if (this.nElems >= this.maxEntries) return -ERRNO.E2BIG;
      if (this.freeTop > 0) this.freeTop--;
      else this.highWater++;
      e[spec * 3] = head;
      bk[bi] = (w & ~this.slotMask) | (spec + 1) | tag;
      this.nElems++;
      return 0;
    }
    // alloc_htab_elem
    let slot: number;
    if (old === NONE) {
      if (this.nElems >= this.maxEntries) return -ERRNO.E2BIG;
      slot = this.freeTop > 0 ? this.freeList[--this.freeTop]! : this.popFree();
    } else if (this.prealloc) {
      const c = cpu < this.ncpus ? cpu : 0;
      slot = this.extra![c]!;
      if (slot === NONE) slot = this.popFree();
      this.extra![c] = old;
    } else {
      slot = this.popFree();
    }
    e = this.elems;
    const s = slot * 3;
    e[s] = head;
    e[s + 1] = hash;
    e[s + 2] = k;
    bk[bi] = (w & ~this.slotMask) | (slot + 1) | tag;
    if (n <= 64) this.copyValueIn(slot, val, valOff);
    else a.chunkOf(slot).set(val.subarray(valOff, valOff + n), a.offsetOf(slot));
    if (old === NONE) {
      this.nElems++;
      return 0;
    }
    this.unlink(old, hash);
    if (!this.prealloc) this.pushFree(old);
    return 0;
  }

  /** Copies a value of up to 64 bytes into `slot` (copy_map_value), by words where it can. */
  private copyValueIn(slot: number, val: Uint8Array, valOff: number): void {
    const a = this.arena;
    const bytes = a.chunkOf(slot);
    const base = a.offsetOf(slot);
    const n = this.valueSize;
    if (LITTLE_ENDIAN && (n & 3) === 0) {
      // whole words (base is a multiple of the stride, itself of 8): 4 byte loads, one word store
      const w = a.words[slot >>> a.shift]!;
      for (let i = 0, wi = base >>> 2; i < n; i += 4, wi++) {
        const j = valOff + i;
        w[wi] = val[j]! | (val[j + 1]! << 8) | (val[j + 2]! << 16) | (val[j + 3]! << 24);
      }
      return;
    }
    for (let i = 0; i < n; i++) bytes[base + i] = val[valOff + i]!;
  }

  private checkFlags(exists: boolean, flags: number): number {
    const f = flags & ~BPF_UPDATE.F_LOCK;
    if (exists && f === BPF_UPDATE.NOEXIST) return -ERRNO.EEXIST;
    if (!exists && f === BPF_UPDATE.EXIST) return -ERRNO.ENOENT;
    return 0;
  }

  /** Copies the value into `slot` (copy_map_value / pcpu_copy_value / pcpu_init_value). */
  private writeValue(
    slot: number,
    val: Uint8Array,
    off: number,
    onAllCpus: boolean,
    cpu: number,
    init: boolean,
  ): void {
    const bytes = this.arena.chunkOf(slot);
    const base = this.arena.offsetOf(slot);
    if (!this.percpu) {
      const n = this.valueSize;
      if (n <= 64) for (let i = 0; i < n; i++) bytes[base + i] = val[off + i]!;
      else bytes.set(val.subarray(off, off + n), base);
      return;
    }
    if (onAllCpus) {
      bytes.set(val.subarray(off, off + this.stride), base);
      return;
    }
    if (init) bytes.fill(0, base, base + this.stride);
    bytes.set(val.subarray(off, off + this.valueSize), base + cpu * this.vsz8);
  }

  private doUpdate(
    key: Uint8Array,
    keyOff: number,
    val: Uint8Array,
    valOff: number,
    flags: number,
    onAllCpus: boolean,
    cpu: number,
  ): number {
    if (this.lru) return this.lruUpdate(key, keyOff, val, valOff, flags, onAllCpus, cpu);
    if (this.percpu ? flags > BPF_UPDATE.EXIST : (flags & ~BPF_UPDATE.F_LOCK) > BPF_UPDATE.EXIST)
      return -ERRNO.EINVAL;
    // BPF_F_LOCK needs a bpf_spin_lock in the value (BTF); emulated maps carry no BTF record
    if (flags & BPF_UPDATE.F_LOCK) return -ERRNO.EINVAL;
    const old = this.locate(key, keyOff);
    const hash = this.lastHash;
    const err = this.checkFlags(old !== NONE, flags);
    if (err) return err;
    if (this.percpu) {
      if (old !== NONE) {
        this.writeValue(old, val, valOff, onAllCpus, cpu, false);
        return 0;
      }
      if (this.nElems >= this.maxEntries) return -ERRNO.E2BIG;
      const slot = this.popFree();
      this.setKey(slot, key, keyOff, hash);
      this.writeValue(slot, val, valOff, onAllCpus, cpu, true);
      this.linkHead(slot, hash);
      this.nElems++;
      return 0;
    }
    if (this.fd && old !== NONE) {
      // htab_map_update_elem_in_place: hash_of_maps swaps the inner map pointer in place
      this.writeValue(old, val, valOff, false, cpu, false);
      return 0;
    }
    // alloc_htab_elem
    let slot: number;
    if (this.prealloc) {
      if (old !== NONE) {
        const c = cpu < this.ncpus ? cpu : 0;
        slot = this.extra![c]!;
        if (slot === NONE) slot = this.popFree();
        this.extra![c] = old;
      } else {
        // the freelist holds max_entries - count elements (the extra ones are set aside)
        if (this.nElems >= this.maxEntries) return -ERRNO.E2BIG;
        slot = this.popFree();
      }
    } else {
      if (this.nElems >= this.maxEntries && old === NONE) return -ERRNO.E2BIG;
      slot = this.popFree();
    }
    this.setKey(slot, key, keyOff, hash);
    this.writeValue(slot, val, valOff, false, cpu, false);
    this.linkHead(slot, hash);
    if (old !== NONE) {
      this.unlink(old, hash);
      if (!this.prealloc) this.pushFree(old);
    } else {
      this.nElems++;
    }
    return 0;
  }

  /** Models `htab_lru_map_update_elem` and `__htab_lru_percpu_map_update_elem`. */
  private lruUpdate(
    key: Uint8Array,
    keyOff: number,
    val: Uint8Array,
    valOff: number,
    flags: number,
    onAllCpus: boolean,
    cpu: number,
  ): number {
    if (flags > BPF_UPDATE.EXIST) return -ERRNO.EINVAL;
    const lru = this.lruList!;
    const hash = this.oneWord ? this.hashOneWord(key, keyOff) : this.hashKey(key, keyOff);
    let fresh = NONE;
    if (!this.percpu || flags !== BPF_UPDATE.EXIST) {
      // prealloc_lru_pop: may evict the least recently used element before the flags are checked
      fresh = lru.popFree(hash, cpu);
      if (fresh === NONE) return -ERRNO.ENOMEM;
      this.setKey(fresh, key, keyOff, hash);
      this.nElems++;
      if (!this.percpu) this.writeValue(fresh, val, valOff, false, cpu, false);
    }
    const old = this.oneWord ? this.find1(this.kw[0]!, hash) : this.lookupRaw(key, keyOff, hash);
    const err = this.checkFlags(old !== NONE, flags);
    if (err) {
      if (fresh !== NONE) {
        this.nElems--;
        lru.pushFree(fresh);
      }
      return err;
    }
    if (this.percpu) {
      if (old !== NONE) {
        lru.setRef(old);
        this.writeValue(old, val, valOff, onAllCpus, cpu, false);
        if (fresh !== NONE) {
          this.nElems--;
          lru.pushFree(fresh);
        }
      } else {
        this.writeValue(fresh, val, valOff, onAllCpus, cpu, true);
        this.linkHead(fresh, hash);
      }
      return 0;
    }
    this.linkHead(fresh, hash);
    if (old !== NONE) {
      lru.setRef(fresh);
      this.unlink(old, hash);
      this.nElems--;
      lru.pushFree(old);
    }
    return 0;
  }

  /** Models `htab_lru_map_delete_node`: the LRU evicts `slot` if it is still linked. */
  private lruDeleteNode(slot: number): boolean {
    const hash = this.elems[slot * this.es + 1]! >>> 0;
    for (let l = this.headOf(hash & this.mask); l !== NONE; l = this.elems[l * this.es]!) {
      if (l === slot) {
        this.unlink(slot, hash);
        this.nElems--;
        return true;
      }
    }
    return false;
  }

  // ---- delete ----

  /** Models `htab_map_delete_elem` / `htab_lru_map_delete_elem`. */
  delete(key: Uint8Array): number {
    return this.progDelete(key, 0);
  }

  /** Program-side delete (same op). */
  progDelete(keyBuf: Uint8Array, keyOff: number): number {
    const l = this.locate(keyBuf, keyOff);
    if (l === NONE) return -ERRNO.ENOENT;
    this.unlink(l, this.lastHash);
    this.freeElem(l);
    return 0;
  }

  private freeElem(l: number): void {
    this.nElems--;
    if (this.lruList) this.lruList.pushFree(l);
    else this.pushFree(l);
  }

  /** Models `__htab_map_lookup_and_delete_elem`. */
  lookupAndDelete(key: Uint8Array, _flags: number): Uint8Array | number {
    const l = this.locate(key, 0);
    if (l === NONE) return -ERRNO.ENOENT;
    const hash = this.lastHash;
    const base = this.arena.offsetOf(l);
    const out = this.arena.chunkOf(l).slice(base, base + this.sysValueSize);
    this.unlink(l, hash);
    this.freeElem(l);
    return out;
  }

  /** Models `htab_map_get_next_key`. */
  getNextKey(key: Uint8Array | undefined): Uint8Array | number {
    let i = 0;
    if (key) {
      const l = this.locate(key, 0);
      if (l !== NONE) {
        const n = this.elems[l * this.es]!;
        if (n !== NONE) return this.keyOf(n);
        i = (this.lastHash & this.mask) + 1;
      }
    }
    for (; i < this.nBuckets; i++) {
      const h = this.headOf(i);
      if (h !== NONE) return this.keyOf(h);
    }
    return -ERRNO.ENOENT;
  }

  private keyOf(slot: number): Uint8Array {
    const o = (slot * this.es + 2) * 4;
    return this.ebytes.slice(o, o + this.keySize);
  }

  /**
   * Models `__htab_map_lookup_and_delete_batch` without the user copies: walks whole buckets from
   * bucket `inBatch` (0 when absent) while they fit in `maxCount` (> 0); `outBatch` is the next bucket.
   * `ret`: 0 (more to come), -ENOENT (walked past the last bucket, also when `inBatch` is past it:
   * then nothing is written back), -ENOSPC (the first non-empty bucket alone exceeds `maxCount`).
   * Values are syscall-sized (per-CPU: all CPUs).
   */
  lookupBatch(inBatch: number | undefined, maxCount: number, doDelete: boolean): HtabBatchResult {
    let batch = inBatch ?? 0;
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    if (batch >= this.nBuckets) return { ret: -ERRNO.ENOENT, keys, values, outBatch: undefined };
    let ret = 0;
    for (;;) {
      let cnt = 0;
      for (let l = this.headOf(batch); l !== NONE; l = this.elems[l * this.es]!) cnt++;
      if (cnt > maxCount - keys.length) {
        if (keys.length === 0) ret = -ERRNO.ENOSPC;
        break;
      }
      const freed: number[] = [];
      for (let l = this.headOf(batch); l !== NONE; ) {
        const next = this.elems[l * this.es]!;
        keys.push(this.keyOf(l));
        const base = this.arena.offsetOf(l);
        values.push(this.arena.chunkOf(l).slice(base, base + this.sysValueSize));
        if (doDelete) {
          this.unlink(l, this.elems[l * this.es + 1]! >>> 0);
          freed.push(l);
        }
        l = next;
      }
      // node_to_free is a LIFO list: the bucket's last element is freed first
      for (let i = freed.length - 1; i >= 0; i--) this.freeElem(freed[i]!);
      batch++;
      if (batch >= this.nBuckets) {
        ret = -ERRNO.ENOENT;
        break;
      }
    }
    return { ret, keys, values, outBatch: batch };
  }

  /** Models `bpf_for_each_hash_elem`: buckets in order, each bucket from its head. */
  forEach(cpu: number, cb: (key: Uint8Array, valueOff: number) => number): number {
    let n = 0;
    for (let b = 0; b < this.nBuckets; b++) {
      for (let l = this.headOf(b); l !== NONE; ) {
        const next = this.elems[l * this.es]!;
        n++;
        const off = this.arena.loc(l, this.percpu ? cpu * this.vsz8 : 0);
        if (cb(this.keyOf(l), off)) return n;
        l = next;
      }
    }
    return n;
  }
}

/** Models `htab_map_mem_usage` from the map's parameters and current element count. */
export function htabMemUsage(
  mapType: number,
  mapFlags: number,
  keySize: number,
  valueSize: number,
  maxEntries: number,
  ncpus: number,
  count: number,
): number {
  const percpu = isPercpuType(mapType);
  const lru = isLruType(mapType);
  const prealloc = (mapFlags & BPF_F.NO_PREALLOC) === 0;
  const vsz8 = roundUp8(valueSize);
  const elemSize = SIZEOF_HTAB_ELEM + roundUp8(keySize) + (percpu ? SIZEOF_PTR : vsz8);
  let usage =
    SIZEOF_BPF_HTAB + SIZEOF_BUCKET * roundupPowOfTwo(maxEntries) + 4 * ncpus * HASHTAB_MAP_LOCK_COUNT;
  if (prealloc) {
    const hasExtra = !percpu && !lru && !isFdType(mapType);
    const n = maxEntries + (hasExtra ? ncpus : 0);
    usage += elemSize * n;
    if (percpu) usage += vsz8 * ncpus * n;
    else if (!lru) usage += SIZEOF_PTR * ncpus;
  } else {
    usage += (elemSize + LLIST_NODE_SZ) * count;
    if (percpu) {
      usage += (LLIST_NODE_SZ + SIZEOF_PTR) * count;
      usage += vsz8 * ncpus * count;
    }
  }
  return usage;
}

function lruMaxEntries(attr: MapAttr, env: MapEnv): number {
  let maxEntries = attr.maxEntries;
  if (attr.mapFlags & BPF_F.NO_COMMON_LRU) {
    const n = env.possibleCpus;
    maxEntries = Math.ceil(attr.maxEntries / n) * n;
    if (maxEntries > 0xffffffff) maxEntries = Math.floor(attr.maxEntries / n) * n;
  }
  return maxEntries;
}

/** The memory `htab_map_alloc` would charge, before allocating (for the kernel layer's memcg check). */
export function htabMemUsageEstimate(attr: MapAttr, env: MapEnv): number {
  return htabMemUsage(
    attr.mapType,
    attr.mapFlags,
    attr.keySize,
    attr.valueSize,
    lruMaxEntries(attr, env),
    env.possibleCpus,
    0,
  );
}

function htabAlloc(attr: MapAttr, env: MapEnv): BpfMap | number {
  // NO_COMMON_LRU: each CPU's LRU list gets the same number of elements
  const maxEntries = lruMaxEntries(attr, env);
  if (maxEntries > 2 ** 31) return -ERRNO.E2BIG;
  // n_buckets * sizeof(struct bucket) must fit in u32
  if (roundupPowOfTwo(maxEntries) > Math.floor(0xffffffff / SIZEOF_BUCKET)) return -ERRNO.E2BIG;
  return guardAlloc(() => new HashTab(attr, env, maxEntries));
}

/** Models hashtab.c `htab_map_ops`. */
export const htabOps: MapTypeOps = {
  name: 'hash',
  allocCheck: htabMapAllocCheck,
  alloc: htabAlloc,
  memUsageEstimate: htabMemUsageEstimate,
};
/** Models hashtab.c `htab_percpu_map_ops`. */
export const htabPercpuOps: MapTypeOps = {
  name: 'percpu_hash',
  allocCheck: htabMapAllocCheck,
  alloc: htabAlloc,
  memUsageEstimate: htabMemUsageEstimate,
};
/** Models hashtab.c `htab_lru_map_ops`. */
export const htabLruOps: MapTypeOps = {
  name: 'lru_hash',
  allocCheck: htabMapAllocCheck,
  alloc: htabAlloc,
  memUsageEstimate: htabMemUsageEstimate,
};
/** Models hashtab.c `htab_lru_percpu_map_ops`. */
export const htabLruPercpuOps: MapTypeOps = {
  name: 'lru_percpu_hash',
  allocCheck: htabMapAllocCheck,
  alloc: htabAlloc,
  memUsageEstimate: htabMemUsageEstimate,
};
