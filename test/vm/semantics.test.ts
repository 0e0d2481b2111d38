/**
 * ALU, END and jump semantics of both engines against the BigInt reference model of RFC 9669 in
 * util.ts (property tests over random and edge-case operands).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insn } from '../../src/isa/insn.js';
import { type EngineName, loadProgram, runProgram } from '../../src/vm/index.js';
import { I, M64, refAlu, refBswap, refCond } from './util.js';

const ENGINES: EngineName[] = ['interp', 'jit'];
const EDGE = [
  0n,
  1n,
  2n,
  31n,
  32n,
  63n,
  64n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  1n << 32n,
  1n << 63n,
  M64,
  M64 - 1n,
];
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: M64 }), fc.constantFrom(...EDGE));
const imm32 = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.constantFrom(0, 1, -1, 31, 32, 63, -0x80000000),
);
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0];

function run(engine: EngineName, insns: ReturnType<typeof insn>[]): bigint {
  const res = runProgram(loadProgram(insns), { engine });
  if (res.kind !== 'exit')
    throw new Error(
      `program ended with ${res.kind}: ${JSON.stringify(res, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`,
    );
  return res.r0;
}

describe.each(ENGINES)('%s engine', (engine) => {
  it('computes every ALU/ALU64 operation like RFC 9669 (register operand)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALU_OPS),
        fc.boolean(),
        fc.boolean(),
        u64,
        u64,
        (op, is64, signed, a, b) => {
          let off = 0;
          if (signed && (op === 0x30 || op === 0x90)) off = 1;
          // movsx: ALU64 sign-extends from 8, 16 or 32 bits, ALU from 8 or 16.
          if (signed && op === 0xb0)
            off = (is64 ? [8, 16, 32][Number(a % 3n)] : [8, 16][Number(a % 2n)]) ?? 8;
          const body =
            op === 0x80
              ? insn((is64 ? 0x07 : 0x04) | op, 1, 0, 0, 0)
              : (is64 ? I.alu64 : I.alu32)(op, 1, 2, off);
          const r0 = run(engine, [...I.ld64(1, a), ...I.ld64(2, b), body, I.mov64(0, 1), I.exit()]);
          expect(r0).toBe(refAlu(is64, op, off, a, b));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('computes every ALU/ALU64 operation like RFC 9669 (immediate operand, sign-extended)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALU_OPS),
        fc.boolean(),
        fc.boolean(),
        u64,
        imm32,
        (op, is64, signed, a, k) => {
          if (op === 0x80) return;
          const off = signed && (op === 0x30 || op === 0x90) ? 1 : 0;
          const body = (is64 ? I.alu64k : I.alu32k)(op, 1, k, off);
          const r0 = run(engine, [...I.ld64(1, a), body, I.mov64(0, 1), I.exit()]);
          expect(r0).toBe(refAlu(is64, op, off, a, BigInt.asUintN(64, BigInt(k))));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('divides and takes modulo by zero as the kernel does (x/0 = 0, x%0 = x, mod32 zero-extends)', () => {
    const a = 0xdeadbeef_12345678n;
    const prog = (code: number, off = 0) => [
      ...I.ld64(1, a),
      I.mov64k(2, 0),
      insn(code, 1, 2, off, 0),
      I.mov64(0, 1),
      I.exit(),
    ];
    expect(run(engine, prog(0x3f))).toBe(0n);
    expect(run(engine, prog(0x9f))).toBe(a);
    expect(run(engine, prog(0x3c))).toBe(0n);
    expect(run(engine, prog(0x9c))).toBe(0x12345678n);
    expect(run(engine, prog(0x3f, 1))).toBe(0n);
    expect(run(engine, prog(0x9f, 1))).toBe(a);
    expect(run(engine, prog(0x9c, 1))).toBe(0x12345678n);
  });

  it('gives INT_MIN for sdiv INT_MIN / -1 and 0 for smod INT_MIN % -1', () => {
    const min64 = 1n << 63n;
    const p = (code: number, a: bigint) => [
      ...I.ld64(1, a),
      I.mov64k(2, -1),
      insn(code, 1, 2, 1, 0),
      I.mov64(0, 1),
      I.exit(),
    ];
    expect(run(engine, p(0x3f, min64))).toBe(min64);
    expect(run(engine, p(0x9f, min64))).toBe(0n);
    expect(run(engine, p(0x3c, 0x80000000n))).toBe(0x80000000n);
    expect(run(engine, p(0x9c, 0x80000000n))).toBe(0n);
  });

  it('converts byte order (le/be on ALU, bswap on ALU64) for 16, 32 and 64 bits', () => {
    fc.assert(
      fc.property(u64, fc.constantFrom(16, 32, 64), fc.constantFrom(0xd4, 0xdc, 0xd7), (a, bits, code) => {
        const r0 = run(engine, [...I.ld64(1, a), insn(code, 1, 0, 0, bits), I.mov64(0, 1), I.exit()]);
        const low = a & ((1n << BigInt(bits)) - 1n);
        expect(r0).toBe(code === 0xd4 ? low : refBswap(a, bits));
      }),
      { numRuns: 300 },
    );
  });

  it('evaluates every JMP and JMP32 condition like RFC 9669', () => {
    const ops = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
    fc.assert(
      fc.property(fc.constantFrom(...ops), fc.boolean(), u64, u64, (op, is64, a, b) => {
        const j = (is64 ? I.jmp : I.jmp32)(op, 1, 2, 1);
        const r0 = run(engine, [
          ...I.ld64(1, a),
          ...I.ld64(2, b),
          I.mov64k(0, 1),
          j,
          I.mov64k(0, 0),
          I.exit(),
        ]);
        expect(r0).toBe(refCond(is64, op, a, b) ? 1n : 0n);
      }),
      { numRuns: 1500 },
    );
  });

  it('evaluates jumps against sign-extended immediates', () => {
    const ops = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
    fc.assert(
      fc.property(fc.constantFrom(...ops), fc.boolean(), u64, imm32, (op, is64, a, k) => {
        const j = (is64 ? I.jmpk : I.jmp32k)(op, 1, k, 1);
        const r0 = run(engine, [...I.ld64(1, a), I.mov64k(0, 1), j, I.mov64k(0, 0), I.exit()]);
        expect(r0).toBe(refCond(is64, op, a, BigInt.asUintN(64, BigInt(k))) ? 1n : 0n);
      }),
      { numRuns: 800 },
    );
  });
});
