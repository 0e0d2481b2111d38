/**
 * @fileoverview Task credentials and capabilities.
 *
 * Models `struct cred` (include/linux/cred.h) reduced to what bpf() looks at: uid/gid and the
 * effective capability set, plus `capable()` and the bpf helpers `bpf_capable()`,
 * `perfmon_capable()` and `bpf_token_capable()` without tokens (include/linux/capability.h,
 * kernel/bpf/token.c).
 */

/** Capability numbers (include/uapi/linux/capability.h). */
export const CAP = {
  CHOWN: 0,
  DAC_OVERRIDE: 1,
  SETUID: 7,
  NET_ADMIN: 12,
  NET_RAW: 13,
  IPC_LOCK: 14,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  PERFMON: 38,
  BPF: 39,
  CHECKPOINT_RESTORE: 40,
} as const;

/** Highest capability number on 6.18 (`CAP_LAST_CAP`). */
export const CAP_LAST_CAP = 40;

/** Capability names accepted by the friendly API, lowercase without `CAP_`. */
export type CapName = Lowercase<keyof typeof CAP>;

/** Credentials of a task: models the parts of `struct cred` that the bpf() syscall reads. */
export interface Creds {
  readonly uid: number;
  readonly gid: number;
  /** Effective capability numbers. */
  readonly caps: ReadonlySet<number>;
}

/** A capability given by number or by lowercase name (`'bpf'`, `'sys_admin'`). */
export type CapSpec = number | CapName;

/** Resolves `'all'`, `'none'` or a list into a capability set. Models `cap_full_set`/`cap_empty_set`. */
export function capSet(spec: 'all' | 'none' | readonly CapSpec[] | undefined, uid: number): Set<number> {
  if (spec === 'all' || (spec === undefined && uid === 0)) {
    const all = new Set<number>();
    for (let c = 0; c <= CAP_LAST_CAP; c++) all.add(c);
    return all;
  }
  if (spec === 'none' || spec === undefined) return new Set();
  const out = new Set<number>();
  for (const c of spec) {
    if (typeof c === 'number') {
      if (Number.isInteger(c) && c >= 0 && c <= CAP_LAST_CAP) out.add(c);
      else throw new RangeError(`unknown capability ${c}`);
    } else {
      const n = (CAP as Record<string, number>)[c.toUpperCase()];
      if (n === undefined) throw new RangeError(`unknown capability ${c}`);
      out.add(n);
    }
  }
  return out;
}

/** Models `capable(cap)` (kernel/capability.c): the effective set holds `cap`. */
export function capable(creds: Creds, cap: number): boolean {
  return creds.caps.has(cap);
}

/**
 * Models `bpf_token_capable(NULL, cap)` (kernel/bpf/token.c): `cap`, or CAP_SYS_ADMIN standing in
 * for any capability other than itself.
 */
export function bpfTokenCapable(creds: Creds, cap: number): boolean {
  return capable(creds, cap) || (cap !== CAP.SYS_ADMIN && capable(creds, CAP.SYS_ADMIN));
}

/** Models `bpf_capable()` (include/linux/capability.h): CAP_BPF or CAP_SYS_ADMIN. */
export function bpfCapable(creds: Creds): boolean {
  return bpfTokenCapable(creds, CAP.BPF);
}

/** Models `perfmon_capable()`: CAP_PERFMON or CAP_SYS_ADMIN. */
export function perfmonCapable(creds: Creds): boolean {
  return bpfTokenCapable(creds, CAP.PERFMON);
}
