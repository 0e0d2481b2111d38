/**
 * @fileoverview State pruning: checkpoints at prune points, equivalence of a new state with an
 * explored one, and infinite-loop detection.
 *
 * Models `is_state_visited`, `clean_live_states`, `clean_verifier_state`, `clean_func_state`,
 * `states_equal`, `func_states_equal`, `regsafe`, `stacksafe`, `range_within`, `check_ids`,
 * `check_scalar_ids`, `regs_exact` and `states_maybe_looping` of kernel/bpf/verifier.c (Linux 6.18).
 * Stack slots dead per the stack liveness analysis (stack-liveness.ts) are cleared from explored
 * states before the comparison. Precision tracking (`mark_chain_precision`) is not modelled:
 * every scalar is compared as if precise, which prunes less than the kernel but never more.
 */
import { ERRNO as E } from '../../uapi/errno.js';
import { BPF_REG_SIZE, STACK_SLOT, type StackSlot } from '../print-state.js';
import { BPF_ADD_CONST, baseType, newRegState, REG_TYPE, type RegState } from '../reg-state.js';
import { tnumIn } from '../tnum.js';
import type { VerifierEnv } from './env.js';
import { markAllScalarsImprecise, propagatePrecision, pushJmpHistory } from './precision.js';
import { markNotInit, markUnknown } from './regs.js';
import {
  BPF_REG_FP,
  cloneVerifierState,
  type FuncState,
  isSpilledReg,
  MAX_BPF_REG,
  type VerifierState,
} from './state.js';

const BPF_F_TEST_STATE_FREQ = 1 << 3;
const EXACT = { NOT_EXACT: 0, EXACT: 1, RANGE_WITHIN: 2 } as const;

/** Models `struct bpf_idmap` with `check_ids`/`check_scalar_ids`. */
class IdMap {
  private readonly old: number[] = [];
  private readonly cur: number[] = [];
  tmpIdGen = 0;
  reset(tmpStart: number): void {
    this.old.length = 0;
    this.cur.length = 0;
    this.tmpIdGen = tmpStart;
  }
  checkIds(oldId: number, curId: number): boolean {
    if (!oldId !== !curId) return false;
    if (oldId === 0) return true;
    for (let i = 0; i < this.old.length; i++) {
      if (this.old[i] === oldId) return this.cur[i] === curId;
      if (this.cur[i] === curId) return false;
    }
    this.old.push(oldId);
    this.cur.push(curId);
    return true;
  }
  checkScalarIds(oldId: number, curId: number): boolean {
    return this.checkIds(oldId || ++this.tmpIdGen, curId || ++this.tmpIdGen);
  }
}

function rangeWithin(o: RegState, c: RegState): boolean {
  return (
    o.umin <= c.umin &&
    o.umax >= c.umax &&
    o.smin <= c.smin &&
    o.smax >= c.smax &&
    o.u32Min <= c.u32Min &&
    o.u32Max >= c.u32Max &&
    o.s32Min <= c.s32Min &&
    o.s32Max >= c.s32Max
  );
}

/** The fields before `id` in `struct bpf_reg_state` (type, off, the union, var_off, bounds). */
function sameHead(o: RegState, c: RegState): boolean {
  return (
    o.type === c.type &&
    o.off === c.off &&
    o.range === c.range &&
    o.map === c.map &&
    o.memSize === c.memSize &&
    o.varOff.value === c.varOff.value &&
    o.varOff.mask === c.varOff.mask &&
    o.smin === c.smin &&
    o.smax === c.smax &&
    o.umin === c.umin &&
    o.umax === c.umax &&
    o.s32Min === c.s32Min &&
    o.s32Max === c.s32Max &&
    o.u32Min === c.u32Min &&
    o.u32Max === c.u32Max
  );
}

/** Same as `sameHead` up to `var_off` (the pointer head). */
function samePtrHead(o: RegState, c: RegState): boolean {
  return (
    o.type === c.type && o.off === c.off && o.range === c.range && o.map === c.map && o.memSize === c.memSize
  );
}

function regsExact(o: RegState, c: RegState, idmap: IdMap): boolean {
  return sameHead(o, c) && idmap.checkIds(o.id, c.id) && idmap.checkIds(o.refObjId, c.refObjId);
}

/** Models `regsafe`. */
function regsafe(env: VerifierEnv, o: RegState, c: RegState, idmap: IdMap, exact: number): boolean {
  if (exact === EXACT.EXACT) return regsExact(o, c, idmap);
  if (o.type === REG_TYPE.NOT_INIT) {
    if (exact === EXACT.NOT_EXACT || c.type === REG_TYPE.NOT_INIT) return true;
  }
  if (o.type !== c.type) return false;
  switch (baseType(o.type)) {
    case REG_TYPE.SCALAR_VALUE:
      // pointer arithmetic with unknown scalars was seen: scalars must be identical
      if (env.exploreAluLimits) return sameHead(o, c) && idmap.checkScalarIds(o.id, c.id);
      if (!o.precise && exact === EXACT.NOT_EXACT) return true;
      if ((o.id & BPF_ADD_CONST) !== (c.id & BPF_ADD_CONST)) return false;
      if (o.id & BPF_ADD_CONST && o.off !== c.off) return false;
      return rangeWithin(o, c) && tnumIn(o.varOff, c.varOff) && idmap.checkScalarIds(o.id, c.id);
    case REG_TYPE.PTR_TO_MAP_KEY:
    case REG_TYPE.PTR_TO_MAP_VALUE:
    case REG_TYPE.PTR_TO_MEM:
    case REG_TYPE.PTR_TO_BUF:
    case REG_TYPE.PTR_TO_TP_BUFFER:
      return (
        samePtrHead(o, c) &&
        rangeWithin(o, c) &&
        tnumIn(o.varOff, c.varOff) &&
        idmap.checkIds(o.id, c.id) &&
        idmap.checkIds(o.refObjId, c.refObjId)
      );
    case REG_TYPE.PTR_TO_PACKET_META:
    case REG_TYPE.PTR_TO_PACKET:
      if (o.range < 0 || c.range < 0) {
        if (o.range !== c.range) return false;
      } else if (o.range > c.range) return false;
      if (o.off !== c.off) return false;
      if (!idmap.checkIds(o.id, c.id)) return false;
      return rangeWithin(o, c) && tnumIn(o.varOff, c.varOff);
    case REG_TYPE.PTR_TO_STACK:
      return regsExact(o, c, idmap) && o.frameno === c.frameno;
    case REG_TYPE.PTR_TO_ARENA:
      return true;
    default:
      return regsExact(o, c, idmap);
  }
}

function unboundScalar(env: VerifierEnv): RegState {
  const r = newRegState();
  markUnknown(env, r);
  return r;
}

/** Models `scalar_reg_for_stack`. */
function scalarRegForStack(env: VerifierEnv, s: StackSlot): RegState | null {
  if (isSpilledReg(s) && s.spilledPtr.type === REG_TYPE.SCALAR_VALUE) return s.spilledPtr;
  if (s.slotType.every((t) => t === STACK_SLOT.MISC)) return unboundScalar(env);
  return null;
}

/** Models `stacksafe`. */
function stacksafe(env: VerifierEnv, old: FuncState, cur: FuncState, idmap: IdMap, exact: number): boolean {
  for (let i = 0; i < old.allocatedStack; i++) {
    const spi = Math.floor(i / BPF_REG_SIZE);
    const k = i % BPF_REG_SIZE;
    const os = old.stack[spi];
    const cs = cur.stack[spi];
    const ot = os?.slotType[k] ?? STACK_SLOT.INVALID;
    if (exact === EXACT.EXACT && (i >= cur.allocatedStack || ot !== (cs?.slotType[k] ?? STACK_SLOT.INVALID)))
      return false;
    if (ot === STACK_SLOT.INVALID) continue;
    if (env.allowUninitStack && ot === STACK_SLOT.MISC) continue;
    if (i >= cur.allocatedStack || !os || !cs) return false;
    const oreg = scalarRegForStack(env, os);
    const creg = scalarRegForStack(env, cs);
    if (oreg && creg) {
      if (!regsafe(env, oreg, creg, idmap, exact)) return false;
      i += BPF_REG_SIZE - 1 - k;
      continue;
    }
    const ct = cs.slotType[k];
    if (ot === STACK_SLOT.MISC && ct === STACK_SLOT.ZERO) continue;
    if (ot !== ct) return false;
    if (k !== BPF_REG_SIZE - 1) continue;
    switch (os.slotType[BPF_REG_SIZE - 1]) {
      case STACK_SLOT.SPILL:
        if (!regsafe(env, os.spilledPtr, cs.spilledPtr, idmap, exact)) return false;
        break;
      case STACK_SLOT.MISC:
      case STACK_SLOT.ZERO:
      case STACK_SLOT.INVALID:
        continue;
      default:
        return false;
    }
  }
  return true;
}

function funcStatesEqual(
  env: VerifierEnv,
  old: FuncState,
  cur: FuncState,
  insnIdx: number,
  idmap: IdMap,
  exact: number,
): boolean {
  const live = env.aux[insnIdx]?.liveRegsBefore ?? 0x3ff;
  for (let i = 0; i < MAX_BPF_REG; i++) {
    if (!((1 << i) & live) && i !== 10) continue;
    if (!regsafe(env, old.regs[i] as RegState, cur.regs[i] as RegState, idmap, exact)) return false;
  }
  return stacksafe(env, old, cur, idmap, exact);
}

const idmap = new IdMap();

/** Models `states_equal`. */
function statesEqual(env: VerifierEnv, old: VerifierState, cur: VerifierState, exact: number): boolean {
  if (old.curframe !== cur.curframe) return false;
  idmap.reset(env.idGen.value);
  if (old.speculative && !cur.speculative) return false;
  if (old.refs.length !== cur.refs.length) return false;
  for (let i = 0; i < old.refs.length; i++)
    if (!idmap.checkIds(old.refs[i]?.id ?? 0, cur.refs[i]?.id ?? 0)) return false;
  for (let i = 0; i <= old.curframe; i++) {
    const of = old.frames[i] as FuncState;
    const cf = cur.frames[i] as FuncState;
    if (of.callsite !== cf.callsite) return false;
    const insnIdx = i === old.curframe ? env.insnIdx : (old.frames[i + 1] as FuncState).callsite;
    if (!funcStatesEqual(env, of, cf, insnIdx, idmap, exact)) return false;
  }
  return true;
}

/** Models `clean_func_state`: dead registers become NOT_INIT, dead stack slots STACK_INVALID. */
function cleanFuncState(env: VerifierEnv, st: FuncState, ip: number): void {
  const liveRegs = env.aux[ip]?.liveRegsBefore ?? 0;
  for (let i = 0; i < BPF_REG_FP; i++) if (!(liveRegs & (1 << i))) markNotInit(st.regs[i] as RegState);
  const slots = st.allocatedStack / BPF_REG_SIZE;
  for (let i = 0; i < slots; i++) {
    const s = st.stack[i];
    if (!s || env.liveness.stackSlotAlive(st.frameno, i)) continue;
    markNotInit(s.spilledPtr);
    s.slotType.fill(STACK_SLOT.INVALID);
  }
}

/** Models `clean_verifier_state`. */
function cleanVerifierState(env: VerifierEnv, st: VerifierState): void {
  env.liveness.liveStackQueryInit(st);
  st.cleaned = true;
  for (let i = 0; i <= st.curframe; i++) {
    const ip = i === st.curframe ? st.insnIdx : (st.frames[i + 1] as FuncState).callsite;
    cleanFuncState(env, st.frames[i] as FuncState, ip);
  }
}

/** Models `same_callsites`. */
function sameCallsites(a: VerifierState, b: VerifierState): boolean {
  if (a.curframe !== b.curframe) return false;
  for (let i = a.curframe; i >= 0; i--)
    if ((a.frames[i] as FuncState).callsite !== (b.frames[i] as FuncState).callsite) return false;
  return true;
}

/**
 * Clears what explored states at `insnIdx` with no paths left will never read, so they compare
 * equal to more states. Models `clean_live_states`; `incomplete_read_marks` is always false here, as
 * bpfsim records no loop backedges (no iterators, may_goto or callbacks).
 */
function cleanLiveStates(env: VerifierEnv, list: readonly VerifierState[], insnIdx: number): void {
  const cur = env.cur;
  for (const sl of list) {
    if (sl.branches || sl.insnIdx !== insnIdx || !sameCallsites(sl, cur) || sl.cleaned) continue;
    cleanVerifierState(env, sl);
  }
}

/** Models `states_maybe_looping`: the current frame's registers are byte-identical. */
function statesMaybeLooping(old: VerifierState, cur: VerifierState): boolean {
  if (old.curframe !== cur.curframe) return false;
  const fo = old.frames[old.curframe] as FuncState;
  const fc = cur.frames[cur.curframe] as FuncState;
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const o = fo.regs[i] as RegState;
    const c = fc.regs[i] as RegState;
    if (!sameHead(o, c) || o.id !== c.id || o.refObjId !== c.refObjId) return false;
  }
  return true;
}

/** Models `is_state_visited`: 1 when the current state is covered by an explored one (prune). */
export function isStateVisited(env: VerifierEnv, insnIdx: number): number {
  const cur = env.cur;
  // BPF_F_TEST_STATE_FREQ: a checkpoint at every prune point
  const forceNewState = (env.input.progFlags & BPF_F_TEST_STATE_FREQ) !== 0 || cur.jmpHistory.length > 40;
  let addNewState = forceNewState;
  if (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8)
    addNewState = true;
  // explored_state(): one list per (insn ^ callsite) % prog_len bucket, shared by colliding insns
  const callsite = (cur.frames[cur.curframe] as FuncState).callsite;
  const bucket = ((insnIdx ^ callsite) >>> 0) % env.insns.length;
  let list = env.explored.get(bucket);
  let statesCnt = 0;
  if (list) {
    cleanLiveStates(env, list, insnIdx);
    for (let k = 0; k < list.length; k++) {
      const sl = list[k] as VerifierState;
      statesCnt++;
      if (sl.insnIdx !== insnIdx) continue;
      let miss = false;
      if (sl.branches) {
        if (statesMaybeLooping(sl, cur) && statesEqual(env, sl, cur, EXACT.EXACT)) {
          env.verbose(`infinite loop detected at insn ${insnIdx}\n`);
          env.verbose('cur state:');
          env.printVerifierState(cur, cur.curframe, true);
          env.verbose('old state:');
          env.printVerifierState(sl, cur.curframe, true);
          env.fail(E.EINVAL);
        }
        if (
          !forceNewState &&
          env.jmpsProcessed - env.prevJmpsProcessed < 20 &&
          env.insnProcessed - env.prevInsnProcessed < 100
        )
          addNewState = false;
        miss = true;
      } else if (statesEqual(env, sl, cur, EXACT.NOT_EXACT)) {
        sl.hitCnt++;
        if (env.aux[insnIdx]?.jmpPoint) pushJmpHistory(env, cur, 0);
        propagatePrecision(env, sl, cur);
        return 1;
      } else miss = true;
      if (miss) {
        if (addNewState) sl.missCnt++;
        const n = 3;
        if (sl.missCnt > sl.hitCnt * n + n) {
          list.splice(k, 1);
          k--;
          env.exploredStatesSize--;
          if (sl.branches) {
            // still an ancestor of a path being explored: kept on the free list until it completes
            sl.inFreeList = true;
            env.freeListSize++;
          }
        }
      }
    }
  }
  if (env.maxStatesPerInsn < statesCnt) env.maxStatesPerInsn = statesCnt;
  if (!env.bpfCapable && statesCnt > 64) return 0;
  if (!addNewState) return 0;
  env.totalStates++;
  env.exploredStatesSize++;
  if (env.exploredStatesSize + env.freeListSize > env.peakStates)
    env.peakStates = env.exploredStatesSize + env.freeListSize;
  env.prevJmpsProcessed = env.jmpsProcessed;
  env.prevInsnProcessed = env.insnProcessed;
  // forget precise markings we inherited (the checkpoint gets them back by backtracking)
  if (env.bpfCapable) markAllScalarsImprecise(cur);
  const nst = cloneVerifierState(cur);
  nst.insnIdx = insnIdx;
  nst.branches = 1;
  nst.parent = cur.parent;
  nst.hitCnt = 0;
  nst.missCnt = 0;
  cur.parent = nst;
  cur.firstInsnIdx = insnIdx;
  cur.jmpHistory = [];
  if (!list) {
    list = [];
    env.explored.set(bucket, list);
  }
  list.unshift(nst);
  maybeEnterScc(env, nst);
  return 0;
}

/**
 * The loop (SCC) a state is in, with the call sites that lead there, as `(callsite,...,scc)`; null
 * when no frame of the state is inside a loop. Models `compute_scc_callchain` + `format_callchain`.
 */
function sccCallchain(env: VerifierEnv, st: VerifierState): string | null {
  const sites: number[] = [];
  for (let i = 0; i <= st.curframe; i++) {
    const insnIdx = i === st.curframe ? st.insnIdx : (st.frames[i + 1] as FuncState).callsite;
    const scc = env.scc[insnIdx] ?? 0;
    if (scc) return `(${sites.map((s) => `${s},`).join('')}${scc})`;
    if (i < st.curframe) sites.push(insnIdx);
    else return null;
  }
  return null;
}

/** Models `maybe_enter_scc`: the first checkpoint of a loop visit is its entry state. */
function maybeEnterScc(env: VerifierEnv, st: VerifierState): void {
  if (!env.scc[st.insnIdx]) return;
  const chain = sccCallchain(env, st);
  if (chain === null) return;
  if (env.sccVisits.get(chain)) return;
  env.sccVisits.set(chain, st);
  if (env.logLevel2) env.verbose(`SCC enter ${chain}\n`);
}

/** Models `maybe_exit_scc`: the loop visit ends when its entry state has no live paths left. */
function maybeExitScc(env: VerifierEnv, st: VerifierState): void {
  if (!env.scc[st.insnIdx]) return;
  const chain = sccCallchain(env, st);
  if (chain === null || env.sccVisits.get(chain) !== st) return;
  env.sccVisits.set(chain, null);
  if (env.logLevel2) env.verbose(`SCC exit ${chain}\n`);
}

/**
 * Models `update_branch_counts`: a path finished; parents with no live paths left are complete,
 * and evicted ones among them are freed (`maybe_free_verifier_state`).
 */
export function updateBranchCounts(env: VerifierEnv, st: VerifierState): void {
  let s: VerifierState | null = st;
  while (s) {
    const br = --s.branches;
    if (br > 0) break;
    maybeExitScc(env, s);
    if (s.inFreeList) {
      s.inFreeList = false;
      env.freeListSize--;
    }
    s = s.parent;
  }
}
