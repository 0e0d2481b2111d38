/**
 * @fileoverview The default {@link ProgRunner}: runs loaded programs on src/vm.
 *
 * Models what `bpf_prog_run` needs around the interpreter/JIT: map references in `BPF_LD_IMM64`
 * replaced by map addresses (the fixup `resolve_pseudo_ldimm64` and `convert_pseudo_ld_imm64`
 * perform), the context and packet mapped as regions, and the base helpers of
 * kernel/bpf/helpers.c (`bpf_map_lookup_elem` 1, `bpf_map_update_elem` 2, `bpf_map_delete_elem` 3,
 * `bpf_ktime_get_ns` 5, `bpf_get_prandom_u32` 7, `bpf_get_smp_processor_id` 8,
 * `bpf_ktime_get_boot_ns` 125, `bpf_ktime_get_coarse_ns` 160) plus `bpf_tail_call` 12 through a
 * prog_array (kernel/bpf/core.c JMP_TAIL_CALL). Programs see the user-visible context struct as
 * plain memory; loads of packet pointers from it are rewritten as ctx-convert.ts explains when no
 * verifier did it.
 */
import type { Insn } from '../isa/insn.js';
import { ARENA_CHUNK_SPAN } from '../maps/arena.js';
import { HashTab } from '../maps/hashtab.js';
import type { MapProgRef } from '../maps/ops.js';
import { ERRNO } from '../uapi/errno.js';
import {
  AddressSpace,
  type HelperFn,
  loadProgram,
  type Program,
  REGION_HI_BASE,
  type Region,
  runProgram,
  VmLoadError,
} from '../vm/index.js';
import { convertPacketPointerLoads } from './ctx-convert.js';
import { type KMap, KProg } from './objects.js';
import type { ProgRunner, RunOutcome, RunRequest } from './prog-runner.js';

/** Instruction budget of one run (far above anything the verifier lets through). */
const RUN_BUDGET = 50_000_000;

function setR0(r: Int32Array, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  r[0] = Number(u & 0xffffffffn) | 0;
  r[1] = Number(u >> 32n) | 0;
}

const arg = (r: Int32Array, i: number): bigint =>
  (BigInt(r[2 * i + 1] as number) << 32n) | BigInt((r[2 * i] as number) >>> 0);

/** `REGION_HI_BASE` as a signed 32-bit integer, the form registers hold. */
const REGION_HI_BASE_I32 = REGION_HI_BASE | 0;

/** Writes a small signed result (an errno or 0) into R0. */
function setR0Int(r: Int32Array, v: number): void {
  r[0] = v;
  r[1] = v >> 31;
}

/** Runs programs on the VM's JIT (or interpreter). */
export class VmRunner implements ProgRunner {
  constructor(private readonly engine: 'jit' | 'interp' = 'jit') {}

  run(req: RunRequest): RunOutcome {
    const space = new AddressSpace();
    // One small region per map is the map pointer (`struct bpf_map *`); value chunks get their own.
    const handles = new Map<number, Region>();
    /** The map whose handle region is at each region slot (a map pointer's high half names it). */
    const mapBySlot: (KMap | undefined)[] = [];
    const handleOf = (m: KMap): Region => {
      let r = handles.get(m.id);
      if (!r) {
        r = space.map(new Uint8Array(8), { name: `map:${m.name || m.id}`, writable: false });
        handles.set(m.id, r);
        mapBySlot[r.slot] = m;
      }
      return r;
    };
    /** Per map, the region of each value chunk, mapped on first use. */
    const chunkRegions = new Map<KMap, (Region | undefined)[]>();
    let lastMap: KMap | undefined;
    let lastRegions: (Region | undefined)[] = [];
    /** The region of chunk `c` of the map's arena, or undefined (no arena, or no such chunk yet). */
    const chunkRegion = (m: KMap, c: number): Region | undefined => {
      let rs = lastRegions;
      if (m !== lastMap) {
        let got = chunkRegions.get(m);
        if (got === undefined) {
          got = [];
          chunkRegions.set(m, got);
        }
        rs = got;
        lastMap = m;
        lastRegions = got;
      }
      const r = rs[c];
      if (r !== undefined) return r;
      const bytes = m.impl.arena?.chunks[c];
      if (!bytes) return undefined;
      const region = space.map(bytes, { name: `map:${m.name || m.id}[${c}]` });
      rs[c] = region;
      return region;
    };
    /** The address of arena location `loc` (chunk * 2^32 + offset) of a map. */
    const locAddr = (m: KMap, loc: number): bigint | undefined => {
      const c = Math.floor(loc / ARENA_CHUNK_SPAN);
      const r = chunkRegion(m, c);
      return r ? r.addr + BigInt(loc % ARENA_CHUNK_SPAN) : undefined;
    };
    /** Writes the address of byte `off` of value chunk `c` into R0 (NULL when there is none). */
    const setValuePtr = (r: Int32Array, m: KMap, c: number, off: number): void => {
      const region = chunkRegion(m, c);
      if (region === undefined) {
        r[0] = 0;
        r[1] = 0;
        return;
      }
      r[0] = off;
      r[1] = region.hi | 0;
    };
    /** convert_pseudo_ld_imm64 + loading for the VM: map references become addresses in `space`. */
    const prepared = new Map<number, Program | string>();
    const prepare = (kp: KProg): Program | string => {
      const done = prepared.get(kp.id);
      if (done !== undefined) return done;
      const maps = new Map<number, KMap>();
      for (const m of kp.init.usedMaps) maps.set(m.id, m);
      const insns: Insn[] = kp.init.insns.map((x) => ({ ...x }));
      // convert_ctx_accesses: context loads of data/data_end/data_meta read the kernel pointers
      if (req.packetPointers) convertPacketPointerLoads(insns, req.packetPointers, req.ctx.length);
      let out: Program | string | undefined;
      for (const [pc, ref] of kp.init.mapRefs) {
        const m = maps.get(ref.mapId) ?? req.maps.get(ref.mapId);
        const a = insns[pc];
        const b = insns[pc + 1];
        if (!m || !a || !b) {
          out = `insn ${pc}: map ${ref.mapId} not available`;
          break;
        }
        let addr: bigint | undefined = handleOf(m).addr;
        if (ref.value) {
          const arena = m.impl.arena;
          addr = arena
            ? locAddr(m, arena.loc(Math.floor(ref.off / arena.stride), ref.off % arena.stride))
            : undefined;
          if (addr === undefined) {
            out = `insn ${pc}: map ${ref.mapId} has no direct value`;
            break;
          }
        }
        a.src = 0;
        a.imm = Number(addr & 0xffffffffn) | 0;
        b.imm = Number(addr >> 32n) | 0;
      }
      if (out === undefined) {
        try {
          out = loadProgram(insns);
        } catch (e) {
          out = e instanceof VmLoadError ? e.message : String(e);
        }
      }
      prepared.set(kp.id, out);
      return out;
    };
    const prog = prepare(req.prog);
    if (typeof prog === 'string') return { ok: false, errno: ERRNO.EINVAL, reason: prog };
    // The context plus three 8-byte slots for packet pointers (see ctx-convert.ts).
    const ctxBytes = new Uint8Array(req.ctx.length + 24);
    ctxBytes.set(req.ctx);
    const ctxRegion = space.map(ctxBytes, { name: 'ctx' });
    const pktRegion = req.packet ? space.map(req.packet, { name: 'packet' }) : undefined;
    if (pktRegion && req.packet) {
      const dv = new DataView(ctxBytes.buffer);
      const meta = req.packetMeta ?? 0;
      dv.setBigUint64(req.ctx.length, pktRegion.addr + BigInt(meta), true);
      dv.setBigUint64(req.ctx.length + 8, pktRegion.addr + BigInt(req.packet.length), true);
      dv.setBigUint64(req.ctx.length + 16, pktRegion.addr, true);
    }
    // The map helpers read registers as halves and never allocate: the map by its handle's region
    // slot, keys and values through cached byte views of the regions.
    const mapOf = (r: Int32Array, i: number): KMap | undefined => {
      const slot = ((r[2 * i + 1] as number) - REGION_HI_BASE_I32) | 0;
      return slot >= 0 && slot < mapBySlot.length ? mapBySlot[slot] : undefined;
    };
    const views: (Uint8Array | undefined)[] = [];
    const viewOf: (DataView | undefined)[] = [];
    /**
     * The bytes of the region register `i` points into when `size` bytes fit there from its offset
     * (AddressSpace.resolve without the allocations), else undefined.
     */
    const bytesAt = (r: Int32Array, i: number, size: number): Uint8Array | undefined => {
      const slot = ((r[2 * i + 1] as number) - REGION_HI_BASE_I32) | 0;
      if (slot < 0 || slot >= space.rd.length) return undefined;
      const dv = space.rd[slot];
      if (dv === undefined) return undefined;
      let bytes = views[slot];
      if (viewOf[slot] !== dv || bytes === undefined) {
        bytes = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
        views[slot] = bytes;
        viewOf[slot] = dv;
      }
      return ((r[2 * i] as number) >>> 0) + size > bytes.length ? undefined : bytes;
    };
    const helpers = new Map<number, HelperFn>([
      [
        1,
        (r) => {
          const m = mapOf(r, 1);
          const impl = m?.impl;
          const k = impl && bytesAt(r, 2, impl.keySize);
          if (!m || !impl || !k || !impl.progLookup) return setR0Int(r, 0);
          const keyOff = (r[4] as number) >>> 0;
          if (impl instanceof HashTab) {
            const off = impl.progLookupOffset(k, keyOff, req.cpu);
            if (off < 0) return setR0Int(r, 0);
            return setValuePtr(r, m, impl.valueChunk, off);
          }
          const loc = impl.progLookup(k, keyOff, req.cpu);
          if (loc < 0) return setR0Int(r, 0);
          const c = loc < ARENA_CHUNK_SPAN ? 0 : Math.floor(loc / ARENA_CHUNK_SPAN);
          setValuePtr(r, m, c, loc - c * ARENA_CHUNK_SPAN);
        },
      ],
      [
        2,
        (r) => {
          const impl = mapOf(r, 1)?.impl;
          const k = impl && bytesAt(r, 2, impl.keySize);
          const v = impl && bytesAt(r, 3, impl.valueSize);
          if (!impl || !k || !v || !impl.progUpdate) return setR0Int(r, -ERRNO.EINVAL);
          // flags above 32 bits are invalid for every map: the ops see them as the all-ones word
          const flags = r[9] === 0 ? (r[8] as number) >>> 0 : 0xffffffff;
          const keyOff = (r[4] as number) >>> 0;
          const valOff = (r[6] as number) >>> 0;
          setR0Int(r, impl.progUpdate(k, keyOff, v, valOff, flags, req.cpu));
        },
      ],
      [
        3,
        (r) => {
          const impl = mapOf(r, 1)?.impl;
          const k = impl && bytesAt(r, 2, impl.keySize);
          if (!impl || !k || !impl.progDelete) return setR0Int(r, -ERRNO.EINVAL);
          setR0Int(r, impl.progDelete(k, (r[4] as number) >>> 0));
        },
      ],
      [
        12,
        (r, env) => {
          // bpf_tail_call(ctx, prog_array, index): on success the program is replaced; on failure
          // execution continues after the call.
          const m = mapOf(r, 2);
          const fdArray = m?.impl as { entry?: (i: number) => unknown } | undefined;
          const target = fdArray?.entry?.(Number(BigInt.asUintN(32, arg(r, 3)))) as MapProgRef | undefined;
          const kp = target?.program;
          if (!(kp instanceof KProg) || kp.freed) return;
          const next = prepare(kp);
          if (typeof next !== 'string') env.tailCall(next);
        },
      ],
      [5, (r) => setR0(r, req.ktimeNs())],
      [7, (r) => setR0(r, BigInt(req.prandomU32()))],
      [8, (r) => setR0(r, BigInt(req.cpu))],
      [125, (r) => setR0(r, req.ktimeNs())],
      [160, (r) => setR0(r, req.ktimeNs())],
    ]);
    for (const [id, fn] of req.extraHelpers ?? []) helpers.set(id, fn);
    // bpf_test_run's loop: every run starts from the same context and packet.
    const repeat = Math.max(1, req.repeat ?? 1);
    const ctx0 = ctxBytes.slice();
    const pkt0 = req.packet?.slice();
    let insnsTotal = 0;
    let res: ReturnType<typeof runProgram> | undefined;
    for (let i = 0; i < repeat; i++) {
      if (i > 0) {
        ctxBytes.set(ctx0);
        if (req.packet && pkt0) req.packet.set(pkt0);
      }
      res = runProgram(prog, {
        engine: this.engine,
        space,
        args: [ctxRegion.addr],
        packet: pktRegion,
        helpers,
        budget: RUN_BUDGET,
      });
      insnsTotal += res.insns;
      if (res.kind !== 'exit') break;
    }
    if (!res) return { ok: false, errno: ERRNO.EINVAL, reason: 'no run' };
    req.ctx.set(ctxBytes.subarray(0, req.ctx.length));
    if (res.kind === 'exit') {
      return {
        ok: true,
        retval: Number(res.r0 & 0xffffffffn),
        ctx: req.ctx,
        packet: req.packet,
        insns: insnsTotal,
      };
    }
    if (res.kind === 'budget')
      return { ok: false, errno: ERRNO.ETIMEDOUT, reason: `instruction budget exhausted at insn ${res.pc}` };
    return { ok: false, errno: ERRNO.EFAULT, reason: `insn ${res.pc}: ${res.reason}` };
  }
}
