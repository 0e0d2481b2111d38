import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelUnavailable } from '../kernel/backend/env.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};
const run = (...argv: string[]) => runCli(argv, dir);

describe('bpfsim verify', () => {
  it("on the emulator: prints bpfsim's verifier log in the kernel's format and the verdict", async () => {
    const r = await run('verify', file('ok.s', 'r0 = 0\nexit\n'));
    expect(r.status).toBe(0);
    // as Linux: an accepted program's level-1 log keeps only the statistics
    expect(r.out).toBe(
      'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n' +
        'verdict: accept\n',
    );
    const l2 = await run('verify', file('ok.s', 'r0 = 0\nexit\n'), '--log-level', '2');
    expect(l2.out).toContain(
      '0: R1=ctx() R10=fp0\n0: (b7) r0 = 0                        ; R0=0\n1: (95) exit\n',
    );
    const uninit = await run('verify', file('uninit.s', 'r0 = r2\nexit\n'));
    expect(uninit).toMatchObject({ status: 1 });
    expect(uninit.out).toContain('0: (bf) r0 = r2\nR2 !read_ok\n');
    expect(uninit.out).toMatch(/verdict: reject \(EACCES\)\n$/);
    const bad = await run('verify', file('bad.s', 'r0 = 0\n'));
    expect(bad).toMatchObject({ status: 1 });
    expect(bad.out).toContain('last insn is not an exit or jmp');
    expect(bad.out).toMatch(/verdict: reject \(EINVAL\)\n$/);
  });
  it('gives one line for bad input', async () => {
    for (const argv of [
      ['verify'],
      ['verify', 'missing.s'],
      ['verify', file('x.s', 'exit\n'), '--type', 'nosuch'],
      ['verify', file('y.s', 'exit\n'), '--backend', 'qemu'],
      ['verify', file('z.s', 'r0 = = 1\n')],
    ]) {
      const r = await run(...argv);
      expect(r.status, argv.join(' ')).not.toBe(0);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});

const why = await kernelUnavailable();
describe.skipIf(why !== undefined)(
  `bpfsim verify --backend kernel${why === undefined ? '' : ` (skipped: ${why})`}`,
  () => {
    it("prints Linux's own verifier log and verdict", async () => {
      const ok = await run(
        'verify',
        file('k-ok.s', 'r0 = 0\nexit\n'),
        '--backend',
        'kernel',
        '--log-level',
        '2',
      );
      expect(ok.status).toBe(0);
      expect(ok.out).toContain('0: (b7) r0 = 0                        ; R0=0\n');
      expect(ok.out).toMatch(/processed 2 insns \(limit 1000000\)/);
      const bad = await run('-j', 'verify', file('k-bad.s', 'r1 = r2\nexit\n'), '--backend', 'kernel');
      expect(bad.status).toBe(1);
      const j = JSON.parse(bad.out);
      expect(j).toMatchObject({ backend: 'kernel', verdict: 'reject', errno: 'EACCES', verified_insns: 1 });
      expect(j.log).toContain('R2 !read_ok');
    });
  },
);
