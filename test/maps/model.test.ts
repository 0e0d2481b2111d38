/**
 * Property tests against independent reference models (no kernel needed): the hash map against a
 * JavaScript Map with the kernel's documented update/delete rules, the LPM trie against a brute-force
 * longest-prefix search, queue/stack against arrays, and jhash against jhash2 on word-sized keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HashTab } from '../../src/maps/hashtab.js';
import { jhash, jhash1WordI32, jhash2, jhash2Words } from '../../src/maps/jhash.js';
import type { LpmTrie } from '../../src/maps/lpm-trie.js';
import type { MapEnv } from '../../src/maps/ops.js';
import type { QueueStack } from '../../src/maps/queue-stack.js';
import { mapAlloc } from '../../src/maps/registry.js';
import { BPF_F, BPF_MAP_TYPE } from '../../src/maps/uapi.js';

const env: MapEnv = { possibleCpus: 3, prandomU32: () => 0xdeadbeef };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('jhash', () => {
  it('jhash over whole words equals jhash2 and jhash2Words (include/linux/jhash.h)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 64 }), fc.integer(), (bytes, seed) => {
        const b = bytes.subarray(0, bytes.length & ~3);
        const words = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
        const h = jhash2(b, 0, b.length / 4, seed);
        expect(jhash(b, 0, b.length, seed)).toBe(h);
        expect(jhash2Words(words, b.length / 4, seed)).toBe(h);
      }),
    );
  });

  it('is the lookup3 value for known inputs (jhash of empty string is the seeded initval)', () => {
    expect(jhash(new Uint8Array(0), 0, 0, 0)).toBe(0xdeadbeef);
    expect(jhash(new Uint8Array(0), 0, 0, 1)).toBe(0xdeadbef0);
  });
});

type HOp =
  | { op: 'update'; k: number; v: number; flags: number }
  | { op: 'delete'; k: number }
  | { op: 'lookup'; k: number };

describe('hash map vs a reference model', () => {
  const cases = [
    ['prealloc', 0, 4, 'syscall'],
    ['no_prealloc', BPF_F.NO_PREALLOC, 4, 'syscall'],
    // the program side (4-byte keys take update1/lookup1) and 8-byte keys (the general path)
    ['prealloc, from programs', 0, 4, 'prog'],
    ['no_prealloc, from programs', BPF_F.NO_PREALLOC, 4, 'prog'],
    ['prealloc, 8-byte keys', 0, 8, 'syscall'],
    ['no_prealloc, 8-byte keys, from programs', BPF_F.NO_PREALLOC, 8, 'prog'],
  ] as const;
  for (const [name, flags, keySize, via] of cases) {
    it(`${name}: results, contents and get_next_key coverage follow the kernel rules`, () => {
      const opArb: fc.Arbitrary<HOp> = fc.oneof(
        fc.record({
          op: fc.constant('update' as const),
          k: fc.nat(20),
          v: fc.nat(1000),
          flags: fc.constantFrom(0, 1, 2, 3),
        }),
        fc.record({ op: fc.constant('delete' as const), k: fc.nat(20) }),
        fc.record({ op: fc.constant('lookup' as const), k: fc.nat(20) }),
      );
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 12 }), fc.array(opArb, { maxLength: 200 }), (max, ops) => {
          const h = mapAlloc(
            { mapType: BPF_MAP_TYPE.HASH, keySize, valueSize: 4, maxEntries: max, mapFlags: flags },
            env,
          ) as HashTab;
          const model = new Map<number, number>();
          const key = (k: number) =>
            new Uint8Array(new Uint32Array(keySize === 4 ? [k] : [k, k ^ 0x5a5a5a5a]).buffer);
          // programs pass keys and values at offsets inside their stack
          const frame = new Uint8Array(64);
          const at = (b: Uint8Array, off: number) => {
            frame.set(b, off);
            return frame;
          };
          const update = (k: Uint8Array, v: Uint8Array, f: number) =>
            via === 'prog' ? h.progUpdate(at(k, 8), 8, at(v, 40), 40, f, 1) : h.update(k, v, f);
          const remove = (k: Uint8Array) => (via === 'prog' ? h.progDelete(at(k, 12), 12) : h.delete(k));
          const lookup = (k: Uint8Array): Uint8Array | number => {
            if (via === 'syscall') return h.lookup(k);
            const off = h.progLookupOffset(at(k, 4), 4, 0);
            return off < 0 ? -2 : h.arena.chunks[h.valueChunk]!.slice(off, off + 4);
          };
          for (const o of ops) {
            if (o.op === 'update') {
              const exists = model.has(o.k);
              const want =
                o.flags > 2
                  ? -22
                  : exists && o.flags === 1
                    ? -17
                    : !exists && o.flags === 2
                      ? -2
                      : !exists && model.size >= max
                        ? -7
                        : 0;
              expect(update(key(o.k), new Uint8Array(new Uint32Array([o.v]).buffer), o.flags)).toBe(want);
              if (want === 0) model.set(o.k, o.v);
            } else if (o.op === 'delete') {
              expect(remove(key(o.k))).toBe(model.delete(o.k) ? 0 : -2);
            } else {
              const got = lookup(key(o.k));
              const m = model.get(o.k);
              expect(typeof got === 'number' ? got : new Uint32Array(got.slice().buffer)[0]).toBe(m ?? -2);
            }
          }
          // GET_NEXT_KEY from NULL visits every key exactly once
          const seen: number[] = [];
          for (let k = h.getNextKey(undefined); typeof k !== 'number'; k = h.getNextKey(k))
            seen.push(new Uint32Array(k.slice().buffer)[0]!);
          expect(seen.sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
          expect(h.count()).toBe(model.size);
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('hash buckets of a big table', () => {
  it('keep bucket lists in head-insertion order with few tag bits (max_entries 2^24)', () => {
    // 2^24 buckets: a bucket word holds 1 + a 25-bit slot, which leaves 4 tag bits
    const max = 2 ** 24;
    const h = mapAlloc(
      { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 4, maxEntries: max, mapFlags: BPF_F.ZERO_SEED },
      env,
    ) as HashTab;
    const key = (k: number) => new Uint8Array(new Uint32Array([k]).buffer);
    const bucket = (k: number) => (jhash1WordI32(k, 0) >>> 0) & (max - 1);
    // three keys of one bucket (with ZERO_SEED the kernel's jhash decides), found by search
    const byBucket = new Map<number, number[]>();
    let same: number[] = [];
    for (let k = 0; same.length < 3; k++) {
      const list = byBucket.get(bucket(k)) ?? [];
      list.push(k);
      byBucket.set(bucket(k), list);
      if (list.length === 3) same = list;
    }
    const other = same[0]! + 1;
    for (const k of [...same, other]) expect(h.update(key(k), key(k * 10), 0)).toBe(0);
    for (const k of [...same, other]) expect(h.lookup(key(k))).toEqual(key(k * 10));
    // get_next_key walks the bucket from its head: the last inserted key first
    const next = (k: number) => new Uint32Array((h.getNextKey(key(k)) as Uint8Array).slice().buffer)[0];
    expect(next(same[2]!)).toBe(same[1]);
    expect(next(same[1]!)).toBe(same[0]);
    // deleting the middle element keeps the others reachable; lookups of absent keys miss
    expect(h.delete(key(same[1]!))).toBe(0);
    expect(h.lookup(key(same[1]!))).toBe(-2);
    expect(next(same[2]!)).toBe(same[0]);
    for (const k of [same[0]!, same[2]!, other]) expect(h.lookup(key(k))).toEqual(key(k * 10));
    expect(h.delete(key(same[2]!))).toBe(0);
    expect(h.delete(key(same[0]!))).toBe(0);
    expect(h.lookup(key(same[0]!))).toBe(-2);
    expect(h.count()).toBe(1);
  });
});

describe('LPM trie vs brute force', () => {
  it('lookup returns the value of the longest stored prefix covering the address', () => {
    const prefixArb = fc.record({ p: fc.nat(16), a: fc.nat(0xffff), v: fc.nat(255) });
    fc.assert(
      fc.property(
        fc.array(prefixArb, { maxLength: 40 }),
        fc.array(fc.nat(0xffff), { maxLength: 40 }),
        (prefixes, probes) => {
          const t = mapAlloc(
            {
              mapType: BPF_MAP_TYPE.LPM_TRIE,
              keySize: 6,
              valueSize: 1,
              maxEntries: 64,
              mapFlags: BPF_F.NO_PREALLOC,
            },
            env,
          ) as LpmTrie;
          const key = (p: number, a: number) => {
            const k = new Uint8Array(6);
            new DataView(k.buffer).setUint32(0, p, true);
            new DataView(k.buffer).setUint16(4, a, false);
            return k;
          };
          const mask = (p: number) => (p === 0 ? 0 : (0xffff << (16 - p)) & 0xffff);
          const model = new Map<string, number>();
          for (const { p, a, v } of prefixes) {
            expect(t.update(key(p, a), new Uint8Array([v]), 0)).toBe(0);
            model.set(`${p}/${a & mask(p)}`, v);
          }
          expect(t.count()).toBe(model.size);
          for (const a of probes) {
            let best = -1;
            let want: number | undefined;
            for (const [k, v] of model) {
              const [p, net] = k.split('/').map(Number) as [number, number];
              if ((a & mask(p)) === net && p > best) {
                best = p;
                want = v;
              }
            }
            const got = t.lookup(key(16, a));
            expect(typeof got === 'number' ? undefined : got[0]).toBe(want);
          }
          // post-order iteration returns every stored prefix once, more specific ones before their parents
          const keys: string[] = [];
          for (let k = t.getNextKey(undefined); typeof k !== 'number'; k = t.getNextKey(k)) {
            // the kernel keeps the data bits past the prefix as last written (it never masks them)
            const dv = new DataView(k.buffer);
            const p = dv.getUint32(0, true);
            keys.push(`${p}/${dv.getUint16(4, false) & mask(p)}`);
          }
          expect([...keys].sort()).toEqual([...model.keys()].sort());
          for (let i = 0; i < keys.length; i++) {
            const [pi, ni] = keys[i]!.split('/').map(Number) as [number, number];
            for (let j = i + 1; j < keys.length; j++) {
              const [pj, nj] = keys[j]!.split('/').map(Number) as [number, number];
              // post-order: a more specific prefix never follows a prefix that contains it
              if (pj > pi && (nj & mask(pi)) === ni)
                throw new Error(`${keys[j]} (more specific) after ${keys[i]}`);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('iterates the lpm_trie.c example in its documented post-order', () => {
    const t = mapAlloc(
      {
        mapType: BPF_MAP_TYPE.LPM_TRIE,
        keySize: 8,
        valueSize: 1,
        maxEntries: 8,
        mapFlags: BPF_F.NO_PREALLOC,
      },
      env,
    ) as LpmTrie;
    const key = (p: number, ip: string) => {
      const k = new Uint8Array(8);
      new DataView(k.buffer).setUint32(0, p, true);
      k.set(ip.split('.').map(Number), 4);
      return k;
    };
    t.update(key(16, '192.168.0.0'), new Uint8Array([1]), 0);
    t.update(key(24, '192.168.0.0'), new Uint8Array([2]), 0);
    t.update(key(24, '192.168.128.0'), new Uint8Array([3]), 0);
    t.update(key(24, '192.168.1.0'), new Uint8Array([5]), 0);
    const got: string[] = [];
    for (let k = t.getNextKey(undefined); typeof k !== 'number'; k = t.getNextKey(k)) got.push(hex(k));
    expect(got).toEqual([
      hex(key(24, '192.168.0.0')),
      hex(key(24, '192.168.1.0')),
      hex(key(24, '192.168.128.0')),
      hex(key(16, '192.168.0.0')),
    ]);
    expect(t.lookup(key(32, '192.168.1.77'))).toEqual(new Uint8Array([5]));
    expect(t.lookup(key(32, '192.168.200.1'))).toEqual(new Uint8Array([1]));
    expect(t.lookup(key(32, '10.0.0.1'))).toBe(-2);
    // the intermediate node 192.168.0.0/23 is not a key
    expect(t.delete(key(23, '192.168.0.0'))).toBe(-2);
    expect(t.memUsage()).toBe(4 * (24 + 4 + 1));
  });
});

describe('queue and stack vs arrays', () => {
  for (const type of [BPF_MAP_TYPE.QUEUE, BPF_MAP_TYPE.STACK]) {
    it(`${type === BPF_MAP_TYPE.QUEUE ? 'queue (FIFO)' : 'stack (LIFO)'}: push with BPF_EXIST evicts the oldest`, () => {
      const opArb = fc.oneof(
        fc.record({ push: fc.nat(255), exist: fc.boolean() }),
        fc.constant({ pop: true }),
      );
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 6 }), fc.array(opArb, { maxLength: 80 }), (max, ops) => {
          const q = mapAlloc(
            { mapType: type, keySize: 0, valueSize: 1, maxEntries: max, mapFlags: 0 },
            env,
          ) as QueueStack;
          const model: number[] = [];
          for (const o of ops) {
            if ('push' in o) {
              const full = model.length >= max;
              expect(q.push(new Uint8Array([o.push]), o.exist ? 2 : 0)).toBe(full && !o.exist ? -7 : 0);
              if (full && o.exist) model.shift();
              if (!full || o.exist) model.push(o.push);
            } else {
              const want =
                model.length === 0 ? -2 : type === BPF_MAP_TYPE.QUEUE ? model.shift()! : model.pop()!;
              const got = q.pop();
              expect(typeof got === 'number' ? got : got[0]).toBe(want);
            }
          }
          expect(q.count()).toBe(model.length);
        }),
        { numRuns: 200 },
      );
    });
  }
});
