/**
 * @fileoverview Open files of the simulated filesystem, devices and sockets: the `struct file`
 * state bpfsim's `KFile` does not carry (status flags, position) and the `file_operations` table
 * that read/write/ioctl/close dispatch through (include/linux/fs.h).
 *
 * Every such file is installed in the fd table as a `KFile` of kind `'dir'` (the kind for VFS
 * files, as opposed to bpf anon-inode files) whose object is an {@link OpenFile}.
 */

import { KFile, O_FLAGS } from '../file.js';
import type { Task } from '../task.js';
import type { Inode } from './inode.js';

/** open(2) flags (include/uapi/asm-generic/fcntl.h, x86_64 values). */
export const O = {
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  ACCMODE: 0o3,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  ASYNC: 0o20000,
  DIRECT: 0o40000,
  LARGEFILE: 0o100000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  NOATIME: 0o1000000,
  CLOEXEC: 0o2000000,
  PATH: 0o10000000,
} as const;

/** The flags `fcntl(F_SETFL)` may change (fs/fcntl.c `SETFL_MASK`). */
export const SETFL_MASK = O.APPEND | O.NONBLOCK | O.NOATIME | O.DIRECT | O.ASYNC;

/**
 * Returned by a file operation that would sleep (no data, no connection, a child still running):
 * the scheduler runs the call again when the task is next scheduled. The value is the kernel's
 * internal `-ERESTARTSYS` (include/linux/errno.h), never seen by user space.
 */
export const SLEEPS = -512;

/** Returned by dispatch for an allowed call (or variant) bpfsim does not emulate. */
export const NOT_EMULATED = -0x10000;

/** A device's or socket's `file_operations`; a missing hook is the kernel's default for it. */
export interface FileOps {
  /** `read_iter`: the bytes read (at most `len`), -errno or {@link SLEEPS}. */
  read?(f: OpenFile, task: Task, len: number): Uint8Array | number;
  /** `write_iter`: bytes written, -errno or {@link SLEEPS}. */
  write?(f: OpenFile, task: Task, data: Uint8Array): number;
  /** `unlocked_ioctl`: the result, -errno or {@link NOT_EMULATED}. Missing: ENOTTY. */
  ioctl?(f: OpenFile, task: Task, cmd: number, arg: number): number;
  /** `release` at the last close. */
  release?(f: OpenFile): void;
  /** False for `no_llseek` files (lseek gives ESPIPE). */
  readonly seekable: boolean;
}

/** An open file description; models the parts of `struct file` the VFS calls use. */
export class OpenFile<P = unknown> {
  /** `f_pos`. */
  pos = 0;

  constructor(
    /** The inode (`file_inode(f)`); sockets have one too (S_IFSOCK). */
    readonly inode: Inode,
    /** `f_flags`: access mode and status flags (O_APPEND, O_NONBLOCK, ...), without O_CLOEXEC. */
    public flags: number,
    readonly ops: FileOps,
    /** Driver state (`private_data`): a tun queue, a socket. */
    readonly priv: P,
  ) {}

  /** `FMODE_READ`. */
  get readable(): boolean {
    return (this.flags & O.ACCMODE) !== O.WRONLY;
  }

  /** `FMODE_WRITE`. */
  get writable(): boolean {
    return (this.flags & O.ACCMODE) !== O.RDONLY;
  }

  /** `O_NONBLOCK` is set. */
  get nonblocking(): boolean {
    return (this.flags & O.NONBLOCK) !== 0;
  }
}

/** Wraps an open file in a `KFile` whose last put runs the `release` operation. */
export function fileOf(of: OpenFile): KFile<OpenFile> {
  return new KFile('dir', of, of.flags & O_FLAGS.ACCMODE, () => of.ops.release?.(of));
}

/** The open file behind a `KFile`, if it is a VFS file. */
export function openFileOf(f: KFile | undefined): OpenFile | undefined {
  return f !== undefined && f.obj instanceof OpenFile ? f.obj : undefined;
}
