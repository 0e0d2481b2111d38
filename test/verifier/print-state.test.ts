/**
 * Register/stack state text. Expected strings are copied from logs of the real 6.18.44 kernel
 * (log_level 2 loads of small socket_filter programs, shown in the comments) or, for pointer
 * types the scalar tests cannot reach, follow print_reg_state in kernel/bpf/log.c.
 */
import { describe, expect, it } from 'vitest';
import { BPF_ALU_OP, BPF_CLASS, BPF_JMP_OP, BPF_SRC } from '../../src/isa/opcodes.js';
import { coerceRegToSize, markRegUnknown } from '../../src/verifier/bounds.js';
import { regSetMinMax } from '../../src/verifier/branch.js';
import { trackLinkedConstDelta } from '../../src/verifier/linked-regs.js';
import {
  regStateStr,
  regTypeStr,
  STACK_SLOT,
  scalarRangesStr,
  snumStr,
  unumStr,
  verifierStateStr,
} from '../../src/verifier/print-state.js';
import {
  cloneRegState,
  newRegState,
  pointerReg,
  REG_TYPE,
  REG_TYPE_OR_NULL,
  type RegState,
  scalarConst,
  TYPE_FLAG,
} from '../../src/verifier/reg-state.js';
import { adjustScalarMinMaxVals } from '../../src/verifier/scalar-alu.js';

const A = BPF_ALU_OP;
const alu64 = (op: number, r: RegState, imm: bigint) =>
  adjustScalarMinMaxVals(BPF_CLASS.ALU64 | op | BPF_SRC.K, r, scalarConst(imm));

/** `r = *(u32 *)(r1 + 0)` on a socket_filter ctx. */
function ctxU32(): RegState {
  const r = newRegState();
  markRegUnknown(r);
  coerceRegToSize(r, 4);
  return r;
}

describe('scalars, as printed by the 6.18.44 kernel', () => {
  it('a u32 load, then &= 255, then += 3', () => {
    const r = ctxU32();
    // 0: (61) r0 = *(u32 *)(r1 +0)  ; R0=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))
    expect(regStateStr(r)).toBe('scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))');
    alu64(A.AND, r, 255n);
    // 1: (57) r0 &= 255  ; R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))
    expect(regStateStr(r)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
    alu64(A.ADD, r, 3n);
    // 2: (07) r0 += 3  ; R0=scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=258,var_off=(0x0; 0x1ff))
    expect(regStateStr(r)).toBe(
      'scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=258,var_off=(0x0; 0x1ff))',
    );
  });

  it('negative values are not merged with positive ones; 32-bit hex values are not sign-extended', () => {
    // r0 = *(u32 *)(r1 +0); r0 &= 255; r0 += 3; r2 = r0; ...; if r0 > 0x10 goto pc+1; w0 -= 20
    const r = ctxU32();
    alu64(A.AND, r, 255n);
    alu64(A.ADD, r, 3n);
    const c = scalarConst(0x10n);
    regSetMinMax(cloneRegState(r), cloneRegState(c), r, c, BPF_JMP_OP.JGT, false);
    r.id = 1; // shared with r2 by `r2 = r0`
    const umaxBefore = r.umax;
    const twenty = scalarConst(20n);
    adjustScalarMinMaxVals(BPF_CLASS.ALU | A.SUB | BPF_SRC.K, r, twenty);
    trackLinkedConstDelta(BPF_CLASS.ALU | A.SUB | BPF_SRC.K, r, twenty, umaxBefore);
    // 8: (14) w0 -= 20  ; R0=scalar(id=1-20,smin=umin=umin32=0xffffffef,smax=umax=umax32=0xfffffffc,smin32=-17,smax32=-4,var_off=(0xffffffe0; 0x1f))
    expect(regStateStr(r)).toBe(
      'scalar(id=1-20,smin=umin=umin32=0xffffffef,smax=umax=umax32=0xfffffffc,smin32=-17,smax32=-4,var_off=(0xffffffe0; 0x1f))',
    );
  });

  it('signed-only bounds after jumps, and the unknown scalar', () => {
    const r = newRegState();
    markRegUnknown(r);
    expect(regStateStr(r)).toBe('scalar()');
    const t = cloneRegState(r);
    const c = scalarConst(100n);
    regSetMinMax(t, cloneRegState(c), r, c, BPF_JMP_OP.JSGT, false);
    // 12: (65) if r6 s> 0x64 goto pc+29  ; R6=scalar(smax=100)
    expect(regStateStr(r)).toBe('scalar(smax=100)');
    const t2 = cloneRegState(r);
    const c2 = scalarConst(-50n);
    regSetMinMax(t2, cloneRegState(c2), r, c2, BPF_JMP_OP.JSLT, false);
    // 13: (c5) if r6 s< 0xffffffce goto pc+28  ; R6=scalar(smin=smin32=-50,smax=smax32=100)
    expect(regStateStr(r)).toBe('scalar(smin=smin32=-50,smax=smax32=100)');
  });

  it('constants print as decimals up to 16 bits, else as hex; precise marks print P', () => {
    expect(regStateStr(scalarConst(0n))).toBe('0');
    expect(regStateStr(scalarConst(-3n))).toBe('-3');
    expect(snumStr(-32768n)).toBe('-32768');
    expect(snumStr(-32769n)).toBe('0xffffffffffff7fff');
    expect(unumStr(65535n)).toBe('65535');
    expect(unumStr(65536n)).toBe('0x10000');
    // check_assert selftest: R0_w=0xffffffff80000000 for INT_MIN
    expect(regStateStr(scalarConst(-0x8000_0000n))).toBe('0xffffffff80000000');
    const p = ctxU32();
    alu64(A.ADD, p, 0x37067cfan);
    p.precise = true;
    expect(regStateStr(p).startsWith('Pscalar(')).toBe(true);
  });

  it('print_scalar_ranges omits defaults', () => {
    const r = newRegState();
    markRegUnknown(r);
    expect(scalarRangesStr(r)).toBe('');
  });
});

describe('pointers (print_reg_state)', () => {
  it('ctx, frame pointer, stack pointers with offsets and other frames', () => {
    // 0: R1=ctx() R10=fp0
    expect(regStateStr(pointerReg(REG_TYPE.PTR_TO_CTX))).toBe('ctx()');
    expect(regStateStr(pointerReg(REG_TYPE.PTR_TO_STACK))).toBe('fp0');
    expect(regStateStr(pointerReg(REG_TYPE.PTR_TO_STACK, -8))).toBe('fp-8');
    const other = pointerReg(REG_TYPE.PTR_TO_STACK, -16);
    other.frameno = 1;
    expect(regStateStr(other, 0)).toBe('fp[1]-16');
  });

  it('map pointers print id, map name and key/value sizes; packets print their range', () => {
    const m = pointerReg(REG_TYPE_OR_NULL.PTR_TO_MAP_VALUE_OR_NULL);
    m.id = 1;
    m.map = { name: '', keySize: 4, valueSize: 8 };
    expect(regStateStr(m)).toBe('map_value_or_null(id=1,ks=4,vs=8)');
    const v = pointerReg(REG_TYPE.PTR_TO_MAP_VALUE, 8);
    v.map = { name: 'counters', keySize: 4, valueSize: 16 };
    expect(regStateStr(v)).toBe('map_value(map=counters,ks=4,vs=16,off=8)');
    const pkt = pointerReg(REG_TYPE.PTR_TO_PACKET);
    pkt.range = 14;
    expect(regStateStr(pkt)).toBe('pkt(r=14)');
    expect(regStateStr(pointerReg(REG_TYPE.PTR_TO_PACKET_END))).toBe('pkt_end()');
    const mem = pointerReg(REG_TYPE.PTR_TO_MEM | TYPE_FLAG.MEM_RDONLY);
    mem.memSize = 64;
    expect(regStateStr(mem)).toBe('rdonly_mem(sz=64)');
  });

  it('a pointer with a variable offset prints its bounds', () => {
    const p = ctxU32();
    alu64(A.AND, p, 0xffn);
    p.type = REG_TYPE.PTR_TO_PACKET;
    p.range = 0;
    expect(regStateStr(p)).toBe('pkt(r=0,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
  });

  it('type names with flags', () => {
    expect(regTypeStr(REG_TYPE_OR_NULL.PTR_TO_BTF_ID_OR_NULL)).toBe('ptr_or_null_');
    expect(regTypeStr(REG_TYPE.PTR_TO_BTF_ID | TYPE_FLAG.PTR_TRUSTED)).toBe('trusted_ptr_');
    expect(regTypeStr(REG_TYPE.PTR_TO_MEM | TYPE_FLAG.MEM_RINGBUF)).toBe('ringbuf_mem');
    expect(regTypeStr(REG_TYPE.NOT_INIT)).toBe('?');
  });
});

describe('whole state lines (print_verifier_state)', () => {
  it('matches the kernel line `from 7 to 9: ...` of a program with spills', () => {
    // r0 = *(u32 *)(r1 +0); r0 &= 255; r0 += 3; r2 = r0; r2 <<= 4; *(u64 *)(r10 -16) = r2;
    // *(u32 *)(r10 -8) = 0; if r0 > 0x10 goto pc+1 -- the taken branch's state:
    const r0 = ctxU32();
    alu64(A.AND, r0, 255n);
    alu64(A.ADD, r0, 3n);
    const r2 = cloneRegState(r0);
    alu64(A.LSH, r2, 4n);
    r2.id = 2;
    const c = scalarConst(0x10n);
    const t0 = cloneRegState(r0);
    regSetMinMax(t0, cloneRegState(c), r0, c, BPF_JMP_OP.JGT, false);
    t0.id = 1;
    const regs: RegState[] = [];
    for (let i = 0; i < 11; i++) regs.push(newRegState());
    regs[0] = t0;
    regs[1] = pointerReg(REG_TYPE.PTR_TO_CTX);
    regs[2] = r2;
    regs[10] = pointerReg(REG_TYPE.PTR_TO_STACK);
    const I = STACK_SLOT.INVALID;
    const S = STACK_SLOT.SPILL;
    const stack = [
      { slotType: [I, I, I, I, S, S, S, S], spilledPtr: scalarConst(0n) },
      { slotType: [S, S, S, S, S, S, S, S], spilledPtr: cloneRegState(r2) },
    ];
    expect(verifierStateStr({ frameno: 0, regs, stack })).toBe(
      ' R0=scalar(id=1,smin=umin=smin32=umin32=17,smax=umax=smax32=umax32=258,var_off=(0x0; 0x1ff)) R1=ctx()' +
        ' R2=scalar(id=2,smin=umin=smin32=umin32=48,smax=umax=smax32=umax32=4128,var_off=(0x0; 0x1ff0)) R10=fp0' +
        ' fp-8=????0 fp-16=scalar(id=2,smin=umin=smin32=umin32=48,smax=umax=smax32=umax32=4128,var_off=(0x0; 0x1ff0))',
    );
    // only scratched registers/slots after an instruction: `6: (62) *(u32 *)(r10 -8) = 0 ; R10=fp0 fp-8=????0`
    expect(verifierStateStr({ frameno: 0, regs, stack }, { regs: new Set([10]), slots: new Set([0]) })).toBe(
      ' R10=fp0 fp-8=????0',
    );
  });

  it('misc/zero slots, frames, references and callback marks', () => {
    const M = STACK_SLOT.MISC;
    const Z = STACK_SLOT.ZERO;
    const regs = [pointerReg(REG_TYPE.PTR_TO_STACK)];
    const s = verifierStateStr(
      {
        frameno: 1,
        regs,
        stack: [{ slotType: [M, M, M, M, Z, Z, Z, Z], spilledPtr: newRegState() }],
        inCallbackFn: true,
      },
      undefined,
      [3, 0, 5],
    );
    expect(s).toBe(' frame1: R0=fp[0]0 fp-8=mmmm0000 refs=3,5 cb');
  });
});
