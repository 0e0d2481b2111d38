/**
 * @fileoverview BPF_PROG_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID.
 *
 * Models kernel/bpf/syscall.c `bpf_obj_get_next_id` (CHECK_ATTR, CAP_SYS_ADMIN, ENOENT past the
 * last id, `next_id` written back), `bpf_prog_get_fd_by_id` and `bpf_map_get_fd_by_id` (open_flags
 * RDONLY/WRONLY, CAP_SYS_ADMIN, ENOENT for unknown ids; the new fd holds a reference).
 */
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { ID_ATTR as A } from '../attr/layout.js';
import { CAP, capable } from '../creds.js';
import type { Idr } from '../idr.js';
import type { Task } from '../task.js';
import { BPF_OBJ_FLAG_MASK, bpfGetFileFlag, mapNewFd, progNewFd } from './common.js';

/** Models `bpf_obj_get_next_id` on the map or prog idr. */
export function objGetNextId(
  task: Task,
  attr: BpfAttr,
  uattr: number,
  cmd: number,
  idr: Idr<unknown>,
): number {
  if (attr.checkAttrFails(cmd)) return -ERRNO.EINVAL;
  if (!capable(task.creds, CAP.SYS_ADMIN)) return -ERRNO.EPERM;
  const start = attr.u32(A.start_id);
  if (start >= 0x7fffffff) return -ERRNO.ENOENT;
  const next = idr.nextId(start + 1);
  if (next === undefined) return -ERRNO.ENOENT;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, next, true);
  return task.mem.copyToUser(uattr + A.next_id.off, b) ? -ERRNO.EFAULT : 0;
}

/** Models `bpf_prog_get_fd_by_id`. */
export function progGetFdById(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.PROG_GET_FD_BY_ID)) return -ERRNO.EINVAL;
  if (!capable(task.creds, CAP.SYS_ADMIN)) return -ERRNO.EPERM;
  const id = attr.u32(A.prog_id);
  const prog = id ? task.kernel.progs.find(id) : undefined;
  if (!prog || prog.freed) return -ERRNO.ENOENT;
  prog.inc();
  return progNewFd(task, prog);
}

/** Models `bpf_map_get_fd_by_id`. */
export function mapGetFdById(task: Task, attr: BpfAttr): number {
  const openFlags = attr.u32(A.open_flags);
  if (attr.checkAttrFails(BPF_CMD.MAP_GET_FD_BY_ID) || openFlags & ~BPF_OBJ_FLAG_MASK) return -ERRNO.EINVAL;
  if (!capable(task.creds, CAP.SYS_ADMIN)) return -ERRNO.EPERM;
  const fFlags = bpfGetFileFlag(openFlags);
  if (fFlags < 0) return fFlags;
  const id = attr.u32(A.map_id);
  const map = id ? task.kernel.maps.find(id) : undefined;
  if (!map || map.freed) return -ERRNO.ENOENT;
  map.incWithUref();
  return mapNewFd(task, map, fFlags);
}
