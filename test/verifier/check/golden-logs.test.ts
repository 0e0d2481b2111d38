/**
 * Golden verifier logs: each program in test/fixtures/verifier-logs is verified by bpfsim at the
 * log levels that have a golden file (NAME.L1.log, NAME.L2.log), and the output of `bpfsim verify`
 * must equal the file byte for byte. The golden files are the real Linux 6.18 kernel's output; when
 * this machine's kernel can answer, the test asks it again so a golden file cannot drift from Linux.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run-cli.js';
import { kernelUnavailable } from '../../kernel/backend/env.js';

const DIR = resolve(import.meta.dirname, '../../fixtures/verifier-logs');
const programs = readdirSync(DIR).filter((f) => f.endsWith('.s'));
const why = await kernelUnavailable();

function typeOf(src: string): string {
  const m = /^; (\w+):/.exec(src);
  return m?.[1] ?? 'socket_filter';
}

describe('golden verifier logs', () => {
  it('has golden files for most programs', () => {
    const goldens = readdirSync(DIR).filter((f) => f.endsWith('.log'));
    expect(goldens.length).toBeGreaterThanOrEqual(16);
  });
  for (const p of programs) {
    const base = p.replace(/\.s$/, '');
    for (const level of [1, 2]) {
      const golden = join(DIR, `${base}.L${level}.log`);
      if (!existsSync(golden)) continue;
      it(`${base} at log level ${level}`, async () => {
        const type = typeOf(readFileSync(join(DIR, p), 'utf8'));
        const want = readFileSync(golden, 'utf8');
        const ours = await runCli(['verify', p, '--type', type, '--log-level', String(level)], DIR);
        expect(ours.out).toBe(want);
        expect(ours.status).toBe(want.endsWith('verdict: accept\n') ? 0 : 1);
      });
      it.skipIf(why !== undefined)(
        `${base} at log level ${level}: the golden file is still what Linux prints${why ? ` (skipped: ${why})` : ''}`,
        async () => {
          const type = typeOf(readFileSync(join(DIR, p), 'utf8'));
          const k = await runCli(
            ['verify', p, '--type', type, '--log-level', String(level), '--backend', 'kernel'],
            DIR,
          );
          expect(k.out).toBe(readFileSync(golden, 'utf8'));
        },
      );
    }
  }
  it('detects an infinite loop at the instruction where the state repeats', async () => {
    const r = await runCli(['verify', 'infinite-loop.s'], DIR);
    expect(r.status).toBe(1);
    expect(r.out).toContain('infinite loop detected at insn 1\ncur state: R0=0 R1=ctx() R10=fp0\n');
    // the branch decided by R0 made it precise in the old state (mark_chain_precision)
    expect(r.out).toContain('old state: R0=P0 R1=ctx() R10=fp0\n');
    expect(r.out).toMatch(/verdict: reject \(EINVAL\)\n$/);
  });
});
