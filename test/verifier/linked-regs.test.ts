/**
 * Linked registers, against a 6.18.44 log (log_level 2) of:
 *   r6 = *(u32 *)(r9 +0); r6 &= 255; r7 = *(u32 *)(r9 +8); r8 = r7; r7 += 5;
 *   if r6 > r7 goto pc+2; ...; r0 = r8; exit
 * whose taken branch printed
 *   from 7 to 10: ... R6=scalar(smin=umin=smin32=umin32=6,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))
 *   R7=scalar(id=1+5,smin=umin=smin32=umin32=5,smax=umax=smax32=umax32=254,var_off=(0x0; 0xff))
 *   R8=scalar(id=1,smin=smin32=0,smax=umax=smax32=umax32=249,var_off=(0x0; 0xff))
 */
import { describe, expect, it } from 'vitest';
import { BPF_ALU_OP, BPF_CLASS, BPF_JMP_OP, BPF_SRC } from '../../src/isa/opcodes.js';
import { coerceRegToSize, markRegUnknown } from '../../src/verifier/bounds.js';
import { regSetMinMax } from '../../src/verifier/branch.js';
import { syncLinkedRegs, trackLinkedConstDelta } from '../../src/verifier/linked-regs.js';
import { regStateStr } from '../../src/verifier/print-state.js';
import { cloneRegState, newRegState, type RegState, scalarConst } from '../../src/verifier/reg-state.js';
import { adjustScalarMinMaxVals } from '../../src/verifier/scalar-alu.js';

function ctxU32(): RegState {
  const r = newRegState();
  markRegUnknown(r);
  coerceRegToSize(r, 4);
  return r;
}

function aluK(code: number, r: RegState, imm: bigint): void {
  const k = scalarConst(imm);
  const before = r.umax;
  adjustScalarMinMaxVals(code, r, k);
  trackLinkedConstDelta(code, r, k, before);
}

describe('linked registers (BPF_ADD_CONST, sync_linked_regs)', () => {
  it('r8 = r7; r7 += 5; if r6 > r7: the taken branch bounds r8 through r7', () => {
    const r6 = ctxU32();
    aluK(BPF_CLASS.ALU64 | BPF_ALU_OP.AND | BPF_SRC.K, r6, 255n);
    const r7 = ctxU32();
    r7.id = 1; // r8 = r7 gives both id 1
    const r8 = cloneRegState(r7);
    aluK(BPF_CLASS.ALU64 | BPF_ALU_OP.ADD | BPF_SRC.K, r7, 5n);
    // 6: (07) r7 += 5  ; R7=scalar(id=1+5,smin=umin=5,smax=umax=0x100000004,var_off=(0x0; 0x1ffffffff))
    expect(regStateStr(r7)).toBe(
      'scalar(id=1+5,smin=umin=5,smax=umax=0x100000004,var_off=(0x0; 0x1ffffffff))',
    );

    const t6 = cloneRegState(r6);
    const t7 = cloneRegState(r7);
    const t8 = cloneRegState(r8);
    regSetMinMax(t6, t7, r6, r7, BPF_JMP_OP.JGT, false);
    expect(syncLinkedRegs([t7, t8], t7)).toEqual([1]);
    expect(regStateStr(t6)).toBe(
      'scalar(smin=umin=smin32=umin32=6,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))',
    );
    expect(regStateStr(t7)).toBe(
      'scalar(id=1+5,smin=umin=smin32=umin32=5,smax=umax=smax32=umax32=254,var_off=(0x0; 0xff))',
    );
    expect(regStateStr(t8)).toBe(
      'scalar(id=1,smin=smin32=0,smax=umax=smax32=umax32=249,var_off=(0x0; 0xff))',
    );
  });

  it('a second constant add, a large constant or another op drops the link', () => {
    const r = ctxU32();
    r.id = 4;
    aluK(BPF_CLASS.ALU64 | BPF_ALU_OP.ADD | BPF_SRC.K, r, 1n);
    expect(r.off).toBe(1);
    aluK(BPF_CLASS.ALU64 | BPF_ALU_OP.ADD | BPF_SRC.K, r, 1n);
    expect(r.id).toBe(0);
    const s = ctxU32();
    s.id = 5;
    aluK(BPF_CLASS.ALU64 | BPF_ALU_OP.XOR | BPF_SRC.K, s, 0n);
    expect(s.id).toBe(0);
    const w = ctxU32();
    w.id = 6;
    aluK(BPF_CLASS.ALU | BPF_ALU_OP.SUB | BPF_SRC.K, w, 20n);
    expect(regStateStr(w).startsWith('scalar(id=6-20,')).toBe(true);
  });
});
