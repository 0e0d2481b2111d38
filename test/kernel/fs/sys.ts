/**
 * Test helpers for the syscall engine: a task whose syscalls take strings and buffers (placed in
 * its memory), and the same calls on the real kernel through the C library (for differential tests).
 */
import { loadLibc } from '../../../src/kernel/backend/ffi.js';
import { Kernel } from '../../../src/kernel/kernel.js';
import { NR } from '../../../src/kernel/syscall-entry.js';
import type { Task } from '../../../src/kernel/task.js';

/** An argument: a number, a string (passed as a NUL-terminated C string) or a buffer. */
export type Arg = number | bigint | string | Uint8Array;

/** A simulated task with a syscall helper; buffers passed are copied back after each call. */
export function simTask(spawn: { uid?: number; caps?: 'all' | 'none' } = {}): {
  kernel: Kernel;
  task: Task;
  call: (name: keyof typeof NR, ...args: Arg[]) => number;
} {
  const kernel = new Kernel();
  const task = kernel.spawn({ uid: spawn.uid ?? 0, caps: spawn.caps ?? (spawn.uid ? 'none' : 'all') });
  const base = task.mmap(1 << 16);
  const call = (name: keyof typeof NR, ...args: Arg[]): number => {
    let off = 0;
    const back: [Uint8Array, number][] = [];
    const regs = args.map((a) => {
      if (typeof a === 'number' || typeof a === 'bigint') return a;
      const bytes = typeof a === 'string' ? new TextEncoder().encode(`${a}\0`) : a;
      const addr = base + off;
      task.mem.copyToUser(addr, bytes);
      off += (bytes.length + 15) & ~15;
      if (typeof a !== 'string') back.push([a, addr]);
      return addr;
    });
    const out = task.syscall(NR[name], regs);
    for (const [b, addr] of back) {
      const got = task.mem.copyFromUser(addr, b.length);
      if (typeof got !== 'number') b.set(got);
    }
    if (out.notEmulated) throw new Error(`${name}: not emulated`);
    return out.ret;
  };
  return { kernel, task, call };
}

/** The same helper on the real kernel (x86_64 numbers): -errno on failure. */
export async function hostCaller(): Promise<(name: keyof typeof NR, ...args: Arg[]) => number> {
  const libc = await loadLibc();
  return (name, ...args) => {
    const keep: Uint8Array[] = [];
    const regs = args.map((a) => {
      if (typeof a === 'number') return a;
      if (typeof a === 'bigint') return Number(a);
      const bytes = typeof a === 'string' ? new TextEncoder().encode(`${a}\0`) : a;
      keep.push(bytes);
      return libc.address(bytes);
    });
    const r = libc.syscall(NR[name], regs[0] ?? 0, regs[1] ?? 0, regs[2] ?? 0, regs[3] ?? 0);
    keep.length = 0; // the buffers stayed referenced until the call returned
    return r;
  };
}
