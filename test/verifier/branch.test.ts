/**
 * Conditional jumps: is_branch_taken must never predict an outcome some concrete pair
 * contradicts, and reg_set_min_max must keep every concrete pair in the successor where the
 * condition has its value (soundness against concrete execution).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BPF_JMP_OP } from '../../src/isa/opcodes.js';
import { flipOpcode, isBranchTaken, JSET_NOT, regSetMinMax, revOpcode } from '../../src/verifier/branch.js';
import {
  cloneRegState,
  pointerReg,
  REG_TYPE,
  REG_TYPE_OR_NULL,
  scalarConst,
} from '../../src/verifier/reg-state.js';
import { abstractOf, arbValueSet, concreteCond, whyNotMember } from './support/abstract.js';

const J = BPF_JMP_OP;
const CONDS = [J.JEQ, J.JNE, J.JGT, J.JGE, J.JLT, J.JLE, J.JSGT, J.JSGE, J.JSLT, J.JSLE, J.JSET];

describe('branch prediction and refinement are sound', () => {
  for (const is32 of [false, true]) {
    it(`${is32 ? 'JMP32' : 'JMP'}: predicted outcomes hold, refined successors keep their pairs`, () => {
      fc.assert(
        fc.property(arbValueSet, arbValueSet, fc.constantFrom(...CONDS), (xs, ys, op) => {
          const r1 = abstractOf(xs);
          const r2 = abstractOf(ys);
          const pred = isBranchTaken(r1, r2, op, is32);
          const t1 = cloneRegState(r1);
          const t2 = cloneRegState(r2);
          regSetMinMax(t1, t2, r1, r2, op, is32);
          for (const x of xs) {
            for (const y of ys) {
              const holds = concreteCond(op, is32, x, y);
              if (pred === 1) expect(holds, `pred taken but ${x} !op ${y}`).toBe(true);
              if (pred === 0) expect(holds, `pred not taken but ${x} op ${y}`).toBe(false);
              const [a, b] = holds ? [t1, t2] : [r1, r2];
              expect(
                whyNotMember(a, x),
                `${holds ? 'true' : 'false'} reg1 loses ${x} (op ${op}, ${y})`,
              ).toBeUndefined();
              expect(
                whyNotMember(b, y),
                `${holds ? 'true' : 'false'} reg2 loses ${y} (op ${op}, ${x})`,
              ).toBeUndefined();
            }
          }
        }),
        { numRuns: 600 },
      );
    });
  }

  it('every condition with constants on both sides is predicted exactly', () => {
    fc.assert(
      fc.property(arbValueSet, arbValueSet, fc.constantFrom(...CONDS), fc.boolean(), (xs, ys, op, is32) => {
        const x = xs[0] as bigint;
        const y = ys[0] as bigint;
        const pred = isBranchTaken(abstractOf([x]), abstractOf([y]), op, is32);
        expect(pred).toBe(concreteCond(op, is32, x, y) ? 1 : 0);
      }),
    );
  });
});

describe('opcode helpers (flip_opcode, rev_opcode)', () => {
  it('flip swaps operand order, rev negates; both are involutions', () => {
    for (const op of CONDS) {
      expect(flipOpcode(flipOpcode(op))).toBe(op);
      expect(revOpcode(revOpcode(op))).toBe(op);
    }
    expect(revOpcode(J.JSET)).toBe(JSET_NOT);
    expect(flipOpcode(J.JSGT)).toBe(J.JSLT);
    expect(revOpcode(J.JGE)).toBe(J.JLT);
  });
});

describe('pointers', () => {
  it('a pointer that cannot be NULL compared with 0 decides JEQ/JNE; maybe-NULL, ctx and stack do not', () => {
    const mv = pointerReg(REG_TYPE.PTR_TO_MAP_VALUE);
    expect(isBranchTaken(mv, scalarConst(0n), J.JEQ, false)).toBe(0);
    expect(isBranchTaken(scalarConst(0n), mv, J.JNE, false)).toBe(1);
    expect(isBranchTaken(mv, scalarConst(1n), J.JEQ, false)).toBe(-1);
    const orNull = pointerReg(REG_TYPE_OR_NULL.PTR_TO_MAP_VALUE_OR_NULL);
    expect(isBranchTaken(orNull, scalarConst(0n), J.JEQ, false)).toBe(-1);
    // reg_not_null: ctx and stack pointers are not known non-NULL (selftest "calls: ambiguous return value")
    expect(isBranchTaken(pointerReg(REG_TYPE.PTR_TO_CTX), scalarConst(0n), J.JEQ, false)).toBe(-1);
    expect(isBranchTaken(pointerReg(REG_TYPE.PTR_TO_STACK), scalarConst(0n), J.JNE, false)).toBe(-1);
  });

  it('reg_set_min_max leaves pointers untouched', () => {
    const fp = pointerReg(REG_TYPE.PTR_TO_STACK, -8);
    const t = cloneRegState(fp);
    const c = scalarConst(4n);
    regSetMinMax(t, cloneRegState(c), fp, c, J.JGT, false);
    expect(t).toEqual(fp);
  });
});
