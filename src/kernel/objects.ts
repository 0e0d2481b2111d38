/**
 * @fileoverview Reference-counted bpf objects: maps and programs as the syscall layer tracks them.
 *
 * Models include/linux/bpf.h `struct bpf_map` (refcnt, usercnt, frozen, writecnt, id, name) around
 * a map type's instance, and `struct bpf_prog`/`bpf_prog_aux` (refcnt, id, tag, used maps, stats).
 * The put functions follow kernel/bpf/syscall.c: `bpf_map_put` frees on the last reference,
 * `bpf_map_put_uref` calls `map_release_uref` on the last user reference (a PROG_ARRAY clears its
 * entries), `__bpf_prog_put` drops used maps and frees the program.
 */
import type { Insn } from '../isa/insn.js';
import type { BpfMap as MapInstance } from '../maps/ops.js';
import type { Charge } from './accounting.js';

/** Models `struct bpf_map` as seen by syscall.c. */
export class KMap {
  /** `refcnt`: fds (through their files), pins, programs using the map. */
  refcnt = 1;
  /** `usercnt`: references held on behalf of user space (fds and pins). */
  usercnt = 1;
  frozen = false;
  /** Number of in-flight writers (`writecnt`), checked by MAP_FREEZE. */
  writecnt = 0;
  freed = false;

  constructor(
    readonly id: number,
    readonly impl: MapInstance,
    readonly name: string,
    /** `map_flags` without the fd-only RDONLY/WRONLY bits (`bpf_map_flags_retain_permanent`). */
    readonly mapFlags: number,
    readonly charge: Charge,
    private readonly onFree: (m: KMap) => void,
  ) {}

  get mapType(): number {
    return this.impl.mapType;
  }

  /** Models `bpf_map_inc`. */
  inc(): void {
    this.refcnt++;
  }

  /** Models `bpf_map_inc_with_uref`. */
  incWithUref(): void {
    this.refcnt++;
    this.usercnt++;
  }

  /** Models `bpf_map_put`: the last reference frees the map (id, memory, accounting). */
  put(): void {
    if (this.freed) return;
    this.refcnt--;
    if (this.refcnt === 0) {
      this.freed = true;
      this.impl.free?.();
      this.onFree(this);
    }
  }

  /** Models `bpf_map_put_uref`: on the last user reference calls `map_release_uref`. */
  putUref(): void {
    this.usercnt--;
    if (this.usercnt === 0) this.impl.releaseUref?.();
  }

  /** Models `bpf_map_put_with_uref`. */
  putWithUref(): void {
    this.putUref();
    this.put();
  }
}

/** Models `struct bpf_prog_stats` summed over CPUs. */
export interface ProgStats {
  nsecs: bigint;
  cnt: bigint;
  misses: bigint;
}

/** Everything a successful load produced; models `struct bpf_prog` + `bpf_prog_aux`. */
export interface KProgInit {
  readonly progType: number;
  readonly expectedAttachType: number;
  /** The instructions as loaded (raw bytes, map fds as user space wrote them). */
  readonly origBytes: Uint8Array;
  /** The instructions after the verifier/fixups (LD_IMM64 map references carry map ids in `imm`). */
  readonly insns: Insn[];
  readonly name: string;
  readonly license: string;
  readonly gplCompatible: boolean;
  readonly digest: Uint8Array;
  readonly tag: Uint8Array;
  readonly usedMaps: KMap[];
  /** `BPF_LD_IMM64` slots that reference a map: pc → map id and offset (0 for map pointers). */
  readonly mapRefs: ReadonlyMap<
    number,
    { readonly mapId: number; readonly value: boolean; readonly off: number }
  >;
  readonly verifiedInsns: number;
  readonly progFlags: number;
  /** `prog->pages` (memlock = pages * PAGE_SIZE). */
  readonly pages: number;
  readonly loadTimeNs: bigint;
  readonly uid: number;
  readonly jited: boolean;
  /** False when only the structural check ran (no verifier rewrote context accesses). */
  readonly fullyVerified: boolean;
}

/** A loaded program; models `struct bpf_prog`. */
export class KProg {
  refcnt = 1;
  freed = false;
  readonly stats: ProgStats = { nsecs: 0n, cnt: 0n, misses: 0n };

  constructor(
    readonly id: number,
    readonly init: KProgInit,
    readonly charge: Charge,
    private readonly onFree: (p: KProg) => void,
  ) {}

  get progType(): number {
    return this.init.progType;
  }

  /** Models `bpf_prog_inc`. */
  inc(): void {
    this.refcnt++;
  }

  /** Models `__bpf_prog_put`: the last reference releases the used maps and frees the program. */
  put(): void {
    if (this.freed) return;
    this.refcnt--;
    if (this.refcnt === 0) {
      this.freed = true;
      for (const m of this.init.usedMaps) m.put();
      this.onFree(this);
    }
  }
}
