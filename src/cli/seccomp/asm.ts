/**
 * @fileoverview `bpfsim seccomp asm FILE.asm`: seccomp-tools assembly to a raw classic BPF filter
 * (or a C array or JSON), checked like seccomp(2) would (kernel/seccomp.c seccomp_prepare_filter).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AsmError, assemble } from '../../seccomp/cbpf/asm.js';
import { encodeFilter } from '../../seccomp/cbpf/codec.js';
import { formatC, formatJson } from '../../seccomp/cbpf/formats.js';
import { SYSCALL_NAMES } from '../../seccomp/cbpf/syscall-names.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { archValue, checkLoadable } from './disasm.js';

/** Output formats of `seccomp asm`. */
export const ASM_FORMATS = ['raw', 'c', 'json'] as const;

/** `bpfsim seccomp asm`. */
export const seccompAsmCommand: Command = {
  name: 'asm',
  summary: 'assemble seccomp-tools assembly to a raw filter, a C array or JSON',
  help: `Usage: bpfsim seccomp asm FILE.asm [-o OUT] [--arch ARCH] [--format raw|c|json] [--no-validate]
Assembles seccomp-tools assembly:
  A = arch
  A == ARCH_X86_64 ? next : dead
  A = sys_number
  A == write ? ok : next
  return ERRNO(1)
  ok: return ALLOW
  dead: return KILL
Syscall names are those of --arch (default x86_64); 'i386.fork' names another architecture's.
  -o OUT        write there (raw bytes need -o; c and json go to stdout without it)
  --format F    raw (default with -o): struct sock_filter[] bytes; c: a C array; json
  --no-validate keep a filter the kernel would refuse (otherwise: errno, instruction, reason)

Example:
  bpfsim seccomp asm allow-write.asm -o allow-write.bpf
  bpfsim seccomp asm allow-write.asm --format c`,
  run(args, io, global) {
    const p = parseArgs(
      args,
      { output: 'string', arch: 'string', format: 'string', 'no-validate': true },
      { o: 'output' },
    );
    const path = p.positional[0];
    if (path === undefined) throw new CliError('asm: missing FILE.asm (see --help)', 2);
    if (p.positional.length > 1) throw new CliError(`asm: unexpected argument '${p.positional[1]}'`, 2);
    const out = p.values.get('output');
    const format = p.values.get('format') ?? (global.json ? 'json' : out !== undefined ? 'raw' : 'c');
    if (!(ASM_FORMATS as readonly string[]).includes(format))
      throw new CliError(
        `option '--format': unknown format '${format}' (one of ${ASM_FORMATS.join(', ')})`,
        2,
      );
    if (format === 'raw' && out === undefined)
      throw new CliError('asm: raw output needs -o FILE (or --format c|json)', 2);
    const arch = archValue(p.values.get('arch'));
    let source: string;
    try {
      source = readFileSync(resolve(io.cwd, path), 'utf8');
    } catch (e) {
      throw new CliError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let filter: ReturnType<typeof assemble>;
    try {
      filter = assemble(source, { arch, names: SYSCALL_NAMES, filename: path });
    } catch (e) {
      if (e instanceof AsmError) throw new CliError(e.message);
      throw e;
    }
    if (!p.flags.has('no-validate')) checkLoadable(path, filter);
    const data =
      format === 'raw'
        ? encodeFilter(filter)
        : format === 'c'
          ? formatC(filter)
          : formatJson(filter, global.pretty);
    if (out === undefined) {
      io.out(data as string);
      return 0;
    }
    try {
      writeFileSync(resolve(io.cwd, out), data);
    } catch (e) {
      throw new CliError(`${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    io.err(`${out}: ${filter.length} instructions (${filter.length * 8} bytes)\n`);
    return 0;
  },
};
