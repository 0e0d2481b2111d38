/**
 * @fileoverview BPF_OBJ_PIN and BPF_OBJ_GET.
 *
 * Models kernel/bpf/syscall.c `bpf_obj_pin`/`bpf_obj_get` (CHECK_ATTR, file_flags limited to
 * BPF_F_PATH_FD for pin and RDONLY/WRONLY/PATH_FD for get, path_fd only with BPF_F_PATH_FD, bpf_fd
 * must be 0 for get) and kernel/bpf/inode.c `bpf_obj_pin_user` (`bpf_fd_probe_obj` takes a reference
 * that the pin keeps) / `bpf_obj_get_user` (a new fd with the requested access mode; maps get
 * `f_flags`, programs O_RDWR). Paths are read with `strncpy_from_user` up to PATH_MAX.
 */
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { OBJ_ATTR as A } from '../attr/layout.js';
import { MAY, type PinnedObject } from '../bpffs.js';
import { O_FLAGS } from '../file.js';
import type { KMap, KProg } from '../objects.js';
import type { Task } from '../task.js';
import { BPF_OBJ_FLAG_MASK, bpfGetFileFlag, mapNewFd, progNewFd } from './common.js';

/** `BPF_F_PATH_FD`. */
const BPF_F_PATH_FD = 1 << 14;
/** `PATH_MAX`. */
const PATH_MAX = 4096;

/** Models `getname()`: the path string, or -EFAULT / -ENAMETOOLONG / -ENOENT (empty). */
export function getName(task: Task, addr: number): string | number {
  const r = task.mem.strncpyFromUser(addr, PATH_MAX);
  if (typeof r === 'number') return r;
  if (r.truncated) return -ERRNO.ENAMETOOLONG;
  if (r.bytes.length === 0) return -ERRNO.ENOENT;
  return new TextDecoder().decode(r.bytes);
}

/** Resolves `path` against `path_fd`: only AT_FDCWD (cwd "/") and absolute paths are modelled. */
function resolvePath(task: Task, path: string, pathFd: number | undefined): string | number {
  if (path.startsWith('/') || pathFd === undefined) return path.startsWith('/') ? path : `/${path}`;
  const f = task.fds.get(pathFd);
  if (!f) return -ERRNO.EBADF;
  return -ERRNO.ENOTDIR;
}

/** Models `bpf_obj_pin`. */
export function objPin(task: Task, attr: BpfAttr): number {
  const fileFlags = attr.u32(A.file_flags);
  if (attr.checkAttrFails(BPF_CMD.OBJ_PIN) || fileFlags & ~BPF_F_PATH_FD) return -ERRNO.EINVAL;
  if (!(fileFlags & BPF_F_PATH_FD) && attr.u32(A.path_fd)) return -ERRNO.EINVAL;
  const pathFd = fileFlags & BPF_F_PATH_FD ? attr.s32(A.path_fd) : undefined;
  // bpf_fd_probe_obj
  const file = task.fds.get(attr.u32(A.bpf_fd));
  if (!file) return -ERRNO.EBADF;
  let obj: PinnedObject;
  if (file.kind === 'map') {
    obj = { kind: 'map', obj: file.obj as KMap };
    obj.obj.incWithUref();
  } else if (file.kind === 'prog') {
    obj = { kind: 'prog', obj: file.obj as KProg };
    obj.obj.inc();
  } else return -ERRNO.EINVAL;
  const put = (): void => {
    if (obj.kind === 'map') obj.obj.putWithUref();
    else obj.obj.put();
  };
  const name = getName(task, attr.ptr(A.pathname));
  if (typeof name === 'number') {
    put();
    return name;
  }
  const path = resolvePath(task, name, pathFd);
  if (typeof path === 'number') {
    put();
    return path;
  }
  const ret = task.kernel.bpffs.pin(task.creds, path, obj, task.umask);
  if (ret) put();
  return ret;
}

/** Models `bpf_obj_get`. */
export function objGet(task: Task, attr: BpfAttr): number {
  const fileFlags = attr.u32(A.file_flags);
  if (
    attr.checkAttrFails(BPF_CMD.OBJ_GET) ||
    attr.u32(A.bpf_fd) !== 0 ||
    fileFlags & ~(BPF_OBJ_FLAG_MASK | BPF_F_PATH_FD)
  )
    return -ERRNO.EINVAL;
  if (!(fileFlags & BPF_F_PATH_FD) && attr.u32(A.path_fd)) return -ERRNO.EINVAL;
  const pathFd = fileFlags & BPF_F_PATH_FD ? attr.s32(A.path_fd) : undefined;
  const fFlags = bpfGetFileFlag(fileFlags);
  if (fFlags < 0) return fFlags;
  const name = getName(task, attr.ptr(A.pathname));
  if (typeof name === 'number') return name;
  const path = resolvePath(task, name, pathFd);
  if (typeof path === 'number') return path;
  const acc = fFlags & O_FLAGS.ACCMODE;
  const may = acc === O_FLAGS.RDONLY ? MAY.READ : acc === O_FLAGS.WRONLY ? MAY.WRITE : MAY.READ | MAY.WRITE;
  const got = task.kernel.bpffs.get(task.creds, path, may);
  if (typeof got === 'number') return got;
  if (got.kind === 'map') {
    got.obj.incWithUref();
    return mapNewFd(task, got.obj, fFlags);
  }
  got.obj.inc();
  return progNewFd(task, got.obj);
}
