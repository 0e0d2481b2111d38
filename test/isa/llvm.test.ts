/**
 * Agreement with LLVM's BPF backend: the same source assembled by `llvm-mc` and by our kernel-syntax
 * assembler gives the same bytes, and our decoders and disassemblers (both syntaxes) read LLVM's
 * object code back to those bytes. Skips when llvm-mc/llvm-objcopy are not installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleKernel } from '../../src/isa/asm-kernel.js';
import { assembleUbpf } from '../../src/isa/asm-ubpf.js';
import { decode } from '../../src/isa/codec.js';
import { disassembleKernel, printBpfInsn } from '../../src/isa/disasm-kernel.js';
import { disassembleUbpf } from '../../src/isa/disasm-ubpf.js';
import { bytesToHex, encodeRaw, type Insn } from '../../src/isa/insn.js';
import { HAVE_CORPUS, readCorpus } from './conformance-corpus.js';

function tool(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/local/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}
const MC = tool('llvm-mc');
const OBJCOPY = tool('llvm-objcopy');
const canRun = MC !== undefined && OBJCOPY !== undefined;

/** LLVM BPF assembly (the subset LLVM 14 with -mcpu=v3 accepts), one instruction per line. */
const SAMPLE = `r0 = 1
w1 = -2
r1 = r2
w1 = w2
r1 += r2
r1 -= 3
r1 *= r2
r1 /= 7
r1 |= r2
r1 &= 0xff
r1 <<= 3
r1 >>= r2
r1 ^= r2
r1 s>>= 3
w1 += w2
w1 -= 3
w1 *= w2
w1 /= 7
w1 |= w2
w1 &= 255
w1 <<= w2
w1 >>= 3
w1 ^= w2
w1 s>>= w2
r1 = -r1
w2 = -w2
r0 = le16 r0
r1 = be32 r1
r2 = be64 r2
r1 = 0x123456789abcdef0 ll
r2 = 5 ll
r0 = *(u8 *)(r1 + 0)
r0 = *(u16 *)(r1 + 2)
r0 = *(u32 *)(r1 + 4)
r0 = *(u64 *)(r10 - 8)
*(u8 *)(r10 - 1) = r1
*(u16 *)(r10 - 2) = r1
*(u32 *)(r10 - 4) = r1
*(u64 *)(r10 - 8) = r1
lock *(u32 *)(r10 - 4) += w1
lock *(u64 *)(r10 - 8) += r1
lock *(u64 *)(r10 - 8) &= r1
lock *(u64 *)(r10 - 8) |= r1
lock *(u64 *)(r10 - 8) ^= r1
r0 = *(u8 *)skb[23]
r0 = *(u16 *)skb[r1]
r0 = *(u32 *)skb[0]
if r1 == 0x5 goto +1
if r1 != r2 goto -1
if r1 > 3 goto +0
if r1 >= r2 goto +0
if r1 < 3 goto +0
if r1 <= r2 goto +0
if r1 s> r2 goto +0
if r1 s>= -3 goto +0
if r1 s< r2 goto +0
if r1 s<= 4 goto +0
if w1 == w2 goto +0
if w1 > 0xfffffffb goto +3
if w1 s< w2 goto -1
goto +0
goto -2
call 1
call 12
exit
`;

function llvmText(source: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-llvm-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    execFileSync(
      MC as string,
      ['-triple', 'bpfel', '-mcpu=v3', '-filetype=obj', '-o', join(dir, 'a.o'), join(dir, 'a.s')],
      {
        stdio: 'pipe',
      },
    );
    execFileSync(
      OBJCOPY as string,
      ['-O', 'binary', '--only-section=.text', join(dir, 'a.o'), join(dir, 'a.bin')],
      {
        stdio: 'pipe',
      },
    );
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Line numbers (1-based) llvm-mc rejects in `source`. */
function llvmRejects(source: string): Set<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-llvm-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    try {
      execFileSync(
        MC as string,
        ['-triple', 'bpfel', '-mcpu=v3', '-filetype=obj', '-o', join(dir, 'a.o'), join(dir, 'a.s')],
        {
          stdio: 'pipe',
        },
      );
      return new Set();
    } catch (e) {
      const err = String((e as { stderr?: Buffer }).stderr ?? '');
      return new Set([...err.matchAll(/a\.s:(\d+):\d+: error/g)].map((m) => Number(m[1])));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Kernel syntax → LLVM syntax for the forms both share (spacing, `goto +N`, `ll`, `call N`). */
function toLlvm(kernelText: string, x: Insn): string {
  let t = kernelText
    .replace(/^\([0-9a-f]{2}\) /, '')
    .replace(/\((r\d+) ([+-])(\d+)\)/g, '($1 $2 $3)')
    .replace(/goto pc([+-]\d+)$/, 'goto $1');
  if (x.code === 0x18) t += ' ll';
  return t.replace(/^call \S+#(-?\d+)$/, 'call $1');
}

describe.skipIf(!canRun || !HAVE_CORPUS)(
  'uBPF assembler vs LLVM on the bpf_conformance corpus (skipped: needs llvm-mc and ../shared)',
  () => {
    it('every corpus instruction LLVM can assemble has the bytes assembleUbpf gave it', () => {
      const seen = new Map<string, string>();
      for (const t of readCorpus('tests')) {
        const text = t.sections.get('asm');
        const r = text === undefined ? undefined : assembleUbpf(text);
        if (r === undefined || !r.ok) continue;
        for (let i = 0; i < r.insns.length; i++) {
          const x = r.insns[i] as Insn;
          const n = x.code === 0x18 ? 2 : 1;
          // `call pc+N` is a symbol reference in LLVM, and callx (8d) prints as a helper call.
          if (x.code === 0x8d || (x.code === 0x85 && x.src !== 0)) continue;
          const line = toLlvm(printBpfInsn(r.insns, i), x);
          seen.set(line, bytesToHex(encodeRaw(r.insns.slice(i, i + n))));
          i += n - 1;
        }
      }
      const lines = [...seen.keys()];
      const rejected = llvmRejects(`${lines.join('\n')}\n`);
      const accepted = lines.filter((_, i) => !rejected.has(i + 1));
      const bytes = bytesToHex(llvmText(`${accepted.join('\n')}\n`));
      let at = 0;
      const bad: string[] = [];
      for (const l of accepted) {
        const ours = seen.get(l) as string;
        if (bytes.slice(at, at + ours.length) !== ours)
          bad.push(`${l}: llvm ${bytes.slice(at, at + ours.length)} ours ${ours}`);
        at += ours.length;
      }
      expect(bad).toEqual([]);
      expect(at).toBe(bytes.length);
      expect(accepted.length).toBeGreaterThan(200);
    });
  },
);

describe.skipIf(!canRun)(
  `agreement with LLVM${!canRun ? ' (skipped: llvm-mc/llvm-objcopy not installed)' : ''}`,
  () => {
    it('llvm-mc and assembleKernel give the same bytes for every line', () => {
      const bytes = llvmText(SAMPLE);
      const ours = assembleKernel(SAMPLE);
      if (!ours.ok) throw new Error(`line ${ours.line}: ${ours.error}`);
      const lines = SAMPLE.trim().split('\n');
      expect(bytes.length).toBe(ours.insns.length * 8);
      let slot = 0;
      for (const line of lines) {
        const r = assembleKernel(line);
        if (!r.ok) throw new Error(`${line}: ${r.error}`);
        const want = bytesToHex(bytes.subarray(slot * 8, (slot + r.insns.length) * 8));
        expect(bytesToHex(encodeRaw(r.insns)), line).toBe(want);
        slot += r.insns.length;
      }
    });
    it("our decoder and both disassemblers read LLVM's object code back to the same bytes", () => {
      const bytes = llvmText(SAMPLE);
      const d = decode(bytes, { validate: false });
      if (!d.ok) throw new Error(d.error);
      const k = assembleKernel(disassembleKernel(d.insns));
      const u = assembleUbpf(disassembleUbpf(d.insns));
      expect(k.ok && bytesToHex(encodeRaw(k.insns))).toBe(bytesToHex(bytes));
      expect(u.ok && bytesToHex(encodeRaw(u.insns))).toBe(bytesToHex(bytes));
    });
  },
);
