/**
 * @fileoverview Scratch user memory for the friendly API: it builds `union bpf_attr` and buffers
 * in the task's own address space and calls the raw syscall, as libbpf does in a process.
 */
import { BpfAttr } from '../attr/codec.js';
import { BPF_ATTR_SIZE } from '../attr/layout.js';
import { BpfError } from '../errors.js';
import type { Task } from '../task.js';

/** A bump allocator over one mapping of the task's memory, released by {@link Scratch.release}. */
export class Scratch {
  private readonly base: number;
  private used = 0;

  constructor(
    private readonly task: Task,
    private readonly size: number,
  ) {
    const a = task.mmap(Math.max(size, 1));
    if (a < 0) throw new RangeError(`cannot map ${size} bytes of scratch memory (${a})`);
    this.base = a;
  }

  /** Reserves `n` bytes (8-aligned) and optionally fills them; returns the address. */
  put(n: number, bytes?: Uint8Array): number {
    const addr = this.base + this.used;
    this.used += Math.ceil(Math.max(n, 1) / 8) * 8;
    if (this.used > this.size) throw new RangeError('scratch memory exhausted');
    if (bytes) this.task.mem.copyToUser(addr, bytes.subarray(0, n));
    return addr;
  }

  /** Reads bytes back. */
  get(addr: number, n: number): Uint8Array {
    const b = this.task.mem.copyFromUser(addr, n);
    if (typeof b === 'number') throw new RangeError('scratch read faulted');
    return b;
  }

  release(): void {
    this.task.munmap(this.base, this.size);
  }
}

/** Runs `fn` with a scratch area of `size` bytes, releasing it afterwards. */
export function withScratch<T>(task: Task, size: number, fn: (s: Scratch) => T): T {
  const s = new Scratch(task, size + BPF_ATTR_SIZE + 64);
  try {
    return fn(s);
  } finally {
    s.release();
  }
}

/**
 * Writes `attr` into scratch memory and calls `bpf(cmd, attr, sizeof(attr))`; returns the result
 * and the attr as the kernel left it. Throws {@link BpfError} on failure unless `noThrow`.
 */
export function sysBpfAttr(
  task: Task,
  s: Scratch,
  cmd: number,
  attr: BpfAttr,
): { ret: number; out: BpfAttr; addr: number } {
  const addr = s.put(BPF_ATTR_SIZE, attr.bytes);
  const ret = task.bpf(cmd, addr, BPF_ATTR_SIZE);
  return { ret, out: new BpfAttr(s.get(addr, BPF_ATTR_SIZE)), addr };
}

/** Throws a {@link BpfError} for a negative return. */
export function check(cmd: number, ret: number, log?: string): number {
  if (ret < 0) throw new BpfError(cmd, ret, log);
  return ret;
}
