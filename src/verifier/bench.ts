/**
 * @fileoverview Micro-benchmark of the verifier's scalar transfer functions, for a `bpfsim bench`
 * command: nanoseconds per ALU bounds update (the per-instruction cost of check_alu_op's
 * adjust_scalar_min_max_vals in kernel/bpf/verifier.c), per conditional-jump refinement
 * (is_branch_taken + reg_set_min_max) and per register printed (print_reg_state in
 * kernel/bpf/log.c). Browser-safe: uses the global `performance` clock.
 */
import { BPF_ALU_OP, BPF_CLASS, BPF_JMP_OP, BPF_SRC } from '../isa/opcodes.js';
import { coerceRegToSize, markRegUnknown } from './bounds.js';
import { isBranchTaken, regSetMinMax } from './branch.js';
import { regStateStr } from './print-state.js';
import { cloneRegState, newRegState, type RegState, scalarConst } from './reg-state.js';
import { adjustScalarMinMaxVals } from './scalar-alu.js';

/** One measured operation. */
export interface BoundsBenchResult {
  name: string;
  /** Best (lowest) mean over the repetitions, in nanoseconds per operation. */
  nsPerOp: number;
  iterations: number;
}

function measure(name: string, iterations: number, reps: number, fn: () => void): BoundsBenchResult {
  for (let i = 0; i < iterations; i++) fn(); // warm-up
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / iterations);
  }
  return { name, nsPerOp: best, iterations };
}

/**
 * Measures the scalar bounds machinery on a `u32` register (as loaded from a ctx field). Each
 * ALU figure includes copying the register (the verifier copies states at branches).
 */
export function benchScalarBounds(iterations = 50_000, reps = 5): BoundsBenchResult[] {
  const base: RegState = newRegState();
  markRegUnknown(base);
  coerceRegToSize(base, 4);
  const k = scalarConst(3n);
  const out: BoundsBenchResult[] = [];
  const alu: [string, number][] = [
    ['alu64 add imm', BPF_CLASS.ALU64 | BPF_ALU_OP.ADD | BPF_SRC.K],
    ['alu32 add imm', BPF_CLASS.ALU | BPF_ALU_OP.ADD | BPF_SRC.K],
    ['alu64 and imm', BPF_CLASS.ALU64 | BPF_ALU_OP.AND | BPF_SRC.K],
    ['alu64 mul imm', BPF_CLASS.ALU64 | BPF_ALU_OP.MUL | BPF_SRC.K],
    ['alu64 lsh imm', BPF_CLASS.ALU64 | BPF_ALU_OP.LSH | BPF_SRC.K],
  ];
  for (const [name, code] of alu) {
    out.push(measure(name, iterations, reps, () => adjustScalarMinMaxVals(code, cloneRegState(base), k)));
  }
  const c = scalarConst(100n);
  out.push(
    measure('jgt imm (predict + refine both branches)', iterations, reps, () => {
      const f = cloneRegState(base);
      const t = cloneRegState(base);
      if (isBranchTaken(f, c, BPF_JMP_OP.JGT, false) < 0)
        regSetMinMax(t, cloneRegState(c), f, c, BPF_JMP_OP.JGT, false);
    }),
  );
  out.push(measure('print_reg_state (u32 scalar)', iterations, reps, () => regStateStr(base)));
  return out;
}
