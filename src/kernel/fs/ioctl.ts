/**
 * @fileoverview `ioctl(fd, cmd, arg)`: models fs/ioctl.c `SYSCALL_DEFINE3(ioctl)` → `vfs_ioctl`
 * (the file's `unlocked_ioctl`, ENOTTY without one). The terminal's and bpf files' ioctls are not
 * emulated (TCGETS, ...); regular files and directories answer ENOTTY to commands they lack.
 */
import { ERRNO } from '../../uapi/errno.js';
import type { Task } from '../task.js';
import { NOT_EMULATED, O, openFileOf } from './open-file.js';

/** The generic file ioctls (include/uapi/asm-generic/ioctls.h). */
export const FIO = { NBIO: 0x5421, NCLEX: 0x5450, CLEX: 0x5451 } as const;

/** `ioctl(fd, cmd, arg)`: the driver's answer, -EBADF, -ENOTTY or not emulated. */
export function sysIoctl(task: Task, fd: number, cmd: number, arg: number): number {
  const f = task.fds.get(fd);
  if (!f) return -ERRNO.EBADF;
  // do_vfs_ioctl: the commands every file answers.
  if (cmd === FIO.CLEX || cmd === FIO.NCLEX) return task.fds.setCloexec(fd, cmd === FIO.CLEX);
  if (cmd === FIO.NBIO) {
    const on = task.mem.copyFromUser(arg, 4);
    if (typeof on === 'number') return on;
    const of = openFileOf(f);
    if (of === undefined) return NOT_EMULATED;
    const set = new DataView(on.buffer).getInt32(0, true) !== 0;
    of.flags = set ? of.flags | O.NONBLOCK : of.flags & ~O.NONBLOCK;
    return 0;
  }
  const of = openFileOf(f);
  if (of === undefined) return f.kind === 'tty' ? NOT_EMULATED : -ERRNO.ENOTTY;
  if (of.ops.ioctl === undefined) return -ERRNO.ENOTTY;
  return of.ops.ioctl(of, task, cmd, arg);
}
