/**
 * @fileoverview The verifier's main pass: depth-first exploration of every path through the
 * program with abstract register/stack states, one instruction at a time, with pruning at prune
 * points and the kernel's log lines; then the combined stack depth check.
 *
 * Models `do_check_common`, `do_check`, `do_check_insn`, `pop_stack`, `mark_prune_point` (via
 * `visit_insn`) and `check_max_stack_depth_subprog` of kernel/bpf/verifier.c (Linux 6.18),
 * including the end of speculative paths at `nospec`/`nospec_result` insns and on errors
 * `error_recoverable_with_nospec` accepts.
 */

import { printBpfInsn } from '../../isa/disasm-kernel.js';
import type { Insn } from '../../isa/insn.js';
import { ERRNO as E } from '../../uapi/errno.js';
import { REG_TYPE } from '../reg-state.js';
import { checkAluOp } from './alu.js';
import { checkFuncCall, checkHelperCall, checkReturnCode, prepareFuncExit } from './call.js';
import { BPF_COMPLEXITY_LIMIT_INSNS, type InsnAux, VerifierEnv, VerifyError } from './env.js';
import type { VerifierInput, VerifierOutput } from './input.js';
import { checkCondJmpOp } from './jmp.js';
import { checkLdAbs, checkLdImm } from './ld.js';
import { computeLiveRegs, computeScc } from './liveness.js';
import { checkAtomic, checkLoadMem, checkStoreImm, checkStoreReg } from './mem.js';
import { pushJmpHistory } from './precision.js';
import { isStateVisited, updateBranchCounts } from './prune.js';
import { checkResourceLeak } from './refs.js';
import { markRegKnownZero } from './regs.js';
import { errorRecoverableWithNospec } from './speculative.js';
import { newVerifierState } from './state.js';

const CLS = { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 } as const;
const OP_CALL = 0x80;
const OP_EXIT = 0x90;
const OP_JA = 0x00;
const MODE_MEM = 0x60;
const MODE_MEMSX = 0x80;
const MODE_ATOMIC = 0xc0;
const PSEUDO_CALL = 1;
const PSEUDO_KFUNC_CALL = 2;
const PROCESS_BPF_EXIT = 1;

/** Marks prune and jump points the way `visit_insn` does during `check_cfg`. */
function markPrunePoints(env: VerifierEnv): void {
  const insns = env.insns;
  const mark = (i: number, jmp = true): void => {
    const a = env.aux[i];
    if (!a) return;
    a.prunePoint = true;
    if (jmp) a.jmpPoint = true;
  };
  for (let t = 0; t < insns.length; t++) {
    const x = insns[t] as Insn;
    if (x.code === 0x18) {
      t++;
      continue;
    }
    const cls = x.code & 7;
    if (cls !== CLS.JMP && cls !== CLS.JMP32) continue;
    const op = x.code & 0xf0;
    if (op === OP_EXIT) continue;
    if (op === OP_CALL) {
      mark(t + 1);
      if (x.src === PSEUDO_CALL) {
        mark(t, false);
        mark(t + x.imm + 1);
      }
      continue;
    }
    if (op === OP_JA) {
      mark(cls === CLS.JMP ? t + x.off + 1 : t + x.imm + 1);
      continue;
    }
    mark(t, false);
    mark(t + x.off + 1);
  }
}

function helperArgCount(env: VerifierEnv, id: number): number {
  const fn = env.input.tables.funcProto(env.input.progType, id, {
    expectedAttachType: env.input.expectedAttachType,
    bpfCapable: env.input.bpfCapable,
    perfmonCapable: env.input.perfmonCapable,
  });
  if (!fn) return 5;
  let n = 0;
  for (let i = 0; i < 5; i++) if (fn.argTypes[i]) n = i + 1;
  return n;
}

/** Models `do_check_insn`: PROCESS_BPF_EXIT at an exit of the main program, else 0. */
function doCheckInsn(env: VerifierEnv, printState: { v: boolean }): number {
  const insn = env.insns[env.insnIdx] as Insn;
  const cls = insn.code & 7;
  if (cls === CLS.ALU || cls === CLS.ALU64) {
    checkAluOp(env, insn);
  } else if (cls === CLS.LDX) {
    checkLoadMem(env, insn, (insn.code & 0xe0) === MODE_MEMSX);
  } else if (cls === CLS.STX) {
    const mode = insn.code & 0xe0;
    if (mode === MODE_ATOMIC) {
      checkAtomic(env, insn);
      env.insnIdx++;
      return 0;
    }
    if (mode !== MODE_MEM || insn.imm !== 0) env.fail(E.EINVAL, 'BPF_STX uses reserved fields\n');
    checkStoreReg(env, insn);
  } else if (cls === CLS.ST) {
    if ((insn.code & 0xe0) !== MODE_MEM || insn.src !== 0)
      env.fail(E.EINVAL, 'BPF_ST uses reserved fields\n');
    checkStoreImm(env, insn);
  } else if (cls === CLS.JMP || cls === CLS.JMP32) {
    const op = insn.code & 0xf0;
    env.jmpsProcessed++;
    if (op === OP_CALL) {
      if (
        insn.code & 8 ||
        (insn.src !== PSEUDO_KFUNC_CALL && insn.off !== 0) ||
        (insn.src !== 0 && insn.src !== PSEUDO_CALL && insn.src !== PSEUDO_KFUNC_CALL) ||
        insn.dst !== 0 ||
        cls === CLS.JMP32
      )
        env.fail(E.EINVAL, 'BPF_CALL uses reserved fields\n');
      if (insn.src === PSEUDO_CALL) checkFuncCall(env, insn);
      else if (insn.src === PSEUDO_KFUNC_CALL) {
        // check_kfunc_call: a call with imm 0 is left for fixup_kfunc_call (it may be dead code);
        // add_kfunc_call rejected every other kfunc (bpfsim's kernel BTF has none)
        if (insn.imm !== 0) env.fail(E.EINVAL, `kernel btf_id ${insn.imm >>> 0} is not a function\n`);
      } else checkHelperCall(env, insn, env.insnIdx);
      env.markRegScratched(0);
    } else if (op === OP_JA) {
      if (
        insn.code & 8 ||
        insn.src !== 0 ||
        insn.dst !== 0 ||
        (cls === CLS.JMP && insn.imm !== 0) ||
        (cls === CLS.JMP32 && insn.off !== 0)
      )
        env.fail(E.EINVAL, 'BPF_JA uses reserved fields\n');
      env.insnIdx += (cls === CLS.JMP ? insn.off : insn.imm) + 1;
      return 0;
    } else if (op === OP_EXIT) {
      if (insn.code & 8 || insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0 || cls === CLS.JMP32)
        env.fail(E.EINVAL, 'BPF_EXIT uses reserved fields\n');
      checkResourceLeak(env, false, env.cur.curframe === 0, 'BPF_EXIT instruction in main prog');
      if (env.cur.curframe) {
        env.liveness.updateLiveStack(env);
        prepareFuncExit(env);
        printState.v = true;
        return 0;
      }
      checkReturnCode(env);
      return PROCESS_BPF_EXIT;
    } else {
      checkCondJmpOp(env, insn);
    }
  } else if (cls === CLS.LD) {
    const mode = insn.code & 0xe0;
    if (mode === 0x20 || mode === 0x40) checkLdAbs(env, insn);
    else if (mode === 0x00) {
      checkLdImm(env, insn, env.insns[env.insnIdx + 1]);
      env.insnIdx++;
    } else env.fail(E.EINVAL, 'invalid BPF_LD mode\n');
  } else {
    env.fail(E.EINVAL, `unknown insn class ${cls}\n`);
  }
  env.insnIdx++;
  return 0;
}

/** Models `do_check`. */
function doCheck(env: VerifierEnv): void {
  const insns = env.insns;
  const log = env.input.log;
  const popLog = (log.level & 2) === 0;
  const printState = { v: false };
  let prevInsnIdx = -1;
  for (;;) {
    env.prevInsnIdx = prevInsnIdx;
    if (env.insnIdx >= insns.length || env.insnIdx < 0)
      env.fail(E.EFAULT, `invalid insn idx ${env.insnIdx} insn_cnt ${insns.length}\n`);
    if (++env.insnProcessed > BPF_COMPLEXITY_LIMIT_INSNS)
      env.fail(E.E2BIG, `BPF program is too large. Processed ${env.insnProcessed} insn\n`);
    env.curHistEnt = null;
    env.cur.lastInsnIdx = env.prevInsnIdx;
    env.cur.insnIdx = env.insnIdx;
    let exit = false;
    if (env.aux[env.insnIdx]?.prunePoint && isStateVisited(env, env.insnIdx) === 1) {
      if (log.level & 3) {
        if (printState.v)
          env.verbose(
            `\nfrom ${env.prevInsnIdx} to ${env.insnIdx}${env.cur.speculative ? ' (speculative execution)' : ''}: safe\n`,
          );
        else env.verbose(`${env.insnIdx}: safe\n`);
      }
      exit = true;
    }
    if (!exit) {
      if (env.aux[env.insnIdx]?.jmpPoint) pushJmpHistory(env, env.cur, 0);
      if (log.level & 2 && printState.v) {
        env.verbose(
          `\nfrom ${env.prevInsnIdx} to ${env.insnIdx}${env.cur.speculative ? ' (speculative execution)' : ''}:`,
        );
        env.printVerifierState(env.cur, env.cur.curframe, true);
        printState.v = false;
      }
      if (log.level & 3) {
        if (env.stateScratched()) env.printInsnState(env.cur, env.cur.curframe);
        env.prevLogPos = log.endPos;
        env.verbose(`${env.insnIdx}: ${printInsn(env, env.insnIdx)}\n`);
        env.prevInsnPrintPos = log.endPos - env.prevLogPos;
        env.prevLogPos = log.endPos;
      }
      const aux = env.aux[env.insnIdx] as InsnAux;
      aux.seen = true;
      prevInsnIdx = env.insnIdx;
      const speculative = env.cur.speculative;
      // a barrier before this insn ends speculative paths here
      if (!(speculative && aux.nospec)) {
        env.liveness.resetStackWriteMarks(env, env.insnIdx);
        let err: VerifyError | null = null;
        try {
          exit = doCheckInsn(env, printState) === PROCESS_BPF_EXIT;
        } catch (e) {
          if (!(e instanceof VerifyError) || !errorRecoverableWithNospec(e.errno)) throw e;
          err = e;
        }
        env.liveness.commitStackWriteMarks();
        if (err) {
          if (!speculative) throw err;
          // a barrier keeps the CPU from executing this insn on the speculative path
          aux.nospec = true;
          aux.aluState = 0;
          exit = true;
        } else if (!exit && !(speculative && aux.nospecResult)) {
          // (a barrier after a Spectre v4 stack write ends speculative paths too)
          continue;
        }
      }
    }
    env.markAllScratched();
    updateBranchCounts(env, env.cur);
    env.liveness.updateLiveStack(env);
    const head = env.stack.pop();
    if (!head) break;
    env.cur = head.st;
    if (popLog) log.reset(head.logPos);
    env.insnIdx = head.insnIdx;
    prevInsnIdx = head.prevInsnIdx;
    printState.v = true;
  }
}

/** The text of one insn as `verbose_insn` prints it (map pointers as stable kernel-like addresses). */
function printInsn(env: VerifierEnv, idx: number): string {
  return printBpfInsn(env.insns, idx, {
    allowPtrLeaks: env.allowPtrLeaks,
    imm: (x, full) => env.immText(idx, x, full),
  });
}

/** Models `round_up_stack_depth` with the JIT requested. */
function roundUpStackDepth(depth: number): number {
  return Math.ceil(depth / 16) * 16;
}

/** Models `check_max_stack_depth_subprog` for the main program. */
function checkMaxStackDepth(env: VerifierEnv): void {
  const starts = env.input.subprogStarts;
  const insns = env.insns;
  const endOf = (idx: number): number => starts[idx + 1] ?? insns.length;
  const walk = (idx: number, frame: number, depth: number): void => {
    const d = depth + roundUpStackDepth(env.stackDepth[idx] ?? 0);
    if (d > 512) env.fail(E.EACCES, `combined stack size of ${frame + 1} calls is ${d}. Too large\n`);
    for (let i = starts[idx] ?? 0; i < endOf(idx); i++) {
      const x = insns[i] as Insn;
      const pseudoCall = x.code === 0x85 && x.src === PSEUDO_CALL;
      const pseudoFunc = x.code === 0x18 && x.src === 4;
      if (!pseudoCall && !pseudoFunc) continue;
      const sidx = starts.indexOf(i + x.imm + 1);
      if (sidx < 0) env.fail(E.EFAULT, `verifier bug: callee not found at insn ${i + x.imm + 1}\n`);
      if (frame + 1 >= 8) env.fail(E.E2BIG, `the call stack of ${frame + 1} frames is too deep !\n`);
      walk(sidx, frame + 1, d);
    }
  };
  walk(0, 0, 0);
}

/**
 * Verifies a program whose structure (subprograms, jumps, ld_imm64, CFG) has been checked: the
 * main pass, then the stack depth. Models the part of `bpf_check` from `do_check_main` to
 * `check_max_stack_depth`.
 */
export function verifyProgram(input: VerifierInput): VerifierOutput {
  const st = newVerifierState();
  const r1 = st.frames[0]?.regs[1];
  if (r1) {
    markRegKnownZero(r1);
    r1.type = REG_TYPE.PTR_TO_CTX;
  }
  const env = new VerifierEnv(input, st);
  env.markAllScratched();
  markPrunePoints(env);
  env.scc = computeScc(input.insns);
  const live = computeLiveRegs(input.insns, (id) => helperArgCount(env, id));
  env.aux.forEach((a, i) => {
    a.liveRegsBefore = live[i] ?? 0;
  });
  if (input.log.level & 2) {
    env.verbose('Live regs before insn:\n');
    const scc = env.scc;
    for (let i = 0; i < input.insns.length; i++) {
      let regs = '';
      for (let j = 0; j < 10; j++) regs += (live[i] ?? 0) & (1 << j) ? String(j) : '.';
      const sccText = scc[i] ? `${String(scc[i]).padStart(3)} ` : '    ';
      env.verbose(`${sccText}${String(i).padStart(3)}: ${regs} ${printInsn(env, i)}\n`);
      if ((input.insns[i] as Insn).code === 0x18) i++;
    }
  }
  let err = 0;
  try {
    doCheck(env);
    // do_check_common: a successful level-1 verification leaves no per-insn log
    if (!(input.log.level & 2)) input.log.reset(0);
    checkMaxStackDepth(env);
    // fixup_kfunc_call (do_misc_fixups, after dead code is removed): a reachable kfunc call with imm 0
    for (let i = 0; i < input.insns.length; i++) {
      const x = input.insns[i] as Insn;
      if (x.code === 0x85 && x.src === PSEUDO_KFUNC_CALL && x.imm === 0 && env.aux[i]?.seen)
        env.fail(E.EINVAL, 'invalid kernel function call not eliminated in verifier pass\n');
    }
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    err = e.errno;
  }
  return {
    err,
    insnProcessed: env.insnProcessed,
    maxStatesPerInsn: env.maxStatesPerInsn,
    totalStates: env.totalStates,
    peakStates: env.peakStates,
    stackDepths: env.stackDepth,
  };
}
