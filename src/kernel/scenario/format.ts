/**
 * @fileoverview Parsing and validation of scenario scripts (shared/reference/scenario-format.md):
 * JSON lines, one operation per line, in the dialect of the reference oracle
 * (shared/tools/kernel-oracle/bpf_oracle.py). Blank lines and lines starting with `#` are skipped
 * and do not count for `seq`, as in the oracle. A bad line gives one {@link ScenarioFormatError}
 * naming the line number and the field.
 */
import { RLIMIT } from '../syscall-host.js';
import { enumValue, MAP_TYPE_NAMES, PROG_TYPE_NAMES } from './tables.js';

/** The operations of the scenario format, in the oracle's vocabulary (`op_<name>` methods). */
export const SCENARIO_OPS = [
  'map_create',
  'map_update',
  'map_lookup',
  'map_delete',
  'map_get_next_key',
  'map_iterate',
  'map_lookup_and_delete',
  'map_freeze',
  'prog_load',
  'prog_test_run',
  'fdinfo',
  'close',
  'setrlimit',
  'getrlimit',
  'raw',
  'sysctl',
  'comment',
] as const;
export type ScenarioOpName = (typeof SCENARIO_OPS)[number];

/** A validated operation: its fields exactly as written, plus where it came from. */
export interface ScenarioOp {
  /** 1-based index among executed lines: the `seq` of its result line. */
  readonly seq: number;
  /** 1-based line number in the file, for messages. */
  readonly line: number;
  readonly op: ScenarioOpName;
  /** The JSON object of the line (including `op`). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A scenario line that cannot be executed: the message names the line and the field. */
export class ScenarioFormatError extends Error {
  constructor(
    readonly line: number,
    readonly field: string | undefined,
    detail: string,
  ) {
    super(`line ${line}${field === undefined ? '' : `: field '${field}'`}: ${detail}`);
    this.name = 'ScenarioFormatError';
  }
}

type FieldKind =
  | 'int'
  | 'bool'
  | 'string'
  | 'hex'
  | 'hexOrNull'
  | 'ref'
  | 'mapType'
  | 'progType'
  | 'fixups'
  | 'idList'
  | 'resource'
  | 'scalar'
  | 'object'
  | 'any';

const MAP_REF: Record<string, FieldKind> = { map: 'ref', fd: 'int' };
const ELEM: Record<string, FieldKind> = { ...MAP_REF, key: 'hexOrNull', flags: 'int', value_len: 'int' };

/** The fields each operation accepts (the keys the oracle reads), with their kinds. */
const FIELDS: Readonly<Record<ScenarioOpName, Readonly<Record<string, FieldKind>>>> = {
  map_create: {
    map_type: 'mapType',
    key_size: 'int',
    value_size: 'int',
    max_entries: 'int',
    map_flags: 'int',
    map_extra: 'int',
    inner_map: 'string',
    inner_map_fd: 'int',
    map_name: 'string',
    numa_node: 'int',
    btf_fd: 'int',
    btf_key_type_id: 'int',
    btf_value_type_id: 'int',
    attr_size: 'int',
    show_fdinfo: 'bool',
  },
  map_update: { ...ELEM, value: 'hexOrNull' },
  map_lookup: ELEM,
  map_delete: { ...MAP_REF, key: 'hexOrNull' },
  map_get_next_key: { ...MAP_REF, key: 'hexOrNull' },
  map_iterate: { ...MAP_REF, limit: 'int' },
  map_lookup_and_delete: ELEM,
  map_freeze: MAP_REF,
  prog_load: {
    prog_type: 'progType',
    insns: 'hex',
    insn_cnt: 'int',
    license: 'string',
    log_level: 'int',
    log_size: 'int',
    prog_flags: 'int',
    expected_attach_type: 'int',
    kern_version: 'int',
    prog_name: 'string',
    map_fixups: 'fixups',
    fd_array: 'idList',
    attr_size: 'int',
    close: 'bool',
  },
  prog_test_run: {
    prog: 'ref',
    fd: 'int',
    data: 'hex',
    data_size_out: 'int',
    ctx: 'hexOrNull',
    ctx_size_out: 'int',
    repeat: 'int',
    flags: 'int',
    cpu: 'int',
  },
  fdinfo: { map: 'ref', prog: 'ref', fd: 'int' },
  close: { fd: 'int' },
  setrlimit: { resource: 'resource', soft: 'int', hard: 'int' },
  getrlimit: { resource: 'resource' },
  raw: { cmd: 'int', attr: 'hex', size: 'int', kind: 'string', meta: 'object' },
  sysctl: { path: 'string', write: 'scalar' },
  comment: { text: 'any' },
};

/** Fields every operation may carry: `id` names the object it creates, `name` is echoed. */
const COMMON: Readonly<Record<string, FieldKind>> = { op: 'string', id: 'string', name: 'any' };

/** Fields without which an operation cannot run. `[a, b]` means one of them. */
const REQUIRED: Readonly<Partial<Record<ScenarioOpName, readonly (readonly string[])[]>>> = {
  map_update: [['map', 'fd']],
  map_lookup: [['map', 'fd']],
  map_delete: [['map', 'fd']],
  map_get_next_key: [['map', 'fd']],
  map_iterate: [['map', 'fd']],
  map_lookup_and_delete: [['map', 'fd']],
  map_freeze: [['map', 'fd']],
  prog_test_run: [['prog', 'fd']],
  fdinfo: [['map', 'prog', 'fd']],
  close: [['id', 'fd']],
  setrlimit: [['soft']],
  raw: [['cmd']],
  sysctl: [['path']],
};

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function check(kind: FieldKind, v: unknown, line: number, field: string): void {
  const bad = (what: string): never => {
    throw new ScenarioFormatError(line, field, `expected ${what}, got ${JSON.stringify(v)}`);
  };
  switch (kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) bad('an integer');
      return;
    case 'bool':
      if (typeof v !== 'boolean') bad('true or false');
      return;
    case 'string':
      if (typeof v !== 'string') bad('a string');
      return;
    case 'hex':
    case 'hexOrNull':
      if (v === null && kind === 'hexOrNull') return;
      if (typeof v !== 'string' || !HEX.test(v.replace(/\s+/g, ''))) bad('lowercase hex bytes without 0x');
      return;
    case 'ref':
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v)))
        bad('an object id or an fd');
      return;
    case 'mapType':
    case 'progType': {
      const table = kind === 'mapType' ? MAP_TYPE_NAMES : PROG_TYPE_NAMES;
      const what = kind === 'mapType' ? 'map type' : 'program type';
      if (typeof v === 'number' && Number.isInteger(v)) return;
      if (typeof v !== 'string') bad(`a ${what} name or number`);
      if (enumValue(v as string, table) === undefined)
        throw new ScenarioFormatError(line, field, `unknown ${what} '${v as string}'`);
      return;
    }
    case 'fixups':
      if (
        !Array.isArray(v) ||
        !v.every(
          (p) =>
            Array.isArray(p) &&
            p.length === 2 &&
            typeof p[0] === 'number' &&
            Number.isInteger(p[0]) &&
            p[0] >= 0 &&
            typeof p[1] === 'string',
        )
      )
        bad('a list of [insn_index, map_id] pairs');
      return;
    case 'idList':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad('a list of map ids');
      return;
    case 'resource':
      if (typeof v !== 'string' || !(v in RLIMIT))
        throw new ScenarioFormatError(
          line,
          field,
          `unknown resource ${JSON.stringify(v)} (one of ${Object.keys(RLIMIT).join(', ')})`,
        );
      return;
    case 'scalar':
      if (typeof v !== 'string' && typeof v !== 'number') bad('a string or a number');
      return;
    case 'object':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('an object');
      return;
    case 'any':
      return;
  }
}

/** Validates one parsed JSON line; throws {@link ScenarioFormatError}. */
export function validateOp(obj: unknown, line: number, seq: number): ScenarioOp {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new ScenarioFormatError(line, undefined, 'expected a JSON object');
  const fields = obj as Record<string, unknown>;
  const op = fields.op;
  if (op === undefined) throw new ScenarioFormatError(line, 'op', 'missing');
  if (typeof op !== 'string' || !(SCENARIO_OPS as readonly string[]).includes(op))
    throw new ScenarioFormatError(line, 'op', `unknown operation ${JSON.stringify(op)}`);
  const name = op as ScenarioOpName;
  const spec = FIELDS[name];
  for (const [k, v] of Object.entries(fields)) {
    const kind = spec[k] ?? COMMON[k];
    if (kind === undefined) throw new ScenarioFormatError(line, k, `not a field of ${name}`);
    check(kind, v, line, k);
  }
  for (const alternatives of REQUIRED[name] ?? []) {
    if (!alternatives.some((f) => f in fields))
      throw new ScenarioFormatError(line, alternatives.join("'/'"), `required by ${name}`);
  }
  return { seq, line, op: name, fields };
}

/** Parses a scenario script (JSON lines); throws {@link ScenarioFormatError} on the first bad line. */
export function parseScenario(text: string): ScenarioOp[] {
  const ops: ScenarioOp[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const s = (lines[i] as string).trim();
    if (s === '' || s.startsWith('#')) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch (e) {
      throw new ScenarioFormatError(
        i + 1,
        undefined,
        `not JSON (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    ops.push(validateOp(obj, i + 1, ops.length + 1));
  }
  return ops;
}
