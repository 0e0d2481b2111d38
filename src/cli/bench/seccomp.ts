/**
 * @fileoverview `bpfsim bench seccomp`: decisions per second of Docker's default profile compiled
 * for x86_64 (with its i386 and x32 sections), on the cBPF interpreter and the JIT, over a
 * realistic mix of syscalls; also the median instructions executed and the filter's length.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastRun, runPrepared } from '../../seccomp/cbpf/interp.js';
import { compileJit, runJit } from '../../seccomp/cbpf/jit.js';
import { prepareFilter } from '../../seccomp/cbpf/prepare.js';
import { compileProfileText } from '../../seccomp/compile/compile.js';
import { seccompDataWords } from '../../seccomp/data.js';
import { findArch, type SeccompArch } from '../../seccomp/syscalls/arches.js';
import { archSyscalls, syscallNumber } from '../../seccomp/syscalls/resolve.js';
import { intOption, parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { median } from '../seccomp/sweep.js';

/**
 * A server-like x86_64 syscall mix (name, relative frequency): I/O and polling dominate, as in
 * strace -c of web servers and databases; 10% of calls are spread over every other syscall.
 */
const HOT_MIX: ReadonlyArray<[string, number]> = [
  ['read', 14],
  ['write', 10],
  ['futex', 12],
  ['epoll_wait', 8],
  ['epoll_pwait', 4],
  ['recvfrom', 6],
  ['sendto', 6],
  ['close', 4],
  ['openat', 4],
  ['fstat', 3],
  ['newfstatat', 3],
  ['mmap', 3],
  ['munmap', 2],
  ['mprotect', 2],
  ['clock_gettime', 3],
  ['nanosleep', 2],
  ['getpid', 1],
  ['lseek', 2],
  ['pread64', 2],
  ['writev', 2],
  ['sched_yield', 1],
  ['rt_sigprocmask', 2],
  ['brk', 1],
  ['accept4', 1],
  ['ioctl', 1],
];

function defaultProfilePath(): string {
  // dist/cli/bench/seccomp.js or src/cli/bench/seccomp.ts → repo root /data/seccomp.
  return join(dirname(fileURLToPath(import.meta.url)), '../../../data/seccomp/moby-default.json');
}

/** A deterministic mix of `n` seccomp_data records (16 words each) for `arch`. */
export function syscallMix(arch: SeccompArch, n: number): Uint32Array {
  const all = archSyscalls(arch).map(([, nr]) => nr);
  const hot: number[] = [];
  for (const [name, w] of HOT_MIX) {
    const nr = syscallNumber(arch, name);
    if (nr !== undefined) for (let i = 0; i < w; i++) hot.push(nr);
  }
  const out = new Uint32Array(16 * n);
  const words = new Uint32Array(16);
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  for (let i = 0; i < n; i++) {
    const pool = rnd() < 0.9 ? hot : all;
    const nr = pool[Math.floor(rnd() * pool.length)] as number;
    seccompDataWords(
      { nr, arch: arch.audit, instructionPointer: 0n, args: [BigInt(Math.floor(rnd() * 64))] },
      words,
    );
    out.set(words, 16 * i);
  }
  return out;
}

/** The `seccomp` benchmark command. */
export const seccompBench: Command = {
  name: 'seccomp',
  summary: "decisions/s of Docker's default profile on the cBPF interpreter and JIT",
  help: `Usage: bpfsim bench seccomp [--profile FILE] [--decisions N] [--json]
Compiles Docker's default seccomp profile (data/seccomp/moby-default.json) for x86_64 as runc
loads it (x86_64, i386 and x32 sections), then measures decisions per second with the cBPF
interpreter and the JIT over a server-like mix of x86_64 syscalls (90% I/O, futex, epoll ...,
10% any syscall). Also prints the median instructions executed per syscall (over every x86_64
syscall) and the filter's instruction count.

Options:
  --profile FILE    another profile (default Docker's)
  --decisions N     decisions per engine (default 20000000)
  --json            one JSON object

Example:
  bpfsim bench seccomp --json`,
  run(args, io, global) {
    const p = parseArgs(args, { profile: 'string', decisions: 'string', json: true });
    const n = intOption(p, 'decisions', 20_000_000);
    if (n < 1000 || n > 1e9)
      throw new CliError(`option '--decisions': ${n} is out of range 1000..1000000000`, 2);
    const path = p.values.get('profile') ?? defaultProfilePath();
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new CliError(`${path}: cannot read`);
    }
    const arch = findArch('x86_64') as SeccompArch;
    const compiled = compileProfileText(text, path, { arch });
    const prepared = prepareFilter(compiled.filter);
    const jit = compileJit(prepared);
    // Static figures: every x86_64 syscall with args 0.
    const w = new Uint32Array(16);
    const executed = archSyscalls(arch).map(([, nr]) => {
      seccompDataWords({ nr, arch: arch.audit, instructionPointer: 0n, args: [] }, w);
      runPrepared(prepared, w);
      return lastRun.executed;
    });
    executed.sort((a, b) => a - b);
    const MIX = 4096;
    const mix = syscallMix(arch, MIX);
    const views = Array.from({ length: MIX }, (_, i) => mix.subarray(16 * i, 16 * i + 16));
    // Both engines must agree on the whole mix before anything is timed.
    for (const v of views)
      if (runPrepared(prepared, v) !== runJit(jit, v))
        throw new CliError('interpreter and JIT disagree on the mix');
    const measure = (engine: 'interp' | 'jit', count: number): number => {
      let acc = 0;
      const t0 = performance.now();
      if (engine === 'jit') {
        const fn = jit.fn;
        const mem = prepared.mem;
        const st = jit.state;
        for (let i = 0; i < count; i++) acc ^= fn(views[i & (MIX - 1)] as Uint32Array, mem, st);
      } else
        for (let i = 0; i < count; i++) acc ^= runPrepared(prepared, views[i & (MIX - 1)] as Uint32Array);
      const s = (performance.now() - t0) / 1000;
      if (acc === 0x12345678) io.err(''); // keep the loop's result alive
      return count / s;
    };
    measure('jit', Math.min(n, 200_000));
    measure('interp', Math.min(n, 200_000));
    const interpRate = measure('interp', Math.max(1000, Math.floor(n / 4)));
    const jitRate = measure('jit', n);
    const result = {
      profile: path.split('/').pop(),
      instructions: compiled.filter.length,
      median_executed: median(executed),
      max_executed: executed[executed.length - 1] ?? 0,
      interp_decisions_per_s: Math.round(interpRate),
      jit_decisions_per_s: Math.round(jitRate),
    };
    if (global.json || p.flags.has('json'))
      io.out(`${JSON.stringify(result, null, global.pretty ? 2 : undefined)}\n`);
    else
      io.out(
        `seccomp ${result.profile}: ${result.instructions} instructions, median ${result.median_executed} / max ${result.max_executed} executed per x86_64 syscall\n` +
          `  interp: ${(interpRate / 1e6).toFixed(2)} M decisions/s\n  jit:    ${(jitRate / 1e6).toFixed(2)} M decisions/s\n`,
      );
    return 0;
  },
};
