/**
 * @fileoverview The seeded pseudo-random generator behind `get_random_u32()`/`prandom_u32`.
 *
 * Models lib/random32.c `prandom_u32_state` (the Tausworthe generator, taus113) with a seed chosen
 * by the simulation instead of the entropy pool, so hash seeds and helper results are reproducible.
 */

/** A taus113 generator; models `struct rnd_state` and `prandom_u32_state`. */
export class Prandom {
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private s4 = 0;

  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /** Models `prandom_seed_state`: spreads a 64-bit seed over the four words (each above its minimum). */
  seed(seed: number | bigint): void {
    const s = BigInt.asUintN(64, BigInt(seed));
    const i = Number(s & 0xffffffffn) ^ Number((s >> 32n) & 0xffffffffn);
    const lcg = (x: number): number => (Math.imul(x, 69069) + 1) >>> 0;
    const fix = (x: number, min: number): number => (x >>> 0 < min ? (x + min) >>> 0 : x >>> 0);
    this.s1 = fix(lcg(i), 2);
    this.s2 = fix(lcg(this.s1), 8);
    this.s3 = fix(lcg(this.s2), 16);
    this.s4 = fix(lcg(this.s3), 128);
    for (let k = 0; k < 10; k++) this.u32();
  }

  /** Models `prandom_u32_state`: the next 32-bit value. */
  u32(): number {
    const taus = (s: number, a: number, b: number, c: number, d: number): number =>
      (((s & c) << d) ^ (((s << a) ^ s) >>> b)) >>> 0;
    this.s1 = taus(this.s1, 6, 13, 0xfffffffe, 18);
    this.s2 = taus(this.s2, 2, 27, 0xfffffff8, 2);
    this.s3 = taus(this.s3, 13, 21, 0xfffffff0, 7);
    this.s4 = taus(this.s4, 3, 12, 0xffffff80, 13);
    return (this.s1 ^ this.s2 ^ this.s3 ^ this.s4) >>> 0;
  }
}
