import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleKernel } from '../../src/isa/asm-kernel.js';
import { type Insn, insn } from '../../src/isa/insn.js';
import { AddressSpace, loadProgram, runProgram } from '../../src/vm/index.js';
import { formatTraceStep, traceProgram } from '../../src/vm/trace.js';

const asm = (text: string): Insn[] => {
  const r = assembleKernel(text);
  if (!r.ok) throw new Error(r.error);
  return r.insns;
};

function setup(mem: Uint8Array) {
  const space = new AddressSpace();
  const region = space.map(mem.slice(), { name: 'mem' });
  return { space, args: [region.addr, BigInt(mem.length)] };
}

/** Initial registers as runProgram sets them, then every change applied in order. */
function replay(args: bigint[], steps: ReturnType<typeof traceProgram>['steps'], r10: bigint): bigint[] {
  const regs = Array.from({ length: 11 }, (_, i) => (i >= 1 && i <= 5 ? (args[i - 1] ?? 0n) : 0n));
  regs[10] = r10;
  for (const s of steps) for (const [r, v] of s.changes) regs[r] = v;
  return regs;
}

const aluOp = fc.constantFrom(0x00, 0x10, 0x20, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0);
const straightLine = fc.array(
  fc.record({
    cls: fc.constantFrom(0x04, 0x07),
    op: aluOp,
    x: fc.boolean(),
    dst: fc.nat(9),
    src: fc.nat(9),
    imm: fc.integer(),
  }),
  { minLength: 1, maxLength: 30 },
);

describe('traceProgram', () => {
  it('records every executed instruction; the recorded changes rebuild the final registers', () => {
    fc.assert(
      fc.property(straightLine, fc.uint8Array({ minLength: 0, maxLength: 16 }), (items, mem) => {
        const insns = [
          ...items.map((i) =>
            i.x ? insn(i.cls | 0x08 | i.op, i.dst, i.src, 0, 0) : insn(i.cls | i.op, i.dst, 0, 0, i.imm),
          ),
          insn(0x95, 0, 0, 0, 0),
        ];
        const prog = loadProgram(insns);
        const a = setup(mem);
        const t = traceProgram(prog, { space: a.space, args: a.args });
        const b = setup(mem);
        const plain = runProgram(prog, { engine: 'jit', space: b.space, args: b.args });
        expect(t.result).toEqual(plain);
        expect(t.steps.map((s) => s.pc)).toEqual(insns.map((_, i) => i));
        expect(replay(a.args, t.steps, plain.regs[10] as bigint)).toEqual(plain.regs);
      }),
      { numRuns: 300 },
    );
  });

  it('follows loops and bpf-to-bpf calls, indenting callee instructions', () => {
    const prog = loadProgram(
      asm(`r0 = 0
r6 = 3
L: call pc+3
r6 -= 1
if r6 != 0 goto L
exit
r0 += 7
exit`),
    );
    const t = traceProgram(prog);
    expect(t.result).toMatchObject({ kind: 'exit', r0: 21n });
    // 2 + 3 turns of (call, r0 += 7, exit, r6 -= 1, if) + exit
    const turn = [2, 6, 7, 3, 4];
    expect(t.steps.map((s) => s.pc)).toEqual([0, 1, ...turn, ...turn, ...turn, 5]);
    expect(t.steps.filter((s) => s.depth === 1).map((s) => s.pc)).toEqual([6, 7, 6, 7, 6, 7]);
    expect(formatTraceStep(prog, t.steps[3] as never)).toMatch(/^ {2}6: \(07\) r0 \+= 7 +; r0=0x7$/);
  });

  it('stops recording at the limit but lets the run finish', () => {
    const prog = loadProgram(asm('r1 = 100\nL: r1 -= 1\nif r1 != 0 goto L\nr0 = 5\nexit'));
    const t = traceProgram(prog, {}, 10);
    expect(t.steps).toHaveLength(10);
    expect(t.truncated).toBe(true);
    expect(t.result).toMatchObject({ kind: 'exit', r0: 5n, insns: 203 });
  });
});
