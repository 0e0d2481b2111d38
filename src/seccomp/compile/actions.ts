/**
 * @fileoverview OCI action names to filter return values, per container runtime: runc and crun
 * (libseccomp actions, `errnoRet` / `defaultErrnoRet` with EPERM as the default errno, errno
 * checked as libseccomp `sys_chk_seccomp_action` does) and gVisor (runsc/specutils/seccomp
 * convertAction: KILL, TRAP, ERRNO and TRACE always with EPERM, ALLOW; nothing else).
 * Models runc libcontainer/seccomp/seccomp_linux.go getAction and gVisor's convertAction.
 */
import { retFromAction, scmpAction } from '../actions.js';
import type { SeccompActionName } from '../profile/types.js';
import { SECCOMP_LIMITS, SECCOMP_RET } from '../uapi.js';

/** The runtimes whose semantics the compiler reproduces. */
export const COMPAT_MODES = ['runc', 'crun', 'gvisor'] as const;

/** One runtime's semantics. */
export type Compat = (typeof COMPAT_MODES)[number];

/** Why an action cannot be compiled; `field` is relative to the profile (`syscalls[3].errnoRet`). */
export class ActionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

const GVISOR_ACTIONS: Readonly<Partial<Record<SeccompActionName, number>>> = {
  SCMP_ACT_KILL: SECCOMP_RET.KILL_THREAD,
  SCMP_ACT_TRAP: SECCOMP_RET.TRAP,
  // runsc: "runc always returns EPERM as the errorcode for SECCOMP_RET_ERRNO / _TRACE".
  SCMP_ACT_ERRNO: (SECCOMP_RET.ERRNO | 1) >>> 0,
  SCMP_ACT_TRACE: (SECCOMP_RET.TRACE | 1) >>> 0,
  SCMP_ACT_ALLOW: SECCOMP_RET.ALLOW,
};

/**
 * The 32-bit filter return value of `action` with its optional errno under `compat`.
 * `field` names the profile field in errors (`syscalls[3]` or `defaultAction`), `errnoField` the
 * field holding the errno. Throws `ActionError` for an action the runtime refuses: an errnoRet on
 * an action that cannot carry one (runtime-spec: "the runtime MUST fail"), an errno libseccomp
 * rejects (`(errno & 0xffff) >= MAX_ERRNO` is EINVAL), an action gVisor does not support.
 */
export function actionRet(
  compat: Compat,
  action: SeccompActionName,
  errnoRet: number | undefined,
  field: string,
  errnoField: string,
): number {
  if (compat === 'gvisor') {
    const v = GVISOR_ACTIONS[action];
    if (v === undefined)
      throw new ActionError(
        field,
        `action "${action}" is not supported by gVisor (runsc accepts SCMP_ACT_KILL, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW)`,
      );
    return v;
  }
  const carries = action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE';
  if (errnoRet !== undefined && !carries)
    throw new ActionError(
      errnoField,
      `errnoRet ${errnoRet} given with ${action}: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry an errno`,
    );
  const a = scmpAction(action, errnoRet);
  if (a === undefined) throw new ActionError(field, `unknown action "${action}"`);
  if (a.action === 'ERRNO' && a.data >= SECCOMP_LIMITS.MAX_ERRNO)
    throw new ActionError(
      errnoField,
      `errno ${errnoRet} (${a.data} after runc's & 0xffff) is rejected by libseccomp: must be below ${SECCOMP_LIMITS.MAX_ERRNO}`,
    );
  return retFromAction(a);
}
