/**
 * @fileoverview The decision of a filter for one `AUDIT_ARCH` value as a function of the syscall
 * number, cut into ranges of numbers with one outcome. x86_64 and x32 share AUDIT_ARCH_X86_64 and
 * are told apart by `__X32_SYSCALL_BIT` as libseccomp src/gen_bpf.c _gen_bpf_arch does (x86_64
 * alone: numbers >= 0x40000000 other than -1 are a bad arch; x32 alone: numbers below are); with
 * compat runc, runc's libcontainer/seccomp/patchbpf/enosys_linux.go generateEnosysStub answers
 * ENOSYS for numbers above the highest one the profile names on each listed arch (its
 * `jset 0x40000000` split for x86_64 / x32, and syscall 0 on s390 / s390x).
 */
import { archSyscalls } from '../syscalls/resolve.js';
import { SECCOMP_RET, X32_SYSCALL_BIT } from '../uapi.js';
import type { ArchPlan, FilterPlan, SyscallPlan } from './plan.js';

/** What the filter does for a range of numbers: return a constant, or run a syscall's rules. */
export type Outcome =
  | { kind: 'ret'; ret: number }
  | { kind: 'rules'; plan: SyscallPlan; bits: 32 | 64; fallback: number };

/** Numbers `lo..hi` (inclusive, unsigned) share `outcome`; `weight` counts known syscalls in it. */
export interface Segment {
  lo: number;
  hi: number;
  outcome: Outcome;
  weight: number;
}

/** One arch check of the filter and the number ranges behind it. */
export interface Section {
  audit: number;
  plans: ArchPlan[];
  segments: Segment[];
}

/** Weight of a known syscall of the secondary ABI of a shared AUDIT_ARCH (x32 beside x86_64). */
const SECONDARY_WEIGHT = 0.5;

/** `-ENOSYS` as runc's stub returns it. */
export const RET_ENOSYS = (SECCOMP_RET.ERRNO | 38) >>> 0;

/** Whether runc adds its -ENOSYS stub (patchbpf generatePatch). */
export function wantsEnosysStub(plan: FilterPlan, defaultAction: string, defaultErrnoRet?: number): boolean {
  if (plan.compat !== 'runc') return false;
  if (defaultErrnoRet === 38) return false;
  return !['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(defaultAction);
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.kind === 'ret' && b.kind === 'ret' && a.ret === b.ret;
}

/** Builds the sections of a filter: one per distinct AUDIT_ARCH, the native arch first. */
export function buildSections(plan: FilterPlan, enosys: boolean): Section[] {
  const groups = new Map<number, ArchPlan[]>();
  for (const ap of plan.arches) {
    const g = groups.get(ap.arch.audit) ?? [];
    g.push(ap);
    groups.set(ap.arch.audit, g);
  }
  const out: Section[] = [];
  for (const [audit, plans] of groups) {
    const x64 = plans.find((p) => p.arch.id === 'x86_64');
    const x32 = plans.find((p) => p.arch.id === 'x32');
    const rules = new Map<number, { plan: SyscallPlan; bits: 32 | 64 }>();
    for (const p of plans) for (const [nr, sp] of p.syscalls) rules.set(nr, { plan: sp, bits: p.arch.bits });

    // runc generateEnosysStub: only listed arches with a positive highest number take part.
    const inStub = plans.filter((p) => enosys && p.listed && p.maxNr > 0);
    const s64 = inStub.find((p) => p.arch.id === 'x86_64');
    const s32 = inStub.find((p) => p.arch.id === 'x32');
    const stub = (nr: number): boolean => {
      const only = inStub.length === 1 ? inStub[0] : undefined;
      if (s64 !== undefined && s32 !== undefined)
        return (nr & X32_SYSCALL_BIT) !== 0 ? nr > s32.maxNr : nr > s64.maxNr;
      if (only === undefined) return false;
      if (only === s64) return (nr & X32_SYSCALL_BIT) === 0 && nr > only.maxNr;
      if (only === s32) return (nr & X32_SYSCALL_BIT) !== 0 && nr > only.maxNr;
      // s390 / s390x: syscall 0 is the "large syscall number" multiplexer: -ENOSYS too.
      if (only.arch.id === 's390' || only.arch.id === 's390x') return nr === 0 || nr > only.maxNr;
      return nr > only.maxNr;
    };
    const outcomeAt = (nr: number): Outcome => {
      if (stub(nr)) return { kind: 'ret', ret: RET_ENOSYS };
      if (x64 !== undefined && x32 === undefined && nr >= X32_SYSCALL_BIT && nr !== 0xffffffff)
        return { kind: 'ret', ret: plan.badArchRet };
      if (x32 !== undefined && x64 === undefined && nr < X32_SYSCALL_BIT)
        return { kind: 'ret', ret: plan.badArchRet };
      const r = rules.get(nr);
      if (r === undefined) return { kind: 'ret', ret: plan.defaultRet };
      const only = r.plan.rules[0];
      if (r.plan.rules.length === 1 && only !== undefined && only.conds.length === 0)
        return { kind: 'ret', ret: only.ret };
      return { kind: 'rules', plan: r.plan, bits: r.bits, fallback: plan.defaultRet };
    };

    const cuts = new Set<number>([0, 1, X32_SYSCALL_BIT, 0x80000000, 0xc0000000, 0xffffffff]);
    for (const nr of rules.keys()) {
      cuts.add(nr);
      if (nr < 0xffffffff) cuts.add(nr + 1);
    }
    for (const p of plans) if (p.maxNr >= 0 && p.maxNr < 0xffffffff) cuts.add(p.maxNr + 1);
    const starts = [...cuts].sort((a, b) => a - b);
    // Known numbers weigh 1 on the first arch of the group (the native one for x86_64 + x32),
    // less on a secondary ABI sharing the AUDIT_ARCH value.
    const known = plans
      .flatMap((p, i) =>
        archSyscalls(p.arch).map(([, nr]): [number, number] => [nr, i === 0 ? 1 : SECONDARY_WEIGHT]),
      )
      .sort((a, b) => a[0] - b[0]);
    const segments: Segment[] = [];
    starts.forEach((lo, i) => {
      const next = starts[i + 1];
      const hi = next === undefined ? 0xffffffff : next - 1;
      const outcome = outcomeAt(lo);
      const prev = segments[segments.length - 1];
      if (prev !== undefined && sameOutcome(prev.outcome, outcome)) prev.hi = hi;
      else segments.push({ lo, hi, outcome, weight: 0 });
    });
    let j = 0;
    for (const s of segments) {
      while (j < known.length && (known[j] as [number, number])[0] < s.lo) j++;
      while (j < known.length && (known[j] as [number, number])[0] <= s.hi) {
        s.weight += (known[j] as [number, number])[1];
        j++;
      }
    }
    out.push({ audit, plans, segments });
  }
  return out;
}
