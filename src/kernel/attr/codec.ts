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

/** A decoded `union bpf_attr`: 168 bytes, zero-extended; typed accessors by field. */
export class BpfAttr {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;

  constructor(bytes?: Uint8Array) {
    this.bytes = new Uint8Array(BPF_ATTR_SIZE);
    if (bytes) this.bytes.set(bytes.subarray(0, BPF_ATTR_SIZE));
    this.dv = new DataView(this.bytes.buffer);
  }

  /** Unsigned 32-bit field. */
  u32(f: AttrField): number {
    return this.dv.getUint32(f.off, true);
  }

  /** Signed 32-bit field. */
  s32(f: AttrField): number {
    return this.dv.getInt32(f.off, true);
  }

  /** Unsigned 64-bit field. */
  u64(f: AttrField): bigint {
    return this.dv.getBigUint64(f.off, true);
  }

  /**
   * A 64-bit user pointer as a number. Values above 2^53 cannot be user addresses; they map to
   * `Number.MAX_SAFE_INTEGER`, which never lies in a mapping and so faults like the kernel's.
   */
  ptr(f: AttrField): number {
    const v = this.u64(f);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  /** The raw bytes of a field (names such as `map_name`). */
  raw(f: AttrField): Uint8Array {
    return this.bytes.slice(f.off, f.off + f.size);
  }

  /** Sets a field (for building attrs in tests and in the friendly API). */
  set(f: AttrField, v: number | bigint): this {
    if (f.size === 8) this.dv.setBigUint64(f.off, BigInt.asUintN(64, BigInt(v)), true);
    else if (f.size === 4) this.dv.setUint32(f.off, Number(BigInt.asUintN(32, BigInt(v))), true);
    else if (f.size === 2) this.dv.setUint16(f.off, Number(v) & 0xffff, true);
    else this.bytes[f.off] = Number(v) & 0xff;
    return this;
  }

  /** Sets a byte-array field (truncated to the field size). */
  setBytes(f: AttrField, b: Uint8Array): this {
    this.bytes.fill(0, f.off, f.off + f.size);
    this.bytes.set(b.subarray(0, f.size), f.off);
    return this;
  }

  /** Models `CHECK_ATTR(CMD)`: true when a byte after the command's last field is non-zero. */
  checkAttrFails(cmd: number): boolean {
    const from = LAST_FIELD_END[cmd];
    if (from === undefined) return false;
    for (let i = from; i < BPF_ATTR_SIZE; i++) if (this.bytes[i] !== 0) return true;
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
  const bytes = mem.copyFromUser(addr, n);
  if (typeof bytes === 'number') return bytes;
  return new BpfAttr(bytes);
}
