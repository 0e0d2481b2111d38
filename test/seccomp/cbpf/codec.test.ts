import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFilter, encodeFilter } from '../../../src/seccomp/cbpf/codec.js';
import { jump, type SockFilter, stmt } from '../../../src/seccomp/cbpf/filter.js';
import { ORACLE_DIR } from '../kernel-oracle.js';

const insnArb = fc.record({
  code: fc.integer({ min: 0, max: 0xffff }),
  jt: fc.integer({ min: 0, max: 0xff }),
  jf: fc.integer({ min: 0, max: 0xff }),
  k: fc.integer({ min: 0, max: 0xffffffff }),
});

describe('cBPF codec', () => {
  it('writes struct sock_filter little endian: u16 code, u8 jt, u8 jf, u32 k', () => {
    // BPF_JUMP(BPF_JMP|BPF_JEQ|BPF_K, AUDIT_ARCH_X86_64, 0, 5) as in seccomp-tools' x86_64 header.
    const bytes = encodeFilter([jump(0x15, 0xc000003e, 0, 5), stmt(0x06, 0x7fff0000)]);
    expect([...bytes]).toEqual([
      0x15, 0x00, 0x00, 0x05, 0x3e, 0x00, 0x00, 0xc0, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f,
    ]);
  });

  it('round-trips any instruction list', () => {
    fc.assert(
      fc.property(fc.array(insnArb, { maxLength: 64 }), (filter: SockFilter[]) => {
        const d = decodeFilter(encodeFilter(filter));
        expect(d).toEqual({ ok: true, filter });
      }),
    );
  });

  it('rejects a length that is not a multiple of 8 with a one-line reason', () => {
    const d = decodeFilter(new Uint8Array(12));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error).toMatch(/12 is not a multiple of 8/);
  });

  it('decodes a subarray view at a non-zero offset', () => {
    const bytes = new Uint8Array(24);
    bytes.set(encodeFilter([stmt(0x06, 0x50001)]), 8);
    const d = decodeFilter(bytes.subarray(8, 16));
    expect(d).toEqual({ ok: true, filter: [{ code: 6, jt: 0, jf: 0, k: 0x50001 }] });
  });

  describe.skipIf(!ORACLE_DIR)(
    `files written by gen-validate-cases.py${!ORACLE_DIR ? ' (skipped: needs ../shared)' : ''}`,
    () => {
      it('decodes ok_scratch_alu.bpf as Python struct.pack("<HBBI") wrote it', () => {
        const bytes = readFileSync(join(ORACLE_DIR as string, 'tests/validate/ok_scratch_alu.bpf'));
        const d = decodeFilter(bytes);
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        // From gen-validate-cases.py: I(LD_W_ABS,k=0), I(ST,k=3), I(LD_IMM,k=7), I(ALU_XOR_K,k=5), I(TAX),
        // I(LD_MEM,k=3), I(JSET_K,0,1,0x1), I(RET_A), I(TXA), I(ALU_NEG), I(RET_K,k=ALLOW)
        expect(d.filter.map((i) => [i.code, i.jt, i.jf, i.k])).toEqual([
          [0x20, 0, 0, 0],
          [0x02, 0, 0, 3],
          [0x00, 0, 0, 7],
          [0xa4, 0, 0, 5],
          [0x07, 0, 0, 0],
          [0x60, 0, 0, 3],
          [0x45, 0, 1, 1],
          [0x16, 0, 0, 0],
          [0x87, 0, 0, 0],
          [0x84, 0, 0, 0],
          [0x06, 0, 0, 0x7fff0000],
        ]);
        expect(encodeFilter(d.filter)).toEqual(new Uint8Array(bytes));
      });
    },
  );
});
