/**
 * @fileoverview `bpfsim seccomp sweep`: every syscall of one ABI through a profile or filter, one
 * line each (number, name, action, instructions executed), then min / median / max executed and
 * the filter's length — the figures libseccomp's -O1/-O2 trade-off is judged by.
 */
import { formatRet } from '../../seccomp/actions.js';
import { lastRun, runPrepared } from '../../seccomp/cbpf/interp.js';
import { prepareFilter } from '../../seccomp/cbpf/prepare.js';
import { seccompDataWords } from '../../seccomp/data.js';
import type { SeccompArch } from '../../seccomp/syscalls/arches.js';
import { archSyscalls } from '../../seccomp/syscalls/resolve.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { archOption, hostOf, loadFilter, PROFILE_OPTIONS } from './compile.js';
import { parseSyscallArgs } from './eval.js';

/** Median of a sorted list (mean of the two middle values for an even count). */
export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0;
  return ((sorted[(sorted.length - 1) >> 1] as number) + (sorted[sorted.length >> 1] as number)) / 2;
}

/** `bpfsim seccomp sweep`. */
export const seccompSweepCommand: Command = {
  name: 'sweep',
  summary: 'run every syscall number of an ABI through a profile or filter',
  help: `Usage: bpfsim seccomp sweep PROFILE|FILTER.bpf --arch A [--args a0,...] [--json]
               [--host A] [--compat C] [--caps LIST] [--kernel V] [--strict]
Decides every syscall libseccomp's table lists for --arch (x32 numbers with 0x40000000) with the
given arguments (default all 0) and prints one line per syscall, then a summary: count, min /
median / max instructions executed, and the filter's instruction count. --json prints JSON lines
({"nr":0,"name":"read","action":"ALLOW","executed":7}) and a final {"summary":...} line.

Example:
  bpfsim seccomp sweep data/seccomp/moby-default.json --arch x86_64 --json`,
  run(args, io, global) {
    const p = parseArgs(args, { ...PROFILE_OPTIONS, host: 'string', args: 'string', json: true });
    const path = p.positional[0];
    if (path === undefined) throw new CliError('sweep: missing PROFILE or FILTER (see --help)', 2);
    const abi = archOption(p, 'arch') as SeccompArch | undefined;
    if (abi === undefined) throw new CliError('sweep: --arch is required', 2);
    const host = archOption(p, 'host') ?? hostOf(abi);
    const sysArgs = parseSyscallArgs(p.values.get('args'));
    const { filter } = loadFilter(path, p, io, host);
    let prepared: ReturnType<typeof prepareFilter>;
    try {
      prepared = prepareFilter(filter);
    } catch (e) {
      throw new CliError(`${path}: ${(e as Error).message}`);
    }
    const json = global.json || p.flags.has('json');
    const words = new Uint32Array(16);
    const executed: number[] = [];
    const counts = new Map<string, number>();
    const lines: string[] = [];
    for (const [name, nr] of archSyscalls(abi)) {
      seccompDataWords({ nr, arch: abi.audit, instructionPointer: 0n, args: sysArgs }, words);
      const ret = runPrepared(prepared, words);
      const action = formatRet(ret);
      executed.push(lastRun.executed);
      counts.set(action, (counts.get(action) ?? 0) + 1);
      lines.push(
        json
          ? JSON.stringify({ nr, name, action, executed: lastRun.executed })
          : `${String(nr).padStart(10)}  ${name.padEnd(24)} ${action.padEnd(14)} ${lastRun.executed}`,
      );
    }
    executed.sort((a, b) => a - b);
    const summary = {
      arch: abi.id,
      syscalls: executed.length,
      min: executed[0] ?? 0,
      median: median(executed),
      max: executed[executed.length - 1] ?? 0,
      instructions: filter.length,
      actions: Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])),
    };
    if (json) lines.push(JSON.stringify({ summary }));
    else {
      const acts = [...counts].map(([a, n]) => `${a} ${n}`).join(', ');
      lines.push(
        `summary: ${summary.syscalls} ${abi.id} syscalls, executed min ${summary.min} / median ${summary.median} / max ${summary.max}, ${summary.instructions} instructions; ${acts}`,
      );
    }
    io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
