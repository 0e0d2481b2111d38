/**
 * @fileoverview `bpfsim bench trace`: traced syscalls per second replayed through a simulated
 * task — the compiled seccomp filter, then the syscall engine — the replay speed target of issue 7
 * (>= 1 M syscalls/s).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernel } from '../../kernel/kernel.js';
import { parseStrace } from '../../kernel/strace/parse.js';
import { prepareReplay, replayCalls } from '../../kernel/workload/trace-replay.js';
import { sysSeccomp } from '../../seccomp/attach.js';
import { compileProfileText } from '../../seccomp/compile/compile.js';
import { findArch, type SeccompArch } from '../../seccomp/syscalls/arches.js';
import { syscallNumber } from '../../seccomp/syscalls/resolve.js';
import { SECCOMP_OP } from '../../seccomp/uapi.js';
import { intOption, parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The `trace` benchmark command. */
export const traceBench: Command = {
  name: 'trace',
  summary: 'traced syscalls/s replayed through seccomp + the syscall engine',
  help: `Usage: bpfsim bench trace [--trace FILE] [--profile FILE] [--calls N] [--json]
Parses an strace log (default examples/sh-ls-cat.strace), installs the filter Docker's default
profile compiles to (data/seccomp/moby-default.json) in a simulated task, and replays the traced
calls round and round through the task's syscall entry: the filter, the action, then bpfsim's
engine (path walks in the in-memory filesystem, fd table, copies to and from user memory).
Strings of the trace are placed in the task's memory; clone/execve/exit-like calls are left out.
Prints syscalls per second (target: >= 1 M/s) and the actions taken.

Options:
  --trace FILE     the strace -f log to replay
  --profile FILE   the seccomp profile (default Docker's)
  --calls N        syscalls to replay (default 5000000)
  --json           one JSON object

Example:
  bpfsim bench trace --calls 2000000 --json`,
  run(args, io, global) {
    const p = parseArgs(args, { trace: 'string', profile: 'string', calls: 'string', json: true });
    const n = intOption(p, 'calls', 5_000_000);
    if (n < 1000 || n > 1e9) throw new CliError(`option '--calls': ${n} is out of range 1000..1000000000`, 2);
    const arch = findArch('x86_64') as SeccompArch;
    const read = (path: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        throw new CliError(`${path}: cannot read`);
      }
    };
    const tracePath = resolve(io.cwd, p.values.get('trace') ?? join(ROOT, 'examples/sh-ls-cat.strace'));
    const profilePath = resolve(
      io.cwd,
      p.values.get('profile') ?? join(ROOT, 'data/seccomp/moby-default.json'),
    );
    const trace = parseStrace(read(tracePath), {
      lenient: true,
      resolve: (name: string) => syscallNumber(arch, name),
    });
    const compiled = compileProfileText(read(profilePath), profilePath, { arch });
    const kernel = new Kernel();
    const task = kernel.spawn();
    task.setNoNewPrivs();
    const r = sysSeccomp(task, {
      op: SECCOMP_OP.SET_MODE_FILTER,
      flags: 0,
      fprog: { len: compiled.filter.length, filter: [...compiled.filter] },
    });
    if (r.ret < 0) throw new CliError(`the filter could not be installed (${r.ret})`);
    const calls = prepareReplay(task, trace.events);
    if (calls.length === 0) throw new CliError(`${tracePath}: no replayable syscalls`);
    replayCalls(task, calls, Math.min(n, 100_000));
    const t0 = performance.now();
    const actions = replayCalls(task, calls, n);
    const s = (performance.now() - t0) / 1000;
    const result = {
      trace: tracePath.split('/').pop(),
      profile: profilePath.split('/').pop(),
      traced_calls: calls.length,
      replayed: n,
      syscalls_per_s: Math.round(n / s),
      actions: Object.fromEntries(actions),
    };
    if (global.json || p.flags.has('json'))
      io.out(`${JSON.stringify(result, null, global.pretty ? 2 : undefined)}\n`);
    else
      io.out(
        `trace ${result.trace} (${calls.length} calls) under ${result.profile}: ${(n / s / 1e6).toFixed(2)} M syscalls/s (filter + engine)\n` +
          `  actions: ${[...actions].map(([a, c]) => `${a} ${c}`).join(', ')}\n`,
      );
    return 0;
  },
};
