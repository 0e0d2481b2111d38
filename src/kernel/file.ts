/**
 * @fileoverview Open file descriptions: what an fd points at.
 *
 * Models `struct file` (include/linux/fs.h) reduced to a kind, the object behind it (a bpf map or
 * program for anon-inode `bpf-map`/`bpf-prog` files), the open mode, and the reference count whose
 * last `fput()` calls the file's `release` (kernel/bpf/syscall.c `bpf_map_release`/`bpf_prog_release`).
 */

/** Open access mode bits (include/uapi/asm-generic/fcntl.h). */
export const O_FLAGS = {
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  ACCMODE: 0o3,
  CLOEXEC: 0o2000000,
} as const;

/** `f_mode` bits (include/linux/fs.h). */
export const FMODE = {
  READ: 1,
  WRITE: 2,
} as const;

/** What kind of object an open file refers to. */
export type FileKind = 'map' | 'prog' | 'tty' | 'dir' | 'seccomp';

/** An open file description; models `struct file` with `f_count`. */
export class KFile<T = unknown> {
  private refs = 1;
  private released = false;

  constructor(
    readonly kind: FileKind,
    readonly obj: T,
    /** `f_flags`: O_RDONLY/O_WRONLY/O_RDWR. */
    readonly flags: number,
    private readonly onRelease: () => void = () => {},
  ) {}

  /** `f_mode` derived from the access mode, as `OPEN_FMODE()`. */
  get mode(): number {
    const acc = this.flags & O_FLAGS.ACCMODE;
    return (acc === O_FLAGS.WRONLY ? 0 : FMODE.READ) | (acc === O_FLAGS.RDONLY ? 0 : FMODE.WRITE);
  }

  /** Models `get_file()`. */
  get(): this {
    this.refs++;
    return this;
  }

  /** Models `fput()`: the last reference calls the release callback once. */
  put(): void {
    if (this.released) return;
    this.refs--;
    if (this.refs === 0) {
      this.released = true;
      this.onRelease();
    }
  }

  /** Current reference count (`file_count()`). */
  get count(): number {
    return this.refs;
  }
}
