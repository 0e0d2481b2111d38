/**
 * @fileoverview What `bpfsim map` and `bpfsim prog` share: bpftool's way of naming objects
 * (`id N`, `pinned PATH`, `name NAME`), its byte arguments (`0x01 0x00`, `hex 01 00`, decimals),
 * and running a command on the persistent kernel (tools/bpf/bpftool/main.c, map.c, prog.c).
 */

import { check, sysBpfAttr, withScratch } from '../../kernel/api/scratch.js';
import { BpfAttr } from '../../kernel/attr/codec.js';
import { BPF_CMD } from '../../kernel/attr/commands.js';
import { ID_ATTR } from '../../kernel/attr/layout.js';
import { BpfError } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/task.js';
import { errnoName } from '../../uapi/errno.js';
import { CliError, type CliIo, type Command, type GlobalOptions } from '../command.js';
import { openState, stateDir } from '../state/store.js';

/** Reads one byte argument as bpftool does: `0x2a`, `42`, `052`; with `hex`, bare hex pairs. */
function byteOf(word: string, hex: boolean, what: string): number {
  const v = hex
    ? /^[0-9a-f]{1,2}$/i.test(word)
      ? Number.parseInt(word, 16)
      : Number.NaN
    : /^0x[0-9a-f]{1,2}$/i.test(word)
      ? Number.parseInt(word.slice(2), 16)
      : /^0[0-7]*$/.test(word)
        ? Number.parseInt(word, 8)
        : /^[1-9]\d*$/.test(word)
          ? Number(word)
          : Number.NaN;
  if (!(v >= 0 && v <= 255)) throw new CliError(`error: can't parse '${word}' as a byte of the ${what}`, 2);
  return v;
}

/**
 * Takes `size` bytes from `words` at `i` (after the keyword): bpftool's `parse_bytes`. Returns the
 * bytes and the index after them. `hex` switches to bare hex pairs (`hex 01 00 00 00`, or one
 * word `hex 01000000`).
 */
export function takeBytes(
  words: readonly string[],
  i: number,
  size: number,
  what: string,
): [Uint8Array, number] {
  let hex = false;
  if (words[i] === 'hex') {
    hex = true;
    i++;
  }
  const out: number[] = [];
  while (out.length < size && i < words.length) {
    const w = words[i] as string;
    if (hex && /^[0-9a-f]+$/i.test(w) && w.length > 2 && w.length % 2 === 0) {
      for (let k = 0; k < w.length; k += 2) out.push(byteOf(w.slice(k, k + 2), true, what));
    } else out.push(byteOf(w, hex, what));
    i++;
  }
  if (out.length !== size) throw new CliError(`error: ${what} expected ${size} bytes got ${out.length}`, 2);
  return [Uint8Array.from(out), i];
}

/** Formats bytes as bpftool's plain output: `01 00 00 00`. */
export const hexBytes = (b: Uint8Array): string =>
  [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
/** Formats bytes as bpftool's JSON arrays: `["0x01", "0x00"]`. */
export const jsonBytes = (b: Uint8Array): string[] =>
  [...b].map((x) => `0x${x.toString(16).padStart(2, '0')}`);

/** The object a command names and the index after its words. */
export type ObjectRef =
  | { kind: 'id'; id: number }
  | { kind: 'pinned'; path: string }
  | { kind: 'name'; name: string };

/** Reads `id N`, `pinned PATH` or `name NAME` at `i`. */
export function takeRef(words: readonly string[], i: number, what: 'MAP' | 'PROG'): [ObjectRef, number] {
  const kw = words[i];
  const v = words[i + 1];
  if (v === undefined || (kw !== 'id' && kw !== 'pinned' && kw !== 'name'))
    throw new CliError(
      `expected ${what} as 'id ID', 'pinned FILE' or 'name NAME'${kw === undefined ? '' : `, got '${kw}'`}`,
      2,
    );
  if (kw === 'id') {
    if (!/^\d+$/.test(v)) throw new CliError(`can't parse '${v}' as an id`, 2);
    return [{ kind: 'id', id: Number(v) }, i + 2];
  }
  return [kw === 'pinned' ? { kind: 'pinned', path: v } : { kind: 'name', name: v }, i + 2];
}

/** Models BPF_{MAP,PROG}_GET_NEXT_ID: every id of the kind, ascending. */
export function allIds(task: Task, kind: 'map' | 'prog'): number[] {
  const cmd = kind === 'map' ? BPF_CMD.MAP_GET_NEXT_ID : BPF_CMD.PROG_GET_NEXT_ID;
  const ids: number[] = [];
  let start = 0;
  for (;;) {
    const next = withScratch(task, 0, (s) => {
      const r = sysBpfAttr(task, s, cmd, new BpfAttr().set(ID_ATTR.start_id, start));
      return r.ret < 0 ? -1 : r.out.u32(ID_ATTR.next_id);
    });
    if (next < 0) return ids;
    ids.push(next);
    start = next;
  }
}

/** Models BPF_{MAP,PROG}_GET_FD_BY_ID. */
export function fdById(task: Task, kind: 'map' | 'prog', id: number): number {
  const cmd = kind === 'map' ? BPF_CMD.MAP_GET_FD_BY_ID : BPF_CMD.PROG_GET_FD_BY_ID;
  return withScratch(task, 0, (s) =>
    check(cmd, sysBpfAttr(task, s, cmd, new BpfAttr().set(ID_ATTR.map_id, id)).ret),
  );
}

/** A one-line message for a failed syscall: `bpf map lookup elem failed: ENOENT (No such file or directory)`. */
export function failure(e: unknown, what: string): CliError {
  if (e instanceof BpfError)
    return new CliError(`${what}: ${errnoName(e.errno) ?? e.errno}${describe(e.errno)}`);
  if (e instanceof CliError) return e;
  if (e instanceof RangeError) return new CliError(`${what}: ${e.message}`, 2);
  throw e;
}

const STRERROR: Readonly<Record<number, string>> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  7: 'Argument list too long',
  9: 'Bad file descriptor',
  12: 'Cannot allocate memory',
  13: 'Permission denied',
  17: 'File exists',
  22: 'Invalid argument',
  28: 'No space left on device',
  95: 'Operation not supported',
  524: 'Unknown error 524',
};
const describe = (errno: number): string => {
  const t = STRERROR[Math.abs(errno)];
  return t === undefined ? '' : ` (${t})`;
};

/** One subcommand of an object group: runs on the kernel's task; says whether it changed state. */
export interface ObjectSub {
  readonly usage: string;
  /** True when the command changes the kernel (it is journaled). */
  readonly mutates: boolean;
  /**
   * Runs the subcommand. Returns the exit status, or the status and the words to journal instead of
   * the given ones (a command reading a file journals the file's bytes, so replays never reread it).
   */
  run(
    task: Task,
    words: string[],
    io: CliIo,
    global: GlobalOptions,
  ): number | { status: number; journal: string[] };
}

const SILENT: CliIo = { out() {}, err() {}, errIsTty: false, cwd: '/', env: {} };

/** Runs `argv` (`[group, sub, ...words]`) as a new process on `kernel`; the process exits after. */
function runOn(
  kernel: Kernel,
  groups: Readonly<Record<string, Readonly<Record<string, ObjectSub>>>>,
  argv: readonly string[],
  io: CliIo,
  global: GlobalOptions,
): { status: number; mutates: boolean; journal: string[] } {
  const [group, sub, ...words] = argv;
  const table = groups[group ?? ''];
  const cmd = table?.[sub ?? ''];
  if (table === undefined || cmd === undefined)
    throw new CliError(
      `${group ?? ''}: unknown subcommand '${sub ?? ''}' (one of ${Object.keys(table ?? {}).join(', ')})`,
      2,
    );
  const task = kernel.spawn({ uid: 0, caps: 'all' });
  try {
    const r = cmd.run(task, words, io, global);
    return typeof r === 'number'
      ? { status: r, mutates: cmd.mutates, journal: [...argv] }
      : { status: r.status, mutates: cmd.mutates, journal: [group as string, sub as string, ...r.journal] };
  } finally {
    task.exitGroup(); // like bpftool's process exiting: unpinned objects go with their last fd
  }
}

/**
 * A `bpfsim GROUP` command over the persistent kernel: opens the state (replaying the journal),
 * runs the subcommand as a fresh process, journals it when it changed state, saves atomically.
 */
export function objectCommand(
  name: string,
  summary: string,
  help: string,
  groups: Readonly<Record<string, Readonly<Record<string, ObjectSub>>>>,
): Command {
  return {
    name,
    summary,
    help,
    run(args, io, global) {
      // --state/--ephemeral anywhere before the subcommand's own words.
      const opts: { state?: string; ephemeral?: boolean } = {};
      const rest: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i] as string;
        if (a === '--ephemeral') opts.ephemeral = true;
        else if (a === '--state' || a.startsWith('--state=')) {
          const v = a.includes('=') ? a.slice(8) : args[++i];
          if (v === undefined) throw new CliError("option '--state' needs a directory", 2);
          opts.state = v;
        } else rest.push(a);
      }
      const sub = rest[0];
      if (sub === undefined)
        throw new CliError(`${name}: missing subcommand (see 'bpfsim ${name} --help')`, 2);
      const argv = [name, ...rest];
      const state = openState(stateDir(io, opts), (kernel, a) => {
        runOn(kernel, groups, a, SILENT, { json: false, pretty: false });
      });
      try {
        const { status, mutates, journal } = runOn(state.kernel, groups, argv, io, global);
        if (status === 0 && mutates) state.record(journal);
        return status;
      } finally {
        state.close();
      }
    },
  };
}
