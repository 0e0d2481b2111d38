/**
 * `bpfsim sysctl`: sysctl(8)'s words and output on the persistent kernel; writes follow the
 * kernel's rules and persist, and they change what later commands may do.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-sysctl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...argv: string[]) => runCli(argv, dir, { BPFSIM_STATE: join(dir, 'state') });

describe('bpfsim sysctl', () => {
  it('lists the bpf sysctls as sysctl -a does', async () => {
    const r = await run('sysctl');
    expect(r.status).toBe(0);
    expect(r.out).toContain('kernel.unprivileged_bpf_disabled = 2\n');
    expect(r.out).toContain('net.core.bpf_jit_enable = 1\n');
  });
  it('writes with -w, keeps the value for the next invocation, and enforces the kernel rules', async () => {
    expect((await run('sysctl', '-w', 'net.core.bpf_jit_harden=1')).out).toBe(
      'net.core.bpf_jit_harden = 1\n',
    );
    expect((await run('sysctl', 'net.core.bpf_jit_harden')).out).toBe('net.core.bpf_jit_harden = 1\n');
    const range = await run('sysctl', '-w', 'net.core.bpf_jit_harden=7');
    expect(range.status).toBe(1);
    expect(range.err).toBe('sysctl: setting key "net.core.bpf_jit_harden": Invalid argument\n');
    expect((await run('sysctl', '-w', 'kernel.unprivileged_bpf_disabled=1')).status).toBe(0);
    const sticky = await run('sysctl', '-w', 'kernel.unprivileged_bpf_disabled=0');
    expect(sticky.status).toBe(1);
    expect(sticky.err).toBe('sysctl: permission denied on key "kernel.unprivileged_bpf_disabled"\n');
    expect((await run('sysctl', '/proc/sys/kernel/unprivileged_bpf_disabled')).out).toBe(
      'kernel.unprivileged_bpf_disabled = 1\n',
    );
  });
  it('gives one line for an unknown key', async () => {
    const r = await run('sysctl', 'kernel.nope');
    expect(r.status).toBe(1);
    expect(r.err).toBe('sysctl: cannot stat /proc/sys/kernel/nope: No such file or directory\n');
  });
});
