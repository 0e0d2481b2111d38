/**
 * JIT-specific properties: the generated source is built from numbers only, compiled functions
 * are cached per program, self-loops become tight loops, and entry at a pc that does not start a
 * block (a callback into the middle of a block) falls back to the interpreter correctly.
 */
import { describe, expect, it } from 'vitest';
import { funcPtr, funcPtrPc, type HelperFn, loadProgram, runProgram } from '../../src/vm/index.js';
import { generate, jitCompile } from '../../src/vm/jit.js';
import { I, SZ } from './util.js';

describe('JIT', () => {
  it('generates source whose only string literals are its own fixed message', () => {
    const prog = loadProgram([
      ...I.ld64(1, 0x1234_5678_9abc_def0n),
      I.callLocal(3),
      I.ldx(SZ.DW, 0, 10, -8),
      I.call(1),
      I.exit(),
      I.alu64k(0x00, 0, -5),
      I.jmpk(0x50, 0, 3, -2),
      I.exit(),
    ]);
    const src = generate(prog);
    const literals = src.match(/'[^']*'/g) ?? [];
    expect(new Set(literals)).toEqual(new Set(["'the call stack of '", "' frames is too deep'"]));
    expect(src).not.toMatch(/["`]/);
  });

  it('compiles each program once', () => {
    const prog = loadProgram([I.mov64k(0, 1), I.exit()]);
    const fn = jitCompile(prog);
    expect(typeof fn).toBe('function');
    expect(jitCompile(prog)).toBe(fn);
  });

  it('turns a block that jumps back to itself into an unrolled inner loop', () => {
    const prog = loadProgram([
      I.mov64k(0, 0),
      I.mov64k(2, 10),
      I.alu64k(0x00, 0, 3),
      I.alu64k(0x10, 2, 1),
      I.jmpk(0x50, 2, 0, -3),
      I.exit(),
    ]);
    expect(generate(prog)).toMatch(/case 2:\nfor\(;;\)\{/);
    expect(runProgram(prog, { engine: 'jit' })).toMatchObject({ kind: 'exit', r0: 30n, insns: 2 + 30 + 1 });
  });

  it('runs a callback that starts in the middle of a block (hands over to the interpreter)', () => {
    const cb: HelperFn = (r, env) => {
      r[0] = env.callback(funcPtrPc(r[2] as number, r[3] as number), []);
      r[1] = env.retHi;
    };
    // pc 5 (r0 += 2) sits inside the block 3..6 (after the call), so it is no case of the switch.
    const insns = [
      ...I.ld64(1, funcPtr(5)),
      I.call(9),
      I.mov64(6, 0),
      I.mov64k(0, 40),
      I.alu64k(0x00, 0, 2),
      I.exit(),
    ];
    const prog = loadProgram(insns);
    expect(generate(prog)).not.toMatch(/case 5:/);
    const res = runProgram(prog, { engine: 'jit', helpers: new Map([[9, cb]]) });
    expect(res).toMatchObject({ kind: 'exit', r0: 42n });
    expect(res.regs[6]).toBe(2n);
  });
});
