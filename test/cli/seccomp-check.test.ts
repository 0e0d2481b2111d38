/**
 * `bpfsim seccomp check`: the CLI's output and exit status, and its decisions against the real
 * kernel: a command traced without a filter is checked by bpfsim, then run under the very filter
 * (loaded with seccomp(2) by a tiny python3 loader) and traced again; the calls the kernel denied
 * and the processes it killed must be the ones bpfsim predicted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStrace } from '../../src/kernel/strace/parse.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array): string => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};

const PROFILE = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [
    { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    { names: ['uname'], action: 'SCMP_ACT_KILL_PROCESS' },
  ],
};

describe('bpfsim seccomp check', () => {
  const profile = file('p.json', JSON.stringify(PROFILE));
  const trace = file(
    't.txt',
    [
      '10 execve("/bin/sh", ["sh"], 0x7ffd /* 3 vars */) = 0',
      '10 mkdir("/tmp/a", 0777) = 0',
      '10 uname({sysname="Linux", ...}) = 0',
      '10 write(1, "Linux\\n", 6) = 6',
      '10 exit_group(0) = ?',
      '10 +++ exited with 0 +++',
    ].join('\n'),
  );
  it('lists the calls that are not simply allowed, a summary and a verdict; exit 1 when the run fails', async () => {
    const r = await runCli(['seccomp', 'check', profile, '--trace', trace], dir);
    expect(r.status).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^ +2 {2}10 +mkdir +ERRNO\(1\) +syscalls\[0\] {2}\(succeeded in the trace\)$/);
    expect(lines[2]).toMatch(/^ +3 {2}10 +uname +KILL_PROCESS +syscalls\[1\]$/);
    expect(lines[3]).toMatch(/write .*never reached: killed before/);
    expect(r.out).toContain('first kill: line 3, pid 10, uname: KILL_PROCESS\n');
    expect(r.out).toContain('denied: mkdir EPERM x1 (succeeded in the trace at line 2)\n');
    expect(lines.at(-1)).toBe('verdict: the program would FAIL under this profile');
  });
  it('prints one JSON object per call and a summary with --json; exit 0 when the run would go through', async () => {
    const ok = file('ok.txt', '10 write(1, "hi", 2) = 2\n10 exit_group(0) = ?\n');
    const r = await runCli(['-j', 'seccomp', 'check', profile, '--trace', ok], dir);
    expect(r.status).toBe(0);
    const objs = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs[0]).toEqual({
      line: 1,
      pid: 10,
      syscall: 'write',
      nr: 1,
      action: 'ALLOW',
      rule: 'defaultAction',
      executed: objs[0].executed,
      traced: '2',
    });
    expect(objs.at(-1).summary).toMatchObject({
      calls: 2,
      actions: { ALLOW: 2 },
      first_kill: null,
      would_fail: false,
    });
  });
  it('gives one line for bad input', async () => {
    for (const argv of [
      ['seccomp', 'check', profile],
      ['seccomp', 'check', profile, '--trace', join(dir, 'missing.txt')],
      ['seccomp', 'check', file('bad.json', '{"defaultAction": "SCMP_ACT_NOPE"}'), '--trace', trace],
      ['seccomp', 'check', profile, '--trace', trace, '--arch', 'vax'],
    ]) {
      const r = await runCli(argv, dir);
      expect(r.status, argv.join(' ')).not.toBe(0);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});

const has = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const why =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? 'needs Linux on x86_64'
    : !has('strace', '-V')
      ? 'needs strace'
      : !has('python3', '-c', 'pass')
        ? 'needs python3'
        : undefined;

/** Sets no_new_privs, loads a raw filter with seccomp(2) and execs the command. */
const LOADER = `import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
data = open(sys.argv[1], 'rb').read()
buf = ctypes.create_string_buffer(data, len(data))
class Fprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
prog = Fprog(len(data) // 8, ctypes.addressof(buf))
if libc.prctl(38, 1, 0, 0, 0) != 0: sys.exit('prctl: ' + os.strerror(ctypes.get_errno()))
if libc.syscall(317, 1, 0, ctypes.byref(prog)) != 0: sys.exit('seccomp: ' + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[2], sys.argv[2:])
`;

describe.skipIf(why !== undefined)(
  `seccomp check vs the real kernel${why === undefined ? '' : ` (skipped: ${why})`}`,
  () => {
    it('predicts exactly the denials and kills the kernel gives to a real shell session', async () => {
      const profile = file('real.json', JSON.stringify(PROFILE));
      const loader = file('load.py', LOADER);
      const bpf = join(dir, 'real.bpf');
      expect((await runCli(['seccomp', 'compile', profile, '-o', bpf], dir)).status).toBe(0);
      const script = (sub: string) => `mkdir ${join(dir, sub)}/a; uname -s; ls ${dir} >/dev/null; echo done`;
      spawnSync('mkdir', [join(dir, 'p'), join(dir, 'f')]);
      // 1. The program traced without a filter, checked by bpfsim.
      const plain = join(dir, 'plain.txt');
      spawnSync('strace', ['-f', '-o', plain, 'sh', '-c', script('p')], { stdio: 'ignore' });
      const r = await runCli(['-j', 'seccomp', 'check', profile, '--trace', plain], dir);
      expect(r.status).toBe(1);
      const calls = r.out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const predictedDenied = calls
        .filter((c) => c.action === 'ERRNO(1)' && !c.after_kill)
        .map((c) => c.syscall);
      const predictedKills = calls
        .filter((c) => c.action === 'KILL_PROCESS' && !c.after_kill)
        .map((c) => c.syscall);
      expect(predictedDenied).toEqual(['mkdir']);
      expect(predictedKills).toEqual(['uname']);

      // 2. The same program under the real filter, traced to see what the kernel did.
      const filtered = join(dir, 'filtered.txt');
      spawnSync('strace', ['-f', '-o', filtered, 'python3', loader, bpf, 'sh', '-c', script('f')], {
        stdio: 'ignore',
      });
      const events = parseStrace(readFileSync(filtered, 'utf8'), { lenient: true }).events;
      const start = events.findIndex(
        (e) => e.type === 'syscall' && e.name === 'execve' && /sh/.test(JSON.stringify(e.args[0] ?? '')),
      );
      const after = events.slice(start + 1);
      const deniedByKernel = after
        .filter(
          (e) =>
            e.type === 'syscall' && e.ret?.errno === 'EPERM' && (e.name === 'mkdir' || e.name === 'mkdirat'),
        )
        .map((e) => (e.type === 'syscall' ? e.name : ''));
      const killedPids = after.filter((e) => e.type === 'killed' && e.signal === 'SIGSYS').map((e) => e.pid);
      const lastCallOf = (pid: number | undefined) =>
        after
          .filter((e) => e.type === 'syscall' && e.pid === pid)
          .map((e) => (e.type === 'syscall' ? e.name : ''))
          .at(-1);
      expect(deniedByKernel).toEqual(predictedDenied);
      expect(killedPids.map(lastCallOf)).toEqual(predictedKills);

      // 3. The audit record the kernel wrote for the kill (dmesg, without auditd) and bpfsim's.
      const dmesg = spawnSync('dmesg', [], { encoding: 'utf8' });
      const killedPid = killedPids[0] as number;
      const real = (dmesg.stdout ?? '')
        .split('\n')
        .find((l) => l.includes('type=1326') && l.includes(` pid=${killedPid} `));
      if (dmesg.status !== 0 || real === undefined) return; // no readable kernel log here: nothing to compare
      const state = join(dir, 'audit-state');
      const chk = await runCli(
        ['seccomp', 'check', profile, '--trace', plain, '--audit', '--state', state],
        dir,
      );
      expect(chk.status).toBe(1);
      const ours = JSON.parse(
        (await runCli(['-j', 'audit', '--state', state, '--action', 'KILL_PROCESS'], dir)).out.trim(),
      );
      const fields = (line: string) =>
        Object.fromEntries(
          [...line.matchAll(/ (\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
        );
      const k = fields(real.replace(/^.*?audit\([^)]*\):/, ''));
      const o = fields(String(ours.text).replace(/^.*?audit\([^)]*\):/, ''));
      expect(Object.keys(o)).toEqual(Object.keys(k));
      for (const f of [
        'auid',
        'uid',
        'gid',
        'ses',
        'comm',
        'exe',
        'sig',
        'arch',
        'syscall',
        'compat',
        'code',
      ])
        expect(o[f], f).toBe(k[f]);
    });
  },
);
