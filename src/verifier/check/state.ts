/**
 * @fileoverview Verifier states: one function frame (registers and stack) and the whole state
 * (the call chain of frames, acquired references, the DFS bookkeeping).
 *
 * Models `struct bpf_func_state`, `struct bpf_verifier_state`, `init_func_state`,
 * `copy_verifier_state` and `grow_stack_state` (include/linux/bpf_verifier.h, kernel/bpf/verifier.c).
 */
import { BPF_REG_SIZE, STACK_SLOT, type StackSlot } from '../print-state.js';
import { cloneRegState, newRegState, REG_TYPE, type RegState } from '../reg-state.js';
import type { JmpHistoryEntry } from './precision.js';

/** Registers per frame. Models `MAX_BPF_REG`. */
export const MAX_BPF_REG = 11;
/** The frame pointer. Models `BPF_REG_FP`. */
export const BPF_REG_FP = 10;
/** Stack bytes per frame. Models `MAX_BPF_STACK`. */
export const MAX_BPF_STACK = 512;
/** Frames in a call chain. Models `MAX_CALL_FRAMES`. */
export const MAX_CALL_FRAMES = 8;

/** One function frame. Models `struct bpf_func_state`. */
export interface FuncState {
  regs: RegState[];
  /** Slot i covers fp-(i+1)*8 .. fp-i*8-1. */
  stack: StackSlot[];
  /** Bytes of stack tracked (`allocated_stack`, a multiple of 8). */
  allocatedStack: number;
  frameno: number;
  /** Instruction index of the call that created this frame (-1 for the main frame). */
  callsite: number;
  subprogno: number;
  inCallbackFn: boolean;
  callbackDepth: number;
}

/** One acquired reference. Models `struct bpf_reference_state`. */
export interface RefState {
  id: number;
  insnIdx: number;
}

/** A whole verifier state. Models `struct bpf_verifier_state`. */
export interface VerifierState {
  frames: FuncState[];
  curframe: number;
  refs: RefState[];
  /** The instruction this (cached) state was recorded at. */
  insnIdx: number;
  /** The checkpoint this state descends from (`parent`). */
  parent: VerifierState | null;
  /** Paths still being explored below this state (`branches`). */
  branches: number;
  speculative: boolean;
  /** Cached-state bookkeeping (`bpf_verifier_state_list` hit/miss counts). */
  hitCnt: number;
  missCnt: number;
  /** Evicted from the explored list but still a parent of live paths (`in_free_list`). */
  inFreeList?: boolean;
  /** Dead registers and stack slots were cleared for pruning (`cleaned`). */
  cleaned?: boolean;
  /** Jumps and stack accesses since the last checkpoint (`jmp_history`). */
  jmpHistory: JmpHistoryEntry[];
  /** First and last insn of the segment this state covers (`first_insn_idx`, `last_insn_idx`). */
  firstInsnIdx: number;
  lastInsnIdx: number;
}

/** A stack slot with every byte STACK_INVALID. */
export function newStackSlot(): StackSlot {
  return { slotType: [0, 0, 0, 0, 0, 0, 0, 0], spilledPtr: newRegState() };
}

/** Models `init_func_state`: every register NOT_INIT except R10 = fp. */
export function newFuncState(frameno: number, callsite: number, subprogno: number): FuncState {
  const regs: RegState[] = [];
  for (let i = 0; i < MAX_BPF_REG; i++) regs.push(newRegState());
  const fp = regs[BPF_REG_FP] as RegState;
  fp.type = REG_TYPE.PTR_TO_STACK;
  markKnownZero(fp);
  fp.frameno = frameno;
  return {
    regs,
    stack: [],
    allocatedStack: 0,
    frameno,
    callsite,
    subprogno,
    inCallbackFn: false,
    callbackDepth: 0,
  };
}

/** Known-zero bounds (`__mark_reg_known_zero` without the type). */
export function markKnownZero(r: RegState): void {
  r.varOff = { value: 0n, mask: 0n };
  r.smin = 0n;
  r.smax = 0n;
  r.umin = 0n;
  r.umax = 0n;
  r.s32Min = 0;
  r.s32Max = 0;
  r.u32Min = 0;
  r.u32Max = 0;
}

function cloneSlot(s: StackSlot): StackSlot {
  return { slotType: s.slotType.slice(), spilledPtr: cloneRegState(s.spilledPtr) };
}

/** The state a program starts in: one frame (R10 = fp), nothing explored yet. Models the start of `do_check_common`. */
export function newVerifierState(): VerifierState {
  return {
    frames: [newFuncState(0, -1, 0)],
    curframe: 0,
    refs: [],
    insnIdx: 0,
    parent: null,
    branches: 1,
    speculative: false,
    hitCnt: 0,
    missCnt: 0,
    jmpHistory: [],
    firstInsnIdx: 0,
    lastInsnIdx: -1,
  };
}

/** A deep copy of a frame. Models `copy_func_state`. */
export function cloneFuncState(f: FuncState): FuncState {
  return {
    regs: f.regs.map(cloneRegState),
    stack: f.stack.map(cloneSlot),
    allocatedStack: f.allocatedStack,
    frameno: f.frameno,
    callsite: f.callsite,
    subprogno: f.subprogno,
    inCallbackFn: f.inCallbackFn,
    callbackDepth: f.callbackDepth,
  };
}

/** A deep copy of a state (frames, refs; parent link and counters copied). Models `copy_verifier_state`. */
export function cloneVerifierState(s: VerifierState): VerifierState {
  return {
    frames: s.frames.map(cloneFuncState),
    curframe: s.curframe,
    refs: s.refs.map((r) => ({ ...r })),
    insnIdx: s.insnIdx,
    parent: s.parent,
    branches: s.branches,
    speculative: s.speculative,
    hitCnt: 0,
    missCnt: 0,
    jmpHistory: s.jmpHistory.map((e) => ({ ...e })),
    firstInsnIdx: s.firstInsnIdx,
    lastInsnIdx: s.lastInsnIdx,
  };
}

/** Models `grow_stack_state`: tracks at least `size` bytes (rounded up to slots). */
export function growStackState(f: FuncState, size: number): void {
  const n = Math.ceil(size / BPF_REG_SIZE);
  while (f.stack.length < n) f.stack.push(newStackSlot());
  if (f.allocatedStack < n * BPF_REG_SIZE) f.allocatedStack = n * BPF_REG_SIZE;
}

/** Models `is_spilled_reg`: the slot holds a spilled register. */
export function isSpilledReg(s: StackSlot): boolean {
  return s.slotType[BPF_REG_SIZE - 1] === STACK_SLOT.SPILL;
}

/** Models `is_spilled_scalar_reg`. */
export function isSpilledScalarReg(s: StackSlot): boolean {
  return isSpilledReg(s) && s.spilledPtr.type === REG_TYPE.SCALAR_VALUE;
}

/** The current frame. Models `cur_func`. */
export function curFrame(s: VerifierState): FuncState {
  return s.frames[s.curframe] as FuncState;
}
