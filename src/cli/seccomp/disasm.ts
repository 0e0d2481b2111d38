/**
 * @fileoverview `bpfsim seccomp disasm FILE.bpf`: a raw classic BPF filter (`struct
 * sock_filter[]`, as libseccomp `seccomp_export_bpf` writes it) shown as seccomp-tools, `tcpdump
 * -d`, a C array or JSON, after the checks seccomp(2) makes (kernel/seccomp.c
 * seccomp_prepare_filter).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeFilter } from '../../seccomp/cbpf/codec.js';
import { DisasmError, disasmSeccompTools } from '../../seccomp/cbpf/disasm.js';
import type { SockFilter } from '../../seccomp/cbpf/filter.js';
import { formatC, formatJson, formatTcpdump, parseJsonFilter } from '../../seccomp/cbpf/formats.js';
import { parseArch } from '../../seccomp/cbpf/names.js';
import { SYSCALL_NAMES } from '../../seccomp/cbpf/syscall-names.js';
import { validateFilter } from '../../seccomp/cbpf/validate.js';
import { errnoName } from '../../uapi/errno.js';
import { parseArgs } from '../args.js';
import { CliError, type CliIo, type Command } from '../command.js';

/** Output formats of `seccomp disasm`. */
export const DISASM_FORMATS = ['seccomp-tools', 'tcpdump', 'c', 'json'] as const;

/** Reads a filter file: raw `struct sock_filter` bytes, or the JSON form for `*.json`. */
export function readFilterFile(path: string, io: CliIo): SockFilter[] {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(resolve(io.cwd, path)));
  } catch (e) {
    throw new CliError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const d = path.endsWith('.json') ? parseJsonFilter(new TextDecoder().decode(bytes)) : decodeFilter(bytes);
  if (!d.ok) throw new CliError(`${path}: ${d.error}`);
  return d.filter;
}

/** Throws a one-line `CliError` naming the kernel's errno, the instruction and the reason. */
export function checkLoadable(path: string, filter: readonly SockFilter[]): void {
  const v = validateFilter(filter);
  if (v.ok) return;
  const where = v.pc >= 0 ? ` insn ${v.pc}:` : '';
  throw new CliError(
    `${path}: the kernel would refuse this filter: ${errnoName(v.errno) ?? v.errno}:${where} ${v.reason}`,
  );
}

/** The `--arch` option as an AUDIT_ARCH value. */
export function archValue(text: string | undefined): number {
  const a = parseArch(text ?? 'x86_64');
  if (a === undefined)
    throw new CliError(
      `option '--arch': unknown architecture '${text}' (x86_64, i386, aarch64, s390x, riscv64, arm, 0x...)`,
      2,
    );
  return a;
}

/** `bpfsim seccomp disasm`. */
export const seccompDisasmCommand: Command = {
  name: 'disasm',
  summary: 'disassemble a raw seccomp filter (seccomp-tools, tcpdump -d, C or JSON)',
  help: `Usage: bpfsim seccomp disasm FILE.bpf [--arch ARCH] [--format seccomp-tools|tcpdump|c|json] [--no-validate]
Disassembles a raw classic BPF filter (struct sock_filter[], little endian, as libseccomp's
seccomp_export_bpf writes it; a *.json file holds [{"code","jt","jf","k"}, ...]).
  --arch ARCH     names syscalls for this architecture (default x86_64; i386, aarch64, s390x, ...)
  --format F      seccomp-tools (default): ' 0001: 0x15 0x00 0x05 0xc000003e  if (A != ARCH_X86_64) goto 0007'
                  tcpdump: '(001) jeq      #0xc000003e      jt 2	jf 7' (libpcap bpf_image)
                  c: struct sock_filter filter[] = { { 0x20, 0, 0, 0x00000004 }, ... }
                  json: [{"code":32,"jt":0,"jf":0,"k":4}, ...] (also with -j; -p indents)
  --no-validate   show filters the kernel would refuse (otherwise: errno, instruction, reason)

Example:
  bpfsim seccomp disasm filter.bpf --arch x86_64
  bpfsim seccomp disasm filter.bpf --format tcpdump`,
  run(args, io, global) {
    const p = parseArgs(args, { arch: 'string', format: 'string', 'no-validate': true });
    const path = p.positional[0];
    if (path === undefined) throw new CliError('disasm: missing FILE.bpf (see --help)', 2);
    if (p.positional.length > 1) throw new CliError(`disasm: unexpected argument '${p.positional[1]}'`, 2);
    const format = p.values.get('format') ?? (global.json ? 'json' : 'seccomp-tools');
    if (!(DISASM_FORMATS as readonly string[]).includes(format))
      throw new CliError(
        `option '--format': unknown format '${format}' (one of ${DISASM_FORMATS.join(', ')})`,
        2,
      );
    const arch = archValue(p.values.get('arch'));
    const filter = readFilterFile(path, io);
    if (!p.flags.has('no-validate')) checkLoadable(path, filter);
    switch (format) {
      case 'tcpdump':
        io.out(formatTcpdump(filter));
        break;
      case 'c':
        io.out(formatC(filter));
        break;
      case 'json':
        io.out(formatJson(filter, global.pretty));
        break;
      default:
        try {
          io.out(disasmSeccompTools(filter, { arch, names: SYSCALL_NAMES }));
        } catch (e) {
          if (e instanceof DisasmError) throw new CliError(`${path}: ${e.message}`);
          throw e;
        }
    }
    return 0;
  },
};
