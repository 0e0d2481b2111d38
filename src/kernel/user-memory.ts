/**
 * @fileoverview A task's user address space: page-granular mappings and the user-copy primitives.
 *
 * Models the parts of mm/mmap.c (`mmap`/`munmap` of anonymous memory) and lib/usercopy.c
 * (`copy_from_user`, `copy_to_user`, `strncpy_from_user`, `check_zeroed_user`) that the bpf()
 * syscall relies on: any byte outside a mapping faults with EFAULT.
 */
import { ERRNO } from '../uapi/errno.js';

/** Page size of the simulated machine (x86_64). */
export const PAGE_SIZE = 4096;

/** Lowest address handed out by `mmap` (user addresses look like 0x7fxx_xxxx_xxxx). */
const MMAP_BASE = 0x7f00_0000_0000;
/** Highest user address (TASK_SIZE on x86_64 with 4-level paging). */
const TASK_SIZE = 0x7fff_ffff_f000;

/**
 * One mapping. Its zeroed pages are allocated on first touch, as the kernel faults in anonymous
 * pages lazily (a process that maps and unmaps without touching costs no memory).
 */
class Region {
  private data: Uint8Array | undefined;
  constructor(
    readonly start: number,
    readonly end: number,
    data?: Uint8Array,
  ) {
    this.data = data;
  }
  private view: DataView | undefined;
  get bytes(): Uint8Array {
    this.data ??= new Uint8Array(this.end - this.start);
    return this.data;
  }
  /** A DataView of {@link bytes} (word copies: several times faster than byte loops in V8). */
  get dv(): DataView {
    if (this.view === undefined) {
      const b = this.bytes;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.view;
  }
  /** A copy with its own pages (fork); untouched pages stay unallocated. */
  copy(): Region {
    return new Region(this.start, this.end, this.data?.slice());
  }
  /** The sub-mapping [from, to) of this one, sharing its pages. */
  slice(from: number, to: number): Region {
    return new Region(from, to, this.data?.subarray(from - this.start, to - this.start));
  }
}

const roundUpPage = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

/** A user address space; models `struct mm_struct` with anonymous mappings only. */
export class UserMemory {
  /** Mappings sorted by start address, non-overlapping. */
  private regions: Region[] = [];
  private next = MMAP_BASE;
  private mappedBytes = 0;
  /**
   * The mappings the last lookups hit (a small TLB: a syscall touches its attr, key and value,
   * often in different mappings); cleared whenever the mappings change.
   */
  private tlb0: Region | undefined;
  private tlb1: Region | undefined;
  private tlb2: Region | undefined;
  private tlb3: Region | undefined;
  /** The TLB entry the next miss replaces. */
  private tlbNext = 0;
  /** Offset inside the bytes returned by {@link span} where the range starts. */
  spanOff = 0;
  /** The mapping {@link span} found last. */
  private spanRegion: Region | undefined;

  /** Models `mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)`: zeroed pages, or -errno. */
  mmap(len: number, addr?: number): number {
    if (!Number.isSafeInteger(len) || len <= 0) return -ERRNO.EINVAL;
    const size = roundUpPage(len);
    if (size > 1 << 30) return -ERRNO.ENOMEM;
    let start: number;
    if (addr !== undefined) {
      if (!Number.isSafeInteger(addr) || addr % PAGE_SIZE !== 0 || addr <= 0 || addr + size > TASK_SIZE)
        return -ERRNO.EINVAL;
      this.munmap(addr, size);
      start = addr;
    } else {
      start = this.next;
      // Leave one unmapped guard page between automatic mappings.
      this.next += size + PAGE_SIZE;
      if (this.next > TASK_SIZE) return -ERRNO.ENOMEM;
    }
    const region = new Region(start, start + size);
    const i = this.indexAfter(start);
    this.regions.splice(i, 0, region);
    this.flushTlb();
    this.mappedBytes += size;
    return start;
  }

  /** Models `munmap(addr, len)`: unmaps every page of the range (splitting mappings); 0 or -EINVAL. */
  munmap(addr: number, len: number): number {
    if (!Number.isSafeInteger(addr) || addr % PAGE_SIZE !== 0 || !Number.isSafeInteger(len) || len <= 0)
      return -ERRNO.EINVAL;
    const lo = addr;
    const hi = addr + roundUpPage(len);
    const out: Region[] = [];
    for (const r of this.regions) {
      if (r.end <= lo || r.start >= hi) {
        out.push(r);
        continue;
      }
      this.mappedBytes -= r.end - r.start;
      if (r.start < lo) {
        out.push(r.slice(r.start, lo));
        this.mappedBytes += lo - r.start;
      }
      if (r.end > hi) {
        out.push(r.slice(hi, r.end));
        this.mappedBytes += r.end - hi;
      }
    }
    this.regions = out;
    this.flushTlb();
    return 0;
  }

  /** Total bytes currently mapped. */
  get mapped(): number {
    return this.mappedBytes;
  }

  /** True when every byte of `[addr, addr+len)` is mapped. */
  accessOk(addr: number, len: number): boolean {
    if (len === 0) return true;
    if (!Number.isSafeInteger(addr) || addr < 0 || !Number.isSafeInteger(len) || len < 0) return false;
    let a = addr;
    const end = addr + len;
    while (a < end) {
      const r = this.find(a);
      if (!r) return false;
      a = r.end;
    }
    return true;
  }

  /**
   * The backing bytes of a mapping holding all of `[addr, addr+len)`, with {@link spanOff} set to the
   * offset of `addr` in them; undefined when the range is unmapped or spans several mappings.
   * The fast path of the user-copy primitives (one bounds check, no allocation).
   */
  span(addr: number, len: number): Uint8Array | undefined {
    if (!Number.isSafeInteger(addr)) return undefined;
    let r = this.tlb0;
    if (r === undefined || addr < r.start || addr >= r.end) {
      r = this.tlb1;
      if (r === undefined || addr < r.start || addr >= r.end) {
        r = this.tlb2;
        if (r === undefined || addr < r.start || addr >= r.end) {
          r = this.tlb3;
          if (r === undefined || addr < r.start || addr >= r.end) {
            r = this.find(addr);
            if (r === undefined) return undefined;
            this.fillTlb(r);
          }
        }
      }
    }
    if (!(len >= 0 && addr + len <= r.end)) return undefined;
    const off = addr - r.start;
    // kept a small integer: callers index bytes with it (a double offset costs a conversion per byte)
    if (off > 0x7fffffff) return undefined;
    this.spanOff = off | 0;
    this.spanRegion = r;
    return r.bytes;
  }

  private fillTlb(r: Region): void {
    const i = this.tlbNext;
    this.tlbNext = (i + 1) & 3;
    if (i === 0) this.tlb0 = r;
    else if (i === 1) this.tlb1 = r;
    else if (i === 2) this.tlb2 = r;
    else this.tlb3 = r;
  }

  private flushTlb(): void {
    this.tlb0 = this.tlb1 = this.tlb2 = this.tlb3 = undefined;
  }

  /**
   * Models `copy_from_user` into a caller's buffer: `len` bytes from `addr` to `dst[dstOff..]`;
   * 0, or -EFAULT (nothing copied) if any byte is unmapped.
   */
  readInto(addr: number, len: number, dst: Uint8Array, dstOff: number): number {
    const b = this.span(addr, len);
    if (b !== undefined) {
      const o = this.spanOff;
      if (len <= 32) for (let i = 0; i < len; i++) dst[dstOff + i] = b[o + i]!;
      else dst.set(b.subarray(o, o + len), dstOff);
      return 0;
    }
    const c = this.copyFromUser(addr, len);
    if (typeof c === 'number') return c;
    dst.set(c, dstOff);
    return 0;
  }

  /**
   * {@link readInto} into a DataView (the syscall path's attr and key/value copies): 4-byte words
   * while they last, then bytes.
   */
  readIntoView(addr: number, len: number, dst: DataView, dstOff: number): number {
    if (this.span(addr, len) !== undefined) {
      const src = this.spanRegion!.dv;
      const o = this.spanOff;
      let i = 0;
      for (; i + 4 <= len; i += 4) dst.setInt32(dstOff + i, src.getInt32(o + i, true), true);
      for (; i < len; i++) dst.setUint8(dstOff + i, src.getUint8(o + i));
      return 0;
    }
    const c = this.copyFromUser(addr, len);
    if (typeof c === 'number') return c;
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(c, dstOff);
    return 0;
  }

  /** {@link writeFrom} out of a DataView: 4-byte words while they last, then bytes. */
  writeFromView(addr: number, src: DataView, srcOff: number, len: number): number {
    if (this.span(addr, len) !== undefined) {
      const dst = this.spanRegion!.dv;
      const o = this.spanOff;
      let i = 0;
      for (; i + 4 <= len; i += 4) dst.setInt32(o + i, src.getInt32(srcOff + i, true), true);
      for (; i < len; i++) dst.setUint8(o + i, src.getUint8(srcOff + i));
      return 0;
    }
    return this.copyToUser(addr, new Uint8Array(src.buffer, src.byteOffset + srcOff, len));
  }

  /**
   * Models `copy_to_user` from a caller's buffer: `len` bytes of `src` from `srcOff` to `addr`;
   * 0, or -EFAULT (nothing written) if any byte is unmapped.
   */
  writeFrom(addr: number, src: Uint8Array, srcOff: number, len: number): number {
    const b = this.span(addr, len);
    if (b !== undefined) {
      const o = this.spanOff;
      if (len <= 32) for (let i = 0; i < len; i++) b[o + i] = src[srcOff + i]!;
      else b.set(src.subarray(srcOff, srcOff + len), o);
      return 0;
    }
    return this.copyToUser(addr, src.subarray(srcOff, srcOff + len));
  }

  /** Models `copy_from_user`: the bytes, or -EFAULT if any byte is unmapped. */
  copyFromUser(addr: number, len: number): Uint8Array | number {
    const fast = this.span(addr, len);
    if (fast !== undefined) return fast.slice(this.spanOff, this.spanOff + len);
    if (!this.accessOk(addr, len)) return -ERRNO.EFAULT;
    const out = new Uint8Array(len);
    let a = addr;
    let o = 0;
    while (o < len) {
      const r = this.find(a) as Region;
      const n = Math.min(len - o, r.end - a);
      out.set(r.bytes.subarray(a - r.start, a - r.start + n), o);
      o += n;
      a += n;
    }
    return out;
  }

  /** Models `copy_to_user`: 0, or -EFAULT (nothing written) if any byte is unmapped. */
  copyToUser(addr: number, bytes: Uint8Array): number {
    const fast = this.span(addr, bytes.length);
    if (fast !== undefined) {
      const o = this.spanOff;
      const n = bytes.length;
      if (n <= 32) for (let i = 0; i < n; i++) fast[o + i] = bytes[i]!;
      else fast.set(bytes, o);
      return 0;
    }
    if (!this.accessOk(addr, bytes.length)) return -ERRNO.EFAULT;
    let a = addr;
    let o = 0;
    while (o < bytes.length) {
      const r = this.find(a) as Region;
      const n = Math.min(bytes.length - o, r.end - a);
      r.bytes.set(bytes.subarray(o, o + n), a - r.start);
      o += n;
      a += n;
    }
    return 0;
  }

  /**
   * Models `strncpy_from_user(dst, src, count)`: the string up to the first NUL or `count` bytes,
   * or -EFAULT when a byte that must be read is unmapped. `truncated` is set when no NUL was met.
   */
  strncpyFromUser(addr: number, count: number): { bytes: Uint8Array; truncated: boolean } | number {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const r = this.find(addr + i);
      if (!r) return -ERRNO.EFAULT;
      const b = r.bytes[addr + i - r.start] as number;
      if (b === 0) return { bytes: Uint8Array.from(out), truncated: false };
      out.push(b);
    }
    return { bytes: Uint8Array.from(out), truncated: true };
  }

  /** Models `check_zeroed_user`: 1 if all zero, 0 if not, -EFAULT if unmapped. */
  checkZeroedUser(addr: number, len: number): number {
    const b = this.copyFromUser(addr, len);
    if (typeof b === 'number') return b;
    for (const x of b) if (x !== 0) return 0;
    return 1;
  }

  /** A copy of this address space (fork's `dup_mm`). */
  clone(): UserMemory {
    const m = new UserMemory();
    m.next = this.next;
    m.mappedBytes = this.mappedBytes;
    m.regions = this.regions.map((r) => r.copy());
    return m;
  }

  private find(addr: number): Region | undefined {
    let lo = 0;
    let hi = this.regions.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.regions[mid] as Region;
      if (addr < r.start) hi = mid - 1;
      else if (addr >= r.end) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  private indexAfter(start: number): number {
    let i = 0;
    while (i < this.regions.length && (this.regions[i] as Region).start < start) i++;
    return i;
  }
}
