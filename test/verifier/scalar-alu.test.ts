/**
 * Soundness of the ALU bounds tracking against concrete execution: for abstract scalars joined
 * from random sets of concrete values, every concrete result of the operation must be a member of
 * the abstract result (tnum, u64/s64/u32/s32 ranges). Exact agreement with Linux is checked in
 * kernel-diff.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BPF_ALU_OP, BPF_CLASS, BPF_SRC } from '../../src/isa/opcodes.js';
import {
  coerceRegToSize,
  coerceRegToSizeSx,
  coerceSubregToSizeSx,
  regBoundsSync,
  zext32To64,
} from '../../src/verifier/bounds.js';
import { cloneRegState } from '../../src/verifier/reg-state.js';
import {
  adjustScalarMinMaxVals,
  isSafeToComputeDstRegRange,
  maybeForkScalars,
} from '../../src/verifier/scalar-alu.js';
import { tnumIsConst } from '../../src/verifier/tnum.js';
import { abstractOf, arbValue, arbValueSet, concreteAlu, whyNotMember } from './support/abstract.js';

const A = BPF_ALU_OP;
const OPS: [string, number][] = [
  ['add', A.ADD],
  ['sub', A.SUB],
  ['mul', A.MUL],
  ['div', A.DIV],
  ['mod', A.MOD],
  ['or', A.OR],
  ['and', A.AND],
  ['xor', A.XOR],
  ['lsh', A.LSH],
  ['rsh', A.RSH],
  ['arsh', A.ARSH],
  ['neg', A.NEG],
];

function check(op: number, is64: boolean, xs: bigint[], ys: bigint[]): void {
  const code = (is64 ? BPF_CLASS.ALU64 : BPF_CLASS.ALU) | op | BPF_SRC.X;
  const dst = abstractOf(xs);
  const src = abstractOf(ys);
  const before = cloneRegState(dst);
  const forks: ReturnType<typeof cloneRegState>[] = [];
  adjustScalarMinMaxVals(code, dst, src, 0, (b) => forks.push(b));
  for (const x of xs) {
    for (const y of op === A.NEG ? [0n] : ys) {
      const r = concreteAlu(op, is64, x, y);
      // With a fork, x = 0 continues in the pushed branch (re-executing the instruction there).
      const fork = forks[0];
      if (fork !== undefined && whyNotMember(dst, r) !== undefined) {
        const again = cloneRegState(fork);
        adjustScalarMinMaxVals(code, again, src);
        expect(whyNotMember(again, r), `fork branch of ${x} op ${y}`).toBeUndefined();
        continue;
      }
      const why = whyNotMember(dst, r);
      if (why !== undefined) {
        throw new Error(
          `0x${code.toString(16)}: ${x} op ${y} = ${r} excluded by ${why}; dst was ${JSON.stringify(before, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
        );
      }
    }
  }
}

describe('adjust_scalar_min_max_vals is sound for every ALU op', () => {
  for (const [name, op] of OPS) {
    for (const is64 of [true, false]) {
      it(`${is64 ? 'alu64' : 'alu32'} ${name}`, () => {
        const shifts = op === A.LSH || op === A.RSH || op === A.ARSH;
        const src = shifts
          ? fc.oneof(
              fc.integer({ min: 0, max: is64 ? 63 : 31 }).map((s) => [BigInt(s)]),
              arbValueSet,
            )
          : arbValueSet;
        fc.assert(
          fc.property(arbValueSet, src, (xs, ys) => {
            check(op, is64, xs, ys);
          }),
          { numRuns: 300 },
        );
      });
    }
  }
});

describe('constants in, constants out', () => {
  it('ADD/SUB/MUL/AND/OR/XOR/shifts of two known values give the known result', () => {
    const ops = [A.ADD, A.SUB, A.MUL, A.OR, A.AND, A.XOR, A.LSH, A.RSH, A.ARSH];
    fc.assert(
      fc.property(arbValue, arbValue, fc.constantFrom(...ops), fc.boolean(), (x, y0, op, is64) => {
        const y = op === A.LSH || op === A.RSH || op === A.ARSH ? y0 % (is64 ? 64n : 32n) : y0;
        const code = (is64 ? BPF_CLASS.ALU64 : BPF_CLASS.ALU) | op | BPF_SRC.X;
        const dst = abstractOf([x]);
        adjustScalarMinMaxVals(code, dst, abstractOf([y]));
        expect(tnumIsConst(dst.varOff)).toBe(true);
        expect(dst.varOff.value).toBe(concreteAlu(op, is64, x, y));
        expect(dst.umin).toBe(dst.umax);
      }),
    );
  });

  it('DIV and MOD are not range-tracked in 6.18: the result is an unknown 64-bit scalar', () => {
    for (const op of [A.DIV, A.MOD]) {
      const dst = abstractOf([10n]);
      adjustScalarMinMaxVals(BPF_CLASS.ALU | op | BPF_SRC.X, dst, abstractOf([3n]));
      expect(dst.umax).toBe((1n << 64n) - 1n);
      expect(isSafeToComputeDstRegRange(BPF_CLASS.ALU64 | op, abstractOf([3n]))).toBe(false);
    }
  });

  it('shifts by an unknown amount or by >= width make the result unknown', () => {
    expect(isSafeToComputeDstRegRange(BPF_CLASS.ALU64 | A.LSH, abstractOf([1n, 2n]))).toBe(false);
    expect(isSafeToComputeDstRegRange(BPF_CLASS.ALU | A.LSH, abstractOf([32n]))).toBe(false);
    expect(isSafeToComputeDstRegRange(BPF_CLASS.ALU64 | A.LSH, abstractOf([63n]))).toBe(true);
  });
});

describe('BPF_END byte swaps', () => {
  const swab = (v: bigint, n: number) => {
    let r = 0n;
    for (let i = 0; i < n; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
    return r;
  };
  it('bswap (ALU64), to_be (swap on little-endian) and to_le (truncate) are sound', () => {
    fc.assert(
      fc.property(
        arbValueSet,
        fc.constantFrom(16, 32, 64),
        fc.constantFrom(0xd7, 0xdc, 0xd4),
        (xs, width, code) => {
          const dst = abstractOf(xs);
          adjustScalarMinMaxVals(code, dst, dst, width);
          for (const x of xs) {
            const n = width / 8;
            const r = code === 0xd4 ? (width === 64 ? x : x & ((1n << BigInt(width)) - 1n)) : swab(x, n);
            expect(whyNotMember(dst, r)).toBeUndefined();
          }
        },
      ),
    );
  });
});

describe('coercions (zero and sign extension)', () => {
  it('coerce_reg_to_size, coerce_reg_to_size_sx and coerce_subreg_to_size_sx are sound', () => {
    fc.assert(
      fc.property(arbValueSet, fc.constantFrom(1, 2, 4), (xs, size) => {
        const bits = size * 8;
        const z = abstractOf(xs);
        coerceRegToSize(z, size);
        const sx = abstractOf(xs);
        coerceRegToSizeSx(sx, size);
        for (const x of xs) {
          expect(whyNotMember(z, BigInt.asUintN(bits, x))).toBeUndefined();
          expect(whyNotMember(sx, BigInt.asUintN(64, BigInt.asIntN(bits, x)))).toBeUndefined();
        }
        if (size < 4) {
          const w = abstractOf(xs);
          coerceSubregToSizeSx(w, size);
          zext32To64(w);
          regBoundsSync(w);
          for (const x of xs)
            expect(whyNotMember(w, BigInt.asUintN(32, BigInt.asIntN(bits, x)))).toBeUndefined();
        }
      }),
    );
  });
});

describe('maybe_fork_scalars', () => {
  it('forks only a [-1, 0] register, into -1 (current) and 0 (pushed branch)', () => {
    const r = abstractOf([0n, (1n << 64n) - 1n]);
    expect(r.smin).toBe(-1n);
    const b = maybeForkScalars(r);
    expect(b?.varOff).toEqual({ value: 0n, mask: 0n });
    expect(r.varOff).toEqual({ value: (1n << 64n) - 1n, mask: 0n });
    expect(maybeForkScalars(abstractOf([0n, 1n]))).toBeNull();
  });
});
