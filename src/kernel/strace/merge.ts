/**
 * @fileoverview Merging the per-process files of `strace -ff -o PREFIX` (PREFIX.PID) into one trace.
 *
 * Models strace's `-ff` output split (`src/strace.c` newoutf: one file per traced pid, no pid prefix).
 */
import { StraceParseError } from './errors.js';
import { parseStrace, type StraceParseOptions, type StraceTrace } from './parse.js';
import type { StraceEvent, StraceIssue } from './trace.js';

/** One `-ff` output file: its name (`trace.1234`, `trace.1234.txt`) and its text. */
export interface StraceFile {
  readonly name: string;
  readonly text: string;
}

const PID_SUFFIX = /\.(\d+)(?:\.[A-Za-z]+)?$/;

/** The pid in a `-ff` file name: `out.1234` or `out.1234.txt` → 1234. */
export function pidFromFileName(name: string): number | undefined {
  const m = PID_SUFFIX.exec(name);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** A merged event: also names the file it came from (its `line` and `seq` are within that file). */
export type MergedEvent = StraceEvent & { readonly file: string };

/**
 * Parses `-ff` files and merges them: events ordered by timestamp when every event has a
 * wall-clock or epoch one (`-tt`/`-ttt`; ties keep file order), else file by file in pid order.
 * Issues are prefixed with the file name (`trace.12: line 3: ...`).
 */
export function mergeStraceFiles(
  files: readonly StraceFile[],
  options: Omit<StraceParseOptions, 'pid'> = {},
): { events: MergedEvent[]; issues: StraceIssue[] } {
  const parsed: { file: string; pid: number | undefined; trace: StraceTrace }[] = [];
  const issues: StraceIssue[] = [];
  for (const f of files) {
    const pid = pidFromFileName(f.name);
    let trace: StraceTrace;
    try {
      trace = parseStrace(f.text, pid === undefined ? options : { ...options, pid });
    } catch (e) {
      if (e instanceof StraceParseError) throw new StraceParseError(e.line, e.reason, f.name);
      throw e;
    }
    for (const i of trace.issues) issues.push({ ...i, message: `${f.name}: ${i.message}` });
    parsed.push({ file: f.name, pid, trace });
  }
  parsed.sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0));
  const events: MergedEvent[] = parsed.flatMap((p) => p.trace.events.map((e) => ({ ...e, file: p.file })));
  const timed = events.every((e) => e.timestamp !== undefined && e.timestamp.kind !== 'relative');
  if (timed) events.sort((a, b) => (a.timestamp?.seconds ?? 0) - (b.timestamp?.seconds ?? 0));
  return { events, issues };
}
