/**
 * The loader's structural checks (kernel/bpf/verifier.c do_check reserved fields, check_subprogs
 * jump ranges, ld_imm64 pairing): bad programs give a VmLoadError naming the instruction, never a
 * crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRaw, type Insn, insn } from '../../src/isa/insn.js';
import { loadProgram, loadProgramBytes, runProgram, VmLoadError } from '../../src/vm/index.js';
import { I } from './util.js';

function loadError(insns: Insn[], allowCallx = false): string {
  try {
    loadProgram(insns, { allowCallx });
  } catch (e) {
    expect(e).toBeInstanceOf(VmLoadError);
    return (e as Error).message;
  }
  return 'loaded';
}

describe('loadProgram', () => {
  it('rejects an empty program', () => {
    expect(loadError([])).toBe('empty program');
  });

  it('loads raw bpf_insn bytes and rejects a length that is not a multiple of 8', () => {
    const bytes = encodeRaw([I.mov64k(0, 42), I.exit()]);
    expect(runProgram(loadProgramBytes(bytes))).toMatchObject({ kind: 'exit', r0: 42n });
    expect(() => loadProgramBytes(bytes.subarray(0, 12))).toThrow(
      'program length 12 is not a multiple of 8 bytes',
    );
  });

  it('rejects unknown opcodes with the kernel message (checked on Linux 6.18)', () => {
    expect(loadError([insn(0xe7, 0, 0, 0, 0), I.exit()])).toBe('insn 0: unknown opcode e7');
    expect(loadError([insn(0xf5, 0, 0, 0, 0), I.exit()])).toBe('insn 0: unknown opcode f5');
    expect(loadError([insn(0x99, 0, 1, 0, 0), I.exit()])).toBe('insn 0: unknown opcode 99');
    expect(loadError([insn(0x00, 0, 0, 0, 0), I.exit()])).toBe('insn 0: unknown opcode 00');
  });

  it('rejects reserved fields in use, as the kernel does', () => {
    expect(loadError([insn(0x07, 0, 1, 0, 1), I.exit()])).toBe('insn 0: BPF_ALU uses reserved fields');
    expect(loadError([insn(0x0f, 0, 0, 0, 1), I.exit()])).toBe('insn 0: BPF_ALU uses reserved fields');
    expect(loadError([insn(0x95, 1, 0, 0, 0)])).toBe('insn 0: BPF_EXIT uses reserved fields');
    expect(loadError([insn(0x85, 1, 0, 0, 0), I.exit()])).toBe('insn 0: BPF_CALL uses reserved fields');
    expect(loadError([insn(0x05, 0, 0, 0, 1), I.exit()])).toBe('insn 0: BPF_JA uses reserved fields');
    expect(loadError([insn(0x79, 0, 10, -8, 1), I.exit()])).toBe('insn 0: BPF_LDX uses reserved fields');
    expect(loadError([insn(0x7a, 10, 1, -8, 0), I.exit()])).toBe('insn 0: BPF_ST uses reserved fields');
    expect(loadError([insn(0xdc, 0, 0, 0, 24), I.exit()])).toBe('insn 0: BPF_END uses reserved fields');
    expect(loadError([insn(0xbc, 0, 1, 32, 0), I.exit()])).toBe('insn 0: BPF_MOV uses reserved fields');
  });

  it('names kfunc calls, which the VM cannot run', () => {
    expect(loadError([insn(0x85, 0, 2, 0, 1234), I.exit()])).toBe(
      'insn 0: kfunc call (btf id 1234) is not supported by the VM',
    );
  });

  it('rejects writes to R10 and registers above R10', () => {
    expect(loadError([I.mov64k(10, 0), I.exit()])).toBe('insn 0: frame pointer is read only');
    expect(loadError([I.mov64(0, 11), I.exit()])).toBe('insn 0: R11 is invalid');
    // atomic fetch forms write the old value into src (message checked on Linux 6.18).
    expect(loadError([insn(0xdb, 10, 10, -8, 0x01), I.exit()])).toBe('insn 0: frame pointer is read only');
  });

  it('rejects jumps out of range, into an ld_imm64, and a truncated ld_imm64', () => {
    expect(loadError([I.ja(5), I.exit()])).toBe('insn 0: jump out of range from insn 0 to 6');
    expect(loadError([I.ja(-2), I.exit()])).toBe('insn 0: jump out of range from insn 0 to -1');
    expect(loadError([I.ja(1), ...I.ld64(0, 1n), I.exit()])).toBe(
      'insn 0: jump out of range from insn 0 to 2',
    );
    expect(loadError([I.exit(), insn(0x18, 0, 0, 0, 1)])).toBe(
      'insn 1: BPF_LD_IMM64 is truncated (missing its second slot)',
    );
    expect(loadError([insn(0x18, 0, 0, 0, 1), insn(0x07, 0, 0, 0, 1), I.exit()])).toBe(
      'insn 0: invalid bpf_ld_imm64 insn',
    );
  });

  it('requires each subprogram to end with exit or ja and keeps jumps inside it', () => {
    expect(loadError([I.mov64k(0, 0)])).toBe('insn 0: last insn is not an exit or jmp');
    expect(loadError([I.callLocal(2), I.exit(), I.mov64k(0, 0), I.exit()])).toBe(
      'insn 2: last insn is not an exit or jmp',
    );
    expect(loadError([I.callLocal(1), I.ja(1), I.mov64k(0, 0), I.exit()])).toBe(
      'insn 1: jump out of range from insn 1 to 3',
    );
  });

  it('accepts callx (BPF_JMP | BPF_CALL | BPF_X) only when allowed (uBPF extension)', () => {
    expect(loadError([insn(0x8d, 2, 0, 0, 0), I.exit()])).toBe('insn 0: unknown opcode 8d');
    expect(loadError([insn(0x8d, 2, 0, 0, 0), I.exit()], true)).toBe('loaded');
  });

  it('never throws anything but VmLoadError, and loaded programs always run to a result', () => {
    const slot = fc.record({
      code: fc.nat(255),
      dst: fc.nat(15),
      src: fc.nat(15),
      off: fc.integer({ min: -4, max: 4 }),
      imm: fc.oneof(fc.integer({ min: -4, max: 300 }), fc.constantFrom(16, 32, 64, 0x100, 0x110, 0xe1, 0xf1)),
    });
    fc.assert(
      fc.property(fc.array(slot, { maxLength: 12 }), (slots) => {
        const insns = slots.map((s) => insn(s.code, s.dst, s.src, s.off, s.imm));
        insns.push(I.exit());
        let prog: ReturnType<typeof loadProgram>;
        try {
          prog = loadProgram(insns);
        } catch (e) {
          expect(e).toBeInstanceOf(VmLoadError);
          return;
        }
        for (const engine of ['interp', 'jit'] as const) {
          const res = runProgram(prog, { engine, budget: 200 });
          expect(['exit', 'fault', 'budget']).toContain(res.kind);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
