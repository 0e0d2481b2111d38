/**
 * @fileoverview Value storage that program pointers point into.
 *
 * Models the memory behind PTR_TO_MAP_VALUE: the kernel's preallocated element arrays
 * (kernel/bpf/hashtab.c `htab->elems`, kernel/bpf/arraymap.c `array->value`) whose addresses stay
 * valid while the element lives. Values sit in fixed-size chunks created on demand (so a 1M-entry
 * map costs memory only as it fills) and never moved; a value's location is
 * `chunk * ARENA_CHUNK_SPAN + offset`, which maps one-to-one onto the VM's 4 GiB-aligned regions
 * (one region per chunk).
 */

/** Distance between chunks in a location number (one VM region each). */
export const ARENA_CHUNK_SPAN = 2 ** 32;
/** Target bytes per chunk for large maps. */
const CHUNK_BYTES = 1 << 22;

/** Chunked value storage: element `slot` lives at `offsetOf(slot)` in `chunkOf(slot)`. */
export class ValueArena {
  /** Created chunks; index = chunk number. Never replaced once created. */
  readonly chunks: Uint8Array[] = [];
  /**
   * The chunks as 32-bit words (same memory; chunks start 8-byte aligned), for word copies of
   * values whose size and offset are multiples of 4: V8 copies words several times faster than bytes.
   */
  readonly words: Int32Array[] = [];
  /** log2 of elements per chunk. */
  readonly shift: number;
  private readonly mask: number;

  /**
   * @param stride bytes per element (per-CPU maps: all CPUs' values)
   * @param elems number of element slots the arena may ever hold
   * @param singleChunk keep every element in chunk 0
   */
  constructor(
    readonly stride: number,
    readonly elems: number,
    /** One chunk for all elements (an mmap()able array must be contiguous). */
    singleChunk = false,
  ) {
    let shift = 0;
    while ((singleChunk || 2 ** (shift + 1) * stride <= CHUNK_BYTES) && 2 ** shift < elems) shift++;
    this.shift = shift;
    this.mask = 2 ** shift - 1;
  }

  /** The chunk of `slot`, created (zeroed) on first use. */
  chunkOf(slot: number): Uint8Array {
    const c = slot >>> this.shift;
    const chunk = this.chunks[c];
    if (chunk !== undefined) return chunk;
    return this.create(c);
  }

  /** Byte offset of `slot` inside its chunk. */
  offsetOf(slot: number): number {
    return (slot & this.mask) * this.stride;
  }

  /** The location number of byte `extra` of `slot` (chunk * ARENA_CHUNK_SPAN + offset). */
  loc(slot: number, extra: number): number {
    const c = slot >>> this.shift;
    if (this.chunks[c] === undefined) this.create(c);
    return c * ARENA_CHUNK_SPAN + (slot & this.mask) * this.stride + extra;
  }

  /** Bytes of the chunks created so far. */
  byteLength(): number {
    let n = 0;
    for (const c of this.chunks) if (c) n += c.byteLength;
    return n;
  }

  /** The bytes of a location (see {@link loc}). */
  chunkAt(loc: number): Uint8Array {
    return this.chunks[Math.floor(loc / ARENA_CHUNK_SPAN)]!;
  }

  private create(c: number): Uint8Array {
    const first = c * 2 ** this.shift;
    const n = Math.min(2 ** this.shift, this.elems - first);
    const chunk = new Uint8Array(Math.max(n, 1) * this.stride);
    this.chunks[c] = chunk;
    this.words[c] = new Int32Array(chunk.buffer, 0, chunk.length >>> 2);
    return chunk;
  }
}
