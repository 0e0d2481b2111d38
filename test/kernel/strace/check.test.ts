import { describe, expect, it } from 'vitest';
import { checkTrace } from '../../../src/kernel/strace/check.js';
import { parseStrace } from '../../../src/kernel/strace/parse.js';
import { compileProfileText } from '../../../src/seccomp/compile/compile.js';
import { findArch } from '../../../src/seccomp/syscalls/arches.js';
import { syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';

const X86_64 = findArch('x86_64');
if (X86_64 === undefined) throw new Error('no x86_64');

const profile = (p: object) =>
  compileProfileText(JSON.stringify({ architectures: ['SCMP_ARCH_X86_64'], ...p }), 'p.json', {
    arch: X86_64,
  });
const trace = (text: string) => parseStrace(text, { resolve: (n) => syscallNumber(X86_64, n) }).events;

describe('checkTrace', () => {
  const p = profile({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    syscalls: [
      { names: ['read', 'write', 'exit_group', 'openat', 'clone', 'futex'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
      {
        names: ['personality'],
        action: 'SCMP_ACT_KILL_PROCESS',
        args: [{ index: 0, value: 0, op: 'SCMP_CMP_NE' }],
      },
      { names: ['kill'], action: 'SCMP_ACT_KILL_THREAD' },
    ],
  });

  it('names the deciding rule, the default action, and denials of calls that succeeded', () => {
    const r = checkTrace(
      trace(
        [
          '100 openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3',
          '100 read(3, "box\\n", 4096) = 4',
          '100 mkdir("/tmp/x", 0755) = 0',
          '100 mkdir("/tmp/y", 0755) = -1 EEXIST (File exists)',
          '100 personality(0) = 0',
          '100 exit_group(0) = ?',
          '100 +++ exited with 0 +++',
        ].join('\n'),
      ),
      { arch: X86_64, filter: p },
    );
    expect(r.calls.map((c) => [c.syscall, c.action, c.decidedBy])).toEqual([
      ['openat', 'ALLOW', { kind: 'rule', origin: 0 }],
      ['read', 'ALLOW', { kind: 'rule', origin: 0 }],
      ['mkdir', 'ERRNO(1)', { kind: 'default' }],
      ['mkdir', 'ERRNO(1)', { kind: 'default' }],
      ['personality', 'ALLOW', { kind: 'rule', origin: 1 }],
      ['exit_group', 'ALLOW', { kind: 'rule', origin: 0 }],
    ]);
    expect(r.calls[2]).toMatchObject({ consequence: 'denied', errno: 1, succeededInTrace: true });
    expect(r.calls[3]?.succeededInTrace).toBeUndefined(); // it failed in the trace anyway
    expect(r.summary).toMatchObject({
      calls: 6,
      actions: { ALLOW: 4, 'ERRNO(1)': 2 },
      denied: [{ syscall: 'mkdir', errno: 'EPERM', count: 2, succeededAt: [3] }],
      unmentioned: ['mkdir'],
      wouldFail: true,
    });
    expect(r.summary.firstKill).toBeUndefined();
  });

  it('KILL_PROCESS ends every thread of the process; other processes go on', () => {
    const r = checkTrace(
      trace(
        [
          // 200 makes a thread 201 (CLONE_THREAD) and a child process 300.
          '200 clone(child_stack=0x7f00, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM) = 201',
          '200 clone(child_stack=NULL, flags=SIGCHLD) = 300',
          '201 personality(0xffffffff) = 0',
          '201 read(0, "", 1) = 0',
          '200 write(1, "x", 1) = 1',
          '300 write(1, "y", 1) = 1',
          '300 kill(1, SIGTERM) = -1 EPERM (Operation not permitted)',
          '300 write(1, "z", 1) = 1',
        ].join('\n'),
      ),
      { arch: X86_64, filter: p },
    );
    expect(r.calls.map((c) => [c.pid, c.syscall, c.action, c.afterKill ?? false])).toEqual([
      [200, 'clone', 'ALLOW', false],
      [200, 'clone', 'ALLOW', false],
      [201, 'personality', 'KILL_PROCESS', false],
      [201, 'read', 'ALLOW', true],
      [200, 'write', 'ALLOW', true], // the whole thread group died with 201
      [300, 'write', 'ALLOW', false], // another process
      [300, 'kill', 'KILL_THREAD', false],
      [300, 'write', 'ALLOW', true],
    ]);
    expect(r.calls[2]?.decidedBy).toEqual({ kind: 'rule', origin: 2 });
    expect(r.summary.firstKill).toEqual({
      line: 3,
      pid: 201,
      syscall: 'personality',
      action: 'KILL_PROCESS',
    });
    expect(r.summary.calls).toBe(5);
  });

  it("puts clone's labelled arguments in register order (flags is arg 0)", () => {
    const q = profile({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        {
          names: ['clone'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 1,
          args: [{ index: 0, value: 0x10000000, valueTwo: 0x10000000, op: 'SCMP_CMP_MASKED_EQ' }], // CLONE_NEWUSER
        },
      ],
    });
    const r = checkTrace(
      trace(
        [
          '1 clone(child_stack=NULL, flags=CLONE_NEWUSER|SIGCHLD) = 2',
          '1 clone(child_stack=NULL, flags=CLONE_NEWNS|SIGCHLD) = 3',
        ].join('\n'),
      ),
      { arch: X86_64, filter: q },
    );
    expect(r.calls.map((c) => c.action)).toEqual(['ERRNO(1)', 'ALLOW']);
  });

  it('counts decisions that depended on arguments the trace does not show', () => {
    const q = profile({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        {
          names: ['write'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 9,
          args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }],
        },
      ],
    });
    const r = checkTrace(trace('1 write(1, "hi", 2) = 2\n1 write(5, 0, 2) = 2'), { arch: X86_64, filter: q });
    expect(r.calls[0]?.unknownArgs).toEqual([1]); // a string: passed by pointer
    expect(r.calls[1]).toMatchObject({ action: 'ERRNO(9)', decidedBy: { kind: 'rule', origin: 0 } });
    expect(r.calls[1]?.unknownArgs).toBeUndefined();
    expect(r.summary.uncertain).toBe(1);
  });

  it("applies runc's ENOSYS stub to syscalls newer than the profile, and TRACE/USER_NOTIF without a peer", () => {
    const q = profile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_TRACE' },
        { names: ['getpid'], action: 'SCMP_ACT_NOTIFY' },
      ],
    });
    const r = checkTrace(trace('1 read(0, "", 1) = 0\n1 getpid() = 1\n1 getrandom("x", 1, 0) = 1'), {
      arch: X86_64,
      filter: q,
    });
    expect(r.calls.map((c) => [c.action, c.consequence, c.errno, c.decidedBy?.kind])).toEqual([
      ['TRACE(1)', 'denied', 38, 'rule'], // runc gives SCMP_ACT_TRACE the data EPERM
      ['USER_NOTIF', 'denied', 38, 'rule'],
      ['ERRNO(38)', 'denied', 38, 'enosys-stub'], // getrandom (318) > write (1): newer than the profile
    ]);
    const withListener = checkTrace(trace('1 getpid() = 1'), { arch: X86_64, filter: q, listener: true });
    expect(withListener.calls[0]?.consequence).toBe('notify');
  });
});
