/**
 * @fileoverview Precision tracking: when the verifier relies on a scalar's exact value (a branch
 * decided by it, a size or offset argument, a return value range), the instructions that produced
 * it are walked backwards through the current state and its checkpoints, and the registers and
 * stack slots it came from are marked precise in the checkpoints; state pruning compares only
 * precise scalars by value.
 *
 * Models `push_jmp_history`, `get_prev_insn_idx`, `backtrack_insn`, `__mark_chain_precision`,
 * `mark_all_scalars_precise`, `mark_all_scalars_imprecise` and `propagate_precision` of
 * kernel/bpf/verifier.c (Linux 6.18), with their level-2 log lines. Linked-register precision
 * (`bt_sync_linked_regs`) and callbacks are not modelled.
 */
import { printBpfInsn } from '../../isa/disasm-kernel.js';
import type { Insn } from '../../isa/insn.js';
import { BPF_REG_SIZE } from '../print-state.js';
import { REG_TYPE, type RegState } from '../reg-state.js';
import type { VerifierEnv } from './env.js';
import { isSpilledReg, type VerifierState } from './state.js';

/** One jump-history entry. Models `struct bpf_jmp_history_entry`. */
export interface JmpHistoryEntry {
  idx: number;
  prevIdx: number;
  flags: number;
  /** Scalars linked by id at a conditional jump (`linked_regs`). */
  linked?: readonly LinkedReg[];
}

/** One register or spilled slot linked by a scalar id. Models `struct linked_reg`. */
export interface LinkedReg {
  readonly frameno: number;
  readonly isReg: boolean;
  /** Register number, or stack slot (spi). */
  readonly idx: number;
}

/** `INSN_F_STACK_ACCESS` and the frame/slot encoding of `insn_stack_access_flags`. */
export const INSN_F_STACK_ACCESS = 1 << 9;
const INSN_F_SPI_SHIFT = 3;

/** Models `insn_stack_access_flags`. */
export function insnStackAccessFlags(frameno: number, spi: number): number {
  return INSN_F_STACK_ACCESS | (spi << INSN_F_SPI_SHIFT) | frameno;
}

/** Models `push_jmp_history`: merges into the entry of the current insn when there is one. */
export function pushJmpHistory(
  env: VerifierEnv,
  st: VerifierState,
  flags: number,
  linked?: readonly LinkedReg[],
): void {
  if (env.curHistEnt) {
    env.curHistEnt.flags |= flags;
    if (linked) env.curHistEnt.linked = linked;
    return;
  }
  const e: JmpHistoryEntry = { idx: env.insnIdx, prevIdx: env.prevInsnIdx, flags };
  if (linked) e.linked = linked;
  st.jmpHistory.push(e);
  env.curHistEnt = e;
}

class Backtrack {
  frame = 0;
  regs: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /** Stack slot masks per frame, slots 0-31 and 32-63 (numbers: this runs per backtracked insn). */
  lo: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  hi: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  empty(): boolean {
    if (this.frame === 0) return !this.regs[0] && !this.lo[0] && !this.hi[0];
    for (let i = 0; i <= this.frame; i++) if (this.regs[i] || this.lo[i] || this.hi[i]) return false;
    return true;
  }
  isReg(r: number): boolean {
    return ((this.regs[this.frame] ?? 0) & (1 << r)) !== 0;
  }
  setReg(r: number, fr = this.frame): void {
    this.regs[fr] = (this.regs[fr] ?? 0) | (1 << r);
  }
  clearReg(r: number, fr = this.frame): void {
    this.regs[fr] = (this.regs[fr] ?? 0) & ~(1 << r);
  }
  anySlot(fr: number): boolean {
    return (this.lo[fr] ?? 0) !== 0 || (this.hi[fr] ?? 0) !== 0;
  }
  isSlot(fr: number, spi: number): boolean {
    return spi < 32
      ? ((this.lo[fr] ?? 0) & (1 << spi)) !== 0
      : ((this.hi[fr] ?? 0) & (1 << (spi - 32))) !== 0;
  }
  setSlot(fr: number, spi: number): void {
    if (spi < 32) this.lo[fr] = (this.lo[fr] ?? 0) | (1 << spi);
    else this.hi[fr] = (this.hi[fr] ?? 0) | (1 << (spi - 32));
  }
  clearSlot(fr: number, spi: number): void {
    if (spi < 32) this.lo[fr] = (this.lo[fr] ?? 0) & ~(1 << spi);
    else this.hi[fr] = (this.hi[fr] ?? 0) & ~(1 << (spi - 32));
  }
  clearFrame(fr: number): void {
    this.regs[fr] = 0;
    this.lo[fr] = 0;
    this.hi[fr] = 0;
  }
  /** The frame's slot mask as 64 bits (for the log). */
  stackMask(fr: number): bigint {
    return (BigInt((this.hi[fr] ?? 0) >>> 0) << 32n) | BigInt((this.lo[fr] ?? 0) >>> 0);
  }
}

class NotSupported extends Error {}

/** One backtrack state per verification, reset for each walk (`env->bt`). */
const shared = new Backtrack();
function backtrackOf(_env: VerifierEnv): Backtrack {
  // verification is synchronous and never nested: one backtrack state serves every walk
  const bt = shared;
  for (let i = 0; i < 8; i++) {
    bt.regs[i] = 0;
    bt.lo[i] = 0;
    bt.hi[i] = 0;
  }
  bt.frame = 0;
  return bt;
}

function fmtRegMask(mask: number): string {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if (mask & (1 << i)) out.push(`r${i}`);
  return out.join(',');
}

function fmtStackMask(mask: bigint): string {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) if (mask & (1n << BigInt(i))) out.push(String(-(i + 1) * 8));
  return out.join(',');
}

const REGMASK_ARGS = 0x3e;

/** Models `backtrack_insn`. */
function backtrackInsn(
  env: VerifierEnv,
  idx: number,
  subseqIdx: number,
  hist: JmpHistoryEntry | undefined,
  bt: Backtrack,
): void {
  const insn = env.insns[idx] as Insn;
  if (insn.code === 0) return;
  if (env.logLevel2) {
    env.verbose(
      `mark_precise: frame${bt.frame}: regs=${fmtRegMask(bt.regs[bt.frame] ?? 0)} stack=${fmtStackMask(bt.stackMask(bt.frame))} before ${idx}: ${printBpfInsn(env.insns, idx, { allowPtrLeaks: env.allowPtrLeaks, imm: (x, full) => env.immText(idx, x, full) })}\n`,
    );
  }
  if (hist?.linked) btSyncLinkedRegs(bt, hist.linked);
  // the kernel syncs again only when the insn's case falls through to the end of backtrack_insn
  if (backtrackInsnBody(env, insn, subseqIdx, hist, bt) && hist?.linked) btSyncLinkedRegs(bt, hist.linked);
}

/** Models `bt_sync_linked_regs`: when one linked scalar is needed precise, all of them are. */
function btSyncLinkedRegs(bt: Backtrack, linked: readonly LinkedReg[]): void {
  let some = false;
  for (const e of linked) {
    if (e.isReg ? ((bt.regs[e.frameno] ?? 0) & (1 << e.idx)) !== 0 : bt.isSlot(e.frameno, e.idx)) {
      some = true;
      break;
    }
  }
  if (!some) return;
  for (const e of linked) {
    if (e.isReg) bt.setReg(e.idx, e.frameno);
    else bt.setSlot(e.frameno, e.idx);
  }
}

/** The instruction-specific part of `backtrack_insn`. */
function backtrackInsnBody(
  env: VerifierEnv,
  insn: Insn,
  subseqIdx: number,
  hist: JmpHistoryEntry | undefined,
  bt: Backtrack,
): boolean {
  const cls = insn.code & 7;
  const op = insn.code & 0xf0;
  const srcX = (insn.code & 8) !== 0;
  const dreg = insn.dst;
  const sreg = insn.src;
  if (cls === 4 || cls === 7) {
    if (!bt.isReg(dreg)) return false;
    if (op === 0xd0 || op === 0x80) return false;
    if (op === 0xb0) {
      bt.clearReg(dreg);
      if (srcX && sreg !== 10) bt.setReg(sreg);
    } else if (srcX && sreg !== 10) {
      bt.setReg(sreg);
    }
  } else if (cls === 1 || (cls === 3 && (insn.code & 0xe0) === 0xc0 && insn.imm === 0x100)) {
    if (!bt.isReg(dreg)) return false;
    bt.clearReg(dreg);
    if (!hist || !(hist.flags & INSN_F_STACK_ACCESS)) return false;
    const spi = (hist.flags >> INSN_F_SPI_SHIFT) & 0x3f;
    const fr = hist.flags & 7;
    bt.setSlot(fr, spi);
  } else if (cls === 3 || cls === 2) {
    if (bt.isReg(dreg)) throw new NotSupported();
    if (!hist || !(hist.flags & INSN_F_STACK_ACCESS)) return false;
    const spi = (hist.flags >> INSN_F_SPI_SHIFT) & 0x3f;
    const fr = hist.flags & 7;
    if (!bt.isSlot(fr, spi)) return false;
    bt.clearSlot(fr, spi);
    if (cls === 3) bt.setReg(sreg);
  } else if (cls === 5 || cls === 6) {
    if (op === 0x80) {
      // kfunc with imm 0 is invalid and fixup_kfunc_call rejects it later: be conservative
      if (insn.src === 2 && insn.imm === 0) throw new NotSupported();
      if (insn.src === 1) {
        // static subprog call: exiting the callee's frame while walking back
        for (let i = 1; i <= 5; i++) {
          if (bt.isReg(i)) {
            bt.clearReg(i);
            bt.setReg(i, bt.frame - 1);
          }
        }
        bt.clearFrame(bt.frame);
        bt.frame--;
        return false;
      }
      bt.clearReg(0);
      if ((bt.regs[bt.frame] ?? 0) & REGMASK_ARGS) throw new NotSupported();
    } else if (op === 0x90) {
      const prev = env.insns[subseqIdx - 1];
      const r0Precise =
        subseqIdx - 1 >= 0 && prev !== undefined && prev.code === 0x85 && prev.src === 1 && bt.isReg(0);
      bt.clearReg(0);
      bt.frame++;
      bt.clearFrame(bt.frame);
      if (r0Precise) bt.setReg(0);
      return false;
    } else if (srcX) {
      if (!bt.isReg(dreg) && !bt.isReg(sreg)) return false;
      bt.setReg(dreg);
      bt.setReg(sreg);
    }
  } else if (cls === 0) {
    if (!bt.isReg(dreg)) return false;
    bt.clearReg(dreg);
    const mode = insn.code & 0xe0;
    if (mode === 0x20 || mode === 0x40) throw new NotSupported();
  }
  return true;
}

function eachScalar(st: VerifierState, fn: (r: RegState) => void): void {
  for (const f of st.frames) {
    for (const r of f.regs) if (r.type === REG_TYPE.SCALAR_VALUE) fn(r);
    for (const s of f.stack)
      if (isSpilledReg(s) && s.spilledPtr.type === REG_TYPE.SCALAR_VALUE) fn(s.spilledPtr);
  }
}

/** Models `mark_all_scalars_precise`: the fallback when backtracking cannot follow a value. */
function markAllScalarsPrecise(env: VerifierEnv, st: VerifierState): void {
  if (env.logLevel2)
    env.verbose(`mark_precise: frame${st.curframe}: falling back to forcing all scalars precise\n`);
  for (let s: VerifierState | null = st; s; s = s.parent)
    eachScalar(s, (r) => {
      r.precise = true;
    });
}

/** Models `mark_all_scalars_imprecise` (the current state, after a checkpoint). */
export function markAllScalarsImprecise(st: VerifierState): void {
  eachScalar(st, (r) => {
    r.precise = false;
  });
}

/** Models `__mark_chain_precision` for the backtrack state `bt` set up by the caller. */
function markChainPrecisionBt(env: VerifierEnv, start: VerifierState, bt: Backtrack): void {
  let st: VerifierState | null = start;
  let lastIdx = start.insnIdx;
  let firstIdx = start.firstInsnIdx;
  let subseqIdx = -1;
  let skipFirst = true;
  const insns = env.insns;
  const logLevel2 = env.logLevel2;
  if (bt.empty()) return;
  try {
    for (;;) {
      const history = st.jmpHistory;
      let cnt = history.length;
      if (env.logLevel2)
        env.verbose(
          `mark_precise: frame${bt.frame}: last_idx ${lastIdx} first_idx ${firstIdx} subseq_idx ${subseqIdx} \n`,
        );
      for (let i = lastIdx; ; ) {
        const top = cnt > 0 ? history[cnt - 1] : undefined;
        if (skipFirst) skipFirst = false;
        else {
          const hist = top !== undefined && top.idx === i ? top : undefined;
          const x = insns[i] as Insn;
          const cls = x.code & 7;
          // fast path: an ALU insn whose destination is not tracked changes nothing (backtrack_insn
          // returns at once); at level 2 every insn is logged, so the full path runs
          if (
            logLevel2 ||
            hist?.linked !== undefined ||
            !(cls === 4 || cls === 7) ||
            ((bt.regs[bt.frame] ?? 0) & (1 << x.dst)) !== 0
          ) {
            backtrackInsn(env, i, subseqIdx, hist, bt);
            if (bt.empty()) return;
          }
        }
        subseqIdx = i;
        // get_prev_insn_idx
        if (i === st.firstInsnIdx && (cnt === 0 || (cnt === 1 && history[0]?.idx === i))) break;
        if (top !== undefined && top.idx === i) {
          cnt--;
          i = top.prevIdx;
        } else i--;
      }
      st = st.parent;
      if (!st) break;
      for (let fr = bt.frame; fr >= 0; fr--) {
        const f = st.frames[fr];
        if (!f) continue;
        for (let i = 0; (bt.regs[fr] ?? 0) !== 0 && i < 32; i++) {
          if (!((bt.regs[fr] ?? 0) & (1 << i))) continue;
          const reg = f.regs[i];
          if (!reg || reg.type !== REG_TYPE.SCALAR_VALUE) bt.clearReg(i, fr);
          else if (reg.precise) bt.clearReg(i, fr);
          else reg.precise = true;
        }
        for (let i = 0; bt.anySlot(fr) && i < 64; i++) {
          if (!bt.isSlot(fr, i)) continue;
          const slot = f.stack[i];
          if (!slot || !(isSpilledReg(slot) && slot.spilledPtr.type === REG_TYPE.SCALAR_VALUE)) {
            bt.clearSlot(fr, i);
            continue;
          }
          if (slot.spilledPtr.precise) bt.clearSlot(fr, i);
          else slot.spilledPtr.precise = true;
        }
        if (env.logLevel2) {
          env.verbose(
            `mark_precise: frame${fr}: parent state regs=${fmtRegMask(bt.regs[fr] ?? 0)} stack=${fmtStackMask(bt.stackMask(fr))}: `,
          );
          env.printVerifierState(st, fr, true);
        }
      }
      if (bt.empty()) return;
      subseqIdx = firstIdx;
      lastIdx = st.lastInsnIdx;
      firstIdx = st.firstInsnIdx;
    }
    if (!bt.empty()) markAllScalarsPrecise(env, start);
  } catch (e) {
    if (!(e instanceof NotSupported)) throw e;
    markAllScalarsPrecise(env, env.cur);
  }
}

/** Models `mark_chain_precision(env, regno)`: the value in `regno` (current frame) must stay exact. */
export function markChainPrecision(env: VerifierEnv, regno: number): void {
  if (!env.bpfCapable) return;
  const st = env.cur;
  const reg = st.frames[st.curframe]?.regs[regno];
  if (!reg || reg.type !== REG_TYPE.SCALAR_VALUE) return;
  const bt = backtrackOf(env);
  bt.frame = st.curframe;
  bt.setReg(regno);
  markChainPrecisionBt(env, st, bt);
}

/** Models `mark_chain_precision_batch` for one stack slot of frame `fr` (`get_constant_map_key`). */
export function markSlotPrecision(env: VerifierEnv, fr: number, spi: number): void {
  if (!env.bpfCapable) return;
  const bt = backtrackOf(env);
  bt.frame = env.cur.curframe;
  bt.setSlot(fr, spi);
  markChainPrecisionBt(env, env.cur, bt);
}

/** Models `propagate_precision`: the precise scalars of a state that pruned `cur` become precise in `cur`'s chain. */
export function propagatePrecision(env: VerifierEnv, old: VerifierState, cur: VerifierState): void {
  const bt = backtrackOf(env);
  bt.frame = old.curframe;
  for (let fr = old.curframe; fr >= 0; fr--) {
    const f = old.frames[fr];
    if (!f) continue;
    let first = true;
    for (let i = 0; i < 10; i++) {
      const r = f.regs[i] as RegState;
      if (r.type !== REG_TYPE.SCALAR_VALUE || !r.precise) continue;
      if (env.logLevel2) env.verbose(first ? `frame ${fr}: propagating r${i}` : `,r${i}`);
      bt.setReg(i, fr);
      first = false;
    }
    for (let i = 0; i < f.allocatedStack / BPF_REG_SIZE; i++) {
      const s = f.stack[i];
      if (!s || !isSpilledReg(s)) continue;
      if (s.spilledPtr.type !== REG_TYPE.SCALAR_VALUE || !s.spilledPtr.precise) continue;
      if (env.logLevel2)
        env.verbose(first ? `frame ${fr}: propagating fp${(-i - 1) * 8}` : `,fp${(-i - 1) * 8}`);
      bt.setSlot(fr, i);
      first = false;
    }
    if (!first && env.logLevel2) env.verbose('\n');
  }
  markChainPrecisionBt(env, cur, bt);
}
