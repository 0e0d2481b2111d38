/**
 * @fileoverview Replaying a scenario on the real kernel with other credentials, inside a memory
 * cgroup or with resource limits of its own, in a child process so that the caller's own
 * credentials and limits never change. The parent spawns
 * the CLI again with internal flags; the child enters the cgroup, drops to the uid/gid (which clears
 * every capability: kernel/cred.c, security/commoncap.c `cap_emulate_setxuid`), makes itself
 * dumpable again as an exec would, runs the scenario and prints the result lines. Node only.
 */
import { spawn } from 'node:child_process';
import { BackendUnavailableError } from './ffi.js';
import type { KernelHost } from './kernel-host.js';
import { createMemcg, enterCgroup, type Memcg } from './memcg.js';

/** How to start the bpfsim CLI: `command ...args replay ...`. */
export interface CliSpawn {
  command: string;
  args: readonly string[];
}

/** Credentials and limits of the child replay. */
export interface ChildOptions {
  /** Run as this uid (and gid, default the same number) without capabilities. */
  uid?: number;
  gid?: number;
  /** Run inside a fresh memory cgroup limited to this many bytes. */
  memcgLimit?: number;
  /** Passed on: allow sysctl writes in the child. */
  allowSysctlWrite?: boolean;
}

/** The internal flags the child understands (not documented in --help). */
export const CHILD_FLAGS = {
  child: 'internal-child',
  uid: 'internal-uid',
  gid: 'internal-gid',
  cgroup: 'internal-cgroup',
} as const;

/**
 * Replays `scenarioPath` on the real kernel in a child process and returns its stdout lines (one
 * JSON result per line). Throws with the child's one-line error when it fails.
 */
export async function replayInChild(
  cli: CliSpawn,
  scenarioPath: string,
  opts: ChildOptions,
): Promise<string[]> {
  if (process.platform !== 'linux')
    throw new BackendUnavailableError(`kernel backend: needs Linux (this is ${process.platform})`);
  if ((opts.uid !== undefined || opts.memcgLimit !== undefined) && process.getuid?.() !== 0)
    throw new BackendUnavailableError(
      'kernel backend: --uid and --memcg-limit need root (to drop credentials or create a cgroup)',
    );
  let memcg: Memcg | undefined;
  if (opts.memcgLimit !== undefined) memcg = createMemcg(opts.memcgLimit);
  const args = [...cli.args, 'replay', scenarioPath, '--backend', 'kernel', `--${CHILD_FLAGS.child}`];
  if (opts.uid !== undefined) args.push(`--${CHILD_FLAGS.uid}`, String(opts.uid));
  if (opts.gid !== undefined || opts.uid !== undefined)
    args.push(`--${CHILD_FLAGS.gid}`, String(opts.gid ?? opts.uid));
  if (memcg !== undefined) args.push(`--${CHILD_FLAGS.cgroup}`, memcg.path);
  if (opts.allowSysctlWrite) args.push('--allow-sysctl-write');
  try {
    const { status, stdout, stderr } = await new Promise<{ status: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(cli.command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.on('error', reject);
        child.on('close', (code, signal) =>
          resolve({
            status: code ?? (signal === null ? 1 : 128),
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8') + (signal === null ? '' : `killed by ${signal}`),
          }),
        );
      },
    );
    if (status !== 0) {
      const line = stderr.trim().split('\n').pop() ?? '';
      throw new Error(
        `child replay failed (exit ${status}): ${line.replace(/^bpfsim: /, '') || 'no message'}`,
      );
    }
    return stdout.split('\n').filter((l) => l.trim() !== '');
  } finally {
    await memcg?.remove();
  }
}

/** What the child is asked to become, from its internal flags. */
export interface ChildIdentity {
  uid?: number;
  gid?: number;
  cgroup?: string;
}

/**
 * In the child: enters the cgroup, then drops to the gid and uid (supplementary groups cleared)
 * and becomes dumpable again so that /proc/self/fdinfo stays readable. Call after the host is open
 * and every module is loaded, before running the scenario.
 */
export function becomeChild(host: KernelHost, id: ChildIdentity): void {
  if (id.cgroup !== undefined) enterCgroup(id.cgroup);
  if (id.uid === undefined) return;
  const p = process as NodeJS.Process & { setgroups?: (g: number[]) => void };
  p.setgroups?.([]);
  process.setgid?.(id.gid ?? id.uid);
  process.setuid?.(id.uid);
  if (process.getuid?.() !== id.uid) throw new Error(`could not change uid to ${id.uid}`);
  host.setDumpable();
}
