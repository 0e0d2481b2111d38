/**
 * @fileoverview `bpfsim replay`: runs a scenario script (shared/reference/scenario-format.md) on
 * the emulator or on the host's real kernel, printing one result line per operation exactly as the
 * reference oracle does, or comparing them with an expected output.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCpuList } from '../../kernel/backend/kernel-host.js';
import { parseSize } from '../../kernel/backend/memcg.js';
import type { KernelOptions, SyscallHost } from '../../kernel/index.js';
import {
  compareOutputs,
  executeScenario,
  formatCompare,
  parseOutput,
  parseScenario,
  pythonJson,
  type ResultLine,
  SCENARIO_OPS,
  ScenarioFormatError,
  type ScenarioOp,
} from '../../kernel/scenario/index.js';
import { intOption, type ParsedArgs, parseArgs } from '../args.js';
import { CliError, type CliIo, type Command, type GlobalOptions } from '../command.js';
import { progress } from '../progress.js';

const HELP = `Usage: bpfsim replay FILE.jsonl[.gz] [--backend emulator|kernel|both] [--compare EXPECTED.out.jsonl]
                     [--strict] [--ops LIST] [--uid N] [--memcg-limit SIZE] [--seed N]
                     [--allow-sysctl-write]
Runs a scenario script (JSON lines, one bpf() operation per line; the format of the real-kernel
oracle) and prints one JSON result line per operation, the same fields in the same order as
the oracle prints them.

Options:
  --backend B          emulator (default): bpfsim's simulated kernel; kernel: the real kernel of
                       this machine through bpf(2) (needs Linux, root, and koffi under Node);
                       both: run on both and compare the emulator's answers with the kernel's
  --compare FILE       compare with an expected output (e.g. a kernel's .out.jsonl): print the
                       differences and "N lines identical, M differ"; exit 1 if any differ.
                       Not compared: duration, hash-map key order without BPF_F_ZERO_SEED, kernel
                       addresses and verification times in logs, fdinfo ids and times; new
                       fds are compared up to a consistent renaming
  --strict             with --compare: compare fd numbers and every fdinfo field too
  --ops LIST           compare only these operations (e.g. map_create,map_update,sysctl)
  --uid N              run as uid N (gid N) without capabilities; on the kernel backend in a
                       child process (as are scripts with setrlimit operations)
  --memcg-limit SIZE   run inside a memory cgroup limited to SIZE (e.g. 48M); on the kernel
                       backend a temporary cgroup below this process's own, in a child process
  --seed N             seed of the emulator's random numbers (hash seeds)
  --allow-sysctl-write let "sysctl" operations with "write" change the real host's sysctls
                       (kernel/unprivileged_bpf_disabled=1 is never written)

With -j, a comparison is printed as one JSON object.

Examples:
  bpfsim replay basic.jsonl --backend kernel --compare basic.out.jsonl
  bpfsim replay unpriv.jsonl --backend both --uid 65534`;

const SPEC = {
  backend: 'string',
  compare: 'string',
  uid: 'string',
  'memcg-limit': 'string',
  seed: 'string',
  'allow-sysctl-write': true,
  strict: true,
  ops: 'string',
  'internal-child': true,
  'internal-uid': 'string',
  'internal-gid': 'string',
  'internal-cgroup': 'string',
} as const;

/** Reads a text file; a `.gz` name is gunzipped (a script with 1M-instruction programs is 32 MB). */
function readText(io: CliIo, file: string, what: string): { path: string; text: string } {
  const path = isAbsolute(file) ? file : resolve(io.cwd, file);
  try {
    const raw = readFileSync(path);
    return { path, text: (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8') };
  } catch (e) {
    throw new CliError(
      `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function loadScenario(io: CliIo, file: string): { path: string; ops: ScenarioOp[] } {
  const { path, text } = readText(io, file, 'scenario');
  try {
    return { path, ops: parseScenario(text) };
  } catch (e) {
    if (e instanceof ScenarioFormatError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
}

/** How this CLI can start itself again (for child replays). */
function selfSpawn(): { command: string; args: string[] } {
  const entry = process.argv[1];
  if (entry === undefined || !/([\\/]cli[\\/]main\.(js|ts)|bpfsim)$/.test(entry))
    throw new CliError(
      '--uid/--memcg-limit/setrlimit on the kernel backend need the bpfsim command itself (cli/main.js)',
    );
  return { command: process.execPath, args: [...process.execArgv, entry] };
}

/** Opens the emulator backend: a fresh simulated kernel and a task (src/kernel `EmulatedHost`). */
async function openEmulator(p: ParsedArgs, possibleCpus?: number): Promise<SyscallHost> {
  const { EmulatedHost } = await import('../../kernel/index.js');
  const kernel: KernelOptions = {};
  if (possibleCpus !== undefined) kernel.possibleCpus = possibleCpus;
  if (p.values.has('seed')) kernel.seed = intOption(p, 'seed', 0);
  const lim = p.values.get('memcg-limit');
  if (lim !== undefined) kernel.memoryLimit = sizeOption(lim);
  const uid = p.values.has('uid') ? intOption(p, 'uid', 0) : 0;
  return EmulatedHost.create(kernel, { uid, gid: uid, caps: uid === 0 ? 'all' : 'none' });
}

function sizeOption(text: string): number {
  const n = parseSize(text);
  if (n === undefined) throw new CliError(`option '--memcg-limit': '${text}' is not a size (e.g. 48M)`, 2);
  return n;
}

/** Runs the scenario on the real kernel, in this process or in a child; yields result lines. */
async function* kernelResults(
  p: ParsedArgs,
  scenario: { path: string; ops: ScenarioOp[] },
): AsyncGenerator<ResultLine> {
  const backend = await import('../../kernel/backend/index.js');
  const allowSysctlWrite = p.flags.has('allow-sysctl-write');
  try {
    if (p.flags.has('internal-child')) {
      const host = await backend.KernelHost.open({ allowSysctlWrite, probe: false });
      backend.becomeChild(host, {
        uid: p.values.has('internal-uid') ? intOption(p, 'internal-uid', 0) : undefined,
        gid: p.values.has('internal-gid') ? intOption(p, 'internal-gid', 0) : undefined,
        cgroup: p.values.get('internal-cgroup'),
      });
      yield* executeScenario(host, scenario.ops, { virtualFds: true });
      return;
    }
    // A script that sets rlimits runs in a child too: without CAP_SYS_RESOURCE a lowered hard
    // limit could not be restored in this process.
    if (
      p.values.has('uid') ||
      p.values.has('memcg-limit') ||
      scenario.ops.some((o) => o.op === 'setrlimit')
    ) {
      (await backend.KernelHost.open({ probe: true })).dispose();
      const lim = p.values.get('memcg-limit');
      const memcgLimit = lim === undefined ? undefined : sizeOption(lim);
      const lines = await backend.replayInChild(selfSpawn(), scenario.path, {
        uid: p.values.has('uid') ? intOption(p, 'uid', 0) : undefined,
        memcgLimit,
        allowSysctlWrite,
      });
      for (const l of parseOutput(lines.join('\n'))) yield l;
      return;
    }
    const host = await backend.KernelHost.open({ allowSysctlWrite });
    try {
      yield* executeScenario(host, scenario.ops, { virtualFds: true });
    } finally {
      host.dispose();
    }
  } catch (e) {
    if (e instanceof backend.BackendUnavailableError) throw new CliError(e.message);
    throw e;
  }
}

async function run(args: string[], io: CliIo, global: GlobalOptions): Promise<number> {
  const p = parseArgs(args, SPEC);
  const file = p.positional[0];
  if (file === undefined) throw new CliError('missing scenario FILE (see bpfsim replay --help)', 2);
  if (p.positional.length > 1) throw new CliError(`unexpected argument '${p.positional[1]}'`, 2);
  const backendName = p.values.get('backend') ?? 'emulator';
  if (backendName !== 'emulator' && backendName !== 'kernel' && backendName !== 'both')
    throw new CliError(`option '--backend': '${backendName}' is not emulator, kernel or both`, 2);
  if (p.values.has('uid')) intOption(p, 'uid', 0);
  const only = opsOption(p);
  const scenario = loadScenario(io, file);
  let expected: ResultLine[] | undefined;
  const cmpFile = p.values.get('compare');
  if (cmpFile !== undefined) {
    if (backendName === 'both')
      throw new CliError('--compare does not apply to --backend both (it compares the two backends)', 2);
    const { text } = readText(io, cmpFile, 'expected output');
    try {
      expected = parseOutput(text);
    } catch (e) {
      throw new CliError(`${cmpFile}: ${(e as Error).message}`);
    }
  }
  let cpus: number | undefined;
  if (backendName === 'both') {
    // The differential harness: the kernel's answers are the expected ones, and the emulated
    // machine gets as many possible CPUs as this one.
    expected = [];
    for await (const line of kernelResults(p, scenario)) expected.push(line);
    cpus = parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  }
  const results: AsyncIterable<ResultLine> | Iterable<ResultLine> =
    backendName === 'kernel'
      ? kernelResults(p, scenario)
      : executeScenario(await openEmulator(p, cpus), scenario.ops);
  const actual: ResultLine[] = [];
  const bar = progress(io, 'replay', scenario.ops.length);
  for await (const line of results) {
    bar.tick(String(line.op ?? ''));
    if (expected === undefined) io.out(`${pythonJson(line)}\n`);
    else actual.push(line);
  }
  bar.done();
  if (expected === undefined) return 0;
  const strict = p.flags.has('strict');
  const cmp = compareOutputs(expected, actual, {
    scenario: scenario.ops,
    strictFds: strict,
    strictFdinfo: strict,
    ops: only,
  });
  if (global.json)
    io.out(
      `${JSON.stringify(cmp, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), global.pretty ? 2 : 0)}\n`,
    );
  else io.out(formatCompare(cmp));
  return cmp.differ === 0 ? 0 : 1;
}

/** The `--ops` list: operation names to compare. */
function opsOption(p: ParsedArgs): ReadonlySet<string> | undefined {
  const v = p.values.get('ops');
  if (v === undefined) return undefined;
  const names = v.split(',').map((x) => x.trim());
  for (const n of names)
    if (!(SCENARIO_OPS as readonly string[]).includes(n))
      throw new CliError(`option '--ops': '${n}' is not an operation (${SCENARIO_OPS.join(', ')})`, 2);
  return new Set(names);
}

/** `bpfsim replay`: one scenario script, the emulator or the real kernel. */
export const replayCommand: Command = {
  name: 'replay',
  summary: 'run a scenario script on the emulator or the real kernel, optionally comparing outputs',
  help: HELP,
  run,
};
