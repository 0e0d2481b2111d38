/**
 * Behaviour observed on the real Linux 6.18.44 kernel, as listed in /work/shared/reference/
 * kernel-facts.md and measured with /work/shared/tools/kernel-oracle/bpf_oracle.py (fdinfo memlock
 * of fresh maps, 2 possible CPUs). These run everywhere; the differential tests re-check them live.
 */
import { describe, expect, it } from 'vitest';
import type { ArrayMap } from '../../src/maps/arraymap.js';
import type { BpfMap, MapAttr, MapEnv } from '../../src/maps/ops.js';
import { mapAlloc, mapTypeOps } from '../../src/maps/registry.js';
import { BPF_F, BPF_MAP_TYPE as T } from '../../src/maps/uapi.js';
import { HTAB_MEMLOCK_DRIFT } from '../kernel/backend/drift.js';

/**
 * kernel-facts.md's memlock figures were measured on 6.18.44-fc-v669; the reference kernel now
 * reports hash-family maps 64 bytes larger (sizeof(struct bpf_htab) 832 -> 896, drift.ts).
 */
const HTAB = HTAB_MEMLOCK_DRIFT.bytes;

const env: MapEnv = { possibleCpus: 2, prandomU32: () => 12345 };
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const mk = (a: Partial<MapAttr> & { mapType: number }) =>
  mapAlloc({ keySize: 4, valueSize: 4, maxEntries: 2, mapFlags: 0, ...a }, env) as BpfMap;
const keys = (m: BpfMap) => {
  const out: number[] = [];
  for (let k = m.getNextKey!(undefined); typeof k !== 'number'; k = m.getNextKey!(k))
    out.push(new Uint32Array(k.slice().buffer)[0]!);
  return out;
};

describe('kernel-facts.md (Linux 6.18.44)', () => {
  it('hash(4,8,max 2): third key -E2BIG, overwrite in a full map 0; flags 4 -EINVAL', () => {
    const h = mk({ mapType: T.HASH, valueSize: 8 });
    expect(h.update!(u32(1), new Uint8Array(8), 0)).toBe(0);
    expect(h.update!(u32(2), new Uint8Array(8), 0)).toBe(0);
    expect(h.update!(u32(3), new Uint8Array(8), 0)).toBe(-7);
    expect(h.update!(u32(2), new Uint8Array(8), 0)).toBe(0);
    expect(h.update!(u32(1), new Uint8Array(8), 1)).toBe(-17);
    expect(h.update!(u32(9), new Uint8Array(8), 2)).toBe(-2);
  });

  it('hash get_next_key: NULL → first, unknown key → first, last → -ENOENT', () => {
    const h = mk({ mapType: T.HASH, maxEntries: 8, mapFlags: BPF_F.ZERO_SEED });
    for (const k of [1, 2, 3]) h.update!(u32(k), u32(0), 0);
    const order = keys(h);
    expect(h.getNextKey!(u32(77))).toEqual(u32(order[0]!));
    expect(h.getNextKey!(u32(order[2]!))).toBe(-2);
  });

  it('two hashes without ZERO_SEED get different seeds from the PRNG and may iterate differently', () => {
    let seed = 1;
    const penv: MapEnv = {
      possibleCpus: 2,
      prandomU32: () => (seed = Math.imul(seed, 1103515245) + 12345) >>> 0,
    };
    const a = mapAlloc(
      { mapType: T.HASH, keySize: 4, valueSize: 4, maxEntries: 16, mapFlags: 0 },
      penv,
    ) as BpfMap;
    const b = mapAlloc(
      { mapType: T.HASH, keySize: 4, valueSize: 4, maxEntries: 16, mapFlags: 0 },
      penv,
    ) as BpfMap;
    for (let i = 0; i < 8; i++) {
      a.update!(u32(i), u32(i), 0);
      b.update!(u32(i), u32(i), 0);
    }
    expect(keys(a)).not.toEqual(keys(b));
    expect([...keys(a)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('array: delete -EINVAL, update past the end -E2BIG, NOEXIST -EEXIST, lookup past the end -ENOENT', () => {
    const a = mk({ mapType: T.ARRAY, valueSize: 8, maxEntries: 3 });
    expect(a.delete!(u32(0))).toBe(-22);
    expect(a.update!(u32(3), new Uint8Array(8), 0)).toBe(-7);
    expect(a.update!(u32(0), new Uint8Array(8), 1)).toBe(-17);
    expect(a.lookup!(u32(5))).toBe(-2);
    expect(a.memUsage()).toBe(336);
  });

  it('map_create EINVAL: array key_size 8, hash key_size 0, max_entries 0; type 999 unknown', () => {
    expect(mk({ mapType: T.ARRAY, keySize: 8 })).toBe(-22);
    expect(mk({ mapType: T.HASH, keySize: 0 })).toBe(-22);
    expect(mk({ mapType: T.HASH, maxEntries: 0 })).toBe(-22);
    expect(mk({ mapType: 999 })).toBe(-22);
    expect(mapTypeOps(999)).toBeUndefined();
  });

  it('NO_PREALLOC hash still returns -E2BIG when full', () => {
    const h = mk({ mapType: T.HASH, mapFlags: BPF_F.NO_PREALLOC });
    expect(h.update!(u32(1), u32(0), 0)).toBe(0);
    expect(h.update!(u32(2), u32(0), 0)).toBe(0);
    expect(h.update!(u32(3), u32(0), 0)).toBe(-7);
  });

  it('LRU(max 2) after inserting 0,1,2,3 holds keys 3,2', () => {
    const l = mk({ mapType: T.LRU_HASH, mapFlags: BPF_F.ZERO_SEED });
    for (const k of [0, 1, 2, 3]) expect(l.update!(u32(k), u32(k), 0)).toBe(0);
    expect(keys(l).sort()).toEqual([2, 3]);
    expect(l.memUsage()).toBe(1056 + HTAB);
  });

  it('queue(0,4,2): third push -E2BIG, push with BPF_EXIST overwrites the oldest, pop order, empty pop -ENOENT', () => {
    const q = mk({ mapType: T.QUEUE, keySize: 0 });
    expect(q.push!(u32(1), 0)).toBe(0);
    expect(q.push!(u32(2), 0)).toBe(0);
    expect(q.push!(u32(3), 0)).toBe(-7);
    expect(q.push!(u32(3), 2)).toBe(0);
    expect(q.peek!()).toEqual(u32(2));
    expect(q.pop!()).toEqual(u32(2));
    expect(q.pop!()).toEqual(u32(3));
    expect(q.pop!()).toBe(-2);
    expect(q.memUsage()).toBe(324);
  });

  it('percpu_array(4,4,2) lookup returns round_up(4,8) * 2 = 16 bytes; memlock 360', () => {
    const p = mk({ mapType: T.PERCPU_ARRAY });
    expect((p.lookup!(u32(0)) as Uint8Array).length).toBe(16);
    expect(p.memUsage()).toBe(360);
  });

  it('memlock of prealloc hash 4/8/2 = 1200, 4/4/16 = 2320, 4/64/1M = 142607488; array 4/64/1M = 67109176', () => {
    expect(mk({ mapType: T.HASH, valueSize: 8 }).memUsage()).toBe(1200 + HTAB);
    expect(mk({ mapType: T.HASH, maxEntries: 16 }).memUsage()).toBe(2320 + HTAB);
    expect(
      mapTypeOps(T.HASH)!.memUsageEstimate!(
        { mapType: T.HASH, keySize: 4, valueSize: 64, maxEntries: 1 << 20, mapFlags: 0 },
        env,
      ),
    ).toBe(142607488 + HTAB);
    expect(
      mapTypeOps(T.ARRAY)!.memUsageEstimate!(
        { mapType: T.ARRAY, keySize: 4, valueSize: 64, maxEntries: 1 << 20, mapFlags: 0 },
        env,
      ),
    ).toBe(67109176);
    expect(mk({ mapType: T.HASH, mapFlags: BPF_F.NO_PREALLOC }).memUsage()).toBe(928 + HTAB);
  });

  it('memlock measured on 6.18.44 for the other types', () => {
    // bpf_oracle.py map_create + fdinfo on the host kernel
    expect(mk({ mapType: T.BLOOM_FILTER, keySize: 0, maxEntries: 100 }).memUsage()).toBe(440);
    expect(mk({ mapType: T.BLOOM_FILTER, keySize: 0, maxEntries: 1, mapExtra: 1n }).memUsage()).toBe(320);
    expect(mk({ mapType: T.BLOOM_FILTER, keySize: 0, maxEntries: 1000, mapExtra: 3n }).memUsage()).toBe(1336);
    expect(mk({ mapType: T.STACK, keySize: 0, valueSize: 8, maxEntries: 10 }).memUsage()).toBe(400);
    expect(mk({ mapType: T.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 }).memUsage()).toBe(16728);
    expect(mk({ mapType: T.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 65536 }).memUsage()).toBe(78408);
    expect(mk({ mapType: T.PROG_ARRAY, maxEntries: 4 }).memUsage()).toBe(344);
    expect(mk({ mapType: T.PERF_EVENT_ARRAY, maxEntries: 4 }).memUsage()).toBe(344);
    expect(mk({ mapType: T.PERCPU_HASH, maxEntries: 4 }).memUsage()).toBe(1280 + HTAB);
    expect(mk({ mapType: T.LRU_PERCPU_HASH, maxEntries: 4 }).memUsage()).toBe(1280 + HTAB);
    expect(mk({ mapType: T.ARRAY, maxEntries: 4, mapFlags: BPF_F.MMAPABLE }).memUsage()).toBe(8192);
    const inner = mk({ mapType: T.ARRAY, maxEntries: 4 });
    const fdEnv: MapEnv = { ...env, mapFromFd: (fd) => (fd === 3 ? inner : -9) };
    const hom = mapAlloc(
      { mapType: T.HASH_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 4, mapFlags: 0, innerMapFd: 3 },
      fdEnv,
    );
    expect((hom as BpfMap).memUsage()).toBe(1232 + HTAB);
    const lpm = mk({ mapType: T.LPM_TRIE, keySize: 8, maxEntries: 10, mapFlags: BPF_F.NO_PREALLOC });
    expect(lpm.memUsage()).toBe(0);
    lpm.update!(new Uint8Array([24, 0, 0, 0, 192, 168, 1, 0]), u32(1), 0);
    expect(lpm.memUsage()).toBe(32);
  });
});

describe('BPF_F_MMAPABLE array', () => {
  it('exposes its values as one shared byte array (array_map_mmap), seen by lookups', () => {
    const a = mapAlloc(
      { mapType: T.ARRAY, keySize: 4, valueSize: 12, maxEntries: 1000, mapFlags: BPF_F.MMAPABLE },
      env,
    );
    const m = (a as ArrayMap).mmapBytes();
    expect(m?.length).toBe(1000 * 16);
    m![16 * 999] = 0xab;
    expect(((a as BpfMap).lookup!(u32(999)) as Uint8Array)[0]).toBe(0xab);
    expect((mk({ mapType: T.ARRAY }) as ArrayMap).mmapBytes()).toBeUndefined();
  });
});

describe('limits measured on 6.18.44 (bpf_oracle.py)', () => {
  it('hash tables above 2^27 entries are -E2BIG (n_buckets * sizeof(struct bucket) overflows u32)', () => {
    for (const max of [2 ** 27 + 1, 2 ** 28, 2 ** 31, 2 ** 31 + 1, 0xffffffff]) {
      expect(mk({ mapType: T.HASH, maxEntries: max })).toBe(-7);
      expect(mk({ mapType: T.HASH, maxEntries: max, mapFlags: BPF_F.NO_PREALLOC })).toBe(-7);
      expect(mk({ mapType: T.LRU_HASH, maxEntries: max })).toBe(-7);
    }
  });

  it('a 2^32-1 entry queue is accepted, with the kernel memlock (storage grows with use)', () => {
    const q = mk({ mapType: T.QUEUE, keySize: 0, maxEntries: 0xffffffff });
    expect(q.memUsage()).toBe(17179869496);
    expect(q.push!(u32(5), 0)).toBe(0);
    expect(q.pop!()).toEqual(u32(5));
  });
});
