/**
 * Argument conditions against a direct BigInt model of their meaning: 64-bit arches compare the
 * whole u64 (both halves), 32-bit arches (i386) and x32 only the low 32 bits (libseccomp
 * _db_rule_gen_32), MASKED_EQ is `(arg & mask) == (valueTwo & mask)` (libseccomp masks the datum),
 * conditions of one entry are ANDed unless an index repeats (runc's legacy OR).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { validateFilter } from '../../../src/seccomp/cbpf/validate.js';
import { compileProfile } from '../../../src/seccomp/compile/compile.js';
import { profileFromJson } from '../../../src/seccomp/profile/parse.js';
import {
  type ProfileArg,
  SECCOMP_OPERATORS,
  type SeccompOperator,
} from '../../../src/seccomp/profile/types.js';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';
import { syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';

const MAX = (1n << 64n) - 1n;
const edge = fc.constantFrom(
  0n,
  1n,
  2n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x100000001n,
  0xffffffff00000000n,
  MAX,
);
const u64 = fc.oneof(edge, fc.bigInt({ min: 0n, max: MAX }), fc.bigInt({ min: 0n, max: 0x1_0000_0003n }));

function holds(op: SeccompOperator, a: bigint, v: bigint, v2: bigint, bits: 32 | 64): boolean {
  const m = bits === 64 ? MAX : 0xffffffffn;
  const x = a & m;
  const y = v & m;
  switch (op) {
    case 'SCMP_CMP_EQ':
      return x === y;
    case 'SCMP_CMP_NE':
      return x !== y;
    case 'SCMP_CMP_LT':
      return x < y;
    case 'SCMP_CMP_LE':
      return x <= y;
    case 'SCMP_CMP_GT':
      return x > y;
    case 'SCMP_CMP_GE':
      return x >= y;
    case 'SCMP_CMP_MASKED_EQ':
      return (x & y) === (v2 & y);
  }
}

const cond = fc.record({
  index: fc.integer({ min: 0, max: 5 }),
  value: u64,
  valueTwo: u64,
  op: fc.constantFrom(...SECCOMP_OPERATORS),
});

for (const archId of ['x86_64', 'aarch64', 'x86', 'x32'] as const) {
  const arch = findArch(archId) as SeccompArch;
  const host = archId === 'x86' || archId === 'x32' ? 'x86_64' : archId;
  describe(`argument conditions on ${archId} (${arch.bits}-bit compares)`, () => {
    it('decide like the BigInt model, for AND and the legacy same-index OR', () => {
      fc.assert(
        fc.property(
          fc.array(cond, { minLength: 1, maxLength: 3 }),
          fc.array(u64, { minLength: 6, maxLength: 6 }),
          fc.boolean(),
          (conds, args, nudge) => {
            // Often make an argument equal / adjacent to its condition's value.
            const a = [...args];
            const c0 = conds[0] as ProfileArg;
            if (nudge) a[c0.index] = (c0.value + BigInt(Number(args[0] as bigint) % 3) - 1n) & MAX;
            const profile = profileFromJson(
              {
                defaultAction: 'SCMP_ACT_ALLOW',
                architectures: [arch.scmp],
                syscalls: [
                  {
                    names: ['getpid'],
                    action: 'SCMP_ACT_ERRNO',
                    errnoRet: 5,
                    args: conds.map((c) => ({ ...c, value: c.value, valueTwo: c.valueTwo })) as never,
                  },
                ],
              },
              'p.json',
            );
            // profileFromJson takes JSON values; bigint values are passed through as-is.
            const compiled = compileProfile(profile, { arch: host, compat: 'crun' });
            expect(validateFilter(compiled.filter).ok).toBe(true);
            const indexes = conds.map((c) => c.index);
            const repeated = indexes.some((x, i) => indexes.indexOf(x) !== i);
            const each = conds.map((c) => holds(c.op, a[c.index] as bigint, c.value, c.valueTwo, arch.bits));
            const match = repeated ? each.some(Boolean) : each.every(Boolean);
            const nr = syscallNumber(arch, 'getpid') as number;
            const r = runFilter(compiled.filter, { nr, arch: arch.audit, instructionPointer: 0n, args: a });
            expect(r.ret >>> 0).toBe(match ? 0x00050005 : 0x7fff0000);
          },
        ),
        { numRuns: 250 },
      );
    });
  });
}

describe('libseccomp pitfalls', () => {
  const x86_64 = findArch('x86_64') as SeccompArch;
  const run = (op: SeccompOperator, value: bigint, arg: bigint, arch = 'x86_64') => {
    const a = findArch(arch) as SeccompArch;
    const p = profileFromJson(
      {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: [a.scmp],
        syscalls: [
          {
            names: ['personality'],
            action: 'SCMP_ACT_ERRNO',
            errnoRet: 13,
            args: [{ index: 0, value, op }] as never,
          },
        ],
      },
      'p.json',
    );
    const f = compileProfile(p, { arch: 'x86_64', compat: 'crun' }).filter;
    const nr = syscallNumber(a, 'personality') as number;
    return runFilter(f, { nr, arch: a.audit, instructionPointer: 0n, args: [arg] }).ret >>> 0;
  };
  it('GT 0xffffffff on x86_64 looks at the high half (kernel-checked in the oracle README)', () => {
    expect(run('SCMP_CMP_GT', 0xffffffffn, 0xffffffffn)).toBe(0x7fff0000);
    expect(run('SCMP_CMP_GT', 0xffffffffn, 0x100000000n)).toBe(0x0005000d);
    void x86_64;
  });
  it('i386 compares only the low half: 0x100000000 is 0 there', () => {
    expect(run('SCMP_CMP_EQ', 0n, 0x100000000n, 'x86')).toBe(0x0005000d);
    expect(run('SCMP_CMP_EQ', 0n, 0x100000000n, 'x86_64')).toBe(0x7fff0000);
  });
});
