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

/** A seccomp filter `nr == target ? action : ALLOW` as raw sock_filter bytes (ld [0]; jeq; ret; ret). */
export function filterFor(target: number, action: number): Uint8Array {
  const insns: [number, number, number, number][] = [
    [0x20, 0, 0, 0],
    [0x15, 0, 1, target],
    [0x06, 0, 0, action],
    [0x06, 0, 0, 0x7fff0000],
  ];
  const b = new Uint8Array(8 * insns.length);
  const dv = new DataView(b.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    dv.setUint16(8 * i, code, true);
    b[8 * i + 2] = jt;
    b[8 * i + 3] = jf;
    dv.setUint32(8 * i + 4, k >>> 0, true);
  });
  return b;
}

/** seccomp(SECCOMP_SET_MODE_FILTER, flags, &fprog) through the task's syscall path (nr 317). */
export function installFilter(task: Task, filter: Uint8Array, flags = 0): number {
  const fprog = new Uint8Array(16);
  const dv = new DataView(fprog.buffer);
  dv.setUint16(0, filter.length / 8, true);
  dv.setBigUint64(8, BigInt(put(task, filter)), true);
  return task.syscall(317, [1, flags, put(task, fprog)]).ret;
}
