import { describe, expect, it } from 'vitest';
import { EMULATED_NRS, NR } from '../../src/kernel/syscall-entry.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { setup } from './helpers.js';

// x86_64 openat is 257 and socket is 41 (arch/x86/entry/syscalls/syscall_64.tbl); neither is emulated yet.
const OPENAT = 257;
const SOCKET = 41;

describe('syscalls the engine does not emulate', () => {
  it('reports an allowed, unemulated call as notEmulated instead of faking a result', () => {
    const { task } = setup();
    const out = task.syscall(OPENAT, [-100, 0, 0]);
    expect(out.action).toBe('ALLOW');
    expect(out.notEmulated).toBe(true);
    expect(out.ret).toBe(-ERRNO.ENOSYS);
    expect(task.syscall(SOCKET, [2, 2, 0]).notEmulated).toBe(true);
  });

  it('does not flag emulated calls', () => {
    const { task } = setup();
    const out = task.syscall(NR.getpid);
    expect(out.notEmulated).toBeUndefined();
    expect(out.ret).toBe(task.pid);
    expect(EMULATED_NRS.has(NR.bpf)).toBe(true);
    expect(EMULATED_NRS.has(OPENAT)).toBe(false);
  });
});
