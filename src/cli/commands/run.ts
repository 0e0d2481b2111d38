/**
 * @fileoverview `bpfsim run WORKLOAD|SCRIPT [--profile PROFILE]`: runs a built-in workload or a
 * task script on a simulated kernel, every syscall through the seccomp filter the profile compiles
 * to (as `bpfsim seccomp check` compiles it) and the syscall engine; prints each call with its
 * action and result, then a summary. Exit status 1 when a task was killed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_WORKLOADS } from '../../kernel/workload/builtin.js';
import { type RunEvent, type RunResult, runWorkload } from '../../kernel/workload/run.js';
import { parseWorkload, ScriptError, type Workload } from '../../kernel/workload/script.js';
import { parseArgs } from '../args.js';
import { CliError, type CliIo, type Command } from '../command.js';
import { archOption, loadFilter, PROFILE_OPTIONS } from '../seccomp/compile.js';

const HELP = `Usage: bpfsim run WORKLOAD|SCRIPT [--profile PROFILE.json|FILTER.bpf] [--json] [--quiet]
                [--compat C] [--caps LIST] [--kernel V] [--strict]
Runs a workload on a simulated Linux 6.18 kernel: its tasks round-robin on a virtual clock, every
syscall through the seccomp filter (installed in each task first, as a container runtime does),
then bpfsim's syscall engine (files of a small in-memory filesystem, /dev/net/tun and interface
ioctls, sockets with loopback delivery, rtnetlink, fork/clone/execve/wait4/exit). Allowed calls
bpfsim does not emulate are reported "not emulated", never faked.

Built-in workloads:
  nebula   Nebula's tun device: TUNSETIFF nebula1, MTU 1300, txqueuelen 500, IFF_UP, rtnetlink
           RTM_NEWADDR/RTM_NEWROUTE, UDP on 0.0.0.0:4242, sendto/recvfrom
  shell    sh -c 'ls /etc': clone, execve /bin/ls, getdents64, write, wait4, exit
  web      an HTTP server: bind/listen, accept4/read/write/close for three clients

A SCRIPT is a JSON file {"name", "tasks": [{"name", "comm", "exe", "steps": [...]}]} or JSON lines
of steps for one task. A step is {"call": "openat", "args": [...], "as": "fd"} (the result becomes
$fd), with "child": [steps] for clone/fork/vfork, or {"loop": N, "body": [steps]} ($i counts).
Arguments: numbers, flag expressions ("O_RDWR|O_CLOEXEC", "$fd"), "@len" (the size of the step's
previous struct) and structs written to the task's memory: {"str": "/path"}, {"buf": N},
{"addr": N}, {"text": "..."}, {"hex": "..."}, {"int": N}, {"argv": [...]},
{"ifreq": {"name", "flags"|"mtu"|"qlen"|"ifindex"}}, {"sockaddr": {"family": "inet", "addr", "port"}},
{"nlmsg": {"type": "RTM_NEWROUTE", "flags", "dst": "10.1.0.0/16", "oif", "mtu"}},
{"clone_args": {"flags", "exit_signal"}}. "capture": {"var": argIndex} stores an int the kernel wrote.

Exit status: 0 when every task ran to its end, 1 when a task was killed (or the run deadlocked),
2 for bad input.

Options:
  --profile P   an OCI/Docker seccomp profile (JSON) or a raw filter (.bpf); none: no filter
  --json        one JSON object per syscall, then {"summary": {...}}
  --quiet       only the summary
  profile options as 'bpfsim seccomp compile' (--compat, --caps, --kernel, --strict)

Examples:
  bpfsim run nebula --profile data/seccomp/moby-default.json
  bpfsim run nebula --profile examples/nebula-tight.json     # killed at socket(AF_NETLINK, ...)
  bpfsim run examples/web-server.workload.json --json`;

function loadWorkload(name: string, io: CliIo): Workload {
  const builtin = BUILTIN_WORKLOADS[name];
  if (builtin !== undefined) return builtin;
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, name), 'utf8');
  } catch (e) {
    const known = Object.keys(BUILTIN_WORKLOADS).join(', ');
    throw new CliError(
      `${name}: neither a built-in workload (${known}) nor a readable file (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      2,
    );
  }
  try {
    return parseWorkload(text, name.replace(/^.*\//, '').replace(/\..*$/, ''));
  } catch (e) {
    if (e instanceof ScriptError) throw new CliError(`${name}: ${e.message}`, 2);
    throw e;
  }
}

const ms = (ns: bigint): string => `${(Number(ns) / 1e6).toFixed(3)} ms`;

function eventLine(e: RunEvent): string {
  const res =
    e.signal !== undefined
      ? `killed by ${e.signal === 31 ? 'SIGSYS' : `signal ${e.signal}`}`
      : e.errno !== undefined
        ? `-1 ${e.errno}`
        : String(e.ret);
  const notes = [
    e.action !== 'ALLOW' ? e.action : '',
    e.notEmulated ? 'not emulated' : '',
    e.resumed ? 'after sleeping' : '',
    e.note ?? '',
  ].filter((x) => x !== '');
  return `[${String(e.pid).padStart(3)} ${e.comm.padEnd(8)}] ${e.syscall}(${e.args.join(', ')}) = ${res}${notes.length > 0 ? `  <${notes.join('; ')}>` : ''}\n`;
}

function eventJson(e: RunEvent): Record<string, unknown> {
  return {
    seq: e.seq,
    time_ns: Number(e.timeNs),
    pid: e.pid,
    comm: e.comm,
    syscall: e.syscall,
    nr: e.nr,
    args: e.args,
    action: e.action,
    ret: e.ret,
    ...(e.errno !== undefined ? { errno: e.errno } : {}),
    ...(e.notEmulated ? { not_emulated: true } : {}),
    ...(e.resumed ? { resumed: true } : {}),
    ...(e.signal !== undefined ? { signal: e.signal } : {}),
  };
}

function summaryJson(r: RunResult): Record<string, unknown> {
  return {
    workload: r.workload,
    syscalls: r.events.length,
    actions: r.actions,
    killed:
      r.killed === undefined
        ? null
        : {
            seq: r.killed.seq,
            pid: r.killed.pid,
            syscall: r.killed.syscall,
            action: r.killed.action,
            signal: r.killed.signal,
          },
    tasks: r.tasks,
    not_emulated: r.notEmulated,
    deadlock: r.deadlock,
    duration_ns: Number(r.durationNs),
  };
}

/** `bpfsim run`. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run a workload (nebula, shell, web or a task script) under a seccomp profile, call by call',
  help: HELP,
  run(args, io, global) {
    const p = parseArgs(args, { ...PROFILE_OPTIONS, profile: 'string', json: true, quiet: true });
    const name = p.positional[0];
    if (name === undefined) throw new CliError('run: missing WORKLOAD or SCRIPT (see --help)', 2);
    const w = loadWorkload(name, io);
    const profile = p.values.get('profile');
    const arch = archOption(p, 'arch', 'x86_64');
    if (arch === undefined || arch.id !== 'x86_64')
      throw new CliError('run: workloads run on x86_64 (--arch x86_64)', 2);
    const filter = profile === undefined ? undefined : loadFilter(profile, p, io, arch).filter;
    const json = global.json || p.flags.has('json');
    const quiet = p.flags.has('quiet');
    let r: RunResult;
    try {
      r = runWorkload(w, {
        ...(filter !== undefined ? { filter } : {}),
        onEvent: (e) => {
          if (quiet) return;
          io.out(
            json ? `${JSON.stringify(eventJson(e), null, global.pretty ? 2 : undefined)}\n` : eventLine(e),
          );
        },
      });
    } catch (e) {
      if (e instanceof ScriptError) throw new CliError(`${name}: ${e.message}`, 2);
      throw e;
    }
    const failed = r.killed !== undefined || r.deadlock;
    if (json) io.out(`${JSON.stringify({ summary: summaryJson(r) }, null, global.pretty ? 2 : undefined)}\n`);
    else {
      const counts = Object.entries(r.actions)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ');
      io.out(
        `summary: ${w.name}: ${r.events.length} syscalls (${counts || 'none'}) in ${ms(r.durationNs)} of virtual time\n`,
      );
      for (const t of r.tasks)
        io.out(
          `  pid ${t.pid} ${t.comm}: ${t.state}${t.status !== undefined ? ` (status 0x${t.status.toString(16)})` : ''}\n`,
        );
      if (r.killed !== undefined)
        io.out(
          `killed: pid ${r.killed.pid} ${r.killed.comm} at call ${r.killed.seq}, ${r.killed.syscall}(${r.killed.args.join(', ')}): ${r.killed.action}\n`,
        );
      if (r.notEmulated.length > 0) io.out(`not emulated: ${r.notEmulated.join(', ')}\n`);
      if (r.deadlock) io.out('deadlock: every remaining task sleeps with nothing to wake it\n');
      io.out(failed ? 'verdict: the workload FAILED\n' : 'verdict: the workload ran to its end\n');
    }
    return failed ? 1 : 0;
  },
};
