import { describe, expect, it } from 'vitest';
import { EMULATED_NRS, NR } from '../../src/kernel/syscall-entry.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { setup } from './helpers.js';

// x86_64 futex is 202 and epoll_create1 291 (arch/x86/entry/syscalls/syscall_64.tbl): not emulated.
const FUTEX = 202;
const EPOLL_CREATE1 = 291;
const AF_PACKET = 17;
const SOCK_RAW = 3;

describe('syscalls the engine does not emulate', () => {
  it('reports an allowed, unemulated call as notEmulated instead of faking a result', () => {
    const { task } = setup();
    const out = task.syscall(FUTEX, [0, 0, 0]);
    expect(out.action).toBe('ALLOW');
    expect(out.notEmulated).toBe(true);
    expect(out.ret).toBe(-ERRNO.ENOSYS);
    expect(task.syscall(EPOLL_CREATE1, [0]).notEmulated).toBe(true);
  });

  it('reports variants of emulated calls it does not model as notEmulated', () => {
    const { task } = setup();
    // socket(AF_PACKET, ...) is real on Linux, but bpfsim models AF_UNIX/INET/INET6/NETLINK only.
    const pkt = task.syscall(NR.socket, [AF_PACKET, SOCK_RAW, 0x300]);
    expect(pkt.notEmulated).toBe(true);
    expect(pkt.ret).toBe(-ERRNO.ENOSYS);
    // clone with a namespace flag (CLONE_NEWNET|SIGCHLD).
    expect(task.syscall(NR.clone, [0x40000000 | 17, 0, 0, 0, 0]).notEmulated).toBe(true);
  });

  it('does not flag emulated calls', () => {
    const { task } = setup();
    const out = task.syscall(NR.getpid);
    expect(out.notEmulated).toBeUndefined();
    expect(out.ret).toBe(task.pid);
    expect(EMULATED_NRS.has(NR.bpf)).toBe(true);
    expect(EMULATED_NRS.has(NR.openat)).toBe(true);
    expect(EMULATED_NRS.has(FUTEX)).toBe(false);
    const s = task.syscall(NR.socket, [2, 2, 0]);
    expect(s.notEmulated).toBeUndefined();
    expect(s.ret).toBeGreaterThanOrEqual(3);
  });
});
