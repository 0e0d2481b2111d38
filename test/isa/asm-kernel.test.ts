import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleKernel } from '../../src/isa/asm-kernel.js';
import { disassembleKernel, printBpfInsn, reversibleImm } from '../../src/isa/disasm-kernel.js';
import { decodeRaw, hexToBytes, type Insn, insn } from '../../src/isa/insn.js';
import { reservedFieldError } from '../../src/isa/validate.js';
import { arbValidProgram } from './valid-programs.js';
import { HAVE_VERIFIER_CORPUS, readKernelLogs } from './verifier-corpus.js';

function asm(text: string): Insn[] {
  const r = assembleKernel(text);
  if (!r.ok) throw new Error(`line ${r.line}: ${r.error}`);
  return r.insns;
}

describe('assembleKernel', () => {
  it('reads verifier-log and bpftool lines, prefixes optional', () => {
    expect(asm('   0: (b7) r0 = 1')).toEqual([insn(0xb7, 0, 0, 0, 1)]);
    expect(asm('r0 = 1')).toEqual([insn(0xb7, 0, 0, 0, 1)]);
    expect(asm('3: (61) r0 = *(u32 *)(r1 +4)')).toEqual([insn(0x61, 0, 1, 4, 0)]);
    expect(asm('(15) if r1 == 0x5 goto pc+3')).toEqual([insn(0x15, 1, 0, 3, 5)]);
    expect(asm('(85) call bpf_map_lookup_elem#1')).toEqual([insn(0x85, 0, 0, 0, 1)]);
    expect(asm('call bpf_map_lookup_elem')).toEqual([insn(0x85, 0, 0, 0, 1)]);
    expect(asm('(18) r1 = map[id:5]')).toEqual([insn(0x18, 1, 1, 0, 5), insn(0, 0, 0, 0, 0)]);
    expect(asm('r1 = 0xffff888104406400')).toEqual([
      insn(0x18, 1, 0, 0, 0x04406400),
      insn(0, 0, 0, 0, 0xffff8881 | 0),
    ]);
    expect(asm('r1 = 16 ll')).toEqual([insn(0x18, 1, 0, 0, 16), insn(0, 0, 0, 0, 0)]);
    expect(asm('(b7) r1 = 0x10')).toEqual([insn(0xb7, 1, 0, 0, 16)]);
    expect(asm('8: (7b) *(u64 *)(r2 +0) = r9          ; R2=fp-8 R9=map_ptr(ks=4,vs=48)')).toEqual([
      insn(0x7b, 2, 9, 0, 0),
    ]);
    expect(asm('(c3) r1 = atomic_fetch_and((u32 *)(r2 +0), r1)')).toEqual([insn(0xc3, 2, 1, 0, 0x51)]);
    expect(asm('w1 s%= w2')).toEqual([insn(0x9c, 1, 2, 1, 0)]);
    expect(asm('if w1 s> 0xfffffffb goto -1')).toEqual([insn(0x66, 1, 0, -1, -5)]);
  });
  it('labels as jump and call targets', () => {
    const p = asm(
      '  r0 = 0\nloop:\n  r0 += 1\n  if r0 < 10 goto loop\n  call f\n  goto end\nf: r0 = 2\n  exit\nend: exit',
    );
    expect(p[2]).toEqual(insn(0xa5, 0, 0, -2, 10));
    expect(p[3]).toEqual(insn(0x85, 0, 1, 0, 1));
    expect(p[4]).toEqual(insn(0x05, 0, 0, 2, 0));
  });
  it('errors name the line and the problem', () => {
    expect(assembleKernel('r0 = 1\nr16 = 2')).toEqual({
      ok: false,
      error: "invalid register 'r16'",
      line: 2,
    });
    expect(assembleKernel('goto nowhere')).toEqual({ ok: false, error: "unknown label 'nowhere'", line: 1 });
    expect(assembleKernel('r0 ?= 1')).toEqual({ ok: false, error: "invalid ALU operation '?='", line: 1 });
    expect(assembleKernel('(b4) r0 = 1')).toEqual({
      ok: false,
      error: "opcode (b4) does not match 'r0 = 1' (encodes as b7)",
      line: 1,
    });
    expect(assembleKernel('BUG_e3')).toEqual({ ok: false, error: "cannot parse 'BUG_e3'", line: 1 });
    expect(assembleKernel('w1 = r2').ok).toBe(false);
    expect(assembleKernel('r0 = 4294967296').ok).toBe(false);
    expect(assembleKernel('a:\na:').ok).toBe(false);
  });
  it('property: assembleKernel(disassembleKernel(p)) = p for random valid programs', () => {
    fc.assert(
      fc.property(arbValidProgram(), (p) => {
        expect(asm(disassembleKernel(p, { imm: reversibleImm }))).toEqual(p);
        expect(asm(disassembleKernel(p, { imm: reversibleImm, pc: 'none' }))).toEqual(p);
      }),
      { numRuns: 400 },
    );
  });
});

describe.skipIf(!HAVE_VERIFIER_CORPUS)(
  `reads the real 6.18 kernel verifier logs${!HAVE_VERIFIER_CORPUS ? ' (skipped: ../shared absent)' : ''}`,
  () => {
    it('every instruction line assembles to the instruction the kernel printed it from', () => {
      let n = 0;
      const bad: string[] = [];
      for (const l of readKernelLogs()) {
        const insns = decodeRaw(hexToBytes(l.insnsHex) as Uint8Array) as Insn[];
        for (const line of l.log.split('\n')) {
          const m = /^(\d+): (\([0-9a-f]{2}\) .*?)(\s+;.*)?$/.exec(line);
          const x = m === null ? undefined : insns[Number(m[1])];
          if (m === null || x === undefined) continue;
          if (x.code === 0x18 || (x.code === 0x85 && x.src === 2)) continue;
          const printed = printBpfInsn(insns, Number(m[1]));
          if (!(m[2] as string).startsWith(printed)) continue;
          n++;
          const r = assembleKernel(printed);
          if (!r.ok) {
            bad.push(`${line} → ${r.error}`);
            continue;
          }
          // Reads back to the very instruction, unless a reserved field (which the printer does not
          // show, e.g. `call unknown#0` for a call with src_reg 3) is set.
          if (reservedFieldError(x) !== undefined) continue;
          if (JSON.stringify(r.insns[0]) !== JSON.stringify(x))
            bad.push(`${line} → ${JSON.stringify(r.insns[0])}`);
        }
      }
      expect(bad.slice(0, 10)).toEqual([]);
      expect(n).toBeGreaterThan(500);
    });
  },
);
