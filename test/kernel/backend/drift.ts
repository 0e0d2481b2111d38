/**
 * The documented drift between the kernel build the fixtures were recorded on and the reference
 * kernel the tests now run against, and the one adjustment the comparisons make for it.
 *
 * The recordings (test/fixtures/kernel-scenarios/*.out.jsonl, ../shared/data/*, and
 * test/maps/fixtures/kernel-6.18-map-traces.json) come from 6.18.44-fc-v669. On 6.18.44-fc-v1147
 * every map built on kernel/bpf/hashtab.c (`htab_map_mem_usage`: hash, percpu_hash, lru_hash,
 * lru_percpu_hash, hash_of_maps) reports a memlock (map_create's `memlock`, fdinfo `memlock`)
 * exactly 64 bytes larger, whatever the sizes, flags or number of elements: `sizeof(struct
 * bpf_htab)` grew from 832 to 896 bytes (one cache line). Every other map type is unchanged.
 *
 * A comparison with a recording measures the drift on the side it replays (the live kernel, or the
 * emulator, which models the live kernel), by creating the first hash map of basic.jsonl and
 * comparing its memlock with the recorded one. When the measured difference is the documented one,
 * the expected answers are taken as recorded + 64 on exactly those memlock figures, and a note is
 * printed; every other field, and every other map type's memlock, must still match exactly. Any
 * other difference is not explained here and is not applied, so the comparison shows it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { EmulatedHost } from '../../../src/kernel/emulated-host.js';
import { parseOutput } from '../../../src/kernel/scenario/compare.js';
import { executeScenario } from '../../../src/kernel/scenario/executor.js';
import { parseScenario, type ScenarioOp } from '../../../src/kernel/scenario/format.js';
import { type JsonValue, pythonJson, type ResultLine } from '../../../src/kernel/scenario/json.js';
import { enumValue, MAP_TYPE_NAMES } from '../../../src/kernel/scenario/tables.js';
import type { SyscallHost } from '../../../src/kernel/syscall-host.js';
import { FIXTURES } from './env.js';

/** The documented drift: which build, which map types, how many bytes. */
export const HTAB_MEMLOCK_DRIFT = {
  recordedOn: '6.18.44-fc-v669',
  observedOn: '6.18.44-fc-v1147',
  /** sizeof(struct bpf_htab) on each build. */
  sizeofBpfHtab: { recorded: 832, observed: 896 },
  /** 896 - 832. */
  bytes: 64,
  /** The map types whose memlock includes sizeof(struct bpf_htab) (include/linux/bpf_types.h). */
  mapTypes: new Set<number>([1, 5, 9, 10, 13]),
} as const;

/** The drift a comparison applies: 0 (none) or HTAB_MEMLOCK_DRIFT.bytes, and why. */
export interface FixtureDrift {
  /** Bytes added to the recorded memlock of hash-family maps. */
  readonly memlockDelta: number;
  /** Where it was measured and what was found. */
  readonly why: string;
}

/** The probe: basic.jsonl's first successful hash map_create and its recorded answer. */
function probe(): { op: ScenarioOp; line: string; recorded: number } {
  const text = readFileSync(resolve(FIXTURES, 'basic.jsonl'), 'utf8');
  const ops = parseScenario(text);
  const lines = text.split('\n');
  const out = parseOutput(readFileSync(resolve(FIXTURES, 'basic.out.jsonl'), 'utf8'));
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as ScenarioOp;
    const ans = out[i];
    if (op.op !== 'map_create' || mapTypeOf(op) !== 1 || typeof ans?.memlock !== 'number') continue;
    return { op, line: (lines[op.line - 1] as string).trim(), recorded: ans.memlock };
  }
  throw new Error('basic.jsonl has no hash map_create with a recorded memlock');
}

function mapTypeOf(op: ScenarioOp): number | undefined {
  return enumValue((op.fields.map_type as number | string | undefined) ?? 1, MAP_TYPE_NAMES);
}

/** Measures the drift on a host: the probe's memlock there minus the recorded one. */
export function measureDrift(host: SyscallHost, side: string): FixtureDrift {
  const p = probe();
  const [ans] = [...executeScenario(host, [p.op], { virtualFds: true })];
  const got = ans?.memlock;
  const what = `${side}: ${p.line} has memlock ${String(got)}, recorded ${p.recorded}`;
  if (typeof got !== 'number') return { memlockDelta: 0, why: `${what}: no drift applied` };
  const d = got - p.recorded;
  if (d === 0) return { memlockDelta: 0, why: `${what}: same build as the recordings` };
  if (d === HTAB_MEMLOCK_DRIFT.bytes)
    return {
      memlockDelta: d,
      why: `${what}: sizeof(struct bpf_htab) ${HTAB_MEMLOCK_DRIFT.sizeofBpfHtab.recorded} -> ${HTAB_MEMLOCK_DRIFT.sizeofBpfHtab.observed} (${HTAB_MEMLOCK_DRIFT.recordedOn} -> ${HTAB_MEMLOCK_DRIFT.observedOn})`,
    };
  return { memlockDelta: 0, why: `${what}: a difference of ${d} is not the documented drift, not applied` };
}

/** The drift of the live kernel (call only when kernelUnavailable() is undefined). */
export async function kernelDrift(): Promise<FixtureDrift> {
  const host = await KernelHost.open();
  try {
    return measureDrift(host, 'live kernel');
  } finally {
    host.dispose();
  }
}

/** The drift of the emulator (2 possible CPUs, as the recordings). */
export function emulatorDrift(): FixtureDrift {
  return measureDrift(EmulatedHost.create({ possibleCpus: 2 }), 'emulator');
}

const isObj = (v: JsonValue | undefined): v is { [k: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The recorded answer adjusted for the drift, or undefined when the drift does not touch it:
 * `memlock` of a hash-family map_create, `fdinfo.memlock` of a hash-family map's fdinfo.
 */
function adjust(op: ScenarioOp | undefined, line: ResultLine, delta: number): ResultLine | undefined {
  if (delta === 0) return undefined;
  if (line.op === 'map_create' && op?.op === 'map_create' && typeof line.memlock === 'number') {
    const t = mapTypeOf(op);
    if (t !== undefined && HTAB_MEMLOCK_DRIFT.mapTypes.has(t))
      return { ...line, memlock: line.memlock + delta };
  }
  const fd = line.fdinfo;
  if (
    isObj(fd) &&
    typeof fd.map_type === 'number' &&
    HTAB_MEMLOCK_DRIFT.mapTypes.has(fd.map_type) &&
    typeof fd.memlock === 'number'
  )
    return { ...line, fdinfo: { ...fd, memlock: fd.memlock + delta } };
  return undefined;
}

/**
 * Applies the drift to recorded answers (lines paired with the script by position, as
 * compareOutputs does); prints a note naming the recording and the lines changed.
 */
export function applyDrift(
  name: string,
  ops: readonly ScenarioOp[],
  expected: readonly ResultLine[],
  drift: FixtureDrift,
): ResultLine[] {
  const changed: number[] = [];
  const out = expected.map((line, i) => {
    const a = adjust(ops[i], line, drift.memlockDelta);
    if (a === undefined) return line;
    changed.push(Number(line.seq));
    return a;
  });
  noteDrift(name, changed, drift);
  return out;
}

/**
 * The same on an output file's text: adjusted lines are re-printed as the oracle prints them, all
 * others are kept byte for byte. For `bpfsim replay --compare FILE`, which compares exactly.
 */
export function applyDriftText(
  name: string,
  scriptText: string,
  expectedText: string,
  drift: FixtureDrift,
): string {
  const ops = parseScenario(scriptText);
  const changed: number[] = [];
  let i = 0;
  const lines = expectedText.split('\n').map((text) => {
    if (text.trim() === '') return text;
    const line = JSON.parse(text) as ResultLine;
    const a = adjust(ops[i++], line, drift.memlockDelta);
    if (a === undefined) return text;
    changed.push(Number(line.seq));
    return pythonJson(a);
  });
  noteDrift(name, changed, drift);
  return lines.join('\n');
}

function noteDrift(name: string, seqs: readonly number[], drift: FixtureDrift): void {
  if (drift.memlockDelta === 0 || seqs.length === 0) return;
  console.log(
    `fixture drift applied to ${name}: expected memlock + ${drift.memlockDelta} on ${seqs.length} hash-family line(s) (seq ${seqs.join(', ')}); ` +
      `measured on the ${drift.why}`,
  );
}
