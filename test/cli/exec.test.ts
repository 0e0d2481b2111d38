import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<CliRun> {
  return runCli(argv, dir);
}
const file = (name: string, content: string | Uint8Array): string => {
  writeFileSync(join(dir, name), content);
  return name;
};

describe('bpfsim exec', () => {
  it('runs assembly on both engines with R1 = the buffer and R2 = its length', async () => {
    const f = file('len.s', 'r0 = r2\nr0 *= 3\nexit\n');
    const r = await run('exec', f, '--mem', '01 02 03 04 05');
    expect(r.status).toBe(0);
    expect(r.out).toBe('interp  r0 = 0xf (15)  3 insns\njit     r0 = 0xf (15)  3 insns\n');
  });
  it('reads hex instruction text and raw bytes alike', async () => {
    // r0 = 42; exit
    const hex = file('p.hex', 'b70000002a000000\n9500000000000000\n');
    const raw = file('p.bin', new Uint8Array([0xb7, 0, 0, 0, 0x2a, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    for (const f of [hex, raw])
      expect((await run('exec', f, '--engine', 'jit')).out).toBe('jit     r0 = 0x2a (42)  2 insns\n');
  });
  it('traces each executed instruction with the registers it changed', async () => {
    const f = file('t.s', 'r0 = *(u16 *)(r1 +0)\nr0 = be16 r0\nexit\n');
    const r = await run('exec', f, '--mem', '45 00', '--trace', '--engine', 'interp');
    expect(r.out.split('\n').slice(0, 3)).toEqual([
      '0: (69) r0 = *(u16 *)(r1 +0)             ; r0=0x45',
      '1: (dc) r0 = be16 r0                     ; r0=0x4500',
      '2: (95) exit',
    ]);
    const j = JSON.parse((await run('-j', 'exec', f, '--mem', '45 00', '--trace')).out);
    expect(j.results.map((x: { r0: string }) => x.r0)).toEqual(['0x4500', '0x4500']);
    expect(j.trace[1]).toEqual({ pc: 1, insn: 'r0 = be16 r0', changes: { r0: '0x4500' } });
  });
  it('reports a fault with its pc and address, exit status 1', async () => {
    const f = file('f.s', 'r0 = *(u32 *)(r1 +8)\nexit\n');
    const r = await run('exec', f, '--mem', '00 00');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/^interp {2}fault at pc 0: invalid read of 4 bytes at 0x[0-9a-f]+\n/);
  });
  it('stops an endless loop at the budget', async () => {
    const f = file('loop.s', 'L: goto L\nexit\n');
    const r = await run('exec', f, '--budget', '1000');
    expect(r.status).toBe(1);
    expect(r.out).toContain('instruction budget exhausted at pc 0 after 1000 insns');
  });
  it('gives one line for malformed input, never a stack trace', async () => {
    const cases: [string, string[]][] = [
      [file('bad.s', 'r0 = = 1\nexit\n'), []],
      [file('trunc.bin', new Uint8Array([0xb7, 0, 0, 0])), []],
      [file('ok.s', 'exit\n'), ['--engine', 'fast']],
      [file('ok2.s', 'exit\n'), ['--mem', 'zz']],
      [file('jmp.hex', '0500050000000000\n9500000000000000\n'), []],
      ['missing.s', []],
    ];
    for (const [f, opts] of cases) {
      const r = await run('exec', f, ...opts);
      expect(r.status, f).not.toBe(0);
      expect(r.err.trim().split('\n'), f).toHaveLength(1);
      expect(r.err, f).not.toMatch(/\n\s+at /);
    }
  });
});
