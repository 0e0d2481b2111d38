/**
 * @fileoverview Stack slot liveness: for every (call chain, instruction) the verifier has visited,
 * which stack slots may still be read there or later. State pruning treats the other slots of an
 * explored state as dead (STACK_INVALID), so it prunes more than a comparison of every slot would.
 *
 * Marks are accumulated while the main pass walks the program (`may_read`: union over visits;
 * `must_write`: intersection over visits, full 8-byte writes only) and propagated by a backward
 * data-flow over each subprogram's post-order whenever a path ends or a subprogram returns; a callee's
 * entry marks then become marks of the call instruction in the caller's instance. Masks are 64-bit
 * (one bit per 8-byte slot) stored as two 32-bit halves.
 *
 * Models kernel/bpf/liveness.c (Linux 6.18): `struct callchain`, `struct per_frame_masks`,
 * `struct func_instance`, `bpf_stack_liveness_init`, `bpf_mark_stack_read`,
 * `bpf_reset_stack_write_marks`, `bpf_mark_stack_write`, `bpf_commit_stack_write_marks`,
 * `bpf_reset_live_stack_callchain`, `bpf_update_live_stack`, `bpf_live_stack_query_init`,
 * `bpf_stack_slot_alive`, `bpf_insn_successors`; and `compute_postorder`, `bpf_fmt_stack_mask` of
 * kernel/bpf/verifier.c. Callbacks are not modelled by bpfsim, so `bpf_calls_callback` is false.
 * Requires kernel 6.18.
 */

import type { Insn } from '../../isa/insn.js';
import { bpfInsnSuccessors } from '../cfg.js';
import type { VerifierEnv } from './env.js';
import type { FuncState, VerifierState } from './state.js';

/** Words of one `per_frame_masks` entry: lo/hi halves of the four masks. */
const WORDS = 8;
const MAY_READ = 0;
const MUST_WRITE = 2;
const MUST_WRITE_ACC = 4;
const LIVE_BEFORE = 6;
const U32_MAX = 0xffffffff;
const MAX_CALL_FRAMES = 8;

/** Post-order of every subprogram's insns. Models `compute_postorder`. */
export interface Postorder {
  /** Insn indices, subprogram after subprogram (`env->cfg.insn_postorder`). */
  readonly order: Int32Array;
  /** Where each subprogram's part begins, plus the end (`subprog_info[].postorder_start`). */
  readonly starts: Int32Array;
}

/** Iterative DFS from each subprogram start. Models `compute_postorder`. */
export function computePostorder(insns: readonly Insn[], subprogStarts: readonly number[]): Postorder {
  const DISCOVERED = 1;
  const EXPLORED = 2;
  const n = insns.length;
  const order = new Int32Array(n);
  const state = new Uint8Array(n);
  const stack = new Int32Array(n + 1);
  const starts = new Int32Array(subprogStarts.length + 1);
  const succ = [0, 0];
  let cur = 0;
  subprogStarts.forEach((start, i) => {
    starts[i] = cur;
    stack[0] = start;
    let sz = 1;
    do {
      const top = stack[sz - 1] as number;
      state[top] = (state[top] as number) | DISCOVERED;
      if ((state[top] as number) & EXPLORED) {
        order[cur++] = top;
        sz--;
        continue;
      }
      const cnt = bpfInsnSuccessors(insns, top, succ);
      for (let s = 0; s < cnt; s++) {
        const t = succ[s] as number;
        if (t < 0 || t >= n || state[t]) continue;
        stack[sz++] = t;
        state[t] = DISCOVERED;
      }
      state[top] = (state[top] as number) | EXPLORED;
    } while (sz);
  });
  starts[subprogStarts.length] = cur;
  return { order, starts };
}

/** Formats a stack mask as slot offsets, `-8,-24,-40` for 0x15. Models `bpf_fmt_stack_mask`. */
export function fmtStackMask(lo: number, hi: number): string {
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if ((lo >>> i) & 1) out.push(String(-(i + 1) * 8));
  for (let i = 0; i < 32; i++) if ((hi >>> i) & 1) out.push(String(-(i + 33) * 8));
  return out.join(',');
}

/**
 * The marks of one call chain: per frame of the chain, per insn of the innermost subprogram.
 * Models `struct func_instance` with its `struct callchain`.
 */
interface FuncInstance {
  /** Call insn of each outer frame, then the subprogram's start (`callchain.callsites`). */
  readonly callsites: readonly number[];
  /** Start insn of each frame's subprogram (`callchain.sp_starts`). */
  readonly spStarts: readonly number[];
  readonly curframe: number;
  /** The chain as printed, `(2,5)` (`fmt_callchain`); also the lookup key. */
  readonly name: string;
  /** Index of the innermost subprogram. */
  readonly subprog: number;
  readonly start: number;
  readonly insnCnt: number;
  updated: boolean;
  mustWriteDropped: boolean;
  /** `per_frame_masks` arrays, `WORDS` per insn, allocated on first use. */
  readonly frames: (Uint32Array | undefined)[];
  /** `must_write_set`: must_write was initialized for the insn. */
  readonly mustWriteSet: Uint8Array;
}

/** Liveness of one analysis run. Models `struct bpf_liveness`. */
export class StackLiveness {
  private readonly instances = new Map<string, FuncInstance>();
  private readonly postorder: Postorder;
  private readonly succ = [0, 0];
  /** `cur_instance`: the instance of `env->cur_state`, null after a call-chain change. */
  private curInstance: FuncInstance | null = null;
  /** `write_masks_acc`: lo/hi per frame, for the insn at `writeInsnIdx`. */
  private readonly writeMasksAcc = new Uint32Array(MAX_CALL_FRAMES * 2);
  private writeInsnIdx = 0;
  /** `live_stack_query`. */
  private readonly qInstances: FuncInstance[] = [];
  private qCurframe = 0;
  private qInsnIdx = 0;

  /** Models `bpf_stack_liveness_init` (and the post-order it relies on). */
  constructor(
    private readonly insns: readonly Insn[],
    private readonly subprogStarts: readonly number[],
  ) {
    this.postorder = computePostorder(insns, subprogStarts);
  }

  /** Finds or allocates the instance of a call chain. Models `__lookup_instance`. */
  private lookupChain(callsites: number[], spStarts: number[]): FuncInstance {
    const name = `(${callsites.join(',')})`;
    const found = this.instances.get(name);
    if (found) return found;
    const curframe = callsites.length - 1;
    const start = spStarts[curframe] as number;
    const subprog = this.subprogStarts.indexOf(start);
    const end = this.subprogStarts[subprog + 1] ?? this.insns.length;
    const inst: FuncInstance = {
      callsites,
      spStarts,
      curframe,
      name,
      subprog,
      start,
      insnCnt: end - start,
      updated: false,
      mustWriteDropped: false,
      frames: [],
      mustWriteSet: new Uint8Array(end - start),
    };
    this.instances.set(name, inst);
    return inst;
  }

  /** The instance of `st` at depth `frameno`. Models `lookup_instance` + `compute_callchain`. */
  private lookupInstance(st: VerifierState, frameno: number): FuncInstance {
    const callsites: number[] = [];
    const spStarts: number[] = [];
    for (let i = 0; i <= frameno; i++) {
      spStarts.push(this.subprogStarts[(st.frames[i] as FuncState).subprogno] as number);
      callsites.push(i < st.curframe ? (st.frames[i + 1] as FuncState).callsite : 0);
    }
    callsites[frameno] = spStarts[frameno] as number;
    return this.lookupChain(callsites, spStarts);
  }

  /** Models `alloc_frame_masks` (the whole frame array). */
  private frameMasks(inst: FuncInstance, frame: number): Uint32Array {
    let arr = inst.frames[frame];
    if (!arr) {
      arr = new Uint32Array(inst.insnCnt * WORDS);
      inst.frames[frame] = arr;
    }
    return arr;
  }

  /** Models `bpf_reset_live_stack_callchain`: the current state entered or left a subprogram. */
  resetLiveStackCallchain(): void {
    this.curInstance = null;
  }

  /** Models `ensure_cur_instance`. */
  private ensureCurInstance(env: VerifierEnv): FuncInstance {
    if (!this.curInstance) this.curInstance = this.lookupInstance(env.cur, env.cur.curframe);
    return this.curInstance;
  }

  /** Accumulates may_read for `frame` at `insnIdx`. Models `mark_stack_read`. */
  private markRead(inst: FuncInstance, frame: number, insnIdx: number, lo: number, hi: number): void {
    const m = this.frameMasks(inst, frame);
    const o = (insnIdx - inst.start) * WORDS;
    const oldLo = m[o + MAY_READ] as number;
    const oldHi = m[o + MAY_READ + 1] as number;
    const newLo = (oldLo | lo) >>> 0;
    const newHi = (oldHi | hi) >>> 0;
    if (
      (newLo !== oldLo || newHi !== oldHi) &&
      ((newLo | (m[o + LIVE_BEFORE] as number)) >>> 0 !== m[o + LIVE_BEFORE] ||
        (newHi | (m[o + LIVE_BEFORE + 1] as number)) >>> 0 !== m[o + LIVE_BEFORE + 1])
    )
      inst.updated = true;
    m[o + MAY_READ] = newLo;
    m[o + MAY_READ + 1] = newHi;
  }

  /** Slot `spi` of frame `frame` may be read by insn `insnIdx`. Models `bpf_mark_stack_read`. */
  markStackRead(env: VerifierEnv, frame: number, insnIdx: number, spi: number): void {
    const inst = this.ensureCurInstance(env);
    if (spi < 32) this.markRead(inst, frame, insnIdx, (1 << spi) >>> 0, 0);
    else this.markRead(inst, frame, insnIdx, 0, (1 << (spi - 32)) >>> 0);
  }

  /** Models `reset_stack_write_marks`. */
  private resetWriteMarks(inst: FuncInstance, insnIdx: number): void {
    this.writeInsnIdx = insnIdx;
    const acc = this.writeMasksAcc;
    for (let i = (inst.curframe + 1) * 2 - 1; i >= 0; i--) acc[i] = 0;
  }

  /** Starts collecting the writes of insn `insnIdx`. Models `bpf_reset_stack_write_marks`. */
  resetStackWriteMarks(env: VerifierEnv, insnIdx: number): void {
    this.resetWriteMarks(this.ensureCurInstance(env), insnIdx);
  }

  /** The insn being checked writes all 8 bytes of slot `spi` of `frame`. Models `bpf_mark_stack_write`. */
  markStackWrite(frame: number, spi: number): void {
    const acc = this.writeMasksAcc;
    if (spi < 32) acc[frame * 2] = (acc[frame * 2] as number) | (1 << spi);
    else acc[frame * 2 + 1] = (acc[frame * 2 + 1] as number) | (1 << (spi - 32));
  }

  /**
   * Intersects the collected writes with the insn's must_write (set on the first visit). The kernel
   * keeps the previous must_write in a u32, so a later visit keeps only slots 0..31; modelled as is.
   * Models `commit_stack_write_marks`.
   */
  private commitWriteMarks(inst: FuncInstance | null): void {
    if (!inst) return;
    const idx = this.writeInsnIdx - inst.start;
    const seen = inst.mustWriteSet[idx] === 1;
    for (let frame = 0; frame <= inst.curframe; frame++) {
      let lo = this.writeMasksAcc[frame * 2] as number;
      let hi = this.writeMasksAcc[frame * 2 + 1] as number;
      if (lo === 0 && hi === 0 && !seen) continue;
      const m = this.frameMasks(inst, frame);
      const o = idx * WORDS + MUST_WRITE;
      const old = m[o] as number;
      if (seen) {
        lo = (lo & old) >>> 0;
        hi = 0;
      }
      if (old !== lo || hi !== 0) {
        m[o] = lo;
        m[o + 1] = hi;
        inst.updated = true;
      }
      if ((old & ~lo) !== 0) inst.mustWriteDropped = true;
    }
    inst.mustWriteSet[idx] = 1;
    this.writeInsnIdx = 0;
  }

  /** Merges the collected writes into the current instance. Models `bpf_commit_stack_write_marks`. */
  commitStackWriteMarks(): void {
    this.commitWriteMarks(this.curInstance);
  }

  /** Models `log_mask_change`. */
  private logMaskChange(
    env: VerifierEnv,
    inst: FuncInstance,
    pfx: string,
    frame: number,
    insnIdx: number,
    oldLo: number,
    oldHi: number,
    newLo: number,
    newHi: number,
  ): void {
    const chLo = (oldLo ^ newLo) >>> 0;
    const chHi = (oldHi ^ newHi) >>> 0;
    if (!chLo && !chHi) return;
    let s = `${inst.name} frame ${frame} insn ${insnIdx} `;
    const onesLo = (newLo & chLo) >>> 0;
    const onesHi = (newHi & chHi) >>> 0;
    const zerosLo = (~newLo & chLo) >>> 0;
    const zerosHi = (~newHi & chHi) >>> 0;
    if (onesLo || onesHi) s += `+${pfx} ${fmtStackMask(onesLo, onesHi)} `;
    if (zerosLo || zerosHi) s += `-${pfx} ${fmtStackMask(zerosLo, zerosHi)}`;
    env.verbose(`${s}\n`);
  }

  /** One step of the data-flow for `frame` at `insnIdx`; true if it changed. Models `update_insn`. */
  private updateInsn(
    env: VerifierEnv,
    inst: FuncInstance,
    m: Uint32Array,
    frame: number,
    insnIdx: number,
  ): boolean {
    const succ = this.succ;
    const n = bpfInsnSuccessors(this.insns, insnIdx, succ);
    if (n === 0) return false;
    const o = (insnIdx - inst.start) * WORDS;
    let afterLo = 0;
    let afterHi = 0;
    let accLo = U32_MAX;
    let accHi = U32_MAX;
    for (let s = 0; s < n; s++) {
      const so = ((succ[s] as number) - inst.start) * WORDS;
      afterLo |= m[so + LIVE_BEFORE] as number;
      afterHi |= m[so + LIVE_BEFORE + 1] as number;
      accLo &= m[so + MUST_WRITE_ACC] as number;
      accHi &= m[so + MUST_WRITE_ACC + 1] as number;
    }
    const mrLo = m[o + MAY_READ] as number;
    const mrHi = m[o + MAY_READ + 1] as number;
    const mwLo = m[o + MUST_WRITE] as number;
    const mwHi = m[o + MUST_WRITE + 1] as number;
    accLo = (accLo | mwLo) >>> 0;
    accHi = (accHi | mwHi) >>> 0;
    const beforeLo = ((afterLo & ~mwLo) | mrLo) >>> 0;
    const beforeHi = ((afterHi & ~mwHi) | mrHi) >>> 0;
    const oldBLo = m[o + LIVE_BEFORE] as number;
    const oldBHi = m[o + LIVE_BEFORE + 1] as number;
    const oldALo = m[o + MUST_WRITE_ACC] as number;
    const oldAHi = m[o + MUST_WRITE_ACC + 1] as number;
    const changed = beforeLo !== oldBLo || beforeHi !== oldBHi || accLo !== oldALo || accHi !== oldAHi;
    if (
      env.logLevel2 &&
      (mrLo || mrHi || mwLo || mwHi || insnIdx === inst.start || env.aux[insnIdx]?.prunePoint)
    ) {
      this.logMaskChange(env, inst, 'live', frame, insnIdx, oldBLo, oldBHi, beforeLo, beforeHi);
      this.logMaskChange(env, inst, 'written', frame, insnIdx, oldALo, oldAHi, accLo, accHi);
    }
    m[o + LIVE_BEFORE] = beforeLo;
    m[o + LIVE_BEFORE + 1] = beforeHi;
    m[o + MUST_WRITE_ACC] = accLo;
    m[o + MUST_WRITE_ACC + 1] = accHi;
    return changed;
  }

  /** Fixed point of live_before/must_write_acc for one instance. Models `update_instance`. */
  private updateInstance(env: VerifierEnv, inst: FuncInstance): void {
    if (inst.mustWriteDropped) {
      for (const m of inst.frames) {
        if (!m) continue;
        for (let i = 0; i < inst.insnCnt; i++) {
          m[i * WORDS + MUST_WRITE_ACC] = 0;
          m[i * WORDS + MUST_WRITE_ACC + 1] = 0;
        }
      }
    }
    const order = this.postorder.order;
    const poStart = this.postorder.starts[inst.subprog] as number;
    const poEnd = this.postorder.starts[inst.subprog + 1] as number;
    let cnt = 0;
    let changed: boolean;
    do {
      cnt++;
      changed = false;
      for (let frame = 0; frame <= inst.curframe; frame++) {
        const m = inst.frames[frame];
        if (!m) continue;
        for (let i = poStart; i < poEnd; i++)
          if (this.updateInsn(env, inst, m, frame, order[i] as number)) changed = true;
      }
    } while (changed);
    if (env.logLevel2) env.verbose(`${inst.name} live stack update done in ${cnt} iterations\n`);
    if (inst.curframe > 0) this.propagateToOuterInstance(inst);
  }

  /**
   * Makes the callee's entry marks (live_before, must_write_acc) marks of the call insn in the
   * caller's instance. Models `propagate_to_outer_instance` + `get_outer_instance`.
   */
  private propagateToOuterInstance(inst: FuncInstance): void {
    const cf = inst.curframe;
    const callsites = inst.callsites.slice(0, cf);
    const spStarts = inst.spStarts.slice(0, cf);
    callsites[cf - 1] = spStarts[cf - 1] as number;
    const outer = this.lookupChain(callsites, spStarts);
    const callsite = inst.callsites[cf - 1] as number;
    this.resetWriteMarks(outer, callsite);
    const acc = this.writeMasksAcc;
    for (let frame = 0; frame < cf; frame++) {
      const m = inst.frames[frame];
      if (!m) continue;
      acc[frame * 2] = (acc[frame * 2] as number) | (m[MUST_WRITE_ACC] as number);
      acc[frame * 2 + 1] = (acc[frame * 2 + 1] as number) | (m[MUST_WRITE_ACC + 1] as number);
      this.markRead(outer, frame, callsite, m[LIVE_BEFORE] as number, m[LIVE_BEFORE + 1] as number);
    }
    this.commitWriteMarks(outer);
  }

  /**
   * Propagates the marks of every instance along the current state's call chain, innermost first.
   * Called when a path ends (before `pop_stack`) and when a subprogram returns. Models
   * `bpf_update_live_stack`.
   */
  updateLiveStack(env: VerifierEnv): void {
    this.curInstance = null;
    for (let frame = env.cur.curframe; frame >= 0; frame--) {
      const inst = this.lookupInstance(env.cur, frame);
      if (!inst.updated) continue;
      this.updateInstance(env, inst);
      inst.updated = false;
      inst.mustWriteDropped = false;
    }
  }

  /** Prepares `stackSlotAlive` queries for explored state `st`. Models `bpf_live_stack_query_init`. */
  liveStackQueryInit(st: VerifierState): void {
    this.qInstances.length = 0;
    for (let frame = 0; frame <= st.curframe; frame++) this.qInstances.push(this.lookupInstance(st, frame));
    this.qCurframe = st.curframe;
    this.qInsnIdx = st.insnIdx;
  }

  /**
   * Slot `spi` of frame `frameno` may be read at the queried insn, or after the return to some caller
   * frame. Models `bpf_stack_slot_alive`.
   */
  stackSlotAlive(frameno: number, spi: number): boolean {
    const top = this.qInstances[this.qCurframe] as FuncInstance;
    if (isLiveBefore(top, this.qInsnIdx, frameno, spi)) return true;
    for (let i = frameno; i < this.qCurframe; i++) {
      const callsite = top.callsites[i] as number;
      if (isLiveBefore(this.qInstances[i] as FuncInstance, callsite + 1, frameno, spi)) return true;
    }
    return false;
  }
}

/** Models `is_live_before`. */
function isLiveBefore(inst: FuncInstance, insnIdx: number, frameno: number, spi: number): boolean {
  const m = inst.frames[frameno];
  if (!m) return false;
  const o = (insnIdx - inst.start) * WORDS + LIVE_BEFORE;
  const word = spi < 32 ? (m[o] as number) : (m[o + 1] as number);
  return ((word >>> (spi & 31)) & 1) === 1;
}
