/**
 * @fileoverview Byte helpers of the scenario executor: a zeroed attr image with the oracle's
 * bounds rules (`struct.pack_into` on a `ctypes.create_string_buffer`), hex codecs, and the
 * per-operation user-memory arena that keeps every buffer an attr points to alive until the
 * syscall returns (the oracle's `Attr.keep`).
 */
import type { SyscallHost } from '../syscall-host.js';

/** An error the oracle reports as `"error": "<Type>: <message>"` on the result line. */
export class OracleError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

/** A Python `KeyError` for a missing id or field, printed as `KeyError: 'name'`. */
export function keyError(key: string): OracleError {
  return new OracleError('KeyError', `'${key}'`);
}

/** Decodes lowercase (or uppercase) hex, ignoring whitespace between bytes like `bytes.fromhex`. */
export function fromHex(hex: string): Uint8Array {
  const h = hex.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(h))
    throw new OracleError('ValueError', 'non-hexadecimal number found in fromhex() arg');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Encodes bytes as lowercase hex without separators (Python's `bytes.hex()`). */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** A zeroed byte image standing in for `union bpf_attr` (the oracle's `Attr`). */
export class AttrImage {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(Math.max(0, size));
    this.view = new DataView(this.bytes.buffer);
  }

  get size(): number {
    return this.bytes.length;
  }

  private room(off: number, n: number): void {
    if (off < 0 || off + n > this.bytes.length)
      throw new OracleError(
        'struct.error',
        `pack_into requires a buffer of at least ${off + n} bytes for packing ${n} bytes at offset ${off} (actual buffer size is ${this.bytes.length})`,
      );
  }

  /** `struct.pack_into("<I")` of `v & 0xffffffff`. */
  u32(off: number, v: number): void {
    this.room(off, 4);
    this.view.setUint32(off, Number(BigInt.asUintN(32, BigInt(v))), true);
  }

  /** `struct.pack_into("<Q")` of `v & 0xffffffffffffffff`. */
  u64(off: number, v: number | bigint): void {
    this.room(off, 8);
    this.view.setBigUint64(off, BigInt.asUintN(64, BigInt(v)), true);
  }

  /** `struct.pack_into("16s")`: `s` truncated or zero-padded to `n` bytes. */
  bytesAt(off: number, s: Uint8Array, n: number): void {
    this.room(off, n);
    this.bytes.fill(0, off, off + n);
    this.bytes.set(s.subarray(0, n), off);
  }

  getU32(off: number): number {
    this.room(off, 4);
    return this.view.getUint32(off, true);
  }
}

/** User memory allocated for one operation and released when it ends. */
export class Arena {
  private readonly addrs: number[] = [];

  constructor(private readonly host: SyscallHost) {}

  /** Allocates `max(size, 1)` zeroed bytes (`ctypes.create_string_buffer(size)`). */
  alloc(size: number): number {
    const a = this.host.alloc(Math.max(size, 1));
    this.addrs.push(a);
    return a;
  }

  /** Allocates a buffer holding `bytes` (at least `minSize` bytes, the rest zero). */
  put(bytes: Uint8Array, minSize = bytes.length): number {
    const a = this.alloc(Math.max(bytes.length, minSize));
    if (bytes.length > 0) this.host.write(a, bytes);
    return a;
  }

  /** Frees everything allocated since the arena was created. */
  release(): void {
    for (const a of this.addrs.splice(0)) this.host.free(a);
  }
}

/**
 * Reads a NUL-terminated string of at most `max` bytes at `addr` (ctypes' `.value` of a char
 * buffer), in growing chunks so that a 16 MiB log buffer holding 100 bytes costs one small read.
 */
export function readCString(host: SyscallHost, addr: number, max: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let off = 0;
  let chunk = 4096;
  while (off < max) {
    const n = Math.min(chunk, max - off);
    const b = host.read(addr + off, n);
    const z = b.indexOf(0);
    if (z >= 0) {
      parts.push(b.subarray(0, z));
      break;
    }
    parts.push(b);
    off += n;
    chunk *= 4;
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
