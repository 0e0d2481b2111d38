/**
 * @fileoverview `bpfsim seccomp check PROFILE --trace FILE`: would the traced program run under
 * this profile? Every syscall of an `strace -f` log, decided by the compiled filter, with the rule
 * that decided it, then a summary; the exit status gates CI (1 when the run would fail).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type CheckedCall, type CheckResult, checkTrace, type DecidedBy } from '../../kernel/strace/check.js';
import { StraceParseError } from '../../kernel/strace/errors.js';
import { parseStrace } from '../../kernel/strace/parse.js';
import { syscallNumber } from '../../seccomp/syscalls/resolve.js';
import { errnoName } from '../../uapi/errno.js';
import { parseArgs } from '../args.js';
import { CliError, type CliIo, type Command } from '../command.js';
import { auditStoreOf } from '../state/audit-files.js';
import { stateDir } from '../state/store.js';
import { archOption, loadFilter, PROFILE_OPTIONS } from './compile.js';

const HELP = `Usage: bpfsim seccomp check PROFILE|FILTER.bpf --trace FILE [--arch A] [--json] [--all] [--audit]
                             [--compat C] [--caps LIST] [--kernel V] [--strict]
Replays a syscall trace (the output of 'strace -f', with or without -tt, -yy, -n) through the
filter the profile compiles to, as the kernel would run it at each call, and reports for every
syscall the action and the profile rule that decided it, then a summary: the first kill, the
denied calls with their errno, and the syscalls the profile never mentions.

Exit status: 0 when the traced run would go the same way under the filter, 1 when it would fail
(a KILL/TRAP, or a call the trace shows succeeding is denied), 2 for bad input.

Arguments strace shows as pointers or strings are unknown to the filter: decisions that depended
on one are counted as uncertain (the filter ran with 0 there).

Options:
  --trace FILE   the strace log ('-' = standard input)
  --arch A       the traced architecture (default x86_64)
  --all          list every call (default: only calls not simply allowed, then the summary)
  --json         one JSON object per traced syscall, then {"summary": {...}}
  --audit        also write the SECCOMP audit records the kernel would log for the run into the
                 state directory's audit store (./.bpfsim, --state DIR, $BPFSIM_STATE): 'bpfsim audit'
  --state DIR    the state directory for --audit
  profile options as 'bpfsim seccomp compile' (--compat, --caps, --kernel, --strict)

Example:
  strace -f -o trace.txt ls /
  bpfsim seccomp check data/seccomp/moby-default.json --trace trace.txt`;

const decided = (d: DecidedBy | undefined): string => {
  if (d === undefined) return '';
  if (d.kind === 'rule') return `syscalls[${d.origin}]`;
  if (d.kind === 'default') return 'defaultAction';
  if (d.kind === 'enosys-stub') return 'ENOSYS stub (newer than the profile)';
  return 'filter';
};

function callJson(c: CheckedCall): Record<string, unknown> {
  return {
    line: c.line,
    pid: c.pid ?? null,
    syscall: c.syscall,
    nr: c.nr ?? null,
    action: c.action,
    ...(c.decidedBy !== undefined && c.decidedBy.kind !== 'filter' ? { rule: decided(c.decidedBy) } : {}),
    executed: c.executed,
    ...(c.errno !== undefined ? { errno: errnoName(c.errno) ?? c.errno } : {}),
    ...(c.traced !== undefined ? { traced: c.traced } : {}),
    ...(c.unknownArgs !== undefined ? { unknown_args: c.unknownArgs } : {}),
    ...(c.succeededInTrace ? { succeeded_in_trace: true } : {}),
    ...(c.afterKill ? { after_kill: true } : {}),
  };
}

function printText(r: CheckResult, all: boolean, io: CliIo): void {
  const rows = r.calls.filter((c) => all || c.action !== 'ALLOW' || c.afterKill);
  if (rows.length > 0)
    io.out(
      `${'line'.padStart(6)}  ${'pid'.padEnd(7)} ${'syscall'.padEnd(18)} ${'action'.padEnd(14)} decided by\n`,
    );
  for (const c of rows) {
    const notes: string[] = [];
    if (c.succeededInTrace) notes.push('succeeded in the trace');
    if (c.unknownArgs !== undefined) notes.push(`depends on unknown arg ${c.unknownArgs.join(',')}`);
    if (c.afterKill) notes.push('never reached: killed before');
    io.out(
      `${String(c.line).padStart(6)}  ${String(c.pid ?? '-').padEnd(7)} ${c.syscall.padEnd(18)} ${c.action.padEnd(14)} ${decided(c.decidedBy)}${notes.length > 0 ? `  (${notes.join('; ')})` : ''}\n`,
    );
  }
  const s = r.summary;
  const counts = Object.entries(s.actions)
    .sort((a, b) => b[1] - a[1])
    .map(([a, n]) => `${a} ${n}`)
    .join(', ');
  io.out(`summary: ${s.calls} calls: ${counts || 'none'}\n`);
  if (s.firstKill !== undefined)
    io.out(
      `first kill: line ${s.firstKill.line}, pid ${s.firstKill.pid ?? '-'}, ${s.firstKill.syscall}: ${s.firstKill.action}\n`,
    );
  for (const d of s.denied)
    io.out(
      `denied: ${d.syscall} ${d.errno} x${d.count}${d.succeededAt.length > 0 ? ` (succeeded in the trace at line ${d.succeededAt.slice(0, 5).join(', ')}${d.succeededAt.length > 5 ? ', ...' : ''})` : ''}\n`,
    );
  if (s.unmentioned.length > 0) {
    const shown = s.unmentioned.slice(0, 12).join(', ');
    const more = s.unmentioned.length > 12 ? `, ... (--json lists all)` : '';
    io.out(
      `not in the profile, decided by its default action: ${s.unmentioned.length} syscalls: ${shown}${more}\n`,
    );
  }
  if (s.unknownSyscalls.length > 0)
    io.out(`not syscalls of this architecture: ${s.unknownSyscalls.join(', ')}\n`);
  if (s.uncertain > 0)
    io.out(`uncertain: ${s.uncertain} decisions depended on arguments the trace does not show\n`);
  io.out(
    s.wouldFail ? 'verdict: the program would FAIL under this profile\n' : 'verdict: the program would run\n',
  );
}

/** `bpfsim seccomp check`. */
export const seccompCheckCommand: Command = {
  name: 'check',
  summary: 'replay an strace log under a profile: per-call actions, the deciding rules, a verdict',
  help: HELP,
  run(args, io, global) {
    const p = parseArgs(args, {
      ...PROFILE_OPTIONS,
      trace: 'string',
      json: true,
      all: true,
      audit: true,
      state: 'string',
    });
    const path = p.positional[0];
    if (path === undefined) throw new CliError('check: missing PROFILE or FILTER (see --help)', 2);
    const tracePath = p.values.get('trace');
    if (tracePath === undefined) throw new CliError('check: --trace FILE is required', 2);
    const arch = archOption(p, 'arch', 'x86_64');
    if (arch === undefined) throw new CliError('check: --arch is required', 2);
    let text: string;
    try {
      text = readFileSync(tracePath === '-' ? 0 : resolve(io.cwd, tracePath), 'utf8');
    } catch (e) {
      throw new CliError(`${tracePath}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 2);
    }
    const { filter, compiled } = loadFilter(path, p, io, arch);
    let trace: ReturnType<typeof parseStrace>;
    try {
      trace = parseStrace(text, { lenient: true, resolve: (name: string) => syscallNumber(arch, name) });
    } catch (e) {
      if (e instanceof StraceParseError) throw new CliError(`${tracePath}: ${e.message}`, 2);
      throw e;
    }
    for (const issue of trace.issues.slice(0, 5)) io.err(`warning: ${tracePath}: ${issue.message}\n`);
    if (trace.issues.length > 5)
      io.err(`warning: ${tracePath}: ${trace.issues.length - 5} more unreadable lines\n`);
    const result = checkTrace(trace.events, {
      arch,
      filter: compiled ?? filter,
      listener: compiled?.profile.listenerPath !== undefined,
      ...(p.flags.has('audit') ? { audit: {} } : {}),
    });
    if (result.audit !== undefined) {
      const state = p.values.get('state');
      const dir = stateDir(io, state === undefined ? {} : { state });
      if (dir !== undefined) {
        const store = auditStoreOf(dir);
        for (const r of result.audit) store.append(r);
        io.err(`${result.audit.length} audit record(s) written to ${dir}/audit (see 'bpfsim audit')\n`);
      }
    }
    if (global.json || p.flags.has('json')) {
      const indent = global.pretty ? 2 : undefined;
      for (const c of result.calls) io.out(`${JSON.stringify(callJson(c), null, indent)}\n`);
      const s = result.summary;
      io.out(
        `${JSON.stringify(
          {
            summary: {
              calls: s.calls,
              actions: s.actions,
              first_kill: s.firstKill ?? null,
              denied: s.denied.map((d) => ({
                syscall: d.syscall,
                errno: d.errno,
                count: d.count,
                succeeded_at: d.succeededAt,
              })),
              unmentioned: s.unmentioned,
              unknown_syscalls: s.unknownSyscalls,
              uncertain: s.uncertain,
              would_fail: s.wouldFail,
            },
          },
          null,
          indent,
        )}\n`,
      );
    } else printText(result, p.flags.has('all'), io);
    return result.summary.wouldFail ? 1 : 0;
  },
};
