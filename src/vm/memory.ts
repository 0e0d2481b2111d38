/**
 * @fileoverview The VM's address space: regions of bytes, each at its own 4 GiB-aligned base.
 *
 * Models the memory a BPF program can reach in the kernel (the stack frames of
 * kernel/bpf/core.c `___bpf_prog_run`, the context, packet data, map values of
 * kernel/bpf/arraymap.c and hashtab.c) as regions of one 64-bit address space. The high 32 bits
 * of an address name the region (`0xffff8880 + slot`, so addresses print like kernel direct-map
 * pointers), the low 32 bits are the offset inside it. An access is one table lookup on the high
 * half and one bounds check on the low half; anything else is a fault.
 *
 * Slots 0..7 are the stack frames of the running program (one 512-byte region per call depth,
 * R10 points at its end). Other slots are handed out by {@link AddressSpace.map}.
 */
import { MAX_BPF_STACK, MAX_CALL_FRAMES } from '../isa/opcodes.js';

/** High half of the address of slot 0 (`0xffff8880_00000000`). */
export const REGION_HI_BASE = 0xffff8880;
/** {@link REGION_HI_BASE} as a signed 32-bit integer (the form registers hold). */
export const REGION_HI_BASE_I32 = REGION_HI_BASE | 0;
/** Number of region slots an address space can hold. */
export const MAX_REGIONS = 0x4000;
/**
 * A bpf subprogram "pointer" (what the loader puts in a `BPF_PSEUDO_FUNC` ld_imm64, what
 * bpf_loop's callback argument holds) is `FUNC_PTR_HI:FUNC_PTR_LO_BASE + 8 * pc`, which prints like a
 * kernel text address (`0xffffffffa0000040` is the subprogram at pc 8).
 */
export const FUNC_PTR_HI = 0xffffffff;
/** See {@link FUNC_PTR_HI}. */
export const FUNC_PTR_LO_BASE = 0xa0000000;

/** The 64-bit "function pointer" of the subprogram starting at `pc`. */
export function funcPtr(pc: number): bigint {
  return (BigInt(FUNC_PTR_HI) << 32n) | BigInt(FUNC_PTR_LO_BASE + pc * 8);
}

/** The pc a function pointer designates, or -1 if `lo`/`hi` (register halves) are not one. */
export function funcPtrPc(lo: number, hi: number): number {
  const off = (lo >>> 0) - FUNC_PTR_LO_BASE;
  if (hi >>> 0 !== FUNC_PTR_HI || off < 0 || off % 8 !== 0) return -1;
  return off / 8;
}

/** One mapped region. `addr` is the 64-bit address of its first byte. */
export interface Region {
  readonly slot: number;
  /** High 32 bits of every address in the region (unsigned). */
  readonly hi: number;
  /** Address of byte 0. */
  readonly addr: bigint;
  readonly bytes: Uint8Array;
  readonly writable: boolean;
  readonly name: string;
}

/** Options of {@link AddressSpace.map}. */
export interface MapOptions {
  /** A short name shown in faults and traces (`ctx`, `packet`, `map:counts`). */
  name?: string;
  /** Whether programs may store into the region (default true). */
  writable?: boolean;
}

/** Address of byte `offset` of a region slot, as a bigint. */
export function regionAddr(slot: number, offset = 0): bigint {
  return (BigInt(REGION_HI_BASE + slot) << 32n) | BigInt(offset >>> 0);
}

/**
 * A set of regions addressed by 64-bit pointers. Maps register their value arenas once
 * (`space.map(arena, { name: 'map:x' })`) and helpers return `region.addr + offset`; the
 * context and packet of one test run are mapped before the run and unmapped after it.
 */
export class AddressSpace {
  /** DataViews of readable regions by slot (the engines index this directly). */
  readonly rd: (DataView | undefined)[] = [];
  /** DataViews of writable regions by slot; `undefined` for read-only or unmapped slots. */
  readonly wr: (DataView | undefined)[] = [];
  /** The bytes of readable regions by slot (helpers read keys and values through these). */
  readonly u8: (Uint8Array | undefined)[] = [];
  /** Counts map and unmap calls: what a helper resolved stays valid while it is unchanged. */
  epoch = 0;
  private readonly regions: (Region | undefined)[] = [];
  private nextSlot = MAX_CALL_FRAMES;

  constructor() {
    for (let i = 0; i < MAX_CALL_FRAMES; i++) {
      this.install(i, new Uint8Array(MAX_BPF_STACK), true, `stack#${i}`);
    }
  }

  /** Maps `bytes` (shared, not copied) at a fresh 4 GiB-aligned base. Throws when all slots are used. */
  map(bytes: Uint8Array, opts: MapOptions = {}): Region {
    let slot = -1;
    for (let s = this.nextSlot; s < MAX_REGIONS; s++) {
      if (this.regions[s] === undefined) {
        slot = s;
        break;
      }
    }
    if (slot < 0) {
      for (let s = MAX_CALL_FRAMES; s < this.nextSlot; s++) {
        if (this.regions[s] === undefined) {
          slot = s;
          break;
        }
      }
    }
    if (slot < 0) throw new RangeError(`address space full (${MAX_REGIONS} regions)`);
    this.nextSlot = slot + 1;
    return this.install(slot, bytes, opts.writable ?? true, opts.name ?? `region#${slot}`);
  }

  /** Removes a region; later accesses to its addresses fault. */
  unmap(region: Region): void {
    if (region.slot < MAX_CALL_FRAMES || this.regions[region.slot] !== region) return;
    this.regions[region.slot] = undefined;
    this.rd[region.slot] = undefined;
    this.wr[region.slot] = undefined;
    this.u8[region.slot] = undefined;
    this.epoch++;
  }

  /** The region holding `addr`, if any (for diagnostics and helpers). */
  regionOf(addr: bigint): Region | undefined {
    const slot = Number((addr >> 32n) & 0xffffffffn) - REGION_HI_BASE;
    if (slot < 0 || slot >= MAX_REGIONS) return undefined;
    const r = this.regions[slot];
    if (r === undefined) return undefined;
    return Number(addr & 0xffffffffn) < r.bytes.length ? r : undefined;
  }

  /** The stack region of call depth `depth` (0 = the program's own frame). */
  stack(depth: number): Region {
    return this.regions[depth] as Region;
  }

  /**
   * Resolves `[addr, addr+size)` to a byte array and offset, or `undefined` if it is not inside
   * one region (or not writable when `write`). Helpers use this to read keys and write values.
   */
  resolve(addr: bigint, size: number, write = false): { bytes: Uint8Array; offset: number } | undefined {
    const r = this.regionOf(addr);
    if (r === undefined || (write && !r.writable)) return undefined;
    const offset = Number(addr & 0xffffffffn);
    if (size < 0 || offset + size > r.bytes.length) return undefined;
    return { bytes: r.bytes, offset };
  }

  /** Zeroes the stack frames (done at the start of each run so results are repeatable). */
  clearStacks(): void {
    for (let i = 0; i < MAX_CALL_FRAMES; i++) (this.regions[i] as Region).bytes.fill(0);
  }

  private install(slot: number, bytes: Uint8Array, writable: boolean, name: string): Region {
    const region: Region = { slot, hi: REGION_HI_BASE + slot, addr: regionAddr(slot), bytes, writable, name };
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (this.rd.length <= slot) {
      this.rd.push(undefined);
      this.wr.push(undefined);
      this.u8.push(undefined);
      this.regions.push(undefined);
    }
    this.regions[slot] = region;
    this.rd[slot] = dv;
    this.u8[slot] = bytes;
    this.epoch++;
    this.wr[slot] = writable ? dv : undefined;
    return region;
  }
}
