/**
 * BPF audit records on the persistent kernel: the state's audit store is the audit daemon, so
 * `prog load` writes `prog-id=N op=LOAD` once (not again when later runs replay the journal), and
 * serial numbers continue from one invocation to the next.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-auditbpf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...argv: string[]) => runCli(argv, dir, { BPFSIM_STATE: join(dir, 'state') });

describe('bpfsim audit --type BPF', () => {
  it('shows one LOAD record per loaded program, with increasing serials', async () => {
    writeFileSync(join(dir, 'ok.s'), 'r0 = 0\nexit\n');
    expect((await run('prog', 'load', 'ok.s', '/sys/fs/bpf/a')).status).toBe(0);
    expect((await run('prog', 'load', 'ok.s', '/sys/fs/bpf/b')).status).toBe(0);
    const r = await run('audit', '--type', 'BPF');
    expect(r.status).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/^type=BPF msg=audit\(\d+\.\d{3}:\d+\): /, ''))).toEqual([
      'prog-id=1 op=LOAD',
      'prog-id=2 op=LOAD',
    ]);
    const serials = lines.map((l) => Number(/:(\d+)\)/.exec(l)?.[1]));
    expect(serials[1]).toBeGreaterThan(serials[0] as number);
    const j = JSON.parse((await run('audit', '--type', 'BPF', '--json')).out.split('\n')[0] as string);
    expect(j).toMatchObject({ type: 'BPF', syscall: 'bpf', nr: 321 });
    expect(j.action).toBeUndefined();
    expect((await run('audit', '--type', 'SECCOMP')).out).toBe('');
    expect((await run('audit', '--type', 'NOPE')).status).toBe(2);
  });
});
