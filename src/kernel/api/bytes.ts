/**
 * @fileoverview Key and value conversions of the friendly API: numbers and bigints become
 * little-endian byte strings of the map's key or value size, as a C program would store them.
 */

/** A key or value: raw bytes, or an integer stored little-endian in the field's size. */
export type BytesLike = Uint8Array | number | bigint;

/** Encodes `v` as exactly `size` bytes (integers little-endian, truncated to the size). */
export function toBytes(v: BytesLike, size: number, what: string): Uint8Array {
  if (v instanceof Uint8Array) {
    if (v.length !== size) throw new RangeError(`${what} must be ${size} bytes, got ${v.length}`);
    return v;
  }
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(Math.max(size, 1) * 8, BigInt(v));
  for (let i = 0; i < size; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Decodes little-endian bytes as an unsigned bigint. */
export function leToBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i] as number);
  return x;
}
