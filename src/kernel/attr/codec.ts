/**
 * @fileoverview Reading `union bpf_attr` from user memory and the checks done on it.
 *
 * Models kernel/bpf/syscall.c `bpf_check_uarg_tail_zero` (size > PAGE_SIZE → E2BIG, non-zero bytes
 * past sizeof(union bpf_attr) → E2BIG), the zero-extending copy of `__sys_bpf`, and `CHECK_ATTR`
 * (non-zero bytes after the command's last field → EINVAL).
 */
import { ERRNO } from '../../uapi/errno.js';
import { PAGE_SIZE, type UserMemory } from '../user-memory.js';
import { type AttrField, BPF_ATTR_SIZE, LAST_FIELD_END } from './layout.js';

/**
 * A decoded `union bpf_attr`: 168 bytes, zero-extended; typed accessors by field.
 *
 * Only the bytes user space passed are stored (the rest of the union reads as zero, as after the
 * kernel's zero-extending copy); the full 168-byte buffer is built on first use of {@link bytes},
 * {@link set} or {@link setBytes}. Small attrs (the element commands pass 32 bytes) so cost one
 * small on-heap copy per syscall.
 */
export class BpfAttr {
  /** The first `buf.length` bytes of the union; every later byte is zero. */
  private buf: Uint8Array;
  private full: boolean;

  constructor(bytes?: Uint8Array) {
    this.buf = new Uint8Array(BPF_ATTR_SIZE);
    this.full = true;
    if (bytes) this.buf.set(bytes.subarray(0, BPF_ATTR_SIZE));
  }

  /** An attr over the first `bytes.length` (<= 168) bytes of the union, taking ownership of `bytes`. */
  static adopt(bytes: Uint8Array): BpfAttr {
    if (bytes.length >= BPF_ATTR_SIZE) return new BpfAttr(bytes);
    const a = Object.create(BpfAttr.prototype) as BpfAttr;
    a.buf = bytes;
    a.full = false;
    a.view = undefined;
    return a;
  }

  /**
   * A DataView of {@link buf} while it is the reused small attr's buffer (word reads without four
   * byte loads each); undefined otherwise.
   */
  private view: DataView | undefined;

  /** Points this attr at `bytes` again (the reused attr of {@link readAttrFromUser}), read through `view`. */
  reset(bytes: Uint8Array, view?: DataView): this {
    this.buf = bytes;
    this.view = view;
    this.full = false;
    return this;
  }

  /** The 168 bytes of the union. */
  get bytes(): Uint8Array {
    if (!this.full) {
      const b = new Uint8Array(BPF_ATTR_SIZE);
      b.set(this.buf);
      this.buf = b;
      this.view = undefined;
      this.full = true;
    }
    return this.buf;
  }

  /** Unsigned 32-bit little-endian word at byte offset `off`. */
  private word(off: number): number {
    const b = this.buf;
    const v = this.view;
    if (v !== undefined && off + 4 <= b.length) return v.getUint32(off, true);
    if (off + 4 <= b.length)
      return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
    return (
      ((b[off] ?? 0) | ((b[off + 1] ?? 0) << 8) | ((b[off + 2] ?? 0) << 16) | ((b[off + 3] ?? 0) << 24)) >>> 0
    );
  }

  /** Unsigned 32-bit field. */
  u32(f: AttrField): number {
    return this.word(f.off);
  }

  /** Signed 32-bit field. */
  s32(f: AttrField): number {
    return this.word(f.off) | 0;
  }

  /** Unsigned 64-bit field. */
  u64(f: AttrField): bigint {
    const lo = this.word(f.off);
    const hi = this.word(f.off + 4);
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** The high 32 bits of a 64-bit field (for flag checks without BigInt). */
  hi32(f: AttrField): number {
    return this.word(f.off + 4);
  }

  /**
   * A 64-bit user pointer as a number. Values above 2^53 cannot be user addresses; they map to
   * `Number.MAX_SAFE_INTEGER`, which never lies in a mapping and so faults like the kernel's.
   */
  ptr(f: AttrField): number {
    const hi = this.word(f.off + 4);
    if (hi >= 0x200000) return Number.MAX_SAFE_INTEGER;
    return hi * 0x1_0000_0000 + this.word(f.off);
  }

  /** The raw bytes of a field (names such as `map_name`). */
  raw(f: AttrField): Uint8Array {
    const out = new Uint8Array(f.size);
    const b = this.buf;
    for (let i = 0; i < f.size; i++) out[i] = b[f.off + i] ?? 0;
    return out;
  }

  /** Sets a field (for building attrs in tests and in the friendly API). */
  set(f: AttrField, v: number | bigint): this {
    const bytes = this.bytes;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (f.size === 8) dv.setBigUint64(f.off, BigInt.asUintN(64, BigInt(v)), true);
    else if (f.size === 4) dv.setUint32(f.off, Number(BigInt.asUintN(32, BigInt(v))), true);
    else if (f.size === 2) dv.setUint16(f.off, Number(v) & 0xffff, true);
    else bytes[f.off] = Number(v) & 0xff;
    return this;
  }

  /** Sets a byte-array field (truncated to the field size). */
  setBytes(f: AttrField, b: Uint8Array): this {
    const bytes = this.bytes;
    bytes.fill(0, f.off, f.off + f.size);
    bytes.set(b.subarray(0, f.size), f.off);
    return this;
  }

  /** Models `CHECK_ATTR(CMD)`: true when a byte after the command's last field is non-zero. */
  checkAttrFails(cmd: number): boolean {
    const from = LAST_FIELD_END[cmd];
    if (from === undefined) return false;
    const b = this.buf;
    for (let i = from; i < b.length; i++) if (b[i] !== 0) return true;
    return false;
  }
}

/**
 * Models the start of `__sys_bpf`: `bpf_check_uarg_tail_zero` then the zero-extending copy.
 * Returns the attr or `-errno` (E2BIG, EFAULT).
 */
export function readAttrFromUser(mem: UserMemory, addr: number, size: number): BpfAttr | number {
  const sz = size >>> 0;
  if (sz > PAGE_SIZE) return -ERRNO.E2BIG;
  if (sz > BPF_ATTR_SIZE) {
    const z = mem.checkZeroedUser(addr + BPF_ATTR_SIZE, sz - BPF_ATTR_SIZE);
    if (z < 0) return z;
    if (z === 0) return -ERRNO.E2BIG;
  }
  const n = Math.min(sz, BPF_ATTR_SIZE);
  // The element commands pass 32 bytes: copy them into a reused attr of that size (nothing keeps
  // an attr after its syscall returns; the depth guard covers a bpf() made while one runs).
  if (n === 32 && smallDepth === 0) {
    if (mem.readIntoView(addr, 32, smallView, 0)) return -ERRNO.EFAULT;
    return smallAttr.reset(smallBuf, smallView);
  }
  const bytes = mem.copyFromUser(addr, n);
  if (typeof bytes === 'number') return bytes;
  return BpfAttr.adopt(bytes);
}

const smallBuf = new Uint8Array(32);
const smallView = new DataView(smallBuf.buffer);
const smallAttr = BpfAttr.adopt(new Uint8Array(32));
let smallDepth = 0;

/** Marks the reused 32-byte attr busy while a syscall runs (nested bpf() calls then allocate). */
export function attrBusy(delta: 1 | -1): void {
  smallDepth += delta;
}
