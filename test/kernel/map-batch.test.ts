/**
 * Batch commands (kernel/bpf/syscall.c bpf_map_do_batch, generic_map_*_batch).
 */
import { describe, expect, it } from 'vitest';
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../src/kernel/attr/commands.js';
import { MAP_BATCH_ATTR as B } from '../../src/kernel/attr/layout.js';
import type { Task } from '../../src/kernel/task.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { put, rawBpf, setup } from './helpers.js';

const u32s = (...v: number[]): Uint8Array => {
  const b = new Uint8Array(4 * v.length);
  v.forEach((x, i) => {
    new DataView(b.buffer).setUint32(4 * i, x, true);
  });
  return b;
};

function batch(
  task: Task,
  cmd: number,
  fd: number,
  f: {
    keys?: number;
    values?: number;
    count: number;
    inBatch?: number;
    outBatch?: number;
    elemFlags?: number;
  },
) {
  const a = new BpfAttr()
    .set(B.map_fd, fd)
    .set(B.keys, f.keys ?? 0)
    .set(B.values, f.values ?? 0)
    .set(B.count, f.count)
    .set(B.in_batch, f.inBatch ?? 0)
    .set(B.out_batch, f.outBatch ?? 0)
    .set(B.elem_flags, f.elemFlags ?? 0);
  const r = rawBpf(task, cmd, a);
  return { ret: r.ret, count: r.out.u32(B.count) };
}

describe('map batch commands', () => {
  it('updates and looks up an array in batches; ENOENT when the walk ends', () => {
    const { task } = setup();
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 4 });
    const up = batch(task, BPF_CMD.MAP_UPDATE_BATCH, m.fd, {
      keys: put(task, u32s(0, 1, 2)),
      values: put(task, u32s(10, 11, 12)),
      count: 3,
    });
    expect(up).toEqual({ ret: 0, count: 3 });
    expect(m.lookup(2)).toEqual(u32s(12));
    const keys = task.mmap(64);
    const values = task.mmap(64);
    const out = task.mmap(8);
    const r = batch(task, BPF_CMD.MAP_LOOKUP_BATCH, m.fd, { keys, values, count: 8, outBatch: out });
    expect(r).toEqual({ ret: -ERRNO.ENOENT, count: 4 });
    expect(task.mem.copyFromUser(values, 16)).toEqual(u32s(10, 11, 12, 0));
  });
  it('stops an update batch at the first error and reports progress', () => {
    const { task } = setup();
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 2 });
    const r = batch(task, BPF_CMD.MAP_UPDATE_BATCH, m.fd, {
      keys: put(task, u32s(0, 5, 1)),
      values: put(task, u32s(1, 2, 3)),
      count: 3,
    });
    expect(r).toEqual({ ret: -ERRNO.E2BIG, count: 1 });
  });
  it('has no delete batch for arrays (ENOTSUPP) and rejects elem_flags other than BPF_F_LOCK', () => {
    const { task } = setup();
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 2 });
    expect(batch(task, BPF_CMD.MAP_DELETE_BATCH, m.fd, { count: 1 }).ret).toBe(-524);
    const h = task.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 4 });
    expect(batch(task, BPF_CMD.MAP_UPDATE_BATCH, h.fd, { count: 1, elemFlags: 1 }).ret).toBe(-ERRNO.EINVAL);
  });
  it('deletes and looks up-and-deletes hash elements', () => {
    const { task } = setup();
    const h = task.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 8 });
    for (let i = 0; i < 5; i++) h.update(i, 100 + i);
    expect(batch(task, BPF_CMD.MAP_DELETE_BATCH, h.fd, { keys: put(task, u32s(0, 1)), count: 2 })).toEqual({
      ret: 0,
      count: 2,
    });
    const keys = task.mmap(64);
    const values = task.mmap(64);
    const out = task.mmap(8);
    const r = batch(task, BPF_CMD.MAP_LOOKUP_AND_DELETE_BATCH, h.fd, {
      keys,
      values,
      count: 8,
      outBatch: out,
    });
    expect(r).toEqual({ ret: -ERRNO.ENOENT, count: 3 });
    expect([...h.keys()]).toEqual([]);
  });
});
