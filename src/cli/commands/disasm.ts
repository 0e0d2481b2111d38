/**
 * @fileoverview `bpfsim disasm FILE`: disassembles `struct bpf_insn` bytes (raw or hex text) in
 * the kernel's syntax (as `bpftool prog dump xlated` prints it) or the uBPF syntax.
 */
import { decode } from '../../isa/codec.js';
import { disassembleKernel, type PcStyle, printBpfInsn, reversibleImm } from '../../isa/disasm-kernel.js';
import { disassembleUbpf } from '../../isa/disasm-ubpf.js';
import { bytesToHex, encodeRaw, hexToBytes, type Insn } from '../../isa/insn.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { readInputFile, syntaxOption } from './asm.js';

/** Hex text when the file holds only hex digits, `0x` prefixes, commas and whitespace. */
export function bytesFromInput(data: Uint8Array): Uint8Array | undefined {
  const text = new TextDecoder('latin1').decode(data);
  if (/[0-9a-f]/i.test(text) && /^[\s0-9a-fA-Fx,]*$/.test(text)) return hexToBytes(text.replace(/,/g, ' '));
  return data;
}

const HELP = `Usage: bpfsim disasm FILE [--syntax kernel|ubpf] [--opcodes] [--pc bpftool|verifier|none] [--check]
Disassembles eBPF instructions. FILE ('-' = standard input) holds raw struct bpf_insn bytes or
hex text (detected automatically: only hex digits, 0x prefixes and whitespace).

Options:
  --syntax S   kernel (default): kernel/bpf/disasm.c print_bpf_insn, numbered like
               'bpftool prog dump xlated'; ubpf: the uBPF / bpf_conformance syntax
  --opcodes    also print each instruction's raw bytes (as bpftool's 'opcodes')
  --pc STYLE   line numbers: bpftool ('   0: ', default), verifier ('0: ') or none
  --check      first validate the program as the kernel does; report the first error
  -j, --json   print [{"pc", "code", "dst", "src", "off", "imm", "text"}, ...]

Both syntaxes read back with 'bpfsim asm'.

Example:
  echo b70000002a0000009500000000000000 | bpfsim disasm -
     0: (b7) r0 = 42
     1: (95) exit
`;

/** The `disasm` command. */
export const disasmCommand: Command = {
  name: 'disasm',
  summary: 'disassemble eBPF instruction bytes (kernel/bpftool or uBPF syntax)',
  help: HELP,
  run(args, io, global) {
    const p = parseArgs(args, { syntax: 'string', opcodes: true, pc: 'string', check: true });
    const file = p.positional[0];
    if (file === undefined || p.positional.length > 1)
      throw new CliError('disasm: expected one FILE (see bpfsim disasm --help)', 2);
    const syntax = syntaxOption(p.values.get('syntax'), 'disasm') ?? 'kernel';
    const pc = p.values.get('pc') ?? 'bpftool';
    if (pc !== 'bpftool' && pc !== 'verifier' && pc !== 'none')
      throw new CliError(`disasm: option '--pc': unknown style '${pc}' (one of bpftool, verifier, none)`, 2);
    const bytes = bytesFromInput(readInputFile(file, io, 'disasm'));
    if (bytes === undefined) throw new CliError(`disasm: ${file}: malformed hex text`);
    const r = decode(bytes, { validate: p.flags.has('check') });
    if (!r.ok) throw new CliError(`disasm: ${file}: insn ${r.pc}: ${r.error}`);
    const insns = r.insns;
    if (global.json) {
      const rows = [];
      for (let i = 0; i < insns.length; i++) {
        const x = insns[i] as Insn;
        rows.push({ pc: i, ...x, text: printBpfInsn(insns, i, { imm: reversibleImm }) });
        if (x.code === 0x18 && i + 1 < insns.length) i++;
      }
      io.out(`${global.pretty ? JSON.stringify(rows, null, 2) : JSON.stringify(rows)}\n`);
      return 0;
    }
    if (syntax === 'kernel') {
      io.out(
        disassembleKernel(insns, { imm: reversibleImm, pc: pc as PcStyle, opcodes: p.flags.has('opcodes') }),
      );
      return 0;
    }
    if (!p.flags.has('opcodes')) {
      io.out(disassembleUbpf(insns));
      return 0;
    }
    let out = '';
    for (let i = 0; i < insns.length; i++) {
      const x = insns[i] as Insn;
      const n = x.code === 0x18 && i + 1 < insns.length ? 2 : 1;
      const slice = insns.slice(i, i + n);
      const text = disassembleUbpf(slice).trimEnd();
      out += `${text.padEnd(40)} # ${bytesToHex(encodeRaw(slice))}\n`;
      i += n - 1;
    }
    io.out(out);
    return 0;
  },
};
