/**
 * @fileoverview A recorded trace of executed instructions: which instruction ran and which
 * registers it changed.
 *
 * Modelled on the kernel's verifier log at log_level 2 (`3: (69) r4 = *(u16 *)(r1 +0) ; R4_w=...`,
 * kernel/bpf/log.c) but for a concrete run: the line shows the values the interpreter computed, as
 * uBPF's `--trace` and `bpftool prog run` users expect. Recording runs on the interpreter (the JIT
 * carries no tracing code), so a traced result is always the interpreter's.
 */
import { printBpfInsn } from '../isa/disasm-kernel.js';
import type { RunResult } from './machine.js';
import type { Program } from './program.js';
import { type RunOptions, runProgram } from './run.js';

/** One executed instruction. */
export interface TraceStep {
  /** Slot index of the instruction. */
  readonly pc: number;
  /** Call depth (0 = the main program) when the instruction ran. */
  readonly depth: number;
  /** Registers whose value differs after the instruction, as [register number, u64 value]. */
  readonly changes: readonly (readonly [number, bigint])[];
}

/** A traced run: the result and its steps (at most `limit`; `truncated` when more ran). */
export interface TracedRun {
  readonly result: RunResult;
  readonly steps: readonly TraceStep[];
  readonly truncated: boolean;
}

const u64Of = (R: Int32Array, i: number): bigint =>
  (BigInt((R[2 * i + 1] as number) >>> 0) << 32n) | BigInt((R[2 * i] as number) >>> 0);

/**
 * Runs `prog` on the interpreter and records every executed instruction (up to `limit` steps;
 * the run itself continues to its end). `opts.engine` is ignored: tracing needs the interpreter.
 */
export function traceProgram(prog: Program, opts: RunOptions = {}, limit = 100_000): TracedRun {
  const steps: TraceStep[] = [];
  let truncated = false;
  const last = new Int32Array(22);
  let first = true;
  let depth = 0;
  const result = runProgram(prog, {
    ...opts,
    engine: 'interp',
    trace: (pc, R) => {
      if (first) {
        // Registers as they were before the first instruction: R1..R5 from the arguments, R10.
        const args = opts.args ?? [];
        for (let i = 0; i < 5; i++) {
          const a = BigInt.asUintN(64, args[i] ?? 0n);
          last[2 + 2 * i] = Number(a & 0xffffffffn) | 0;
          last[3 + 2 * i] = Number(a >> 32n) | 0;
        }
        last[20] = R[20] as number;
        last[21] = R[21] as number;
        first = false;
      }
      if (steps.length >= limit) {
        truncated = true;
        last.set(R.subarray(0, 22));
        return;
      }
      const changes: [number, bigint][] = [];
      for (let i = 0; i < 11; i++)
        if (R[2 * i] !== last[2 * i] || R[2 * i + 1] !== last[2 * i + 1]) changes.push([i, u64Of(R, i)]);
      steps.push({ pc, depth, changes });
      last.set(R.subarray(0, 22));
      const code = prog.code[pc] as number;
      if ((code & 0x07) === 0x05 && (code & 0xf0) === 0x80 && prog.src[pc] === 1) depth++;
      else if (code === 0x95 && depth > 0) depth--;
    },
  });
  return { result, steps, truncated };
}

const hexU64 = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * Formats one step as `pc: (code) insn ; r4=0x45 r0=0x4500`: the instruction in the kernel's
 * syntax (kernel/bpf/disasm.c `print_bpf_insn`), then the registers it changed.
 */
export function formatTraceStep(prog: Program, step: TraceStep, width = 40): string {
  const x = prog.insns[step.pc];
  const text = x === undefined ? '?' : printBpfInsn(prog.insns, step.pc);
  const indent = '  '.repeat(step.depth);
  const head = `${indent}${step.pc}: ${text}`;
  if (step.changes.length === 0) return head;
  const regs = step.changes.map(([r, v]) => `r${r}=${hexU64(v)}`).join(' ');
  return `${head.padEnd(width)} ; ${regs}`;
}
