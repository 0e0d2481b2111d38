/**
 * @fileoverview The seccomp profile compiler: profile → resolved rules → per-arch plans → classic
 * BPF. Layout: `ld arch`, one `jeq` per AUDIT_ARCH (the native one first, anything else the
 * bad-arch action), then per arch `ld nr` and a weighted binary search over number ranges whose
 * leaves return directly or run a syscall's argument rules. Decisions equal what runc / crun
 * (libseccomp, libcontainer/seccomp) or gVisor (runsc/specutils/seccomp BuildProgram) load.
 * Models libseccomp src/gen_bpf.c gen_bpf_generate and runc patchbpf for the decisions.
 */
import { CBPF_JMP, type SockFilter } from '../cbpf/filter.js';
import { parseProfile } from '../profile/parse.js';
import { DOCKER_DEFAULT_CAPS, type ResolvedProfile, resolveProfile } from '../profile/resolve.js';
import { type SeccompProfile, SeccompProfileError } from '../profile/types.js';
import { findArch, type SeccompArch } from '../syscalls/arches.js';
import { SECCOMP_DATA, SECCOMP_FILTER_FLAG, SECCOMP_LIMITS } from '../uapi.js';
import type { Compat } from './actions.js';
import { emitRules } from './args.js';
import { Assembler, type Target } from './asm.js';
import { type RangeTree, thresholdRangeTree } from './bst.js';
import { buildPlan, type FilterPlan, PlanError } from './plan.js';
import { buildSections, type Section, type Segment, wantsEnosysStub } from './sections.js';

/** Options of `compileProfile`. */
export interface CompileOptions {
  /** Native architecture (a name `findArch` accepts, or an arch); default x86_64. */
  arch?: SeccompArch | string;
  /** Runtime semantics; default runc. */
  compat?: Compat;
  /** Bounding capabilities for moby `includes`/`excludes`; default Docker's default set. */
  caps?: ReadonlySet<string> | 'all';
  /** Host kernel for `minKernel`; default 6.18. */
  kernel?: readonly [number, number];
  /** Unknown syscall names are errors instead of warnings. */
  strict?: boolean;
}

/** A compiled filter and what went into it. */
export interface CompiledFilter {
  filter: SockFilter[];
  warnings: string[];
  compat: Compat;
  profile: ResolvedProfile;
  plan: FilterPlan;
  sections: Section[];
  /** Whether runc's -ENOSYS stub semantics are part of the filter. */
  enosysStub: boolean;
  /** seccomp(2) flags the runtime would pass (runc: LOG / SPEC_ALLOW / WAIT_KILLABLE_RECV / NEW_LISTENER). */
  seccompFlags: number;
}

function fieldError(source: string, e: unknown): never {
  if (e instanceof PlanError) throw new SeccompProfileError(source, e.field, e.message);
  throw e;
}

/** Compiles a parsed profile. Throws `SeccompProfileError` naming the profile field at fault. */
export function compileProfile(profile: SeccompProfile, opts: CompileOptions = {}): CompiledFilter {
  const compat = opts.compat ?? 'runc';
  const arch = typeof opts.arch === 'string' ? findArch(opts.arch) : (opts.arch ?? findArch('x86_64'));
  if (arch === undefined)
    throw new SeccompProfileError(profile.source, '', `unknown architecture '${String(opts.arch)}'`);
  const resolved = resolveProfile(profile, {
    arch,
    caps: opts.caps ?? new Set(DOCKER_DEFAULT_CAPS),
    kernel: opts.kernel ?? [6, 18],
  });
  let plan: FilterPlan;
  try {
    plan = buildPlan(resolved, { compat, strict: opts.strict ?? false });
  } catch (e) {
    fieldError(profile.source, e);
  }
  const enosys = wantsEnosysStub(plan, resolved.defaultAction, resolved.defaultErrnoRet);
  const sections = buildSections(plan, enosys);
  const filter = generate(sections, plan.badArchRet);
  if (filter.length > SECCOMP_LIMITS.MAX_INSNS)
    throw new SeccompProfileError(
      profile.source,
      '',
      `the compiled filter has ${filter.length} instructions; seccomp(2) accepts at most ${SECCOMP_LIMITS.MAX_INSNS} (BPF_MAXINSNS)`,
    );
  return {
    filter,
    warnings: plan.warnings.map((w) => `${profile.source}: ${w}`),
    compat,
    profile: resolved,
    plan,
    sections,
    enosysStub: enosys,
    seccompFlags: seccompFlags(resolved, compat),
  };
}

/** Parses and compiles profile text (`source` names it in errors). */
export function compileProfileText(text: string, source: string, opts: CompileOptions = {}): CompiledFilter {
  return compileProfile(parseProfile(text, source), opts);
}

/**
 * runc's seccomp(2) flags (patchbpf filterFlags) or crun's (src/libcrun/seccomp.c): LOG,
 * SPEC_ALLOW (also when `flags` is absent), WAIT_KILLABLE_RECV, NEW_LISTENER.
 */
function seccompFlags(p: ResolvedProfile, compat: Compat): number {
  if (compat === 'gvisor') return 0;
  let f = 0;
  if (p.flags === undefined) f |= SECCOMP_FILTER_FLAG.SPEC_ALLOW;
  for (const fl of p.flags ?? []) {
    if (fl === 'SECCOMP_FILTER_FLAG_LOG') f |= SECCOMP_FILTER_FLAG.LOG;
    if (fl === 'SECCOMP_FILTER_FLAG_SPEC_ALLOW') f |= SECCOMP_FILTER_FLAG.SPEC_ALLOW;
    if (fl === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV') f |= SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV;
  }
  // runc asks for a listener when a rule notifies; crun when the profile names a listenerPath.
  const listener =
    compat === 'crun' ? p.listenerPath !== undefined : p.rules.some((r) => r.action === 'SCMP_ACT_NOTIFY');
  if (listener) f |= SECCOMP_FILTER_FLAG.NEW_LISTENER;
  return f;
}

function generate(sections: Section[], badArchRet: number): SockFilter[] {
  const asm = new Assembler();
  asm.load(SECCOMP_DATA.ARCH);
  const starts = sections.map(() => asm.label());
  sections.forEach((s, i) => {
    const last = i === sections.length - 1;
    const next: Target = last ? { ret: badArchRet } : { label: asm.label() };
    asm.jump(CBPF_JMP.JEQ, s.audit, { label: starts[i] as number }, next);
    if ('label' in next) asm.bind(next.label);
  });
  sections.forEach((s, i) => {
    asm.bind(starts[i] as number);
    asm.load(SECCOMP_DATA.NR);
    const tree = thresholdRangeTree(
      s.segments.map((g) => g.weight),
      i === 0 ? 5 : 4,
      1,
    );
    emitTree(asm, tree, s.segments);
    // A pool of the returns this section uses; the assembler copies them closer when needed.
    const rets = new Set<number>();
    for (const g of s.segments) {
      if (g.outcome.kind === 'ret') rets.add(g.outcome.ret);
      else {
        rets.add(g.outcome.fallback);
        for (const r of g.outcome.plan.rules) rets.add(r.ret);
      }
    }
    for (const r of rets) asm.ret(r);
  });
  return asm.assemble();
}

function size(t: RangeTree): number {
  return 'leaf' in t ? 1 : t.hi - t.lo + 1;
}

function emitTree(asm: Assembler, tree: RangeTree, segs: readonly Segment[]): void {
  const targetOf = (t: RangeTree): { target: Target; emit?: () => void } => {
    if ('leaf' in t) {
      const o = (segs[t.leaf] as Segment).outcome;
      if (o.kind === 'ret') return { target: { ret: o.ret } };
      const l = asm.label();
      return {
        target: { label: l },
        emit: () => {
          asm.bind(l);
          emitRules(asm, o.plan.rules, o.bits, o.fallback);
        },
      };
    }
    const l = asm.label();
    return {
      target: { label: l },
      emit: () => {
        asm.bind(l);
        emitTree(asm, t, segs);
      },
    };
  };
  if ('leaf' in tree) {
    const o = (segs[tree.leaf] as Segment).outcome;
    if (o.kind === 'ret') asm.ret(o.ret);
    else emitRules(asm, o.plan.rules, o.bits, o.fallback);
    return;
  }
  const boundary = (segs[tree.split] as Segment).hi;
  const left = targetOf(tree.left);
  const right = targetOf(tree.right);
  asm.jump(CBPF_JMP.JGT, boundary, right.target, left.target);
  // The smaller subtree first, so the jump over it stays short.
  const order = size(tree.left) <= size(tree.right) ? [left, right] : [right, left];
  for (const o of order) o.emit?.();
}
