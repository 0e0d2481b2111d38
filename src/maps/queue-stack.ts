/**
 * @fileoverview BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO).
 *
 * Models kernel/bpf/queue_stack_maps.c: `queue_stack_map_alloc_check`, the ring of
 * `max_entries + 1` slots with `head`/`tail`, `queue_stack_map_push_elem` (BPF_EXIST overwrites the
 * oldest element when full, else -E2BIG; BPF_NOEXIST is -EINVAL), `__queue_map_get`/`__stack_map_get`
 * (-ENOENT when empty), the element ops that refuse (-EINVAL) and `queue_stack_map_mem_usage`.
 * The bpf() syscall routes LOOKUP to peek, UPDATE to push and LOOKUP_AND_DELETE to pop.
 */
import { ERRNO } from '../uapi/errno.js';
import type { BpfMap, MapAttr, MapEnv, MapTypeOps } from './ops.js';
import { guardAlloc } from './ops.js';
import {
  BPF_F,
  BPF_F_ACCESS_MASK,
  BPF_MAP_TYPE,
  BPF_UPDATE,
  bpfMapFlagsAccessOk,
  KMALLOC_MAX_SIZE,
} from './uapi.js';

/** Models `QUEUE_STACK_CREATE_FLAG_MASK`. */
export const QUEUE_STACK_CREATE_FLAG_MASK = BPF_F.NUMA_NODE | BPF_F_ACCESS_MASK;
/** sizeof(struct bpf_queue_stack) on 6.18 x86_64 (queue 0/4/2 memlock 324 = 312 + 3 * 4). */
export const SIZEOF_BPF_QUEUE_STACK = 312;

/** Models `queue_stack_map_alloc_check`. */
export function queueStackAllocCheck(attr: MapAttr, _env?: MapEnv): number {
  if (
    attr.maxEntries === 0 ||
    attr.keySize !== 0 ||
    attr.valueSize === 0 ||
    attr.mapFlags & ~QUEUE_STACK_CREATE_FLAG_MASK ||
    !bpfMapFlagsAccessOk(attr.mapFlags)
  )
    return -ERRNO.EINVAL;
  if (attr.valueSize > KMALLOC_MAX_SIZE) return -ERRNO.E2BIG;
  return 0;
}

/** An allocated queue or stack. Models `struct bpf_queue_stack`. */
export class QueueStack implements BpfMap {
  readonly mapType: number;
  readonly keySize = 0;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra = 0n;
  readonly sysValueSize: number;
  readonly isStack: boolean;
  private head = 0;
  private tail = 0;
  /** `qs->size` = max_entries + 1. */
  private readonly size: number;
  private elements: Uint8Array;

  constructor(attr: MapAttr) {
    this.mapType = attr.mapType;
    this.valueSize = attr.valueSize;
    this.sysValueSize = attr.valueSize;
    this.maxEntries = attr.maxEntries;
    this.mapFlags = attr.mapFlags;
    this.isStack = attr.mapType === BPF_MAP_TYPE.STACK;
    this.size = attr.maxEntries + 1;
    this.elements = new Uint8Array(0);
  }

  /** Models `queue_stack_map_mem_usage`. */
  memUsage(): number {
    return SIZEOF_BPF_QUEUE_STACK + this.size * this.valueSize;
  }

  count(): number {
    return (this.head - this.tail + this.size) % this.size;
  }

  private isFull(): boolean {
    let head = this.head + 1;
    if (head >= this.size) head = 0;
    return head === this.tail;
  }

  private slot(i: number): number {
    const need = (i + 1) * this.valueSize;
    if (this.elements.length < need) {
      const grown = new Uint8Array(
        Math.min(this.size * this.valueSize, Math.max(need, this.elements.length * 2)),
      );
      grown.set(this.elements);
      this.elements = grown;
    }
    return i * this.valueSize;
  }

  /** Models `queue_stack_map_push_elem`. */
  push(value: Uint8Array, flags: number): number {
    if (flags & BPF_UPDATE.NOEXIST || flags > BPF_UPDATE.EXIST) return -ERRNO.EINVAL;
    if (this.isFull()) {
      if (!(flags & BPF_UPDATE.EXIST)) return -ERRNO.E2BIG;
      if (++this.tail >= this.size) this.tail = 0;
    }
    const o = this.slot(this.head);
    this.elements.set(value.subarray(0, this.valueSize), o);
    if (++this.head >= this.size) this.head = 0;
    return 0;
  }

  private get(del: boolean): Uint8Array | number {
    if (this.head === this.tail) return -ERRNO.ENOENT;
    let index: number;
    if (this.isStack) {
      index = this.head - 1;
      if (index < 0) index = this.size - 1;
    } else {
      index = this.tail;
    }
    const o = this.slot(index);
    const out = this.elements.slice(o, o + this.valueSize);
    if (del) {
      if (this.isStack) this.head = index;
      else if (++this.tail >= this.size) this.tail = 0;
    }
    return out;
  }

  /** Models `queue_map_pop_elem` / `stack_map_pop_elem`. */
  pop(): Uint8Array | number {
    return this.get(true);
  }

  /** Models `queue_map_peek_elem` / `stack_map_peek_elem`. */
  peek(): Uint8Array | number {
    return this.get(false);
  }

  /** Models `queue_stack_map_update_elem`: -EINVAL (the syscall uses push). */
  update(_key: Uint8Array, _value: Uint8Array, _flags: number): number {
    return -ERRNO.EINVAL;
  }

  /** Models `queue_stack_map_delete_elem`. */
  delete(_key: Uint8Array): number {
    return -ERRNO.EINVAL;
  }

  /** Models `queue_stack_map_get_next_key`. */
  getNextKey(_key: Uint8Array | undefined): Uint8Array | number {
    return -ERRNO.EINVAL;
  }
}

function alloc(attr: MapAttr): BpfMap | number {
  return guardAlloc(() => new QueueStack(attr));
}

function estimate(attr: MapAttr): number {
  return SIZEOF_BPF_QUEUE_STACK + (attr.maxEntries + 1) * attr.valueSize;
}

/** Models queue_stack_maps.c `queue_map_ops`. */
export const queueOps: MapTypeOps = {
  name: 'queue',
  allocCheck: queueStackAllocCheck,
  alloc,
  memUsageEstimate: estimate,
};
/** Models queue_stack_maps.c `stack_map_ops`. */
export const stackOps: MapTypeOps = {
  name: 'stack',
  allocCheck: queueStackAllocCheck,
  alloc,
  memUsageEstimate: estimate,
};
