import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleUbpf } from '../../src/isa/asm-ubpf.js';
import { disassembleUbpf } from '../../src/isa/disasm-ubpf.js';
import { bytesToHex, encodeRaw, type Insn } from '../../src/isa/insn.js';
import { HAVE_CORPUS, readCorpus } from './conformance-corpus.js';
import { arbValidProgram } from './valid-programs.js';

function asm(text: string): Insn[] {
  const r = assembleUbpf(text);
  if (!r.ok) throw new Error(`line ${r.line}: ${r.error}`);
  return r.insns;
}
const hex = (text: string): string => bytesToHex(encodeRaw(asm(text)));

describe('assembleUbpf: encodings (expected bytes from RFC 9669 opcode tables)', () => {
  it('ALU, 64 and 32 bit, register and immediate', () => {
    expect(hex('mov %r0, 1')).toBe('b700000001000000');
    expect(hex('mov32 %r0, -1')).toBe('b4000000ffffffff');
    expect(hex('add %r1, %r2')).toBe('0f21000000000000');
    expect(hex('sub32 %r3, 0x10')).toBe('1403000010000000');
    expect(hex('neg %r4')).toBe('8704000000000000');
    expect(hex('neg32 %r4')).toBe('8404000000000000');
    expect(hex('arsh32 %r1, %r2')).toBe('cc21000000000000');
  });
  it('signed division and sign-extending moves use the off field', () => {
    expect(hex('sdiv %r0, %r1')).toBe('3f10010000000000');
    expect(hex('smod32 %r0, 3')).toBe('9400010003000000');
    expect(hex('movsx864 %r0, %r1')).toBe('bf10080000000000');
    expect(hex('movsx1632 %r4, %r3')).toBe('bc34100000000000');
    expect(hex('movsx3264 %r0, %r9')).toBe('bf90200000000000');
  });
  it('byte swaps', () => {
    expect(hex('be16 %r0')).toBe('dc00000010000000');
    expect(hex('le64 %r1')).toBe('d401000040000000');
    expect(hex('bswap32 %r2')).toBe('d702000020000000');
    expect(hex('swap16 %r2')).toBe(hex('bswap16 %r2'));
  });
  it('loads and stores', () => {
    expect(hex('ldxdw %r0, [%r1+8]')).toBe('7910080000000000');
    expect(hex('ldxsh %r0, [%r1-2]')).toBe('8910feff00000000');
    expect(hex('ldxb %r0, [%r1]')).toBe('7110000000000000');
    expect(hex('stw [%r1+2], 7')).toBe('6201020007000000');
    expect(hex('stxb [%r10-1], %r2')).toBe('732affff00000000');
    expect(hex('lddw %r0, 0x1122334455667788')).toBe('18000000887766550000000044332211');
    expect(asm('lddw %r0, -1').map((x) => x.imm)).toEqual([-1, -1]);
  });
  it('atomics', () => {
    expect(hex('lock add [%r10-8], %r1')).toBe('db1af8ff00000000');
    expect(hex('lock fetch add32 [%r10-4], %r1')).toBe('c31afcff01000000');
    expect(hex('lock xchg [%r10-8], %r1')).toBe('db1af8ffe1000000');
    expect(hex('lock cmpxchg32 [%r10-8], %r1')).toBe('c31af8fff1000000');
  });
  it('jumps, labels and calls', () => {
    const p = asm(
      'jeq %r1, 0x1, done\nmov %r0, 2\ndone:\nexit\nja -4\nja32 done\ncall local f\nf:\ncall 5\ncall %r2',
    );
    expect(p[0]).toEqual({ code: 0x15, dst: 1, src: 0, off: 1, imm: 1 });
    expect(p[3]).toEqual({ code: 0x05, dst: 0, src: 0, off: -4, imm: 0 });
    expect(p[4]).toEqual({ code: 0x06, dst: 0, src: 0, off: 0, imm: -3 });
    expect(p[5]).toEqual({ code: 0x85, dst: 0, src: 1, off: 0, imm: 0 });
    expect(p[6]).toEqual({ code: 0x85, dst: 0, src: 0, off: 0, imm: 5 });
    expect(p[7]).toEqual({ code: 0x8d, dst: 2, src: 0, off: 0, imm: 0 });
    expect(asm('ja exit\nmov %r0, 1\nexit')[0]?.off).toBe(1);
    expect(asm('jne32 %r1, %r2, +3')[0]).toEqual({ code: 0x5e, dst: 1, src: 2, off: 3, imm: 0 });
  });
  it('comments and blank lines are ignored', () => {
    expect(asm('# hello\n\n  mov %r0, 1 # one\nexit\n')).toHaveLength(2);
  });
});

describe('assembleUbpf: errors (messages of bpf_conformance bpf_assembler.cc)', () => {
  const cases: [string, string, number][] = [
    ['or %r0, %r50', 'Invalid register: %r50', 1],
    ['mov32 %r0, 2147483648', 'Immediate out of 32-bit range: 2147483648', 1],
    ['mov32 %r0, 0x100000000', 'Immediate out of 32-bit range: 0x100000000', 1],
    ['ja NOT_A_LABEL\nexit', 'Invalid label: NOT_A_LABEL', 1],
    ['exit\nlock or [%r10-8]', 'Invalid number of operands for lock', 2],
    ['lock', 'Invalid number of operands for lock', 1],
    ['ldxq %r0, %r1', 'Invalid mnemonic: ldxq', 1],
    ['ldxb %r0, %r1', 'Failed to decode register and offset: %r1', 1],
    ['ldxb %r0, [%r1+0x10000]', 'Offset out of 16-bit range: +0x10000', 1],
    ['lddw %r0', 'Invalid number of operands for mnemonic: lddw', 1],
    ['a:\na:\nexit', 'Duplicate label (a) detected at line 0 (previous declaration at line 0)', 2],
    ['call foo 1', 'Invalid call mode', 1],
    ['mov %r0, zz', 'Invalid immediate: zz', 1],
  ];
  for (const [src, error, line] of cases) {
    it(`${JSON.stringify(src)} → ${error}`, () => {
      expect(assembleUbpf(src)).toEqual({ ok: false, error, line });
    });
  }
});

describe.skipIf(!HAVE_CORPUS)(
  `bpf_conformance corpus${!HAVE_CORPUS ? ' (skipped: ../shared absent)' : ''}`,
  () => {
    const tests = readCorpus('tests');
    it('finds the 313 test programs', () => {
      expect(tests.length).toBe(313);
    });
    it('every tests/*.data -- asm section assembles', () => {
      const failures: string[] = [];
      for (const t of tests) {
        const text = t.sections.get('asm');
        if (text === undefined) continue;
        const r = assembleUbpf(text);
        if (!r.ok) failures.push(`${t.name}:${r.line}: ${r.error}`);
      }
      expect(failures).toEqual([]);
    });
    it('lddw.data: -- asm assembles to the bytes of -- raw', () => {
      const t = tests.find((x) => x.name === 'lddw.data');
      const raw = (t?.sections.get('raw') ?? '').split(/\s+/).filter(Boolean);
      const bytes = new Uint8Array(raw.length * 8);
      const dv = new DataView(bytes.buffer);
      for (const [i, tok] of raw.entries()) dv.setBigUint64(i * 8, BigInt(tok), true);
      expect(raw.length).toBe(3);
      expect(bytesToHex(encodeRaw(asm(t?.sections.get('asm') ?? '')))).toBe(bytesToHex(bytes));
    });
    it('every corpus program survives disassembleUbpf → assembleUbpf', () => {
      for (const t of tests) {
        const text = t.sections.get('asm');
        if (text === undefined) continue;
        const p = asm(text);
        expect(asm(disassembleUbpf(p)), t.name).toEqual(p);
      }
    });
    it('negative/*.data: the assembler cases fail with the expected error', () => {
      const neg = readCorpus('negative');
      const expectFail = [
        'invalid_imm32_dec_range.data',
        'invalid_imm32_hex_range.data',
        'invalid_label.data',
        'invalid_lock.data',
        'invalid_lock2.data',
        'invalid_mnemonic.data',
        'invalid_offset.data',
        'invalid_offset_range.data',
        'invalid_operand_count.data',
        'invalid_register.data',
      ];
      for (const name of expectFail) {
        const t = neg.find((x) => x.name === name);
        const r = assembleUbpf(t?.sections.get('asm') ?? '');
        expect(r.ok, name).toBe(false);
        const want = t?.sections.get('error')?.trim();
        if (!r.ok && want) expect(r.error.startsWith(want), `${name}: ${r.error}`).toBe(true);
      }
    });
  },
);

describe('disassembleUbpf', () => {
  it('prints the syntax the assembler reads', () => {
    const src =
      'mov %r0, 0x1\nlddw %r1, 0x1122334455667788\nldxw %r2, [%r1+4]\nlock fetch and32 [%r10-8], %r3\njsgt %r1, -5, +1\ncall local -2\nexit\n';
    expect(disassembleUbpf(asm(src))).toBe(src);
  });
  it('marks slots the syntax cannot express', () => {
    expect(disassembleUbpf([{ code: 0xff, dst: 0, src: 0, off: 0, imm: 0 }])).toBe(
      '# unsupported ff00000000000000\n',
    );
  });
  it('property: assemble(disassemble(p)) = p for random valid programs', () => {
    fc.assert(
      fc.property(arbValidProgram({ ubpf: true }), (p) => {
        expect(asm(disassembleUbpf(p))).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });
});
