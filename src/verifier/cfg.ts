/**
 * @fileoverview Control-flow checks run before the path walk: subprogram discovery and boundary
 * checks, then a depth-first search of the control-flow graph.
 *
 * Models kernel/bpf/verifier.c (Linux 6.18): `add_subprog`, `add_subprog_and_kfunc` (subprogram
 * part), `check_subprogs`, `push_insn`, `visit_func_call_insn`, `visit_insn`, `check_cfg`. Messages
 * and errnos are the kernel's; `infinite loop detected` belongs to do_check, not here.
 */
import type { Insn } from '../isa/insn.js';
import {
  BPF_CLASS,
  BPF_JMP_OP,
  BPF_LD_IMM64,
  BPF_MODE,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_LD,
  bpfClass,
  bpfMode,
  bpfOp,
} from '../isa/opcodes.js';
import { ERRNO } from '../uapi/errno.js';

/** Maximum number of subprograms. Models `BPF_MAX_SUBPROGS`. */
export const BPF_MAX_SUBPROGS = 256;
/** Helper id of `bpf_tail_call`. Models `BPF_FUNC_tail_call`. */
export const BPF_FUNC_TAIL_CALL = 12;

/** One subprogram. Models the CFG-related part of `struct bpf_subprog_info`. */
export interface SubprogInfo {
  /** First instruction. */
  start: number;
  /** Index of the last `exit` seen inside, or -1. */
  exitIdx: number;
  hasTailCall: boolean;
  hasLdAbs: boolean;
}

/** A failure: the errno (positive) and the log line the kernel prints (without newline). */
export interface CfgError {
  errno: number;
  message: string;
}

/** Success of `checkCfg`: DFS post-order and the points the path walk needs. */
export interface CfgResult {
  /** Instructions in DFS post-order. Models `env->cfg.insn_postorder`. */
  postorder: number[];
  /** Prune points (`mark_prune_point`): branch targets, conditional jumps, after calls. */
  prunePoints: Set<number>;
  /** Jump history points (`mark_jmp_point`). */
  jmpPoints: Set<number>;
  /** Instructions where a checkpoint is forced (`mark_force_checkpoint`, may_goto). */
  forceCheckpoints: Set<number>;
}

function isLdImm64(x: Insn | undefined): boolean {
  return x !== undefined && x.code === BPF_LD_IMM64;
}
/** `bpf_pseudo_call`: `call` to a bpf subprogram. */
export function isPseudoCall(x: Insn): boolean {
  return x.code === (BPF_CLASS.JMP | BPF_JMP_OP.CALL) && x.src === BPF_PSEUDO_CALL.CALL;
}
/** `bpf_pseudo_func`: `ld_imm64` of a subprogram address (callbacks). */
export function isPseudoFunc(x: Insn): boolean {
  return isLdImm64(x) && x.src === BPF_PSEUDO_LD.FUNC;
}
/** `bpf_pseudo_kfunc_call`. */
export function isPseudoKfuncCall(x: Insn): boolean {
  return x.code === (BPF_CLASS.JMP | BPF_JMP_OP.CALL) && x.src === BPF_PSEUDO_CALL.KFUNC_CALL;
}

/**
 * Finds subprogram starts: the entry at 0 and every target of a pseudo call or pseudo func
 * (`i + imm + 1`), sorted. kfunc calls need BTF and are not resolved here. Models
 * `add_subprog_and_kfunc` / `add_subprog`.
 */
export function addSubprogs(insns: readonly Insn[], bpfCapable = true): SubprogInfo[] | CfgError {
  const starts: number[] = [];
  const add = (off: number): CfgError | undefined => {
    if (off >= insns.length || off < 0)
      return { errno: ERRNO.EINVAL, message: 'call to invalid destination' };
    if (starts.includes(off)) return undefined;
    if (starts.length >= BPF_MAX_SUBPROGS) return { errno: ERRNO.E2BIG, message: 'too many subprograms' };
    starts.push(off);
    return undefined;
  };
  const e0 = add(0);
  if (e0) return e0;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    if (!isPseudoFunc(x) && !isPseudoCall(x) && !isPseudoKfuncCall(x)) continue;
    if (!bpfCapable) {
      return {
        errno: ERRNO.EPERM,
        message: 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN',
      };
    }
    if (isPseudoKfuncCall(x)) continue;
    const e = add(i + x.imm + 1);
    if (e) return e;
  }
  starts.sort((a, b) => a - b);
  return starts.map((start) => ({ start, exitIdx: -1, hasTailCall: false, hasLdAbs: false }));
}

/**
 * Checks that every jump stays inside its subprogram and that each subprogram ends with `exit`
 * or an unconditional jump; records exit index, tail calls and LD_ABS/IND use. Models
 * `check_subprogs`.
 */
export function checkSubprogs(insns: readonly Insn[], subprogs: SubprogInfo[]): CfgError | undefined {
  const n = insns.length;
  let cur = 0;
  const endOf = (k: number) => (k + 1 < subprogs.length ? (subprogs[k + 1] as SubprogInfo).start : n);
  let start = (subprogs[0] as SubprogInfo).start;
  let end = endOf(0);
  for (let i = 0; i < n; i++) {
    const x = insns[i] as Insn;
    const code = x.code;
    const sp = subprogs[cur] as SubprogInfo;
    const cls = bpfClass(code);
    if (code === (BPF_CLASS.JMP | BPF_JMP_OP.CALL) && x.src === 0 && x.imm === BPF_FUNC_TAIL_CALL)
      sp.hasTailCall = true;
    if (cls === BPF_CLASS.LD && (bpfMode(code) === BPF_MODE.ABS || bpfMode(code) === BPF_MODE.IND))
      sp.hasLdAbs = true;
    const op = bpfOp(code);
    if ((cls === BPF_CLASS.JMP || cls === BPF_CLASS.JMP32) && op === BPF_JMP_OP.EXIT) sp.exitIdx = i;
    else if ((cls === BPF_CLASS.JMP || cls === BPF_CLASS.JMP32) && op !== BPF_JMP_OP.CALL) {
      const off = code === (BPF_CLASS.JMP32 | BPF_JMP_OP.JA) ? i + x.imm + 1 : i + x.off + 1;
      if (off < start || off >= end)
        return { errno: ERRNO.EINVAL, message: `jump out of range from insn ${i} to ${off}` };
    }
    if (i === end - 1) {
      // the last insn of a subprog must be exit or an unconditional jump (no fall-through)
      if (
        code !== (BPF_CLASS.JMP | BPF_JMP_OP.EXIT) &&
        code !== (BPF_CLASS.JMP32 | BPF_JMP_OP.JA) &&
        code !== (BPF_CLASS.JMP | BPF_JMP_OP.JA)
      ) {
        return { errno: ERRNO.EINVAL, message: 'last insn is not an exit or jmp' };
      }
      start = end;
      cur++;
      if (cur < subprogs.length) end = endOf(cur);
    }
  }
  return undefined;
}

const DISCOVERED = 0x10;
const EXPLORED = 0x20;
const FALLTHROUGH = 1;
const BRANCH = 2;
const DONE_EXPLORING = 0;
const KEEP_EXPLORING = 1;

/**
 * Depth-first search over the instruction graph: jumps out of range, back-edges (only for an
 * unprivileged loader; privileged programs may have bounded loops, checked later by do_check),
 * unreachable instructions and jumps into the middle of `ld_imm64`. Models `check_cfg` with
 * `push_insn`, `visit_insn`, `visit_func_call_insn`.
 */
export function checkCfg(insns: readonly Insn[], bpfCapable = true): CfgResult | CfgError {
  const n = insns.length;
  const state = new Int32Array(n);
  const stack = new Int32Array(n);
  const result: CfgResult = {
    postorder: [],
    prunePoints: new Set(),
    jmpPoints: new Set(),
    forceCheckpoints: new Set(),
  };
  let sp = 0;
  let err: CfgError | undefined;

  const push = (t: number, w: number, e: number): number => {
    const st = state[t] as number;
    if (e === FALLTHROUGH && st >= (DISCOVERED | FALLTHROUGH)) return DONE_EXPLORING;
    if (e === BRANCH && st >= (DISCOVERED | BRANCH)) return DONE_EXPLORING;
    if (w < 0 || w >= n) {
      err = { errno: ERRNO.EINVAL, message: `jump out of range from insn ${t} to ${w}` };
      return -1;
    }
    if (e === BRANCH) {
      result.prunePoints.add(w);
      result.jmpPoints.add(w);
    }
    const sw = state[w] as number;
    if (sw === 0) {
      // tree-edge
      state[t] = DISCOVERED | e;
      state[w] = DISCOVERED;
      if (sp >= n) {
        err = { errno: ERRNO.E2BIG, message: '' };
        return -1;
      }
      stack[sp++] = w;
      return KEEP_EXPLORING;
    }
    if ((sw & 0xf0) === DISCOVERED) {
      if (bpfCapable) return DONE_EXPLORING;
      err = { errno: ERRNO.EINVAL, message: `back-edge from insn ${t} to ${w}` };
      return -1;
    }
    if (sw === EXPLORED) {
      // forward- or cross-edge
      state[t] = DISCOVERED | e;
      return DONE_EXPLORING;
    }
    err = { errno: ERRNO.EFAULT, message: 'verifier bug: insn state internal bug' };
    return -1;
  };

  const visitFuncCall = (t: number, visitCallee: boolean): number => {
    const sz = isLdImm64(insns[t]) ? 2 : 1;
    const ret = push(t, t + sz, FALLTHROUGH);
    if (ret !== DONE_EXPLORING) return ret;
    result.prunePoints.add(t + sz);
    result.jmpPoints.add(t + sz);
    if (visitCallee) {
      result.prunePoints.add(t);
      return push(t, t + (insns[t] as Insn).imm + 1, BRANCH);
    }
    return ret;
  };

  const visit = (t: number): number => {
    const x = insns[t] as Insn;
    if (isPseudoFunc(x)) return visitFuncCall(t, true);
    const cls = bpfClass(x.code);
    // All non-branch instructions have a single fall-through edge.
    if (cls !== BPF_CLASS.JMP && cls !== BPF_CLASS.JMP32)
      return push(t, t + (isLdImm64(x) ? 2 : 1), FALLTHROUGH);
    switch (bpfOp(x.code)) {
      case BPF_JMP_OP.EXIT:
        return DONE_EXPLORING;
      case BPF_JMP_OP.CALL:
        return visitFuncCall(t, x.src === BPF_PSEUDO_CALL.CALL);
      case BPF_JMP_OP.JA: {
        const off = cls === BPF_CLASS.JMP ? x.off : x.imm;
        // unconditional jump with single edge
        const ret = push(t, t + off + 1, FALLTHROUGH);
        if (ret !== DONE_EXPLORING) return ret;
        result.prunePoints.add(t + off + 1);
        result.jmpPoints.add(t + off + 1);
        return ret;
      }
      default: {
        // conditional jump with two edges
        result.prunePoints.add(t);
        if (x.code === (BPF_CLASS.JMP | BPF_JMP_OP.JCOND)) result.forceCheckpoints.add(t);
        const ret = push(t, t + 1, FALLTHROUGH);
        if (ret !== DONE_EXPLORING) return ret;
        return push(t, t + x.off + 1, BRANCH);
      }
    }
  };

  if (n === 0) return result;
  state[0] = DISCOVERED;
  stack[0] = 0;
  sp = 1;
  while (sp > 0) {
    const t = stack[sp - 1] as number;
    const ret = visit(t);
    if (ret === DONE_EXPLORING) {
      state[t] = EXPLORED;
      sp--;
      result.postorder.push(t);
    } else if (ret !== KEEP_EXPLORING) {
      return err ?? { errno: ERRNO.EFAULT, message: 'verifier bug: visit_insn internal bug' };
    }
  }
  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) return { errno: ERRNO.EINVAL, message: `unreachable insn ${i}` };
    if (isLdImm64(insns[i])) {
      if (state[i + 1] !== 0)
        return { errno: ERRNO.EINVAL, message: `jump into the middle of ldimm64 insn ${i}` };
      i++; // skip second half of ldimm64
    }
  }
  return result;
}

/** Whether a `checkCfg`/`addSubprogs` result is an error. */
export function isCfgError(x: unknown): x is CfgError {
  return typeof x === 'object' && x !== null && 'errno' in x && 'message' in x;
}

/**
 * The three CFG stages in the kernel's order: subprogram discovery, `check_subprogs`, `check_cfg`.
 * Returns the subprograms and CFG facts, or the first error.
 */
export function checkProgramCfg(
  insns: readonly Insn[],
  bpfCapable = true,
): { subprogs: SubprogInfo[]; cfg: CfgResult } | CfgError {
  const subprogs = addSubprogs(insns, bpfCapable);
  if (isCfgError(subprogs)) return subprogs;
  const e = checkSubprogs(insns, subprogs);
  if (e) return e;
  const cfg = checkCfg(insns, bpfCapable);
  if (isCfgError(cfg)) return cfg;
  return { subprogs, cfg };
}

const SUCC_JMP = 0x05;
const SUCC_JMP32 = 0x06;

/**
 * Successors of insn `idx` written to `succ`; returns their count. Calls fall through, `exit` has
 * none, `ja` only jumps (`gotol` by `imm`). Models `bpf_insn_successors`.
 */
export function bpfInsnSuccessors(insns: readonly Insn[], idx: number, succ: number[]): number {
  const insn = insns[idx] as Insn;
  const cls = insn.code & 7;
  let canJump = false;
  let canFallthrough = true;
  if (cls === SUCC_JMP || cls === SUCC_JMP32) {
    const op = insn.code & 0xf0;
    if (op === 0x90) canFallthrough = false;
    else if (op === 0x00) {
      canJump = true;
      canFallthrough = false;
    } else if (op !== 0x80 && op <= 0xe0) canJump = true;
  }
  let n = 0;
  if (canFallthrough) succ[n++] = idx + (insn.code === 0x18 ? 2 : 1);
  if (canJump) succ[n++] = idx + (insn.code === (SUCC_JMP32 | 0x00) ? insn.imm : insn.off) + 1;
  return n;
}
