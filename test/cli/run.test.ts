import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const root = resolve(import.meta.dirname, '../..');

describe('bpfsim run', () => {
  it('nebula under Docker’s default profile: every call, a summary, exit 0', async () => {
    const r = await runCli(['run', 'nebula', '--profile', 'data/seccomp/moby-default.json'], root);
    expect(r.status).toBe(0);
    expect(r.out).toContain(
      'ioctl(3, TUNSETIFF, {ifr_name="nebula1", ifr_flags=IFF_TUN|IFF_MULTI_QUEUE|IFF_NO_PI}) = 0',
    );
    expect(r.out).toContain('ioctl(4, SIOCSIFMTU, {ifr_name="nebula1", ifr_mtu=1300}) = 0');
    expect(r.out).toContain('bind(5, {0.0.0.0:4242}, 16) = 0');
    expect(r.out).toMatch(/summary: nebula: 34 syscalls \(ALLOW 34\)/);
    expect(r.out).toContain('verdict: the workload ran to its end');
  });

  it('nebula under the tight example profile: killed at socket(AF_NETLINK), exit 1', async () => {
    const r = await runCli(['run', 'nebula', '--profile', 'examples/nebula-tight.json'], root);
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      'socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = killed by SIGSYS  <KILL_PROCESS',
    );
    expect(r.out).toContain(
      'killed: pid 1 nebula at call 11, socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE): KILL_PROCESS',
    );
    expect(r.out).toContain('verdict: the workload FAILED');
  });

  it('--json: one object per syscall, then the summary', async () => {
    const r = await runCli(['run', 'shell', '--json'], root);
    expect(r.status).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(17);
    expect(lines[2]).toMatchObject({
      seq: 3,
      pid: 2,
      comm: 'ls',
      syscall: 'execve',
      nr: 59,
      action: 'ALLOW',
      ret: 0,
    });
    expect(lines[3]).toMatchObject({ syscall: 'openat', ret: -2, errno: 'ENOENT' });
    expect(lines[16]).toMatchObject({
      summary: { workload: 'shell', syscalls: 16, killed: null, deadlock: false },
    });
  });

  it('runs a script file (the example web server) and reads JSON-lines scripts', async () => {
    const r = await runCli(['run', 'examples/web-server.workload.json', '--quiet'], root);
    expect(r.status).toBe(0);
    expect(r.out).toContain('summary: web-server: 25 syscalls (ALLOW 25)');
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-run-'));
    writeFileSync(
      join(dir, 's.jsonl'),
      '{"call": "openat", "args": ["AT_FDCWD", {"str": "/etc/hostname"}, "O_RDONLY"], "as": "fd"}\n{"call": "read", "args": ["$fd", {"buf": 64}, 64]}\n',
    );
    const s = await runCli(['run', 's.jsonl'], dir);
    expect(s.status).toBe(0);
    expect(s.out).toContain('read(3, "bpfsim\\n", 64) = 7');
  });

  it('bad input exits 2', async () => {
    expect((await runCli(['run'], root)).status).toBe(2);
    expect((await runCli(['run', 'no-such-workload'], root)).status).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-run-'));
    writeFileSync(join(dir, 'bad.jsonl'), '{"call": "openat", "args": ["O_NOPE"]}\n');
    const r = await runCli(['run', 'bad.jsonl'], dir);
    expect(r.status).toBe(2);
    expect(r.err).toContain('unknown name "O_NOPE"');
    expect((await runCli(['run', 'nebula', '--arch', 'aarch64'], root)).status).toBe(2);
  });

  it('bpfsim bench trace replays the example trace through filter and engine', async () => {
    const r = await runCli(['bench', 'trace', '--calls', '20000', '--json'], root);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.out) as {
      replayed: number;
      traced_calls: number;
      syscalls_per_s: number;
      actions: Record<string, number>;
    };
    expect(j.replayed).toBe(20000);
    expect(j.traced_calls).toBeGreaterThan(200);
    expect(Object.values(j.actions).reduce((a, b) => a + b, 0)).toBe(20000);
    expect(j.syscalls_per_s).toBeGreaterThan(0);
  });
});
