/**
 * The generated syscall tables: up to date with data/seccomp/libseccomp-syscalls.csv, consistent
 * with the Linux 6.12 kernel's own syscall_*.tbl files (from ../shared, skipped when absent), and
 * the arch-name / x32-bit API.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';
import {
  archSyscalls,
  isKnownSyscall,
  syscallName,
  syscallNumber,
} from '../../../src/seccomp/syscalls/resolve.js';
import { SYSCALL_NAMES } from '../../../src/seccomp/syscalls/tables.generated.js';
import { AUDIT_ARCH } from '../../../src/seccomp/uapi.js';

const ROOT = join(import.meta.dirname, '../../..');
const KERNEL = join(ROOT, '../shared/data/seccomp/kernel-6.12');
const hasKernel = existsSync(KERNEL);
const arch = (n: string) => findArch(n) as SeccompArch;

describe('generated table', () => {
  it('is what scripts/gen-syscall-tables.mjs generates from the copied csv', () => {
    expect(() =>
      execFileSync('node', [join(ROOT, 'scripts/gen-syscall-tables.mjs'), '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('holds every csv row with its x86_64 number', () => {
    const rows = readFileSync(join(ROOT, 'data/seccomp/libseccomp-syscalls.csv'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(SYSCALL_NAMES.length).toBe(rows.length);
    for (const row of rows) {
      const f = row.split(',');
      const nr = f[3] === 'PNR' ? undefined : Number(f[3]);
      expect(syscallNumber(arch('x86_64'), f[0] as string)).toBe(nr);
    }
  });
});

describe('arch names and numbers', () => {
  it('accepts OCI, Go and kernel spellings', () => {
    for (const n of ['SCMP_ARCH_X86_64', 'amd64', 'x86_64', 'X86_64']) expect(findArch(n)?.id).toBe('x86_64');
    for (const n of ['SCMP_ARCH_X86', 'x86', 'i386', '386']) expect(findArch(n)?.id).toBe('x86');
    for (const n of ['SCMP_ARCH_AARCH64', 'arm64', 'aarch64']) expect(findArch(n)?.id).toBe('aarch64');
    expect(findArch('SCMP_ARCH_PARISC')).toBeUndefined();
    expect(findArch('vax')).toBeUndefined();
  });

  it('uses the uapi AUDIT_ARCH values', () => {
    expect(arch('x86_64').audit).toBe(AUDIT_ARCH.X86_64);
    expect(arch('x32').audit).toBe(AUDIT_ARCH.X86_64);
    expect(arch('x86').audit).toBe(AUDIT_ARCH.I386);
    expect(arch('aarch64').audit).toBe(AUDIT_ARCH.AARCH64);
    expect(arch('arm').audit).toBe(AUDIT_ARCH.ARM);
    expect(arch('riscv64').audit).toBe(AUDIT_ARCH.RISCV64);
    expect(arch('s390x').audit).toBe(AUDIT_ARCH.S390X);
    expect(arch('ppc64le').audit).toBe(AUDIT_ARCH.PPC64LE);
    expect(arch('mips64').audit).toBe(AUDIT_ARCH.MIPS64);
  });

  it('resolves well-known numbers (x32 with the 0x40000000 bit, MIPS n64 base 5000)', () => {
    expect(syscallNumber(arch('x86_64'), 'read')).toBe(0);
    expect(syscallNumber(arch('x86'), 'read')).toBe(3);
    expect(syscallNumber(arch('x32'), 'read')).toBe(0x40000000);
    expect(syscallNumber(arch('x32'), 'rt_sigaction')).toBe(0x40000000 + 512);
    expect(syscallNumber(arch('aarch64'), 'read')).toBe(63);
    expect(syscallNumber(arch('mips64'), 'read')).toBe(5000);
    expect(syscallNumber(arch('aarch64'), 'open')).toBeUndefined();
    expect(syscallName(arch('x32'), 0x40000000 + 39)).toBe('getpid');
    expect(syscallName(arch('x86_64'), 100000)).toBeUndefined();
    expect(isKnownSyscall('openat2')).toBe(true);
    expect(isKnownSyscall('not_a_syscall')).toBe(false);
  });
});

function kernelTable(file: string, abis: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of readFileSync(join(KERNEL, file), 'utf8').split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [nr, abi, name] = line.split(/\s+/);
    if (abis.includes(abi as string) && name !== undefined) m.set(name, Number(nr));
  }
  return m;
}

describe.skipIf(!hasKernel)(
  `agreement with Linux 6.12 syscall tables${hasKernel ? '' : ' (skipped: needs ../shared/data/seccomp)'}`,
  () => {
    const cases: Array<[string, string, string[], number]> = [
      ['x86_64', 'arch/x86/entry/syscalls/syscall_64.tbl', ['common', '64'], 0],
      ['x32', 'arch/x86/entry/syscalls/syscall_64.tbl', ['common', 'x32'], 0x40000000],
      ['x86', 'arch/x86/entry/syscalls/syscall_32.tbl', ['i386'], 0],
      ['arm', 'arch/arm/tools/syscall.tbl', ['common', 'eabi'], 0],
      ['s390x', 'arch/s390/kernel/syscalls/syscall.tbl', ['common', '64'], 0],
    ];
    for (const [id, file, abis, bit] of cases) {
      it(`${id}: every kernel syscall libseccomp names has the kernel's number`, () => {
        const k = kernelTable(file, abis);
        let checked = 0;
        for (const [name, nr] of k) {
          if (!isKnownSyscall(name)) continue;
          const ours = syscallNumber(arch(id), name);
          if (ours === undefined) continue;
          expect(`${name}=${ours}`).toBe(`${name}=${(nr + bit) >>> 0}`);
          checked++;
        }
        expect(checked).toBeGreaterThan(250);
        // And no number of ours below the kernel's highest common one (newer syscalls aside) is
        // unknown to the kernel table.
        const byNr = new Set([...k.values()].map((n) => (n + bit) >>> 0));
        const maxK = (Math.max(...kernelTable(file, [abis[0] as string]).values()) + bit) >>> 0;
        const extra = archSyscalls(arch(id)).filter(([, nr]) => nr <= maxK && !byNr.has(nr));
        expect(extra.length).toBeLessThan(5);
      });
    }
  },
);
