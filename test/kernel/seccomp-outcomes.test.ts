/**
 * What a seccomp decision does to the calling task (kernel/seccomp.c `__seccomp_filter`): SIGSYS
 * and its siginfo, the user-notification round trip, the tracer stop, and the audit records.
 */
import { describe, expect, it } from 'vitest';
import { NR, SIG } from '../../src/kernel/syscall-entry.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { seccompOracle } from '../seccomp/kernel-oracle.js';
import { filterFor, installFilter, put, setup } from './helpers.js';

const RET = {
  ALLOW: 0x7fff0000,
  ERRNO: 0x00050000,
  TRAP: 0x00030000,
  TRACE: 0x7ff00000,
  NOTIF: 0x7fc00000,
  LOG: 0x7ffc0000,
  KILL_THREAD: 0,
  KILL_PROCESS: 0x80000000,
} as const;
/** getppid(2) on x86_64: a call bpfsim does not emulate, so a filter decides it alone. */
const GETPPID = 110;
const FLAG = { LOG: 2, NEW_LISTENER: 8 } as const;

describe('seccomp outcomes', () => {
  it('TRAP sends SIGSYS with si_errno = the data, si_syscall, si_arch and si_call_addr', () => {
    const { task } = setup();
    expect(installFilter(task, filterFor(GETPPID, RET.TRAP | 42))).toBe(0);
    const r = task.syscall(GETPPID, [], 0x401000n);
    expect(r).toMatchObject({ action: 'TRAP', signal: SIG.SIGSYS });
    expect(r.siginfo).toEqual({
      signo: 31,
      code: 1,
      errno: 42,
      callAddr: 0x401000n,
      syscall: GETPPID,
      arch: 0xc000003e,
    });
  });

  it('USER_NOTIF: ENOSYS without a listener; with one, the supervisor answers with a value, an errno or CONTINUE', () => {
    const { task } = setup();
    expect(installFilter(task, filterFor(NR.getuid, RET.NOTIF))).toBe(0);
    expect(task.syscall(NR.getuid)).toMatchObject({ ret: -ERRNO.ENOSYS, action: 'USER_NOTIF' });

    const { task: t2 } = setup();
    const listener = installFilter(t2, filterFor(NR.getuid, RET.NOTIF), FLAG.NEW_LISTENER);
    expect(listener).toBeGreaterThanOrEqual(3);
    // Nobody reads the listener yet: the caller waits.
    expect(t2.syscall(NR.getuid)).toMatchObject({ action: 'USER_NOTIF', blocked: true });
    const seen: { id: bigint; pid: number; nr: number }[] = [];
    const answers = [{ val: 1234 }, { error: -ERRNO.EPERM }, { flags: 1 }, { flags: 1, val: 5 }];
    expect(
      t2.superviseListener(listener, (n) => {
        seen.push({ id: n.id, pid: n.pid, nr: n.data.nr });
        return answers[seen.length - 1] ?? {};
      }),
    ).toBe(0);
    expect(t2.syscall(NR.getuid)).toMatchObject({ ret: 1234, action: 'USER_NOTIF' });
    expect(t2.syscall(NR.getuid)).toMatchObject({ ret: -ERRNO.EPERM });
    expect(t2.syscall(NR.getuid)).toMatchObject({ ret: 0 }); // CONTINUE: getuid ran (uid 0)
    // CONTINUE with a value is refused by SECCOMP_IOCTL_NOTIF_SEND: the caller keeps waiting.
    expect(t2.syscall(NR.getuid)).toMatchObject({ blocked: true });
    expect(seen.map((s) => s.pid)).toEqual([t2.pid, t2.pid, t2.pid, t2.pid]);
    expect(seen.map((s) => s.id - (seen[0] as { id: bigint }).id)).toEqual([0n, 1n, 2n, 3n]);
    expect(seen.every((s) => s.nr === NR.getuid)).toBe(true);
    // Closing the listener detaches it: back to ENOSYS.
    expect(t2.syscall(NR.close, [listener]).ret).toBe(0);
    expect(t2.syscall(NR.getuid)).toMatchObject({ ret: -ERRNO.ENOSYS, action: 'USER_NOTIF' });
    expect(t2.superviseListener(listener, () => ({}))).toBe(-ERRNO.EBADF);
  });

  it('TRACE: ENOSYS without a tracer; a tracer may skip the call or let it run', () => {
    const { task } = setup();
    expect(installFilter(task, filterFor(NR.getgid, RET.TRACE | 7))).toBe(0);
    expect(task.syscall(NR.getgid)).toMatchObject({ ret: -ERRNO.ENOSYS, action: 'TRACE' });
    const msgs: number[] = [];
    task.tracer = (stop) => {
      msgs.push(stop.msg);
      return msgs.length === 1 ? { skip: true, ret: -ERRNO.EACCES } : { skip: false };
    };
    expect(task.syscall(NR.getgid)).toMatchObject({ ret: -ERRNO.EACCES, traced: true });
    expect(task.syscall(NR.getgid)).toMatchObject({ ret: 0, traced: true }); // rechecked: TRACE allows
    expect(msgs).toEqual([7, 7]);
  });

  it('KILL_THREAD ends the thread, KILL_PROCESS the whole thread group', () => {
    const { task } = setup();
    const other = task.spawnThread();
    expect(installFilter(task, filterFor(NR.getuid, RET.KILL_THREAD))).toBe(0);
    expect(task.syscall(NR.getuid)).toMatchObject({ signal: SIG.SIGSYS, siginfo: { syscall: NR.getuid } });
    expect(other.syscall(NR.getpid).ret).toBe(task.tgid);

    const { task: p } = setup();
    const sibling = p.spawnThread();
    expect(installFilter(p, filterFor(NR.getuid, RET.KILL_PROCESS))).toBe(0);
    expect(p.syscall(NR.getuid).signal).toBe(SIG.SIGSYS);
    expect(sibling.syscall(NR.getpid).ret).toBe(-ERRNO.ESRCH);
  });

  it('writes SECCOMP audit records as seccomp_log decides, in the kernel format', () => {
    const { kernel, task } = setup();
    task.comm = 'demo';
    task.exe = '/usr/bin/demo';
    expect(installFilter(task, filterFor(NR.getgid, RET.ERRNO | 1))).toBe(0); // no LOG flag: ERRNO is not logged
    expect(installFilter(task, filterFor(GETPPID, RET.LOG))).toBe(0); // RET_LOG is always logged
    expect(installFilter(task, filterFor(NR.getuid, RET.ERRNO | 13), FLAG.LOG)).toBe(0); // LOG flag: logged
    expect(task.syscall(NR.getgid)).toMatchObject({ ret: -1 });
    expect(kernel.auditLog).toHaveLength(0);
    expect(task.syscall(GETPPID, [], 0x7f00n)).toMatchObject({ action: 'LOG', logged: true });
    expect(task.syscall(NR.getuid)).toMatchObject({ ret: -13, logged: true });
    expect(kernel.auditLog.map((r) => r.text)).toEqual([
      expect.stringMatching(
        /^type=SECCOMP msg=audit\(\d+\.\d{3}:1\): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=\d+ comm="demo" exe="\/usr\/bin\/demo" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7f00 code=0x7ffc0000$/,
      ),
      expect.stringMatching(/ sig=0 arch=c000003e syscall=102 compat=0 ip=0x0 code=0x5000d$/),
    ]);
    // kernel/seccomp/actions_logged: without "log", RET_LOG is no longer recorded.
    expect(task.sysctl('kernel/seccomp/actions_logged')).toEqual({
      ret: 0,
      value: 'kill_process kill_thread trap errno user_notif trace log',
    });
    expect(task.sysctl('kernel/seccomp/actions_logged', 'kill_process errno').ret).toBe(0);
    expect(task.syscall(GETPPID).logged).toBeUndefined();
    expect(task.sysctl('kernel/seccomp/actions_logged', 'allow').ret).toBe(-ERRNO.EINVAL);
    expect(task.sysctl('kernel/seccomp/actions_avail').value).toBe(
      'kill_process kill_thread trap errno user_notif trace log allow',
    );
    const user = kernel.spawn({ uid: 1000 });
    expect(user.sysctl('kernel/seccomp/actions_logged', 'log').ret).toBe(-ERRNO.EACCES);
  });
});

const oracle = seccompOracle();
describe.skipIf(!oracle.available)(
  `seccomp outcomes vs the real kernel${oracle.available ? '' : ` (skipped: ${oracle.reason})`}`,
  () => {
    it('TRAP siginfo and the ENOSYS of TRACE and USER_NOTIF match the kernel', async () => {
      if (!oracle.available) return;
      for (const [action, data] of [
        [RET.TRAP, 0],
        [RET.TRAP, 77],
        [RET.TRACE, 3],
        [RET.NOTIF, 0],
      ] as const) {
        const f = filterFor(GETPPID, action | data);
        const real = await oracle.kernelRun({ filters: [f], nr: GETPPID });
        const { task } = setup();
        const fprog = new Uint8Array(16);
        const dv = new DataView(fprog.buffer);
        dv.setUint16(0, f.length / 8, true);
        dv.setBigUint64(8, BigInt(put(task, f)), true);
        expect(task.syscall(NR.seccomp, [1, 0, put(task, fprog)]).ret).toBe(0);
        const ours = task.syscall(GETPPID);
        if (real.result === 'TRAP') {
          expect(ours.siginfo).toMatchObject({
            errno: real.fields.si_errno,
            syscall: real.fields.si_syscall,
            arch: real.fields.si_arch,
            code: real.fields.si_code,
          });
        } else {
          expect(real.result).toBe('ERRNO');
          expect(-ours.ret).toBe(real.fields.errno);
        }
      }
    });
  },
);
