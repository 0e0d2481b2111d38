/**
 * Program-path differential tests: the same small eBPF programs (map helpers called from a
 * socket filter) run in the real kernel through BPF_PROG_TEST_RUN and on bpfsim's VM with the map
 * helpers (alternating interpreter and JIT); every return value must agree, and afterwards the maps'
 * contents seen through the syscall. Covers bpf_map_lookup/update/delete_elem on hash, LRU (program
 * lookups set the LRU reference bit), per-CPU and array maps, push/pop/peek on queue and stack, and
 * bpf_ringbuf_reserve/submit/discard/output/query. Skipped when not root on Linux.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRaw, type Insn, insn } from '../../src/isa/insn.js';
import { BPF_FUNC as F } from '../../src/maps/helper-protos.js';
import { MapPointers, mapHelpers } from '../../src/maps/helpers.js';
import type { BpfMap, MapEnv } from '../../src/maps/ops.js';
import { mapAlloc } from '../../src/maps/registry.js';
import { BPF_F, BPF_MAP_TYPE as T } from '../../src/maps/uapi.js';
import { AddressSpace, funcPtr, loadProgram, runProgram } from '../../src/vm/index.js';
import { hex, kernel, type RealMapAttr } from './real-kernel.js';

const RUNS = Number(process.env.BPFSIM_DIFF_RUNS ?? 15);
const SEED = Number(process.env.BPFSIM_DIFF_SEED ?? 42);
const skipMsg = kernel.available ? '' : ` (skipped: ${kernel.reason})`;

type LdMap = (dst: number) => Insn[];
const st = (off: number, imm: number) => insn(0x62, 10, 0, off, imm);
const mov = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm);
const fp = (dst: number, off: number) => [insn(0xbf, dst, 10, 0, 0), insn(0x07, dst, 0, 0, off)];
const call = (id: number) => insn(0x85, 0, 0, 0, id);
const exit = insn(0x95, 0, 0, 0, 0);

type Op =
  | { op: 'update'; k: number; v: number; flags: number }
  | { op: 'lookup' | 'delete'; k: number }
  | { op: 'push'; v: number; flags: number }
  | { op: 'pop' | 'peek' }
  | { op: 'reserve'; size: number; discard: boolean }
  | { op: 'output'; flags: number }
  | { op: 'query'; flags: number };

/** The program for one op, with the map reference loaded by `ld`. */
function program(o: Op, ld: LdMap): Insn[] {
  switch (o.op) {
    case 'update':
      return [
        st(-4, o.k),
        st(-8, o.v),
        ...ld(1),
        ...fp(2, -4),
        ...fp(3, -8),
        mov(4, o.flags),
        call(F.map_update_elem),
        exit,
      ];
    case 'lookup':
      return [
        st(-4, o.k),
        ...ld(1),
        ...fp(2, -4),
        call(F.map_lookup_elem),
        insn(0x15, 0, 0, 2, 0), // if r0 == 0 goto +2
        insn(0x61, 0, 0, 0, 0), // r0 = *(u32 *)(r0 + 0)
        exit,
        mov(0, -1),
        exit,
      ];
    case 'delete':
      return [st(-4, o.k), ...ld(1), ...fp(2, -4), call(F.map_delete_elem), exit];
    case 'push':
      return [st(-8, o.v), ...ld(1), ...fp(2, -8), mov(3, o.flags), call(F.map_push_elem), exit];
    case 'pop':
    case 'peek':
      return [
        st(-8, 0x5a5a),
        ...ld(1),
        ...fp(2, -8),
        call(o.op === 'pop' ? F.map_pop_elem : F.map_peek_elem),
        insn(0x55, 0, 0, 1, 0), // if r0 != 0 goto exit
        insn(0x61, 0, 10, -8, 0), // r0 = *(u32 *)(r10 - 8)
        exit,
      ];
    case 'reserve':
      return [
        ...ld(1),
        mov(2, o.size),
        mov(3, 0),
        call(F.ringbuf_reserve),
        insn(0x15, 0, 0, 5, 0), // if r0 == 0 goto +5
        insn(0xbf, 1, 0, 0, 0),
        mov(2, 0),
        call(o.discard ? F.ringbuf_discard : F.ringbuf_submit),
        mov(0, 1),
        exit,
        mov(0, 0),
        exit,
      ];
    case 'output':
      return [
        insn(0x7a, 10, 0, -8, 0x1234),
        ...ld(1),
        ...fp(2, -8),
        mov(3, 8),
        mov(4, o.flags),
        call(F.ringbuf_output),
        exit,
      ];
    case 'query':
      return [...ld(1), mov(2, o.flags), call(F.ringbuf_query), exit];
  }
}

interface Case {
  name: string;
  attr: RealMapAttr;
  ops: fc.Arbitrary<Op>;
}

const k = fc.nat(7);
const v = fc.nat(1000);
const elemOps = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('update' as const), k, v, flags: fc.constantFrom(0, 0, 1, 2, 3) }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('lookup' as const), k }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), k }) },
);
const pushOps = fc.oneof(
  fc.record({ op: fc.constant('push' as const), v, flags: fc.constantFrom(0, 2, 1) }),
  fc.record({ op: fc.constantFrom('pop' as const, 'peek' as const) }),
);
const ringOps = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('reserve' as const),
      size: fc.constantFrom(1, 8, 100, 1000, 2500),
      discard: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('output' as const), flags: fc.constantFrom(0, 1, 2, 4) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('query' as const), flags: fc.constantFrom(0, 1, 2, 3, 7) }),
  },
);

const CASES: Case[] = [
  {
    name: 'hash',
    attr: { mapType: T.HASH, keySize: 4, valueSize: 4, maxEntries: 4, mapFlags: BPF_F.ZERO_SEED },
    ops: elemOps,
  },
  {
    name: 'lru_hash',
    attr: { mapType: T.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 4, mapFlags: BPF_F.ZERO_SEED },
    ops: elemOps,
  },
  {
    name: 'lru_hash no_common_lru',
    attr: {
      mapType: T.LRU_HASH,
      keySize: 4,
      valueSize: 4,
      maxEntries: 4,
      mapFlags: BPF_F.ZERO_SEED | BPF_F.NO_COMMON_LRU,
    },
    ops: elemOps,
  },
  {
    name: 'percpu_hash',
    attr: { mapType: T.PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 3, mapFlags: BPF_F.ZERO_SEED },
    ops: elemOps,
  },
  {
    name: 'lru_percpu_hash',
    attr: { mapType: T.LRU_PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 3, mapFlags: BPF_F.ZERO_SEED },
    ops: elemOps,
  },
  {
    name: 'array',
    attr: { mapType: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 5, mapFlags: 0 },
    ops: elemOps,
  },
  {
    name: 'percpu_array',
    attr: { mapType: T.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 5, mapFlags: 0 },
    ops: elemOps,
  },
  {
    name: 'queue',
    attr: { mapType: T.QUEUE, keySize: 0, valueSize: 4, maxEntries: 3, mapFlags: 0 },
    ops: pushOps,
  },
  {
    name: 'stack',
    attr: { mapType: T.STACK, keySize: 0, valueSize: 4, maxEntries: 3, mapFlags: 0 },
    ops: pushOps,
  },
  {
    name: 'ringbuf',
    attr: { mapType: T.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 8192, mapFlags: 0 },
    ops: ringOps,
  },
];

describe.skipIf(!kernel.available)(`map helpers in programs vs the real kernel${skipMsg}`, () => {
  const env: MapEnv = { possibleCpus: kernel.possibleCpus, prandomU32: () => 0 };
  const data = new Uint8Array(64);
  for (const c of CASES) {
    it(`${c.name}: BPF_PROG_TEST_RUN return values and resulting contents agree`, () => {
      fc.assert(
        fc.property(fc.array(c.ops, { minLength: 1, maxLength: 30 }), (ops) => {
          const real = kernel.createMap(c.attr);
          expect(real.fd).toBeGreaterThanOrEqual(0);
          const sim = mapAlloc({ ...c.attr, mapFlags: c.attr.mapFlags ?? 0 }, env) as BpfMap;
          const pointers = new MapPointers();
          const helpers = mapHelpers({ pointers, cpu: () => 0 });
          const space = new AddressSpace();
          const mp = pointers.pointerOf(sim);
          const ldKernel: LdMap = (dst) => [insn(0x18, dst, 1, 0, real.fd), insn(0, 0, 0, 0, 0)];
          const ldSim: LdMap = (dst) => [
            insn(0x18, dst, 0, 0, Number(BigInt.asIntN(32, mp & 0xffffffffn))),
            insn(0, 0, 0, 0, Number(BigInt.asIntN(32, mp >> 32n))),
          ];
          const trace: string[] = [];
          try {
            ops.forEach((o, i) => {
              const loaded = kernel.loadProg(encodeRaw(program(o, ldKernel)));
              if (loaded.fd < 0)
                throw new Error(`kernel rejected ${JSON.stringify(o)}: ${loaded.fd}\n${loaded.log}`);
              const want = kernel.testRun(loaded.fd, data);
              kernel.close(loaded.fd);
              expect(want.ret).toBe(0);
              const res = runProgram(loadProgram(program(o, ldSim)), {
                engine: i % 2 ? 'jit' : 'interp',
                space,
                helpers,
              });
              if (res.kind !== 'exit') throw new Error(`sim ${res.kind} on ${JSON.stringify(o)}`);
              trace.push(`${JSON.stringify(o)} -> ${want.retval}`);
              expect(Number(res.r0 & 0xffffffffn), trace.join('\n')).toBe(want.retval);
            });
            // contents through the syscall afterwards
            if (c.attr.keySize === 4) {
              const vlen = sim.sysValueSize;
              for (let key = 0; key < 8; key++) {
                const kb = new Uint8Array(new Uint32Array([key]).buffer);
                const got = sim.lookup!(kb);
                const want = kernel.lookup(real.fd, kb, vlen);
                expect(typeof got === 'number' ? got : hex(got), `${trace.join('\n')}\nkey ${key}`).toEqual(
                  typeof want === 'number' ? want : hex(want),
                );
              }
              const simKeys: string[] = [];
              for (let kk = sim.getNextKey!(undefined); typeof kk !== 'number'; kk = sim.getNextKey!(kk))
                simKeys.push(hex(kk));
              expect(simKeys, trace.join('\n')).toEqual(kernel.keys(real.fd, 4));
            }
          } finally {
            kernel.close(real.fd);
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});

describe.skipIf(!kernel.available)(
  `bpf_for_each_map_elem and map-in-map lookups vs the real kernel${skipMsg}`,
  () => {
    const env: MapEnv = { possibleCpus: kernel.possibleCpus, prandomU32: () => 0 };
    const data = new Uint8Array(64);
    const ldImm = (dst: number, v: bigint, src = 0): Insn[] => [
      insn(0x18, dst, src, 0, Number(BigInt.asIntN(32, v & 0xffffffffn))),
      insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
    ];
    /**
     * acc = 0; n = for_each(map, cb, &acc, 0); return acc * 1000 + n, where
     * cb(map, key, value, ctx) { *ctx = *ctx * 31 + *key + *value; return *key == stopKey }.
     */
    const forEachProg = (ldMap: Insn[], ldCb: (at: number) => Insn[], stopKey: number): Insn[] => {
      const head = (cb: Insn[]) => [
        insn(0x7a, 10, 0, -8, 0),
        ...ldMap,
        ...cb,
        ...fp(3, -8),
        mov(4, 0),
        call(F.for_each_map_elem),
        insn(0x79, 1, 10, -8, 0),
        insn(0x27, 1, 0, 0, 1000),
        insn(0x0f, 0, 1, 0, 0),
        exit,
      ];
      const cbAt = head(ldCb(0)).length;
      const body = [
        insn(0x61, 5, 2, 0, 0), // r5 = *(u32 *)key
        insn(0x61, 6, 3, 0, 0), // r6 = *(u32 *)value
        insn(0x0f, 5, 6, 0, 0),
        insn(0x79, 6, 4, 0, 0), // r6 = *ctx
        insn(0x27, 6, 0, 0, 31),
        insn(0x0f, 6, 5, 0, 0),
        insn(0x7b, 4, 6, 0, 0), // *ctx = r6
        mov(0, 0),
        insn(0x61, 5, 2, 0, 0),
        insn(0x55, 5, 0, 1, stopKey), // if key != stopKey skip
        mov(0, 1),
        exit,
      ];
      return [...head(ldCb(cbAt)), ...body];
    };

    for (const attr of [
      { mapType: T.HASH, keySize: 4, valueSize: 4, maxEntries: 16, mapFlags: BPF_F.ZERO_SEED },
      { mapType: T.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 8, mapFlags: BPF_F.ZERO_SEED },
      { mapType: T.PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 8, mapFlags: BPF_F.ZERO_SEED },
      { mapType: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 6, mapFlags: 0 },
      { mapType: T.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 6, mapFlags: 0 },
    ]) {
      it(`for_each_map_elem over map type ${attr.mapType}: the kernel's element order and values, early stop`, () => {
        fc.assert(
          fc.property(fc.uniqueArray(fc.nat(20), { maxLength: 12 }), fc.nat(20), (keys, stopKey) => {
            const real = kernel.createMap(attr);
            const sim = mapAlloc(attr, env) as BpfMap;
            try {
              for (const key of keys) {
                const kb = new Uint8Array(new Uint32Array([key]).buffer);
                const vb = new Uint8Array(sim.sysValueSize).map((_, i) => (key * 7 + i) & 0xff);
                expect(sim.update!(kb, vb, 0)).toBe(kernel.update(real.fd, kb, vb, 0));
              }
              // Callbacks need BTF func_info in the real kernel ("missing btf func_info"); the expected
              // result is computed from the kernel's own GET_NEXT_KEY order (bpf_for_each_hash_elem walks
              // the buckets the same way) and its values (CPU 0's for per-CPU maps).
              const isArray = attr.mapType === T.ARRAY || attr.mapType === T.PERCPU_ARRAY;
              const order = isArray
                ? Array.from({ length: attr.maxEntries }, (_, i) => i)
                : kernel
                    .keys(real.fd, 4)
                    .map((h) =>
                      new DataView(Uint8Array.from(Buffer.from(h, 'hex')).buffer).getUint32(0, true),
                    );
              let acc = 0n;
              let n = 0;
              for (const key of order) {
                const kb = new Uint8Array(new Uint32Array([key]).buffer);
                const val = kernel.lookup(real.fd, kb, sim.sysValueSize);
                if (typeof val === 'number') throw new Error(`kernel lookup of listed key ${key}: ${val}`);
                n++;
                acc = BigInt.asUintN(
                  64,
                  acc * 31n + BigInt(key) + BigInt(new DataView(val.buffer).getUint32(0, true)),
                );
                if (key === stopKey) break;
              }
              const want = { retval: Number(BigInt.asUintN(32, acc * 1000n + BigInt(n))) };
              const pointers = new MapPointers();
              const helpers = mapHelpers({ pointers, cpu: () => 0 });
              const sprog = forEachProg(
                ldImm(1, pointers.pointerOf(sim)),
                (at) => ldImm(2, funcPtr(at)),
                stopKey,
              );
              for (const engine of ['interp', 'jit'] as const) {
                const res = runProgram(loadProgram(sprog), { engine, space: new AddressSpace(), helpers });
                if (res.kind !== 'exit') throw new Error(`sim ${res.kind}`);
                expect(Number(res.r0 & 0xffffffffn), `${engine} keys ${keys} stop ${stopKey}`).toBe(
                  want.retval,
                );
              }
            } finally {
              kernel.close(real.fd);
            }
          }),
          { numRuns: RUNS, seed: SEED },
        );
      });
    }

    it('array_of_maps / hash_of_maps: a program looks up the inner map, then a value in it', () => {
      const innerAttr = { mapType: T.ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, mapFlags: 0 };
      const rInner = [kernel.createMap(innerAttr), kernel.createMap(innerAttr)];
      const sInner = rInner.map(() => mapAlloc(innerAttr, env) as BpfMap);
      const fdEnv: MapEnv = { ...env, mapFromFd: (fd) => sInner[rInner.findIndex((r) => r.fd === fd)] ?? -9 };
      try {
        rInner.forEach((r, i) => {
          for (let key = 0; key < 4; key++) {
            const kb = new Uint8Array(new Uint32Array([key]).buffer);
            const vb = new Uint8Array(new Uint32Array([100 * (i + 1) + key]).buffer);
            expect(sInner[i]!.update!(kb, vb, 0)).toBe(kernel.update(r.fd, kb, vb, 0));
          }
        });
        for (const outerType of [T.ARRAY_OF_MAPS, T.HASH_OF_MAPS]) {
          const outerAttr = {
            mapType: outerType,
            keySize: 4,
            valueSize: 4,
            maxEntries: 4,
            mapFlags: 0,
            innerMapFd: rInner[0]!.fd,
          };
          const real = kernel.createMap(outerAttr);
          const sim = mapAlloc(outerAttr, fdEnv) as BpfMap;
          try {
            for (const [slot, which] of [
              [0, 1],
              [2, 0],
            ] as const) {
              const kb = new Uint8Array(new Uint32Array([slot]).buffer);
              const vb = new Uint8Array(new Uint32Array([rInner[which]!.fd]).buffer);
              expect(sim.update!(kb, vb, 0)).toBe(kernel.update(real.fd, kb, vb, 0));
            }
            // r0 = outer[o] ? (inner = outer[o], inner[i] ? *inner[i] : -2) : -1
            const prog = (ld: Insn[], o: number, i: number) => [
              st(-4, o),
              ...ld,
              ...fp(2, -4),
              call(F.map_lookup_elem),
              insn(0x55, 0, 0, 2, 0),
              mov(0, -1),
              exit,
              st(-8, i),
              insn(0xbf, 1, 0, 0, 0),
              ...fp(2, -8),
              call(F.map_lookup_elem),
              insn(0x55, 0, 0, 2, 0),
              mov(0, -2),
              exit,
              insn(0x61, 0, 0, 0, 0),
              exit,
            ];
            const pointers = new MapPointers();
            const helpers = mapHelpers({ pointers });
            for (const [o, i] of [
              [0, 3],
              [2, 1],
              [1, 0],
              [0, 9],
              [7, 0],
            ] as const) {
              const loaded = kernel.loadProg(encodeRaw(prog(ldImm(1, BigInt(real.fd), 1), o, i)));
              if (loaded.fd < 0) throw new Error(`kernel rejected: ${loaded.fd}\n${loaded.log}`);
              const want = kernel.testRun(loaded.fd, data);
              kernel.close(loaded.fd);
              const res = runProgram(loadProgram(prog(ldImm(1, pointers.pointerOf(sim)), o, i)), { helpers });
              expect(res.kind).toBe('exit');
              if (res.kind === 'exit')
                expect(Number(res.r0 & 0xffffffffn), `type ${outerType} outer ${o} inner ${i}`).toBe(
                  want.retval,
                );
            }
          } finally {
            kernel.close(real.fd);
          }
        }
      } finally {
        for (const r of rInner) kernel.close(r.fd);
      }
    });
  },
);
