/**
 * The interpreter and the JIT agree: random valid programs (all ALU ops, loads/stores/atomics on
 * the stack, a data region and out of bounds, forward and backward jumps bounded by the
 * instruction budget, may_goto, ld_imm64, LD_ABS/LD_IND, helper and bpf-to-bpf calls) end the same
 * way on both engines, with the same registers, instruction count and memory contents.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Insn, insn } from '../../src/isa/insn.js';
import {
  AddressSpace,
  type HelperFn,
  loadProgram,
  type RunResult,
  runProgram,
  type TraceFn,
} from '../../src/vm/index.js';
import { chunkBounds } from '../../src/vm/jit.js';

type Item =
  | { k: 'one'; x: Insn }
  | { k: 'ld64'; dst: number; lo: number; hi: number }
  | { k: 'jmp'; x: Insn; target: number; wide: boolean }
  | { k: 'call' };

const reg = fc.integer({ min: 0, max: 9 });
const anyReg = fc.integer({ min: 0, max: 10 });
const imm = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -70, max: 70 }));
const size = fc.constantFrom(0x00, 0x08, 0x10, 0x18);

const aluItem = fc
  .record({
    cls: fc.constantFrom(0x04, 0x07),
    op: fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0),
    x: fc.boolean(),
    dst: reg,
    src: anyReg,
    imm,
    variant: fc.nat(5),
  })
  .map(({ cls, op, x, dst, src, imm, variant }): Item => {
    if (op === 0xd0) {
      const bits = [16, 32, 64][variant % 3] as number;
      const code = cls === 0x07 ? 0xd7 : x ? 0xdc : 0xd4;
      return { k: 'one', x: insn(code, dst, 0, 0, bits) };
    }
    if (op === 0x80) return { k: 'one', x: insn(cls | op, dst, 0, 0, 0) };
    let off = 0;
    if ((op === 0x30 || op === 0x90) && variant % 2 === 1) off = 1;
    if (op === 0xb0 && x && variant > 2)
      off = cls === 0x07 ? ([8, 16, 32][variant - 3] as number) : variant === 5 ? 16 : 8;
    return { k: 'one', x: x ? insn(cls | 0x08 | op, dst, src, off, 0) : insn(cls | op, dst, 0, off, imm) };
  });

// Memory: base r10 (stack, -512..-1 valid), r6 (64-byte data region), or any register (mostly faults).
const memOff = fc.oneof(fc.integer({ min: -520, max: 8 }), fc.integer({ min: -8, max: 72 }));
const memItem = fc
  .record({
    kind: fc.nat(5),
    base: fc.constantFrom(10, 10, 6, 6, 1, 3),
    size,
    dst: reg,
    src: anyReg,
    off: memOff,
    imm,
    aop: fc.nat(11),
  })
  .map(({ kind, base, size, dst, src, off, imm, aop }): Item => {
    const b = base === 10 && off > 0 ? 6 : base;
    const o = b === 10 ? Math.min(off, -1) : off;
    switch (kind) {
      case 0:
        return { k: 'one', x: insn(0x61 | size, dst, b, o, 0) };
      case 1:
        return { k: 'one', x: insn(0x81 | (size === 0x18 ? 0 : size), dst, b, o, 0) };
      case 2:
        return { k: 'one', x: insn(0x63 | size, b, src, o, 0) };
      case 3:
        return { k: 'one', x: insn(0x62 | size, b, 0, o, imm) };
      case 4: {
        const ops = [0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1];
        const sz = size === 0x18 ? 0x18 : 0x00;
        if (aop >= 10)
          return {
            k: 'one',
            x: insn(0xc3 | size, aop === 10 ? dst : b, aop === 10 ? b : src, o, aop === 10 ? 0x100 : 0x110),
          };
        const aopImm = ops[aop] as number;
        // Fetch forms write src, so it cannot be R10 (the loader rejects that, like the kernel).
        return { k: 'one', x: insn(0xc3 | sz, b, aopImm & 1 && src === 10 ? 0 : src, o, aopImm) };
      }
      default:
        return {
          k: 'one',
          x: insn((size === 0x18 ? 0x00 : size) | (src % 2 ? 0x40 : 0x20), 0, src % 2 ? src : 0, 0, imm % 80),
        };
    }
  });

const jmpItem = fc
  .record({
    cls: fc.constantFrom(0x05, 0x06),
    op: fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0),
    x: fc.boolean(),
    dst: anyReg,
    src: anyReg,
    imm,
    target: fc.nat(),
  })
  .map(({ cls, op, x, dst, src, imm, target }): Item => {
    if (op === 0x00) return { k: 'jmp', x: insn(cls, 0, 0, 0, 0), target, wide: cls === 0x06 };
    if (op === 0xe0) return { k: 'jmp', x: insn(0xe5, 0, 0, 0, 0), target, wide: false };
    return {
      k: 'jmp',
      x: x ? insn(cls | 0x08 | op, dst, src, 0, 0) : insn(cls | op, dst, 0, 0, imm),
      target,
      wide: false,
    };
  });

const ld64Item = fc
  .record({ dst: reg, lo: imm, hi: imm })
  .map(({ dst, lo, hi }): Item => ({ k: 'ld64', dst, lo, hi }));
const callItem = fc.constantFrom<Item>({ k: 'one', x: insn(0x85, 0, 0, 0, 1) }, { k: 'call' });

const item = fc.oneof(
  { arbitrary: aluItem, weight: 6 },
  { arbitrary: memItem, weight: 4 },
  { arbitrary: jmpItem, weight: 3 },
  { arbitrary: ld64Item, weight: 1 },
  { arbitrary: callItem, weight: 1 },
);

// For long programs: memory accesses that stay inside the stack frame or the data region, and
// no writes to r6 (the data pointer), so that runs get far before they fault.
const keepR6 = (it: Item): Item =>
  it.k === 'one' && it.x.dst === 6 && (it.x.code & 7) >= 4 ? { k: 'one', x: { ...it.x, dst: 7 } } : it;
const safeMemItem = fc
  .record({ stack: fc.boolean(), size, dst: reg, src: reg, slot: fc.nat(7), load: fc.boolean() })
  .map(({ stack, size, dst, src, slot, load }): Item => {
    const base = stack ? 10 : 6;
    const off = stack ? -8 * (slot + 1) : 8 * slot;
    const d = dst === 6 ? 7 : dst;
    return { k: 'one', x: load ? insn(0x61 | size, d, base, off, 0) : insn(0x63 | size, base, src, off, 0) };
  });
const bigItem = fc.oneof(
  { arbitrary: aluItem.map(keepR6), weight: 6 },
  { arbitrary: safeMemItem, weight: 3 },
  { arbitrary: jmpItem, weight: 2 },
  { arbitrary: callItem, weight: 1 },
);

/** Lays items out: main part, exit, then a straight-line subprogram (callee of 'call' items) and exit. */
function layout(main: Item[], sub: Item[]): Insn[] {
  const slotOf: number[] = [];
  let slot = 1; // slot 0: r6 = r1 (the data region)
  for (const it of main) {
    slotOf.push(slot);
    slot += it.k === 'ld64' ? 2 : 1;
  }
  slotOf.push(slot); // the main exit
  const subStart = slot + 1;
  const out: Insn[] = [insn(0xbf, 6, 1, 0, 0)];
  main.forEach((it, i) => {
    const here = slotOf[i] as number;
    if (it.k === 'one') out.push(it.x);
    else if (it.k === 'ld64') out.push(insn(0x18, it.dst, 0, 0, it.lo), insn(0, 0, 0, 0, it.hi));
    else if (it.k === 'call') out.push(insn(0x85, 0, 1, 0, subStart - here - 1));
    else {
      const t = slotOf[it.target % slotOf.length] as number;
      const rel = t - here - 1;
      out.push(it.wide ? { ...it.x, imm: rel } : { ...it.x, off: rel });
    }
  });
  out.push(insn(0x95, 0, 0, 0, 0));
  for (const it of sub) {
    if (it.k === 'one' && (it.x.code & 7) !== 5) out.push(it.x);
    else if (it.k === 'ld64') out.push(insn(0x18, it.dst, 0, 0, it.lo), insn(0, 0, 0, 0, it.hi));
  }
  out.push(insn(0x95, 0, 0, 0, 0));
  return out;
}

/** Helper 1: r0 = (r1 ^ r2) + r3 on the low halves, r0hi = r4hi | r5lo. */
const helper1: HelperFn = (r) => {
  r[0] = ((((r[2] as number) ^ (r[4] as number)) + (r[6] as number)) | 0) as number;
  r[1] = ((r[9] as number) | (r[10] as number)) as number;
};

function runOn(engine: 'interp' | 'jit', insns: Insn[], budget: number, seed: number, trace?: TraceFn) {
  const space = new AddressSpace();
  const data = new Uint8Array(64).map((_, i) => (i * 37 + seed) & 0xff);
  const pkt = new Uint8Array(48).map((_, i) => (i * 11 + seed) & 0xff);
  const region = space.map(data, { name: 'data' });
  const packet = space.map(pkt, { name: 'packet', writable: false });
  const res: RunResult = runProgram(loadProgram(insns), {
    engine,
    space,
    args: [region.addr, 7n, BigInt(seed), -1n, 1n << 40n],
    budget,
    packet,
    helpers: new Map([[1, helper1]]),
    ...(trace === undefined ? {} : { trace }),
  });
  return { res, data, stack: space.stack(0).bytes.slice(), stack1: space.stack(1).bytes.slice() };
}

describe('interpreter and JIT', () => {
  it('agree on random programs (results, registers, faults, instruction counts, memory)', () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 40 }),
        fc.array(fc.oneof(aluItem, memItem), { maxLength: 8 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.nat(255),
        (main, sub, budget, seed) => {
          const insns = layout(main, sub);
          const a = runOn('interp', insns, budget, seed);
          const b = runOn('jit', insns, budget, seed);
          expect(b.res).toEqual(a.res);
          expect(b.data).toEqual(a.data);
          expect(b.stack).toEqual(a.stack);
          expect(b.stack1).toEqual(a.stack1);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('agree on programs large enough to be compiled in several chunks (jumps and calls across chunks)', () => {
    let crossed = 0;
    fc.assert(
      fc.property(
        fc.array(bigItem, { minLength: 250, maxLength: 450 }),
        fc.array(fc.oneof(aluItem, memItem), { maxLength: 8 }),
        fc.integer({ min: 0, max: 20000 }),
        fc.nat(255),
        (items, sub, budget, seed) => {
          // Mostly forward jumps (which often cross chunks); one in eight stays a loop.
          const main = items.map(
            (it, i): Item =>
              it.k === 'jmp' && it.target % 8 !== 0
                ? { ...it, target: Math.min(i + 1 + (it.target % 300), items.length) }
                : it,
          );
          const insns = layout(main, sub);
          const bounds = chunkBounds(loadProgram(insns));
          expect(bounds.length).toBeGreaterThan(2);
          let maxPc = 0;
          const a = runOn('interp', insns, budget, seed, (pc) => {
            maxPc = Math.max(maxPc, pc);
          });
          if (maxPc >= (bounds[1] as number)) crossed++;
          const b = runOn('jit', insns, budget, seed);
          expect(b.res).toEqual(a.res);
          expect(b.data).toEqual(a.data);
          expect(b.stack).toEqual(a.stack);
        },
      ),
      { numRuns: 40 },
    );
    // Most runs leave the first chunk (the property is not vacuous).
    expect(crossed).toBeGreaterThan(10);
  });

  it('exercise every ending: exit, memory fault and budget all occur in the generated programs', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 3000 }),
        (main, budget) => {
          kinds.add(runOn('interp', layout(main, []), budget, 1).res.kind);
        },
      ),
      { numRuns: 400, seed: 42 },
    );
    expect([...kinds].sort()).toEqual(['budget', 'exit', 'fault']);
  });
});
