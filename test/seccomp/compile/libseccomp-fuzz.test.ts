/**
 * Random small OCI profiles compiled by bpfsim (compat crun: libseccomp without runc's stub) and
 * by libseccomp (lsc-compile -m crun), decided for random argument vectors on x86_64, i386 and
 * x32 by the interpreter: the decisions must be equal. Skips visibly without the oracle.
 *
 * Each syscall name appears in one entry only, and an argument index repeats (runc's legacy OR:
 * several rules for one syscall) only with EQ / MASKED_EQ conditions: libseccomp 2.5.x merges
 * several range comparisons (LT/LE/GT/GE) of one syscall wrongly (GHSA-4q85-33p6-j5g6, fixed in
 * 2.6.1; e.g. `a1 <= 0 || a1 <= 0x100000000` lets a1 = 2 through) and bpfsim implements the
 * intended semantics, not that bug.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRet } from '../../../src/seccomp/actions.js';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { compileProfile } from '../../../src/seccomp/compile/compile.js';
import { profileFromJson } from '../../../src/seccomp/profile/parse.js';
import { SECCOMP_OPERATORS } from '../../../src/seccomp/profile/types.js';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';
import { syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';
import { lscOracle } from './libseccomp-oracle.js';

const oracle = lscOracle();
const reason = oracle.available ? '' : ` (skipped: ${oracle.reason})`;
const ABIS = ['x86_64', 'x86', 'x32'].map((a) => findArch(a) as SeccompArch);
const NAMES = [
  'read',
  'dup',
  'dup2',
  'dup3',
  'personality',
  'setuid',
  'socket',
  'connect',
  'semget',
  'getpid',
];
const VALUES = [0n, 1n, 2n, 0xffn, 0xffffffffn, 0x100000000n, 0x100000001n, 0xffffffffffffffffn];
const ACTIONS: Array<[string, number | undefined]> = [
  ['SCMP_ACT_ALLOW', undefined],
  ['SCMP_ACT_ERRNO', 3],
  ['SCMP_ACT_ERRNO', 7],
  ['SCMP_ACT_TRAP', undefined],
  ['SCMP_ACT_KILL_PROCESS', undefined],
  ['SCMP_ACT_LOG', undefined],
];

const argArb = fc.record({
  index: fc.integer({ min: 0, max: 2 }),
  value: fc.constantFrom(...VALUES),
  valueTwo: fc.constantFrom(...VALUES),
  op: fc.constantFrom(...SECCOMP_OPERATORS),
});
const entryArb = fc.record({
  names: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 2 }),
  action: fc.constantFrom(...ACTIONS),
  args: fc.array(argArb, { maxLength: 2 }),
});
const profileArb = fc
  .record({
    defaultAction: fc.constantFrom(...ACTIONS),
    arches: fc.subarray(['SCMP_ARCH_X86', 'SCMP_ARCH_X32']),
    entries: fc.array(entryArb, { minLength: 1, maxLength: 5 }),
  })
  .map((p) => {
    const seen = new Set<string>();
    const entries = p.entries
      .map((e) => ({ ...e, names: e.names.filter((n) => !seen.has(n) && seen.add(n)) }))
      .filter((e) => e.names.length > 0)
      .map((e) => {
        const idx = e.args.map((a) => a.index);
        const repeated = idx.some((x, i) => idx.indexOf(x) !== i);
        if (!repeated) return e;
        return {
          ...e,
          args: e.args.map((a) => ({ ...a, op: a.op === 'SCMP_CMP_MASKED_EQ' ? a.op : 'SCMP_CMP_EQ' })),
        };
      });
    return { ...p, entries };
  });

type Gen = typeof profileArb extends fc.Arbitrary<infer T> ? T : never;

function toLines(p: Gen): string {
  const [da, de] = p.defaultAction;
  const out = [de === undefined ? `default ${da}` : `default ${da} ${de}`];
  for (const a of p.arches) out.push(`arch ${a}`);
  for (const e of p.entries)
    for (const n of e.names) {
      const args = e.args.map((a) => `${a.index} ${a.op} ${a.value} ${a.valueTwo}`).join(' ');
      out.push(`rule ${n} ${e.action[0]} ${e.action[1] ?? '-'}${args ? ` ${args}` : ''}`);
    }
  return `${out.join('\n')}\n`;
}

function toProfile(p: Gen) {
  const [da, de] = p.defaultAction;
  return profileFromJson(
    {
      defaultAction: da,
      ...(de === undefined ? {} : { defaultErrnoRet: de }),
      architectures: p.arches,
      syscalls: p.entries.map((e) => ({
        names: e.names,
        action: e.action[0],
        ...(e.action[1] === undefined ? {} : { errnoRet: e.action[1] }),
        args: e.args.map((a) => ({ ...a })) as never,
      })),
    },
    'fuzz.json',
  );
}

describe.skipIf(!oracle.available)(`random profiles: bpfsim == libseccomp${reason}`, () => {
  if (!oracle.available) return;
  it('decides every named syscall like libseccomp for random arguments', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        profileArb,
        fc.array(fc.array(fc.constantFrom(...VALUES), { minLength: 3, maxLength: 3 }), {
          minLength: 12,
          maxLength: 12,
        }),
        (p, argSets) => {
          let lsc: ReturnType<typeof oracle.compile>;
          try {
            lsc = oracle.compile(toLines(p), 'crun', '2');
          } catch {
            return; // libseccomp refused the rule set (e.g. conflicting actions): nothing to compare
          }
          const ours = compileProfile(toProfile(p), { arch: 'x86_64', compat: 'crun' });
          for (const arch of ABIS)
            for (const n of [...NAMES, 'socketcall', 'ipc']) {
              const nr = syscallNumber(arch, n);
              if (nr === undefined) continue;
              for (const args of argSets) {
                const d = { nr, arch: arch.audit, instructionPointer: 0n, args };
                const e = formatRet(runFilter(lsc.filter, d).ret);
                const g = formatRet(runFilter(ours.filter, d).ret);
                compared++;
                expect(`${arch.id} ${n} ${args.join(',')} -> ${g}`).toBe(
                  `${arch.id} ${n} ${args.join(',')} -> ${e}`,
                );
              }
            }
        },
      ),
      { numRuns: 60 },
    );
    expect(compared).toBeGreaterThan(1000);
  });
});
