/**
 * @fileoverview Helpers shared by the bpf() command implementations.
 *
 * Models kernel/bpf/syscall.c `__bpf_map_get` (EBADF for a closed fd, EINVAL for a file that is
 * not a map), `bpf_prog_get`, `bpf_map_new_fd`/`bpf_prog_new_fd` (anon inodes `bpf-map`/`bpf-prog`,
 * always O_CLOEXEC), `bpf_get_file_flag`, `map_get_sys_perms` and `bpf_obj_name_cpy`.
 */
import { ERRNO } from '../../uapi/errno.js';
import { FMODE, KFile, O_FLAGS } from '../file.js';
import type { KMap, KProg } from '../objects.js';
import type { Task } from '../task.js';

/** `BPF_F_RDONLY` / `BPF_F_WRONLY` (fd access flags of map_create, obj_get, map_get_fd_by_id). */
export const BPF_F_RDONLY = 1 << 3;
/** See {@link BPF_F_RDONLY}. */
export const BPF_F_WRONLY = 1 << 4;
/** `BPF_OBJ_FLAG_MASK`. */
export const BPF_OBJ_FLAG_MASK = BPF_F_RDONLY | BPF_F_WRONLY;

/** Models `__bpf_map_get`: the map behind `fd` with its file, or -EBADF / -EINVAL. */
export function mapFromFd(task: Task, fd: number): { map: KMap; file: KFile } | number {
  const file = task.fds.get(fd);
  if (!file) return -ERRNO.EBADF;
  if (file.kind !== 'map') return -ERRNO.EINVAL;
  return { map: file.obj as KMap, file };
}

/** Models `bpf_prog_get` without taking a reference: the program behind `fd`, or -EBADF / -EINVAL. */
export function progFromFd(task: Task, fd: number): KProg | number {
  const file = task.fds.get(fd);
  if (!file) return -ERRNO.EBADF;
  if (file.kind !== 'prog') return -ERRNO.EINVAL;
  return file.obj as KProg;
}

/** Models `bpf_get_file_flag`: O_RDONLY/O_WRONLY/O_RDWR from BPF_F_RDONLY/WRONLY, -EINVAL for both. */
export function bpfGetFileFlag(flags: number): number {
  if (flags & BPF_F_RDONLY && flags & BPF_F_WRONLY) return -ERRNO.EINVAL;
  if (flags & BPF_F_RDONLY) return O_FLAGS.RDONLY;
  if (flags & BPF_F_WRONLY) return O_FLAGS.WRONLY;
  return O_FLAGS.RDWR;
}

/**
 * Models `bpf_map_new_fd(map, f_flags)`: installs a new `bpf-map` file holding the caller's map
 * reference (refcnt and usercnt). On failure the reference is dropped and -errno returned.
 */
export function mapNewFd(task: Task, map: KMap, fFlags: number): number {
  const file = new KFile('map', map, fFlags & O_FLAGS.ACCMODE, () => map.putWithUref());
  return task.fds.install(file, O_FLAGS.CLOEXEC);
}

/** Models `bpf_prog_new_fd`: installs a `bpf-prog` file (O_RDWR|O_CLOEXEC) holding the caller's reference. */
export function progNewFd(task: Task, prog: KProg): number {
  const file = new KFile('prog', prog, O_FLAGS.RDWR, () => prog.put());
  return task.fds.install(file, O_FLAGS.CLOEXEC);
}

/** Models `map_get_sys_perms`: the file's mode, without write when the map is frozen. */
export function mapSysPerms(map: KMap, file: KFile): number {
  let mode = file.mode;
  if (map.frozen) mode &= ~FMODE.WRITE;
  return mode;
}

/**
 * Models `bpf_obj_name_cpy`: the name up to the first NUL; -EINVAL for characters other than
 * alphanumerics, `_` and `.`, or a 16-byte field without NUL.
 */
export function objNameCpy(src: Uint8Array): string | number {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as number;
    if (c === 0) return out;
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46;
    if (!ok) return -ERRNO.EINVAL;
    out += String.fromCharCode(c);
  }
  return -ERRNO.EINVAL;
}
