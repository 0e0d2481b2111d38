/**
 * Compiler behaviour a user relies on: arch checks (x86_64 vs x32 vs i386, bad-arch action),
 * runc's -ENOSYS stub, errno handling per runtime, unknown names, long jumps, action values.
 */
import { describe, expect, it } from 'vitest';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { validateFilter } from '../../../src/seccomp/cbpf/validate.js';
import type { Compat } from '../../../src/seccomp/compile/actions.js';
import { compileProfile } from '../../../src/seccomp/compile/compile.js';
import type { JsonValue } from '../../../src/seccomp/profile/json.js';
import { profileFromJson } from '../../../src/seccomp/profile/parse.js';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';
import { archSyscalls, syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';
import { SECCOMP_FILTER_FLAG } from '../../../src/seccomp/uapi.js';

const X86_64 = findArch('x86_64') as SeccompArch;
const X86 = findArch('x86') as SeccompArch;
const X32 = findArch('x32') as SeccompArch;
const ALLOW = 0x7fff0000;
const errno = (e: number) => (0x00050000 | e) >>> 0;

function build(json: JsonValue, compat: Compat = 'runc', strict = false) {
  return compileProfile(profileFromJson(json, 'p.json'), { arch: 'x86_64', compat, strict });
}
function decide(f: ReturnType<typeof build>, arch: SeccompArch, nr: number, args: bigint[] = []): number {
  return runFilter(f.filter, { nr, arch: arch.audit, instructionPointer: 0n, args }).ret >>> 0;
}
const nrOf = (a: SeccompArch, n: string) => syscallNumber(a, n) as number;

describe('architecture checks', () => {
  const allowGetpid = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }],
  };

  it('an x86_64-only filter kills i386 and x32 calls (libseccomp bad-arch KILL) but not nr -1', () => {
    const f = build(allowGetpid, 'crun');
    expect(decide(f, X86_64, 39)).toBe(ALLOW);
    expect(decide(f, X86_64, 40)).toBe(errno(1));
    expect(decide(f, X86, nrOf(X86, 'getpid'))).toBe(0);
    expect(decide(f, X32, nrOf(X32, 'getpid'))).toBe(0);
    expect(decide(f, X86_64, 0x7fffffff)).toBe(0);
    expect(decide(f, X86_64, 0xffffffff)).toBe(errno(1));
    expect(decide(f, findArch('aarch64') as SeccompArch, 172)).toBe(0);
  });

  it('listed arches get their own sections; x32 is told apart by 0x40000000', () => {
    const f = build({ ...allowGetpid, architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }, 'crun');
    expect(decide(f, X86, nrOf(X86, 'getpid'))).toBe(ALLOW);
    expect(decide(f, X86, 39)).toBe(errno(1)); // 39 is mkdir on i386
    expect(decide(f, X32, 0x40000000 + 39)).toBe(ALLOW);
    expect(decide(f, X32, 0x40000000 + 40)).toBe(errno(1));
  });
});

describe("runc's -ENOSYS stub", () => {
  const p = {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['read', 'openat2', 'getpid'], action: 'SCMP_ACT_ALLOW' }],
  };
  it('answers ENOSYS above the highest named syscall of each ABI (runc only)', () => {
    const runc = build(p, 'runc');
    const crun = build(p, 'crun');
    const max64 = nrOf(X86_64, 'openat2');
    expect(runc.enosysStub).toBe(true);
    expect(decide(runc, X86_64, max64)).toBe(ALLOW);
    expect(decide(runc, X86_64, max64 - 1)).toBe(errno(1));
    expect(decide(runc, X86_64, max64 + 1)).toBe(errno(38));
    expect(decide(crun, X86_64, max64 + 1)).toBe(errno(1));
    expect(decide(runc, X32, nrOf(X32, 'openat2') + 1)).toBe(errno(38));
    expect(decide(runc, X86, nrOf(X86, 'openat2') + 1)).toBe(errno(38));
    // The stub runs before libseccomp's x32 check: bit 30 clear and above the x86_64 maximum.
    expect(decide(runc, X86_64, 0x80000000)).toBe(errno(38));
  });
  it('covers only listed architectures (findLastSyscalls loops over config.Architectures)', () => {
    const { architectures: _, ...unlisted } = p;
    const c = build(unlisted);
    expect(decide(c, X86_64, 1000)).toBe(errno(1));
    const s390x = findArch('s390x') as SeccompArch;
    const z = compileProfile(profileFromJson({ ...p, architectures: ['SCMP_ARCH_S390X'] }, 'p.json'), {
      arch: 's390x',
    });
    // s390x syscall 0 (the large-number multiplexer) gets -ENOSYS, as runc special-cases it.
    expect(decide(z, s390x, 0)).toBe(errno(38));
    expect(decide(z, s390x, nrOf(s390x, 'read'))).toBe(ALLOW);
    expect(decide(z, s390x, nrOf(s390x, 'openat2') + 1)).toBe(errno(38));
  });
  it('is left out for permissive defaults and defaultErrnoRet ENOSYS', () => {
    expect(build({ ...p, defaultAction: 'SCMP_ACT_ALLOW' }).enosysStub).toBe(false);
    expect(build({ ...p, defaultAction: 'SCMP_ACT_LOG' }).enosysStub).toBe(false);
    const enosys = build({ ...p, defaultErrnoRet: 38 });
    expect(enosys.enosysStub).toBe(false);
    expect(decide(enosys, X86_64, 1000)).toBe(errno(38));
  });
});

describe('actions and errno', () => {
  const one = (action: string, extra: object = {}) =>
    build({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action, ...extra }] }, 'crun');
  it('maps every OCI action to its SECCOMP_RET value', () => {
    expect(decide(one('SCMP_ACT_KILL'), X86_64, 39)).toBe(0);
    expect(decide(one('SCMP_ACT_KILL_THREAD'), X86_64, 39)).toBe(0);
    expect(decide(one('SCMP_ACT_KILL_PROCESS'), X86_64, 39)).toBe(0x80000000);
    expect(decide(one('SCMP_ACT_TRAP'), X86_64, 39)).toBe(0x00030000);
    expect(decide(one('SCMP_ACT_ERRNO'), X86_64, 39)).toBe(errno(1));
    expect(decide(one('SCMP_ACT_ERRNO', { errnoRet: 4094 }), X86_64, 39)).toBe(errno(4094));
    expect(decide(one('SCMP_ACT_TRACE', { errnoRet: 77 }), X86_64, 39)).toBe(0x7ff0004d);
    expect(decide(one('SCMP_ACT_LOG'), X86_64, 39)).toBe(0x7ffc0000);
    expect(decide(one('SCMP_ACT_NOTIFY'), X86_64, 39)).toBe(0x7fc00000);
  });
  it('refuses errnos libseccomp refuses and errnoRet on actions without one', () => {
    expect(() => one('SCMP_ACT_ERRNO', { errnoRet: 4095 })).toThrow(
      /^p\.json: syscalls\[0\]\.errnoRet: errno 4095/,
    );
    expect(() => one('SCMP_ACT_ERRNO', { errnoRet: 70000 })).toThrow(
      /errno 70000 \(4464 after runc's & 0xffff\)/,
    );
    expect(() => one('SCMP_ACT_ALLOW', { errnoRet: 1 })).toThrow(
      /^p\.json: syscalls\[0\]\.errnoRet: errnoRet 1 given with SCMP_ACT_ALLOW/,
    );
    expect(() => build({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 5000 })).toThrow(
      /defaultErrnoRet: errno 5000/,
    );
  });
  it("applies runc's NOTIFY restrictions and computes the seccomp(2) flags", () => {
    expect(() => build({ defaultAction: 'SCMP_ACT_NOTIFY' })).toThrow(
      /defaultAction: SCMP_ACT_NOTIFY cannot be the default/,
    );
    expect(() =>
      build({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] }),
    ).toThrow(/syscalls\[0\]\.action: SCMP_ACT_NOTIFY cannot be used for the write syscall/);
    const n = build({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
    });
    expect(n.seccompFlags).toBe(SECCOMP_FILTER_FLAG.SPEC_ALLOW | SECCOMP_FILTER_FLAG.NEW_LISTENER);
    expect(build({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'] }).seccompFlags).toBe(
      SECCOMP_FILTER_FLAG.LOG,
    );
    const listener = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock', flags: [] };
    expect(build(listener, 'crun').seccompFlags).toBe(SECCOMP_FILTER_FLAG.NEW_LISTENER);
    expect(build(listener, 'runc').seccompFlags).toBe(0);
  });
});

describe('rules', () => {
  it('ignores unknown names with a warning, or fails with strict', () => {
    const p = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['getpid', 'no_such_call'], action: 'SCMP_ACT_ERRNO' }],
    };
    const c = build(p);
    expect(c.warnings).toEqual(['p.json: syscalls[0].names: unknown syscall "no_such_call" ignored']);
    expect(decide(c, X86_64, 39)).toBe(errno(1));
    expect(() => build(p, 'runc', true)).toThrow('p.json: syscalls[0].names: unknown syscall "no_such_call"');
  });

  it("summarises names that exist on none of the filter's arches in one warning", () => {
    const c = build({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['getpid', 'riscv_hwprobe', 'arm_fadvise64_64'], action: 'SCMP_ACT_ERRNO' }],
    });
    expect(c.warnings).toEqual([
      "p.json: 2 syscall name(s) exist on none of the filter's architectures (x86_64), no rule for them: riscv_hwprobe, arm_fadvise64_64",
    ]);
  });

  it('an unconditional rule absorbs conditional ones for the same syscall (libseccomp)', () => {
    const c = build({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        {
          names: ['dup'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 9,
          args: [{ index: 0, value: 100, op: 'SCMP_CMP_EQ' }],
        },
        { names: ['dup'], action: 'SCMP_ACT_ERRNO', errnoRet: 9 },
      ],
    });
    expect(decide(c, X86_64, 32, [5n])).toBe(errno(9));
  });

  it('a rule whose only condition is MASKED_EQ with mask 0 matches every call (libseccomp drops it)', () => {
    const c = build(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['dup3'],
            action: 'SCMP_ACT_ERRNO',
            errnoRet: 7,
            args: [{ index: 1, value: 2, op: 'SCMP_CMP_NE' }],
          },
          {
            names: ['dup3'],
            action: 'SCMP_ACT_TRAP',
            args: [{ index: 0, value: 0, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }],
          },
        ],
      },
      'crun',
    );
    // Checked against libseccomp 2.5.4 (lsc-compile): TRAP for every argument vector.
    expect(decide(c, X86_64, 292, [0n, 0n, 0n])).toBe(0x00030000);
    expect(decide(c, X86_64, 292, [0n, 2n, 0n])).toBe(0x00030000);
  });

  it('i386 socket rules also match socketcall(SYS_SOCKET), as libseccomp arch-x86.c does', () => {
    const c = build(
      {
        defaultAction: 'SCMP_ACT_ERRNO',
        architectures: ['SCMP_ARCH_X86'],
        syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW' }],
      },
      'crun',
    );
    expect(decide(c, X86, 102, [1n])).toBe(ALLOW);
    expect(decide(c, X86, 102, [2n])).toBe(errno(1));
    expect(decide(c, X86, 359)).toBe(ALLOW);
  });

  it('refuses a profile whose filter would exceed BPF_MAXINSNS', () => {
    const names = archSyscalls(X86_64).map(([n]) => n);
    const args = [0, 1, 2, 3, 4, 5].map((index) => ({
      index,
      value: 0xffff00000001n + BigInt(index),
      op: 'SCMP_CMP_GT',
    }));
    const syscalls = names.map((n) => ({ names: [n], action: 'SCMP_ACT_ERRNO', args: args as never }));
    expect(() => build({ defaultAction: 'SCMP_ACT_ALLOW', syscalls }, 'crun')).toThrow(
      /^p\.json: the compiled filter has \d+ instructions; seccomp\(2\) accepts at most 4096 \(BPF_MAXINSNS\)$/,
    );
  });

  it('emits valid code with long jumps for large profiles', () => {
    const names = archSyscalls(X86_64).map(([n]) => n);
    const syscalls = names.map((n, i) => ({
      names: [n],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: (i % 50) + 1,
      args: [{ index: i % 6, value: i * 3, op: i % 2 ? 'SCMP_CMP_GE' : 'SCMP_CMP_MASKED_EQ', valueTwo: i }],
    }));
    const c = build({ defaultAction: 'SCMP_ACT_ALLOW', syscalls }, 'crun');
    expect(c.filter.length).toBeGreaterThan(1000);
    expect(validateFilter(c.filter).ok).toBe(true);
    names.forEach((n, i) => {
      const nr = nrOf(X86_64, n);
      const args = [0n, 0n, 0n, 0n, 0n, 0n];
      args[i % 6] = BigInt(i * 3 + 1);
      const hit = i % 2 ? true : (BigInt(i * 3 + 1) & BigInt(i * 3)) === (BigInt(i) & BigInt(i * 3));
      expect(decide(c, X86_64, nr, args)).toBe(hit ? errno((i % 50) + 1) : ALLOW);
    });
  });
});
