/**
 * @fileoverview `bpfsim bench verifier`: processed instructions per second of the verifier on the
 * bounded loop of issue 6, loaded through BPF_PROG_LOAD with log_level 4 (the kernel's statistics).
 *
 * The program is `r0 = 0; r1 = 1; r2 = N; L: r0 += r1; r1 ^= r0; r2 -= 1; if r2 != 0 goto L; exit`:
 * every iteration is a distinct state, so the verifier processes 4N + 4 instructions (Linux 6.18:
 * 800,004 for N = 200,000, in about 0.4 s on the reference machine).
 */
import { encodeRaw } from '../../isa/insn.js';
import { EmulatedHost } from '../../kernel/emulated-host.js';
import { loadWithLog } from '../../kernel/host-load.js';
import { intOption, parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { aluLoopProgram } from './alu-loop.js';

const SOCKET_FILTER = 1;
const STATS = 4;

/** The `verifier` benchmark command. */
export const verifierBench: Command = {
  name: 'verifier',
  summary: 'processed instructions per second of the verifier on a bounded loop',
  help: `Usage: bpfsim bench verifier [--n N] [--json]
Verifies r0 = 0; r1 = 1; r2 = N; L: r0 += r1; r1 ^= r0; r2 -= 1; if r2 != 0 goto L; exit
(a socket filter) with log_level 4 and prints the kernel's statistics and the speed.

Options:
  --n N     loop iterations, 1..249999 (default 200000: 800004 processed instructions)
  --json    print one JSON object {"n","processed","insns_per_sec","cpu_insns_per_sec","ms","stats"}

Example:
  bpfsim bench verifier --n 200000 --json`,
  run(args, io, global) {
    const p = parseArgs(args, { n: 'string', json: true });
    const n = intOption(p, 'n', 200_000);
    if (n < 1 || n > 249_999) throw new CliError(`option '--n': ${n} is out of range 1..249999`, 2);
    const raw = encodeRaw(aluLoopProgram(n).insns);
    const host = EmulatedHost.create({ seed: 1 });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = loadWithLog(host, raw, SOCKET_FILTER, STATS, 'GPL');
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (r.ret < 0)
      throw new CliError(`the benchmark program was rejected (errno ${-r.ret}): ${r.log.trim()}`);
    const stats = r.log.trim().split('\n').pop() ?? '';
    const m = /processed (\d+) insns/.exec(stats);
    const processed = m ? Number(m[1]) : 0;
    const perSec = processed / (ms / 1000);
    const cpuPerSec = processed / (cpuMs / 1000);
    if (global.json || p.flags.has('json')) {
      const obj = {
        n,
        processed,
        insns_per_sec: Math.round(perSec),
        cpu_insns_per_sec: Math.round(cpuPerSec),
        ms: Number(ms.toFixed(1)),
        stats,
      };
      io.out(`${JSON.stringify(obj, null, global.pretty ? 2 : undefined)}\n`);
    } else {
      io.out(`${stats}\n`);
      io.out(
        `verified in ${ms.toFixed(1)} ms: ${(perSec / 1e6).toFixed(2)} M processed insns/s (CPU time ${(cpuPerSec / 1e6).toFixed(2)} M/s)\n`,
      );
    }
    return 0;
  },
};
