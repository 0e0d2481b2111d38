/**
 * @fileoverview Acquired references (sockets from `bpf_sk_lookup_*`, ring buffer records) and the
 * leak check at exits, tail calls and legacy packet loads.
 *
 * Models `acquire_reference`, `release_reference` and `check_resource_leak` of
 * kernel/bpf/verifier.c (Linux 6.18).
 */
import { ERRNO as E } from '../../uapi/errno.js';
import type { VerifierEnv } from './env.js';
import { forEachReg } from './jmp.js';
import { markRegInvalid } from './regs.js';

/** Models `acquire_reference`: a new reference id recorded in the state. */
export function acquireReference(env: VerifierEnv, insnIdx: number): number {
  const id = ++env.idGen.value;
  env.cur.refs.push({ id, insnIdx });
  return id;
}

/** Models `release_reference`: drops the reference and invalidates every register holding it. */
export function releaseReference(env: VerifierEnv, refObjId: number): void {
  const before = env.cur.refs.length;
  env.cur.refs = env.cur.refs.filter((r) => r.id !== refObjId);
  if (env.cur.refs.length === before)
    env.fail(E.EINVAL, `release kernel function called with unacquired reference id=${refObjId}\n`);
  forEachReg(env.cur, (reg) => {
    if (reg.refObjId === refObjId) markRegInvalid(env, reg);
  });
}

/** Models `check_resource_leak` → `check_reference_leak` (no locks, RCU or IRQ state is modelled). */
export function checkResourceLeak(
  env: VerifierEnv,
  exceptionExit: boolean,
  _checkLock: boolean,
  prefix: string,
): void {
  if (!exceptionExit && env.cur.frames[env.cur.curframe]?.frameno) return;
  for (const r of env.cur.refs) env.verbose(`Unreleased reference id=${r.id} alloc_insn=${r.insnIdx}\n`);
  if (env.cur.refs.length) env.fail(E.EINVAL, `${prefix} would lead to reference leak\n`);
}
