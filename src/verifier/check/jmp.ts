/**
 * @fileoverview Conditional jumps: branch prediction, both successors with refined bounds, NULL
 * checks of maybe-NULL pointers, packet range from `data_end` comparisons, linked scalars.
 *
 * Models `check_cond_jmp_op`, `is_pkt_ptr_branch_taken`, `try_match_pkt_pointers`,
 * `find_good_pkt_pointers`, `mark_pkt_end`, `mark_ptr_or_null_regs`, `mark_ptr_not_null_reg`
 * and `collect_linked_regs`/`sync_linked_regs` of kernel/bpf/verifier.c (Linux 6.18); without
 * CAP_PERFMON, the side of a decided branch is explored as a speculative path.
 */
import type { Insn } from '../../isa/insn.js';
import { BPF_JMP_OP } from '../../isa/opcodes.js';
import { ERRNO as E } from '../../uapi/errno.js';
import { markRegKnown } from '../bounds.js';
import { flipOpcode, isBranchTaken, regSetMinMax } from '../branch.js';
import { syncLinkedRegs } from '../linked-regs.js';
import { BPF_ADD_CONST, baseType, copyRegState, REG_TYPE, type RegState, TYPE_FLAG } from '../reg-state.js';
import type { VerifierEnv } from './env.js';
import type { VerifierMapInfo } from './input.js';
import { type LinkedReg, markChainPrecision, pushJmpHistory } from './precision.js';
import {
  checkRegArg,
  isPointerValue,
  isPointerValueReg,
  REG_ARG,
  regIsPktPointerAny,
  typeMayBeNull,
} from './regs.js';
import { sanitizeSpeculativePath } from './speculative.js';
import type { VerifierState } from './state.js';

const J = BPF_JMP_OP;
const SRC_X = 0x08;
const JMP32 = 0x06;
/** `reg->range` of a packet pointer known to be at or beyond pkt_end. */
const AT_PKT_END = -1;
const BEYOND_PKT_END = -2;
const MAX_PACKET_OFF = 0xffff;

const BPF_MAP_TYPE_SOCKMAP = 15;
const BPF_MAP_TYPE_XSKMAP = 17;
const BPF_MAP_TYPE_SOCKHASH = 18;

/** Every register and spilled register of a state. Models `bpf_for_each_reg_in_vstate`. */
export function forEachReg(st: VerifierState, fn: (reg: RegState) => void): void {
  for (let f = 0; f <= st.curframe; f++) {
    const frame = st.frames[f];
    if (!frame) continue;
    for (const r of frame.regs) fn(r);
    for (const s of frame.stack) if (s.slotType[7] === 1) fn(s.spilledPtr);
  }
}

/** Models `is_pkt_ptr_branch_taken`. */
function isPktPtrBranchTaken(dst: RegState, src: RegState, opcodeIn: number): number {
  let opcode = opcodeIn;
  let pkt: RegState;
  if (src.type === REG_TYPE.PTR_TO_PACKET_END) pkt = dst;
  else if (dst.type === REG_TYPE.PTR_TO_PACKET_END) {
    pkt = src;
    opcode = flipOpcode(opcode);
  } else return -1;
  if (pkt.range >= 0) return -1;
  switch (opcode) {
    case J.JLE:
    case J.JGT:
      if (pkt.range === BEYOND_PKT_END) return opcode === J.JGT ? 1 : 0;
      break;
    case J.JLT:
    case J.JGE:
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return opcode === J.JGE ? 1 : 0;
      break;
  }
  return -1;
}

/** Models `find_good_pkt_pointers`. */
function findGoodPktPointers(st: VerifierState, dst: RegState, type: number, rangeRightOpen: boolean): void {
  if (dst.off < 0 || (dst.off === 0 && rangeRightOpen)) return;
  if (dst.umax > BigInt(MAX_PACKET_OFF) || dst.umax + BigInt(dst.off) > BigInt(MAX_PACKET_OFF)) return;
  let newRange = dst.off;
  if (rangeRightOpen) newRange++;
  const id = dst.id;
  forEachReg(st, (r) => {
    if (r.type === type && r.id === id) r.range = Math.max(r.range, newRange);
  });
}

/** Models `mark_pkt_end`. */
function markPktEnd(st: VerifierState, regno: number, rangeOpen: boolean): void {
  const reg = st.frames[st.curframe]?.regs[regno];
  if (!reg || reg.type !== REG_TYPE.PTR_TO_PACKET) return;
  reg.range = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
}

function isInitPktPointer(reg: RegState, type: number): boolean {
  return (
    reg.type === type && reg.id === 0 && reg.off === 0 && reg.varOff.mask === 0n && reg.varOff.value === 0n
  );
}

/** Models `try_match_pkt_pointers`. */
function tryMatchPktPointers(
  insn: Insn,
  dst: RegState,
  src: RegState,
  thisBranch: VerifierState,
  otherBranch: VerifierState,
): boolean {
  if (!(insn.code & SRC_X) || (insn.code & 7) === JMP32) return false;
  const P = REG_TYPE.PTR_TO_PACKET;
  const PE = REG_TYPE.PTR_TO_PACKET_END;
  const PM = REG_TYPE.PTR_TO_PACKET_META;
  const lhsPkt = (dst.type === P && src.type === PE) || (dst.type === PM && isInitPktPointer(src, P));
  const rhsPkt = (dst.type === PE && src.type === P) || (isInitPktPointer(dst, P) && src.type === PM);
  switch (insn.code & 0xf0) {
    case J.JGT:
      if (lhsPkt) {
        findGoodPktPointers(thisBranch, dst, dst.type, false);
        markPktEnd(otherBranch, insn.dst, true);
      } else if (rhsPkt) {
        findGoodPktPointers(otherBranch, src, src.type, true);
        markPktEnd(thisBranch, insn.src, false);
      } else return false;
      break;
    case J.JLT:
      if (lhsPkt) {
        findGoodPktPointers(otherBranch, dst, dst.type, true);
        markPktEnd(thisBranch, insn.dst, false);
      } else if (rhsPkt) {
        findGoodPktPointers(thisBranch, src, src.type, false);
        markPktEnd(otherBranch, insn.src, true);
      } else return false;
      break;
    case J.JGE:
      if (lhsPkt) {
        findGoodPktPointers(thisBranch, dst, dst.type, true);
        markPktEnd(otherBranch, insn.dst, false);
      } else if (rhsPkt) {
        findGoodPktPointers(otherBranch, src, src.type, false);
        markPktEnd(thisBranch, insn.src, true);
      } else return false;
      break;
    case J.JLE:
      if (lhsPkt) {
        findGoodPktPointers(otherBranch, dst, dst.type, false);
        markPktEnd(thisBranch, insn.dst, true);
      } else if (rhsPkt) {
        findGoodPktPointers(thisBranch, src, src.type, true);
        markPktEnd(otherBranch, insn.src, false);
      } else return false;
      break;
    default:
      return false;
  }
  return true;
}

/** Models `mark_ptr_not_null_reg`. */
function markPtrNotNullReg(reg: RegState): void {
  if (baseType(reg.type) === REG_TYPE.PTR_TO_MAP_VALUE) {
    const map = reg.map as VerifierMapInfo | null;
    if (map?.innerMap) {
      reg.type = REG_TYPE.CONST_PTR_TO_MAP;
      reg.map = map.innerMap;
    } else if (map?.mapType === BPF_MAP_TYPE_XSKMAP) reg.type = REG_TYPE.PTR_TO_XDP_SOCK;
    else if (map?.mapType === BPF_MAP_TYPE_SOCKMAP || map?.mapType === BPF_MAP_TYPE_SOCKHASH)
      reg.type = REG_TYPE.PTR_TO_SOCKET;
    else reg.type = REG_TYPE.PTR_TO_MAP_VALUE;
    return;
  }
  reg.type &= ~TYPE_FLAG.PTR_MAYBE_NULL;
}

/** Models `mark_ptr_or_null_regs`. */
function markPtrOrNullRegs(st: VerifierState, regno: number, isNull: boolean): void {
  const regs = st.frames[st.curframe]?.regs;
  const r = regs?.[regno];
  if (!r) return;
  const id = r.id;
  const refObjId = r.refObjId;
  if (refObjId && refObjId === id && isNull) st.refs = st.refs.filter((x) => x.id !== id);
  forEachReg(st, (reg) => {
    if (!typeMayBeNull(reg.type) || reg.id !== id || id === 0) return;
    if (reg.smin || reg.smax || reg.varOff.mask !== 0n || reg.varOff.value !== 0n) return;
    if (isNull) {
      reg.type = REG_TYPE.SCALAR_VALUE;
      reg.id = 0;
      reg.refObjId = 0;
      reg.map = null;
      return;
    }
    markPtrNotNullReg(reg);
    reg.id = 0;
  });
}

/** Models `LINKED_REGS_MAX`. */
const LINKED_REGS_MAX = 6;

/**
 * Registers live before the jump and spilled registers, of every frame, sharing the scalar id `id`
 * (past LINKED_REGS_MAX, the id is dropped). Models `collect_linked_regs`.
 */
function collectLinkedRegs(env: VerifierEnv, st: VerifierState, id: number, out: LinkedReg[]): void {
  const base = id & ~BPF_ADD_CONST;
  const push = (reg: RegState, frameno: number, isReg: boolean, idx: number): void => {
    if (reg.type !== REG_TYPE.SCALAR_VALUE || (reg.id & ~BPF_ADD_CONST) !== base) return;
    if (out.length >= LINKED_REGS_MAX) reg.id = 0;
    else out.push({ frameno, isReg, idx });
  };
  for (let i = st.curframe; i >= 0; i--) {
    const f = st.frames[i];
    if (!f) continue;
    const insnIdx = i === st.curframe ? st.insnIdx : (st.frames[i + 1]?.callsite ?? 0);
    const live = env.aux[insnIdx]?.liveRegsBefore ?? 0x3ff;
    for (let j = 0; j < 10; j++) if (live & (1 << j)) push(f.regs[j] as RegState, i, true, j);
    for (let j = 0; j < f.allocatedStack / 8; j++) {
      const s = f.stack[j];
      if (s && s.slotType[7] === 1) push(s.spilledPtr, i, false, j);
    }
  }
}

/** The register a linked-register entry names in `st`. */
function linkedReg(st: VerifierState, e: LinkedReg): RegState | undefined {
  const f = st.frames[e.frameno];
  return e.isReg ? f?.regs[e.idx] : f?.stack[e.idx]?.spilledPtr;
}

/** Models `sync_linked_regs`: registers linked to `known` take its (shifted) bounds. */
function syncLinked(
  env: VerifierEnv,
  st: VerifierState,
  known: RegState,
  linked: readonly LinkedReg[],
): void {
  const regs: RegState[] = [];
  const entries: LinkedReg[] = [];
  for (const e of linked) {
    const r = linkedReg(st, e);
    if (r) {
      regs.push(r);
      entries.push(e);
    }
  }
  // updated registers are printed after the jump (scratched); spilled slots are not
  for (const i of syncLinkedRegs(regs, known)) {
    const e = entries[i] as LinkedReg;
    if (e.isReg) env.markRegScratched(e.idx);
  }
}

/** Models `check_cond_jmp_op`. */
export function checkCondJmpOp(env: VerifierEnv, insn: Insn): void {
  const opcode = insn.code & 0xf0;
  if (opcode === J.JA || opcode > J.JCOND)
    env.fail(E.EINVAL, `invalid BPF_JMP/JMP32 opcode ${(opcode >> 4).toString(16)}\n`);
  if (opcode === J.JCOND) {
    if (insn.code & SRC_X || insn.src !== 0 || insn.dst !== 0 || insn.imm !== 0)
      env.fail(E.EINVAL, 'invalid may_goto imm 0\n');
    env.fail(E.EINVAL, 'may_goto is not supported by bpfsim\n');
  }
  const thisBranch = env.cur;
  checkRegArg(env, insn.dst, REG_ARG.SRC_OP);
  const regs = env.regs();
  const dst = regs[insn.dst] as RegState;
  let src: RegState;
  const srcX = (insn.code & SRC_X) !== 0;
  if (srcX) {
    if (insn.imm !== 0) env.fail(E.EINVAL, 'BPF_JMP/JMP32 uses reserved fields\n');
    checkRegArg(env, insn.src, REG_ARG.SRC_OP);
    src = regs[insn.src] as RegState;
    if (!(regIsPktPointerAny(dst) && regIsPktPointerAny(src)) && isPointerValue(env, insn.src))
      env.fail(E.EACCES, `R${insn.src} pointer comparison prohibited\n`);
  } else {
    if (insn.src !== 0) env.fail(E.EINVAL, 'BPF_JMP/JMP32 uses reserved fields\n');
    src = env.fakeReg;
    markRegKnown(src, BigInt(insn.imm));
    src.type = REG_TYPE.SCALAR_VALUE;
  }
  const isJmp32 = (insn.code & 7) === JMP32;
  let pred: number;
  if (regIsPktPointerAny(dst) && regIsPktPointerAny(src) && !isJmp32)
    pred = isPktPtrBranchTaken(dst, src, opcode);
  else pred = isBranchTaken(dst, src, opcode, isJmp32);
  if (pred >= 0) {
    if (dst.type === REG_TYPE.SCALAR_VALUE) markChainPrecision(env, insn.dst);
    if (srcX && src.type === REG_TYPE.SCALAR_VALUE) markChainPrecision(env, insn.src);
  }
  if (pred === 1) {
    // only follow the goto; the fall-through is explored as a speculative path
    if (!env.bypassSpecV1) sanitizeSpeculativePath(env, insn, env.insnIdx + 1, env.insnIdx);
    if (env.logLevel1) env.printInsnState(thisBranch, thisBranch.curframe);
    env.insnIdx += insn.off;
    return;
  }
  if (pred === 0) {
    // only follow the fall-through; the goto is explored as a speculative path
    if (!env.bypassSpecV1) sanitizeSpeculativePath(env, insn, env.insnIdx + insn.off + 1, env.insnIdx);
    if (env.logLevel1) env.printInsnState(thisBranch, thisBranch.curframe);
    return;
  }
  const linked: LinkedReg[] = [];
  if (srcX && src.type === REG_TYPE.SCALAR_VALUE && src.id)
    collectLinkedRegs(env, thisBranch, src.id, linked);
  if (dst.type === REG_TYPE.SCALAR_VALUE && dst.id) collectLinkedRegs(env, thisBranch, dst.id, linked);
  if (linked.length > 1) pushJmpHistory(env, thisBranch, 0, linked);
  const other = env.pushStack(env.insnIdx + insn.off + 1, env.insnIdx);
  const oregs = other.frames[other.curframe]?.regs as RegState[];
  if (srcX) {
    regSetMinMax(oregs[insn.dst] as RegState, oregs[insn.src] as RegState, dst, src, opcode, isJmp32);
  } else {
    const fake0 = src;
    const fake1 = copyRegState(env.fakeReg1, src);
    regSetMinMax(oregs[insn.dst] as RegState, fake0, dst, fake1, opcode, isJmp32);
  }
  if (srcX && src.type === REG_TYPE.SCALAR_VALUE && src.id) {
    syncLinked(env, thisBranch, src, linked);
    syncLinked(env, other, oregs[insn.src] as RegState, linked);
  }
  if (dst.type === REG_TYPE.SCALAR_VALUE && dst.id) {
    syncLinked(env, thisBranch, dst, linked);
    syncLinked(env, other, oregs[insn.dst] as RegState, linked);
  }
  if (
    !isJmp32 &&
    srcX &&
    isPointerValueReg(false, src) &&
    isPointerValueReg(false, dst) &&
    typeMayBeNull(src.type) !== typeMayBeNull(dst.type) &&
    baseType(src.type) !== REG_TYPE.PTR_TO_BTF_ID &&
    baseType(dst.type) !== REG_TYPE.PTR_TO_BTF_ID
  ) {
    const eqBranchRegs = opcode === J.JEQ ? oregs : opcode === J.JNE ? regs : null;
    if (eqBranchRegs) {
      if (typeMayBeNull(src.type)) markPtrNotNullReg(eqBranchRegs[insn.src] as RegState);
      else markPtrNotNullReg(eqBranchRegs[insn.dst] as RegState);
    }
  }
  if (
    !isJmp32 &&
    !srcX &&
    insn.imm === 0 &&
    (opcode === J.JEQ || opcode === J.JNE) &&
    typeMayBeNull(dst.type)
  ) {
    markPtrOrNullRegs(thisBranch, insn.dst, opcode === J.JNE);
    markPtrOrNullRegs(other, insn.dst, opcode === J.JEQ);
  } else if (
    !tryMatchPktPointers(insn, dst, srcX ? src : (regs[insn.src] as RegState), thisBranch, other) &&
    isPointerValue(env, insn.dst)
  ) {
    env.fail(E.EACCES, `R${insn.dst} pointer comparison prohibited\n`);
  }
  if (env.logLevel1) env.printInsnState(thisBranch, thisBranch.curframe);
}
