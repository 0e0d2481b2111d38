/**
 * @fileoverview BPF_MAP_TYPE_RINGBUF: a multi-producer single-consumer byte ring shared with user space.
 *
 * Models kernel/bpf/ringbuf.c: `ringbuf_map_alloc` checks (key/value size 0, max_entries a
 * power-of-two multiple of the page size), records with an 8-byte header (`len` with BUSY/DISCARD
 * bits, `pg_off`), `__bpf_ringbuf_reserve` (length rounded to 8 with the header; refused when the
 * producer would run more than the ring size ahead of the consumer or of the oldest pending record),
 * `bpf_ringbuf_commit` (submit/discard), `bpf_ringbuf_query`, the element ops that refuse
 * (-ENOTSUPP), `ringbuf_map_mem_usage`, and a user-space reader like libbpf's
 * `ring_buffer__consume` (tools/lib/bpf/ringbuf.c `ringbuf_process_ring`).
 *
 * The data area is followed by a mirror (the ring size, at most 256 MiB) so that a record that wraps
 * stays contiguous, as the kernel achieves by mapping the data pages twice; positions are masked into
 * the first copy.
 */
import { ERRNO } from '../uapi/errno.js';
import { ValueArena } from './arena.js';
import type { BpfMap, MapAttr, MapEnv, MapTypeOps } from './ops.js';
import { guardAlloc, readU32, writeU32 } from './ops.js';
import { BPF_F, PAGE_SIZE } from './uapi.js';

/** Models ringbuf.c `RINGBUF_CREATE_FLAG_MASK`. */
export const RINGBUF_CREATE_FLAG_MASK = BPF_F.NUMA_NODE;
/** include/uapi/linux/bpf.h `BPF_RINGBUF_BUSY_BIT`. */
export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
/** include/uapi/linux/bpf.h `BPF_RINGBUF_DISCARD_BIT`. */
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
/** include/uapi/linux/bpf.h `BPF_RINGBUF_HDR_SZ`. */
export const BPF_RINGBUF_HDR_SZ = 8;
/** ringbuf.c `RINGBUF_MAX_RECORD_SZ` (UINT_MAX / 4). */
export const RINGBUF_MAX_RECORD_SZ = Math.floor(0xffffffff / 4);
/** `bpf_ringbuf_output`/`submit` flags (include/uapi/linux/bpf.h). */
export const BPF_RB = { NO_WAKEUP: 1, FORCE_WAKEUP: 2 } as const;
/** `bpf_ringbuf_query` flags (include/uapi/linux/bpf.h). */
export const BPF_RB_QUERY = { AVAIL_DATA: 0, RING_SIZE: 1, CONS_POS: 2, PROD_POS: 3 } as const;
/**
 * sizeof(struct bpf_ringbuf_map) on 6.18 x86_64: measured memlock 16728 for a 4 KiB ring and 78408 for
 * 64 KiB fit `304 + (3 + data pages) * 4096 + (3 + 2 * data pages) * 8` exactly.
 */
const SIZEOF_BPF_RINGBUF_MAP = 304;
/** ringbuf.c `RINGBUF_NR_META_PAGES` (RINGBUF_PGOFF 1 + RINGBUF_POS_PAGES 2). */
const RINGBUF_NR_META_PAGES = 3;
const MAX_MIRROR = 1 << 28;

function isPowerOf2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Models `ringbuf_map_alloc`'s attribute checks. */
export function ringbufAllocCheck(attr: MapAttr, _env?: MapEnv): number {
  if (attr.mapFlags & ~RINGBUF_CREATE_FLAG_MASK) return -ERRNO.EINVAL;
  if (attr.keySize || attr.valueSize || !isPowerOf2(attr.maxEntries) || attr.maxEntries % PAGE_SIZE)
    return -ERRNO.EINVAL;
  return 0;
}

/** Models `ringbuf_map_mem_usage`: map struct, meta + data pages, and the page pointer array. */
export function ringbufMemUsage(maxEntries: number): number {
  const dataPages = Math.floor(maxEntries / PAGE_SIZE);
  const nrPages = RINGBUF_NR_META_PAGES + dataPages;
  return SIZEOF_BPF_RINGBUF_MAP + nrPages * PAGE_SIZE + (RINGBUF_NR_META_PAGES + 2 * dataPages) * 8;
}

/** An allocated ring buffer. Models `struct bpf_ringbuf_map` / `struct bpf_ringbuf`. */
export class RingBuf implements BpfMap {
  readonly mapType: number;
  readonly keySize = 0;
  readonly valueSize = 0;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra = 0n;
  readonly sysValueSize = 0;
  /** The data area (one chunk of 2 * size bytes); program sample pointers point into it. */
  readonly arena: ValueArena;
  readonly mask: number;
  consumerPos = 0;
  producerPos = 0;
  pendingPos = 0;

  constructor(attr: MapAttr) {
    this.mapType = attr.mapType;
    this.maxEntries = attr.maxEntries;
    this.mapFlags = attr.mapFlags;
    this.mask = attr.maxEntries - 1;
    // the second mapping of the data pages only needs to cover the longest record that can wrap;
    // rings above 256 MiB keep a 256 MiB mirror (records longer than that are refused)
    this.mirror = Math.min(attr.maxEntries, MAX_MIRROR);
    this.arena = new ValueArena(attr.maxEntries + this.mirror, 1);
    this.arena.chunkOf(0);
  }

  /** Bytes past the ring's end that mirror its start (the kernel maps the data pages twice). */
  private readonly mirror: number;

  private get data(): Uint8Array {
    return this.arena.chunkOf(0);
  }

  memUsage(): number {
    return ringbufMemUsage(this.maxEntries);
  }

  /** Models `__bpf_ringbuf_reserve`: the data offset of the new sample in the data area, or -1. */
  reserve(size: number): number {
    if (size > RINGBUF_MAX_RECORD_SZ) return -1;
    const len = Math.ceil((size + BPF_RINGBUF_HDR_SZ) / 8) * 8;
    if (len > this.mask + 1 || len > this.mirror) return -1;
    const data = this.data;
    let pend = this.pendingPos;
    const prod = this.producerPos;
    const newProd = prod + len;
    while (pend < prod) {
      const hdrLen = readU32(data, pend & this.mask);
      if (hdrLen & BPF_RINGBUF_BUSY_BIT) break;
      pend += Math.ceil(((hdrLen & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ) / 8) * 8;
    }
    this.pendingPos = pend;
    if (newProd - this.consumerPos > this.mask || newProd - pend > this.mask) return -1;
    const off = prod & this.mask;
    writeU32(data, off, (size | BPF_RINGBUF_BUSY_BIT) >>> 0);
    // pg_off = bpf_ringbuf_rec_pg_off: pages from the start of struct bpf_ringbuf (meta pages first)
    writeU32(data, off + 4, (off >>> 12) + RINGBUF_NR_META_PAGES);
    this.producerPos = newProd;
    return off + BPF_RINGBUF_HDR_SZ;
  }

  /** Models `bpf_ringbuf_commit` for the sample at data offset `sampleOff`; false if it is not a busy record. */
  commit(sampleOff: number, discard: boolean): boolean {
    const hdr = sampleOff - BPF_RINGBUF_HDR_SZ;
    if (hdr < 0 || hdr > this.mask) return false;
    const data = this.data;
    const len = readU32(data, hdr);
    if (!(len & BPF_RINGBUF_BUSY_BIT)) return false;
    let n = (len & ~BPF_RINGBUF_BUSY_BIT) >>> 0;
    if (discard) n = (n | BPF_RINGBUF_DISCARD_BIT) >>> 0;
    writeU32(data, hdr, n);
    return true;
  }

  /** Models `bpf_ringbuf_output`: reserve, copy, commit; 0, -EINVAL (flags) or -EAGAIN (no room). */
  output(bytes: Uint8Array, off: number, size: number, flags: number): number {
    if (flags & ~(BPF_RB.NO_WAKEUP | BPF_RB.FORCE_WAKEUP)) return -ERRNO.EINVAL;
    const s = this.reserve(size);
    if (s < 0) return -ERRNO.EAGAIN;
    this.data.set(bytes.subarray(off, off + size), s);
    this.commit(s, false);
    return 0;
  }

  /** Models `bpf_ringbuf_query`. */
  query(flags: number): number {
    switch (flags) {
      case BPF_RB_QUERY.AVAIL_DATA:
        return this.producerPos - this.consumerPos;
      case BPF_RB_QUERY.RING_SIZE:
        return this.mask + 1;
      case BPF_RB_QUERY.CONS_POS:
        return this.consumerPos;
      case BPF_RB_QUERY.PROD_POS:
        return this.producerPos;
      default:
        return 0;
    }
  }

  /**
   * User-space consumer (libbpf `ringbuf_process_ring`): calls `cb` with each committed, non-discarded
   * sample in order, stops at the first busy one, advances the consumer position; returns the number
   * of samples passed to `cb`. A negative `cb` result stops consumption and is returned.
   */
  consume(cb: (sample: Uint8Array) => number | undefined, max = Number.POSITIVE_INFINITY): number {
    const data = this.data;
    let n = 0;
    while (this.consumerPos < this.producerPos && n < max) {
      const off = this.consumerPos & this.mask;
      const len = readU32(data, off);
      if (len & BPF_RINGBUF_BUSY_BIT) break;
      const size = (len & ~BPF_RINGBUF_DISCARD_BIT) >>> 0;
      this.consumerPos += Math.ceil((size + BPF_RINGBUF_HDR_SZ) / 8) * 8;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
        const r = cb(data.slice(off + BPF_RINGBUF_HDR_SZ, off + BPF_RINGBUF_HDR_SZ + size));
        n++;
        if (r !== undefined && r < 0) return r;
      }
    }
    return n;
  }

  /** Models `ringbuf_map_lookup_elem`: -ENOTSUPP. */
  lookup(_key: Uint8Array): Uint8Array | number {
    return -ERRNO.ENOTSUPP;
  }

  /** Models `ringbuf_map_update_elem`. */
  update(_key: Uint8Array, _value: Uint8Array, _flags: number): number {
    return -ERRNO.ENOTSUPP;
  }

  /** Models `ringbuf_map_delete_elem`. */
  delete(_key: Uint8Array): number {
    return -ERRNO.ENOTSUPP;
  }

  /** Models `ringbuf_map_get_next_key`. */
  getNextKey(_key: Uint8Array | undefined): Uint8Array | number {
    return -ERRNO.ENOTSUPP;
  }
}

/** Models ringbuf.c `ringbuf_map_ops`. */
export const ringbufOps: MapTypeOps = {
  name: 'ringbuf',
  allocCheck: ringbufAllocCheck,
  alloc: (attr) => guardAlloc(() => new RingBuf(attr)),
  memUsageEstimate: (attr) => ringbufMemUsage(attr.maxEntries),
};
