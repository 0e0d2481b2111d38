import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_WORKLOADS } from '../../../src/kernel/workload/builtin.js';
import { type RunResult, runWorkload } from '../../../src/kernel/workload/run.js';
import type { Step, Workload } from '../../../src/kernel/workload/script.js';
import { compileProfileText } from '../../../src/seccomp/compile/compile.js';
import { archById } from '../../../src/seccomp/syscalls/arches.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const compile = (path: string) =>
  compileProfileText(readFileSync(resolve(ROOT, path), 'utf8'), path, { arch: archById('x86_64') }).filter;
const one = (steps: Step[]): Workload => ({ name: 't', tasks: [{ name: 't', steps }] });
const calls = (r: RunResult): string[] => r.events.map((e) => `${e.pid}:${e.syscall}=${e.errno ?? e.ret}`);

describe('runWorkload', () => {
  it('nebula runs to its end under Docker’s default profile: tun, ifreq ioctls, netlink acks, UDP', () => {
    const r = runWorkload(BUILTIN_WORKLOADS.nebula as Workload, {
      filter: compile('data/seccomp/moby-default.json'),
    });
    expect(r.killed).toBeUndefined();
    expect(r.deadlock).toBe(false);
    expect(r.notEmulated).toEqual([]);
    expect(r.actions).toEqual({ ALLOW: r.events.length });
    expect(r.tasks).toEqual([{ pid: 1, comm: 'nebula', state: 'exited', status: 0 }]);
    const show = (i: number) =>
      `${r.events[i]?.syscall}(${r.events[i]?.args.join(', ')}) = ${r.events[i]?.errno ?? r.events[i]?.ret}`;
    expect(show(4)).toBe(
      'ioctl(3, TUNSETIFF, {ifr_name="nebula1", ifr_flags=IFF_TUN|IFF_MULTI_QUEUE|IFF_NO_PI}) = 0',
    );
    expect(show(9)).toBe('ioctl(4, SIOCGIFINDEX, {ifr_name="nebula1", ifr_ifindex=3}) = 0');
    expect(
      r.events.filter((e) => e.args[1]?.startsWith('{nlmsg_type=NLMSG_ERROR')).map((e) => e.args[1]),
    ).toEqual(['{nlmsg_type=NLMSG_ERROR, seq=1, error=0}', '{nlmsg_type=NLMSG_ERROR, seq=2, error=0}']);
    expect(r.events.filter((e) => e.syscall === 'recvfrom').map((e) => e.errno ?? e.ret)).toEqual([
      36,
      36,
      4,
      'EAGAIN',
    ]);
  });

  it('nebula is killed under the tight example profile at socket(AF_NETLINK, ...)', () => {
    const r = runWorkload(BUILTIN_WORKLOADS.nebula as Workload, {
      filter: compile('examples/nebula-tight.json'),
    });
    expect(r.killed).toMatchObject({ seq: 11, syscall: 'socket', action: 'KILL_PROCESS', signal: 31 });
    expect(r.killed?.args[0]).toBe('AF_NETLINK');
    expect(r.events).toHaveLength(11);
    expect(r.tasks[0]).toMatchObject({ state: 'killed', status: 31 | 0x80 });
  });

  it('shell: the child execs ls and lists /etc, the parent sleeps in wait4 and reaps it', () => {
    const r = runWorkload(BUILTIN_WORKLOADS.shell as Workload);
    expect(calls(r)).toEqual([
      '1:newfstatat=0',
      '1:clone=2',
      '2:execve=0',
      '2:openat=ENOENT',
      '2:openat=3',
      '2:fstat=0',
      '2:getdents64=176',
      '2:getdents64=0',
      '2:close=0',
      '2:write=33',
      '2:close=0',
      '2:close=0',
      '2:exit_group=0',
      '1:wait4=2',
      '1:write=2',
      '1:exit_group=0',
    ]);
    expect(r.events[13]?.resumed).toBe(true);
    expect(r.events[2]?.comm).toBe('ls');
  });

  it('web: three connections accepted, served and closed; the same events on every run', () => {
    const a = runWorkload(BUILTIN_WORKLOADS.web as Workload);
    const b = runWorkload(BUILTIN_WORKLOADS.web as Workload);
    expect(a.events).toEqual(b.events);
    expect(a.events.filter((e) => e.syscall === 'accept4' && e.ret >= 0)).toHaveLength(3);
    expect(a.events.filter((e) => e.syscall === 'read' && e.ret === 41)).toHaveLength(3);
    expect(a.tasks.map((t) => t.state)).toEqual(['exited', 'exited']);
    expect(a.durationNs).toBe(BigInt(a.events.length) * 1000n);
  });

  it('loops and variables; a thread ends with exit, the process with exit_group', () => {
    const r = runWorkload(
      one([
        { loop: 3, body: [{ call: 'dup', args: [1], as: 'd' }] },
        { call: 'close', args: ['$d'] },
        {
          call: 'clone',
          args: ['CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD', 0, 0, 0, 0],
          child: [{ call: 'gettid' }, { call: 'getpid' }],
        },
        { call: 'getpid' },
      ]),
    );
    // Round-robin: the thread's second turn never comes, exit_group ends the whole group first.
    expect(calls(r)).toEqual([
      '1:dup=3',
      '1:dup=4',
      '1:dup=5',
      '1:close=0',
      '1:clone=2',
      '1:getpid=1',
      '2:gettid=2',
      '1:exit_group=0',
    ]);
    expect(r.tasks.map((t) => t.state)).toEqual(['exited', 'exited']);
  });

  it('vfork: the parent waits for the child’s execve; wait4 with WNOHANG and ECHILD', () => {
    const r = runWorkload(
      one([
        {
          call: 'vfork',
          child: [
            { call: 'getppid' },
            { call: 'execve', args: [{ str: '/bin/ls' }, 0, 0] },
            { call: 'getpid' },
          ],
        },
        { call: 'getpid' },
        { call: 'wait4', args: [-1, 0, 'WNOHANG', 0] },
        { call: 'wait4', args: [-1, 0, 0, 0] },
        { call: 'wait4', args: [-1, 0, 0, 0] },
      ]),
    );
    expect(calls(r)).toEqual([
      '1:vfork=2',
      '2:getppid=1',
      '2:execve=0',
      '1:getpid=1',
      '2:getpid=2',
      '1:wait4=0',
      '2:exit_group=0',
      '1:wait4=2',
      '1:wait4=ECHILD',
      '1:exit_group=0',
    ]);
  });

  it('clone3 and the wait status of a killed child', () => {
    const filter = compile('examples/no-listing-profile.json');
    const r = runWorkload(
      one([
        {
          call: 'clone3',
          args: [{ clone_args: { flags: 0, exit_signal: 'SIGCHLD' } }, 88],
          child: [{ call: 'getdents64', args: [0, 0, 0] }],
        },
        { call: 'wait4', args: [-1, { int: 0 }, 0, 0], capture: { status: 1 } },
        { call: 'clone3', args: [{ clone_args: { flags: 0 } }, 32] },
      ]),
      { filter },
    );
    expect(calls(r)).toEqual([
      '1:clone3=2',
      '2:getdents64=-4',
      '1:wait4=2',
      '1:clone3=EINVAL',
      '1:exit_group=0',
    ]);
    expect(r.events[2]?.args[1]).toBe(`[${31 | 0x80}]`);
    expect(r.killed?.pid).toBe(2);
  });

  it('reports a deadlock when every task sleeps', () => {
    const r = runWorkload(
      one([
        { call: 'socket', args: ['AF_INET', 'SOCK_DGRAM', 0], as: 's' },
        { call: 'recvfrom', args: ['$s', { buf: 8 }, 8, 0, 0, 0] },
      ]),
    );
    expect(r.deadlock).toBe(true);
    expect(r.tasks[0]?.state).toBe('blocked');
  });

  it('reports allowed calls it does not emulate', () => {
    const r = runWorkload(
      one([
        { call: 'futex', args: [0, 0, 0] },
        { call: 'epoll_create1', args: [0] },
      ]),
    );
    expect(r.notEmulated).toEqual(['futex', 'epoll_create1']);
    expect(r.events[0]).toMatchObject({ errno: 'ENOSYS', notEmulated: true });
  });
});
