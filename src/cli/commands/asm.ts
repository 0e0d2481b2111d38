/**
 * @fileoverview `bpfsim asm FILE`: assembles eBPF assembly (kernel verifier-log syntax or the
 * uBPF/bpf_conformance syntax) into raw `struct bpf_insn` bytes or hex.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assembleKernel } from '../../isa/asm-kernel.js';
import { assembleUbpf } from '../../isa/asm-ubpf.js';
import { encode } from '../../isa/codec.js';
import { bytesToHex, type Insn } from '../../isa/insn.js';
import { parseArgs } from '../args.js';
import { CliError, type CliIo, type Command } from '../command.js';

/** Assembly syntaxes the `asm`/`disasm` commands know. */
export type Syntax = 'kernel' | 'ubpf';

/** Reads FILE (`-` = standard input) relative to the CLI's working directory. */
export function readInputFile(path: string, io: CliIo, command: string): Uint8Array {
  try {
    return new Uint8Array(path === '-' ? readFileSync(0) : readFileSync(resolve(io.cwd, path)));
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'error';
    throw new CliError(`${command}: ${path}: cannot read (${code})`);
  }
}

/** The `--syntax` option: `kernel`, `ubpf`, or `undefined` for automatic detection. */
export function syntaxOption(value: string | undefined, command: string): Syntax | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if (value !== 'kernel' && value !== 'ubpf')
    throw new CliError(`${command}: option '--syntax': unknown syntax '${value}' (one of kernel, ubpf)`, 2);
  return value;
}

/** uBPF when the text names a `%rN` register, kernel syntax otherwise. */
export function detectSyntax(text: string): Syntax {
  return /%r\d/.test(text) ? 'ubpf' : 'kernel';
}

/**
 * The `-- asm` section of a bpf_conformance `.data` file (lines before it are counted so errors
 * keep the file's line numbers), or the text itself.
 */
export function asmSection(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^--\s*asm\s*$/.test(l));
  if (start < 0) return text;
  const rel = lines.slice(start + 1).findIndex((l) => /^--/.test(l));
  const end = rel < 0 ? lines.length : start + 1 + rel;
  return lines.map((l, i) => (i > start && i < end ? l : '')).join('\n');
}

/** Assembles `text`; throws `CliError` naming FILE:LINE on malformed input. */
export function assembleText(text: string, syntax: Syntax, file: string): Insn[] {
  const r = syntax === 'ubpf' ? assembleUbpf(text) : assembleKernel(text);
  if (!r.ok) throw new CliError(`asm: ${file}:${r.line}: ${r.error}`);
  return r.insns;
}

const HELP = `Usage: bpfsim asm FILE [--syntax kernel|ubpf] [-o OUT] [--format raw|hex]
Assembles eBPF assembly into struct bpf_insn bytes (8 per slot, little endian).

FILE is a text file ('-' = standard input) in one of two syntaxes:
  kernel  what the verifier log and 'bpftool prog dump xlated' print, with or without
          the 'N:' and '(xx)' prefixes, plus labels:  r0 = 0 / L1: / if r1 > 0x5 goto L1
  ubpf    the uBPF / bpf_conformance syntax:  mov %r0, 1 / jgt %r1, 5, L1 / exit
The default is to detect it (ubpf if a %rN register appears). For a bpf_conformance .data
file, its '-- asm' section is assembled.

Options:
  --syntax S      kernel, ubpf or auto (default auto)
  -o, --output F  write to F instead of standard output
  --format F      raw (bytes) or hex (one 16-digit slot per line); default hex to
                  standard output, raw to a file
  -j, --json      print {"insns": [...], "hex": "..."} instead

Example:
  printf 'r0 = 42\\nexit\\n' | bpfsim asm -
  b70000002a000000
  9500000000000000
`;

/** The `asm` command. */
export const asmCommand: Command = {
  name: 'asm',
  summary: 'assemble eBPF assembly (kernel or uBPF syntax) into instruction bytes',
  help: HELP,
  run(args, io, global) {
    const p = parseArgs(args, { syntax: 'string', output: 'string', format: 'string' }, { o: 'output' });
    const file = p.positional[0];
    if (file === undefined || p.positional.length > 1)
      throw new CliError('asm: expected one FILE (see bpfsim asm --help)', 2);
    const out = p.values.get('output');
    const format = p.values.get('format') ?? (out === undefined ? 'hex' : 'raw');
    if (format !== 'raw' && format !== 'hex')
      throw new CliError(`asm: option '--format': unknown format '${format}' (one of raw, hex)`, 2);
    const text = asmSection(new TextDecoder().decode(readInputFile(file, io, 'asm')));
    const syntax = syntaxOption(p.values.get('syntax'), 'asm') ?? detectSyntax(text);
    const insns = assembleText(text, syntax, file);
    const bytes = encode(insns);
    let body: string | Uint8Array;
    if (global.json) {
      const doc = { insns, hex: bytesToHex(bytes) };
      body = `${global.pretty ? JSON.stringify(doc, null, 2) : JSON.stringify(doc)}\n`;
    } else if (format === 'hex') {
      const hex = bytesToHex(bytes);
      let s = '';
      for (let i = 0; i < hex.length; i += 16) s += `${hex.slice(i, i + 16)}\n`;
      body = s;
    } else {
      body = bytes;
    }
    if (out !== undefined) {
      try {
        writeFileSync(resolve(io.cwd, out), body);
      } catch (e) {
        throw new CliError(`asm: ${out}: cannot write (${(e as { code?: string }).code ?? 'error'})`);
      }
      return 0;
    }
    if (typeof body !== 'string')
      throw new CliError("asm: raw output needs -o FILE (or use '--format hex')", 2);
    io.out(body);
    return 0;
  },
};
