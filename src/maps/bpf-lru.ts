/**
 * @fileoverview The LRU element allocator behind LRU_HASH and LRU_PERCPU_HASH.
 *
 * Models kernel/bpf/bpf_lru_list.c (Linux 6.16+, with `target_free`): a common LRU (one global
 * active/inactive/free list set plus per-CPU local free and pending lists, stealing round-robin) or,
 * with BPF_F_NO_COMMON_LRU, one list set per CPU. Nodes are the hash table's element slots; the
 * lists are intrusive doubly-linked lists over index arrays, list heads being extra indices, so the
 * order of every list_add/list_move is the kernel's and eviction picks the same victims.
 */

const LOCAL_FREE_TARGET = 128;
const LOCAL_NR_SCANS = LOCAL_FREE_TARGET;
const PERCPU_FREE_TARGET = 4;
const PERCPU_NR_SCANS = PERCPU_FREE_TARGET;

/** Models bpf_lru_list.h `enum bpf_lru_list_type`. */
const T = { ACTIVE: 0, INACTIVE: 1, FREE: 2, LOCAL_FREE: 3, LOCAL_PENDING: 4 } as const;

/** Models `struct bpf_lru_list`: three list heads, counts, next_inactive_rotation. */
interface LruList {
  heads: [number, number, number];
  counts: [number, number];
  nextInactiveRotation: number;
}

/** Models `struct bpf_lru_locallist`. */
interface LocalList {
  free: number;
  pending: number;
  nextSteal: number;
}

/** Models `struct bpf_lru`. */
export class BpfLru {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly type: Uint8Array;
  private readonly ref: Uint8Array;
  private readonly cpu: Int32Array;
  private nHeads = 0;
  private readonly nrScans: number;
  private readonly targetFree: number;
  private readonly common: LruList | undefined;
  private readonly locals: LocalList[] = [];
  private readonly percpuLists: LruList[] = [];

  /**
   * @param percpu BPF_F_NO_COMMON_LRU
   * @param nrElems number of element slots (0..nrElems-1), all free initially
   * @param delFromHtab models `htab_lru_map_delete_node`: unlinks the element if present
   */
  constructor(
    readonly percpu: boolean,
    private readonly ncpus: number,
    nrElems: number,
    private readonly delFromHtab: (slot: number) => boolean,
  ) {
    const nHeadsMax = percpu ? 3 * ncpus : 3 + 2 * ncpus;
    const n = nrElems + nHeadsMax;
    this.prev = new Int32Array(n);
    this.next = new Int32Array(n);
    this.type = new Uint8Array(nrElems);
    this.ref = new Uint8Array(nrElems);
    this.cpu = new Int32Array(nrElems);
    this.nHeads = nrElems;
    this.nrScans = percpu ? PERCPU_NR_SCANS : LOCAL_NR_SCANS;
    if (percpu) {
      for (let c = 0; c < ncpus; c++) this.percpuLists.push(this.newList());
      // bpf_percpu_lru_populate
      const pcpuEntries = Math.floor(nrElems / ncpus);
      let i = 0;
      for (let c = 0; c < ncpus && i < nrElems; c++) {
        const l = this.percpuLists[c]!;
        do {
          this.cpu[i] = c;
          this.type[i] = T.FREE;
          this.ref[i] = 0;
          this.listAdd(i, l.heads[T.FREE]);
          i++;
        } while (i < nrElems && i % pcpuEntries !== 0);
      }
      this.targetFree = PERCPU_FREE_TARGET;
    } else {
      this.common = this.newList();
      for (let c = 0; c < ncpus; c++) {
        this.locals.push({ free: this.newHead(), pending: this.newHead(), nextSteal: c });
      }
      // bpf_common_lru_populate
      for (let i = 0; i < nrElems; i++) {
        this.type[i] = T.FREE;
        this.ref[i] = 0;
        this.listAdd(i, this.common.heads[T.FREE]);
      }
      this.targetFree = Math.min(Math.max(Math.floor(Math.floor(nrElems / ncpus) / 2), 1), LOCAL_FREE_TARGET);
    }
  }

  // ---- list_head primitives ----

  private newHead(): number {
    const h = this.nHeads++;
    this.prev[h] = h;
    this.next[h] = h;
    return h;
  }

  private newList(): LruList {
    const heads: [number, number, number] = [this.newHead(), this.newHead(), this.newHead()];
    return { heads, counts: [0, 0], nextInactiveRotation: heads[T.INACTIVE] };
  }

  private listAdd(node: number, head: number): void {
    const first = this.next[head]!;
    this.next[node] = first;
    this.prev[node] = head;
    this.prev[first] = node;
    this.next[head] = node;
  }

  private listDel(node: number): void {
    const p = this.prev[node]!;
    const n = this.next[node]!;
    this.next[p] = n;
    this.prev[n] = p;
  }

  private listMove(node: number, head: number): void {
    this.listDel(node);
    this.listAdd(node, head);
  }

  private isLocalType(t: number): boolean {
    return t >= T.LOCAL_FREE;
  }

  // ---- node moves ----

  private countInc(l: LruList, t: number): void {
    if (t < 2) l.counts[t as 0 | 1]++;
  }

  private countDec(l: LruList, t: number): void {
    if (t < 2) l.counts[t as 0 | 1]--;
  }

  /** Models `__bpf_lru_node_move_to_free`. */
  private moveToFree(l: LruList, node: number, freeList: number, tgtType: number): void {
    if (this.isLocalType(this.type[node]!)) return;
    if (node === l.nextInactiveRotation) l.nextInactiveRotation = this.prev[node]!;
    this.countDec(l, this.type[node]!);
    this.type[node] = tgtType;
    this.listMove(node, freeList);
  }

  /** Models `__bpf_lru_node_move_in`. */
  private moveIn(l: LruList, node: number, tgtType: number): void {
    if (!this.isLocalType(this.type[node]!)) return;
    this.countInc(l, tgtType);
    this.type[node] = tgtType;
    this.ref[node] = 0;
    this.listMove(node, l.heads[tgtType as 0 | 1 | 2]);
  }

  /** Models `__bpf_lru_node_move`. */
  private move(l: LruList, node: number, tgtType: number): void {
    if (this.isLocalType(this.type[node]!)) return;
    if (this.type[node] !== tgtType) {
      this.countDec(l, this.type[node]!);
      this.countInc(l, tgtType);
      this.type[node] = tgtType;
    }
    this.ref[node] = 0;
    if (node === l.nextInactiveRotation) l.nextInactiveRotation = this.prev[node]!;
    this.listMove(node, l.heads[tgtType as 0 | 1 | 2]);
  }

  /** Models `__bpf_lru_list_rotate_active`. */
  private rotateActive(l: LruList): void {
    const active = l.heads[T.ACTIVE];
    const first = this.next[active]!;
    let i = 0;
    for (
      let node = this.prev[active]!, tmp = this.prev[node]!;
      node !== active;
      node = tmp, tmp = this.prev[node]!
    ) {
      this.move(l, node, this.ref[node] ? T.ACTIVE : T.INACTIVE);
      if (++i === this.nrScans || node === first) break;
    }
  }

  /** Models `__bpf_lru_list_rotate_inactive`. */
  private rotateInactive(l: LruList): void {
    const inactive = l.heads[T.INACTIVE];
    if (this.next[inactive] === inactive) return;
    let last = this.next[l.nextInactiveRotation]!;
    if (last === inactive) last = this.next[last]!;
    let cur = l.nextInactiveRotation;
    let next = inactive;
    let i = 0;
    while (i < this.nrScans) {
      if (cur === inactive) {
        cur = this.prev[cur]!;
        continue;
      }
      next = this.prev[cur]!;
      if (this.ref[cur]) this.move(l, cur, T.ACTIVE);
      if (cur === last) break;
      cur = next;
      i++;
    }
    l.nextInactiveRotation = next;
  }

  /** Models `__bpf_lru_list_rotate`. */
  private rotate(l: LruList): void {
    if (l.counts[T.INACTIVE] < l.counts[T.ACTIVE]) this.rotateActive(l);
    this.rotateInactive(l);
  }

  /** Models `__bpf_lru_list_shrink_inactive`. */
  private shrinkInactive(l: LruList, tgt: number, freeList: number, tgtType: number): number {
    const inactive = l.heads[T.INACTIVE];
    let nshrinked = 0;
    let i = 0;
    for (
      let node = this.prev[inactive]!, tmp = this.prev[node]!;
      node !== inactive;
      node = tmp, tmp = this.prev[node]!
    ) {
      if (this.ref[node]) {
        this.move(l, node, T.ACTIVE);
      } else if (this.delFromHtab(node)) {
        this.moveToFree(l, node, freeList, tgtType);
        if (++nshrinked === tgt) break;
      }
      if (++i === this.nrScans) break;
    }
    return nshrinked;
  }

  /** Models `__bpf_lru_list_shrink`. */
  private shrink(l: LruList, tgt: number, freeList: number, tgtType: number): number {
    const n = this.shrinkInactive(l, tgt, freeList, tgtType);
    if (n) return n;
    const inactive = l.heads[T.INACTIVE];
    const force = this.next[inactive] !== inactive ? inactive : l.heads[T.ACTIVE];
    for (
      let node = this.prev[force]!, tmp = this.prev[node]!;
      node !== force;
      node = tmp, tmp = this.prev[node]!
    ) {
      if (this.delFromHtab(node)) {
        this.moveToFree(l, node, freeList, tgtType);
        return 1;
      }
    }
    return 0;
  }

  // ---- common LRU ----

  /** Models `__local_list_flush`. */
  private localFlush(l: LruList, loc: LocalList): void {
    const pending = loc.pending;
    for (
      let node = this.prev[pending]!, tmp = this.prev[node]!;
      node !== pending;
      node = tmp, tmp = this.prev[node]!
    ) {
      this.moveIn(l, node, this.ref[node] ? T.ACTIVE : T.INACTIVE);
    }
  }

  /** Models `bpf_lru_list_pop_free_to_local`. */
  private popFreeToLocal(loc: LocalList): void {
    const l = this.common!;
    this.localFlush(l, loc);
    this.rotate(l);
    let nfree = 0;
    const free = l.heads[T.FREE];
    for (
      let node = this.next[free]!, tmp = this.next[node]!;
      node !== free;
      node = tmp, tmp = this.next[node]!
    ) {
      this.moveToFree(l, node, loc.free, T.LOCAL_FREE);
      if (++nfree === this.targetFree) break;
    }
    if (nfree < this.targetFree) this.shrink(l, this.targetFree - nfree, loc.free, T.LOCAL_FREE);
  }

  private localPopFree(loc: LocalList): number {
    const node = this.next[loc.free]!;
    if (node === loc.free) return -1;
    this.listDel(node);
    return node;
  }

  /** Models `__local_list_pop_pending`. */
  private localPopPending(loc: LocalList): number {
    for (let force = 0; force < 2; force++) {
      for (let node = this.prev[loc.pending]!; node !== loc.pending; node = this.prev[node]!) {
        if ((!this.ref[node] || force) && this.delFromHtab(node)) {
          this.listDel(node);
          return node;
        }
      }
    }
    return -1;
  }

  /** Models `__local_list_add_pending`. */
  private addPending(loc: LocalList, cpu: number, node: number): void {
    this.cpu[node] = cpu;
    this.type[node] = T.LOCAL_PENDING;
    this.ref[node] = 0;
    this.listAdd(node, loc.pending);
  }

  /** Models `bpf_common_lru_pop_free`. */
  private commonPopFree(cpu: number): number {
    const loc = this.locals[cpu]!;
    let node = this.localPopFree(loc);
    if (node < 0) {
      this.popFreeToLocal(loc);
      node = this.localPopFree(loc);
    }
    if (node >= 0) {
      this.addPending(loc, cpu, node);
      return node;
    }
    const first = loc.nextSteal;
    let steal = first;
    do {
      const sl = this.locals[steal]!;
      node = this.localPopFree(sl);
      if (node < 0) node = this.localPopPending(sl);
      steal = (steal + 1) % this.ncpus;
    } while (node < 0 && steal !== first);
    loc.nextSteal = steal;
    if (node >= 0) this.addPending(loc, cpu, node);
    return node;
  }

  /** Models `bpf_percpu_lru_pop_free`. */
  private percpuPopFree(cpu: number): number {
    const l = this.percpuLists[cpu]!;
    this.rotate(l);
    const free = l.heads[T.FREE];
    if (this.next[free] === free) this.shrink(l, PERCPU_FREE_TARGET, free, T.FREE);
    const node = this.next[free]!;
    if (node === free) return -1;
    this.ref[node] = 0;
    this.move(l, node, T.INACTIVE);
    return node;
  }

  /** Models `bpf_lru_pop_free`: a free slot (possibly evicting one) or -1. `hash` is stored by the caller. */
  popFree(_hash: number, cpu: number): number {
    const c = cpu >= 0 && cpu < this.ncpus ? cpu : 0;
    return this.percpu ? this.percpuPopFree(c) : this.commonPopFree(c);
  }

  /** Models `bpf_lru_push_free`. */
  pushFree(node: number): void {
    if (this.percpu) {
      this.move(this.percpuLists[this.cpu[node]!]!, node, T.FREE);
      return;
    }
    const t = this.type[node];
    if (t === T.FREE || t === T.LOCAL_FREE) return;
    if (t === T.LOCAL_PENDING) {
      this.type[node] = T.LOCAL_FREE;
      this.ref[node] = 0;
      this.listMove(node, this.locals[this.cpu[node]!]!.free);
      return;
    }
    this.move(this.common!, node, T.FREE);
  }

  /** Models `bpf_lru_node_set_ref`. */
  setRef(node: number): void {
    this.ref[node] = 1;
  }
}
