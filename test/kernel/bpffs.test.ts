import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/kernel/errors.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { setup } from './helpers.js';

const errnoOf = (f: () => unknown): number | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof BpfError ? e.errno : -1;
  }
};
const BPF_F_RDONLY = 1 << 3;
const BPF_F_WRONLY = 1 << 4;

describe('bpffs pin/get (kernel/bpf/inode.c)', () => {
  it('pins under the mount with mode 0600 & ~umask, EEXIST twice, EPERM outside bpffs, ENOENT without parent', () => {
    const { task } = setup();
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    m.pin('/sys/fs/bpf/a');
    expect(task.kernel.bpffs.stat('/sys/fs/bpf/a')).toEqual({ mode: 0o100600, uid: 0, gid: 0 });
    expect(errnoOf(() => m.pin('/sys/fs/bpf/a'))).toBe(ERRNO.EEXIST);
    expect(errnoOf(() => m.pin('/tmp/a'))).toBe(ERRNO.EPERM);
    expect(errnoOf(() => m.pin('/sys/fs/bpf/nodir/a'))).toBe(ERRNO.ENOENT);
    expect(task.mkdir('/sys/fs/bpf/dir')).toBe(0);
    m.pin('/sys/fs/bpf/dir/a');
  });
  it('gets a pinned map with the requested access mode', () => {
    const { task } = setup();
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    m.update(0, 5);
    m.pin('/sys/fs/bpf/m');
    const ro = task.getPinned('/sys/fs/bpf/m', BPF_F_RDONLY);
    if (!('lookup' in ro)) throw new Error('expected a map');
    expect(ro.lookup(0)).toEqual(Uint8Array.of(5, 0, 0, 0));
    expect(errnoOf(() => ro.update(0, 6))).toBe(ERRNO.EPERM);
    const wo = task.getPinned('/sys/fs/bpf/m', BPF_F_WRONLY);
    if (!('lookup' in wo)) throw new Error('expected a map');
    expect(errnoOf(() => wo.lookup(0))).toBe(ERRNO.EPERM);
    wo.update(0, 6);
    expect(errnoOf(() => task.getPinned('/sys/fs/bpf/m', BPF_F_RDONLY | BPF_F_WRONLY))).toBe(ERRNO.EINVAL);
    expect(errnoOf(() => task.getPinned('/sys/fs/bpf/missing'))).toBe(ERRNO.ENOENT);
  });
  it('denies other users by the file mode (EACCES)', () => {
    const { kernel, task } = setup({ unprivilegedBpfDisabled: 0 });
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(task.mkdir('/sys/fs/bpf/pub', 0o777)).toBe(0);
    task.umask = 0;
    m.pin('/sys/fs/bpf/pub/m');
    const u = kernel.spawn({ uid: 1000 });
    // mode 0600 owned by root: EACCES even though the directory is open.
    expect(errnoOf(() => u.getPinned('/sys/fs/bpf/pub/m'))).toBe(ERRNO.EACCES);
  });
  it('pins programs and returns them', () => {
    const { task } = setup();
    const p = task.loadProgram({
      type: 'xdp',
      insns: new Uint8Array([0xb7, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
    });
    p.pin('/sys/fs/bpf/p');
    p.close();
    const q = task.getPinned('/sys/fs/bpf/p');
    if (!('run' in q)) throw new Error('expected a program');
    expect(q.run(new Uint8Array(14)).retval).toBe(2);
  });
});
