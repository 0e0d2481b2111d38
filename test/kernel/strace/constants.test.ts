/**
 * The x86_64 constant table against the C headers of this machine (glibc + Linux uapi), compiled
 * with cc: an independent source for every value. Skips visibly without a C compiler on x86_64 Linux.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { X86_64_CONSTANT_GROUPS, x86_64Constant } from '../../../src/kernel/strace/constants.js';

function hasCc(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Values glibc defines differently from the kernel ABI, or that only exist in kernel headers. */
const KERNEL_ONLY: Record<string, string> = {
  O_LARGEFILE: 'glibc defines 0 on x86_64; the kernel flag is 0100000 (asm-generic/fcntl.h)',
  __O_SYNC: 'kernel-internal name (asm-generic/fcntl.h)',
  __O_TMPFILE: 'kernel-internal name (asm-generic/fcntl.h)',
};

const HEADERS = `#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sched.h>
`;

describe.skipIf(!hasCc())('x86_64 constants vs the C headers (skipped: needs cc on x86_64 Linux)', () => {
  it('every constant the headers define has the same value', () => {
    const names = Object.values(X86_64_CONSTANT_GROUPS)
      .flatMap((g) => Object.keys(g))
      .filter((n) => !(n in KERNEL_ONLY));
    const body = names
      .map(
        (n) =>
          `#ifdef ${n}\n  printf("${n} %lld\\n", (long long)(${n}));\n#else\n  printf("${n} undefined\\n");\n#endif`,
      )
      .join('\n');
    // Some names are enum members in glibc (not macros): print those unconditionally.
    const enums = [
      'IPPROTO_IP',
      'IPPROTO_ICMP',
      'IPPROTO_TCP',
      'IPPROTO_UDP',
      'IPPROTO_IPV6',
      'IPPROTO_ICMPV6',
      'IPPROTO_SCTP',
      'IPPROTO_RAW',
      'SOCK_STREAM',
      'SOCK_DGRAM',
      'SOCK_RAW',
      'SOCK_RDM',
      'SOCK_SEQPACKET',
      'SOCK_DCCP',
      'SOCK_PACKET',
      'SOCK_NONBLOCK',
      'SOCK_CLOEXEC',
      ...Object.keys(X86_64_CONSTANT_GROUPS.personality),
    ];
    const enumBody = enums.map((n) => `  printf("${n} %lld\\n", (long long)(${n}));`).join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'strace-consts-'));
    try {
      writeFileSync(join(dir, 'c.c'), `${HEADERS}int main(void) {\n${body}\n${enumBody}\n  return 0;\n}\n`);
      execFileSync('cc', ['-o', join(dir, 'c'), join(dir, 'c.c')], { stdio: 'pipe' });
      const out = execFileSync(join(dir, 'c'), { encoding: 'utf8' });
      const seen = new Map<string, string>();
      for (const line of out.trim().split('\n')) {
        const [n, v] = line.split(' ') as [string, string];
        if (v !== 'undefined' || !seen.has(n)) seen.set(n, v);
      }
      const mismatches: string[] = [];
      let checked = 0;
      for (const n of names) {
        const v = seen.get(n);
        if (v === undefined || v === 'undefined') continue;
        checked++;
        if (BigInt(v) !== x86_64Constant(n))
          mismatches.push(`${n}: headers ${v}, table ${x86_64Constant(n)}`);
      }
      expect(mismatches).toEqual([]);
      // Nearly all names must be checkable here, or the test checks nothing.
      expect(checked).toBeGreaterThan(names.length * 0.9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('x86_64 constant table', () => {
  it('names kernel values glibc hides, from the uapi header text', () => {
    expect(x86_64Constant('O_LARGEFILE')).toBe(0o100000n);
    expect(x86_64Constant('O_TMPFILE')).toBe(0o20000000n | 0o200000n);
    expect(x86_64Constant('O_SYNC')).toBe(0o4000000n | 0o10000n);
    expect(x86_64Constant('NOPE')).toBeUndefined();
  });
});
