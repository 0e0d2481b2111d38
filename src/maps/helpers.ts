/**
 * @fileoverview The map helpers on the VM's helper calling convention (src/vm/machine.ts HelperFn).
 *
 * Models kernel/bpf/helpers.c (`bpf_map_lookup_elem`, `bpf_map_update_elem`, `bpf_map_delete_elem`,
 * `bpf_map_push/pop/peek_elem`, `bpf_map_lookup_percpu_elem`), kernel/bpf/core.c (the tail call of
 * `___bpf_prog_run`: index in range, non-empty slot, MAX_TAIL_CALL_CNT), kernel/bpf/ringbuf.c
 * (`bpf_ringbuf_output/reserve/submit/discard/query`), kernel/bpf/hashtab.c / arraymap.c
 * `map_for_each_callback` (through bpf_iter.c `bpf_for_each_map_elem`) and kernel/trace/bpf_trace.c
 * `bpf_perf_event_output`.
 *
 * Pointers: a map referenced by a program (what LD_IMM64 with BPF_PSEUDO_MAP_FD becomes after
 * loading, a `struct bpf_map *`) is the 64-bit value {@link MapPointers.pointerOf} hands out; a map
 * value pointer is an address in a region of the program's {@link AddressSpace}: each chunk of a
 * map's {@link ValueArena} is mapped once per address space, on first use, as `map:<type>`.
 */

import { ERRNO } from '../uapi/errno.js';
import type { HelperEnv, HelperFn } from '../vm/machine.js';
import type { AddressSpace } from '../vm/memory.js';
import { funcPtrPc, REGION_HI_BASE_I32 } from '../vm/memory.js';
import { ARENA_CHUNK_SPAN, type ValueArena } from './arena.js';
import { FdArray, HashOfMaps } from './fd-maps.js';
import type { HashTab } from './hashtab.js';
import { BPF_FUNC } from './helper-protos.js';
import type { BpfMap, MapPerfEventRef, MapProgRef } from './ops.js';
import { RingBuf } from './ringbuf.js';
import { MAP_TYPE_NAMES } from './uapi.js';

/** High half of map object pointers (a kernel-heap-looking address outside every VM region). */
export const MAP_PTR_HI = 0xffffd000;
/** {@link MAP_PTR_HI} as a signed 32-bit integer (the form registers hold). */
const MAP_PTR_HI_I32 = MAP_PTR_HI | 0;

/** `BPF_F_INDEX_MASK` / `BPF_F_CURRENT_CPU` (include/uapi/linux/bpf.h). */
export const BPF_F_INDEX_MASK = 0xffffffff;
/** See {@link BPF_F_INDEX_MASK}. */
export const BPF_F_CURRENT_CPU = 0xffffffff;

/** A perf event a program can output to: models the BPF_OUTPUT software event of a perf_event_array slot. */
export interface PerfOutputEvent extends MapPerfEventRef {
  /** Receives each record (`perf_event_output` → the event's ring buffer, read by user space). */
  output(record: Uint8Array): void;
}

/**
 * How helpers turn a map pointer argument into a map and back (map-in-map lookups return inner map
 * pointers). {@link MapPointers} is one; the kernel layer may supply its own addresses.
 */
export interface MapPointerResolver {
  /** The map a pointer (as register halves) designates, or undefined. */
  mapAt(lo: number, hi: number): BpfMap | undefined;
  /** The pointer value of `map`. */
  pointerOf(map: BpfMap): bigint;
}

/**
 * The map object pointers of one loaded-program world: models the `struct bpf_map *` values the
 * verifier puts into LD_IMM64 (kernel/bpf/verifier.c `resolve_pseudo_ldimm64`).
 */
export class MapPointers implements MapPointerResolver {
  private readonly maps: BpfMap[] = [];
  private readonly index = new Map<BpfMap, number>();
  /** Counts {@link forget} calls: a pointer resolved earlier stays valid while it is unchanged. */
  epoch = 0;

  /** The pointer value a program holds for `map` (stable for the map's life). */
  pointerOf(map: BpfMap): bigint {
    let i = this.index.get(map);
    if (i === undefined) {
      i = this.maps.length;
      this.maps.push(map);
      this.index.set(map, i);
    }
    return (BigInt(MAP_PTR_HI + (i >>> 20)) << 32n) | BigInt(((i & 0xfffff) << 12) >>> 0);
  }

  /** The map a pointer (as register halves) designates, or undefined. */
  mapAt(lo: number, hi: number): BpfMap | undefined {
    // int32 arithmetic: exact for the 0..0xfff range tested (the base is above 2^31)
    const h = (hi - MAP_PTR_HI_I32) | 0;
    if (h < 0 || h > 0xfff || (lo & 0xfff) !== 0) return undefined;
    const i = h * 0x100000 + ((lo >>> 12) & 0xfffff);
    return i < this.maps.length ? this.maps[i] : undefined;
  }

  /** Forgets a freed map (its pointer becomes invalid). */
  forget(map: BpfMap): void {
    const i = this.index.get(map);
    if (i === undefined) return;
    this.index.delete(map);
    this.maps[i] = undefined as unknown as BpfMap;
    this.epoch++;
  }
}

/** Per address space: the regions of map value chunks, and byte views of regions for key reads. */
class SpaceBinding {
  /**
   * Per arena, the high address half of each mapped chunk as a signed 32-bit integer (small
   * integers: reading one back never allocates, unlike the unsigned form, a double).
   */
  readonly chunkHi = new Map<ValueArena, number[]>();
  /** Region hi (signed 32-bit, as R1 holds it) → the map whose value chunk it is (ringbuf submit). */
  readonly mapOfRegion = new Map<number, BpfMap>();
  /** The arena {@link setChunkPtr} served last and its chunk regions (saves a Map lookup per call). */
  private lastArena: ValueArena | undefined;
  private lastHis: number[] = [];
  scratch: Uint8Array | undefined;
  scratchHi = 0;

  constructor(readonly space: AddressSpace) {}

  /** The bytes of the region at `hi`, or undefined. */
  bytesAt(hi: number): Uint8Array | undefined {
    const slot = (hi - REGION_HI_BASE_I32) | 0;
    const u8 = this.space.u8;
    return slot >= 0 && slot < u8.length ? u8[slot] : undefined;
  }

  /** Whether the region at `hi` may be written. */
  writable(hi: number): boolean {
    const slot = (hi - REGION_HI_BASE_I32) | 0;
    return slot >= 0 && this.space.wr[slot] !== undefined;
  }

  /** Writes the address of `loc` in `arena` into R0 (mapping the chunk on first use). */
  setValuePtr(r: Int32Array, map: BpfMap, arena: ValueArena, loc: number): void {
    const c = loc < ARENA_CHUNK_SPAN ? 0 : Math.floor(loc / ARENA_CHUNK_SPAN);
    this.setChunkPtr(r, map, arena, c, loc - c * ARENA_CHUNK_SPAN);
  }

  /** Writes the address of byte `off` of chunk `c` of `arena` into R0 (mapping the chunk on first use). */
  setChunkPtr(r: Int32Array, map: BpfMap, arena: ValueArena, c: number, off: number): void {
    let his = this.lastHis;
    if (arena !== this.lastArena) {
      let h = this.chunkHi.get(arena);
      if (h === undefined) {
        h = [];
        this.chunkHi.set(arena, h);
      }
      his = h;
      this.lastArena = arena;
      this.lastHis = h;
    }
    let hi = his[c];
    if (hi === undefined) {
      const region = this.space.map(arena.chunks[c]!, {
        name: `map:${MAP_TYPE_NAMES[map.mapType] ?? map.mapType}`,
      });
      hi = region.hi | 0;
      his[c] = hi;
      this.mapOfRegion.set(hi, map);
    }
    r[0] = off;
    r[1] = hi;
  }

  /** A scratch region of at least `size` bytes (keys handed to for_each callbacks). */
  scratchFor(size: number): { bytes: Uint8Array; hi: number } {
    if (!this.scratch || this.scratch.length < size) {
      this.scratch = new Uint8Array(Math.max(size, 64));
      this.scratchHi = this.space.map(this.scratch, { name: 'map:key' }).hi;
    }
    return { bytes: this.scratch, hi: this.scratchHi };
  }
}

/**
 * What one hash-map helper call resolved: the map behind R1 and the regions behind the key (R2)
 * and value (R3) pointers. A later call with the same pointer halves reuses it while no map
 * pointer was forgotten and no region mapped or unmapped in between (the epochs are unchanged),
 * so a program calling the helpers in a loop resolves its map and stack once.
 */
class ResolvedCall {
  private lo = 0;
  private hi = 0;
  private keyHi = 0;
  private valHi = 0;
  private epoch = -1;
  private spaceEpoch = -1;
  private space: AddressSpace | undefined;
  map: HashTab | undefined;
  key: Uint8Array | undefined;
  val: Uint8Array | undefined;
  binding: SpaceBinding | undefined;

  /** Whether this resolution holds for the call in `r` (with its value pointer when `withValue`). */
  holds(r: Int32Array, space: AddressSpace, pointers: MapPointers | undefined, withValue: boolean): boolean {
    return (
      r[2] === this.lo &&
      r[3] === this.hi &&
      r[5] === this.keyHi &&
      (!withValue || r[7] === this.valHi) &&
      space === this.space &&
      space.epoch === this.spaceEpoch &&
      pointers!.epoch === this.epoch
    );
  }

  remember(
    r: Int32Array,
    space: AddressSpace,
    pointers: MapPointers,
    map: HashTab,
    key: Uint8Array,
    val: Uint8Array | undefined,
    binding: SpaceBinding,
  ): void {
    this.lo = r[2]!;
    this.hi = r[3]!;
    this.keyHi = r[5]!;
    this.valHi = r[7]!;
    this.epoch = pointers.epoch;
    this.space = space;
    this.spaceEpoch = space.epoch;
    this.map = map;
    this.key = key;
    this.val = val;
    this.binding = binding;
  }
}

/** Options of {@link mapHelpers}. */
export interface MapHelperOptions {
  /** The pointers LD_IMM64 map references were given. */
  readonly pointers: MapPointerResolver;
  /** `smp_processor_id()` of the running program (default 0). */
  cpu?(env: HelperEnv): number;
  /** The VM program a prog_array entry runs on a tail call (default: `MapProgRef.program`). */
  tailCallTarget?(prog: MapProgRef): unknown;
}

function set64(r: Int32Array, v: number): void {
  r[0] = v | 0;
  r[1] = v < 0 ? -1 : Math.floor(v / 2 ** 32) | 0;
}

/**
 * The map helpers as a helper table (`BPF_FUNC_*` id → HelperFn), to merge into the table given to
 * `runProgram`. Works with both engines.
 */
export function mapHelpers(opts: MapHelperOptions): Map<number, HelperFn> {
  const { pointers } = opts;
  const bindings = new WeakMap<AddressSpace, SpaceBinding>();
  let lastSpace: AddressSpace | undefined;
  let lastBinding: SpaceBinding | undefined;
  const bind = (env: HelperEnv): SpaceBinding => {
    if (env.space === lastSpace) return lastBinding!;
    let b = bindings.get(env.space);
    if (b === undefined) {
      b = new SpaceBinding(env.space);
      bindings.set(env.space, b);
    }
    lastSpace = env.space;
    lastBinding = b;
    return b;
  };
  const cpuOf = opts.cpu ?? (() => 0);
  const h = new Map<number, HelperFn>();

  /** Resolves (lo, hi) + len to bytes and offset, or undefined. */
  const mem = (b: SpaceBinding, lo: number, hi: number, len: number): Uint8Array | undefined => {
    const bytes = b.bytesAt(hi);
    if (bytes === undefined || (lo >>> 0) + len > bytes.length) return undefined;
    return bytes;
  };
  const nul = (r: Int32Array) => {
    r[0] = 0;
    r[1] = 0;
  };

  // The last hash-map lookup's and update's resolutions, reused while valid (see ResolvedCall).
  const epochs = pointers instanceof MapPointers ? pointers : undefined;
  const lc = new ResolvedCall();
  const uc = new ResolvedCall();

  // void *bpf_map_lookup_elem(map, key)
  h.set(BPF_FUNC.map_lookup_elem, (r, env) => {
    if (lc.holds(r, env.space, epochs, false)) {
      const m = lc.map!;
      const ko = r[4]! >>> 0;
      if (ko + m.keySize <= lc.key!.length) {
        const off = m.progLookupOffset(lc.key!, ko, cpuOf(env));
        if (off < 0) return nul(r);
        return lc.binding!.setChunkPtr(r, m, m.arena, m.valueChunk, off);
      }
    }
    const map = pointers.mapAt(r[2]!, r[3]!);
    const b = env.space === lastSpace ? lastBinding! : bind(env);
    if (map === undefined) return nul(r);
    const key = mem(b, r[4]!, r[5]!, map.keySize);
    if (key === undefined) return set64(r, -ERRNO.EFAULT);
    if ((map as Partial<HashTab>).valuePointers === true) {
      // the hash maps' path: a monomorphic call and small integers only (no float location)
      const ht = map as HashTab;
      if (epochs !== undefined) lc.remember(r, env.space, epochs, ht, key, undefined, b);
      const off = ht.progLookupOffset(key, r[4]! >>> 0, cpuOf(env));
      if (off < 0) return nul(r);
      return b.setChunkPtr(r, map, ht.arena, ht.valueChunk, off);
    }
    if (map instanceof FdArray || map instanceof HashOfMaps) {
      const inner = map.progLookupMap(key, r[4]! >>> 0);
      if (inner === undefined) return nul(r);
      const p = pointers.pointerOf(inner);
      r[0] = Number(p & 0xffffffffn) | 0;
      r[1] = Number(p >> 32n) | 0;
      return;
    }
    if (!map.progLookup || !map.arena) return nul(r);
    const loc = map.progLookup(key, r[4]! >>> 0, cpuOf(env));
    if (loc < 0) return nul(r);
    b.setValuePtr(r, map, map.arena, loc);
  });

  // long bpf_map_update_elem(map, key, value, flags)
  h.set(BPF_FUNC.map_update_elem, (r, env) => {
    if (uc.holds(r, env.space, epochs, true)) {
      const m = uc.map!;
      const ko = r[4]! >>> 0;
      const vo = r[6]! >>> 0;
      if (ko + m.keySize <= uc.key!.length && vo + m.valueSize <= uc.val!.length) {
        const ret = m.progUpdate(uc.key!, ko, uc.val!, vo, r[9] === 0 ? r[8]! >>> 0 : 0xffffffff, cpuOf(env));
        r[0] = ret;
        r[1] = ret >> 31;
        return;
      }
    }
    const map = pointers.mapAt(r[2]!, r[3]!);
    const b = env.space === lastSpace ? lastBinding! : bind(env);
    if (map === undefined) return set64(r, -ERRNO.EINVAL);
    const key = mem(b, r[4]!, r[5]!, map.keySize);
    const val = mem(b, r[6]!, r[7]!, map.valueSize);
    if (key === undefined || val === undefined) return set64(r, -ERRNO.EFAULT);
    // flags above 32 bits are invalid for every map: the ops see them as the (invalid) all-ones word
    const flags = r[9] === 0 ? r[8]! >>> 0 : 0xffffffff;
    if ((map as Partial<HashTab>).valuePointers !== undefined) {
      // every hash type (hash_of_maps too): a monomorphic call returning a small integer
      const ret = (map as HashTab).progUpdate(key, r[4]! >>> 0, val, r[6]! >>> 0, flags, cpuOf(env));
      r[0] = ret;
      r[1] = ret >> 31;
      if (epochs !== undefined) uc.remember(r, env.space, epochs, map as HashTab, key, val, b);
      return;
    }
    if (map.progUpdate)
      return set64(r, map.progUpdate(key, r[4]! >>> 0, val, r[6]! >>> 0, flags, cpuOf(env)));
    if (map.update) {
      const k = key.subarray(r[4]! >>> 0, (r[4]! >>> 0) + map.keySize);
      return set64(r, map.update(k, val.subarray(r[6]! >>> 0, (r[6]! >>> 0) + map.valueSize), flags));
    }
    set64(r, -ERRNO.EOPNOTSUPP);
  });

  // long bpf_map_delete_elem(map, key)
  h.set(BPF_FUNC.map_delete_elem, (r, env) => {
    const map = pointers.mapAt(r[2]!, r[3]!);
    const b = bind(env);
    if (map === undefined) return set64(r, -ERRNO.EINVAL);
    const key = mem(b, r[4]!, r[5]!, map.keySize);
    if (key === undefined) return set64(r, -ERRNO.EFAULT);
    if (map.progDelete) return set64(r, map.progDelete(key, r[4]! >>> 0));
    if (map.delete) return set64(r, map.delete(key.subarray(r[4]! >>> 0, (r[4]! >>> 0) + map.keySize)));
    set64(r, -ERRNO.EOPNOTSUPP);
  });

  // void *bpf_map_lookup_percpu_elem(map, key, cpu)
  h.set(BPF_FUNC.map_lookup_percpu_elem, (r, env) => {
    const map = pointers.mapAt(r[2]!, r[3]!);
    const b = bind(env);
    if (map === undefined || !map.progLookupPercpu || !map.arena) return nul(r);
    const key = mem(b, r[4]!, r[5]!, map.keySize);
    if (key === undefined) return nul(r);
    const cpu = r[6]! >>> 0;
    if (r[7] !== 0) return nul(r);
    const loc = map.progLookupPercpu(key, r[4]! >>> 0, cpu);
    if (loc < 0) return nul(r);
    b.setValuePtr(r, map, map.arena, loc);
  });

  // long bpf_map_push_elem(map, value, flags)
  h.set(BPF_FUNC.map_push_elem, (r, env) => {
    const map = pointers.mapAt(r[2]!, r[3]!);
    const b = bind(env);
    if (map === undefined || !map.push) return set64(r, -ERRNO.EINVAL);
    const val = mem(b, r[4]!, r[5]!, map.valueSize);
    if (val === undefined) return set64(r, -ERRNO.EFAULT);
    const flags = (r[7]! >>> 0) * 2 ** 32 + (r[6]! >>> 0);
    set64(r, map.push(val.subarray(r[4]! >>> 0, (r[4]! >>> 0) + map.valueSize), flags));
  });

  // long bpf_map_pop_elem(map, value) / bpf_map_peek_elem(map, value)
  for (const [id, pop] of [
    [BPF_FUNC.map_pop_elem, true],
    [BPF_FUNC.map_peek_elem, false],
  ] as const) {
    h.set(id, (r, env) => {
      const map = pointers.mapAt(r[2]!, r[3]!);
      const b = bind(env);
      if (map === undefined) return set64(r, -ERRNO.EINVAL);
      const val = mem(b, r[4]!, r[5]!, map.valueSize);
      if (val === undefined) return set64(r, -ERRNO.EFAULT);
      const off = r[4]! >>> 0;
      if (map.peek && map.mapType === 30 && !pop) {
        // bloom filter: peek tests the value the program passes
        return set64(r, map.peek(val.subarray(off, off + map.valueSize)) as number);
      }
      const got = pop ? map.pop?.() : map.peek?.();
      if (got === undefined) return set64(r, -ERRNO.EOPNOTSUPP);
      if (typeof got === 'number') {
        // __queue_map_get zeroes the value when the map is empty
        if (got === -ERRNO.ENOENT && b.writable(r[5]!)) val.fill(0, off, off + map.valueSize);
        return set64(r, got);
      }
      val.set(got, off);
      set64(r, 0);
    });
  }

  // long bpf_tail_call(ctx, prog_array_map, index): on success the program is replaced
  h.set(BPF_FUNC.tail_call, (r, env) => {
    const map = pointers.mapAt(r[4]!, r[5]!);
    const index = r[6]! >>> 0;
    if (map instanceof FdArray) {
      const prog = map.entry(index) as MapProgRef | undefined;
      const target = prog ? (opts.tailCallTarget ? opts.tailCallTarget(prog) : prog.program) : undefined;
      if (target !== undefined) env.tailCall(target as Parameters<HelperEnv['tailCall']>[0]);
    }
    // on failure execution continues after the call with R0 unchanged
  });

  // long bpf_ringbuf_output(ringbuf, data, size, flags)
  h.set(BPF_FUNC.ringbuf_output, (r, env) => {
    const map = pointers.mapAt(r[2]!, r[3]!);
    const b = bind(env);
    if (!(map instanceof RingBuf)) return set64(r, -ERRNO.EINVAL);
    const size = r[6]! >>> 0;
    const data = mem(b, r[4]!, r[5]!, size);
    if (data === undefined) return set64(r, -ERRNO.EFAULT);
    const flags = (r[9]! >>> 0) * 2 ** 32 + (r[8]! >>> 0);
    set64(r, map.output(data, r[4]! >>> 0, size, flags));
  });

  // void *bpf_ringbuf_reserve(ringbuf, size, flags)
  h.set(BPF_FUNC.ringbuf_reserve, (r, env) => {
    const map = pointers.mapAt(r[2]!, r[3]!);
    if (!(map instanceof RingBuf) || r[6] !== 0 || r[7] !== 0 || r[5] !== 0) return nul(r);
    const off = map.reserve(r[4]! >>> 0);
    if (off < 0) return nul(r);
    bind(env).setValuePtr(r, map, map.arena, off);
  });

  // void bpf_ringbuf_submit(sample, flags) / bpf_ringbuf_discard(sample, flags)
  for (const [id, discard] of [
    [BPF_FUNC.ringbuf_submit, false],
    [BPF_FUNC.ringbuf_discard, true],
  ] as const) {
    h.set(id, (r, env) => {
      const b = bind(env);
      const owner = b.mapOfRegion.get(r[3]!);
      if (owner instanceof RingBuf) owner.commit(r[2]! >>> 0, discard);
      set64(r, 0);
    });
  }

  // u64 bpf_ringbuf_query(ringbuf, flags)
  h.set(BPF_FUNC.ringbuf_query, (r) => {
    const map = pointers.mapAt(r[2]!, r[3]!);
    if (!(map instanceof RingBuf)) return set64(r, 0);
    set64(r, r[5] !== 0 ? 0 : map.query(r[4]! >>> 0));
  });

  // long bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags)
  h.set(BPF_FUNC.for_each_map_elem, (r, env) => {
    const map = pointers.mapAt(r[2]!, r[3]!);
    const b = bind(env);
    if (map === undefined || !map.forEach || !map.arena) return set64(r, -ERRNO.EINVAL);
    if (r[8] !== 0 || r[9] !== 0) return set64(r, -ERRNO.EINVAL);
    const pc = funcPtrPc(r[4]!, r[5]!);
    if (pc < 0) return set64(r, -ERRNO.EINVAL);
    const mp = pointers.pointerOf(map);
    const ctxLo = r[6]!;
    const ctxHi = r[7]!;
    const cpu = cpuOf(env);
    const arena = map.arena;
    const vr = new Int32Array(2);
    const n = map.forEach(cpu, (key, loc) => {
      const s = b.scratchFor(key.length);
      s.bytes.set(key);
      b.setValuePtr(vr, map, arena, loc);
      const ret = env.callback(pc, [
        Number(mp & 0xffffffffn) | 0,
        Number(mp >> 32n) | 0,
        0,
        s.hi | 0,
        vr[0]!,
        vr[1]!,
        ctxLo,
        ctxHi,
      ]);
      return ret === 0 ? 0 : 1;
    });
    set64(r, n);
  });

  // long bpf_perf_event_output(ctx, map, flags, data, size)
  h.set(BPF_FUNC.perf_event_output, (r, env) => {
    const map = pointers.mapAt(r[4]!, r[5]!);
    const b = bind(env);
    if (!(map instanceof FdArray)) return set64(r, -ERRNO.EINVAL);
    if (r[7] !== 0) return set64(r, -ERRNO.EINVAL);
    const cpu = cpuOf(env);
    let index = r[6]! >>> 0;
    if (index === BPF_F_CURRENT_CPU) index = cpu;
    if (index >= map.maxEntries) return set64(r, -ERRNO.E2BIG);
    const ev = map.entry(index) as PerfOutputEvent | undefined;
    if (ev === undefined) return set64(r, -ERRNO.ENOENT);
    if (typeof ev.output !== 'function') return set64(r, -ERRNO.EINVAL);
    if (ev.cpu !== cpu) return set64(r, -ERRNO.EOPNOTSUPP);
    const size = r[10]! >>> 0;
    const data = mem(b, r[8]!, r[9]!, size);
    if (data === undefined) return set64(r, -ERRNO.EFAULT);
    ev.output(data.slice(r[8]! >>> 0, (r[8]! >>> 0) + size));
    set64(r, 0);
  });

  return h;
}
