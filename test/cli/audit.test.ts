import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'bpfsim-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const state = join(dir, 'state');
const run = (...argv: string[]) => runCli(argv, root, { BPFSIM_STATE: state });

describe('bpfsim audit', () => {
  it('prints nothing for an empty store', async () => {
    expect(await run('audit')).toEqual({ status: 0, out: '', err: '' });
  });
  it('shows the records `seccomp check --audit` wrote, with filters', async () => {
    const chk = await run(
      'seccomp',
      'check',
      'examples/no-listing-profile.json',
      '--trace',
      'examples/sh-ls-cat.strace',
      '--audit',
    );
    expect(chk.status).toBe(1);
    const all = await run('audit');
    expect(all.out).toMatch(
      /^type=SECCOMP msg=audit\(\d+\.\d{3}:1\): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=11949 comm="ls" exe="\/usr\/bin\/ls" sig=31 arch=c000003e syscall=217 compat=0 ip=0x0 code=0x80000000\n$/,
    );
    const j = JSON.parse((await run('-j', 'audit', '--syscall', 'getdents64')).out);
    expect(j).toMatchObject({
      pid: 11949,
      syscall: 'getdents64',
      nr: 217,
      action: 'KILL_PROCESS',
      code: '0x80000000',
    });
    expect((await run('audit', '--pid', '1')).out).toBe('');
    expect((await run('audit', '--action', 'ERRNO')).out).toBe('');
  });
  it('gives one line for bad options', async () => {
    for (const argv of [
      ['audit', '--pid', 'x'],
      ['audit', '--syscall', 'nosuch'],
      ['audit', '--action', 'MAYBE'],
      ['audit', 'extra'],
    ]) {
      const r = await run(...argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
