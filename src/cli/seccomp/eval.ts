/**
 * @fileoverview `bpfsim seccomp eval`: the decision of a profile or a raw filter for one syscall,
 * as the kernel's seccomp_run_filters would get it (the filter's return value and the number of
 * instructions executed).
 */
import { formatRet } from '../../seccomp/actions.js';
import { runFilter } from '../../seccomp/cbpf/interp.js';
import type { SeccompArch } from '../../seccomp/syscalls/arches.js';
import { syscallName, syscallNumber } from '../../seccomp/syscalls/resolve.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { archOption, hostOf, loadFilter, PROFILE_OPTIONS } from './compile.js';

/** Parses `--args a0,a1,...` (decimal, 0x-hex, or negative meaning two's complement) into u64s. */
export function parseSyscallArgs(text: string | undefined): bigint[] {
  if (text === undefined || text.trim() === '') return [];
  const parts = text.split(',');
  if (parts.length > 6) throw new CliError(`option '--args': at most 6 arguments, got ${parts.length}`, 2);
  return parts.map((raw, i) => {
    const s = raw.trim();
    if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(s))
      throw new CliError(`option '--args': argument ${i} '${raw}' is not an integer`, 2);
    const neg = s.startsWith('-');
    const v = BigInt(neg ? s.slice(1) : s);
    if (v >= 1n << 64n)
      throw new CliError(`option '--args': argument ${i} '${raw}' does not fit in 64 bits`, 2);
    return BigInt.asUintN(64, neg ? -v : v);
  });
}

/** `bpfsim seccomp eval`. */
export const seccompEvalCommand: Command = {
  name: 'eval',
  summary: 'decide one syscall with a profile or a raw filter',
  help: `Usage: bpfsim seccomp eval PROFILE|FILTER.bpf --arch A (--syscall NAME | --nr N) [--args a0,a1,...] [--json]
               [--host A] [--ip ADDR] [--compat C] [--caps LIST] [--kernel V] [--strict]
Runs the filter (a profile is compiled first, for the host --host, default the 64-bit host of --arch)
on one system call and prints the action: ALLOW, ERRNO(1), KILL_THREAD, KILL_PROCESS, TRAP(n),
TRACE(n), LOG, USER_NOTIF. --nr is seccomp_data.nr as the kernel passes it (x32 numbers include
0x40000000); --syscall resolves a name on --arch. --json prints {"action","ret","executed",...}.

Example:
  bpfsim seccomp eval data/seccomp/moby-default.json --arch x86_64 --syscall personality --args 0xffffffff`,
  run(args, io, global) {
    const p = parseArgs(args, {
      ...PROFILE_OPTIONS,
      host: 'string',
      syscall: 'string',
      nr: 'string',
      args: 'string',
      ip: 'string',
      json: true,
    });
    const path = p.positional[0];
    if (path === undefined) throw new CliError('eval: missing PROFILE or FILTER (see --help)', 2);
    const abi = archOption(p, 'arch') as SeccompArch | undefined;
    if (abi === undefined) throw new CliError('eval: --arch is required', 2);
    const host = archOption(p, 'host') ?? hostOf(abi);
    const name = p.values.get('syscall');
    const nrText = p.values.get('nr');
    if ((name === undefined) === (nrText === undefined))
      throw new CliError('eval: give exactly one of --syscall and --nr', 2);
    let nr: number;
    if (name !== undefined) {
      const n = syscallNumber(abi, name);
      if (n === undefined) throw new CliError(`eval: no syscall '${name}' on ${abi.id}`, 2);
      nr = n;
    } else {
      const t = nrText as string;
      const v = /^0x[0-9a-f]+$/i.test(t)
        ? Number.parseInt(t, 16)
        : /^-?\d+$/.test(t)
          ? Number(t)
          : Number.NaN;
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff)
        throw new CliError(`option '--nr': '${t}' is not a 32-bit integer`, 2);
      nr = v >>> 0;
    }
    const sysArgs = parseSyscallArgs(p.values.get('args'));
    const ip = parseSyscallArgs(p.values.get('ip'))[0] ?? 0n;
    const { filter } = loadFilter(path, p, io, host);
    let run: ReturnType<typeof runFilter>;
    try {
      run = runFilter(filter, { nr, arch: abi.audit, instructionPointer: ip, args: sysArgs });
    } catch (e) {
      throw new CliError(`${path}: ${(e as Error).message}`);
    }
    const action = formatRet(run.ret);
    if (global.json || p.flags.has('json')) {
      const obj = {
        action,
        ret: `0x${(run.ret >>> 0).toString(16).padStart(8, '0')}`,
        executed: run.executed,
        arch: abi.id,
        nr,
        syscall: syscallName(abi, nr) ?? null,
        args: sysArgs.map((a) => `0x${a.toString(16)}`),
      };
      io.out(`${JSON.stringify(obj, null, global.pretty ? 2 : undefined)}\n`);
    } else io.out(`${action}\n`);
    return 0;
  },
};
