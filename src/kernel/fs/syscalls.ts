/**
 * @fileoverview The file system calls of the simulated filesystem: openat/open, read, write,
 * lseek, fstat, newfstatat, getdents64 and fcntl.
 *
 * Models fs/open.c `do_sys_openat2` → fs/namei.c `path_openat`/`do_open` (O_CREAT, O_EXCL,
 * O_TRUNC, O_DIRECTORY, EISDIR for writing a directory, EACCES from `may_open`, O_LARGEFILE forced
 * on 64-bit by `force_o_largefile`), fs/read_write.c `ksys_read`/`ksys_write`/`ksys_lseek`
 * (EBADF without FMODE_READ/FMODE_WRITE, EISDIR reading a directory, ESPIPE for `no_llseek`),
 * fs/stat.c `vfs_fstatat`/`cp_new_stat`, fs/readdir.c `getdents64` (EINVAL for a buffer too
 * small for one entry, ENOTDIR) and fs/fcntl.c `do_fcntl` (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD,
 * F_SETFD, F_GETFL, F_SETFL with `SETFL_MASK`).
 */
import { ERRNO } from '../../uapi/errno.js';
import type { KFile } from '../file.js';
import { RLIMIT } from '../syscall-host.js';
import type { Task } from '../task.js';
import { DT, dtype, encodeStat, type Inode, isDir, isReg, S_IF } from './inode.js';
import { fileOf, NOT_EMULATED, O, OpenFile, openFileOf, SETFL_MASK } from './open-file.js';
import { MAY, PATH_MAX, vfsOf } from './vfs.js';

/** `AT_*` values (include/uapi/linux/fcntl.h). */
export const AT = { FDCWD: -100, SYMLINK_NOFOLLOW: 0x100, NO_AUTOMOUNT: 0x800, EMPTY_PATH: 0x1000 } as const;

/** fcntl commands (include/uapi/asm-generic/fcntl.h, linux/fcntl.h). */
export const F = { DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, DUPFD_CLOEXEC: 1030 } as const;

/** `FD_CLOEXEC`. */
export const FD_CLOEXEC = 1;

/** `SEEK_*` (include/uapi/linux/fs.h). */
export const SEEK = { SET: 0, CUR: 1, END: 2 } as const;

/** Opens a character device: a driver's `open` for the inode's `i_rdev`, or -errno. */
export type DeviceOpen = (task: Task, inode: Inode, flags: number) => OpenFile | number;

/** Status flags of files that are not VFS files (the terminal, bpf objects): `f_flags` beyond KFile's. */
const otherFlags = new WeakMap<KFile, number>();

const regOps = {
  seekable: true,
  read(f: OpenFile, _task: Task, len: number): Uint8Array | number {
    const data = f.inode.data;
    const out = data.slice(Math.min(f.pos, data.length), Math.min(f.pos + len, data.length));
    f.pos += out.length;
    return out;
  },
  write(f: OpenFile, _task: Task, bytes: Uint8Array): number {
    const i = f.inode;
    if (f.flags & O.APPEND) f.pos = i.data.length;
    const end = f.pos + bytes.length;
    if (end > i.data.length) {
      const grown = new Uint8Array(end);
      grown.set(i.data);
      i.data = grown;
    }
    i.data.set(bytes, f.pos);
    f.pos = end;
    return bytes.length;
  },
};

const dirOps = {
  seekable: true,
  read: (): number => -ERRNO.EISDIR,
  write: (): number => -ERRNO.EBADF,
};

/** `/dev/null` (drivers/char/mem.c `null_fops`): reads end at once, writes vanish. */
export const nullOps = {
  seekable: true,
  read: (): Uint8Array => new Uint8Array(0),
  write: (_f: OpenFile, _t: Task, b: Uint8Array): number => b.length,
};

/** The directory relative paths start from: the cwd for AT_FDCWD, else the dirfd's directory. */
function startDir(task: Task, dirfd: number, path: string): Inode | number {
  const vfs = vfsOf(task.kernel);
  if (path.startsWith('/')) return vfs.root;
  if (dirfd === AT.FDCWD) return task.cwd ?? vfs.root;
  const f = task.fds.get(dirfd);
  if (!f) return -ERRNO.EBADF;
  const of = openFileOf(f);
  if (of === undefined || !isDir(of.inode)) return -ERRNO.ENOTDIR;
  return of.inode;
}

/** Reads a NUL-terminated path from user memory (`getname`): the string or -errno. */
export function getname(task: Task, addr: number): string | number {
  // Fast path: the whole string inside one mapping.
  const span = task.mem.span(addr, 1);
  if (span !== undefined) {
    const off = task.mem.spanOff;
    const end = span.indexOf(0, off);
    if (end >= 0 && end - off < PATH_MAX) {
      // Short ASCII paths (the common case) without a TextDecoder call.
      if (end - off <= 64) {
        let s = '';
        for (let i = off; i < end; i++) {
          const c = span[i] as number;
          if (c >= 0x80) return utf8.decode(span.subarray(off, end));
          s += String.fromCharCode(c);
        }
        return s;
      }
      return utf8.decode(span.subarray(off, end));
    }
  }
  const r = task.mem.strncpyFromUser(addr, PATH_MAX);
  if (typeof r === 'number') return r;
  if (r.truncated) return -ERRNO.ENAMETOOLONG;
  return utf8.decode(r.bytes);
}

const utf8 = new TextDecoder();

/** `openat(dirfd, path, flags, mode)`: a new fd or -errno. */
export function sysOpenat(
  task: Task,
  dirfd: number,
  pathAddr: number,
  flags: number,
  mode: number,
  devices: ReadonlyMap<number, DeviceOpen>,
): number {
  const path = getname(task, pathAddr);
  if (typeof path === 'number') return path;
  const start = startDir(task, dirfd, path);
  if (typeof start === 'number') return start;
  if (flags & O.PATH) return NOT_EMULATED;
  const vfs = vfsOf(task.kernel);
  const acc = flags & O.ACCMODE;
  const wantWrite = acc === O.WRONLY || acc === O.RDWR || (flags & O.TRUNC) !== 0;
  let inode: Inode;
  let created = false;
  const l = vfs.lookup(task.creds, start, path);
  if (l.ok) {
    if (flags & O.CREAT && flags & O.EXCL) return -ERRNO.EEXIST;
    inode = l.inode;
  } else {
    if (!(flags & O.CREAT) || l.parent === undefined || l.name === undefined) return -l.errno;
    // open_last_lookups: O_CREAT of "name/" is EISDIR.
    if (l.trailingSlash) return -ERRNO.EISDIR;
    const made = vfs.create(task.creds, l.parent, l.name, mode & ~task.umask);
    if (typeof made === 'number') return made;
    inode = made;
    created = true;
  }
  // do_open: O_CREAT on an existing directory, O_DIRECTORY on a non-directory.
  if (isDir(inode)) {
    if (flags & O.CREAT) return -ERRNO.EISDIR;
    if (acc === O.WRONLY || acc === O.RDWR) return -ERRNO.EISDIR;
  } else if (flags & O.DIRECTORY) return -ERRNO.ENOTDIR;
  // may_open: permission for the access mode (skipped for a file this call created).
  if (!created) {
    const mask = (acc !== O.WRONLY ? MAY.READ : 0) | (wantWrite && acc !== O.RDONLY ? MAY.WRITE : 0);
    if (mask && !vfs.permission(task.creds, inode, mask)) return -ERRNO.EACCES;
    if (flags & O.TRUNC && acc === O.RDONLY && !vfs.permission(task.creds, inode, MAY.WRITE))
      return -ERRNO.EACCES;
  }
  const fflags = (flags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC | O.CLOEXEC)) | O.LARGEFILE;
  let of: OpenFile | number;
  const type = inode.mode & S_IF.FMT;
  if (type === S_IF.CHR) {
    const open = devices.get(inode.rdev);
    if (open === undefined) return -ERRNO.ENXIO;
    of = open(task, inode, fflags);
    if (typeof of === 'number') return of;
  } else {
    if (isReg(inode) && flags & O.TRUNC && acc !== O.RDONLY) inode.data = new Uint8Array(0);
    of = new OpenFile(inode, fflags, isDir(inode) ? dirOps : regOps, undefined);
  }
  return task.fds.install(fileOf(of), flags & O.CLOEXEC);
}

/** `read(fd, buf, count)`. */
export function sysRead(task: Task, fd: number, buf: number, count: number): number {
  const f = task.fds.get(fd);
  if (!f) return -ERRNO.EBADF;
  const of = openFileOf(f);
  if (of === undefined) return f.kind === 'tty' ? 0 : -ERRNO.EINVAL;
  if (!of.readable) return -ERRNO.EBADF;
  if (!task.mem.accessOk(buf, count)) return -ERRNO.EFAULT;
  const r = of.ops.read?.(of, task, count) ?? -ERRNO.EINVAL;
  if (typeof r === 'number') return r;
  return task.mem.copyToUser(buf, r) || r.length;
}

/** `write(fd, buf, count)`. */
export function sysWrite(task: Task, fd: number, buf: number, count: number): number {
  const f = task.fds.get(fd);
  if (!f) return -ERRNO.EBADF;
  const of = openFileOf(f);
  if (of === undefined) {
    if (f.kind !== 'tty') return -ERRNO.EINVAL;
    return task.mem.accessOk(buf, count) ? count : -ERRNO.EFAULT;
  }
  if (!of.writable) return -ERRNO.EBADF;
  const data = task.mem.copyFromUser(buf, count);
  if (typeof data === 'number') return data;
  return of.ops.write?.(of, task, data) ?? -ERRNO.EINVAL;
}

/** `lseek(fd, offset, whence)`. */
export function sysLseek(task: Task, fd: number, offset: bigint, whence: number): number {
  const f = task.fds.get(fd);
  if (!f) return -ERRNO.EBADF;
  const of = openFileOf(f);
  if (of === undefined || !of.ops.seekable) return -ERRNO.ESPIPE;
  if (whence > SEEK.END || whence < 0) return -ERRNO.EINVAL;
  const off = Number(BigInt.asIntN(64, offset));
  const base =
    whence === SEEK.SET ? 0 : whence === SEEK.CUR ? of.pos : isReg(of.inode) ? of.inode.data.length : 0;
  const pos = base + off;
  if (pos < 0) return -ERRNO.EINVAL;
  of.pos = pos;
  return pos;
}

/** The inode behind an fd: VFS files have theirs; the terminal is a character device. */
function inodeOfFd(task: Task, f: KFile): Inode {
  const of = openFileOf(f);
  if (of !== undefined) return of.inode;
  const vfs = vfsOf(task.kernel);
  const ino = vfs.makeInode(f.kind === 'tty' ? S_IF.CHR | 0o620 : 0o600, task.creds.uid, 5);
  if (f.kind === 'tty') ino.rdev = (136 << 8) | 0;
  return ino;
}

/** `fstat(fd, statbuf)`. */
export function sysFstat(task: Task, fd: number, statbuf: number): number {
  const f = task.fds.get(fd);
  if (!f) return -ERRNO.EBADF;
  return task.mem.copyToUser(statbuf, encodeStat(inodeOfFd(task, f)));
}

/** `newfstatat(dirfd, path, statbuf, flags)`: models `vfs_fstatat`. */
export function sysNewfstatat(
  task: Task,
  dirfd: number,
  pathAddr: number,
  statbuf: number,
  flags: number,
): number {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.NO_AUTOMOUNT | AT.EMPTY_PATH)) return -ERRNO.EINVAL;
  const path = getname(task, pathAddr);
  if (typeof path === 'number') return path;
  if (path === '' && flags & AT.EMPTY_PATH) {
    if (dirfd === AT.FDCWD)
      return task.mem.copyToUser(statbuf, encodeStat(task.cwd ?? vfsOf(task.kernel).root));
    return sysFstat(task, dirfd, statbuf);
  }
  const start = startDir(task, dirfd, path);
  if (typeof start === 'number') return start;
  const l = vfsOf(task.kernel).lookup(task.creds, start, path);
  if (!l.ok) return -l.errno;
  return task.mem.copyToUser(statbuf, encodeStat(l.inode));
}

/** `getdents64(fd, dirp, count)`: `struct linux_dirent64` records from the file position. */
export function sysGetdents64(task: Task, fd: number, dirp: number, count: number): number {
  const f = task.fds.get(fd);
  if (!f) return -ERRNO.EBADF;
  const of = openFileOf(f);
  if (of === undefined || !isDir(of.inode)) return -ERRNO.ENOTDIR;
  const d = of.inode;
  const list: [string, number, number][] = [
    ['.', d.ino, DT.DIR],
    ['..', (d.parent ?? d).ino, DT.DIR],
    ...[...d.entries].map(([name, i]): [string, number, number] => [name, i.ino, dtype(i)]),
  ];
  const out: Uint8Array[] = [];
  let used = 0;
  let pos = of.pos;
  const enc = new TextEncoder();
  while (pos < list.length) {
    const [name, ino, type] = list[pos] as [string, number, number];
    const nb = enc.encode(name);
    const reclen = (19 + nb.length + 1 + 7) & ~7;
    if (used + reclen > count) {
      if (used === 0) return -ERRNO.EINVAL;
      break;
    }
    const rec = new Uint8Array(reclen);
    const dv = new DataView(rec.buffer);
    dv.setBigUint64(0, BigInt(ino), true);
    dv.setBigInt64(8, BigInt(pos + 1), true);
    dv.setUint16(16, reclen, true);
    rec[18] = type;
    rec.set(nb, 19);
    out.push(rec);
    used += reclen;
    pos++;
  }
  const buf = new Uint8Array(used);
  let o = 0;
  for (const r of out) {
    buf.set(r, o);
    o += r.length;
  }
  if (used > 0 && task.mem.copyToUser(dirp, buf)) return -ERRNO.EFAULT;
  of.pos = pos;
  return used;
}

/** `f_flags` as F_GETFL reports them. */
function getFlags(f: KFile): number {
  const of = openFileOf(f);
  return of !== undefined ? of.flags : (otherFlags.get(f) ?? f.flags | O.LARGEFILE);
}

/** `fcntl(fd, cmd, arg)`: models `do_fcntl` for the descriptor and status-flag commands. */
export function sysFcntl(task: Task, fd: number, cmd: number, arg: bigint): number {
  const f = task.fds.get(fd);
  if (!f) return -ERRNO.EBADF;
  switch (cmd) {
    case F.DUPFD:
    case F.DUPFD_CLOEXEC: {
      const min = Number(BigInt.asUintN(32, arg));
      const lim = task.getrlimit(RLIMIT.NOFILE);
      const nofile = typeof lim === 'number' ? 1024 : Math.min(lim.soft, 1 << 20);
      if (min >= nofile) return -ERRNO.EINVAL;
      for (let nfd = min; nfd < nofile; nfd++) {
        if (task.fds.get(nfd) === undefined) {
          task.fds.installAt(nfd, f.get(), cmd === F.DUPFD_CLOEXEC ? O.CLOEXEC : 0);
          return nfd;
        }
      }
      return -ERRNO.EMFILE;
    }
    case F.GETFD:
      return task.fds.isCloexec(fd) ? FD_CLOEXEC : 0;
    case F.SETFD:
      return task.fds.setCloexec(fd, (arg & BigInt(FD_CLOEXEC)) !== 0n);
    case F.GETFL:
      return getFlags(f);
    case F.SETFL: {
      const a = Number(BigInt.asUintN(32, arg));
      const next = (getFlags(f) & ~SETFL_MASK) | (a & SETFL_MASK);
      const of = openFileOf(f);
      if (of !== undefined) of.flags = next;
      else otherFlags.set(f, next);
      return 0;
    }
    default:
      // F_GETLK, F_SETLEASE, F_ADD_SEALS, ...: real commands bpfsim does not model.
      return cmd >= 0 && cmd <= 1034 ? NOT_EMULATED : -ERRNO.EINVAL;
  }
}
