import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jump, type SockFilter, stmt } from '../../../src/seccomp/cbpf/filter.js';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { compileJit, runFilterJit } from '../../../src/seccomp/cbpf/jit.js';
import { OP } from '../../../src/seccomp/cbpf/opcodes.js';
import { dataArb, filterArb } from './arbitrary.js';

const sc = (nr: number) => ({ nr, arch: 0xc000003e, instructionPointer: 0n, args: [] });

describe('cBPF JIT', () => {
  it('gives the same result and executed count as the interpreter on random valid filters', () => {
    fc.assert(
      fc.property(filterArb({ maxBody: 60 }), fc.array(dataArb, { minLength: 1, maxLength: 4 }), (f, ds) => {
        for (const d of ds) expect(runFilterJit(f, d)).toEqual(runFilter(f, d));
      }),
      { numRuns: 400 },
    );
  });

  it('handles DIV by X == 0, jumps with jt == jf and JA 0', () => {
    const f: SockFilter[] = [
      stmt(OP.LD_W_ABS, 0),
      jump(OP.JEQ_K, 3, 2, 2),
      stmt(OP.JA, 0),
      stmt(OP.RET_K, 1),
      stmt(OP.LDX_IMM, 0),
      stmt(OP.ALU_DIV_X, 0),
      stmt(OP.RET_K, 2),
    ];
    expect(runFilterJit(f, sc(3))).toEqual({ ret: 0, executed: 4 });
    expect(runFilterJit(f, sc(3))).toEqual(runFilter(f, sc(3)));
  });

  it('compiles the longest filter (4096 instructions, a target at every instruction)', () => {
    const f: SockFilter[] = [stmt(OP.LD_W_ABS, 0)];
    for (let i = 1; i < 4095; i++) f.push(jump(OP.JEQ_K, i, 4094 - i > 255 ? 0 : 4094 - i, 0));
    f.push(stmt(OP.RET_A, 0));
    for (const nr of [0, 1, 200, 4000, 5000]) expect(runFilterJit(f, sc(nr))).toEqual(runFilter(f, sc(nr)));
  });

  it('generated code is made of numbers and operators only', () => {
    const j = compileJit([
      stmt(OP.LD_W_ABS, 4),
      jump(OP.JEQ_K, 0xc000003e, 0, 1),
      stmt(OP.RET_K, 0x7fff0000),
      stmt(OP.RET_K, 0),
    ]);
    const words = new Set(j.source.replace(/\/\/.*$/gm, '').match(/[A-Za-z_$][\w$]*/g));
    const allowed = /^(let|a|x|n|w|m|s|Math|imul|floor|if|return|break|L\d+)$/;
    for (const word of words) expect(word).toMatch(allowed);
    expect(j.source).toMatch(/a = w\[1\];/);
    expect(j.source).toMatch(/a === 3221225534/);
  });
});
