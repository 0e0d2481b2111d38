/**
 * @fileoverview `bpfsim seccomp compile PROFILE`: an OCI / Docker seccomp profile compiled to
 * classic BPF as runc, crun or gVisor would load it. Also holds the option handling `eval` and
 * `sweep` share (profile or raw filter input, --arch/--compat/--caps/--kernel/--strict).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeFilter } from '../../seccomp/cbpf/codec.js';
import type { SockFilter } from '../../seccomp/cbpf/filter.js';
import { COMPAT_MODES, type Compat } from '../../seccomp/compile/actions.js';
import { type CompiledFilter, compileProfileText } from '../../seccomp/compile/compile.js';
import { FILTER_FORMATS, type FilterFormat, renderFilter } from '../../seccomp/compile/output.js';
import { parseCaps, parseKernelVersion } from '../../seccomp/profile/resolve.js';
import { SeccompProfileError } from '../../seccomp/profile/types.js';
import { archNames, findArch, type SeccompArch } from '../../seccomp/syscalls/arches.js';
import { type ParsedArgs, parseArgs } from '../args.js';
import { CliError, type CliIo, type Command } from '../command.js';

/** Options every profile-reading seccomp command accepts. */
export const PROFILE_OPTIONS = {
  arch: 'string',
  compat: 'string',
  caps: 'string',
  kernel: 'string',
  strict: true,
} as const;

/** The architecture named by `--NAME`, or `fallback`. */
export function archOption(p: ParsedArgs, name: string, fallback?: string): SeccompArch | undefined {
  const v = p.values.get(name) ?? fallback;
  if (v === undefined) return undefined;
  const a = findArch(v);
  if (a === undefined)
    throw new CliError(
      `option '--${name}': unknown architecture '${v}' (one of ${archNames().join(', ')})`,
      2,
    );
  return a;
}

/** The 64-bit host an ABI runs on (x86 and x32 on x86_64, arm on aarch64 ...): the filter's native arch. */
export function hostOf(abi: SeccompArch): SeccompArch {
  const host: Record<string, string> = { x86: 'x86_64', x32: 'x86_64', arm: 'aarch64', s390: 's390x' };
  return findArch(host[abi.id] ?? abi.id) ?? abi;
}

function readInput(path: string, io: CliIo): { bytes: Uint8Array; abs: string } {
  const abs = resolve(io.cwd, path);
  try {
    return { bytes: new Uint8Array(readFileSync(abs)), abs };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new CliError(`${path}: cannot read (${code})`);
  }
}

/** Compiles the profile at `path` with the command's options; warnings go to stderr. */
export function compileFromArgs(path: string, p: ParsedArgs, io: CliIo, native: SeccompArch): CompiledFilter {
  const { bytes } = readInput(path, io);
  const compat = p.values.get('compat') ?? 'runc';
  if (!(COMPAT_MODES as readonly string[]).includes(compat))
    throw new CliError(
      `option '--compat': unknown runtime '${compat}' (one of ${COMPAT_MODES.join(', ')})`,
      2,
    );
  let caps: ReturnType<typeof parseCaps>;
  let kernel: [number, number];
  try {
    caps = parseCaps(p.values.get('caps') ?? 'docker-default');
    kernel = parseKernelVersion(p.values.get('kernel') ?? '6.18');
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  try {
    const c = compileProfileText(new TextDecoder().decode(bytes), path, {
      arch: native,
      compat: compat as Compat,
      caps,
      kernel,
      strict: p.flags.has('strict'),
    });
    for (const w of c.warnings) io.err(`warning: ${w}\n`);
    return c;
  } catch (e) {
    if (e instanceof SeccompProfileError) throw new CliError(e.message);
    throw e;
  }
}

/** A filter from `path`: raw `sock_filter` bytes (`.bpf`, or anything not starting with `{`) or a profile. */
export function loadFilter(
  path: string,
  p: ParsedArgs,
  io: CliIo,
  native: SeccompArch,
): { filter: SockFilter[]; compiled?: CompiledFilter } {
  const { bytes } = readInput(path, io);
  const firstChar = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart()[0];
  if (path.endsWith('.bpf') || firstChar !== '{') {
    const d = decodeFilter(bytes);
    if (!d.ok) throw new CliError(`${path}: ${d.error}`);
    return { filter: d.filter };
  }
  const compiled = compileFromArgs(path, p, io, native);
  return { filter: compiled.filter, compiled };
}

/** `bpfsim seccomp compile`. */
export const seccompCompileCommand: Command = {
  name: 'compile',
  summary: 'compile an OCI/Docker seccomp profile to classic BPF (runc, crun or gVisor semantics)',
  help: `Usage: bpfsim seccomp compile PROFILE [--arch A] [--compat runc|crun|gvisor] [--caps LIST|docker-default|all|none]
                               [--kernel V] [--strict] [-o OUT.bpf] [--format raw|disasm|c|json]
Compiles the seccomp section of an OCI config.json, a bare linux.seccomp object or a Docker/moby
profile (archMap, includes/excludes resolved for --caps and --kernel) to a classic BPF filter that
decides every syscall as the runtime would load it. Warnings (unknown syscall names, ignored) go to
stderr; --strict makes them errors.

Options:
  --arch A       native architecture (x86_64, aarch64, ...; default x86_64)
  --compat C     runc (default: libseccomp + runc's -ENOSYS stub), crun, gvisor
  --caps LIST    bounding capabilities for includes/excludes (default docker-default)
  --kernel V     host kernel MAJOR.MINOR for minKernel (default 6.18)
  --strict       unknown syscall names are errors
  -o OUT         write the filter to OUT (raw sock_filter bytes unless --format says otherwise)
  --format F     raw, disasm (default on stdout), c, json

Example:
  bpfsim seccomp compile data/seccomp/moby-default.json --arch x86_64 -o docker.bpf`,
  run(args, io, global) {
    const p = parseArgs(args, { ...PROFILE_OPTIONS, output: 'string', format: 'string' }, { o: 'output' });
    const path = p.positional[0];
    if (path === undefined) throw new CliError('compile: missing PROFILE (see --help)', 2);
    if (p.positional.length > 1) throw new CliError(`compile: unexpected argument '${p.positional[1]}'`, 2);
    const out = p.values.get('output');
    const format = p.values.get('format') ?? (out !== undefined ? 'raw' : global.json ? 'json' : 'disasm');
    if (!(FILTER_FORMATS as readonly string[]).includes(format))
      throw new CliError(
        `option '--format': unknown format '${format}' (one of ${FILTER_FORMATS.join(', ')})`,
        2,
      );
    const native = archOption(p, 'arch', 'x86_64') as SeccompArch;
    const compiled = compileFromArgs(path, p, io, native);
    const rendered = renderFilter(compiled.filter, format as FilterFormat, {
      pretty: global.pretty,
      arch: native.audit,
    });
    if (out !== undefined) {
      try {
        writeFileSync(resolve(io.cwd, out), rendered);
      } catch (e) {
        throw new CliError(`${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      io.err(
        `${path}: ${compiled.filter.length} instructions (${compiled.compat}, arches ${compiled.profile.arches.map((a) => a.id).join(',')}) written to ${out}\n`,
      );
      return 0;
    }
    if (typeof rendered !== 'string')
      throw new CliError('compile: --format raw writes bytes: give -o FILE', 2);
    io.out(rendered);
    return 0;
  },
};
