/**
 * @fileoverview Bob Jenkins' lookup3 hash as the kernel uses it for hash maps and bloom filters.
 * Models include/linux/jhash.h `jhash`, `jhash2`, `__jhash_mix`, `__jhash_final` (little-endian
 * loads, as on x86_64).
 */

/** Models include/linux/jhash.h `JHASH_INITVAL`. */
export const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, s: number): number {
  return (x << s) | (x >>> (32 - s));
}

function u32At(k: Uint8Array, o: number): number {
  return k[o]! | (k[o + 1]! << 8) | (k[o + 2]! << 16) | (k[o + 3]! << 24) | 0;
}

/** Models include/linux/jhash.h `jhash(key, length, initval)` over `length` bytes at `off`. */
export function jhash(k: Uint8Array, off: number, length: number, initval: number): number {
  let a = (JHASH_INITVAL + length + initval) | 0;
  let b = a;
  let c = a;
  let o = off;
  while (length > 12) {
    a = (a + u32At(k, o)) | 0;
    b = (b + u32At(k, o + 4)) | 0;
    c = (c + u32At(k, o + 8)) | 0;
    // __jhash_mix
    a = (a - c) | 0;
    a ^= rol32(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rol32(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 4);
    b = (b + a) | 0;
    length -= 12;
    o += 12;
  }
  if (length === 0) return c >>> 0;
  // the kernel's fall-through switch
  if (length >= 12) c = (c + (k[o + 11]! << 24)) | 0;
  if (length >= 11) c = (c + (k[o + 10]! << 16)) | 0;
  if (length >= 10) c = (c + (k[o + 9]! << 8)) | 0;
  if (length >= 9) c = (c + k[o + 8]!) | 0;
  if (length >= 8) b = (b + (k[o + 7]! << 24)) | 0;
  if (length >= 7) b = (b + (k[o + 6]! << 16)) | 0;
  if (length >= 6) b = (b + (k[o + 5]! << 8)) | 0;
  if (length >= 5) b = (b + k[o + 4]!) | 0;
  if (length >= 4) a = (a + (k[o + 3]! << 24)) | 0;
  if (length >= 3) a = (a + (k[o + 2]! << 16)) | 0;
  if (length >= 2) a = (a + (k[o + 1]! << 8)) | 0;
  a = (a + k[o]!) | 0;
  return jhashFinal(a, b, c) >>> 0;
}

/** Models include/linux/jhash.h `jhash2(k, length, initval)`: `length` u32 words at byte `off`. */
export function jhash2(k: Uint8Array, off: number, length: number, initval: number): number {
  let a = (JHASH_INITVAL + (length << 2) + initval) | 0;
  let b = a;
  let c = a;
  let o = off;
  while (length > 3) {
    a = (a + u32At(k, o)) | 0;
    b = (b + u32At(k, o + 4)) | 0;
    c = (c + u32At(k, o + 8)) | 0;
    a = (a - c) | 0;
    a ^= rol32(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rol32(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 4);
    b = (b + a) | 0;
    length -= 3;
    o += 12;
  }
  if (length === 0) return c >>> 0;
  if (length >= 3) c = (c + u32At(k, o + 8)) | 0;
  if (length >= 2) b = (b + u32At(k, o + 4)) | 0;
  a = (a + u32At(k, o)) | 0;
  return jhashFinal(a, b, c) >>> 0;
}

/** Models `jhash2(k, length, initval)` over words already loaded (little-endian) into `k`. */
export function jhash2Words(k: Int32Array, length: number, initval: number): number {
  return jhash2WordsI32(k, length, initval) >>> 0;
}

/** {@link jhash2Words} as a signed 32-bit integer (see {@link jhash1WordI32}). */
export function jhash2WordsI32(k: Int32Array, length: number, initval: number): number {
  let a = (JHASH_INITVAL + (length << 2) + initval) | 0;
  let b = a;
  let c = a;
  let o = 0;
  while (length > 3) {
    a = (a + k[o]!) | 0;
    b = (b + k[o + 1]!) | 0;
    c = (c + k[o + 2]!) | 0;
    a = (a - c) | 0;
    a ^= rol32(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rol32(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rol32(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rol32(b, 4);
    b = (b + a) | 0;
    length -= 3;
    o += 3;
  }
  if (length === 0) return c | 0;
  if (length >= 3) c = (c + k[o + 2]!) | 0;
  if (length >= 2) b = (b + k[o + 1]!) | 0;
  a = (a + k[o]!) | 0;
  return jhashFinal(a, b, c);
}

/**
 * Models include/linux/jhash.h `jhash_1word(a, initval)`, which equals `jhash2(&a, 1, initval)`: the
 * hash of a 4-byte key (`k`, loaded little-endian) as `htab_map_hash` computes it, returned as a
 * signed 32-bit integer (`>>> 0` gives the u32). The signed form stays a small integer in V8, so
 * the hash table's hot path never boxes a hash.
 */
export function jhash1WordI32(k: number, initval: number): number {
  const b = (JHASH_INITVAL + 4 + initval) | 0;
  return jhashFinal((b + k) | 0, b, b);
}

/** Models `__jhash_final(a, b, c)`; returns c as a signed 32-bit integer. */
function jhashFinal(a: number, b: number, c: number): number {
  c ^= b;
  c = (c - rol32(b, 14)) | 0;
  a ^= c;
  a = (a - rol32(c, 11)) | 0;
  b ^= a;
  b = (b - rol32(a, 25)) | 0;
  c ^= b;
  c = (c - rol32(b, 16)) | 0;
  a ^= c;
  a = (a - rol32(c, 4)) | 0;
  b ^= a;
  b = (b - rol32(a, 14)) | 0;
  c ^= b;
  c = (c - rol32(b, 24)) | 0;
  return c;
}

/** Models kernel/bpf/hashtab.c `htab_map_hash`: jhash2 when the key is a whole number of words. */
export function htabMapHash(key: Uint8Array, off: number, keyLen: number, hashrnd: number): number {
  if ((keyLen & 3) === 0) return jhash2(key, off, keyLen >>> 2, hashrnd);
  return jhash(key, off, keyLen, hashrnd);
}
