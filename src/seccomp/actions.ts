/**
 * @fileoverview Seccomp actions as users see them: `ALLOW`, `ERRNO(1)`, `KILL_PROCESS`, `TRAP(0)`,
 * `TRACE(77)`, `LOG`, `USER_NOTIF`, `KILL_THREAD`, and the `SCMP_ACT_*` names of OCI profiles.
 * Models include/uapi/linux/seccomp.h `SECCOMP_RET_*` and how kernel/seccomp.c __seccomp_filter
 * interprets a filter's return value (unknown actions kill the process, ERRNO data is capped at
 * MAX_ERRNO).
 */
import { SECCOMP_LIMITS, SECCOMP_RET, SECCOMP_RET_MASK } from './uapi.js';

/** Action names, strongest first (the kernel's precedence order). */
export const ACTION_NAMES = [
  'KILL_PROCESS',
  'KILL_THREAD',
  'TRAP',
  'ERRNO',
  'USER_NOTIF',
  'TRACE',
  'LOG',
  'ALLOW',
] as const;

/** One seccomp action name. */
export type ActionName = (typeof ACTION_NAMES)[number];

/** `SECCOMP_RET_*` value of each action (without data). */
export const ACTION_VALUE: Readonly<Record<ActionName, number>> = {
  KILL_PROCESS: SECCOMP_RET.KILL_PROCESS,
  KILL_THREAD: SECCOMP_RET.KILL_THREAD,
  TRAP: SECCOMP_RET.TRAP,
  ERRNO: SECCOMP_RET.ERRNO,
  USER_NOTIF: SECCOMP_RET.USER_NOTIF,
  TRACE: SECCOMP_RET.TRACE,
  LOG: SECCOMP_RET.LOG,
  ALLOW: SECCOMP_RET.ALLOW,
};

/** Actions whose 16-bit data is meaningful (the errno, si_errno or ptrace message). */
const WITH_DATA: ReadonlySet<ActionName> = new Set(['TRAP', 'ERRNO', 'TRACE']);

/** A seccomp action with its 16-bit data (0 for actions without data). */
export interface SeccompAction {
  action: ActionName;
  data: number;
}

/** Whether the action carries data (`TRAP`, `ERRNO`, `TRACE`). */
export function actionHasData(action: ActionName): boolean {
  return WITH_DATA.has(action);
}

/** The action a known `ret & SECCOMP_RET_ACTION_FULL` names, or undefined for an unknown value. */
function knownAction(full: number): ActionName | undefined {
  return ACTION_BY_VALUE.get(full);
}

const ACTION_BY_VALUE: ReadonlyMap<number, ActionName> = new Map(
  ACTION_NAMES.map((name) => [ACTION_VALUE[name], name] as const),
);

/**
 * Decodes a filter's 32-bit return value exactly as the kernel acts on it
 * (kernel/seccomp.c __seccomp_filter): ERRNO data is capped at MAX_ERRNO (4095), an unknown action
 * is KILL_PROCESS (the `default:` branch).
 */
export function actionFromRet(ret: number): SeccompAction {
  const name = knownAction((ret & SECCOMP_RET_MASK.ACTION_FULL) >>> 0) ?? 'KILL_PROCESS';
  let data = WITH_DATA.has(name) ? ret & SECCOMP_RET_MASK.DATA : 0;
  if (name === 'ERRNO' && data > SECCOMP_LIMITS.MAX_ERRNO) data = SECCOMP_LIMITS.MAX_ERRNO;
  return { action: name, data };
}

/** Encodes an action as a filter return value (`SECCOMP_RET_ERRNO | (errno & SECCOMP_RET_DATA)`). */
export function retFromAction(a: SeccompAction): number {
  return (ACTION_VALUE[a.action] | (WITH_DATA.has(a.action) ? a.data & SECCOMP_RET_MASK.DATA : 0)) >>> 0;
}

/** Formats an action: `ALLOW`, `ERRNO(1)`, `TRAP(0)`, `TRACE(77)`, `KILL_PROCESS`. */
export function formatAction(a: SeccompAction): string {
  return WITH_DATA.has(a.action) ? `${a.action}(${a.data})` : a.action;
}

/**
 * Formats a raw filter return value without the kernel's rewriting: a known action as in
 * `formatAction` (ERRNO data shown as returned, uncapped), an unknown one as `UNKNOWN(0x00010000)`.
 */
export function formatRet(ret: number): string {
  const u = ret >>> 0;
  const name = knownAction((u & SECCOMP_RET_MASK.ACTION_FULL) >>> 0);
  if (name === undefined) return `UNKNOWN(0x${u.toString(16).padStart(8, '0')})`;
  return formatAction({ action: name, data: WITH_DATA.has(name) ? u & SECCOMP_RET_MASK.DATA : 0 });
}

/**
 * OCI / libseccomp action names (`SCMP_ACT_*`) and their actions. `SCMP_ACT_KILL` is the thread
 * kill (libseccomp `SCMP_ACT_KILL_THREAD`), `SCMP_ACT_NOTIFY` is `USER_NOTIF`.
 */
export const SCMP_ACT: Readonly<Record<string, ActionName>> = {
  SCMP_ACT_KILL: 'KILL_THREAD',
  SCMP_ACT_KILL_THREAD: 'KILL_THREAD',
  SCMP_ACT_KILL_PROCESS: 'KILL_PROCESS',
  SCMP_ACT_TRAP: 'TRAP',
  SCMP_ACT_ERRNO: 'ERRNO',
  SCMP_ACT_TRACE: 'TRACE',
  SCMP_ACT_ALLOW: 'ALLOW',
  SCMP_ACT_LOG: 'LOG',
  SCMP_ACT_NOTIFY: 'USER_NOTIF',
};

/** Other spellings users write: seccomp-tools' `KILL`, libseccomp's `NOTIFY`. */
const ALIASES: Readonly<Record<string, ActionName>> = { KILL: 'KILL_THREAD', NOTIFY: 'USER_NOTIF' };

/** Result of `parseAction`. */
export type ParseActionResult = { ok: true; action: SeccompAction } | { ok: false; error: string };

/**
 * Parses `ALLOW`, `ERRNO(1)`, `errno(0x5)`, `TRAP`, `TRACE(77)`, `KILL`, `SCMP_ACT_ERRNO(13)`,
 * `SCMP_ACT_NOTIFY` or a raw return value (`0x7fff0000`). Data is 0..65535; a missing data is
 * `defaultData` (OCI's `SCMP_ACT_ERRNO` without `errnoRet` is EPERM, see `scmpAction`).
 */
export function parseAction(text: string, defaultData = 0): ParseActionResult {
  const t = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) {
    const n = Number(t);
    if (n > 0xffffffff) return { ok: false, error: `action value ${t} does not fit in 32 bits` };
    const name = knownAction((n & SECCOMP_RET_MASK.ACTION_FULL) >>> 0);
    if (name === undefined) return { ok: false, error: `unknown action value ${t}` };
    return { ok: true, action: { action: name, data: WITH_DATA.has(name) ? n & SECCOMP_RET_MASK.DATA : 0 } };
  }
  const m = /^([A-Za-z_]+)\s*(?:\(\s*([^)]*?)\s*\))?$/.exec(t);
  if (!m) return { ok: false, error: `cannot parse action '${text}'` };
  const word = (m[1] as string).toUpperCase();
  const name: ActionName | undefined =
    SCMP_ACT[word] ??
    ALIASES[word] ??
    ((ACTION_NAMES as readonly string[]).includes(word) ? (word as ActionName) : undefined);
  if (name === undefined) return { ok: false, error: `unknown action '${m[1]}'` };
  if (m[2] === undefined)
    return { ok: true, action: { action: name, data: WITH_DATA.has(name) ? defaultData : 0 } };
  if (!WITH_DATA.has(name)) return { ok: false, error: `action ${name} takes no data` };
  const data = /^(0x[0-9a-f]+|\d+)$/i.test(m[2]) ? Number(m[2]) : Number.NaN;
  if (!Number.isInteger(data) || data < 0 || data > SECCOMP_RET_MASK.DATA)
    return { ok: false, error: `action data '${m[2]}' is not an integer in 0..65535` };
  return { ok: true, action: { action: name, data } };
}

/**
 * The action of an OCI `SCMP_ACT_*` name with its optional `errnoRet`, as runc maps it: ERRNO and
 * TRACE default to EPERM (1), the value is truncated to 16 bits (`& 0xffff`), other actions
 * ignore `errnoRet`. Undefined for an unknown name.
 */
export function scmpAction(name: string, errnoRet?: number): SeccompAction | undefined {
  const action = SCMP_ACT[name];
  if (action === undefined) return undefined;
  if (action !== 'ERRNO' && action !== 'TRACE') return { action, data: 0 };
  return { action, data: (errnoRet ?? 1) & SECCOMP_RET_MASK.DATA };
}
