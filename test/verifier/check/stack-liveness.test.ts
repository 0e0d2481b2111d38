/**
 * The stack slot liveness analysis (kernel/bpf/liveness.c of Linux 6.18) on its own: successors,
 * per-subprogram post-order, mask formatting, and the marks → data-flow → query cycle driven the
 * way do_check drives it. Expected log lines are the real kernel's (see the stack-*.L2.log goldens,
 * which exercise the same code through whole verifications).
 */
import { describe, expect, it } from 'vitest';
import { assembleKernel } from '../../../src/isa/asm-kernel.js';
import { type Insn, insn } from '../../../src/isa/insn.js';
import { bpfInsnSuccessors } from '../../../src/verifier/cfg.js';
import type { VerifierEnv } from '../../../src/verifier/check/env.js';
import { computePostorder, fmtStackMask, StackLiveness } from '../../../src/verifier/check/stack-liveness.js';
import { newFuncState, newVerifierState, type VerifierState } from '../../../src/verifier/check/state.js';

function asm(text: string): Insn[] {
  const r = assembleKernel(text);
  if (!r.ok) throw new Error(`line ${r.line}: ${r.error}`);
  return r.insns;
}

function succ(insns: Insn[], idx: number): number[] {
  const out = [0, 0];
  return out.slice(0, bpfInsnSuccessors(insns, idx, out));
}

function mainState(): VerifierState {
  return newVerifierState();
}

/** What the analysis reads from the verifier environment: the current state, log and prune points. */
function fakeEnv(insns: Insn[], cur: VerifierState, prunePoints: number[] = []) {
  const log: string[] = [];
  const env = {
    cur,
    logLevel2: true,
    verbose: (s: string) => log.push(s),
    aux: insns.map((_, i) => ({ prunePoint: prunePoints.includes(i) })),
  } as unknown as VerifierEnv;
  return { env, log };
}

/** Marks for one insn as do_check records them: reset, the accesses, commit. */
function visit(
  lv: StackLiveness,
  env: VerifierEnv,
  idx: number,
  acc: { read?: [number, number][]; write?: [number, number][] },
): void {
  lv.resetStackWriteMarks(env, idx);
  for (const [frame, spi] of acc.read ?? []) lv.markStackRead(env, frame, idx, spi);
  for (const [frame, spi] of acc.write ?? []) lv.markStackWrite(frame, spi);
  lv.commitStackWriteMarks();
}

describe('bpf_insn_successors', () => {
  const prog = [
    insn(0xb7, 0, 0, 0, 0), // 0: r0 = 0
    insn(0x18, 1, 0, 0, 1), // 1: r1 = 1 ll
    insn(0, 0, 0, 0, 0),
    insn(0x25, 1, 0, 2, 3), // 3: if r1 > 3 goto +2
    insn(0x05, 0, 0, -4, 0), // 4: goto -4
    insn(0x06, 0, 0, 0, 1), // 5: gotol +1
    insn(0x85, 0, 0, 0, 7), // 6: call 7
    insn(0x95, 0, 0, 0, 0), // 7: exit
  ];
  it.each([
    [0, [1]],
    [1, [3]],
    [3, [4, 6]],
    [4, [1]],
    [5, [7]],
    [6, [7]],
    [7, []],
  ])('insn %i → %j', (idx, want) => {
    expect(succ(prog, idx)).toEqual(want);
  });
});

describe('compute_postorder', () => {
  it('walks each subprogram from its start, fall-through pushed before the jump target', () => {
    const insns = asm(`
      r1 = 1
      call pc+4
      if r0 > 3 goto +1
      r0 = 0
      exit
      r0 = 0
      if r1 == 0 goto +1
      r0 = 1
      exit`);
    const po = computePostorder(insns, [0, 5]);
    // the jump target is pushed last, so it is finished first
    expect(Array.from(po.order)).toEqual([4, 3, 2, 1, 0, 8, 7, 6, 5]);
    expect(Array.from(po.starts)).toEqual([0, 5, 9]);
  });
});

describe('bpf_fmt_stack_mask', () => {
  it.each([
    [0x15, 0, '-8,-24,-40'],
    [0, 1, '-264'],
    [0x80000000, 0x80000000, '-256,-512'],
    [0, 0, ''],
  ])('%i/%i → %s', (lo, hi, want) => {
    expect(fmtStackMask(lo, hi)).toBe(want);
  });
});

describe('stack liveness marks and queries', () => {
  const spill = asm(`
    *(u64 *)(r10 - 8) = r1
    r6 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r6 + 0)
    *(u32 *)(r10 - 16) = r0
    r7 = *(u64 *)(r10 - 16)
    r0 = 0
    exit`);

  it('logs what Linux logs for the stack-spill program', () => {
    const st = mainState();
    const { env, log } = fakeEnv(spill, st);
    const lv = new StackLiveness(spill, [0]);
    visit(lv, env, 0, { write: [[0, 0]] });
    visit(lv, env, 1, { read: [[0, 0]] });
    visit(lv, env, 2, {});
    visit(lv, env, 3, {}); // a 4-byte write does not kill the slot
    visit(lv, env, 4, { read: [[0, 1]] });
    visit(lv, env, 5, {});
    visit(lv, env, 6, {});
    lv.updateLiveStack(env);
    expect(log.join('')).toBe(
      '(0) frame 0 insn 4 +live -16 \n' +
        '(0) frame 0 insn 1 +live -8,-16 \n' +
        '(0) frame 0 insn 0 +live -16 \n' +
        '(0) frame 0 insn 0 +written -8 \n' +
        '(0) live stack update done in 2 iterations\n',
    );
    st.insnIdx = 1;
    lv.liveStackQueryInit(st);
    expect([lv.stackSlotAlive(0, 0), lv.stackSlotAlive(0, 1), lv.stackSlotAlive(0, 2)]).toEqual([
      true,
      true,
      false,
    ]);
    st.insnIdx = 5;
    lv.liveStackQueryInit(st);
    expect(lv.stackSlotAlive(0, 1)).toBe(false);
    // nothing new: a second update propagates nothing and logs nothing
    log.length = 0;
    lv.updateLiveStack(env);
    expect(log).toEqual([]);
  });

  it('keeps only the slots every visit of an insn writes (must_write is an intersection)', () => {
    const prog = asm(`
      *(u64 *)(r10 - 8) = r1
      r0 = *(u64 *)(r10 - 8)
      r0 = *(u64 *)(r10 - 16)
      exit`);
    const st = mainState();
    const { env, log } = fakeEnv(prog, st);
    const lv = new StackLiveness(prog, [0]);
    visit(lv, env, 0, {
      write: [
        [0, 0],
        [0, 1],
      ],
    });
    visit(lv, env, 1, { read: [[0, 0]] });
    visit(lv, env, 2, { read: [[0, 1]] });
    lv.updateLiveStack(env);
    lv.liveStackQueryInit(st);
    expect(lv.stackSlotAlive(0, 1)).toBe(false);
    // another path through insn 0 writes only fp-8: fp-16 is live before insn 0 again
    visit(lv, env, 0, { write: [[0, 0]] });
    log.length = 0;
    lv.updateLiveStack(env);
    // must_write_acc is recomputed from scratch once a must_write shrank
    expect(log).toEqual([
      '(0) frame 0 insn 0 +live -16 \n',
      '(0) frame 0 insn 0 +written -8 \n',
      '(0) live stack update done in 2 iterations\n',
    ]);
    lv.liveStackQueryInit(st);
    expect(lv.stackSlotAlive(0, 1)).toBe(true);
  });

  it('keeps must_write of slots 32..63 after a later visit, as the kernel does (u32 old_must_write)', () => {
    const prog = asm(`
      *(u64 *)(r1 + 0) = r2
      r0 = *(u64 *)(r10 - 264)
      exit`);
    const st = mainState();
    const { env } = fakeEnv(prog, st);
    const lv = new StackLiveness(prog, [0]);
    visit(lv, env, 0, { write: [[0, 32]] });
    visit(lv, env, 1, { read: [[0, 32]] });
    visit(lv, env, 0, { write: [[0, 0]] });
    lv.updateLiveStack(env);
    lv.liveStackQueryInit(st);
    expect(lv.stackSlotAlive(0, 32)).toBe(false);
    // the same for a low slot is dropped by the intersection
    const lv2 = new StackLiveness(prog, [0]);
    visit(lv2, env, 0, { write: [[0, 3]] });
    visit(lv2, env, 1, { read: [[0, 3]] });
    visit(lv2, env, 0, { write: [[0, 0]] });
    lv2.updateLiveStack(env);
    lv2.liveStackQueryInit(st);
    expect(lv2.stackSlotAlive(0, 3)).toBe(true);
  });

  it('carries a callee entry marks to the call insn of its call chain', () => {
    const prog = asm(`
      r1 = r10
      r1 += -8
      call pc+3
      r0 = *(u64 *)(r10 - 16)
      exit
      *(u64 *)(r1 + 0) = r2
      r0 = *(u64 *)(r10 - 8)
      r0 = *(u64 *)(r1 - 8)
      r0 = 0
      exit`);
    const st = mainState();
    const { env, log } = fakeEnv(prog, st, [3]);
    const lv = new StackLiveness(prog, [0, 5]);
    visit(lv, env, 0, {});
    visit(lv, env, 1, {});
    // call: check_func_call switches to the callee's chain before the commit
    lv.resetStackWriteMarks(env, 2);
    st.frames.push(newFuncState(1, 2, 1));
    st.curframe = 1;
    lv.resetLiveStackCallchain();
    lv.commitStackWriteMarks();
    visit(lv, env, 5, { write: [[0, 0]] });
    visit(lv, env, 6, { read: [[1, 0]] });
    visit(lv, env, 7, { read: [[0, 1]] });
    visit(lv, env, 8, {});
    // exit of the callee: marks propagated before prepare_func_exit
    lv.resetStackWriteMarks(env, 9);
    st.insnIdx = 7;
    lv.updateLiveStack(env);
    // while in the callee, the caller's fp-16 is read later in the callee, fp-8 is dead (written)
    lv.liveStackQueryInit(st);
    expect(lv.stackSlotAlive(0, 1)).toBe(true);
    st.insnIdx = 8;
    lv.liveStackQueryInit(st);
    expect(lv.stackSlotAlive(0, 1)).toBe(false);
    // the callee's instance, then the caller's, which got the callee's entry marks at the call insn
    expect(log).toEqual([
      '(2,5) frame 0 insn 7 +live -16 \n',
      '(2,5) frame 0 insn 5 +live -16 \n',
      '(2,5) frame 0 insn 5 +written -8 \n',
      '(2,5) frame 1 insn 6 +live -8 \n',
      '(2,5) frame 1 insn 5 +live -8 \n',
      '(2,5) live stack update done in 2 iterations\n',
      '(0) frame 0 insn 2 +live -16 \n',
      '(0) frame 0 insn 2 +written -8 \n',
      '(0) frame 0 insn 0 +live -16 \n',
      '(0) frame 0 insn 0 +written -8 \n',
      '(0) live stack update done in 2 iterations\n',
    ]);
    st.frames.length = 1;
    st.curframe = 0;
    visit(lv, env, 3, { read: [[0, 1]] });
    visit(lv, env, 4, {});
    log.length = 0;
    lv.updateLiveStack(env);
    // insn 3 is a prune point: logged with its new read; the call insn already had fp-16 live
    expect(log).toEqual(['(0) frame 0 insn 3 +live -16 \n', '(0) live stack update done in 2 iterations\n']);
    // the call insn writes fp-8 (the callee always does) and reads fp-16 (the callee may)
    st.insnIdx = 0;
    lv.liveStackQueryInit(st);
    expect([lv.stackSlotAlive(0, 0), lv.stackSlotAlive(0, 1)]).toEqual([false, true]);
  });
});
