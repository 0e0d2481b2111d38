/**
 * @fileoverview The verifier environment of one load: instruction aux data, the DFS stack of
 * pending branches, the explored-states lists, counters, id generator, scratch marks and the log
 * helpers (`verbose`, `print_verifier_state`, `print_insn_state`).
 *
 * Models `struct bpf_verifier_env` (include/linux/bpf_verifier.h) and the log helpers of
 * kernel/bpf/verifier.c and kernel/bpf/log.c (Linux 6.18).
 */
import type { Insn } from '../../isa/insn.js';
import type { IdGen } from '../linked-regs.js';
import { verifierStateStr } from '../print-state.js';
import { newRegState, type RegState } from '../reg-state.js';
import type { VerifierInput, VerifierMapInfo } from './input.js';
import type { JmpHistoryEntry } from './precision.js';
import { StackLiveness } from './stack-liveness.js';
import { cloneVerifierState, curFrame, type FuncState, MAX_BPF_REG, type VerifierState } from './state.js';

/** Per-instruction data. Models `struct bpf_insn_aux_data`. */
export interface InsnAux {
  /** Pointer type the insn dereferenced first (`ptr_type`), -1 while unset. */
  ptrType: number;
  seen: boolean;
  prunePoint: boolean;
  jmpPoint: boolean;
  /** Registers live before the insn (bit i = Ri). */
  liveRegsBefore: number;
  /** Map of a tail_call / map helper seen at this insn (`map_ptr_state`). */
  mapPtr: VerifierMapInfo | null;
  /** A speculation barrier goes before this insn; speculative paths end here (`nospec`). */
  nospec: boolean;
  /** A speculation barrier goes after this insn (Spectre v4 stack writes, `nospec_result`). */
  nospecResult: boolean;
  /** Pointer arithmetic masking of this insn (`alu_state`, `alu_limit`), 0 while unset. */
  aluState: number;
  aluLimit: number;
}

/** A branch waiting to be explored. Models `struct bpf_verifier_stack_elem`. */
export interface StackElem {
  st: VerifierState;
  insnIdx: number;
  prevInsnIdx: number;
  logPos: number;
}

/** Models `BPF_COMPLEXITY_LIMIT_INSNS`. */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** Models `BPF_COMPLEXITY_LIMIT_JMP_SEQ`. */
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
/** Models `BPF_COMPLEXITY_LIMIT_STATES`. */
export const BPF_COMPLEXITY_LIMIT_STATES = 64;
/** Models `BPF_MAX_VAR_OFF`. */
export const BPF_MAX_VAR_OFF = 1 << 29;
/** Models `BPF_MAX_VAR_SIZ`. */
export const BPF_MAX_VAR_SIZ = 1 << 29;

const BPF_F_STRICT_ALIGNMENT = 1;
const BPF_F_ANY_ALIGNMENT = 2;

/** An error carrying the errno; thrown by checks, caught by the main loop. */
export class VerifyError extends Error {
  constructor(readonly errno: number) {
    super(`verifier error ${errno}`);
  }
}

/** Models `struct bpf_verifier_env`. */
export class VerifierEnv {
  readonly insns: readonly Insn[];
  readonly aux: InsnAux[];
  readonly idGen: IdGen = { value: 0 };
  /** Pending branches (`env->head`), LIFO. */
  readonly stack: StackElem[] = [];
  /** Explored states per hash bucket (`explored_states`, see `explored_state()`). */
  readonly explored = new Map<number, VerifierState[]>();
  cur: VerifierState;
  insnIdx = 0;
  prevInsnIdx = -1;
  insnProcessed = 0;
  jmpsProcessed = 0;
  prevJmpsProcessed = 0;
  prevInsnProcessed = 0;
  totalStates = 0;
  peakStates = 0;
  exploredStatesSize = 0;
  freeListSize = 0;
  maxStatesPerInsn = 0;
  /** Stack depth per subprogram (`subprog_info[].stack_depth`). */
  readonly stackDepth: number[];
  readonly allowPtrLeaks: boolean;
  readonly allowUninitStack: boolean;
  readonly bypassSpecV1: boolean;
  readonly bypassSpecV4: boolean;
  /** Pointer arithmetic with an unknown scalar was seen: scalars prune only when identical. */
  exploreAluLimits = false;
  readonly bpfCapable: boolean;
  readonly strictAlignment: boolean;
  /** `env->log.level & BPF_LOG_LEVEL` (levels 1 and 2) and `& BPF_LOG_LEVEL2`. */
  readonly logLevel1: boolean;
  readonly logLevel2: boolean;
  /** Scratch marks (`scratched_regs`, `scratched_stack_slots`). */
  scratchedRegs = 0;
  scratchedSlots = new Set<number>();
  /** A scratch register for immediate operands (`env->fake_reg[0]`). */
  readonly fakeReg: RegState = newRegState();
  /** A second scratch register (`env->fake_reg[1]`). */
  readonly fakeReg1: RegState = newRegState();
  /** Loop (SCC) number of each insn, 0 outside loops (`insn_aux_data[].scc`). */
  scc: Uint32Array = new Uint32Array(0);
  /** Loop visits by call chain → their entry state (`struct bpf_scc_visit`). */
  readonly sccVisits = new Map<string, VerifierState | null>();
  /** The history entry of the insn being checked (`cur_hist_ent`). */
  curHistEnt: JmpHistoryEntry | null = null;
  /** Log positions for the `; state` suffix (`prev_log_pos`, `prev_insn_print_pos`). */
  prevLogPos = 0;
  prevInsnPrintPos = 0;
  /** Stack slot liveness per call chain (`env->liveness`, kernel/bpf/liveness.c). */
  readonly liveness: StackLiveness;

  constructor(
    readonly input: VerifierInput,
    initial: VerifierState,
  ) {
    this.insns = input.insns;
    this.aux = input.insns.map(() => ({
      ptrType: -1,
      seen: false,
      prunePoint: false,
      jmpPoint: false,
      liveRegsBefore: 0,
      mapPtr: null,
      nospec: false,
      nospecResult: false,
      aluState: 0,
      aluLimit: 0,
    }));
    this.cur = initial;
    this.liveness = new StackLiveness(input.insns, input.subprogStarts);
    this.stackDepth = input.subprogStarts.map(() => 0);
    this.allowPtrLeaks = input.perfmonCapable;
    this.allowUninitStack = input.perfmonCapable;
    this.bypassSpecV1 = input.perfmonCapable;
    this.bypassSpecV4 = input.perfmonCapable;
    this.bpfCapable = input.bpfCapable;
    this.logLevel1 = (input.log.level & 3) !== 0;
    this.logLevel2 = (input.log.level & 2) !== 0;
    this.strictAlignment =
      (input.progFlags & BPF_F_STRICT_ALIGNMENT) !== 0 && (input.progFlags & BPF_F_ANY_ALIGNMENT) === 0;
  }

  /**
   * Queues the other successor of a branch: a copy of the current state to explore from
   * `insnIdx` later. Models `push_stack`.
   */
  pushStack(insnIdx: number, prevInsnIdx: number, speculative = false): VerifierState {
    const st = cloneVerifierState(this.cur);
    st.speculative ||= speculative;
    this.stack.push({ st, insnIdx, prevInsnIdx, logPos: this.input.log.endPos });
    if (this.stack.length > BPF_COMPLEXITY_LIMIT_JMP_SEQ)
      this.fail(7, `The sequence of ${this.stack.length} jumps is too complex.\n`);
    if (st.parent) st.parent.branches++;
    return st;
  }

  /** The `cb_imm` text of an `ld_imm64` at `idx`: map pointers as stable kernel-like addresses. */
  immText(idx: number, x: Insn, full: bigint): string {
    // print_bpf_insn hides map addresses (BPF_PSEUDO_MAP_FD/VALUE) without allow_ptr_leaks
    if (!this.allowPtrLeaks && (x.src === 1 || x.src === 2)) return '0x0';
    const ref = this.input.ldImmMaps.get(idx);
    if (ref && (x.src === 1 || x.src === 5)) return `0x${mapAddress(ref.map.id).toString(16)}`;
    if (ref && (x.src === 2 || x.src === 6))
      return `0x${(mapAddress(ref.map.id) + 0x100n + BigInt(ref.off)).toString(16)}`;
    return `0x${BigInt.asUintN(64, full).toString(16)}`;
  }

  /** Models `verbose()`. */
  verbose(text: string): void {
    if (this.input.log.level) this.input.log.write(text);
  }

  /** Writes `text` and fails with `-errno` (the pattern `verbose(...); return -E...;`). */
  fail(errno: number, text?: string): never {
    if (text !== undefined) this.verbose(text);
    throw new VerifyError(-errno);
  }

  /** The error to throw for `-errno` after the message was written. */
  errorOf(errno: number): VerifyError {
    return new VerifyError(-errno);
  }

  /** The registers of the current frame (`cur_regs`). */
  regs(): RegState[] {
    return curFrame(this.cur).regs;
  }

  reg(regno: number): RegState {
    return curFrame(this.cur).regs[regno] as RegState;
  }

  /** The frame a stack pointer points into (`func(env, reg)`). */
  frameOf(reg: RegState): FuncState {
    return this.cur.frames[reg.frameno] as FuncState;
  }

  markRegScratched(regno: number): void {
    this.scratchedRegs |= 1 << regno;
  }

  markStackSlotScratched(spi: number): void {
    this.scratchedSlots.add(spi);
  }

  /** Models `mark_verifier_state_scratched`. */
  markAllScratched(): void {
    this.scratchedRegs = (1 << MAX_BPF_REG) - 1;
    this.scratchedSlots = new Set(Array.from({ length: 64 }, (_, i) => i));
  }

  /** Models `verifier_state_scratched`. */
  stateScratched(): boolean {
    return this.scratchedRegs !== 0 || this.scratchedSlots.size !== 0;
  }

  /** Models `print_verifier_state(env, vstate, frameno, print_all)`. */
  printVerifierState(st: VerifierState, frameno: number, printAll: boolean): void {
    if (!this.input.log.level) return;
    const f = st.frames[frameno] as FuncState;
    const regs = new Set<number>();
    for (let i = 0; i < MAX_BPF_REG; i++) if (printAll || this.scratchedRegs & (1 << i)) regs.add(i);
    const text = verifierStateStr(
      { frameno: f.frameno, regs: f.regs, stack: f.stack, inCallbackFn: f.inCallbackFn },
      printAll ? undefined : { regs, slots: this.scratchedSlots },
      st.refs.map((r) => r.id),
    );
    this.verbose(`${text}\n`);
    if (!printAll) {
      this.scratchedRegs = 0;
      this.scratchedSlots = new Set();
    }
  }

  /** Models `print_insn_state`: the state after an insn, as `; ...` on its line when possible. */
  printInsnState(st: VerifierState, frameno: number): void {
    const log = this.input.log;
    if (!log.level) return;
    if (this.prevLogPos && this.prevLogPos === log.endPos) {
      log.reset(this.prevLogPos - 1);
      this.verbose(`${' '.repeat(Math.max(vlogAlignment(this.prevInsnPrintPos), 1))};`);
    } else {
      this.verbose(`${this.insnIdx}:`);
    }
    this.printVerifierState(st, frameno, false);
  }
}

/** A stable address of the kernel's form (`0xffff888...`) for map `id`. */
export function mapAddress(id: number): bigint {
  return 0xffff_8881_0000_0000n + BigInt(id) * 0x1000n;
}

/** Models `vlog_alignment` (kernel/bpf/log.c). */
export function vlogAlignment(pos: number): number {
  const BPF_LOG_MIN_ALIGNMENT = 8;
  const BPF_LOG_ALIGNMENT = 40;
  const v = Math.max(pos + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT);
  return Math.ceil(v / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT - pos - 1;
}
