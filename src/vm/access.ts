/**
 * @fileoverview Memory access and shared instruction pieces used by both engines.
 *
 * Models the loads and stores of kernel/bpf/core.c `___bpf_prog_run` (LDX_MEM_*, ST_MEM_*,
 * STX_MEM_*, LDX_MEMSX_*, STX_ATOMIC_*) on the region table of memory.ts, and the packet loads
 * that net/core/filter.c `bpf_gen_ld_abs` / `bpf_skb_load_helper_*` perform for LD_ABS/LD_IND.
 */
import { A64, bswap16, bswap32 } from './alu64.js';
import { REGION_HI_BASE_I32 } from './memory.js';

/**
 * The DataView of the region addressed by `hi`, if `[lo, lo+size)` lies inside it (and it is
 * writable when `table` is the writable table); `undefined` otherwise. The offset is `lo`.
 */
export function view(
  table: (DataView | undefined)[],
  lo: number,
  hi: number,
  size: number,
): DataView | undefined {
  const slot = (hi - REGION_HI_BASE_I32) >>> 0;
  if (slot >= table.length) return undefined;
  const v = table[slot];
  if (v === undefined || lo >>> 0 > v.byteLength - size) return undefined;
  return v;
}

/** High half of `(lo, hi) + off` for a signed 16-bit `off` (the low half is `(lo + off) | 0`). */
export function addrHi(lo: number, hi: number, off: number): number {
  const sum = (lo >>> 0) + off;
  return sum < 0 ? (hi - 1) | 0 : sum > 0xffffffff ? (hi + 1) | 0 : hi;
}

/** Loads `size` bytes zero-extended (low half returned, high half in A64.hi). */
export function load(v: DataView, o: number, size: number): number {
  switch (size) {
    case 1:
      A64.hi = 0;
      return v.getUint8(o);
    case 2:
      A64.hi = 0;
      return v.getUint16(o, true);
    case 4:
      A64.hi = 0;
      return v.getInt32(o, true);
    default:
      A64.hi = v.getInt32(o + 4, true);
      return v.getInt32(o, true);
  }
}

/** Loads `size` bytes sign-extended to 64 bits (MEMSX). */
export function loadSx(v: DataView, o: number, size: number): number {
  const lo = size === 1 ? v.getInt8(o) : size === 2 ? v.getInt16(o, true) : v.getInt32(o, true);
  A64.hi = lo >> 31;
  return lo;
}

/** Stores the low `size` bytes of (lo, hi). */
export function store(v: DataView, o: number, size: number, lo: number, hi: number): void {
  switch (size) {
    case 1:
      v.setUint8(o, lo & 0xff);
      return;
    case 2:
      v.setUint16(o, lo & 0xffff, true);
      return;
    case 4:
      v.setInt32(o, lo, true);
      return;
    default:
      v.setInt32(o, lo, true);
      v.setInt32(o + 4, hi, true);
  }
}

/** Width in bytes of the size field of a load/store opcode. */
export function widthOf(code: number): number {
  switch (code & 0x18) {
    case 0x10:
      return 1;
    case 0x08:
      return 2;
    case 0x00:
      return 4;
    default:
      return 8;
  }
}

/**
 * Applies atomic read-modify-write `op` (BPF_ADD/OR/AND/XOR, optionally | BPF_FETCH, BPF_XCHG)
 * to the 4- or 8-byte value at `v[o]` with operand (slo, shi). Returns the old value's low half
 * (high half in A64.hi; zero for 4 bytes). BPF_CMPXCHG is handled by {@link cmpxchg}.
 */
export function atomicRmw(
  v: DataView,
  o: number,
  size: number,
  op: number,
  slo: number,
  shi: number,
): number {
  const olo = v.getInt32(o, true);
  const ohi = size === 8 ? v.getInt32(o + 4, true) : 0;
  let nlo: number;
  let nhi: number;
  switch (op & 0xf0) {
    case 0x00: {
      nlo = (olo + slo) | 0;
      nhi = (ohi + shi + (nlo >>> 0 < olo >>> 0 ? 1 : 0)) | 0;
      break;
    }
    case 0x40:
      nlo = olo | slo;
      nhi = ohi | shi;
      break;
    case 0x50:
      nlo = olo & slo;
      nhi = ohi & shi;
      break;
    case 0xa0:
      nlo = olo ^ slo;
      nhi = ohi ^ shi;
      break;
    default:
      // BPF_XCHG
      nlo = slo;
      nhi = shi;
  }
  v.setInt32(o, nlo, true);
  if (size === 8) v.setInt32(o + 4, nhi, true);
  A64.hi = ohi;
  return olo;
}

/** BPF_CMPXCHG: compares the value at `v[o]` with (clo, chi) = R0 and stores (slo, shi) if equal; returns the old value. */
export function cmpxchg(
  v: DataView,
  o: number,
  size: number,
  clo: number,
  chi: number,
  slo: number,
  shi: number,
): number {
  const olo = v.getInt32(o, true);
  const ohi = size === 8 ? v.getInt32(o + 4, true) : 0;
  if (olo === clo && (size === 4 || ohi === chi)) {
    v.setInt32(o, slo, true);
    if (size === 8) v.setInt32(o + 4, shi, true);
  }
  A64.hi = ohi;
  return olo;
}

/**
 * LD_ABS/LD_IND: loads `size` bytes at `off` of `pkt` in network byte order. Returns the value
 * (zero-extended to 64 bits, non-negative) or -1 when out of bounds (the program then exits with
 * R0 = 0, as bpf_gen_ld_abs arranges). Negative (SKF_*_OFF) offsets are not modelled: out of bounds.
 */
export function ldPacket(pkt: Uint8Array | undefined, off: number, size: number): number {
  if (pkt === undefined || off < 0 || off + size > pkt.length) return -1;
  if (size === 1) return pkt[off] as number;
  if (size === 2) return bswap16(((pkt[off + 1] as number) << 8) | (pkt[off] as number));
  return (
    bswap32(
      (pkt[off] as number) |
        ((pkt[off + 1] as number) << 8) |
        ((pkt[off + 2] as number) << 16) |
        ((pkt[off + 3] as number) << 24),
    ) >>> 0
  );
}
