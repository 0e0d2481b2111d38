/**
 * @fileoverview The demo's first part: an eBPF program from assembly text to bytes, back to text in
 * both syntaxes, run on the interpreter and the JIT, and traced instruction by instruction.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleKernel } from '../../isa/asm-kernel.js';
import { disassembleKernel } from '../../isa/disasm-kernel.js';
import { disassembleUbpf } from '../../isa/disasm-ubpf.js';
import { bytesToHex, encodeRaw } from '../../isa/insn.js';
import { AddressSpace, type EngineName, loadProgram, runProgram } from '../../vm/index.js';
import { formatTraceStep, traceProgram } from '../../vm/trace.js';
import type { CliIo } from '../command.js';
import type { DemoOut } from './out.js';

/** The packaged examples directory (dist/cli/demo or src/cli/demo → the package root). */
export function examplesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '../../../examples');
}

/** A path to show in commands: relative to the working directory when it is inside it. */
export function shownPath(path: string, io: CliIo): string {
  const rel = relative(io.cwd, path);
  return rel.startsWith('..') ? path : rel;
}

/** An IPv4 header (RFC 791 example with its checksum field zeroed); its checksum is 0xb861. */
export const DEMO_IPV4_HEADER = '45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7';

const hexBytes = (text: string): Uint8Array =>
  new Uint8Array(text.split(' ').map((b) => Number.parseInt(b, 16)));

/** Runs the eBPF part of the demo; returns false if something did not behave. */
export function ebpfDemo(out: DemoOut, io: CliIo): boolean {
  const file = join(examplesDir(), 'ipv4-csum.s');
  const shown = shownPath(file, io);
  const source = readFileSync(file, 'utf8');

  out.step(
    'Assemble an eBPF program (the kernel syntax of verifier logs and bpftool)',
    `bpfsim asm ${shown}`,
  );
  for (const line of source.trimEnd().split('\n')) out.text(line);
  const asm = assembleKernel(source);
  if (!asm.ok) {
    out.text(`assembly failed at line ${asm.line}: ${asm.error}`);
    return false;
  }
  const bytes = encodeRaw(asm.insns);
  out.text(`→ ${asm.insns.length} instructions, ${bytes.length} bytes of struct bpf_insn:`);
  const hex = bytesToHex(bytes);
  const slots: string[] = [];
  for (let i = 0; i < hex.length; i += 16) slots.push(hex.slice(i, i + 16));
  for (let i = 0; i < slots.length; i += 6) out.text(`  ${slots.slice(i, i + 6).join(' ')}`);

  out.step(
    'Disassemble the bytes: as bpftool prints them, and in the uBPF/bpf_conformance syntax',
    `bpfsim asm ${shown} | bpfsim disasm -`,
  );
  const kernelText = disassembleKernel(asm.insns).trimEnd().split('\n');
  const ubpfText = disassembleUbpf(asm.insns).trimEnd().split('\n');
  const width = Math.max(...kernelText.map((l) => l.length)) + 4;
  for (let i = 0; i < Math.max(kernelText.length, ubpfText.length); i++)
    out.text(`${(kernelText[i] ?? '').padEnd(width)}${ubpfText[i] ?? ''}`);
  out.note(`(the uBPF column: bpfsim asm ${shown} | bpfsim disasm - --syntax ubpf)`);

  const prog = loadProgram(asm.insns);
  const mem = hexBytes(DEMO_IPV4_HEADER);
  const optsFor = (engine: EngineName) => {
    const space = new AddressSpace();
    const region = space.map(mem.slice(), { name: 'mem' });
    return { engine, space, args: [region.addr, BigInt(mem.length)] };
  };

  out.step(
    'Run it on the interpreter and on the JIT (compiled to a JavaScript function): R1 = an IPv4 header',
    `bpfsim exec ${shown} --mem '${DEMO_IPV4_HEADER}'`,
  );
  let ok = true;
  const expected = ipv4Checksum(mem);
  for (const engine of ['interp', 'jit'] as const) {
    const r = runProgram(prog, optsFor(engine));
    if (r.kind !== 'exit') {
      out.text(`${engine.padEnd(6)}  ${r.kind} at pc ${r.pc}`);
      ok = false;
      continue;
    }
    out.text(`${engine.padEnd(6)}  r0 = 0x${r.r0.toString(16)}  after ${r.insns} instructions`);
    if (r.r0 !== BigInt(expected)) ok = false;
  }
  out.note(`checksum computed directly in JavaScript: 0x${expected.toString(16)} (RFC 791's example header)`);

  out.step(
    'Trace the executed instructions and the registers each one changed',
    `bpfsim exec ${shown} --mem '${DEMO_IPV4_HEADER}' --engine interp --trace`,
  );
  const t = traceProgram(prog, optsFor('interp'));
  const lines = t.steps.map((s) => formatTraceStep(prog, s));
  // The loop body is 7 instructions; show two turns, elide the middle ones, show the end.
  const head = 2 + 2 * 7;
  const tail = 7 + 11;
  if (lines.length > head + tail + 1) {
    for (const l of lines.slice(0, head)) out.text(l);
    out.text(`   ... ${lines.length - head - tail} more instructions of the same loop ...`);
    for (const l of lines.slice(-tail)) out.text(l);
  } else for (const l of lines) out.text(l);
  return ok;
}

/** RFC 1071 checksum of an even-length buffer, computed without eBPF (the demo's cross-check). */
export function ipv4Checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
