/**
 * The hash maps' fast program path (kernel/bpf/hashtab.c `htab_map_lookup_elem`/`update_elem`
 * reached through kernel/bpf/helpers.c): the signed-hash jhash variants equal the kernel's jhash2,
 * `progLookupOffset` names the same value as `progLookup` in every hash type and in every arena
 * chunk, and the helpers (src/maps/helpers.ts on both engines, and the emulated kernel's runner
 * src/kernel/vm-runner.ts) hand out pointers into the right chunk, reject 64-bit flags as the
 * kernel's u64 comparison does, and call map helpers from JIT code directly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Insn, insn } from '../../src/isa/insn.js';
import type { Charge } from '../../src/kernel/accounting.js';
import { KMap, KProg, type KProgInit } from '../../src/kernel/objects.js';
import { VmRunner } from '../../src/kernel/vm-runner.js';
import type { HashTab } from '../../src/maps/hashtab.js';
import { BPF_FUNC } from '../../src/maps/helper-protos.js';
import { MapPointers, mapHelpers } from '../../src/maps/helpers.js';
import { jhash, jhash1WordI32, jhash2, jhash2Words, jhash2WordsI32 } from '../../src/maps/jhash.js';
import type { BpfMap, MapEnv } from '../../src/maps/ops.js';
import { mapAlloc } from '../../src/maps/registry.js';
import { BPF_F, BPF_MAP_TYPE } from '../../src/maps/uapi.js';
import {
  AddressSpace,
  type EngineName,
  type HelperEnv,
  loadProgram,
  runProgram,
} from '../../src/vm/index.js';
import { generate } from '../../src/vm/jit.js';

const env: MapEnv = { possibleCpus: 2, prandomU32: () => 0x9e3779b9 };
const ENGINES: EngineName[] = ['interp', 'jit'];
const EINVAL = 22;

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const ldImm64 = (dst: number, v: bigint): Insn[] => [
  insn(0x18, dst, 0, 0, Number(BigInt.asIntN(32, v & 0xffffffffn))),
  insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
];
const movImm = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm);
const movReg = (dst: number, src: number) => insn(0xbf, dst, src, 0, 0);
const addImm = (dst: number, imm: number) => insn(0x07, dst, 0, 0, imm);
const stW = (dst: number, off: number, imm: number) => insn(0x62, dst, 0, off, imm);
const ldxW = (dst: number, src: number, off: number) => insn(0x61, dst, src, off, 0);
const stxW = (dst: number, src: number, off: number) => insn(0x63, dst, src, off, 0);
const call = (id: number) => insn(0x85, 0, 0, 0, id);
const jeqImm = (dst: number, imm: number, off: number) => insn(0x15, dst, 0, off, imm);
const exit = () => insn(0x95, 0, 0, 0, 0);

/** key (u32 at fp-4) → lookup; NULL → 0xdead; else the value's first word + 1, written back. */
const bumpProg = (ldMap: Insn[], key: number): Insn[] => [
  ...ldMap,
  stW(10, -4, key),
  movReg(2, 10),
  addImm(2, -4),
  call(BPF_FUNC.map_lookup_elem),
  jeqImm(0, 0, 5),
  ldxW(1, 0, 0),
  addImm(1, 1),
  stxW(0, 1, 0),
  insn(0xbc, 0, 1, 0, 0), // w0 = w1
  exit(),
  movImm(0, 0xdead),
  exit(),
];

/** update(key, value word `val`, flags = hi:lo) and return R0. */
const updateProg = (ldMap: Insn[], key: number, val: number, flagsLo: number, flagsHi: number): Insn[] => [
  ...ldMap,
  stW(10, -4, key),
  stW(10, -16, val),
  stW(10, -12, 0),
  movReg(2, 10),
  addImm(2, -4),
  movReg(3, 10),
  addImm(3, -16),
  ...ldImm64(4, (BigInt(flagsHi >>> 0) << 32n) | BigInt(flagsLo >>> 0)),
  call(BPF_FUNC.map_update_elem),
  exit(),
];

describe('jhash variants with a signed result', () => {
  it('jhash1WordI32 is jhash_1word = jhash2 of one word = jhash of its 4 bytes (include/linux/jhash.h)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (k, seed) => {
          const b = u32(k);
          const want = jhash2(b, 0, 1, seed);
          expect(jhash1WordI32(k | 0, seed) >>> 0).toBe(want);
          expect(jhash(b, 0, 4, seed)).toBe(want);
          expect(jhash1WordI32(k | 0, seed)).toBe(want | 0);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
    // the zero-seed hash of key 0, as the kernel computes it for BPF_F_ZERO_SEED maps
    expect(jhash1WordI32(0, 0) >>> 0).toBe(jhash2(new Uint8Array(4), 0, 1, 0));
  });

  it('jhash2WordsI32 is jhash2Words as a signed integer, for 1 to 7 words', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (words, seed) => {
          const k = Int32Array.from(words);
          const u = jhash2Words(k, k.length, seed);
          expect(jhash2WordsI32(k, k.length, seed)).toBe(u | 0);
          expect(u).toBe(jhash2(new Uint8Array(k.buffer), 0, k.length, seed));
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});

describe('progLookupOffset', () => {
  const TYPES = [
    ['hash', BPF_MAP_TYPE.HASH, 0],
    ['hash no_prealloc', BPF_MAP_TYPE.HASH, BPF_F.NO_PREALLOC],
    ['percpu_hash', BPF_MAP_TYPE.PERCPU_HASH, 0],
    ['lru_hash', BPF_MAP_TYPE.LRU_HASH, 0],
    ['lru_percpu_hash', BPF_MAP_TYPE.LRU_PERCPU_HASH, 0],
  ] as const;
  for (const [name, mapType, flags] of TYPES) {
    it(`${name}: the same value location as progLookup, in chunk 0 and beyond`, () => {
      // 2 KiB values: 2048 slots per 4 MiB arena chunk, so 2100 elements span two chunks
      const n = 2100;
      const map = mapAlloc(
        { mapType, keySize: 4, valueSize: 2048, maxEntries: n, mapFlags: flags },
        env,
      ) as HashTab;
      const sysSize = map.sysValueSize;
      for (let k = 0; k < n; k++) {
        const v = new Uint8Array(sysSize);
        v[0] = k & 0xff;
        expect(map.update(u32(k), v, 0)).toBe(0);
      }
      // (LRU maps may have evicted some keys: then both say NULL)
      const chunks = new Set<number>();
      let found = 0;
      for (let k = 0; k < n; k += 7) {
        for (const cpu of [0, 1]) {
          const loc = map.progLookup(u32(k), 0, cpu);
          const off = map.progLookupOffset(u32(k), 0, cpu);
          if (loc < 0) {
            expect(off).toBe(-1);
            continue;
          }
          found++;
          expect(off).toBeGreaterThanOrEqual(0);
          expect(map.valueChunk * 2 ** 32 + off).toBe(loc);
          // the syscall wrote CPU 0's value (per-CPU maps: the first round_up(value_size, 8) bytes)
          expect(map.arena.chunks[map.valueChunk]![off]).toBe(cpu === 0 || !map.percpu ? k & 0xff : 0);
          chunks.add(map.valueChunk);
        }
      }
      expect(found).toBeGreaterThan(400);
      expect(chunks.has(0) && chunks.has(1)).toBe(true);
      expect(map.progLookupOffset(u32(n + 5), 0, 0)).toBe(-1);
      expect(map.progLookup(u32(n + 5), 0, 0)).toBe(-1);
    });
  }
});

describe('element pool', () => {
  for (const [name, flags] of [
    ['prealloc', 0],
    ['no_prealloc', BPF_F.NO_PREALLOC],
  ] as const) {
    it(`${name}: freed slots are reused (the free list grows only as slots are freed)`, () => {
      const n = 300;
      const map = mapAlloc(
        { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: n, mapFlags: flags },
        env,
      ) as HashTab;
      for (let k = 0; k < n; k++) expect(map.update(u32(k), u32(k), 0)).toBe(0);
      expect(map.update(u32(n), u32(n), 0)).toBe(-7); // E2BIG: full
      const filled = map.storageBytes();
      for (let k = 0; k < n; k++) expect(map.delete(u32(k))).toBe(0);
      expect(map.count()).toBe(0);
      for (let k = 0; k < n; k++) expect(map.update(u32(1000 + k), u32(k * 2), 0)).toBe(0);
      expect(map.count()).toBe(n);
      for (let k = 0; k < n; k++)
        expect(map.lookup(u32(1000 + k))).toEqual(new Uint8Array([...u32(k * 2), 0, 0, 0, 0]));
      expect(map.lookup(u32(5))).toBe(-2);
      // the element records and values were not grown by the second fill (only the free list, once)
      expect(map.storageBytes()).toBeLessThanOrEqual(filled + 4 * (n + 2));
    });
  }
});

describe('hash map helpers (src/maps/helpers.ts) on both engines', () => {
  for (const engine of ENGINES) {
    it(`${engine}: value pointers into the second arena chunk; writes land in the map`, () => {
      const pointers = new MapPointers();
      const helpers = mapHelpers({ pointers });
      const space = new AddressSpace();
      const map = mapAlloc(
        { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 2048, maxEntries: 2100, mapFlags: 0 },
        env,
      ) as HashTab;
      for (let k = 0; k < 2100; k++) expect(map.update(u32(k), u32(k * 10), 0)).toBe(0);
      const ld = ldImm64(1, pointers.pointerOf(map));
      const run = (p: Insn[]) => {
        const res = runProgram(loadProgram(p), { engine, space, helpers });
        if (res.kind !== 'exit') throw new Error(`${res.kind}: ${'reason' in res ? res.reason : ''}`);
        return res.r0;
      };
      for (const k of [3, 2047, 2048, 2099]) {
        expect(run(bumpProg(ld, k))).toBe(BigInt(k * 10 + 1));
        expect((map.lookup(u32(k)) as Uint8Array).subarray(0, 4)).toEqual(u32(k * 10 + 1));
      }
      expect(run(bumpProg(ld, 5000))).toBe(0xdeadn);
    });

    it(`${engine}: update flags above 32 bits are -EINVAL (the kernel compares the u64)`, () => {
      const pointers = new MapPointers();
      const helpers = mapHelpers({ pointers });
      const space = new AddressSpace();
      for (const mapType of [BPF_MAP_TYPE.HASH, BPF_MAP_TYPE.PERCPU_HASH, BPF_MAP_TYPE.LRU_HASH]) {
        const map = mapAlloc(
          { mapType, keySize: 4, valueSize: 8, maxEntries: 8, mapFlags: 0 },
          env,
        ) as BpfMap;
        const ld = ldImm64(1, pointers.pointerOf(map));
        const run = (p: Insn[]) => runProgram(loadProgram(p), { engine, space, helpers });
        expect(run(updateProg(ld, 1, 5, 0, 1))).toMatchObject({ kind: 'exit', r0: BigInt.asUintN(64, -22n) });
        expect(map.count?.()).toBe(0);
        expect(run(updateProg(ld, 1, 5, 0, 0))).toMatchObject({ kind: 'exit', r0: 0n });
        // BPF_NOEXIST on an existing key: -EEXIST, sign-extended into all 64 bits
        expect(run(updateProg(ld, 1, 5, 1, 0))).toMatchObject({ kind: 'exit', r0: BigInt.asUintN(64, -17n) });
        expect(map.count?.()).toBe(1);
      }
    });
  }

  for (const engine of ENGINES) {
    it(`${engine}: a map or key region resolved by an earlier call is not reused once it is gone`, () => {
      const pointers = new MapPointers();
      const helpers = mapHelpers({ pointers });
      const space = new AddressSpace();
      const mk = () =>
        mapAlloc(
          { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 8, mapFlags: 0 },
          env,
        ) as HashTab;
      const a = mk();
      const ld = ldImm64(1, pointers.pointerOf(a));
      const run = (p: Insn[], sp = space) => runProgram(loadProgram(p), { engine, space: sp, helpers });
      // the same call twice: the second is served by the cached resolution
      expect(run(updateProg(ld, 1, 5, 0, 0))).toMatchObject({ kind: 'exit', r0: 0n });
      expect(run(updateProg(ld, 2, 6, 0, 0))).toMatchObject({ kind: 'exit', r0: 0n });
      expect(a.count()).toBe(2);
      expect(run(bumpProg(ld, 2))).toMatchObject({ r0: 7n });
      expect(run(bumpProg(ld, 2))).toMatchObject({ r0: 8n });
      // a forgotten map pointer no longer reaches the map (update -EINVAL, lookup NULL), even
      // right after a call that resolved it
      expect(run(updateProg(ld, 2, 6, 0, 0))).toMatchObject({ kind: 'exit', r0: 0n });
      pointers.forget(a);
      expect(run(updateProg(ld, 3, 7, 0, 0))).toMatchObject({ kind: 'exit', r0: BigInt.asUintN(64, -22n) });
      expect(run(bumpProg(ld, 2))).toMatchObject({ r0: 0xdeadn });
      expect(a.count()).toBe(2);
      // another address space: its own stack, not the bytes resolved in the first one
      const b = mk();
      const ldb = ldImm64(1, pointers.pointerOf(b));
      const other = new AddressSpace();
      expect(run(updateProg(ldb, 4, 40, 0, 0))).toMatchObject({ r0: 0n });
      expect(run(updateProg(ldb, 5, 50, 0, 0), other)).toMatchObject({ r0: 0n });
      expect(b.lookup(u32(5))).toEqual(new Uint8Array([50, 0, 0, 0, 0, 0, 0, 0]));
      expect(run(bumpProg(ldb, 5), other)).toMatchObject({ r0: 51n });
      expect(run(bumpProg(ldb, 4))).toMatchObject({ r0: 41n });
      // a key pointer into a region unmapped since the last call faults instead of reading it
      const keyRegion = space.map(u32(4), { name: 'key' });
      const viaRegion = (ldm: Insn[]) => [
        ...ldm,
        ...ldImm64(2, keyRegion.addr),
        call(BPF_FUNC.map_lookup_elem),
        jeqImm(0, 0, 2),
        ldxW(0, 0, 0),
        exit(),
        movImm(0, 0xdead),
        exit(),
      ];
      expect(run(viaRegion(ldb))).toMatchObject({ kind: 'exit', r0: 41n });
      expect(run(viaRegion(ldb))).toMatchObject({ kind: 'exit', r0: 41n });
      // the same for updates: key from the region, value from the stack
      const updateVia = [
        ...ldb,
        ...ldImm64(2, keyRegion.addr),
        stW(10, -16, 9),
        stW(10, -12, 0),
        movReg(3, 10),
        addImm(3, -16),
        movImm(4, 0),
        call(BPF_FUNC.map_update_elem),
        exit(),
      ];
      expect(run(updateVia)).toMatchObject({ kind: 'exit', r0: 0n });
      expect(run(updateVia)).toMatchObject({ kind: 'exit', r0: 0n });
      space.unmap(keyRegion);
      expect(run(updateVia)).toMatchObject({ kind: 'exit', r0: BigInt.asUintN(64, -14n) });
      // the helper reports the bad key pointer (-EFAULT in R0), returned as is here
      const lookupR0 = [...ldb, ...ldImm64(2, keyRegion.addr), call(BPF_FUNC.map_lookup_elem), exit()];
      expect(run(lookupR0)).toMatchObject({ kind: 'exit', r0: BigInt.asUintN(64, -14n) });
    });
  }

  it('the instruction budget spent in a helper callback counts the same on both engines', () => {
    // bpf_loop-like helper 181: runs the callback at pc 9 r3 times; then the main loop goes on
    const loop181 = new Map([
      [
        181,
        (r: Int32Array, e: HelperEnv) => {
          const n = r[2]!;
          for (let i = 0; i < n; i++) e.callback(9, [i, 0]);
          r[0] = n;
          r[1] = 0;
        },
      ],
    ]);
    const prog = loadProgram([
      movImm(6, 0),
      movImm(1, 3), // pc 1: loop: three callback runs per call
      call(181),
      addImm(6, 1),
      insn(0xa5, 6, 0, -4, 50), // if r6 < 50 goto pc 1
      insn(0xbf, 0, 6, 0, 0),
      exit(),
      exit(),
      exit(),
      addImm(1, 1), // pc 9: the callback (4 instructions)
      addImm(1, 1),
      movImm(0, 0),
      exit(),
    ]);
    for (const budget of [7, 40, 41, 123, 333, 1000, 10_000]) {
      const [a, b] = ENGINES.map((engine) => runProgram(prog, { engine, helpers: loop181, budget }));
      expect(b, `budget ${budget}`).toEqual(a);
    }
    expect(runProgram(prog, { engine: 'jit', helpers: loop181, budget: 10_000 })).toMatchObject({
      kind: 'exit',
      r0: 50n,
      insns: 1 + 50 * (4 + 3 * 4) + 2,
    });
  });

  it('JIT code calls each map helper directly (fetched once per entry, no table lookup per call)', () => {
    const prog = loadProgram(bumpProg(ldImm64(1, 0n), 1));
    const src = generate(prog);
    expect(src).toContain(`HT.get(${BPF_FUNC.map_lookup_elem})`);
    expect(src).toMatch(/try\{H0\(R,m\);\}catch/);
    expect(src).not.toContain('callHelper(');
  });
});

describe('the emulated kernel runner (src/kernel/vm-runner.ts) on hash maps', () => {
  const charge = {} as Charge;
  const kmap = (impl: BpfMap) => new KMap(1, impl, 'h', 0, charge, () => {});
  const kprog = (m: KMap, insns: Insn[]) => {
    const mapRefs = new Map<number, { mapId: number; value: boolean; off: number }>();
    insns.forEach((x, pc) => {
      if (x.code === 0x18 && x.src === 1) mapRefs.set(pc, { mapId: m.id, value: false, off: 0 });
    });
    const init = { insns, usedMaps: [m], mapRefs, fullyVerified: true } as unknown as KProgInit;
    return new KProg(1, init, charge, () => {});
  };
  /** LD_IMM64 with BPF_PSEUDO_MAP_FD (the loader's map reference, rewritten to the map's address). */
  const ldMap: Insn[] = [insn(0x18, 1, 1, 0, 1), insn(0, 0, 0, 0, 0)];

  const runOn = (engine: EngineName, impl: BpfMap) => {
    const m = kmap(impl);
    const runner = new VmRunner(engine);
    return (insns: Insn[]) => {
      const out = runner.run({
        prog: kprog(m, insns),
        ctx: new Uint8Array(32),
        maps: new Map([[m.id, m]]),
        cpu: 0,
        ktimeNs: () => 0n,
        prandomU32: () => 0,
      });
      if (!out.ok) throw new Error(out.reason);
      return out.retval;
    };
  };

  for (const engine of ENGINES) {
    it(`${engine}: lookup pointers into both arena chunks`, () => {
      const impl = mapAlloc(
        { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 2048, maxEntries: 2100, mapFlags: 0 },
        env,
      ) as HashTab;
      for (let k = 0; k < 2100; k++) expect(impl.update(u32(k), u32(k * 3), 0)).toBe(0);
      const run = runOn(engine, impl);
      expect(run(bumpProg(ldMap, 10))).toBe(31);
      expect(run(bumpProg(ldMap, 2090))).toBe(2090 * 3 + 1);
      expect((impl.lookup(u32(2090)) as Uint8Array).subarray(0, 4)).toEqual(u32(2090 * 3 + 1));
      expect(run(bumpProg(ldMap, 9999))).toBe(0xdead);
      // a 2 KiB value cannot come from the 512-byte stack: the helper refuses it
      expect(run(updateProg(ldMap, 9999, 4, 0, 0)) | 0).toBe(-EINVAL);
    });

    it(`${engine}: update (64-bit flags are -EINVAL), lookup, delete`, () => {
      const impl = mapAlloc(
        { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 16, mapFlags: 0 },
        env,
      ) as HashTab;
      const run = runOn(engine, impl);
      expect(run(updateProg(ldMap, 10, 4, 0, 1)) | 0).toBe(-EINVAL);
      expect(impl.count()).toBe(0);
      expect(run(updateProg(ldMap, 10, 4, 0, 0))).toBe(0);
      expect(run(updateProg(ldMap, 10, 4, 1, 0)) | 0).toBe(-17);
      expect(run(bumpProg(ldMap, 10))).toBe(5);
      const del = [
        ...ldMap,
        stW(10, -4, 10),
        movReg(2, 10),
        addImm(2, -4),
        call(BPF_FUNC.map_delete_elem),
        exit(),
      ];
      expect(run(del)).toBe(0);
      expect(run(del) | 0).toBe(-2);
      expect(run(bumpProg(ldMap, 10))).toBe(0xdead);
    });
  }
});
