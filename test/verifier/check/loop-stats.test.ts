/**
 * The bounded loop of the verifier benchmark (`bpfsim bench verifier`): bpfsim must process the
 * same number of instructions and keep the same state counts as Linux (log_level 4 statistics).
 */
import { describe, expect, it } from 'vitest';
import { aluLoopProgram } from '../../../src/cli/bench/alu-loop.js';
import { encodeRaw } from '../../../src/isa/insn.js';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { EmulatedHost } from '../../../src/kernel/emulated-host.js';
import { loadWithLog } from '../../../src/kernel/host-load.js';
import { kernelUnavailable } from '../../kernel/backend/env.js';

const why = await kernelUnavailable();
const stats = (log: string): string => log.trim().split('\n').pop() ?? '';

describe('verifier statistics on the bounded loop', () => {
  it('processes 800004 insns for N = 200000 with 10001 states, as Linux 6.18 does', () => {
    const raw = encodeRaw(aluLoopProgram(200_000).insns);
    const r = loadWithLog(EmulatedHost.create({ seed: 1 }), raw, 1, 4, 'GPL');
    expect(r.ret).toBeGreaterThanOrEqual(0);
    expect(stats(r.log)).toBe(
      'processed 800004 insns (limit 1000000) max_states_per_insn 4 total_states 10001 peak_states 10001 mark_read 0',
    );
    expect(r.log).toContain('stack depth 0\n');
  });
  it('rejects N = 250000 at the complexity limit with E2BIG', () => {
    const raw = encodeRaw(aluLoopProgram(250_000).insns);
    // level 4: statistics only (a level-1 log of a million insns would not fit: ENOSPC, as in Linux)
    const r = loadWithLog(EmulatedHost.create({ seed: 1 }), raw, 1, 4, 'GPL');
    expect(r.ret).toBe(-7);
    expect(r.log).toContain('BPF program is too large. Processed 1000001 insn\n');
  });
  it.skipIf(why !== undefined)(
    `gives the kernel's statistics line for several N${why ? ` (skipped: ${why})` : ''}`,
    async () => {
      const host = await KernelHost.open();
      try {
        for (const n of [1, 7, 100, 5000, 30_000]) {
          const raw = encodeRaw(aluLoopProgram(n).insns);
          const k = loadWithLog(host, raw, 1, 4, 'GPL');
          const e = loadWithLog(EmulatedHost.create({ seed: 1 }), raw, 1, 4, 'GPL');
          expect(stats(e.log), `N=${n}`).toBe(stats(k.log));
        }
      } finally {
        host.dispose();
      }
    },
  );
});
