/**
 * Equivalence with libseccomp: Docker's default profile compiled by bpfsim and by libseccomp 2.x
 * as runc / crun drive it (lsc-compile from ../shared/tools/seccomp-oracle), both filters run by
 * the cBPF interpreter for every syscall number of x86_64, i386 and x32 (plus gaps and extreme
 * numbers) and the argument patterns Docker's rules test (personality, clone flags, socket
 * families). Skips visibly without ../shared, cc, python3 or libseccomp-dev.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRet } from '../../../src/seccomp/actions.js';
import type { SockFilter } from '../../../src/seccomp/cbpf/filter.js';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { compileProfileText } from '../../../src/seccomp/compile/compile.js';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';
import { archSyscalls, syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';
import { lscOracle } from './libseccomp-oracle.js';

const oracle = lscOracle();
const reason = oracle.available ? '' : ` (skipped: ${oracle.reason})`;
const PROFILE = join(import.meta.dirname, '../../../data/seccomp/moby-default.json');

const X86_64 = findArch('x86_64') as SeccompArch;
const X86 = findArch('x86') as SeccompArch;
const X32 = findArch('x32') as SeccompArch;

/** Argument values Docker's conditional rules look at (arg0 and arg1 get each). */
const ARG_VALUES: bigint[] = [
  0n,
  1n,
  2n,
  8n,
  10n,
  16n,
  38n,
  39n,
  40n,
  41n,
  0x20000n,
  0x20008n,
  0xffffffffn,
  0x100000000n,
  0x100000008n,
  0xffffffffffffffffn,
  0x7e020000n,
  0x10000000n, // CLONE_NEWUSER
  0x00020000n, // CLONE_NEWNS
  0x01200011n, // fork()-like clone flags
  0x1_0000_0011n,
];

/** Calls libseccomp arch-x86.c multiplexes through socketcall(2) / ipc(2). */
const X86_MUX = new Set(
  'socket bind connect listen accept getsockname getpeername socketpair send recv sendto recvfrom shutdown setsockopt getsockopt sendmsg recvmsg accept4 recvmmsg sendmmsg semop semget semctl semtimedop msgsnd msgrcv msgget msgctl shmat shmdt shmget shmctl'.split(
    ' ',
  ),
);

function numbersFor(arch: SeccompArch): number[] {
  const s = new Set<number>(archSyscalls(arch).map(([, nr]) => nr));
  const base = arch.offset;
  for (let i = 0; i < 600; i++) s.add(base + i);
  for (const n of [
    0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xfffffffe, 0xffffffff,
  ])
    s.add(n);
  return [...s].sort((a, b) => a - b);
}

function decide(filter: readonly SockFilter[], arch: SeccompArch, nr: number, args: bigint[]): string {
  return formatRet(runFilter(filter, { nr, arch: arch.audit, instructionPointer: 0n, args }).ret);
}

/** runc patchbpf's -ENOSYS stub, written from enosys_linux.go: nr above the profile's highest. */
function runcStub(nr: number, arch: SeccompArch, max64: number, max32: number): boolean {
  if (arch.id === 'x86') return nr > max32;
  return (nr & 0x40000000) !== 0 ? nr > max32 : nr > max64;
}

describe.skipIf(!oracle.available)(`Docker default profile: bpfsim == libseccomp${reason}`, () => {
  if (!oracle.available) return;
  const lines = oracle.lines(PROFILE, ['--arch', 'amd64', '--caps', 'docker-default', '--kernel', '6.18']);
  const text = readFileSync(PROFILE, 'utf8');
  const names = [...lines.matchAll(/^rule (\S+)/gm)].map((m) => m[1] as string);

  for (const mode of ['crun', 'runc'] as const) {
    it(`${mode}: every number of x86_64, i386 and x32 with Docker's argument patterns`, () => {
      const lsc = oracle.compile(lines, mode, '2'); // -O2 decides as -O1 does, and runs faster
      const ours = compileProfileText(text, 'moby-default.json', { arch: 'x86_64', compat: mode });
      // Table drift: numbers whose name libseccomp's own table (an older syscalls.csv) places
      // elsewhere or not at all. bpfsim follows the newer table; there only ALLOW vs default may differ.
      const drift = new Set<number>();
      const theirMax = new Map<string, number>();
      const ourMax = new Map<string, number>();
      for (const arch of [X86_64, X86, X32]) {
        const theirs = oracle.resolve(names, arch.id as 'x86_64' | 'x86' | 'x32');
        let tm = -1;
        let om = -1;
        for (const n of names) {
          const mine = syscallNumber(arch, n);
          const their = theirs.get(n);
          if (their !== undefined) tm = Math.max(tm, their);
          if (mine !== undefined) om = Math.max(om, mine);
          // A negative number is libseccomp's pseudo number for a socketcall/ipc-multiplexed
          // call: it still adds the direct syscall (arch-x86.c x86_rule_add), no drift.
          if (mine !== their && !(arch.id === 'x86' && X86_MUX.has(n) && their !== undefined && their < 0)) {
            if (mine !== undefined) drift.add(mine + (arch.id === 'x86' ? 2 ** 33 : 0));
            if (their !== undefined && their >= 0) drift.add(their + (arch.id === 'x86' ? 2 ** 33 : 0));
          }
        }
        theirMax.set(arch.id, tm);
        ourMax.set(arch.id, om);
      }
      expect(drift.size).toBeLessThan(30);
      const maxOf = (m: Map<string, number>, id: string) => m.get(id) ?? -1;
      let compared = 0;
      const diffs: string[] = [];
      for (const arch of [X86_64, X86, X32]) {
        for (const nr of numbersFor(arch)) {
          const key = nr + (arch.id === 'x86' ? 2 ** 33 : 0);
          for (const v of ARG_VALUES) {
            for (const args of [[v], [0n, v]]) {
              let expected = decide(lsc.filter, arch, nr, args);
              let got = decide(ours.filter, arch, nr, args);
              if (mode === 'runc') {
                const m32 = arch.id === 'x86' ? 'x86' : 'x32';
                const stubTheirs = runcStub(nr, arch, maxOf(theirMax, 'x86_64'), maxOf(theirMax, m32));
                const stubOurs = runcStub(nr, arch, maxOf(ourMax, 'x86_64'), maxOf(ourMax, m32));
                if (stubTheirs) expected = 'ERRNO(38)';
                // Numbers between libseccomp's and bpfsim's highest known name: table drift only.
                if (stubOurs !== stubTheirs) got = expected;
              }
              compared++;
              if (got !== expected && !drift.has(key))
                diffs.push(
                  `${arch.id} nr=${nr} args=${args.join(',')}: bpfsim ${got}, libseccomp ${expected}`,
                );
              if (drift.has(key) && got !== expected)
                expect([got, expected].sort()).toEqual(['ALLOW', 'ERRNO(1)']);
            }
          }
        }
      }
      expect([...new Set(diffs.map((d) => d.split(' args')[0]))]).toEqual([]);
      expect(compared).toBeGreaterThan(50_000);
    });
  }

  it('finds the names libseccomp 2.5 does not know and reports the same rule count', () => {
    const lsc = oracle.compile(lines, 'runc');
    expect(lsc.stats).toMatch(/rules_in=\d+/);
    const ours = compileProfileText(text, 'moby-default.json', { arch: 'x86_64' });
    expect(ours.profile.rules.map((r) => r.name)).toEqual(names);
  });
});

/** A profile exercising every operator, action, the legacy OR, masks and x86 socketcall/ipc. */
const SYNTHETIC = {
  defaultAction: 'SCMP_ACT_ERRNO',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  syscalls: [
    { names: ['read', 'write', 'connect', 'semget', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 1, op: 'SCMP_CMP_EQ' }] },
    {
      names: ['personality'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 13,
      args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_GT' }],
    },
    {
      names: ['setuid'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 0x100000000, op: 'SCMP_CMP_LT' }],
    },
    { names: ['setgid'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_LE' }] },
    { names: ['umask'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_NE' }] },
    {
      names: ['alarm'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 0x100000001, op: 'SCMP_CMP_GE' }],
    },
    {
      names: ['dup'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 9,
      args: [
        { index: 0, value: 100, op: 'SCMP_CMP_EQ' },
        { index: 0, value: 200, op: 'SCMP_CMP_EQ' },
      ],
    },
    {
      names: ['dup2'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 10,
      args: [
        { index: 0, value: 100, op: 'SCMP_CMP_EQ' },
        { index: 1, value: 0xff, valueTwo: 0x10, op: 'SCMP_CMP_MASKED_EQ' },
      ],
    },
    {
      names: ['mprotect'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 2, value: 0xffffffff00000004n, valueTwo: 0x100000000, op: 'SCMP_CMP_MASKED_EQ' }],
    },
    { names: ['getuid'], action: 'SCMP_ACT_KILL_PROCESS' },
    { names: ['getgid'], action: 'SCMP_ACT_KILL' },
    { names: ['getppid'], action: 'SCMP_ACT_TRAP' },
    { names: ['geteuid'], action: 'SCMP_ACT_TRACE', errnoRet: 77 },
    { names: ['getegid'], action: 'SCMP_ACT_LOG' },
    { names: ['getpgrp'], action: 'SCMP_ACT_ERRNO', errnoRet: 4094 },
    { names: ['getsid'], action: 'SCMP_ACT_NOTIFY' },
  ],
};

describe.skipIf(!oracle.available)(`synthetic profile: bpfsim == libseccomp${reason}`, () => {
  if (!oracle.available) return;
  it('every named syscall on x86_64, i386 and x32, each argument index with the probe values', () => {
    // 64-bit values are written exactly (bigint → bare JSON integer).
    const text = JSON.stringify(SYNTHETIC, (_k, v) => (typeof v === 'bigint' ? `#${v}#` : v)).replace(
      /"#(\d+)#"/g,
      '$1',
    );
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-synth-'));
    const path = join(dir, 'synthetic.json');
    writeFileSync(path, text);
    const lines = oracle.lines(path, ['--arch', 'amd64']);
    const lsc = oracle.compile(lines, 'crun', '2');
    const ours = compileProfileText(text, 'synthetic.json', { arch: 'x86_64', compat: 'crun' });
    const diffs: string[] = [];
    let compared = 0;
    const names = SYNTHETIC.syscalls.flatMap((s) => s.names).concat(['socketcall', 'ipc', 'mkdir']);
    for (const arch of [X86_64, X86, X32]) {
      for (const n of names) {
        const nr = syscallNumber(arch, n);
        if (nr === undefined) continue;
        for (let idx = 0; idx < 4; idx++)
          for (const v of ARG_VALUES) {
            const args = [0n, 0n, 0n, 0n];
            args[idx] = v;
            if (n === 'dup2') args[0] = 100n;
            const e = decide(lsc.filter, arch, nr, args);
            const g = decide(ours.filter, arch, nr, args);
            compared++;
            if (e !== g) diffs.push(`${arch.id} ${n} args=${args.join(',')}: bpfsim ${g}, libseccomp ${e}`);
          }
      }
    }
    expect(diffs.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(4000);
  });
});

describe('Docker default profile code quality (x86_64 with its i386 and x32 sections)', () => {
  const text = readFileSync(PROFILE, 'utf8');
  const ours = compileProfileText(text, 'moby-default.json', { arch: 'x86_64' });
  it('has at most 600 instructions and a median of at most 10 executed per x86_64 syscall', () => {
    expect(ours.filter.length).toBeLessThanOrEqual(600);
    const executed = archSyscalls(X86_64)
      .map(
        ([, nr]) =>
          runFilter(ours.filter, { nr, arch: X86_64.audit, instructionPointer: 0n, args: [] }).executed,
      )
      .sort((a, b) => a - b);
    const median =
      ((executed[(executed.length - 1) >> 1] as number) + (executed[executed.length >> 1] as number)) / 2;
    expect(median).toBeLessThanOrEqual(10);
  });
});
