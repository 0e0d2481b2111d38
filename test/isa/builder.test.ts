import { describe, expect, it } from 'vitest';
import * as B from '../../src/isa/builder.js';
import { bytesToHex, encodeRaw, type Insn } from '../../src/isa/insn.js';
import { BPF_ALU_OP, BPF_ATOMIC_OP, BPF_JMP_OP, BPF_REG, BPF_SIZE, BPF_SRC } from '../../src/isa/opcodes.js';
import { validateInsns } from '../../src/isa/validate.js';
import { HAVE_VERIFIER_CORPUS, readVerifierCases } from './verifier-corpus.js';

const hex = (p: Insn[]): string => bytesToHex(encodeRaw(p));
const { R0, R1, R2, R10 } = BPF_REG;

describe('builder (include/linux/filter.h macros)', () => {
  it('encodes like the kernel macros (RFC 9669 opcode values)', () => {
    expect(hex([B.BPF_MOV64_IMM(R0, 1)])).toBe('b700000001000000');
    expect(hex([B.BPF_MOV32_REG(R1, R2)])).toBe('bc21000000000000');
    expect(hex([B.BPF_ALU64_REG(BPF_ALU_OP.ADD, R1, R2)])).toBe('0f21000000000000');
    expect(hex([B.BPF_ALU32_IMM(BPF_ALU_OP.LSH, R1, 3)])).toBe('6401000003000000');
    expect(hex([B.BPF_ALU64_REG_OFF(BPF_ALU_OP.DIV, R1, R2, 1)])).toBe('3f21010000000000');
    expect(hex([B.BPF_MOVSX64_REG(R1, R2, 16)])).toBe('bf21100000000000');
    expect(hex([B.BPF_ENDIAN(BPF_SRC.X, R1, 32)])).toBe('dc01000020000000');
    expect(hex([B.BPF_BSWAP(R1, 64)])).toBe('d701000040000000');
    expect(hex(B.BPF_LD_IMM64(R1, 0x1122334455667788n))).toBe('18010000887766550000000044332211');
    expect(hex(B.BPF_LD_IMM64(R1, -1))).toBe('18010000ffffffff00000000ffffffff');
    expect(hex(B.BPF_LD_MAP_FD(R1, 3))).toBe('18110000030000000000000000000000');
    expect(hex(B.BPF_LD_MAP_VALUE(R1, 3, 8))).toBe('18210000030000000000000008000000');
    expect(hex([B.BPF_LDX_MEM(BPF_SIZE.W, R0, R1, 4)])).toBe('6110040000000000');
    expect(hex([B.BPF_LDX_MEMSX(BPF_SIZE.B, R0, R1, 4)])).toBe('9110040000000000');
    expect(hex([B.BPF_STX_MEM(BPF_SIZE.DW, R10, R1, -8)])).toBe('7b1af8ff00000000');
    expect(hex([B.BPF_ST_MEM(BPF_SIZE.H, R10, -2, 7)])).toBe('6a0afeff07000000');
    expect(hex([B.BPF_ATOMIC_OP(BPF_SIZE.DW, BPF_ATOMIC_OP.ADD | BPF_ATOMIC_OP.FETCH, R10, R1, -8)])).toBe(
      'db1af8ff01000000',
    );
    expect(hex([B.BPF_JMP_IMM(BPF_JMP_OP.JEQ, R1, 5, 3)])).toBe('1501030005000000');
    expect(hex([B.BPF_JMP32_REG(BPF_JMP_OP.JSLT, R1, R2, -1)])).toBe('ce21ffff00000000');
    expect(hex([B.BPF_JMP_A(-1)])).toBe('0500ffff00000000');
    expect(hex([B.BPF_JMP32_A(70000)])).toBe('0600000070110100');
    expect(hex([B.BPF_MAY_GOTO(2)])).toBe('e500020000000000');
    expect(hex([B.BPF_EMIT_CALL(1)])).toBe('8500000001000000');
    expect(hex([B.BPF_CALL_REL(2)])).toBe('8510000002000000');
    expect(hex([B.BPF_CALL_KFUNC(1, 99)])).toBe('8520010063000000');
    expect(hex([B.BPF_LD_ABS(BPF_SIZE.B, 23)])).toBe('3000000017000000');
    expect(hex([B.BPF_LD_IND(BPF_SIZE.H, R1, 2)])).toBe('4810000002000000');
    expect(hex([B.BPF_EXIT_INSN()])).toBe('9500000000000000');
  });
  it('builds programs that pass validateInsns', () => {
    const p = [
      ...B.BPF_LD_MAP_FD(R1, 3),
      B.BPF_CALL_REL(1),
      B.BPF_EXIT_INSN(),
      B.BPF_MOV64_IMM(R0, 0),
      B.BPF_EXIT_INSN(),
    ];
    expect(validateInsns(p)).toEqual({ ok: true });
  });
});

describe.skipIf(!HAVE_VERIFIER_CORPUS)(
  `builder vs the selftest bytes${!HAVE_VERIFIER_CORPUS ? ' (skipped: ../shared absent)' : ''}`,
  () => {
    it('"BPF_ATOMIC_AND without fetch" (verifier/atomic_and.c) rebuilt from its macros', () => {
      const c = readVerifierCases().find((x) => x.name === 'BPF_ATOMIC_AND without fetch');
      const p = [
        B.BPF_ST_MEM(BPF_SIZE.DW, R10, -8, 0x110),
        B.BPF_MOV64_IMM(R1, 0x011),
        B.BPF_ATOMIC_OP(BPF_SIZE.DW, BPF_ATOMIC_OP.AND, R10, R1, -8),
        B.BPF_LDX_MEM(BPF_SIZE.DW, R0, R10, -8),
        B.BPF_JMP_IMM(BPF_JMP_OP.JEQ, R0, 0x010, 2),
        B.BPF_MOV64_IMM(R0, 2),
        B.BPF_EXIT_INSN(),
        B.BPF_MOV64_IMM(R0, 0),
        B.BPF_JMP_IMM(BPF_JMP_OP.JEQ, R1, 0x011, 1),
        B.BPF_MOV64_IMM(R0, 1),
        B.BPF_EXIT_INSN(),
      ];
      expect(hex(p)).toBe(c?.insnsHex);
    });
  },
);
