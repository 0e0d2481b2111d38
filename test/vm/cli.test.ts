/**
 * The VM's CLI commands: `bpfsim conformance` (src/cli/commands/conformance.ts) and
 * `bpfsim bench alu-loop` (src/cli/bench/alu-loop.ts), run in-process with string sinks.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

const ROOT = resolve(import.meta.dirname, '../..');

function io(cwd = ROOT) {
  const out: string[] = [];
  const err: string[] = [];
  const sink: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), errIsTty: false, cwd, env: {} };
  return { sink, out, err };
}

describe('bpfsim conformance', () => {
  it('runs a directory and ends with "N passed, M failed"', async () => {
    const { sink, out } = io();
    const status = await main(
      ['conformance', '--engine', 'interp', 'test/fixtures/bpf-conformance/tests'],
      sink,
    );
    expect(status).toBe(0);
    expect(out.join('').trimEnd().split('\n').at(-1)).toBe('313 passed, 0 failed');
  });

  it('prints one FAIL line per failure and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-conf-'));
    writeFileSync(join(dir, 'bad.data'), '-- asm\nmov %r0, 3\nexit\n-- result\n0x2\n');
    writeFileSync(join(dir, 'good.data'), '-- asm\nmov %r0, 2\nexit\n-- result\n0x2\n');
    const { sink, out } = io(dir);
    const status = await main(['conformance', '.'], sink);
    expect(status).toBe(1);
    expect(out.join('')).toBe('FAIL bad.data: expected 0x2, got 0x3\n1 passed, 1 failed\n');
  });

  it('reports a missing path as one line on stderr', async () => {
    const { sink, err } = io();
    expect(await main(['conformance', 'no/such/dir'], sink)).toBe(1);
    expect(err.join('')).toMatch(/^bpfsim: cannot read '.*no\/such\/dir': no such file or directory\n$/);
  });

  it('prints JSON with -j', async () => {
    const { sink, out } = io();
    await main(['-j', 'conformance', 'test/fixtures/bpf-conformance/negative'], sink);
    const obj = JSON.parse(out.join(''));
    expect(obj).toMatchObject({ engine: 'jit', passed: 56, failed: 1, skipped: 3 });
    expect(obj.negative.exact_error_matches).toBe(2);
  });
});

describe('bpfsim bench alu-loop', () => {
  it('prints the engine, instruction count and the checked r0 as JSON', async () => {
    const { sink, out } = io();
    const status = await main(['bench', 'alu-loop', '--engine', 'interp', '--n', '1000', '--json'], sink);
    expect(status).toBe(0);
    const obj = JSON.parse(out.join(''));
    let r0 = 0n;
    let r1 = 1n;
    for (let i = 0; i < 1000; i++) {
      r0 = BigInt.asUintN(64, r0 + r1);
      r1 ^= r0;
    }
    expect(obj).toMatchObject({ engine: 'interp', insns: 4 * 1000 + 4, r0: `0x${r0.toString(16)}` });
    expect(obj.ns_per_insn).toBeGreaterThan(0);
  });

  it('rejects an unknown engine', async () => {
    const { sink, err } = io();
    expect(await main(['bench', 'alu-loop', '--engine', 'llvm'], sink)).toBe(2);
    expect(err.join('')).toBe("bpfsim: unknown engine 'llvm' (interp or jit)\n");
  });
});
