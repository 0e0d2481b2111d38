/**
 * @fileoverview From a resolved profile to per-architecture rule plans: which syscall numbers have
 * rules, with which argument conditions and actions. Models runc libcontainer/seccomp
 * seccomp_linux.go InitSeccomp (skip rules whose action is the default, one libseccomp rule per
 * condition when an argument index repeats, unknown names ignored), libseccomp src/db.c
 * db_rule_add (an unconditional rule absorbs the conditional ones of its syscall) and
 * src/arch-x86.c x86_rule_add (socket and IPC calls also matched through socketcall / ipc).
 */

import type { ResolvedProfile } from '../profile/resolve.js';
import type { ProfileArg } from '../profile/types.js';
import type { SeccompArch } from '../syscalls/arches.js';
import { isKnownSyscall, syscallNumber } from '../syscalls/resolve.js';
import { ActionError, actionRet, type Compat } from './actions.js';

/** One rule of one syscall: all `conds` must hold (AND); no conds matches every call. */
export interface PlanRule {
  ret: number;
  conds: ProfileArg[];
  /** Profile `syscalls[]` index it came from. */
  origin: number;
}

/** The rules of one syscall number on one arch, first match wins. */
export interface SyscallPlan {
  nr: number;
  name: string;
  rules: PlanRule[];
}

/** Every syscall with rules on one architecture. */
export interface ArchPlan {
  arch: SeccompArch;
  syscalls: Map<number, SyscallPlan>;
  /** Highest number of any profile name on this arch (runc patchbpf findLastSyscalls), -1 if none. */
  maxNr: number;
  /** Listed in the profile's architectures (runc's -ENOSYS stub only covers listed arches). */
  listed: boolean;
}

/** Plans for every architecture of the filter, plus the default return value. */
export interface FilterPlan {
  compat: Compat;
  defaultRet: number;
  badArchRet: number;
  arches: ArchPlan[];
  warnings: string[];
}

/** socketcall(2) call numbers (include/uapi/linux/net.h SYS_*), used by libseccomp arch-x86.c. */
const SOCKETCALL: Readonly<Record<string, number>> = {
  socket: 1,
  bind: 2,
  connect: 3,
  listen: 4,
  accept: 5,
  getsockname: 6,
  getpeername: 7,
  socketpair: 8,
  send: 9,
  recv: 10,
  sendto: 11,
  recvfrom: 12,
  shutdown: 13,
  setsockopt: 14,
  getsockopt: 15,
  sendmsg: 16,
  recvmsg: 17,
  accept4: 18,
  recvmmsg: 19,
  sendmmsg: 20,
};

/** ipc(2) call numbers (include/uapi/linux/ipc.h), used by libseccomp arch-x86.c. */
const IPCCALL: Readonly<Record<string, number>> = {
  semop: 1,
  semget: 2,
  semctl: 3,
  semtimedop: 4,
  msgsnd: 11,
  msgrcv: 12,
  msgget: 13,
  msgctl: 14,
  shmat: 21,
  shmdt: 22,
  shmget: 23,
  shmctl: 24,
};

/** Options of `buildPlan`. */
export interface PlanOptions {
  compat: Compat;
  /** Unknown syscall names are errors instead of warnings. */
  strict: boolean;
}

/** A plan-building error naming the profile field. */
export class PlanError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlanError';
  }
}

/**
 * A condition that holds for every argument: MASKED_EQ with a zero mask (on 32-bit arches, a zero
 * low half). libseccomp generates no comparison for it (db.c _db_arg_cmp_need_hi/lo), so a rule
 * made only of such conditions matches every call.
 */
export function isVacuous(c: ProfileArg, bits: 32 | 64): boolean {
  if (c.op !== 'SCMP_CMP_MASKED_EQ') return false;
  return bits === 64 ? c.value === 0n : (c.value & 0xffffffffn) === 0n;
}

function addRule(plan: SyscallPlan, rule: PlanRule, compat: Compat, warn: (m: string) => void): void {
  if (compat === 'gvisor') {
    plan.rules.push(rule);
    return;
  }
  const catchAll = plan.rules.find((r) => r.conds.length === 0);
  if (catchAll !== undefined) {
    if (rule.conds.length === 0 && catchAll.ret !== rule.ret)
      warn(
        `syscalls[${rule.origin}]: ${plan.name} already has an unconditional rule from syscalls[${catchAll.origin}]; this one is ignored`,
      );
    return;
  }
  if (rule.conds.length === 0) plan.rules = [rule];
  else plan.rules.push(rule);
}

/** Builds the per-arch plans of `profile` (already resolved for a host). */
export function buildPlan(profile: ResolvedProfile, opts: PlanOptions): FilterPlan {
  const { compat } = opts;
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ActionError) throw new PlanError(e.field, e.message);
      throw e;
    }
  };
  const da = profile.defaultAction;
  if (compat === 'runc' && da === 'SCMP_ACT_NOTIFY')
    throw new PlanError('defaultAction', 'SCMP_ACT_NOTIFY cannot be the default action (runc)');
  const defaultRet = wrap(() =>
    actionRet(
      compat,
      da,
      compat === 'gvisor' ? undefined : profile.defaultErrnoRet,
      'defaultAction',
      'defaultErrnoRet',
    ),
  );
  // libseccomp's default bad-arch action is KILL (thread); runc, crun and runsc keep it.
  const badArchRet = 0;
  const arches: ArchPlan[] = (compat === 'gvisor' ? profile.arches.slice(0, 1) : profile.arches).map(
    (arch) => ({
      arch,
      syscalls: new Map(),
      maxNr: -1,
      listed: profile.listedArches.includes(arch),
    }),
  );
  const unknown = new Set<string>();
  const absent = new Set<string>();
  for (const rule of profile.rules) {
    const field = `syscalls[${rule.origin}]`;
    const ret = wrap(() =>
      actionRet(
        compat,
        rule.action,
        compat === 'gvisor' ? undefined : rule.errnoRet,
        `${field}.action`,
        `${field}.errnoRet`,
      ),
    );
    if (compat === 'runc' && rule.action === 'SCMP_ACT_NOTIFY' && rule.name === 'write')
      throw new PlanError(`${field}.action`, 'SCMP_ACT_NOTIFY cannot be used for the write syscall (runc)');
    if (!isKnownSyscall(rule.name)) {
      if (opts.strict) throw new PlanError(`${field}.names`, `unknown syscall "${rule.name}"`);
      if (!unknown.has(rule.name)) warn(`${field}.names: unknown syscall "${rule.name}" ignored`);
      unknown.add(rule.name);
      continue;
    }
    let anywhere = false;
    for (const ap of arches) {
      const nr = syscallNumber(ap.arch, rule.name);
      if (nr !== undefined && nr > ap.maxNr) ap.maxNr = nr;
      if (
        nr !== undefined ||
        (ap.arch.id === 'x86' && (SOCKETCALL[rule.name] ?? IPCCALL[rule.name]) !== undefined)
      )
        anywhere = true;
    }
    if (!anywhere) absent.add(rule.name);
    // runc (and libseccomp, -EACCES) drop rules whose action is the default one.
    if (compat !== 'gvisor' && ret === defaultRet) continue;
    const indexes = rule.args.map((a) => a.index);
    const repeated = indexes.some((x, i) => indexes.indexOf(x) !== i);
    const condSets: ProfileArg[][] = repeated ? rule.args.map((a) => [a]) : [rule.args];
    for (const ap of arches) {
      const nr = syscallNumber(ap.arch, rule.name);
      const targets: Array<{ nr: number; name: string; conds: (c: ProfileArg[]) => ProfileArg[] }> = [];
      const direct = { nr: nr ?? -1, name: rule.name, conds: (c: ProfileArg[]) => c };
      if (ap.arch.id === 'x86' && (SOCKETCALL[rule.name] !== undefined || IPCCALL[rule.name] !== undefined)) {
        const sock = SOCKETCALL[rule.name];
        const mux = sock !== undefined ? 102 : 117;
        const code = sock ?? IPCCALL[rule.name] ?? 0;
        const [lo, hi] = sock !== undefined ? [359, 373] : [393, 402];
        if (nr === undefined || (nr >= lo && nr <= hi)) {
          targets.push({
            nr: mux,
            name: sock !== undefined ? 'socketcall' : 'ipc',
            conds: (c) => [
              { index: 0, op: 'SCMP_CMP_EQ', value: BigInt(code), valueTwo: 0n },
              ...c.filter((x) => x.index !== 0),
            ],
          });
        }
      }
      if (nr !== undefined) targets.push(direct);
      for (const t of targets) {
        let plan = ap.syscalls.get(t.nr);
        if (plan === undefined) {
          plan = { nr: t.nr, name: t.name, rules: [] };
          ap.syscalls.set(t.nr, plan);
        }
        for (const conds of condSets) {
          // gVisor's MaskedEqual compares `arg & mask == valueTwo` without masking valueTwo:
          // bits of valueTwo outside the mask make the condition, and so the rule, never match.
          if (
            compat === 'gvisor' &&
            conds.some((c) => c.op === 'SCMP_CMP_MASKED_EQ' && (c.valueTwo & ~c.value) !== 0n)
          )
            continue;
          const live = t.conds(conds).filter((c) => !isVacuous(c, ap.arch.bits));
          addRule(plan, { ret, conds: live, origin: rule.origin }, compat, warn);
        }
      }
    }
  }
  if (absent.size > 0)
    warn(
      `${absent.size} syscall name(s) exist on none of the filter's architectures (${arches.map((a) => a.arch.id).join(', ')}), no rule for them: ${[...absent].join(', ')}`,
    );
  return { compat, defaultRet, badArchRet, arches, warnings };
}
