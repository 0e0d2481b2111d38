/**
 * The task's syscall path: seccomp (kernel/seccomp.c) decides before the syscall table runs.
 */
import { describe, expect, it } from 'vitest';
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { MAP_CREATE_ATTR } from '../../src/kernel/attr/layout.js';
import { NR, PR, SIG } from '../../src/kernel/syscall-entry.js';
import type { Task } from '../../src/kernel/task.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { filterFor, installFilter, put, setup } from './helpers.js';

const _RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const RET_KILL_PROCESS = 0x80000000;
const RET_TRAP = 0x00030000;

function bpfMapCreate(task: Task): number {
  const attr = new BpfAttr()
    .set(MAP_CREATE_ATTR.map_type, 2)
    .set(MAP_CREATE_ATTR.key_size, 4)
    .set(MAP_CREATE_ATTR.value_size, 4)
    .set(MAP_CREATE_ATTR.max_entries, 1);
  return task.syscall(NR.bpf, [0, put(task, attr.bytes), 168]).ret;
}

describe('syscall entry with seccomp', () => {
  it('runs calls directly without seccomp', () => {
    const { task } = setup();
    expect(task.syscall(NR.getpid)).toEqual({ ret: task.pid, action: 'ALLOW' });
    expect(bpfMapCreate(task)).toBe(3);
    expect(task.syscall(NR.close, [3]).ret).toBe(0);
    expect(task.syscall(9999).ret).toBe(-ERRNO.ENOSYS);
  });
  it('needs no_new_privs or CAP_SYS_ADMIN to install a filter', () => {
    const { kernel } = setup();
    const user = kernel.spawn({ uid: 1000 });
    expect(installFilter(user, filterFor(NR.bpf, RET_ERRNO | 1))).toBe(-ERRNO.EACCES);
    expect(user.syscall(NR.prctl, [PR.SET_NO_NEW_PRIVS, 1, 0, 0, 0]).ret).toBe(0);
    expect(user.syscall(NR.prctl, [PR.GET_NO_NEW_PRIVS, 0, 0, 0, 0]).ret).toBe(1);
    expect(installFilter(user, filterFor(NR.bpf, RET_ERRNO | 1))).toBe(0);
    expect(user.syscall(NR.prctl, [PR.GET_SECCOMP, 0, 0, 0, 0]).ret).toBe(2);
  });
  it('returns the filter’s errno instead of running bpf(), and children inherit the filter', () => {
    const { kernel, task } = setup();
    expect(installFilter(task, filterFor(NR.bpf, RET_ERRNO | ERRNO.EPERM))).toBe(0);
    expect(task.syscall(NR.bpf, [0, 0, 0])).toEqual({ ret: -ERRNO.EPERM, action: 'ERRNO' });
    expect(kernel.maps.size).toBe(0);
    expect(task.syscall(NR.getpid).ret).toBe(task.pid);
    const child = task.fork();
    expect(bpfMapCreate(child)).toBe(-ERRNO.EPERM);
  });
  it('kills the process on KILL_PROCESS and TRAP (SIGSYS), closing its fds', () => {
    for (const action of [RET_KILL_PROCESS, RET_TRAP]) {
      const { kernel, task } = setup();
      expect(bpfMapCreate(task)).toBe(3);
      const thread = task.spawnThread();
      expect(installFilter(task, filterFor(NR.getuid, action))).toBe(0);
      // A filter installed without TSYNC applies to the calling thread only.
      expect(thread.syscall(NR.getuid).ret).toBe(0);
      const r = task.syscall(NR.getuid);
      expect(r.signal).toBe(SIG.SIGSYS);
      expect(thread.syscall(NR.getpid).ret).toBe(-ERRNO.ESRCH);
      expect(kernel.maps.size).toBe(0);
    }
  });
  it('allows only read, write, exit and sigreturn in strict mode', () => {
    const { task } = setup();
    expect(task.syscall(NR.seccomp, [0, 0, 0]).ret).toBe(0);
    expect(task.syscall(NR.write, [1, put(task, new Uint8Array(4)), 4]).ret).toBe(4);
    expect(task.syscall(NR.getpid)).toMatchObject({ signal: SIG.SIGKILL });
  });
});
