/**
 * @fileoverview Line-by-line comparison of two scenario outputs (shared/reference/scenario-format.md
 * "Comparing outputs"): an expected one (a real kernel's `.out.jsonl`) and an actual one (bpfsim's
 * or another kernel's). Fields that legitimately differ between runs of the same kernel are not
 * differences:
 * - `duration` (a time);
 * - the order of `keys` for hash-type maps created without `BPF_F_ZERO_SEED` (the kernel draws a
 *   random hash seed per map, kernel/bpf/hashtab.c `htab_map_alloc`): compared as sets; for the
 *   same reason `next_key` of such maps is not compared (its `ret` is);
 * - the numbers of new fds, which depend on the fds the process inherited (fs/file.c `alloc_fd`
 *   takes the lowest free one): compared up to a consistent renaming unless `strictFds`;
 * - kernel addresses in verifier logs (`0xffff888104406400`), masked;
 * - the `verification time N usec` line of `BPF_LOG_STATS` logs (kernel/bpf/verifier.c
 *   `print_verification_stats`), masked, with `log_true_size` corrected for its digit count;
 * - in fdinfo, the numbers the kernel allocates globally or per boot (`map_id`, `prog_id`, `ino`,
 *   `mnt_id`) and `run_time_ns` (a time); `strictFdinfo` compares them too.
 */
import type { ScenarioOp } from './format.js';
import { type JsonValue, pythonJson, type ResultLine } from './json.js';
import { fromHex } from './memory.js';
import {
  BPF_F_ZERO_SEED,
  enumValue,
  FD_RETURNING_CMDS,
  MAP_TYPE_NAMES,
  SEEDED_HASH_MAP_TYPES,
} from './tables.js';

/** How two outputs are compared. */
export interface CompareOptions {
  /** The script both outputs answer: needed to know which `keys` lists come from seeded hash maps. */
  scenario?: readonly ScenarioOp[];
  /** Compare only lines of these operations (the others are counted as skipped). */
  ops?: ReadonlySet<string>;
  /** Also compare fdinfo's `map_id`, `prog_id`, `ino`, `mnt_id` and `run_time_ns`. */
  strictFdinfo?: boolean;
  /** Compare new fds by number; by default they are compared up to a consistent renaming. */
  strictFds?: boolean;
}

/** One field that differs. `undefined` means the field is absent on that side. */
export interface FieldDiff {
  field: string;
  expected: JsonValue | undefined;
  actual: JsonValue | undefined;
}

/** The differences on one line (a whole missing or extra line has `field: '*'`). */
export interface LineDiff {
  seq: number;
  op: string;
  fields: FieldDiff[];
}

/** The outcome of a comparison. */
export interface CompareResult {
  identical: number;
  differ: number;
  skipped: number;
  diffs: LineDiff[];
}

const ADDR = /0xffff[0-9a-f]{12}/g;
const VTIME = /verification time (\d+) usec/;
const VOLATILE_FDINFO = new Set(['map_id', 'prog_id', 'ino', 'mnt_id', 'run_time_ns']);

/** Masks what differs between runs in a verifier log. */
export function maskLog(log: string): string {
  return log.replace(ADDR, '0xffff____________').replace(VTIME, 'verification time _ usec');
}

/** Digits of the `verification time` figure in a log, or undefined when the line is not there. */
function vtimeDigits(log: JsonValue | undefined): number | undefined {
  if (typeof log !== 'string') return undefined;
  const m = VTIME.exec(log);
  return m === null ? undefined : (m[1] as string).length;
}

function same(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return pythonJson(a) === pythonJson(b);
}

const sortedCopy = (v: JsonValue): JsonValue =>
  Array.isArray(v) ? [...v].map((x) => pythonJson(x)).sort() : v;

/** Whether a line's non-negative `ret` is a new file descriptor. */
function returnsFd(op: ScenarioOp): boolean {
  if (op.op === 'map_create' || op.op === 'prog_load') return true;
  return op.op === 'raw' && FD_RETURNING_CMDS.has(op.fields.cmd as number);
}

/**
 * Follows the script along the expected answers: which maps iterate in a seed-dependent order (by
 * id and by fd), and which actual fd stands for which expected one.
 */
class Tracker {
  private readonly seededById = new Map<string, boolean>();
  private readonly seededByFd = new Map<number, boolean>();
  private readonly idFd = new Map<string, number>();
  private readonly byExp = new Map<number, number>();
  private readonly byAct = new Map<number, number>();

  /** Whether the map an operation designates iterates in a seed-dependent order. */
  seeded(op: ScenarioOp): boolean {
    const f = op.fields;
    if (typeof f.map === 'string') return this.seededById.get(f.map) ?? false;
    const fd = typeof f.map === 'number' ? f.map : f.fd;
    return typeof fd === 'number' ? (this.seededByFd.get(fd) ?? false) : false;
  }

  /**
   * Pairs an expected fd with an actual one. True when consistent with the pairs so far (each
   * open expected fd stands for exactly one open actual fd).
   */
  pair(e: number, a: number): boolean {
    const pa = this.byExp.get(e);
    const pe = this.byAct.get(a);
    if (pa === a && pe === e) return true;
    if (pa !== undefined || pe !== undefined) return false;
    this.byExp.set(e, a);
    this.byAct.set(a, e);
    return true;
  }

  private unpair(e: number): void {
    const a = this.byExp.get(e);
    this.byExp.delete(e);
    if (a !== undefined) this.byAct.delete(a);
  }

  /** Records what an operation did, from its expected answer. */
  after(op: ScenarioOp, ret: JsonValue | undefined): void {
    const f = op.fields;
    if (typeof ret !== 'number') return;
    if (op.op === 'close' && ret === 0) {
      const fd = typeof f.id === 'string' ? this.idFd.get(f.id) : (f.fd as number | undefined);
      if (typeof f.id === 'string') this.idFd.delete(f.id);
      if (fd !== undefined) this.unpair(fd);
      return;
    }
    if (ret < 0 || !returnsFd(op)) return;
    if (op.op === 'prog_load' && f.close === true) {
      this.unpair(ret);
      return;
    }
    if (typeof f.id === 'string') this.idFd.set(f.id, ret);
    let seeded: boolean | undefined;
    if (op.op === 'map_create') {
      const t = enumValue((f.map_type as number | string | undefined) ?? 1, MAP_TYPE_NAMES);
      const flags = (f.map_flags as number | undefined) ?? 0;
      seeded = t !== undefined && SEEDED_HASH_MAP_TYPES.has(t) && (flags & BPF_F_ZERO_SEED) === 0;
    } else if (op.op === 'raw' && f.cmd === 0) {
      const attr = fromHex((f.attr as string | undefined) ?? '');
      const dv = new DataView(attr.buffer);
      const t = attr.length >= 4 ? dv.getUint32(0, true) : 0;
      const flags = attr.length >= 20 ? dv.getUint32(16, true) : 0;
      seeded = SEEDED_HASH_MAP_TYPES.has(t) && (flags & BPF_F_ZERO_SEED) === 0;
    }
    if (seeded === undefined) return;
    if (typeof f.id === 'string') this.seededById.set(f.id, seeded);
    this.seededByFd.set(ret, seeded);
  }
}

function compareFdinfo(
  e: JsonValue | undefined,
  a: JsonValue | undefined,
  strict: boolean,
  out: FieldDiff[],
): void {
  const isObj = (v: JsonValue | undefined): v is { [k: string]: JsonValue } =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(e) || !isObj(a)) {
    if (!same(e, a)) out.push({ field: 'fdinfo', expected: e, actual: a });
    return;
  }
  for (const k of new Set([...Object.keys(e), ...Object.keys(a)])) {
    if (!strict && VOLATILE_FDINFO.has(k)) continue;
    if (!same(e[k], a[k])) out.push({ field: `fdinfo.${k}`, expected: e[k], actual: a[k] });
  }
}

/** Compares one expected line with one actual line; returns the fields that differ. */
export function compareLine(
  expected: ResultLine,
  actual: ResultLine,
  ctx: { seededKeys?: boolean; strictFdinfo?: boolean } = {},
): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  const dt = [vtimeDigits(expected.log), vtimeDigits(actual.log)];
  for (const k of keys) {
    const e = expected[k];
    const a = actual[k];
    if (k === 'duration') continue;
    if (k === 'fdinfo') {
      compareFdinfo(e, a, ctx.strictFdinfo ?? false, diffs);
      continue;
    }
    let ok: boolean;
    if (k === 'keys' && ctx.seededKeys && e !== undefined && a !== undefined)
      ok = same(sortedCopy(e), sortedCopy(a));
    else if (k === 'next_key' && ctx.seededKeys && e !== undefined && a !== undefined) ok = true;
    else if (k === 'log' && typeof e === 'string' && typeof a === 'string') ok = maskLog(e) === maskLog(a);
    else if (
      k === 'log_true_size' &&
      typeof e === 'number' &&
      typeof a === 'number' &&
      dt[0] !== undefined &&
      dt[1] !== undefined
    )
      ok = e - dt[0] === a - dt[1];
    else ok = same(e, a);
    if (!ok) diffs.push({ field: k, expected: e, actual: a });
  }
  return diffs;
}

/**
 * Compares two outputs line by line (by position; each line's `seq` names it in the report).
 * Missing or extra lines count as differing.
 */
export function compareOutputs(
  expected: readonly ResultLine[],
  actual: readonly ResultLine[],
  options: CompareOptions = {},
): CompareResult {
  const res: CompareResult = { identical: 0, differ: 0, skipped: 0, diffs: [] };
  const track = new Tracker();
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    let a = actual[i];
    const op = options.scenario?.[i];
    const opName = String((e ?? a)?.op ?? op?.op ?? '?');
    const seq = Number((e ?? a)?.seq ?? i + 1);
    const seededKeys =
      op !== undefined && (op.op === 'map_iterate' || op.op === 'map_get_next_key') && track.seeded(op);
    if (
      !options.strictFds &&
      op !== undefined &&
      e !== undefined &&
      a !== undefined &&
      returnsFd(op) &&
      typeof e.ret === 'number' &&
      typeof a.ret === 'number' &&
      e.ret >= 0 &&
      a.ret >= 0 &&
      track.pair(e.ret, a.ret)
    )
      a = { ...a, ret: e.ret };
    if (op !== undefined) track.after(op, e?.ret);
    if (options.ops !== undefined && !options.ops.has(opName)) {
      res.skipped++;
      continue;
    }
    if (e === undefined || a === undefined) {
      res.differ++;
      res.diffs.push({
        seq,
        op: opName,
        fields: [{ field: '*', expected: e ?? undefined, actual: a ?? undefined }],
      });
      continue;
    }
    const fields = compareLine(e, a, { seededKeys, strictFdinfo: options.strictFdinfo ?? false });
    if (fields.length === 0) res.identical++;
    else {
      res.differ++;
      res.diffs.push({ seq, op: opName, fields });
    }
  }
  return res;
}

const show = (v: JsonValue | undefined): string => (v === undefined ? '(absent)' : pythonJson(v));

/** Describes a differing log by its first differing line. */
function logDiff(e: string, a: string): string {
  const el = maskLog(e).split('\n');
  const al = maskLog(a).split('\n');
  for (let i = 0; i < Math.max(el.length, al.length); i++) {
    if (el[i] !== al[i])
      return `log line ${i + 1}: expected ${show(el[i] ?? undefined)}, got ${show(al[i] ?? undefined)}`;
  }
  return 'log differs';
}

/** The report of a comparison: one line per differing field, then `N lines identical, M differ`. */
export function formatCompare(r: CompareResult): string {
  const lines: string[] = [];
  for (const d of r.diffs) {
    for (const f of d.fields) {
      const where = `seq ${d.seq} ${d.op}`;
      if (f.field === '*')
        lines.push(`${where}: ${f.expected === undefined ? 'unexpected extra line' : 'line missing'}`);
      else if (f.field === 'log' && typeof f.expected === 'string' && typeof f.actual === 'string')
        lines.push(`${where}: ${logDiff(f.expected, f.actual)}`);
      else lines.push(`${where}: ${f.field}: expected ${show(f.expected)}, got ${show(f.actual)}`);
    }
  }
  const skipped = r.skipped > 0 ? `, ${r.skipped} skipped` : '';
  lines.push(`${r.identical} lines identical, ${r.differ} differ${skipped}`);
  return `${lines.join('\n')}\n`;
}

/** Parses an output file (JSON lines; blank lines ignored). Throws naming the bad line. */
export function parseOutput(text: string): ResultLine[] {
  const out: ResultLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = (lines[i] as string).trim();
    if (s === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new Error(`line ${i + 1}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error(`line ${i + 1}: expected a JSON object`);
    out.push(v as ResultLine);
  }
  return out;
}
