/**
 * The structural passes of verifier.c (the first part of the default verifier hook) with the kernel's messages. The
 * expected lines are those the 6.18 kernel printed (kernel-facts.md, basic.out.jsonl).
 */
import { describe, expect, it } from 'vitest';
import { encodeRaw, insn } from '../../src/isa/insn.js';
import { BpfError } from '../../src/kernel/errors.js';
import { structuralCheck } from '../../src/kernel/verifier-hook.js';
import { setup } from './helpers.js';

function loadErr(insns: ReturnType<typeof insn>[], bpfCap = true): { errno: number; log: string } {
  const { kernel } = setup({ unprivilegedBpfDisabled: 0 });
  const task = kernel.spawn(bpfCap ? { uid: 0, caps: 'all' } : { uid: 1000 });
  try {
    task.loadProgram({ type: 'socket_filter', insns: encodeRaw(insns), logLevel: 1 });
  } catch (e) {
    if (e instanceof BpfError) return { errno: e.errno, log: e.log };
    throw e;
  }
  return { errno: 0, log: '' };
}

const EXIT = insn(0x95, 0, 0, 0, 0);
const MOV0 = insn(0xb7, 0, 0, 0, 0);
const SUMMARY =
  'processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';

describe('structural passes (first part of the default verifier hook)', () => {
  it('matches the kernel’s messages and errnos', () => {
    expect(loadErr([MOV0])).toEqual({ errno: 22, log: `last insn is not an exit or jmp\n${SUMMARY}` });
    expect(loadErr([insn(0x05, 0, 0, 5, 0), EXIT])).toEqual({
      errno: 22,
      log: `jump out of range from insn 0 to 6\n${SUMMARY}`,
    });
    expect(loadErr([MOV0, EXIT, EXIT])).toEqual({ errno: 22, log: `unreachable insn 2\n${SUMMARY}` });
    expect(loadErr([insn(0x05, 0, 0, -1, 0), EXIT])).toEqual({
      errno: 22,
      log: `unreachable insn 1\n${SUMMARY}`,
    });
    expect(loadErr([insn(0x18, 1, 1, 0, 999), insn(0, 0, 0, 0, 0), MOV0, EXIT])).toEqual({
      errno: 9,
      log: `fd 999 is not pointing to valid bpf_map\n${SUMMARY}`,
    });
  });
  it('rejects malformed ld_imm64, unknown opcodes and reserved LDX modes', () => {
    expect(loadErr([insn(0x18, 0, 0, 0, 0), MOV0, EXIT]).log).toBe(`invalid bpf_ld_imm64 insn\n${SUMMARY}`);
    expect(loadErr([insn(0xff, 0, 0, 0, 0), EXIT]).log).toBe(`unknown opcode ff\n${SUMMARY}`);
    expect(loadErr([insn(0x41, 0, 1, 0, 0), EXIT]).log).toBe(`BPF_LDX uses reserved fields\n${SUMMARY}`);
  });
  it('rejects back-edges only for unprivileged loaders', () => {
    const loop = [MOV0, insn(0x07, 0, 0, 0, 1), insn(0xa5, 0, 0, -2, 10), EXIT];
    expect(loadErr(loop, false).log).toBe(`back-edge from insn 2 to 1\n${SUMMARY}`);
    expect(loadErr(loop, true).errno).toBe(0);
  });
  it('is followed by the main pass: the default hook is the full verifier', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'socket_filter', insns: encodeRaw([MOV0, EXIT]), logLevel: 2 });
    expect(p.log).not.toContain('checked structurally only');
    expect(p.log).toContain('1: (95) exit\n');
    expect(p.verifiedInsns).toBe(2);
  });
  it('alone (structuralCheck as the hook) says that the program was only checked structurally', () => {
    const { task } = setup({ verifier: structuralCheck });
    const p = task.loadProgram({ type: 'socket_filter', insns: encodeRaw([MOV0, EXIT]), logLevel: 1 });
    expect(p.log).toContain('checked structurally only');
  });
});
