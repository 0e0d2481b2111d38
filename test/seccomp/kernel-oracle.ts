/**
 * A test helper that lets the real Linux kernel answer seccomp questions: it builds
 * /work/shared/tools/seccomp-oracle/kernel-run.c and bpf-interp.c with `cc` into a temp dir and
 * runs them. Tests call `seccompOracle()` once and skip visibly with `oracle.reason` when shared/,
 * cc, root or seccomp(2) are missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { encodeFilter } from '../../src/seccomp/cbpf/codec.js';
import type { SockFilter } from '../../src/seccomp/cbpf/filter.js';

const execFileAsync = promisify(execFile);

/** `/work/shared` located as `../shared` beside the repository root (undefined when absent). */
export const SHARED_DIR: string | undefined = (() => {
  const dir = resolve(import.meta.dirname, '../../../shared');
  return existsSync(join(dir, 'README.md')) ? dir : undefined;
})();

/** The seccomp-oracle tool directory, when shared/ is present. */
export const ORACLE_DIR: string | undefined = SHARED_DIR && join(SHARED_DIR, 'tools/seccomp-oracle');

/** One `kernel-run` outcome, parsed from its `result=... key=value` line. */
export interface KernelRunResult {
  /** LOADED, LOAD_FAILED, RETURN, ERRNO, TRAP, KILLED, EXITED or TIMEOUT. */
  result: string;
  /** The other `key=value` fields as numbers where they parse (errno, ret, sig, si_errno ...). */
  fields: Record<string, number>;
  line: string;
}

/** Options of one `kernel-run` invocation (see the tool's header comment). */
export interface KernelRunOptions {
  /** Filters, oldest first (the last one is the newest), as instructions or raw bytes. */
  filters: ReadonlyArray<readonly SockFilter[] | Uint8Array>;
  flags?: number;
  prctl?: boolean;
  /** Sentinel errno (`-S`): ALLOWed syscalls are not executed and show up as this errno. */
  sentinel?: number;
  abi?: 'x86_64' | 'i386' | 'x32';
  loadOnly?: boolean;
  nr?: number;
  args?: ReadonlyArray<bigint | number>;
}

/** A built oracle, or why none is available. */
export type SeccompOracle =
  | {
      available: true;
      dir: string;
      kernelRun(opts: KernelRunOptions): Promise<KernelRunResult>;
      /** Runs bpf-interp with raw arguments; returns stdout. */
      bpfInterp(args: readonly string[]): string;
      /** Writes a filter into the temp dir and returns its path. */
      writeFilter(filter: readonly SockFilter[] | Uint8Array): string;
      /** Compiles a small C program (given as source) into the temp dir; returns its path. */
      buildC(name: string, source: string): string;
    }
  | { available: false; reason: string };

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Parses `result=KILLED sig=31 (SIGSYS) core=0` into its parts. */
export function parseKernelRunLine(line: string): KernelRunResult {
  const fields: Record<string, number> = {};
  let result = 'UNKNOWN';
  for (const m of line.matchAll(/(\w+)=(\S+)/g)) {
    const key = m[1] as string;
    const value = m[2] as string;
    if (key === 'result') result = value;
    else {
      const n = Number(value);
      if (!Number.isNaN(n)) fields[key] = n;
    }
  }
  return { result, fields, line: line.trim() };
}

let built: SeccompOracle | undefined;

/** Builds (once per process) and returns the oracle, or the reason it cannot run. */
export function seccompOracle(): SeccompOracle {
  if (built) return built;
  built = buildOracle();
  return built;
}

function buildOracle(): SeccompOracle {
  if (!ORACLE_DIR) return { available: false, reason: 'needs ../shared (seccomp-oracle sources)' };
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { available: false, reason: 'needs Linux on x86_64' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return { available: false, reason: 'needs root' };
  if (!which('cc')) return { available: false, reason: 'needs cc' };
  const status = readFileSync('/proc/self/status', 'utf8');
  if (!/^Seccomp:/m.test(status)) return { available: false, reason: 'kernel without seccomp' };
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-seccomp-oracle-'));
  try {
    for (const tool of ['kernel-run', 'bpf-interp'])
      execFileSync('cc', ['-O2', '-o', join(dir, tool), join(ORACLE_DIR, `${tool}.c`)], { stdio: 'pipe' });
  } catch (e) {
    return {
      available: false,
      reason: `cc failed to build the oracle: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  let counter = 0;
  const writeFilter = (filter: readonly SockFilter[] | Uint8Array): string => {
    const path = join(dir, `f${process.pid}-${counter++}.bpf`);
    writeFileSync(path, filter instanceof Uint8Array ? filter : encodeFilter(filter));
    return path;
  };
  const kernelRun = async (opts: KernelRunOptions): Promise<KernelRunResult> => {
    const args: string[] = [];
    for (const f of opts.filters) args.push('-f', writeFilter(f));
    if (opts.flags !== undefined) args.push('-F', `${opts.flags}`);
    if (opts.prctl) args.push('-P');
    if (opts.sentinel !== undefined) args.push('-S', `${opts.sentinel}`);
    if (opts.abi) args.push('-m', opts.abi);
    if (opts.loadOnly) args.push('-L');
    else {
      args.push(`${opts.nr ?? 0}`);
      for (const a of opts.args ?? []) args.push(`0x${BigInt.asUintN(64, BigInt(a)).toString(16)}`);
    }
    const { stdout } = await execFileAsync(join(dir, 'kernel-run'), args);
    return parseKernelRunLine(stdout.split('\n')[0] ?? '');
  };
  const bpfInterp = (args: readonly string[]): string => {
    try {
      return execFileSync(join(dir, 'bpf-interp'), args, { encoding: 'utf8' });
    } catch (e) {
      // bpf-interp exits 1 for invalid filters but still prints its verdict.
      return String((e as { stdout?: string }).stdout ?? '');
    }
  };
  const probe = execFileSync(
    join(dir, 'kernel-run'),
    ['-L', '-f', writeFilter([{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }])],
    {
      encoding: 'utf8',
    },
  );
  if (!probe.startsWith('result=LOADED'))
    return { available: false, reason: `seccomp(2) unusable: ${probe.trim()}` };
  const buildC = (name: string, source: string): string => {
    const src = join(dir, `${name}.c`);
    writeFileSync(src, source);
    execFileSync('cc', ['-O2', '-o', join(dir, name), src], { stdio: 'pipe' });
    return join(dir, name);
  };
  return { available: true, dir, kernelRun, bpfInterp, writeFilter, buildC };
}

/** What kernel-run reports for a decision, without a tracer or listener (README of the tool). */
export interface ExpectedOutcome {
  result: 'RETURN' | 'ERRNO' | 'TRAP' | 'KILLED';
  errno?: number;
  siErrno?: number;
  sig?: number;
}

/**
 * The kernel-run outcome a seccomp decision leads to for a syscall that succeeds when allowed:
 * ALLOW/LOG run it (RETURN), ERRNO(0) returns 0, ERRNO(n) fails with n, TRAP sends SIGSYS with
 * si_errno = data, KILL_* kill with SIGSYS, TRACE without a tracer and USER_NOTIF without a
 * listener fail with ENOSYS (kernel/seccomp.c __seccomp_filter).
 */
export function expectedOutcome(action: string, data: number): ExpectedOutcome {
  switch (action) {
    case 'ALLOW':
    case 'LOG':
      return { result: 'RETURN' };
    case 'ERRNO':
      return data === 0 ? { result: 'RETURN' } : { result: 'ERRNO', errno: data };
    case 'TRAP':
      return { result: 'TRAP', siErrno: data };
    case 'TRACE':
    case 'USER_NOTIF':
      return { result: 'ERRNO', errno: 38 };
    default:
      return { result: 'KILLED', sig: 31 };
  }
}

/** The comparable part of a kernel-run result. */
export function observedOutcome(r: KernelRunResult): ExpectedOutcome {
  switch (r.result) {
    case 'ERRNO':
      return { result: 'ERRNO', errno: r.fields.errno as number };
    case 'TRAP':
      return { result: 'TRAP', siErrno: r.fields.si_errno as number };
    case 'KILLED':
      return { result: 'KILLED', sig: r.fields.sig as number };
    default:
      return { result: r.result as ExpectedOutcome['result'] };
  }
}
