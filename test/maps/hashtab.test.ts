import { describe, expect, it } from 'vitest';
import { HashTab } from '../../src/maps/hashtab.js';
import type { MapEnv } from '../../src/maps/ops.js';
import { mapAlloc } from '../../src/maps/registry.js';
import { BPF_F, BPF_MAP_TYPE } from '../../src/maps/uapi.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { HTAB_MEMLOCK_DRIFT } from '../kernel/backend/drift.js';

const env: MapEnv = { possibleCpus: 2, prandomU32: () => 0x12345678 };
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const keysOf = (m: HashTab) => {
  const out: number[] = [];
  let k: Uint8Array | number = m.getNextKey(undefined);
  while (typeof k !== 'number') {
    out.push(new DataView(k.buffer, k.byteOffset).getUint32(0, true));
    k = m.getNextKey(k);
  }
  return out;
};

describe('hash map', () => {
  it('iterates a ZERO_SEED hash(4,4,16) holding 0..7 in the kernel order 4,5,0,7,2,1,6,3 (kernel-facts.md)', () => {
    const m = mapAlloc(
      { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 4, maxEntries: 16, mapFlags: BPF_F.ZERO_SEED },
      env,
    );
    expect(m).toBeInstanceOf(HashTab);
    const h = m as HashTab;
    for (let i = 0; i < 8; i++) expect(h.update(u32(i), u32(i * 10), 0)).toBe(0);
    expect(keysOf(h)).toEqual([4, 5, 0, 7, 2, 1, 6, 3]);
  });

  it('matches the kernel memlock figures of kernel-facts.md, plus the documented build drift', () => {
    // kernel-facts.md: 6.18.44-fc-v669; sizeof(struct bpf_htab) is 64 bytes more on fc-v1147 (drift.ts).
    const HTAB = HTAB_MEMLOCK_DRIFT.bytes;
    const mk = (vs: number, max: number, flags = 0, ks = 4, t: number = BPF_MAP_TYPE.HASH) =>
      mapAlloc({ mapType: t, keySize: ks, valueSize: vs, maxEntries: max, mapFlags: flags }, env) as HashTab;
    expect(mk(8, 2).memUsage()).toBe(1200 + HTAB);
    expect(mk(4, 16).memUsage()).toBe(2320 + HTAB);
    expect(mk(64, 1 << 20).memUsage()).toBe(142607488 + HTAB);
    const np = mk(4, 2, BPF_F.NO_PREALLOC);
    expect(np.memUsage()).toBe(928 + HTAB);
    expect(mk(4, 2, 0, 4, BPF_MAP_TYPE.LRU_HASH).memUsage()).toBe(1056 + HTAB);
  });

  it('returns E2BIG when full but overwrites an existing key, and honours NOEXIST/EXIST', () => {
    for (const flags of [0, BPF_F.NO_PREALLOC]) {
      const h = mapAlloc(
        { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 2, mapFlags: flags },
        env,
      ) as HashTab;
      expect(h.update(u32(1), new Uint8Array(8), 0)).toBe(0);
      expect(h.update(u32(2), new Uint8Array(8), 0)).toBe(0);
      expect(h.update(u32(3), new Uint8Array(8), 0)).toBe(-ERRNO.E2BIG);
      expect(h.update(u32(2), new Uint8Array(8).fill(7), 0)).toBe(0);
      expect(h.lookup(u32(2))).toEqual(new Uint8Array(8).fill(7));
      expect(h.update(u32(2), new Uint8Array(8), 1)).toBe(-ERRNO.EEXIST);
      expect(h.update(u32(9), new Uint8Array(8), 2)).toBe(-ERRNO.ENOENT);
      expect(h.update(u32(9), new Uint8Array(8), 4 + 8)).toBe(-ERRNO.EINVAL);
      expect(h.lookup(u32(9))).toBe(-ERRNO.ENOENT);
      expect(h.delete(u32(9))).toBe(-ERRNO.ENOENT);
    }
  });
});
