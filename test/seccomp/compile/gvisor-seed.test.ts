/**
 * gVisor compat: the test table of gVisor's runsc/specutils/seccomp/seccomp_test.go (seed
 * /work/shared/seeds/000_*.txt, TestRunscSeccomp), transcribed case by case with its expected
 * return values: ERRNO and TRACE always carry EPERM, a foreign arch gets KILL_THREAD.
 */
import { describe, expect, it } from 'vitest';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { compileProfile } from '../../../src/seccomp/compile/compile.js';
import type { JsonValue } from '../../../src/seccomp/profile/json.js';
import { profileFromJson } from '../../../src/seccomp/profile/parse.js';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';
import { syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';

const X86_64 = findArch('x86_64') as SeccompArch;
// Values from the seed: linux.SECCOMP_RET_* and syscall.* constants.
const allowAction = 0x7fff0000;
const errnoAction = 0x00050001; // SECCOMP_RET_ERRNO.WithReturnCode(EPERM)
const traceAction = 0x7ff00001; // SECCOMP_RET_TRACE.WithReturnCode(EPERM)
const killThreadAction = 0;
const CLONE_VM = 0x100;
const CLONE_FS = 0x200;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

interface Case {
  name: string;
  config: JsonValue;
  input: { nr: number; arch: number; args?: number[] };
  expected: number;
}

const input = (name: string, args?: number[]) => ({
  nr: syscallNumber(X86_64, name) as number,
  arch: X86_64.audit,
  ...(args ? { args } : {}),
});
const errnoGetcwdChmodTraceWrite = {
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [
    { names: ['getcwd', 'chmod'], action: 'SCMP_ACT_ERRNO' },
    { names: ['write'], action: 'SCMP_ACT_TRACE' },
  ],
};
const cloneRule = (args: JsonValue[], defaultAction = 'SCMP_ACT_ALLOW', action = 'SCMP_ACT_ERRNO') => ({
  defaultAction,
  syscalls: [{ names: ['clone'], args, action }],
});
const getsockopt = {
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [
    {
      names: ['getsockopt'],
      args: [
        { index: 1, value: SOL_SOCKET, op: 'SCMP_CMP_EQ' },
        { index: 2, value: SO_PEERCRED, op: 'SCMP_CMP_EQ' },
      ],
      action: 'SCMP_ACT_ERRNO',
    },
  ],
};

const cases: Case[] = [
  {
    name: 'default_allow',
    config: { defaultAction: 'SCMP_ACT_ALLOW' },
    input: input('read'),
    expected: allowAction,
  },
  {
    name: 'default_deny',
    config: { defaultAction: 'SCMP_ACT_ERRNO' },
    input: input('read'),
    expected: errnoAction,
  },
  {
    name: 'deny_arch',
    config: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] },
    input: { nr: 183, arch: 0x40000003 },
    expected: killThreadAction,
  },
  {
    name: 'match_name_errno',
    config: errnoGetcwdChmodTraceWrite,
    input: input('getcwd'),
    expected: errnoAction,
  },
  {
    name: 'match_name_trace',
    config: errnoGetcwdChmodTraceWrite,
    input: input('write'),
    expected: traceAction,
  },
  {
    name: 'no_match_name_allow',
    config: errnoGetcwdChmodTraceWrite,
    input: input('open'),
    expected: allowAction,
  },
  {
    name: 'simple_match_args',
    config: cloneRule([{ index: 0, value: CLONE_FS, op: 'SCMP_CMP_EQ' }]),
    input: input('clone', [CLONE_FS]),
    expected: errnoAction,
  },
  {
    name: 'match_args_or',
    config: cloneRule([
      { index: 0, value: CLONE_FS, op: 'SCMP_CMP_EQ' },
      { index: 0, value: CLONE_VM, op: 'SCMP_CMP_EQ' },
    ]),
    input: input('clone', [CLONE_FS]),
    expected: errnoAction,
  },
  {
    name: 'match_args_and',
    config: getsockopt,
    input: input('getsockopt', [0, SOL_SOCKET, SO_PEERCRED]),
    expected: errnoAction,
  },
  {
    name: 'no_match_args_and',
    config: getsockopt,
    input: input('getsockopt', [0, SOL_SOCKET]),
    expected: allowAction,
  },
  {
    name: 'Simple args (no match)',
    config: cloneRule([{ index: 0, value: CLONE_FS, op: 'SCMP_CMP_EQ' }]),
    input: input('clone', [CLONE_VM]),
    expected: allowAction,
  },
  {
    name: 'OpMaskedEqual (match)',
    config: cloneRule([{ index: 0, value: CLONE_FS, valueTwo: CLONE_FS, op: 'SCMP_CMP_MASKED_EQ' }]),
    input: input('clone', [CLONE_FS | CLONE_VM]),
    expected: errnoAction,
  },
  {
    name: 'OpMaskedEqual (no match)',
    config: cloneRule([
      { index: 0, value: CLONE_FS | CLONE_VM, valueTwo: CLONE_FS | CLONE_VM, op: 'SCMP_CMP_MASKED_EQ' },
    ]),
    input: input('clone', [CLONE_FS]),
    expected: allowAction,
  },
  {
    name: 'OpMaskedEqual (clone)',
    config: cloneRule(
      [{ index: 0, value: 0x7e020000, valueTwo: 0x0, op: 'SCMP_CMP_MASKED_EQ' }],
      'SCMP_ACT_ERRNO',
      'SCMP_ACT_ALLOW',
    ),
    input: input('clone', [0x50f00]),
    expected: allowAction,
  },
];

describe('gvisor compat: runsc TestRunscSeccomp table (seed 000)', () => {
  for (const tc of cases) {
    it(tc.name, () => {
      const compiled = compileProfile(profileFromJson(tc.config, tc.name), {
        arch: 'x86_64',
        compat: 'gvisor',
      });
      const r = runFilter(compiled.filter, {
        nr: tc.input.nr,
        arch: tc.input.arch,
        instructionPointer: 0n,
        args: (tc.input.args ?? []).map(BigInt),
      });
      expect(r.ret >>> 0).toBe(tc.expected);
    });
  }

  it('rejects actions runsc does not convert and ignores errnoRet', () => {
    const bad = profileFromJson({ defaultAction: 'SCMP_ACT_LOG' }, 'p.json');
    expect(() => compileProfile(bad, { compat: 'gvisor' })).toThrow(
      /p\.json: defaultAction: action "SCMP_ACT_LOG" is not supported by gVisor/,
    );
    const errno = profileFromJson(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
      },
      'p.json',
    );
    const c = compileProfile(errno, { compat: 'gvisor' });
    const r = runFilter(c.filter, { nr: 39, arch: X86_64.audit, instructionPointer: 0n, args: [] });
    expect(r.ret).toBe(errnoAction);
  });

  it('MaskedEqual does not mask the value (runsc), unlike libseccomp', () => {
    const p = profileFromJson(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['clone'],
            action: 'SCMP_ACT_ERRNO',
            args: [{ index: 0, value: CLONE_FS, valueTwo: CLONE_FS | CLONE_VM, op: 'SCMP_CMP_MASKED_EQ' }],
          },
        ],
      },
      'p.json',
    );
    const run = (compat: 'gvisor' | 'crun') =>
      runFilter(compileProfile(p, { compat }).filter, {
        nr: 56,
        arch: X86_64.audit,
        instructionPointer: 0n,
        args: [BigInt(CLONE_FS)],
      }).ret;
    expect(run('gvisor')).toBe(allowAction);
    expect(run('crun')).toBe(errnoAction);
  });

  it('first matching rule set wins, even when it repeats the default action', () => {
    const p = profileFromJson(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO' },
        ],
      },
      'p.json',
    );
    const run = (compat: 'gvisor' | 'runc') =>
      runFilter(compileProfile(p, { compat }).filter, {
        nr: 39,
        arch: X86_64.audit,
        instructionPointer: 0n,
        args: [],
      }).ret;
    expect(run('gvisor')).toBe(allowAction);
    // runc skips the rule equal to the default action, so ERRNO applies.
    expect(run('runc')).toBe(errnoAction);
  });
});
