/**
 * The map helpers driven by small eBPF programs on both VM engines (interpreter and JIT): lookup
 * returns a pointer into the map's value storage that the program writes through, update/delete,
 * per-CPU lookups, queue push/pop, ring buffer reserve/submit/discard/output read back by the
 * user-space consumer, for_each_map_elem, tail calls through a prog_array and perf_event_output.
 */
import { describe, expect, it } from 'vitest';
import { type Insn, insn } from '../../src/isa/insn.js';
import type { FdArray } from '../../src/maps/fd-maps.js';
import { BPF_FUNC, MAP_HELPER_PROTOS } from '../../src/maps/helper-protos.js';
import { MapPointers, mapHelpers, type PerfOutputEvent } from '../../src/maps/helpers.js';
import type { BpfMap, MapEnv } from '../../src/maps/ops.js';
import { mapAlloc } from '../../src/maps/registry.js';
import type { RingBuf } from '../../src/maps/ringbuf.js';
import { BPF_MAP_TYPE } from '../../src/maps/uapi.js';
import { AddressSpace, type EngineName, funcPtr, loadProgram, runProgram } from '../../src/vm/index.js';

const env: MapEnv = { possibleCpus: 2, prandomU32: () => 1 };
const R0 = 0;
const R1 = 1;
const R2 = 2;
const R3 = 3;
const R4 = 4;
const R10 = 10;

// a few instruction builders (include/linux/filter.h style)
const ldImm64 = (dst: number, v: bigint, src = 0): Insn[] => [
  insn(0x18, dst, src, 0, Number(BigInt.asIntN(32, v & 0xffffffffn))),
  insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
];
const movImm = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm);
const movReg = (dst: number, src: number) => insn(0xbf, dst, src, 0, 0);
const addImm = (dst: number, imm: number) => insn(0x07, dst, 0, 0, imm);
const stW = (dst: number, off: number, imm: number) => insn(0x62, dst, 0, off, imm);
const stDW = (dst: number, off: number, imm: number) => insn(0x7a, dst, 0, off, imm);
const ldxDW = (dst: number, src: number, off: number) => insn(0x79, dst, src, off, 0);
const ldxW = (dst: number, src: number, off: number) => insn(0x61, dst, src, off, 0);
const stxDW = (dst: number, src: number, off: number) => insn(0x7b, dst, src, off, 0);
const call = (id: number) => insn(0x85, 0, 0, 0, id);
const jeqImm = (dst: number, imm: number, off: number) => insn(0x15, dst, 0, off, imm);
const exit = () => insn(0x95, 0, 0, 0, 0);

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: number) => new Uint8Array(new BigUint64Array([BigInt(n)]).buffer);

function setup() {
  const pointers = new MapPointers();
  const helpers = mapHelpers({ pointers, cpu: () => 1 });
  const space = new AddressSpace();
  const run = (insns: Insn[], engine: EngineName) => {
    const res = runProgram(loadProgram(insns), { engine, space, helpers });
    if (res.kind !== 'exit') throw new Error(`${res.kind}: ${'reason' in res ? res.reason : ''}`);
    return res.r0;
  };
  return { pointers, run, space };
}

const ENGINES: EngineName[] = ['interp', 'jit'];

describe('map helpers on both engines', () => {
  for (const engine of ENGINES) {
    it(`${engine}: a counter in a hash map (lookup pointer write-through, update when missing)`, () => {
      const { pointers, run } = setup();
      const map = mapAlloc(
        { mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 4, mapFlags: 0 },
        env,
      ) as BpfMap;
      const mp = pointers.pointerOf(map);
      // key 7: if present, ++*value and return it; else insert 1 and return 100
      const prog = [
        ...ldImm64(R1, mp),
        stW(R10, -4, 7),
        movReg(R2, R10),
        addImm(R2, -4),
        call(BPF_FUNC.map_lookup_elem),
        jeqImm(R0, 0, 5),
        ldxDW(R1, R0, 0),
        addImm(R1, 1),
        stxDW(R0, R1, 0),
        movReg(R0, R1),
        exit(),
        ...ldImm64(R1, mp),
        movReg(R2, R10),
        addImm(R2, -4),
        stDW(R10, -16, 1),
        movReg(R3, R10),
        addImm(R3, -16),
        movImm(R4, 0),
        call(BPF_FUNC.map_update_elem),
        movImm(R0, 100),
        exit(),
      ];
      expect(run(prog, engine)).toBe(100n);
      expect(run(prog, engine)).toBe(2n);
      expect(run(prog, engine)).toBe(3n);
      expect(map.lookup!(u32(7))).toEqual(u64(3));
      // delete through the helper, then the program inserts again
      const del = [
        ...ldImm64(R1, mp),
        stW(R10, -4, 7),
        movReg(R2, R10),
        addImm(R2, -4),
        call(BPF_FUNC.map_delete_elem),
        exit(),
      ];
      expect(run(del, engine)).toBe(0n);
      expect(run(del, engine)).toBe(BigInt.asUintN(64, -2n));
      expect(run(prog, engine)).toBe(100n);
    });

    it(`${engine}: per-CPU array: lookup sees this CPU's slot, lookup_percpu any CPU's`, () => {
      const { pointers, run } = setup();
      const map = mapAlloc(
        { mapType: BPF_MAP_TYPE.PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, mapFlags: 0 },
        env,
      ) as BpfMap;
      // CPU 0 holds 10, CPU 1 holds 20 for key 1
      expect(map.update!(u32(1), new Uint8Array([10, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe(
        0,
      );
      const mp = pointers.pointerOf(map);
      const lookup = [
        ...ldImm64(R1, mp),
        stW(R10, -4, 1),
        movReg(R2, R10),
        addImm(R2, -4),
        call(BPF_FUNC.map_lookup_elem),
        jeqImm(R0, 0, 1),
        ldxW(R0, R0, 0),
        exit(),
      ];
      expect(run(lookup, engine)).toBe(20n);
      const percpu = [
        ...ldImm64(R1, mp),
        stW(R10, -4, 1),
        movReg(R2, R10),
        addImm(R2, -4),
        movImm(R3, 0),
        call(BPF_FUNC.map_lookup_percpu_elem),
        jeqImm(R0, 0, 1),
        ldxW(R0, R0, 0),
        exit(),
      ];
      expect(run(percpu, engine)).toBe(10n);
      percpu[percpu.length - 5] = movImm(R3, 2); // CPU 2 does not exist: NULL
      expect(run(percpu, engine)).toBe(0n);
    });

    it(`${engine}: queue push/pop and empty pop (-ENOENT)`, () => {
      const { pointers, run } = setup();
      const q = mapAlloc(
        { mapType: BPF_MAP_TYPE.QUEUE, keySize: 0, valueSize: 8, maxEntries: 2, mapFlags: 0 },
        env,
      ) as BpfMap;
      const mp = pointers.pointerOf(q);
      const push = (v: number) => [
        ...ldImm64(R1, mp),
        stDW(R10, -8, v),
        movReg(R2, R10),
        addImm(R2, -8),
        movImm(R3, 0),
        call(BPF_FUNC.map_push_elem),
        exit(),
      ];
      const pop = [
        ...ldImm64(R1, mp),
        movReg(R2, R10),
        addImm(R2, -8),
        call(BPF_FUNC.map_pop_elem),
        jeqImm(R0, 0, 1),
        exit(),
        ldxDW(R0, R10, -8),
        exit(),
      ];
      expect(run(push(5), engine)).toBe(0n);
      expect(run(push(6), engine)).toBe(0n);
      expect(run(push(7), engine)).toBe(BigInt.asUintN(64, -7n));
      expect(run(pop, engine)).toBe(5n);
      expect(run(pop, engine)).toBe(6n);
      expect(run(pop, engine)).toBe(BigInt.asUintN(64, -2n));
    });

    it(`${engine}: ringbuf reserve/submit, reserve/discard, output; the consumer reads submitted records`, () => {
      const { pointers, run } = setup();
      const rb = mapAlloc(
        { mapType: BPF_MAP_TYPE.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096, mapFlags: 0 },
        env,
      ) as RingBuf;
      const mp = pointers.pointerOf(rb);
      const reserveThen = (id: number, v: number) => [
        ...ldImm64(R1, mp),
        movImm(R2, 8),
        movImm(R3, 0),
        call(BPF_FUNC.ringbuf_reserve),
        jeqImm(R0, 0, 6),
        stDW(R0, 0, v),
        movReg(R1, R0),
        movImm(R2, 0),
        call(id),
        movImm(R0, 1),
        exit(),
        movImm(R0, 0),
        exit(),
      ];
      expect(run(reserveThen(BPF_FUNC.ringbuf_submit, 0x11), engine)).toBe(1n);
      expect(run(reserveThen(BPF_FUNC.ringbuf_discard, 0x22), engine)).toBe(1n);
      const output = [
        ...ldImm64(R1, mp),
        stDW(R10, -8, 0x33),
        movReg(R2, R10),
        addImm(R2, -8),
        movImm(R3, 4),
        movImm(R4, 0),
        call(BPF_FUNC.ringbuf_output),
        exit(),
      ];
      expect(run(output, engine)).toBe(0n);
      const query = [...ldImm64(R1, mp), movImm(R2, 0), call(BPF_FUNC.ringbuf_query), exit()];
      expect(run(query, engine)).toBe(48n); // three records: 16 + 16 + 16 (8-byte header, rounded to 8)
      const got: number[][] = [];
      expect(rb.consume((s) => void got.push([...s]))).toBe(2);
      expect(got).toEqual([
        [0x11, 0, 0, 0, 0, 0, 0, 0],
        [0x33, 0, 0, 0],
      ]);
      expect(run(query, engine)).toBe(0n);
    });

    it(`${engine}: for_each_map_elem sums an array through a callback`, () => {
      const { pointers, run } = setup();
      const arr = mapAlloc(
        { mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 8, maxEntries: 3, mapFlags: 0 },
        env,
      ) as BpfMap;
      for (let i = 0; i < 3; i++) arr.update!(u32(i), u64((i + 1) * 10), 0);
      const mp = pointers.pointerOf(arr);
      // main: ctx = &sum (stack), for_each(map, cb, &sum, 0), return sum
      // cb(map, key, value, ctx): *ctx += *value + *key; return 0
      const main = [
        stDW(R10, -8, 0),
        ...ldImm64(R1, mp),
        ...ldImm64(R2, 0n, 4), // BPF_PSEUDO_FUNC, imm patched below
        movReg(R3, R10),
        addImm(R3, -8),
        movImm(R4, 0),
        call(BPF_FUNC.for_each_map_elem),
        ldxDW(R1, R10, -8),
        ...[insn(0x27, R0, 0, 0, 1000)], // r0 *= 1000 (number of elements visited)
        insn(0x0f, R0, R1, 0, 0), // r0 += r1
        exit(),
      ];
      const cbPc = main.length;
      const cb = [
        ldxDW(5, 3, 0),
        ldxW(6, 2, 0),
        insn(0x0f, 5, 6, 0, 0),
        ldxDW(6, 4, 0),
        insn(0x0f, 6, 5, 0, 0),
        stxDW(4, 6, 0),
        movImm(R0, 0),
        exit(),
      ];
      const fp = funcPtr(cbPc);
      main[3] = insn(0x18, R2, 0, 0, Number(BigInt.asIntN(32, fp & 0xffffffffn)));
      main[4] = insn(0, 0, 0, 0, Number(BigInt.asIntN(32, fp >> 32n)));
      // keys 0+1+2 and values 10+20+30; 3 elements visited
      expect(run([...main, ...cb], engine)).toBe(3063n);
    });

    it(`${engine}: tail_call jumps to the prog_array entry, falls through when empty`, () => {
      const { pointers, run } = setup();
      const target = loadProgram([movImm(R0, 42), exit()]);
      const pa = mapAlloc(
        { mapType: BPF_MAP_TYPE.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, mapFlags: 0 },
        { ...env, progFromFd: (fd) => (fd === 5 ? { id: 9, progType: 1, program: target } : -9) },
      ) as FdArray;
      expect(pa.update(u32(1), u32(5), 0)).toBe(0);
      const mp = pointers.pointerOf(pa);
      const caller = (index: number) => [
        movImm(R0, 7),
        ...ldImm64(R2, mp),
        movImm(R3, index),
        call(BPF_FUNC.tail_call),
        movImm(R0, 1),
        exit(),
      ];
      expect(run(caller(1), engine)).toBe(42n);
      expect(run(caller(0), engine)).toBe(1n);
      expect(run(caller(5), engine)).toBe(1n);
    });

    it(`${engine}: perf_event_output delivers a record to this CPU's event, -ENOENT for an empty slot`, () => {
      const { pointers, run } = setup();
      const records: number[][] = [];
      const ev: PerfOutputEvent = { cpu: 1, output: (r) => void records.push([...r]) };
      const pe = mapAlloc(
        { mapType: BPF_MAP_TYPE.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, mapFlags: 0 },
        { ...env, perfEventFromFd: (fd) => (fd === 8 ? ev : -9) },
      ) as FdArray;
      const mp = pointers.pointerOf(pe);
      const out = [
        movImm(R1, 0),
        ...ldImm64(R2, mp),
        ...ldImm64(R3, 0xffffffffn),
        stDW(R10, -8, 0x55),
        movReg(R4, R10),
        addImm(R4, -8),
        movImm(5, 2),
        call(BPF_FUNC.perf_event_output),
        exit(),
      ];
      expect(run(out, engine)).toBe(BigInt.asUintN(64, -2n));
      expect(pe.update(u32(1), u32(8), 0)).toBe(0);
      expect(run(out, engine)).toBe(0n);
      expect(records).toEqual([[0x55, 0]]);
    });
  }

  it('has the kernel prototypes (helpers.c): lookup returns map_value_or_null, perf_event_output is GPL-only', () => {
    expect(MAP_HELPER_PROTOS.get(1)).toMatchObject({
      name: 'map_lookup_elem',
      gplOnly: false,
      ret: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
    });
    expect(MAP_HELPER_PROTOS.get(25)?.gplOnly).toBe(true);
    expect(MAP_HELPER_PROTOS.get(12)?.args).toEqual(['ARG_PTR_TO_CTX', 'ARG_CONST_MAP_PTR', 'ARG_ANYTHING']);
    expect([...MAP_HELPER_PROTOS.keys()].sort((a, b) => a - b)).toEqual([
      1, 2, 3, 12, 25, 87, 88, 89, 130, 131, 132, 133, 134, 164, 195,
    ]);
  });
});
