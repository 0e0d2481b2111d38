/**
 * Object lifecycle (kernel/bpf/syscall.c bpf_map_put/bpf_prog_put, kernel/bpf/inode.c pins): after
 * any sequence of operations, closing every fd and unpinning everything frees every object and
 * returns all accounted memory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRaw, insn } from '../../src/isa/insn.js';
import { pinFd } from '../../src/kernel/api/map.js';
import type { Task } from '../../src/kernel/task.js';
import { setup } from './helpers.js';

/** A socket filter that references map `fd` with BPF_LD_IMM64 (BPF_PSEUDO_MAP_FD) and returns 0. */
function progUsing(fd: number): Uint8Array {
  return encodeRaw([
    insn(0x18, 1, 1, 0, fd),
    insn(0, 0, 0, 0, 0),
    insn(0xb7, 0, 0, 0, 0),
    insn(0x95, 0, 0, 0, 0),
  ]);
}

type Op =
  | { k: 'map'; type: 'hash' | 'array' }
  | { k: 'prog'; pick: number }
  | { k: 'dup'; pick: number }
  | { k: 'close'; pick: number }
  | { k: 'pin'; pick: number; name: number }
  | { k: 'unpin'; name: number }
  | { k: 'get'; name: number }
  | { k: 'fork' }
  | { k: 'exit'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('map' as const), type: fc.constantFrom('hash' as const, 'array' as const) }),
  fc.record({ k: fc.constant('prog' as const), pick: fc.nat(20) }),
  fc.record({ k: fc.constant('dup' as const), pick: fc.nat(20) }),
  fc.record({ k: fc.constant('close' as const), pick: fc.nat(20) }),
  fc.record({ k: fc.constant('pin' as const), pick: fc.nat(20), name: fc.nat(3) }),
  fc.record({ k: fc.constant('unpin' as const), name: fc.nat(3) }),
  fc.record({ k: fc.constant('get' as const), name: fc.nat(3) }),
  fc.record({ k: fc.constant('fork' as const) }),
  fc.record({ k: fc.constant('exit' as const), pick: fc.nat(5) }),
);

function apply(tasks: Task[], op: Op): void {
  const t = tasks[0] as Task;
  const fds = t.fds.openFds().filter((fd) => fd > 2);
  const pickFd = (n: number): number | undefined => (fds.length ? fds[n % fds.length] : undefined);
  switch (op.k) {
    case 'map':
      t.createMap({ type: op.type, keySize: 4, valueSize: 8, maxEntries: 4 });
      return;
    case 'prog': {
      const fd = pickFd(op.pick);
      if (fd === undefined || t.fds.get(fd)?.kind !== 'map') return;
      t.loadProgram({ type: 'socket_filter', insns: progUsing(fd) });
      return;
    }
    case 'dup': {
      const fd = pickFd(op.pick);
      if (fd !== undefined) t.dup(fd);
      return;
    }
    case 'close': {
      const fd = pickFd(op.pick);
      if (fd !== undefined) t.close(fd);
      return;
    }
    case 'pin': {
      const fd = pickFd(op.pick);
      if (fd === undefined) return;
      const file = t.fds.get(fd);
      try {
        if (file?.kind === 'map' || file?.kind === 'prog') pinFd(t, fd, `/sys/fs/bpf/o${op.name}`);
      } catch {
        // EEXIST for an existing name is part of the sequence.
      }
      return;
    }
    case 'unpin':
      t.unlink(`/sys/fs/bpf/o${op.name}`);
      return;
    case 'get':
      try {
        t.getPinned(`/sys/fs/bpf/o${op.name}`);
      } catch {
        // ENOENT when nothing is pinned there.
      }
      return;
    case 'fork':
      tasks.push(t.fork());
      return;
    case 'exit': {
      const child = tasks[1 + (op.pick % Math.max(1, tasks.length - 1))];
      if (child && tasks.length > 1) {
        child.exit();
        tasks.splice(tasks.indexOf(child), 1);
      }
      return;
    }
  }
}

describe('refcounts and accounting', () => {
  it('a program keeps its map alive after the map fd is closed', () => {
    const { kernel, task } = setup();
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 });
    const p = task.loadProgram({ type: 'socket_filter', insns: progUsing(m.fd) });
    m.close();
    expect(kernel.maps.size).toBe(1);
    p.close();
    expect(kernel.maps.size).toBe(0);
    expect(kernel.progs.size).toBe(0);
    expect(kernel.chargedBytes()).toBe(0);
  });
  it('a pin keeps an object alive until unlinked', () => {
    const { kernel, task } = setup();
    const m = task.createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4 });
    m.pin('/sys/fs/bpf/m');
    m.close();
    expect(kernel.maps.size).toBe(1);
    expect(task.unlink('/sys/fs/bpf/m')).toBe(0);
    expect(kernel.maps.size).toBe(0);
  });
  it('after any sequence, closing every fd and unpinning frees everything (property)', () => {
    for (const profile of ['6.18', '4.x'] as const) {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
          const { kernel, task } = setup({ profile });
          const tasks = [task];
          for (const op of ops) apply(tasks, op);
          for (const t of tasks) t.exit();
          const root = kernel.spawn();
          for (const { path } of kernel.bpffs.pinned()) expect(root.unlink(path)).toBe(0);
          expect(kernel.maps.size).toBe(0);
          expect(kernel.progs.size).toBe(0);
          expect(kernel.chargedBytes()).toBe(0);
        }),
        { numRuns: 60 },
      );
    }
  });
});
