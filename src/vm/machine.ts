/**
 * @fileoverview The state both engines share while a program runs, the helper calling
 * convention, and run results.
 *
 * Models the run-time context of kernel/bpf/core.c `___bpf_prog_run`: the register file
 * (`u64 regs[MAX_BPF_EXT_REG]`), one 512-byte stack per call frame (`DEFINE_BPF_PROG_RUN` with
 * `stack_size`), the tail-call counter (`tail_call_cnt` against MAX_TAIL_CALL_CNT) and the
 * `may_goto` loop counters the verifier keeps in a hidden stack slot per subprogram
 * (kernel/bpf/verifier.c `do_misc_fixups`, BPF_MAX_LOOPS).
 */
import { MAX_CALL_FRAMES, MAX_TAIL_CALL_CNT } from '../isa/opcodes.js';
import type { AddressSpace, Region } from './memory.js';
import { REGION_HI_BASE } from './memory.js';
import type { Program } from './program.js';

/** `BPF_MAX_LOOPS`: a may_goto counter starts here and the jump is taken when it reaches 0. */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

/**
 * A helper function, called for `call imm` with `imm` = its id (`BPF_FUNC_*`).
 *
 * Calling convention (chosen for speed: no allocation, no BigInt): `r` is the register file as
 * 32-bit halves, `r[2*i]` the low and `r[2*i+1]` the high half of Ri. Arguments are R1..R5
 * (`r[2]..r[11]`); the helper MUST write its return value to `r[0]` (low) and `r[1]` (high), and
 * must not modify the other entries. `env` gives the address space (to read keys through
 * pointers), callbacks and tail calls.
 *
 * ```ts
 * // u64 bpf_ktime_get_ns(void)
 * helpers.set(5, (r, env) => { const t = clock.now(); r[0] = Number(t & 0xffffffffn) | 0; r[1] = Number(t >> 32n) | 0; });
 * ```
 */
export type HelperFn = (r: Int32Array, env: HelperEnv) => void;

/** Helpers by id, filled by the maps, progs and kernel modules. */
export type HelperTable = ReadonlyMap<number, HelperFn>;

/** What a helper can ask of the running program. */
export interface HelperEnv {
  readonly space: AddressSpace;
  /** Opaque data the runner attached (the kernel puts its run context here). */
  readonly data: unknown;
  /**
   * Runs the subprogram at `pc` of the running program as a callback (bpf_loop,
   * bpf_for_each_map_elem, ...) in a new frame, with R1..R5 from `args` (`[r1lo, r1hi, ...]`,
   * up to 10 halves, missing ones 0). Returns R0's low half; the high half is in {@link retHi}.
   * A fault inside the callback ends the whole program.
   */
  callback(pc: number, args: ArrayLike<number>): number;
  /** High half of the last {@link callback} result. */
  readonly retHi: number;
  /**
   * bpf_tail_call: after this helper returns, the running program is replaced by `prog`
   * (same registers, same stack frame, pc 0). Returns false, and changes nothing, when
   * MAX_TAIL_CALL_CNT tail calls have been made already or the caller is not in frame 0.
   */
  tailCall(prog: Program): boolean;
  /** Ends the program after this helper returns, with R0 as the helper set it. */
  exit(): void;
}

/** A memory access outside every region, a write to a read-only region, or another run-time error. */
export interface Fault {
  kind: 'fault';
  pc: number;
  /** The faulting address (0 for non-memory faults). */
  addr: bigint;
  size: number;
  write: boolean;
  /** One line: `invalid read of 8 bytes at 0x0000000000000010`, `unknown helper 99`, ... */
  reason: string;
}

/** How a run ended. `regs` are R0..R10 of the innermost frame when it ended; `insns` counts executed instructions. */
export type RunResult =
  | { kind: 'exit'; r0: bigint; regs: bigint[]; insns: number }
  | (Fault & { regs: bigint[]; insns: number })
  | { kind: 'budget'; pc: number; regs: bigint[]; insns: number };

/** One traced step: the instruction at `pc` ran and left registers `regs` (R0..R10 as halves, 22 entries). */
export type TraceFn = (pc: number, regs: Int32Array, prog: Program) => void;

/** Engine status codes. */
export const ST = {
  EXIT: 0,
  FAULT: 1,
  BUDGET: 2,
  /** A tail call is pending in `m.pendingProg`. */
  TAIL: 3,
  /** The JIT hands over to the interpreter at `m.pc` (budget nearly spent). */
  DEOPT: 4,
  /** The interpreter executed the single instruction it was asked to (internal). */
  STEP: 5,
  /** JIT code reached `m.pc` in another compiled chunk (internal). */
  SWITCH: 6,
} as const;

/** Thrown through nested callbacks to unwind to the top-level run (never escapes `Vm.run`). */
export class StopSignal {
  constructor(readonly status: number) {}
}

/** The state of one run, shared by the interpreter and JIT code. */
export class Machine implements HelperEnv {
  /** R0..R10 as halves: `R[2*i]` low, `R[2*i+1]` high. */
  readonly R = new Int32Array(22);
  /** Caller registers R1..R9 saved per call depth (18 halves each) and return pcs. */
  readonly saved = new Int32Array(MAX_CALL_FRAMES * 18);
  readonly retPc = new Int32Array(MAX_CALL_FRAMES);
  /** may_goto counters per frame. */
  readonly loops = new Int32Array(MAX_CALL_FRAMES);
  readonly rd: (DataView | undefined)[];
  readonly wr: (DataView | undefined)[];
  depth = 0;
  /** Remaining instruction budget. */
  budget = 0;
  pc = 0;
  fault: Fault | undefined;
  tailCnt = 0;
  pendingProg: Program | undefined;
  exitRequested = false;
  retHi = 0;
  /** The program currently running (changes on tail calls). */
  prog: Program;
  /** Runs `prog` from `pc` until frame `stopDepth` exits; set by the Vm (engine dispatch). */
  exec: (m: Machine, prog: Program, pc: number, stopDepth: number) => number = () => ST.EXIT;

  constructor(
    readonly space: AddressSpace,
    readonly helpers: HelperTable,
    prog: Program,
    readonly packet: Region | undefined,
    readonly data: unknown,
  ) {
    this.rd = space.rd;
    this.wr = space.wr;
    this.prog = prog;
  }

  /** Sets a memory fault at `pc` for an access of `size` bytes at (lo, hi). */
  memFault(pc: number, lo: number, hi: number, size: number, write: boolean): number {
    const addr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const slot = (hi >>> 0) - REGION_HI_BASE;
    const readOnly =
      write && slot >= 0 && slot < this.rd.length && this.rd[slot] !== undefined && !this.wr[slot];
    const what = readOnly ? ' (read-only region)' : '';
    this.fault = {
      kind: 'fault',
      pc,
      addr,
      size,
      write,
      reason: `invalid ${write ? 'write' : 'read'} of ${size} byte${size === 1 ? '' : 's'} at 0x${addr.toString(16).padStart(16, '0')}${what}`,
    };
    this.pc = pc;
    return ST.FAULT;
  }

  /** Sets a non-memory fault at `pc`. */
  errFault(pc: number, reason: string): number {
    this.fault = { kind: 'fault', pc, addr: 0n, size: 0, write: false, reason };
    this.pc = pc;
    return ST.FAULT;
  }

  /**
   * Calls helper `id` with the registers in `R` (R1..R5 valid). Returns ST.EXIT to continue, or
   * another status (fault, pending tail call, requested exit encoded as -1).
   */
  callHelper(id: number, pc: number): number {
    const fn = this.helpers.get(id);
    if (fn === undefined) return this.unknownHelper(id, pc);
    try {
      fn(this.R, this);
    } catch (e) {
      this.helperFailed(e, id, pc);
    }
    return this.afterHelper();
  }

  /** The fault of a call to helper `id`, which the table does not hold. */
  unknownHelper(id: number, pc: number): number {
    return this.errFault(pc, `unknown helper ${id}`);
  }

  /**
   * A helper threw `e`: a StopSignal unwinds on; anything else becomes a fault of the call at `pc`,
   * thrown as a StopSignal. Never returns.
   */
  helperFailed(e: unknown, id: number, pc: number): never {
    if (e instanceof StopSignal) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new StopSignal(this.errFault(pc, `helper ${id} failed: ${msg.split('\n')[0]}`));
  }

  /** The status after a helper returned: a pending tail call, a requested exit (-1), or ST.EXIT. */
  afterHelper(): number {
    if (this.pendingProg !== undefined) return ST.TAIL;
    if (this.exitRequested) return -1;
    return ST.EXIT;
  }

  callback(pc: number, args: ArrayLike<number>): number {
    const depth = this.depth + 1;
    if (depth >= MAX_CALL_FRAMES)
      throw new StopSignal(this.errFault(this.pc, 'callback exceeds the call depth limit'));
    if (pc < 0 || pc >= this.prog.len)
      throw new StopSignal(this.errFault(this.pc, `callback to invalid pc ${pc}`));
    const R = this.R;
    const save = R.slice();
    for (let i = 0; i < 10; i++) R[2 + i] = i < args.length ? (args[i] as number) | 0 : 0;
    const base = this.space.stack(depth).hi;
    R[20] = 512;
    R[21] = base | 0;
    const outerDepth = this.depth;
    this.depth = depth;
    this.loops[depth] = BPF_MAX_LOOPS;
    const st = this.exec(this, this.prog, pc, depth);
    if (st !== ST.EXIT || this.exitRequested) throw new StopSignal(st);
    this.depth = outerDepth;
    const lo = R[0] as number;
    this.retHi = R[1] as number;
    R.set(save);
    return lo;
  }

  tailCall(prog: Program): boolean {
    if (this.depth !== 0 || this.tailCnt >= MAX_TAIL_CALL_CNT) return false;
    this.tailCnt++;
    this.pendingProg = prog;
    return true;
  }

  exit(): void {
    this.exitRequested = true;
  }
}
