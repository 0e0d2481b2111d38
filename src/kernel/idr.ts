/**
 * @fileoverview Object id allocation.
 *
 * Models lib/idr.c `idr_alloc_cyclic(&map_idr, map, 1, INT_MAX, ...)` as used by
 * kernel/bpf/syscall.c `bpf_map_alloc_id`/`bpf_prog_alloc_id`, `idr_find` and `idr_get_next`.
 */

const INT_MAX = 0x7fffffff;

/** An id table with cyclic allocation in [1, INT_MAX). */
export class Idr<T> {
  private readonly items = new Map<number, T>();
  private next = 1;

  /**
   * Models `idr_alloc_cyclic`: the next free id at or after the last one handed out (wrapping);
   * `make` builds the item for that id.
   */
  alloc(make: (id: number) => T): T {
    let id = this.next;
    for (;;) {
      if (id >= INT_MAX) id = 1;
      if (!this.items.has(id)) break;
      id++;
    }
    const item = make(id);
    this.items.set(id, item);
    this.next = id + 1;
    return item;
  }

  /** Models `idr_remove`. */
  remove(id: number): void {
    this.items.delete(id);
  }

  /** Models `idr_find`. */
  find(id: number): T | undefined {
    return this.items.get(id);
  }

  /** Models `idr_get_next`: the smallest used id >= `id`, or undefined. */
  nextId(id: number): number | undefined {
    let best: number | undefined;
    for (const k of this.items.keys()) if (k >= id && (best === undefined || k < best)) best = k;
    return best;
  }

  /** Number of live ids. */
  get size(): number {
    return this.items.size;
  }

  /** Live items. */
  values(): IterableIterator<T> {
    return this.items.values();
  }
}
