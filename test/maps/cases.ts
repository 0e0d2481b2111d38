/**
 * Shared by the map differential tests: the map configurations, random operation sequences and a
 * driver interface run identically on the emulated maps and on the real kernel (or its recording).
 */
import fc from 'fast-check';
import type { BpfMap } from '../../src/maps/ops.js';
import { BPF_F, BPF_MAP_TYPE } from '../../src/maps/uapi.js';
import { hex, type kernel as Kernel, type RealMapAttr } from './real-kernel.js';

export type Op =
  | { op: 'update'; key: number; val: number; flags: number }
  | { op: 'lookup'; key: number }
  | { op: 'delete'; key: number }
  | { op: 'next'; key: number | null }
  | { op: 'lookupAndDelete'; key: number };

export function keyBytes(k: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = i < 4 ? (k >>> (8 * i)) & 0xff : (k * 31 + i) & 0xff;
  return b;
}

export function valBytes(v: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (v + i * 7) & 0xff;
  return b;
}

export const show = (r: Uint8Array | number) => (typeof r === 'number' ? r : hex(r));

export interface Case {
  name: string;
  attr: RealMapAttr;
  keySpace: number;
  ops?: Op['op'][];
  ordered: boolean;
}

/** Bytes of a value through the syscall: per-CPU maps hold round_up(value_size, 8) per possible CPU. */
export function sysValueSize(a: RealMapAttr, ncpus: number): number {
  const percpu = (
    [BPF_MAP_TYPE.PERCPU_HASH, BPF_MAP_TYPE.PERCPU_ARRAY, BPF_MAP_TYPE.LRU_PERCPU_HASH] as number[]
  ).includes(a.mapType);
  return percpu ? Math.ceil(a.valueSize / 8) * 8 * ncpus : a.valueSize;
}

/** One side of a differential run: the syscall-level element commands on one map. */
export interface MapDriver {
  update(key: Uint8Array, value: Uint8Array, flags: number): number;
  lookup(key: Uint8Array): Uint8Array | number;
  delete(key: Uint8Array): number;
  next(key: Uint8Array | undefined): Uint8Array | number;
  lookupAndDelete(key: Uint8Array): Uint8Array | number;
  memlock(): number | undefined;
}

/** What a sequence produced: each op's result (errno or hex), the final key order and memlock. */
export interface SequenceOutcome {
  results: (string | number)[];
  keys: string[];
  memlock: number | undefined;
}

/** Runs `ops` through `d` (the commands the kernel layer issues for them). */
export function runSequence(d: MapDriver, c: Case, ops: readonly Op[], ncpus: number): SequenceOutcome {
  const a = c.attr;
  const vlen = sysValueSize(a, ncpus);
  const results: (string | number)[] = [];
  for (const o of ops) {
    const k = o.op === 'next' && o.key === null ? undefined : keyBytes(o.key as number, a.keySize);
    switch (o.op) {
      case 'update':
        results.push(d.update(k!, valBytes(o.val, vlen), o.flags));
        break;
      case 'lookup':
        results.push(show(d.lookup(k!)));
        break;
      case 'delete':
        results.push(d.delete(k!));
        break;
      case 'next':
        results.push(show(d.next(k)));
        break;
      case 'lookupAndDelete':
        results.push(show(d.lookupAndDelete(k!)));
        break;
    }
  }
  const keys: string[] = [];
  for (let k = d.next(undefined); typeof k !== 'number' && keys.length < 100000; k = d.next(k))
    keys.push(hex(k));
  return { results, keys, memlock: d.memlock() };
}

/** A driver on an emulated map (the kernel layer's routing for these map types is direct). */
export function simDriver(m: BpfMap): MapDriver {
  return {
    update: (k, v, f) => m.update!(k, v, f),
    lookup: (k) => m.lookup!(k),
    delete: (k) => m.delete!(k),
    next: (k) => m.getNextKey!(k),
    // MAP_LOOKUP_AND_DELETE_ELEM on an array is refused by the syscall (-ENOTSUPP) before any op
    lookupAndDelete: (k) => (m.lookupAndDelete ? m.lookupAndDelete(k, 0) : -524),
    memlock: () => m.memUsage(),
  };
}

export const CASES: Case[] = [
  {
    name: 'hash 4/8/4 zero_seed',
    attr: { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 4, mapFlags: BPF_F.ZERO_SEED },
    keySpace: 8,
    ordered: true,
  },
  {
    name: 'hash 3/5/16 zero_seed (jhash)',
    attr: { mapType: BPF_MAP_TYPE.HASH, keySize: 3, valueSize: 5, maxEntries: 16, mapFlags: BPF_F.ZERO_SEED },
    keySpace: 24,
    ordered: true,
  },
  {
    name: 'hash 16/4/7 zero_seed (jhash2 loop)',
    attr: { mapType: BPF_MAP_TYPE.HASH, keySize: 16, valueSize: 4, maxEntries: 7, mapFlags: BPF_F.ZERO_SEED },
    keySpace: 12,
    ordered: true,
  },
  {
    name: 'hash 13/4/9 zero_seed no_prealloc',
    attr: {
      mapType: BPF_MAP_TYPE.HASH,
      keySize: 13,
      valueSize: 4,
      maxEntries: 9,
      mapFlags: BPF_F.ZERO_SEED | BPF_F.NO_PREALLOC,
    },
    keySpace: 14,
    ordered: true,
  },
  {
    name: 'percpu_hash 4/4/5 zero_seed',
    attr: {
      mapType: BPF_MAP_TYPE.PERCPU_HASH,
      keySize: 4,
      valueSize: 4,
      maxEntries: 5,
      mapFlags: BPF_F.ZERO_SEED,
    },
    keySpace: 8,
    ordered: true,
  },
  {
    name: 'percpu_hash 8/12/5 zero_seed no_prealloc',
    attr: {
      mapType: BPF_MAP_TYPE.PERCPU_HASH,
      keySize: 8,
      valueSize: 12,
      maxEntries: 5,
      mapFlags: BPF_F.ZERO_SEED | BPF_F.NO_PREALLOC,
    },
    keySpace: 8,
    ordered: true,
  },
  {
    name: 'lru_hash 4/8/4 zero_seed',
    attr: {
      mapType: BPF_MAP_TYPE.LRU_HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
      mapFlags: BPF_F.ZERO_SEED,
    },
    keySpace: 10,
    ordered: true,
  },
  {
    name: 'lru_hash 4/8/64 zero_seed',
    attr: {
      mapType: BPF_MAP_TYPE.LRU_HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: 64,
      mapFlags: BPF_F.ZERO_SEED,
    },
    keySpace: 120,
    ordered: true,
  },
  {
    name: 'lru_hash 4/4/6 no_common_lru',
    attr: {
      mapType: BPF_MAP_TYPE.LRU_HASH,
      keySize: 4,
      valueSize: 4,
      maxEntries: 6,
      mapFlags: BPF_F.ZERO_SEED | BPF_F.NO_COMMON_LRU,
    },
    keySpace: 12,
    ordered: true,
  },
  {
    name: 'lru_percpu_hash 4/4/5 zero_seed',
    attr: {
      mapType: BPF_MAP_TYPE.LRU_PERCPU_HASH,
      keySize: 4,
      valueSize: 4,
      maxEntries: 5,
      mapFlags: BPF_F.ZERO_SEED,
    },
    keySpace: 9,
    ordered: true,
  },
  {
    name: 'array 4/12/5',
    attr: { mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 12, maxEntries: 5 },
    keySpace: 7,
    ordered: true,
  },
  {
    name: 'percpu_array 4/4/3',
    attr: { mapType: BPF_MAP_TYPE.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 3 },
    keySpace: 5,
    ordered: true,
  },
];

export function opArb(keySpace: number): fc.Arbitrary<Op> {
  const key = fc.nat({ max: keySpace - 1 });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant('update' as const),
        key,
        val: fc.nat({ max: 255 }),
        flags: fc.constantFrom(0, 0, 1, 2, 3, 8),
      }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('lookup' as const), key }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('next' as const), key: fc.option(key) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('lookupAndDelete' as const), key }) },
  );
}

/** A driver on a real-kernel map fd. */
export function kernelDriver(k: typeof Kernel, fd: number, a: RealMapAttr): MapDriver {
  const vlen = sysValueSize(a, k.possibleCpus);
  return {
    update: (key, v, f) => k.update(fd, key, v, f),
    lookup: (key) => k.lookup(fd, key, vlen),
    delete: (key) => k.delete(fd, key),
    next: (key) => k.getNextKey(fd, key, a.keySize),
    lookupAndDelete: (key) => k.lookupAndDelete(fd, key, vlen),
    memlock: () => k.memlock(fd),
  };
}

/** Deterministic op sequences for a case (the recorded traces use these). */
export function sequencesFor(c: Case, count: number, seed: number): Op[][] {
  return fc.sample(fc.array(opArb(c.keySpace), { minLength: 1, maxLength: 60 }), { numRuns: count, seed });
}
