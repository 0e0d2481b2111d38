/**
 * @fileoverview A process's file descriptor table.
 *
 * Models fs/file.c: `alloc_fd` (lowest free descriptor, EMFILE past RLIMIT_NOFILE), `close_fd`,
 * `dup`, `dup2`/`dup3` (`do_dup2`), close-on-exec (`do_close_on_exec`) and the copy made by fork
 * (`dup_fd`, which takes a reference on every open file).
 */
import { ERRNO } from '../uapi/errno.js';
import { type KFile, O_FLAGS } from './file.js';

interface FdEntry {
  file: KFile;
  cloexec: boolean;
}

/** A file descriptor table; models `struct files_struct`. */
export class FdTable {
  private fds: (FdEntry | undefined)[] = [];

  /** `limit` returns the current RLIMIT_NOFILE soft limit. */
  constructor(private readonly limit: () => number = () => 1024) {}

  /** Models `get_unused_fd_flags` + `fd_install`: the lowest free fd, or -EMFILE. Consumes the caller's reference. */
  install(file: KFile, flags = 0): number {
    const max = this.limit();
    for (let fd = 0; fd < max; fd++) {
      if (this.fds[fd] === undefined) {
        this.fds[fd] = { file, cloexec: (flags & O_FLAGS.CLOEXEC) !== 0 };
        return fd;
      }
    }
    file.put();
    return -ERRNO.EMFILE;
  }

  /** The lowest free descriptor (`get_unused_fd_flags` without installing), or -EMFILE. */
  lowestFree(): number {
    const max = this.limit();
    for (let fd = 0; fd < max; fd++) if (this.fds[fd] === undefined) return fd;
    return -ERRNO.EMFILE;
  }

  /** Models `fd_install` at a descriptor reserved with {@link lowestFree}. */
  installAt(fd: number, file: KFile, flags = 0): void {
    this.fds[fd]?.file.put();
    this.fds[fd] = { file, cloexec: (flags & O_FLAGS.CLOEXEC) !== 0 };
  }

  /** Models `fdget`: the file behind `fd`, or undefined (callers return EBADF). */
  get(fd: number): KFile | undefined {
    if (!Number.isInteger(fd) || fd < 0) return undefined;
    return this.fds[fd]?.file;
  }

  /** Models `close_fd`: 0 or -EBADF. */
  close(fd: number): number {
    const e = Number.isInteger(fd) && fd >= 0 ? this.fds[fd] : undefined;
    if (!e) return -ERRNO.EBADF;
    this.fds[fd] = undefined;
    e.file.put();
    return 0;
  }

  /** Models `dup(fd)`: a new lowest fd sharing the file (close-on-exec cleared). */
  dup(fd: number): number {
    const f = this.get(fd);
    if (!f) return -ERRNO.EBADF;
    return this.install(f.get());
  }

  /** Models `dup2(old, new)`: `new` when equal and valid, otherwise like dup3 without flags. */
  dup2(oldfd: number, newfd: number): number {
    if (oldfd === newfd) return this.get(oldfd) ? newfd : -ERRNO.EBADF;
    return this.dup3(oldfd, newfd, 0);
  }

  /** Models `dup3(old, new, flags)`: EINVAL for equal fds or flags other than O_CLOEXEC. */
  dup3(oldfd: number, newfd: number, flags: number): number {
    if ((flags & ~O_FLAGS.CLOEXEC) !== 0) return -ERRNO.EINVAL;
    if (oldfd === newfd) return -ERRNO.EINVAL;
    const f = this.get(oldfd);
    if (!f) return -ERRNO.EBADF;
    if (!Number.isInteger(newfd) || newfd < 0 || newfd >= this.limit()) return -ERRNO.EBADF;
    const old = this.fds[newfd];
    this.fds[newfd] = { file: f.get(), cloexec: (flags & O_FLAGS.CLOEXEC) !== 0 };
    old?.file.put();
    return newfd;
  }

  /** Sets or clears FD_CLOEXEC (`fcntl(F_SETFD)`); 0 or -EBADF. */
  setCloexec(fd: number, on: boolean): number {
    const e = Number.isInteger(fd) && fd >= 0 ? this.fds[fd] : undefined;
    if (!e) return -ERRNO.EBADF;
    e.cloexec = on;
    return 0;
  }

  /** Reads FD_CLOEXEC, or undefined for a closed fd. */
  isCloexec(fd: number): boolean | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.fds[fd]?.cloexec : undefined;
  }

  /** Models `dup_fd` at fork: same fds, one more reference on each file. */
  fork(limit: () => number): FdTable {
    const t = new FdTable(limit);
    t.fds = this.fds.map((e) => (e ? { file: e.file.get(), cloexec: e.cloexec } : undefined));
    return t;
  }

  /** Models `do_close_on_exec`: closes every close-on-exec descriptor. */
  closeOnExec(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]?.cloexec) this.close(fd);
  }

  /** Closes every descriptor (process exit, `exit_files`). */
  closeAll(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]) this.close(fd);
  }

  /** The open descriptors in increasing order. */
  openFds(): number[] {
    const out: number[] = [];
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]) out.push(fd);
    return out;
  }
}
