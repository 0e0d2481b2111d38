/**
 * Test helpers: a root task and a way to call bpf() with raw attr bytes placed in its memory.
 */
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { BPF_ATTR_SIZE } from '../../src/kernel/attr/layout.js';
import { Kernel, type KernelOptions, type SpawnOptions } from '../../src/kernel/kernel.js';
import type { Task } from '../../src/kernel/task.js';

/** A kernel and one task. */
export function setup(
  opts: KernelOptions = {},
  spawn: SpawnOptions = { uid: 0, caps: 'all' },
): { kernel: Kernel; task: Task } {
  const kernel = new Kernel(opts);
  return { kernel, task: kernel.spawn(spawn) };
}

/** Places `bytes` in fresh task memory and returns the address. */
export function put(task: Task, bytes: Uint8Array): number {
  const a = task.mmap(Math.max(bytes.length, 1));
  if (a < 0) throw new Error(`mmap failed ${a}`);
  task.mem.copyToUser(a, bytes);
  return a;
}

/** bpf(cmd, attr, size) with the attr written to memory; returns the result and the attr afterwards. */
export function rawBpf(
  task: Task,
  cmd: number,
  attr: BpfAttr | Uint8Array,
  size = BPF_ATTR_SIZE,
): { ret: number; out: BpfAttr } {
  const bytes = attr instanceof BpfAttr ? attr.bytes : attr;
  const buf = new Uint8Array(Math.max(size, bytes.length, 1));
  buf.set(bytes.subarray(0, buf.length));
  const addr = put(task, buf);
  const ret = task.bpf(cmd, addr, size);
  const back = task.mem.copyFromUser(addr, Math.min(buf.length, BPF_ATTR_SIZE));
  return { ret, out: new BpfAttr(typeof back === 'number' ? undefined : back) };
}

/** Hex string to bytes. */
export function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
