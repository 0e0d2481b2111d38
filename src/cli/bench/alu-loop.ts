/**
 * @fileoverview `bpfsim bench alu-loop`: the speed of the eBPF engines on a tight ALU loop.
 *
 * Runs `r0 = 0; r1 = 1; r2 = N; L: r0 += r1; r1 ^= r0; r2 -= 1; if r2 != 0 goto L; exit`
 * (4N + 4 instructions) on the interpreter (kernel/bpf/core.c `___bpf_prog_run` model) or the
 * JIT, checks R0 against a direct BigInt computation, and reports nanoseconds per instruction.
 */

import { insn } from '../../isa/insn.js';
import { BPF_ALU_OP, BPF_CLASS, BPF_JMP_OP, BPF_SRC } from '../../isa/opcodes.js';
import { loadProgram, runProgram } from '../../vm/index.js';
import type { Program } from '../../vm/program.js';
import { intOption, parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';

const ALU64 = BPF_CLASS.ALU64;

/** The benchmark program for `n` iterations. */
export function aluLoopProgram(n: number): Program {
  return loadProgram([
    insn(ALU64 | BPF_ALU_OP.MOV | BPF_SRC.K, 0, 0, 0, 0),
    insn(ALU64 | BPF_ALU_OP.MOV | BPF_SRC.K, 1, 0, 0, 1),
    insn(ALU64 | BPF_ALU_OP.MOV | BPF_SRC.K, 2, 0, 0, n),
    insn(ALU64 | BPF_ALU_OP.ADD | BPF_SRC.X, 0, 1, 0, 0),
    insn(ALU64 | BPF_ALU_OP.XOR | BPF_SRC.X, 1, 0, 0, 0),
    insn(ALU64 | BPF_ALU_OP.SUB | BPF_SRC.K, 2, 0, 0, 1),
    insn(BPF_CLASS.JMP | BPF_JMP_OP.JNE | BPF_SRC.K, 2, 0, -4, 0),
    insn(BPF_CLASS.JMP | BPF_JMP_OP.EXIT, 0, 0, 0, 0),
  ]);
}

/** R0 of the benchmark computed directly with BigInt. */
export function aluLoopExpected(n: number): bigint {
  const mask = (1n << 64n) - 1n;
  let r0 = 0n;
  let r1 = 1n;
  for (let i = 0; i < n; i++) {
    r0 = (r0 + r1) & mask;
    r1 ^= r0;
  }
  return r0;
}

/** The `alu-loop` benchmark command. */
export const aluLoopBench: Command = {
  name: 'alu-loop',
  summary: 'ns per eBPF instruction of the interpreter or JIT on a tight ALU loop',
  help: `Usage: bpfsim bench alu-loop [--engine interp|jit] [--n N] [--json]
Runs r0 = 0; r1 = 1; r2 = N; L: r0 += r1; r1 ^= r0; r2 -= 1; if r2 != 0 goto L; exit
(4N+4 instructions), checks r0 against a BigInt computation, and prints the time per instruction.

Options:
  --engine E   interp or jit (default jit)
  --n N        loop iterations, 1..2147483647 (default 50000000 for jit, 10000000 for interp)
  --json       print one JSON object {"engine","insns","ns_per_insn","cpu_ns_per_insn","r0"}
               (ns_per_insn is wall-clock time; cpu_ns_per_insn the process CPU time, steadier on a
               busy machine)

Example:
  bpfsim bench alu-loop --engine jit --n 50000000 --json`,
  run(args, io, global) {
    const p = parseArgs(args, { engine: 'string', n: 'string', json: true });
    const engine = p.values.get('engine') ?? 'jit';
    if (engine !== 'jit' && engine !== 'interp')
      throw new CliError(`unknown engine '${engine}' (interp or jit)`, 2);
    const n = intOption(p, 'n', engine === 'jit' ? 50_000_000 : 10_000_000);
    if (n < 1 || n > 0x7fffffff) throw new CliError(`option '--n': ${n} is out of range 1..2147483647`, 2);
    // No separate warm-up: compilation and V8's tiering are part of the measured run (they are a
    // few milliseconds, negligible at the default N).
    const prog = aluLoopProgram(n);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const res = runProgram(prog, { engine });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (res.kind !== 'exit') throw new CliError(`benchmark program ended with ${res.kind} at pc ${res.pc}`);
    const expected = aluLoopExpected(n);
    if (res.r0 !== expected)
      throw new CliError(`wrong result: r0 = 0x${res.r0.toString(16)}, expected 0x${expected.toString(16)}`);
    const nsPerInsn = (ms * 1e6) / res.insns;
    const cpuNsPerInsn = (cpuMs * 1e6) / res.insns;
    const r0 = `0x${res.r0.toString(16)}`;
    if (global.json || p.flags.has('json')) {
      const obj = {
        engine,
        insns: res.insns,
        ns_per_insn: Number(nsPerInsn.toFixed(3)),
        cpu_ns_per_insn: Number(cpuNsPerInsn.toFixed(3)),
        r0,
      };
      io.out(`${JSON.stringify(obj, null, global.pretty ? 2 : undefined)}\n`);
    } else {
      io.out(
        `${engine}: ${res.insns} instructions in ${ms.toFixed(1)} ms, ${nsPerInsn.toFixed(3)} ns/insn (CPU time ${cpuNsPerInsn.toFixed(3)} ns/insn), r0 = ${r0}\n`,
      );
    }
    return 0;
  },
};
