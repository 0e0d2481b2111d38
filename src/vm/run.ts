/**
 * @fileoverview Running a loaded program on either engine.
 *
 * Models kernel/bpf/core.c `bpf_prog_run` / `__bpf_prog_run` (the entry with R1 = ctx and
 * R10 = the frame pointer) and the tail-call loop of `JMP_TAIL_CALL`: a pending tail call replaces
 * the program, keeping registers and the stack frame.
 */
import { interpRun } from './interp.js';
import { jitCompile } from './jit.js';
import {
  BPF_MAX_LOOPS,
  type HelperTable,
  Machine,
  type RunResult,
  ST,
  StopSignal,
  type TraceFn,
} from './machine.js';
import { AddressSpace, type Region } from './memory.js';
import type { Program } from './program.js';

/** The two execution engines. */
export type EngineName = 'interp' | 'jit';

/** Options of {@link runProgram}. */
export interface RunOptions {
  /** Which engine runs the program (default 'jit'). Traced runs always use the interpreter. */
  engine?: EngineName;
  /** The address space (maps' regions, ctx, packet). Default: a fresh one with only stacks. */
  space?: AddressSpace;
  /** Initial R1..R5 (R1 is usually the context address, `region.addr`). */
  args?: readonly bigint[];
  /** Maximum number of instructions to execute; exceeding it ends the run with kind 'budget'. */
  budget?: number;
  /** The packet LD_ABS/LD_IND read (socket filters: the skb data). */
  packet?: Region;
  /** Helper functions by id. */
  helpers?: HelperTable;
  /** Called after each executed instruction (interpreter only). */
  trace?: TraceFn;
  /** Opaque data given to helpers as `env.data`. */
  data?: unknown;
}

const NO_HELPERS: HelperTable = new Map();
const UNLIMITED = Number.MAX_SAFE_INTEGER;

function dispatcher(engine: EngineName, trace: TraceFn | undefined) {
  return (m: Machine, prog: Program, pc: number, stopDepth: number): number => {
    for (;;) {
      let st: number;
      const fn = engine === 'jit' && trace === undefined ? jitCompile(prog) : undefined;
      if (fn !== undefined) {
        st = fn(m, pc, stopDepth);
        if (st === ST.DEOPT) st = interpRun(m, prog, m.pc, stopDepth, trace);
      } else {
        st = interpRun(m, prog, pc, stopDepth, trace);
      }
      if (st === ST.TAIL && m.pendingProg !== undefined) {
        prog = m.pendingProg;
        m.pendingProg = undefined;
        m.prog = prog;
        m.loops[m.depth] = BPF_MAX_LOOPS;
        pc = 0;
        continue;
      }
      return st;
    }
  };
}

function regsOf(R: Int32Array): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < 11; i++)
    out.push((BigInt(R[2 * i + 1] as number) << 32n) | BigInt((R[2 * i] as number) >>> 0));
  return out.map((v) => BigInt.asUintN(64, v));
}

/**
 * Runs `prog` from pc 0 and returns how it ended. Never throws for anything the program does:
 * bad accesses, unknown helpers, a too deep call stack, an exhausted budget and exceptions thrown
 * by helpers all become a result.
 */
export function runProgram(prog: Program, opts: RunOptions = {}): RunResult {
  const space = opts.space ?? new AddressSpace();
  const m = new Machine(space, opts.helpers ?? NO_HELPERS, prog, opts.packet, opts.data);
  m.exec = dispatcher(opts.engine ?? 'jit', opts.trace);
  space.clearStacks();
  const R = m.R;
  const args = opts.args ?? [];
  for (let i = 0; i < 5; i++) {
    const a = BigInt.asUintN(64, args[i] ?? 0n);
    R[2 + 2 * i] = Number(a & 0xffffffffn) | 0;
    R[3 + 2 * i] = Number(a >> 32n) | 0;
  }
  const frame = space.stack(0);
  R[20] = frame.bytes.length;
  R[21] = frame.hi | 0;
  const budget0 = opts.budget === undefined ? UNLIMITED : Math.max(0, Math.floor(opts.budget));
  m.budget = budget0;
  m.loops[0] = BPF_MAX_LOOPS;
  let st: number;
  try {
    st = m.exec(m, prog, 0, 0);
  } catch (e) {
    if (e instanceof StopSignal) st = e.status;
    else {
      const msg = e instanceof Error ? e.message : String(e);
      st = m.errFault(m.pc, `internal error: ${msg.split('\n')[0]}`);
    }
  }
  const insns = budget0 - m.budget;
  const regs = regsOf(R);
  if (st === ST.FAULT && m.fault !== undefined) return { ...m.fault, regs, insns };
  if (st === ST.BUDGET) return { kind: 'budget', pc: m.pc, regs, insns };
  return { kind: 'exit', r0: regs[0] as bigint, regs, insns };
}
