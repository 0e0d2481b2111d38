/**
 * @fileoverview `bpfsim bench maps`: element operations per second on hash, array and lpm_trie maps.
 *
 * Three paths per map type, N distinct keys each (default N = 1,000,000 = max_entries), each
 * warmed up once and then measured R times (the median run reported):
 * - syscall: BPF_MAP_UPDATE_ELEM then BPF_MAP_LOOKUP_ELEM through the emulated kernel's bpf()
 *   (kernel/bpf/syscall.c `map_update_elem`/`map_lookup_elem`: attr and key/value in user memory,
 *   which the process writes through `EmulatedHost.view` as a C program writes its variables);
 * - helper: one eBPF program looping N times over bpf_map_update_elem + bpf_map_lookup_elem
 *   (kernel/bpf/helpers.c) on the JIT (or interpreter), counting lookup misses (must be 0);
 * - js-map: a plain JavaScript Map doing the same set/get, as a baseline.
 * Memory: the kernel's memlock figure per entry (map_mem_usage) beside the bytes of typed-array
 * storage the emulated map holds per entry once filled (`BpfMap.storageBytes`).
 */
import { insn } from '../../isa/insn.js';
import { EmulatedHost } from '../../kernel/emulated-host.js';
import { MapPointers, mapHelpers } from '../../maps/helpers.js';
import type { BpfMap } from '../../maps/ops.js';
import { mapAlloc } from '../../maps/registry.js';
import { BPF_F, BPF_MAP_TYPE } from '../../maps/uapi.js';
import { AddressSpace, type EngineName, loadProgram, type Program, runProgram } from '../../vm/index.js';
import { intOption, parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { progress } from '../progress.js';

const CMD_MAP_CREATE = 0;
const CMD_LOOKUP = 1;
const CMD_UPDATE = 2;

interface TypeSpec {
  name: 'hash' | 'array' | 'lpm_trie';
  mapType: number;
  keySize: number;
  flags: number;
  /** Writes key number i into `buf` at `off`. */
  key(buf: DataView, off: number, i: number): void;
}

const VALUE_SIZE = 8;

const TYPES: Record<string, TypeSpec> = {
  hash: {
    name: 'hash',
    mapType: BPF_MAP_TYPE.HASH,
    keySize: 4,
    flags: 0,
    key: (b, o, i) => b.setUint32(o, i, true),
  },
  array: {
    name: 'array',
    mapType: BPF_MAP_TYPE.ARRAY,
    keySize: 4,
    flags: 0,
    key: (b, o, i) => b.setUint32(o, i, true),
  },
  lpm_trie: {
    name: 'lpm_trie',
    mapType: BPF_MAP_TYPE.LPM_TRIE,
    keySize: 8,
    flags: BPF_F.NO_PREALLOC,
    key: (b, o, i) => {
      b.setUint32(o, 32, true);
      b.setUint32(o + 4, i, false);
    },
  },
};

interface PathResult {
  ops: number;
  seconds: number;
  ops_per_sec: number;
}

function result(ops: number, ms: number): PathResult {
  return { ops, seconds: Number((ms / 1000).toFixed(4)), ops_per_sec: Math.round(ops / (ms / 1000)) };
}

/** The run with the median time of `runs` runs of `path` (machines vary from run to run). */
function median<T extends PathResult>(runs: number, path: () => T): T & { runs_ops_per_sec: number[] } {
  const all: T[] = [];
  for (let i = 0; i < runs; i++) all.push(path());
  const sorted = [...all].sort((a, b) => a.seconds - b.seconds);
  const mid = sorted[(runs - 1) >> 1]!;
  return { ...mid, runs_ops_per_sec: all.map((r) => r.ops_per_sec) };
}

/** The syscall path: update then lookup every key through bpf(2) of an emulated root task. */
function syscallPath(t: TypeSpec, n: number): PathResult & { memlock_per_entry: number } {
  const host = EmulatedHost.create({ possibleCpus: 2 });
  const attr = host.alloc(128);
  const a = new Uint8Array(128);
  const dv = new DataView(a.buffer);
  dv.setUint32(0, t.mapType, true);
  dv.setUint32(4, t.keySize, true);
  dv.setUint32(8, VALUE_SIZE, true);
  dv.setUint32(12, n, true);
  dv.setUint32(16, t.flags, true);
  host.write(attr, a.subarray(0, 96));
  const fd = host.bpf(CMD_MAP_CREATE, attr, 96);
  if (fd < 0) throw new CliError(`BPF_MAP_CREATE ${t.name} with ${n} entries failed: ${fd}`);
  const keyAddr = host.alloc(16);
  const valAddr = host.alloc(16);
  const updAttr = host.alloc(32);
  const lkpAttr = host.alloc(32);
  const e = new Uint8Array(32);
  const edv = new DataView(e.buffer);
  edv.setUint32(0, fd, true);
  edv.setBigUint64(8, BigInt(keyAddr), true);
  edv.setBigUint64(16, BigInt(valAddr), true);
  host.write(updAttr, e);
  host.write(lkpAttr, e);
  // The process writes keys and values into its own memory (a C program's stack variables).
  const kb = host.view(keyAddr, 16);
  const kdv = new DataView(kb.buffer, kb.byteOffset, 16);
  const vb = host.view(valAddr, 16);
  const vdv = new DataView(vb.buffer, vb.byteOffset, 16);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    t.key(kdv, 0, i);
    vdv.setUint32(0, i, true);
    const r = host.bpf(CMD_UPDATE, updAttr, 32);
    if (r !== 0) throw new CliError(`update of key ${i} failed: ${r}`);
  }
  for (let i = 0; i < n; i++) {
    t.key(kdv, 0, i);
    const r = host.bpf(CMD_LOOKUP, lkpAttr, 32);
    if (r !== 0) throw new CliError(`lookup of key ${i} failed: ${r}`);
  }
  const ms = performance.now() - t0;
  const got = new DataView(host.read(valAddr, 8).buffer).getUint32(0, true);
  if (got !== n - 1) throw new CliError(`lookup returned ${got}, expected ${n - 1}`);
  const info = host.fdinfo(fd);
  const memlock = typeof info === 'number' ? Number.NaN : Number(info.memlock);
  host.close(fd); // the map goes away with its last reference, as the next run's must not share memory
  return { ...result(2 * n, ms), memlock_per_entry: Number((memlock / n).toFixed(1)) };
}

/**
 * The helper-path program, called with R1 = the map, R2 = n:
 * for r6 = n..1 { key = r6-1; update(key, r6-1); if !lookup(key) r8++ } return r8.
 * One program for every run (only its arguments change), so runs after the warm-up measure the
 * JIT's steady state, as a loaded program run again and again is.
 */
function helperProgram(t: TypeSpec): Program {
  const keyOff = -8;
  const storeKey =
    t.name === 'lpm_trie'
      ? [insn(0x62, 10, 0, -8, 32), insn(0xdc, 1, 0, 0, 32), insn(0x63, 10, 1, -4, 0)] // prefixlen 32, be32(data)
      : [insn(0x63, 10, 1, -8, 0)];
  return loadProgram([
    insn(0xbf, 6, 2, 0, 0), // r6 = n
    insn(0xb7, 8, 0, 0, 0), // r8 = 0 (misses)
    insn(0xbf, 7, 1, 0, 0), // r7 = map
    // loop:
    insn(0xbf, 1, 6, 0, 0), // r1 = r6
    insn(0x07, 1, 0, 0, -1), // r1 -= 1
    insn(0x7b, 10, 1, -16, 0), // value = r1
    ...storeKey,
    insn(0xbf, 1, 7, 0, 0), // r1 = map
    insn(0xbf, 2, 10, 0, 0),
    insn(0x07, 2, 0, 0, keyOff), // r2 = &key
    insn(0xbf, 3, 10, 0, 0),
    insn(0x07, 3, 0, 0, -16), // r3 = &value
    insn(0xb7, 4, 0, 0, 0), // r4 = BPF_ANY
    insn(0x85, 0, 0, 0, 2), // map_update_elem
    insn(0xbf, 1, 7, 0, 0),
    insn(0xbf, 2, 10, 0, 0),
    insn(0x07, 2, 0, 0, keyOff),
    insn(0x85, 0, 0, 0, 1), // map_lookup_elem
    insn(0x55, 0, 0, 1, 0), // if r0 != 0 skip
    insn(0x07, 8, 0, 0, 1), // r8++
    insn(0x17, 6, 0, 0, 1), // r6 -= 1
    insn(0x55, 6, 0, t.name === 'lpm_trie' ? -21 : -19, 0), // if r6 != 0 goto loop
    insn(0xbf, 0, 8, 0, 0),
    insn(0x95, 0, 0, 0, 0),
  ]);
}

/** One map type's helper-path setup, shared by its runs: the program and the map helpers. */
interface HelperRig {
  prog: Program;
  pointers: MapPointers;
  helpers: ReturnType<typeof mapHelpers>;
}

function helperRig(t: TypeSpec): HelperRig {
  const pointers = new MapPointers();
  return { prog: helperProgram(t), pointers, helpers: mapHelpers({ pointers }) };
}

/** The helper path: one program run doing n updates and n lookups through the map helpers. */
function helperPath(
  t: TypeSpec,
  n: number,
  engine: EngineName,
  rig: HelperRig,
): PathResult & { bytes_per_entry: number } {
  const map = mapAlloc(
    { mapType: t.mapType, keySize: t.keySize, valueSize: VALUE_SIZE, maxEntries: n, mapFlags: t.flags },
    { possibleCpus: 2, prandomU32: () => 0x9e3779b9 },
  ) as BpfMap;
  const ptr = rig.pointers.pointerOf(map);
  const space = new AddressSpace();
  const t0 = performance.now();
  const res = runProgram(rig.prog, {
    engine,
    space,
    helpers: rig.helpers,
    args: [ptr, BigInt(n)],
    budget: 64 * n + 100,
  });
  const ms = performance.now() - t0;
  rig.pointers.forget(map);
  if (res.kind !== 'exit') throw new CliError(`helper program ended with ${res.kind}`);
  if (res.r0 !== 0n) throw new CliError(`helper program missed ${res.r0} lookups`);
  if (map.count?.() !== n) throw new CliError(`map holds ${map.count?.()} entries, expected ${n}`);
  const bytes = map.storageBytes?.() ?? Number.NaN;
  return { ...result(2 * n, ms), bytes_per_entry: Number((bytes / n).toFixed(1)) };
}

/** The baseline: a JavaScript Map<number, number> doing n sets and n gets. */
function jsMapPath(n: number): PathResult {
  const m = new Map<number, number>();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) m.set(i, i);
  let miss = 0;
  for (let i = 0; i < n; i++) if (m.get(i) === undefined) miss++;
  const ms = performance.now() - t0;
  if (miss) throw new CliError('js map baseline lost keys');
  return result(2 * n, ms);
}

/** The `maps` benchmark command. */
export const mapsBench: Command = {
  name: 'maps',
  summary:
    'update+lookup ops/s of hash, array and lpm_trie maps (syscall and helper paths) and bytes per entry',
  help: `Usage: bpfsim bench maps [--entries N] [--types hash,array,lpm_trie] [--engine jit|interp] [--runs R] [--json]
For each map type (max_entries = N, 4-byte keys, 8-byte values; lpm_trie: /32 prefixes) inserts N
distinct keys and looks each up again, through three paths: the emulated bpf() syscall, an eBPF
program calling bpf_map_update_elem/bpf_map_lookup_elem on the JIT, and a JavaScript Map baseline.
Each path runs once to warm up, then R times on a fresh map; the run with the median time is
reported (all runs' ops/s in runs_ops_per_sec). Reports ops/s per path, the kernel's memlock
bytes per entry and the emulator's bytes per entry.

Options:
  --entries N   number of keys and max_entries (default 1000000)
  --types LIST  comma-separated subset of hash,array,lpm_trie (default all)
  --engine E    engine of the helper path: jit (default) or interp
  --runs R      runs per path, the median reported (default 3)
  --json        print one JSON object

Example:
  bpfsim bench maps --entries 1000000 --json`,
  run(args, io, global) {
    const p = parseArgs(args, {
      entries: 'string',
      types: 'string',
      engine: 'string',
      runs: 'string',
      json: true,
    });
    const n = intOption(p, 'entries', 1_000_000);
    if (n < 1 || n > 16_000_000)
      throw new CliError(`option '--entries': ${n} is out of range 1..16000000`, 2);
    const runs = intOption(p, 'runs', 3);
    if (runs < 1 || runs > 99) throw new CliError(`option '--runs': ${runs} is out of range 1..99`, 2);
    const engine = p.values.get('engine') ?? 'jit';
    if (engine !== 'jit' && engine !== 'interp')
      throw new CliError(`unknown engine '${engine}' (interp or jit)`, 2);
    const names = (p.values.get('types') ?? 'hash,array,lpm_trie').split(',').filter(Boolean);
    const specs = names.map((name) => {
      const t = TYPES[name];
      if (!t) throw new CliError(`unknown map type '${name}' (hash, array or lpm_trie)`, 2);
      return t;
    });
    // on a terminal, a progress line per measured path (never in pipes or CI logs)
    const bar = progress(io, 'bench maps', runs * (1 + 2 * specs.length));
    // warm-up, not counted: a small run, then a full one per path (V8 optimizes, deoptimizes as
    // new paths are taken, and optimizes again over the first million operations or so)
    const rigs = new Map(specs.map((t) => [t.name, helperRig(t)]));
    for (const t of specs) {
      for (const size of [Math.min(n, 20_000), n]) {
        syscallPath(t, size);
        helperPath(t, size, engine, rigs.get(t.name)!);
      }
    }
    const ticked =
      <T>(label: string, f: () => T) =>
      () => {
        const r = f();
        bar.tick(label);
        return r;
      };
    const baseline = median(
      runs,
      ticked('js Map', () => jsMapPath(n)),
    );
    const out: Record<string, unknown> = { entries: n, engine, runs, js_map: baseline };
    for (const t of specs) {
      const sys = median(
        runs,
        ticked(`${t.name} syscall`, () => syscallPath(t, n)),
      );
      const helper = median(
        runs,
        ticked(`${t.name} helper`, () => helperPath(t, n, engine, rigs.get(t.name)!)),
      );
      const pick = (r: PathResult & { runs_ops_per_sec: number[] }) => ({
        ops: r.ops,
        seconds: r.seconds,
        ops_per_sec: r.ops_per_sec,
        runs_ops_per_sec: r.runs_ops_per_sec,
      });
      out[t.name] = {
        syscall: pick(sys),
        helper: pick(helper),
        kernel_memlock_bytes_per_entry: sys.memlock_per_entry,
        emulator_bytes_per_entry: helper.bytes_per_entry,
      };
    }
    bar.done();
    if (global.json || p.flags.has('json')) {
      io.out(`${JSON.stringify(out, null, global.pretty ? 2 : undefined)}\n`);
      return 0;
    }
    const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M ops/s`;
    io.out(`entries ${n}, median of ${runs} runs; js Map baseline ${fmt(baseline.ops_per_sec)}\n`);
    for (const t of specs) {
      const r = out[t.name] as {
        syscall: PathResult;
        helper: PathResult;
        kernel_memlock_bytes_per_entry: number;
        emulator_bytes_per_entry: number;
      };
      io.out(
        `${t.name.padEnd(9)} syscall ${fmt(r.syscall.ops_per_sec)}, helper (${engine}) ${fmt(r.helper.ops_per_sec)}, ` +
          `memory ${r.emulator_bytes_per_entry} B/entry (kernel memlock ${r.kernel_memlock_bytes_per_entry})\n`,
      );
    }
    return 0;
  },
};
