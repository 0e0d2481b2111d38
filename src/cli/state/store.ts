/**
 * @fileoverview The persistent simulated kernel behind `bpfsim map|prog ...`, as bpftool works on
 * the running kernel: objects outlive an invocation when they are pinned in bpffs.
 *
 * The kernel is deterministic (virtual clock, seeded randomness), so its state is kept as its seed
 * and the journal of the state-changing commands run on it; opening the state replays the journal
 * on a fresh kernel, which rebuilds every map, its contents and iteration order, every program,
 * pin and id exactly. The journal file is msgpack with a format version, written atomically
 * (temporary file, fsync, rename, fsync of the directory); a lock file serializes invocations.
 * A corrupt, truncated or newer file gives one line and is left untouched.
 */

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { AuditStore } from '../../kernel/audit/store.js';
import { Kernel } from '../../kernel/kernel.js';
import { CliError, type CliIo } from '../command.js';
import { AuditFiles } from './audit-files.js';

/** What the state file holds. */
interface StateFile {
  format: 'bpfsim-state';
  version: number;
  seed: number;
  /** argv of each state-changing command, in order (`['map', 'create', ...]`). */
  journal: string[][];
}

/** The journal format this bpfsim writes and reads. */
export const STATE_VERSION = 1;
const FILE = 'kernel.msgpack';
const LOCK = 'lock';

/** Where the state lives: `--state DIR`, else `BPFSIM_STATE`, else `./.bpfsim`; undefined with `--ephemeral` (or BPFSIM_EPHEMERAL=1, set by a global `--ephemeral`). */
export function stateDir(io: CliIo, opts: { state?: string; ephemeral?: boolean }): string | undefined {
  if (opts.ephemeral || io.env.BPFSIM_EPHEMERAL === '1') return undefined;
  return resolve(io.cwd, opts.state ?? io.env.BPFSIM_STATE ?? '.bpfsim');
}

/** Decodes a state file; throws CliError naming what is wrong (the file is never modified). */
export function decodeState(bytes: Uint8Array, path: string): StateFile {
  let v: unknown;
  try {
    v = unpack(bytes);
  } catch {
    throw new CliError(
      `${path}: corrupt or truncated state file (left untouched; --state DIR to use another)`,
    );
  }
  const s = v as Partial<StateFile> | undefined;
  if (s === null || typeof s !== 'object' || s.format !== 'bpfsim-state')
    throw new CliError(`${path}: not a bpfsim state file (left untouched)`);
  if (typeof s.version !== 'number' || s.version > STATE_VERSION)
    throw new CliError(
      `${path}: written by a newer bpfsim (format ${String(s.version)}, this one reads ${STATE_VERSION})`,
    );
  if (
    typeof s.seed !== 'number' ||
    !Array.isArray(s.journal) ||
    !s.journal.every((a) => Array.isArray(a) && a.every((x) => typeof x === 'string'))
  )
    throw new CliError(`${path}: corrupt state file: bad fields (left untouched)`);
  return s as StateFile;
}

/** Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename, fsync dir. */
export function writeAtomic(path: string, bytes: Uint8Array): void {
  const dir = resolve(path, '..');
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself is atomic.
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the state directory's lock (O_EXCL file with our pid); stale locks of dead pids are broken. */
function lock(dir: string, timeoutMs = 10_000): () => void {
  const path = join(dir, LOCK);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      // Removed meanwhile: try again.
    }
    if (Number.isInteger(holder) && holder !== process.pid && !pidAlive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new CliError(
        `${dir}: state is locked by process ${Number.isNaN(holder) ? '?' : holder} (${path})`,
      );
    sleep(20);
  }
}

/** An open state: the kernel rebuilt from the journal, and what to do when the command is done. */
export interface OpenState {
  readonly kernel: Kernel;
  /** The directory, or undefined for an ephemeral kernel. */
  readonly dir: string | undefined;
  /** Records a successful state-changing command. */
  record(argv: readonly string[]): void;
  /** Saves (when something was recorded) and releases the lock. */
  close(): void;
}

/**
 * Opens the state: locks it, reads the journal and replays each command through `replay` (which
 * runs it on the kernel without printing). A missing file starts a new kernel with seed 1.
 */
export function openState(
  dir: string | undefined,
  replay: (kernel: Kernel, argv: readonly string[]) => void,
): OpenState {
  if (dir === undefined) {
    const kernel = new Kernel({ seed: 1 });
    return { kernel, dir, record() {}, close() {} };
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new CliError(
      `${dir}: cannot create the state directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const unlock = lock(dir);
  try {
    const path = join(dir, FILE);
    let state: StateFile = { format: 'bpfsim-state', version: STATE_VERSION, seed: 1, journal: [] };
    let bytes: Uint8Array | undefined;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new CliError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code})`);
    }
    if (bytes !== undefined) state = decodeState(bytes, path);
    // The state's audit store is the kernel's audit daemon: its records persist; it is enabled once
    // the journal has replayed, so the replay does not log again what earlier runs logged.
    const audit = new AuditFiles(join(dir, 'audit'));
    const kernel = new Kernel({ seed: state.seed, auditStorage: audit, auditEnabled: false });
    state.journal.forEach((argv, i) => {
      try {
        replay(kernel, argv);
      } catch (e) {
        throw new CliError(
          `${path}: journal entry ${i + 1} ('${argv.join(' ')}') no longer replays: ${(e as Error).message}`,
        );
      }
    });
    kernel.auditEnabled = true;
    const stored = new AuditStore(audit).readAll().records;
    kernel.resumeAuditSerial(stored.reduce((m, r) => Math.max(m, r.serial), 0));
    let dirty = false;
    return {
      kernel,
      dir,
      record(argv) {
        state.journal.push([...argv]);
        dirty = true;
      },
      close() {
        try {
          if (dirty) writeAtomic(path, pack(state));
        } finally {
          unlock();
        }
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
