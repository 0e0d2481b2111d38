/**
 * Differential tests against the host's real Linux kernel for queue, stack, bloom filter, LPM trie,
 * ring buffer and the fd maps, plus the map_create matrix (every map type x sizes x flags: errno or
 * success, and fdinfo memlock). The syscall routing the kernel layer does (queue UPDATE → push,
 * LOOKUP → peek, ...) is reproduced here to drive the ops. Skipped when not root on Linux.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BloomFilter } from '../../src/maps/bloom-filter.js';
import { FdArray } from '../../src/maps/fd-maps.js';
import type { LpmTrie } from '../../src/maps/lpm-trie.js';
import type { BpfMap, MapAttr, MapEnv } from '../../src/maps/ops.js';
import type { QueueStack } from '../../src/maps/queue-stack.js';
import { mapAlloc } from '../../src/maps/registry.js';
import { BPF_F, BPF_MAP_TYPE } from '../../src/maps/uapi.js';
import { hex, kernel } from './real-kernel.js';

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const show = (r: Uint8Array | number) => (typeof r === 'number' ? r : hex(r));
const RUNS = Number(process.env.BPFSIM_DIFF_RUNS ?? 20);
const SEED = Number(process.env.BPFSIM_DIFF_SEED ?? 42);
const skipMsg = kernel.available ? '' : ` (skipped: ${kernel.reason})`;

describe.skipIf(!kernel.available)(
  `queue/stack/bloom/lpm/ringbuf/fd maps vs the real kernel${skipMsg}`,
  () => {
    const env: MapEnv = { possibleCpus: kernel.possibleCpus, prandomU32: () => 0 };

    for (const type of [BPF_MAP_TYPE.QUEUE, BPF_MAP_TYPE.STACK]) {
      it(`${type === BPF_MAP_TYPE.QUEUE ? 'queue' : 'stack'}: push/pop/peek sequences agree`, () => {
        const attr = { mapType: type, keySize: 0, valueSize: 6, maxEntries: 3, mapFlags: 0 };
        const opArb = fc.oneof(
          fc.record({
            op: fc.constant('push' as const),
            v: fc.nat(255),
            flags: fc.constantFrom(0, 0, 1, 2, 2, 3, 4),
          }),
          fc.record({
            op: fc.constantFrom('pop' as const, 'peek' as const, 'delete' as const, 'next' as const),
          }),
        );
        fc.assert(
          fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
            const real = kernel.createMap(attr);
            const sim = mapAlloc(attr, env) as QueueStack;
            try {
              expect(sim.memUsage()).toBe(real.memlock);
              for (const o of ops) {
                let got: number | string;
                let want: number | string;
                if (o.op === 'push') {
                  const v = new Uint8Array(6).fill(o.v);
                  got = sim.push(v, o.flags);
                  want = kernel.update(real.fd, undefined, v, o.flags);
                } else if (o.op === 'pop') {
                  got = show(sim.pop());
                  want = show(kernel.lookupAndDelete(real.fd, undefined, 6));
                } else if (o.op === 'peek') {
                  got = show(sim.peek());
                  want = show(kernel.lookup(real.fd, undefined, 6));
                } else if (o.op === 'delete') {
                  got = sim.delete(new Uint8Array(0));
                  want = kernel.delete(real.fd, undefined);
                } else {
                  got = show(sim.getNextKey(undefined));
                  want = show(kernel.getNextKey(real.fd, undefined, 4));
                }
                expect(got, JSON.stringify(o)).toEqual(want);
              }
            } finally {
              kernel.close(real.fd);
            }
          }),
          { numRuns: RUNS, seed: SEED },
        );
      });
    }

    it('bloom_filter with ZERO_SEED: the same members and false positives as the kernel', () => {
      for (const [vs, max, extra] of [
        [4, 3, 2n],
        [3, 5, 0n],
        [12, 2, 1n],
        [5, 40, 15n],
      ] as const) {
        const attr = {
          mapType: BPF_MAP_TYPE.BLOOM_FILTER,
          keySize: 0,
          valueSize: vs,
          maxEntries: max,
          mapFlags: BPF_F.ZERO_SEED,
          mapExtra: extra,
        };
        const real = kernel.createMap(attr);
        expect(real.fd).toBeGreaterThanOrEqual(0);
        const sim = mapAlloc(attr, env) as BloomFilter;
        try {
          expect(sim.memUsage()).toBe(real.memlock);
          const val = (i: number) => new Uint8Array(vs).map((_, j) => (i * 37 + j * 11) & 0xff);
          for (let i = 0; i < max * 3; i += 3) {
            expect(sim.push(val(i), 0)).toBe(kernel.update(real.fd, undefined, val(i), 0));
          }
          expect(sim.push(val(1), 1)).toBe(kernel.update(real.fd, undefined, val(1), 1));
          let positives = 0;
          for (let i = 0; i < 300; i++) {
            const want = kernel.lookupWithValue(real.fd, val(i));
            expect(sim.peek(val(i)), `value ${i}`).toBe(want);
            if (want === 0) positives++;
          }
          expect(positives).toBeGreaterThan(0);
          // the op refuses pop; the syscall does not even route LOOKUP_AND_DELETE to it (-ENOTSUPP)
          expect(sim.pop()).toBe(-95);
          expect(kernel.lookupAndDelete(real.fd, undefined, vs)).toBe(-524);
          expect(sim.delete(new Uint8Array(0))).toBe(kernel.delete(real.fd, undefined));
          expect(sim.getNextKey(undefined)).toBe(kernel.getNextKey(real.fd, undefined, 4));
        } finally {
          kernel.close(real.fd);
        }
      }
    });

    for (const dataSize of [1, 4, 9]) {
      it(`lpm_trie with ${dataSize}-byte data: update/lookup/delete/get_next_key sequences agree`, () => {
        const ks = 4 + dataSize;
        const attr = {
          mapType: BPF_MAP_TYPE.LPM_TRIE,
          keySize: ks,
          valueSize: 3,
          maxEntries: 6,
          mapFlags: BPF_F.NO_PREALLOC,
        };
        const maxp = dataSize * 8;
        const key = (p: number, pattern: number) => {
          const k = new Uint8Array(ks);
          new DataView(k.buffer).setUint32(0, p, true);
          for (let i = 0; i < dataSize; i++)
            k[4 + i] =
              [0x00, 0xff, 0xc0, 0x80, 0x0f, 0xa5][(pattern + i) % 6]! ^ (i === 0 ? pattern * 16 : 0);
          return k;
        };
        const keyArb = fc.record({
          p: fc.oneof(fc.nat(maxp), fc.constantFrom(maxp, maxp + 1, 0)),
          pat: fc.nat(5),
        });
        const opArb = fc.oneof(
          fc.record({
            op: fc.constant('update' as const),
            k: keyArb,
            v: fc.nat(255),
            flags: fc.constantFrom(0, 0, 1, 2, 3),
          }),
          fc.record({
            op: fc.constantFrom('lookup' as const, 'delete' as const, 'next' as const),
            k: keyArb,
          }),
          fc.record({ op: fc.constant('first' as const) }),
        );
        fc.assert(
          fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
            const real = kernel.createMap(attr);
            const sim = mapAlloc(attr, env) as LpmTrie;
            try {
              const trace: string[] = [];
              for (const o of ops) {
                let got: number | string;
                let want: number | string;
                if (o.op === 'first') {
                  got = show(sim.getNextKey(undefined));
                  want = show(kernel.getNextKey(real.fd, undefined, ks));
                } else {
                  const k = key(o.k.p, o.k.pat);
                  if (o.op === 'update') {
                    const v = new Uint8Array([o.v, 1, 2]);
                    got = sim.update(k, v, o.flags);
                    want = kernel.update(real.fd, k, v, o.flags);
                  } else if (o.op === 'lookup') {
                    got = show(sim.lookup(k));
                    want = show(kernel.lookup(real.fd, k, 3));
                  } else if (o.op === 'delete') {
                    got = sim.delete(k);
                    want = kernel.delete(real.fd, k);
                  } else {
                    got = show(sim.getNextKey(k));
                    want = show(kernel.getNextKey(real.fd, k, ks));
                  }
                }
                trace.push(`${JSON.stringify(o)} -> ${want}`);
                expect(got, trace.join('\n')).toEqual(want);
              }
              expect(sim.memUsage(), trace.join('\n')).toBe(kernel.memlock(real.fd));
            } finally {
              kernel.close(real.fd);
            }
          }),
          { numRuns: RUNS, seed: SEED },
        );
      });
    }

    it('ringbuf: creation rules, memlock and refused element operations', () => {
      for (const max of [4096, 8192, 1 << 16, 12288, 100, 0, 2048]) {
        for (const [ks, vs, flags] of [
          [0, 0, 0],
          [4, 0, 0],
          [0, 4, 0],
          [0, 0, BPF_F.NUMA_NODE],
          [0, 0, BPF_F.RDONLY],
          [0, 0, BPF_F.MMAPABLE],
        ] as const) {
          const attr = {
            mapType: BPF_MAP_TYPE.RINGBUF,
            keySize: ks,
            valueSize: vs,
            maxEntries: max,
            mapFlags: flags,
          };
          const real = kernel.createMap(attr);
          const sim = mapAlloc(attr, env);
          const label = JSON.stringify(attr);
          if (real.fd < 0) {
            expect(sim, label).toBe(real.fd);
            continue;
          }
          try {
            expect(typeof sim, label).toBe('object');
            const m = sim as BpfMap;
            expect(m.memUsage(), label).toBe(real.memlock);
            expect(m.lookup!(new Uint8Array(0))).toBe(kernel.lookup(real.fd, undefined, 4));
            expect(m.update!(new Uint8Array(0), new Uint8Array(0), 0)).toBe(
              kernel.update(real.fd, undefined, new Uint8Array(4), 0),
            );
            expect(m.delete!(new Uint8Array(0))).toBe(kernel.delete(real.fd, undefined));
            expect(m.getNextKey!(undefined)).toBe(kernel.getNextKey(real.fd, undefined, 4));
          } finally {
            kernel.close(real.fd);
          }
        }
      }
    });

    it('prog_array / perf_event_array / array_of_maps / hash_of_maps: fd resolution errnos and lookups', () => {
      const inner = { mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2, mapFlags: 0 };
      const other = { mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 8, maxEntries: 3, mapFlags: 0 };
      const rInner = kernel.createMap(inner);
      const rOther = kernel.createMap(other);
      const simByFd = new Map<number, BpfMap>([
        [rInner.fd, mapAlloc(inner, env) as BpfMap],
        [rOther.fd, mapAlloc(other, env) as BpfMap],
      ]);
      const fdEnv: MapEnv = {
        ...env,
        mapFromFd: (fd) => simByFd.get(fd) ?? -9,
        progFromFd: (fd) => (simByFd.has(fd) ? -22 : -9),
        perfEventFromFd: (fd) => (simByFd.has(fd) ? -9 : -9),
      };
      const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
      try {
        for (const mapType of [
          BPF_MAP_TYPE.PROG_ARRAY,
          BPF_MAP_TYPE.PERF_EVENT_ARRAY,
          BPF_MAP_TYPE.ARRAY_OF_MAPS,
          BPF_MAP_TYPE.HASH_OF_MAPS,
        ]) {
          const mapFlags = mapType === BPF_MAP_TYPE.HASH_OF_MAPS ? BPF_F.ZERO_SEED : 0;
          const attr: MapAttr = {
            mapType,
            keySize: 4,
            valueSize: 4,
            maxEntries: 4,
            mapFlags,
            innerMapFd: rInner.fd,
          };
          const real = kernel.createMap(attr);
          expect(real.fd, `create ${mapType}`).toBeGreaterThanOrEqual(0);
          const sim = mapAlloc(attr, fdEnv) as BpfMap;
          try {
            expect(sim.memUsage(), `memlock ${mapType}`).toBe(real.memlock);
            const cases: [number, number, number][] = [
              [0, rInner.fd, 0],
              [1, rOther.fd, 0],
              [2, 9999, 0],
              [3, rInner.fd, 1],
              [7, rInner.fd, 0],
              [0, rInner.fd, 2],
            ];
            for (const [k, fd, flags] of cases) {
              const label = `type ${mapType} update key ${k} fd ${fd === rInner.fd ? 'inner' : fd} flags ${flags}`;
              expect(sim.update!(u32(k), u32(fd), flags), label).toBe(
                kernel.update(real.fd, u32(k), u32(fd), flags),
              );
            }
            for (const k of [0, 1, 5]) {
              const want = kernel.lookup(real.fd, u32(k), 4);
              const got = sim.lookup!(u32(k));
              // ids are the kernel's; compare success/errno only
              expect(typeof got === 'number' ? got : 'ok', `lookup ${mapType} ${k}`).toEqual(
                typeof want === 'number' ? want : 'ok',
              );
              expect(show(sim.getNextKey!(u32(k))), `next ${mapType} ${k}`).toEqual(
                show(kernel.getNextKey(real.fd, u32(k), 4)),
              );
            }
            for (const k of [1, 0, 0, 9]) {
              expect(sim.delete!(u32(k)), `delete ${mapType} ${k}`).toBe(kernel.delete(real.fd, u32(k)));
            }
          } finally {
            kernel.close(real.fd);
          }
        }
        // inner map templates: a prog_array cannot be an inner map, nor can a map-in-map
        const pa = { mapType: BPF_MAP_TYPE.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, mapFlags: 0 };
        const rPa = kernel.createMap(pa);
        simByFd.set(rPa.fd, mapAlloc(pa, env) as BpfMap);
        for (const innerFd of [rPa.fd, 9999]) {
          const attr: MapAttr = {
            mapType: BPF_MAP_TYPE.ARRAY_OF_MAPS,
            keySize: 4,
            valueSize: 4,
            maxEntries: 2,
            mapFlags: 0,
            innerMapFd: innerFd,
          };
          const real = kernel.createMap(attr);
          expect(mapAlloc(attr, fdEnv), `inner fd ${innerFd}`).toBe(real.fd);
        }
        kernel.close(rPa.fd);
        expect(
          new FdArray(
            { mapType: BPF_MAP_TYPE.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, mapFlags: 0 },
            env,
          ).entry(0),
        ).toBeUndefined();
      } finally {
        kernel.close(rInner.fd);
        kernel.close(rOther.fd);
      }
    });

    it('hash batch lookup / lookup_and_delete: bucket cursor, counts, ENOSPC and ENOENT as the kernel', () => {
      const cases = [
        { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 16, mapFlags: BPF_F.ZERO_SEED },
        {
          mapType: BPF_MAP_TYPE.PERCPU_HASH,
          keySize: 4,
          valueSize: 4,
          maxEntries: 8,
          mapFlags: BPF_F.ZERO_SEED,
        },
        {
          mapType: BPF_MAP_TYPE.LRU_HASH,
          keySize: 8,
          valueSize: 4,
          maxEntries: 8,
          mapFlags: BPF_F.ZERO_SEED,
        },
      ];
      fc.assert(
        fc.property(
          fc.constantFrom(...cases),
          fc.uniqueArray(fc.nat(40), { maxLength: 14 }),
          fc.array(
            fc.record({ del: fc.boolean(), count: fc.integer({ min: 1, max: 6 }), restart: fc.boolean() }),
            {
              maxLength: 12,
            },
          ),
          (attr, keys, steps) => {
            const real = kernel.createMap(attr);
            const sim = mapAlloc(attr, env) as BpfMap;
            const vlen = attr.mapType === BPF_MAP_TYPE.PERCPU_HASH ? 8 * kernel.possibleCpus : attr.valueSize;
            try {
              for (const k of keys) {
                const key = new Uint8Array(attr.keySize);
                new DataView(key.buffer).setUint32(0, k, true);
                const v = new Uint8Array(vlen).fill(k);
                expect(sim.update!(key, v, 0)).toBe(kernel.update(real.fd, key, v, 0));
              }
              let cursor: number | undefined;
              for (const st of steps) {
                if (st.restart) cursor = undefined;
                const want = kernel.batch(real.fd, st.del, cursor, st.count, attr.keySize, vlen);
                const got = sim.lookupBatch!(cursor, st.count, st.del);
                const label = `${JSON.stringify(st)} cursor ${cursor}`;
                expect(got.ret, label).toBe(want.ret);
                expect(got.keys.length, label).toBe(want.count);
                expect(hex(concat(got.keys)), label).toBe(hex(want.keys));
                expect(hex(concat(got.values)), label).toBe(hex(want.values));
                if (got.outBatch !== undefined) expect(got.outBatch, label).toBe(want.outBatch);
                if (want.ret === -2 && got.outBatch === undefined) cursor = undefined;
                else cursor = want.outBatch;
              }
              expect(sim.memUsage()).toBe(kernel.memlock(real.fd));
            } finally {
              kernel.close(real.fd);
            }
          },
        ),
        { numRuns: RUNS, seed: SEED },
      );
    });

    it('map_create: every emulated type x sizes x flags gives the kernel errno or the kernel memlock', () => {
      const types = [1, 2, 3, 4, 5, 6, 9, 10, 11, 22, 23, 27, 30];
      const sizes: [number, number, number][] = [
        [4, 4, 4],
        [0, 4, 4],
        [4, 0, 4],
        [4, 4, 0],
        [8, 4, 3],
        [0, 0, 4096],
        [3, 1, 1],
        [5, 8, 2],
        [4, 32768, 2],
        [4, 32769, 2],
        [261, 4, 2],
        [260, 4, 2],
      ];
      const flagSet = [
        0,
        BPF_F.NO_PREALLOC,
        BPF_F.NO_COMMON_LRU,
        BPF_F.NUMA_NODE,
        BPF_F.RDONLY,
        BPF_F.WRONLY,
        BPF_F.ZERO_SEED,
        BPF_F.RDONLY_PROG,
        BPF_F.WRONLY_PROG,
        BPF_F.RDONLY_PROG | BPF_F.WRONLY_PROG,
        BPF_F.MMAPABLE,
        BPF_F.PRESERVE_ELEMS,
        BPF_F.INNER_MAP,
        BPF_F.NO_PREALLOC | BPF_F.NO_COMMON_LRU,
        BPF_F.STACK_BUILD_ID,
        BPF_F.NO_PREALLOC | BPF_F.ZERO_SEED,
      ];
      let compared = 0;
      for (const mapType of types) {
        for (const [ks, vs, max] of sizes) {
          for (const mapFlags of flagSet) {
            const attr = { mapType, keySize: ks, valueSize: vs, maxEntries: max, mapFlags, numaNode: 0 };
            const real = kernel.createMap(attr);
            const sim = mapAlloc(attr, env);
            const label = JSON.stringify(attr);
            if (real.fd < 0) {
              expect(sim, label).toBe(real.fd);
            } else {
              expect(typeof sim, label).toBe('object');
              expect((sim as BpfMap).memUsage(), label).toBe(real.memlock);
              kernel.close(real.fd);
            }
            compared++;
          }
        }
      }
      expect(compared).toBe(types.length * sizes.length * flagSet.length);
    });
  },
);
