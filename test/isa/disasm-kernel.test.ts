import { describe, expect, it } from 'vitest';
import { assembleUbpf } from '../../src/isa/asm-ubpf.js';
import { bpftoolImm, disassembleKernel, printBpfInsn } from '../../src/isa/disasm-kernel.js';
import { decodeRaw, hexToBytes, type Insn, insn } from '../../src/isa/insn.js';
import { HAVE_VERIFIER_CORPUS, readKernelLogs } from './verifier-corpus.js';

const one = (x: Insn, o = {}): string => printBpfInsn([x], 0, o);

describe('printBpfInsn (kernel/bpf/disasm.c print_bpf_insn)', () => {
  it('formats the documented examples', () => {
    expect(one(insn(0xb7, 0, 0, 0, 1))).toBe('(b7) r0 = 1');
    expect(one(insn(0x61, 0, 1, 4, 0))).toBe('(61) r0 = *(u32 *)(r1 +4)');
    expect(one(insn(0x15, 1, 0, 3, 5))).toBe('(15) if r1 == 0x5 goto pc+3');
    expect(one(insn(0x85, 0, 0, 0, 1))).toBe('(85) call bpf_map_lookup_elem#1');
    expect(one(insn(0x95, 0, 0, 0, 0))).toBe('(95) exit');
    expect(one(insn(0xbf, 1, 2, 8, 0))).toBe('(bf) r1 = (s8)r2');
    expect(one(insn(0xc3, 10, 1, -8, 0))).toBe('(c3) lock *(u32 *)(r10 -8) += r1');
    expect(one(insn(0xdb, 10, 0, -8, 1))).toBe('(db) r0 = atomic64_fetch_add((u64 *)(r10 -8), r0)');
    expect(one(insn(0xd7, 1, 0, 0, 16))).toBe('(d7) r1 = bswap16 r1');
    expect(one(insn(0x06, 0, 0, 0, 70000))).toBe('(06) gotol pc+70000');
    expect(one(insn(0xe5, 0, 0, -2, 0))).toBe('(e5) may_goto pc-2');
    expect(one(insn(0x85, 0, 1, 0, 3))).toBe('(85) call pc+3');
  });
  it('ld_imm64: raw value by default, map references through cb_imm', () => {
    const p = [insn(0x18, 1, 1, 0, 5), insn(0, 0, 0, 0, 0)];
    expect(printBpfInsn(p, 0)).toBe('(18) r1 = 0x5');
    expect(printBpfInsn(p, 0, { imm: bpftoolImm })).toBe('(18) r1 = map[id:5]');
    expect(printBpfInsn(p, 0, { allowPtrLeaks: false })).toBe('(18) r1 = 0x0');
    const q = [insn(0x18, 1, 0, 0, 0x04406400), insn(0, 0, 0, 0, 0xffff8881 | 0)];
    expect(printBpfInsn(q, 0)).toBe('(18) r1 = 0xffff888104406400');
  });
  it('unknown helpers, kfuncs and encodings without a format', () => {
    expect(one(insn(0x85, 0, 0, 0, 1234567))).toBe('(85) call unknown#1234567');
    expect(one(insn(0x85, 0, 2, 0, 77))).toBe('(85) call kernel-function#77');
    expect(one(insn(0x85, 0, 2, 0, 77), { call: () => 'bpf_obj_new_impl' })).toBe(
      '(85) call bpf_obj_new_impl#77',
    );
    expect(one(insn(0x71, 0, 1, 0, 0))).toBe('(71) r0 = *(u8 *)(r1 +0)');
    expect(one(insn(0x99, 0, 1, 0, 0))).toBe('(99) r0 = *((null) *)(r1 +0)');
    expect(one(insn(0xe3, 1, 2, 0, 0))).toBe('BUG_e3');
    expect(one(insn(0x22, 1, 2, 0, 0))).toBe('BUG_st_22');
    expect(one(insn(0x48, 1, 2, 0, 0))).toBe('(48) r0 = *(u16 *)skb[r2 + 0]');
    expect(one(insn(0x08, 1, 2, 0, 0))).toBe('BUG_ld_08');
  });
});

describe('disassembleKernel', () => {
  it('numbers lines like bpftool prog dump xlated and consumes both ld_imm64 slots', () => {
    const p = [insn(0x18, 1, 0, 0, 1), insn(0, 0, 0, 0, 0), insn(0xb7, 0, 0, 0, 1), insn(0x95, 0, 0, 0, 0)];
    expect(disassembleKernel(p)).toBe('   0: (18) r1 = 0x1\n   2: (b7) r0 = 1\n   3: (95) exit\n');
    expect(disassembleKernel(p, { pc: 'verifier' })).toBe('0: (18) r1 = 0x1\n2: (b7) r0 = 1\n3: (95) exit\n');
    expect(disassembleKernel(p.slice(2), { opcodes: true })).toBe(
      '   0: (b7) r0 = 1\n       b7 00 00 00 01 00 00 00\n   1: (95) exit\n       95 00 00 00 00 00 00 00\n',
    );
  });
  it('golden: every opcode form', async () => {
    const src = [
      'mov %r0, 1',
      'mov32 %r1, -2',
      'add %r1, %r2',
      'sub32 %r1, %r2',
      'mul %r3, 7',
      'div %r3, %r4',
      'sdiv %r3, %r4',
      'mod32 %r3, 5',
      'smod32 %r3, 5',
      'or %r1, 0x10',
      'and32 %r1, %r2',
      'lsh %r1, 3',
      'rsh32 %r1, %r2',
      'neg %r5',
      'neg32 %r5',
      'xor %r6, %r7',
      'arsh %r1, 63',
      'arsh32 %r1, %r2',
      'movsx864 %r1, %r2',
      'movsx1632 %r1, %r2',
      'movsx3264 %r1, %r2',
      'le16 %r1',
      'be32 %r1',
      'be64 %r1',
      'bswap64 %r2',
      'lddw %r1, 0x123456789abcdef0',
      'ldxb %r0, [%r1+0]',
      'ldxh %r0, [%r1+2]',
      'ldxw %r0, [%r1+4]',
      'ldxdw %r0, [%r10-8]',
      'ldxsb %r0, [%r1+1]',
      'ldxsh %r0, [%r1+2]',
      'ldxsw %r0, [%r1+4]',
      'stb [%r10-1], 1',
      'sth [%r10-2], -1',
      'stw [%r10-4], 0x7fffffff',
      'stdw [%r10-8], 0',
      'stxb [%r10-1], %r1',
      'stxh [%r10-2], %r1',
      'stxw [%r10-4], %r1',
      'stxdw [%r10-8], %r1',
      'lock add [%r10-8], %r1',
      'lock or32 [%r10-4], %r1',
      'lock and [%r10-8], %r1',
      'lock xor32 [%r10-4], %r1',
      'lock fetch add [%r10-8], %r1',
      'lock fetch or32 [%r10-4], %r1',
      'lock fetch and [%r10-8], %r1',
      'lock fetch xor32 [%r10-4], %r1',
      'lock xchg [%r10-8], %r1',
      'lock cmpxchg32 [%r10-4], %r1',
      'ldabsb 0x10',
      'ldabsh 12',
      'ldabsw 0',
      'ldindw %r6, 4',
      'jeq %r1, 0x5, +1',
      'jne32 %r1, %r2, -1',
      'jgt %r1, -1, +0',
      'jge32 %r1, 0, +0',
      'jlt %r1, %r2, +0',
      'jle %r1, 3, +0',
      'jset %r1, 0x8, +0',
      'jsgt32 %r1, -5, +0',
      'jsge %r1, %r2, +0',
      'jslt %r1, %r2, +0',
      'jsle32 %r1, 9, +0',
      'ja +0',
      'ja32 +0',
      'may_goto +0',
      'call 1',
      'call 12',
      'call 211',
      'call 212',
      'call local +1',
      'call runtime 33',
      'exit',
      'exit',
    ].join('\n');
    const r = assembleUbpf(src);
    if (!r.ok) throw new Error(r.error);
    const extra = [
      insn(0xdb, 2, 3, 8, 0x100),
      insn(0xcb, 4, 5, -2, 0x110),
      insn(0xbf, 1, 2, 1, 1),
      insn(0x18, 1, 1, 0, 5),
      insn(0, 0, 0, 0, 0),
      insn(0x18, 2, 2, 0, 6),
      insn(0, 0, 0, 0, 16),
      insn(0x18, 3, 4, 0, -3),
      insn(0, 0, 0, 0, 0),
      insn(0x95, 0, 0, 0, 0),
    ];
    const p = [...r.insns, ...extra];
    await expect(disassembleKernel(p)).toMatchFileSnapshot('__golden__/every-opcode.kernel.txt');
    await expect(disassembleKernel(p, { imm: bpftoolImm })).toMatchFileSnapshot(
      '__golden__/every-opcode.bpftool.txt',
    );
  });
});

describe.skipIf(!HAVE_VERIFIER_CORPUS)(
  `agrees with the real 6.18 kernel verifier logs${!HAVE_VERIFIER_CORPUS ? ' (skipped: ../shared absent)' : ''}`,
  () => {
    it('every instruction line printed by the kernel', () => {
      const logs = readKernelLogs();
      let compared = 0;
      const bad: string[] = [];
      for (const l of logs) {
        const insns = decodeRaw(hexToBytes(l.insnsHex) as Uint8Array) as Insn[];
        for (const line of l.log.split('\n')) {
          const m = /^(\d+): (\([0-9a-f]{2}\) .*?)(\s+;.*)?$/.exec(line);
          if (m === null) continue;
          const pc = Number(m[1]);
          const x = insns[pc];
          if (x === undefined) continue;
          // Map pointers (kernel addresses) and kfunc names (BTF) depend on the running kernel.
          if ((x.code === 0x18 && x.src !== 0) || (x.code === 0x85 && x.src === 2)) continue;
          compared++;
          const ours = printBpfInsn(insns, pc);
          // Jump lines may be followed on the same line by the branch target's state ("pc+1 21: R0=..").
          const kernel = m[2] as string;
          const same = kernel === ours || (kernel.startsWith(`${ours} `) && /goto pc[+-]\d+$/.test(ours));
          if (!same) bad.push(`${l.id} pc ${pc}: kernel '${m[2]}' ours '${ours}'`);
        }
      }
      expect(bad.slice(0, 20)).toEqual([]);
      expect(compared).toBeGreaterThan(500);
    });
  },
);
