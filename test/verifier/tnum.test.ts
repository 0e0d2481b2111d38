import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TNUM_UNKNOWN,
  type Tnum,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumBswap16,
  tnumBswap32,
  tnumBswap64,
  tnumCast,
  tnumClearSubreg,
  tnumConst,
  tnumConstSubreg,
  tnumContains,
  tnumIn,
  tnumIntersect,
  tnumIsAligned,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumOverlap,
  tnumRange,
  tnumRshift,
  tnumSbin,
  tnumStr,
  tnumSub,
  tnumSubreg,
  tnumUnion,
  tnumWithSubreg,
  tnumXor,
} from '../../src/verifier/tnum.js';

const M64 = (1n << 64n) - 1n;
const u64 = (x: bigint) => BigInt.asUintN(64, x);
const s64 = (x: bigint) => BigInt.asIntN(64, x);

/** Random 64-bit values biased towards edges and small numbers. */
const arbU64 = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: M64 - 300n, max: M64 }),
  fc.constantFrom(0n, 1n, 1n << 31n, 1n << 32n, 1n << 63n, (1n << 63n) - 1n, 0xffff_ffffn),
);

/** A well-formed tnum (value & mask == 0), with the mask often small or structured. */
const arbTnum: fc.Arbitrary<Tnum> = fc
  .tuple(
    arbU64,
    fc.oneof(
      fc.bigInt({ min: 0n, max: M64 }),
      fc.bigInt({ min: 0n, max: 0xffn }),
      fc.integer({ min: 0, max: 64 }).map((b) => (1n << BigInt(b)) - 1n),
      fc.constant(0n),
    ),
  )
  .map(([v, m]) => ({ value: v & ~m & M64, mask: m }));

/** A tnum and one of its members. */
const arbTnumMember = fc
  .tuple(arbTnum, fc.bigInt({ min: 0n, max: M64 }))
  .map(([t, r]) => ({ t, x: t.value | (r & t.mask) }));

describe('tnum soundness: op(x, y) is a member of tnum_op(a, b) (BigInt reference arithmetic)', () => {
  const binops: [string, (a: Tnum, b: Tnum) => Tnum, (x: bigint, y: bigint) => bigint][] = [
    ['add', tnumAdd, (x, y) => u64(x + y)],
    ['sub', tnumSub, (x, y) => u64(x - y)],
    ['mul', tnumMul, (x, y) => u64(x * y)],
    ['and', tnumAnd, (x, y) => x & y],
    ['or', tnumOr, (x, y) => x | y],
    ['xor', tnumXor, (x, y) => x ^ y],
  ];
  for (const [name, op, ref] of binops) {
    it(name, () => {
      fc.assert(
        fc.property(arbTnumMember, arbTnumMember, (a, b) => {
          const r = op(a.t, b.t);
          expect((r.value & r.mask) === 0n).toBe(true);
          expect(tnumContains(r, ref(a.x, b.x))).toBe(true);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('union and intersect', () => {
    fc.assert(
      fc.property(arbTnumMember, arbTnumMember, (a, b) => {
        const u = tnumUnion(a.t, b.t);
        expect(tnumContains(u, a.x) && tnumContains(u, b.x)).toBe(true);
        // any value in both a and b is in intersect(a, b)
        if (tnumContains(b.t, a.x)) expect(tnumContains(tnumIntersect(a.t, b.t), a.x)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('neg, shifts, casts, byte swaps, subreg helpers', () => {
    fc.assert(
      fc.property(arbTnumMember, fc.integer({ min: 0, max: 63 }), (a, sh) => {
        const x = a.x;
        const s = BigInt(sh);
        expect(tnumContains(tnumNeg(a.t), u64(-x))).toBe(true);
        expect(tnumContains(tnumLshift(a.t, sh), u64(x << s))).toBe(true);
        expect(tnumContains(tnumRshift(a.t, sh), x >> s)).toBe(true);
        expect(tnumContains(tnumArshift(a.t, sh, 64), u64(s64(x) >> s))).toBe(true);
        const x32 = BigInt.asIntN(32, x);
        expect(tnumContains(tnumArshift(a.t, sh % 32, 32), BigInt.asUintN(32, x32 >> BigInt(sh % 32)))).toBe(
          true,
        );
        for (const size of [1, 2, 4]) {
          expect(tnumContains(tnumCast(a.t, size), x & ((1n << BigInt(size * 8)) - 1n))).toBe(true);
        }
        const bytes = (v: bigint, n: number) => {
          let r = 0n;
          for (let i = 0; i < n; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
          return r;
        };
        expect(tnumContains(tnumBswap16(a.t), bytes(x, 2))).toBe(true);
        expect(tnumContains(tnumBswap32(a.t), bytes(x, 4))).toBe(true);
        expect(tnumContains(tnumBswap64(a.t), bytes(x, 8))).toBe(true);
        expect(tnumContains(tnumSubreg(a.t), x & 0xffff_ffffn)).toBe(true);
        expect(tnumContains(tnumClearSubreg(a.t), x & ~0xffff_ffffn & M64)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('with_subreg and const_subreg combine halves', () => {
    fc.assert(
      fc.property(arbTnumMember, arbTnumMember, fc.integer({ min: 0, max: 0xffff_ffff }), (a, b, c) => {
        const hi = a.x & ~0xffff_ffffn & M64;
        expect(tnumContains(tnumWithSubreg(a.t, b.t), hi | (b.x & 0xffff_ffffn))).toBe(true);
        expect(tnumContains(tnumConstSubreg(a.t, c), hi | BigInt(c))).toBe(true);
      }),
    );
  });

  it('tnum_range contains every value of [min, max]', () => {
    fc.assert(
      fc.property(arbU64, arbU64, fc.bigInt({ min: 0n, max: M64 }), (p, q, r) => {
        const [min, max] = p <= q ? [p, q] : [q, p];
        const x = min + (r % (max - min + 1n));
        expect(tnumContains(tnumRange(min, max), x)).toBe(true);
      }),
    );
  });

  it('tnum_in(a, b) implies every member of b is in a; tnum_overlap is true for tnums sharing a member', () => {
    fc.assert(
      fc.property(arbTnumMember, arbTnumMember, (a, b) => {
        if (tnumIn(a.t, b.t)) expect(tnumContains(a.t, b.x)).toBe(true);
        if (tnumContains(b.t, a.x)) expect(tnumOverlap(a.t, b.t)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('tnum exact values (from kernel/bpf/tnum.c comments and definitions)', () => {
  it('tnum_range: chi = 4 gives delta 7; equal bounds give a constant; full range is unknown', () => {
    expect(tnumRange(0n, 4n)).toEqual({ value: 0n, mask: 7n });
    expect(tnumRange(5n, 5n)).toEqual({ value: 5n, mask: 0n });
    expect(tnumRange(0n, M64)).toEqual(TNUM_UNKNOWN);
  });

  it('tnum_mul: 11 * x1 is the union of 0011 and 1001, x0x1', () => {
    expect(tnumMul({ value: 0b1n, mask: 0b10n }, tnumConst(0b11n))).toEqual({
      value: 0b0001n,
      mask: 0b1010n,
    });
  });

  it('constants stay exact through arithmetic', () => {
    expect(tnumAdd(tnumConst(M64), tnumConst(2n))).toEqual(tnumConst(1n));
    expect(tnumSub(tnumConst(0n), tnumConst(1n))).toEqual(tnumConst(M64));
    expect(tnumMul(tnumConst(0x1_0000_0001n), tnumConst(0xffff_ffffn))).toEqual(
      tnumConst(u64(0x1_0000_0001n * 0xffff_ffffn)),
    );
  });

  it('is_aligned, sbin and strn formatting', () => {
    expect(tnumIsAligned({ value: 8n, mask: 0x10n }, 8n)).toBe(true);
    expect(tnumIsAligned({ value: 8n, mask: 0x14n }, 8n)).toBe(false);
    expect(tnumIsAligned(TNUM_UNKNOWN, 0n)).toBe(true);
    expect(tnumSbin({ value: 0b100n, mask: 0b11n })).toBe(`${'0'.repeat(61)}1xx`);
    // the kernel's vsnprintf prints %#llx of 0 as 0x0: `var_off=(0x0; 0xff)` in verifier logs
    expect(tnumStr({ value: 0n, mask: 0xffn })).toBe('(0x0; 0xff)');
  });
});
