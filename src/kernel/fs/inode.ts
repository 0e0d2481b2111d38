/**
 * @fileoverview Inodes of the simulated filesystem: directories, regular files and character devices.
 *
 * Models `struct inode` (include/linux/fs.h) reduced to its type and permission bits (`i_mode`),
 * owner, link count, size and times, the device number of character devices (`i_rdev`), and the
 * x86_64 `struct stat` that `cp_new_stat` (fs/stat.c) fills from it.
 */

/** File type bits of `st_mode` (include/uapi/linux/stat.h). */
export const S_IF = {
  FMT: 0o170000,
  SOCK: 0o140000,
  REG: 0o100000,
  DIR: 0o040000,
  CHR: 0o020000,
} as const;

/** `d_type` values of `struct linux_dirent64` (include/linux/fs_types.h `FT_*` as `DT_*`). */
export const DT = { CHR: 2, DIR: 4, REG: 8, SOCK: 12 } as const;

/** Makes a device number as `new_encode_dev(MKDEV(major, minor))` does for `st_rdev`. */
export function mkdev(major: number, minor: number): number {
  return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
}

/** An inode; `entries` for directories, `data` for regular files, `rdev` for devices. */
export interface Inode {
  readonly ino: number;
  /** `i_mode`: type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Regular file contents (the size is `data.length`). */
  data: Uint8Array;
  /** Directory entries by name (without "." and ".."). */
  readonly entries: Map<string, Inode>;
  /** The parent directory ("..") of a directory. */
  parent: Inode | undefined;
  /** `i_rdev` of a character device. */
  rdev: number;
  /** Modification/change time since the epoch (`i_mtime`): seconds and nanoseconds. */
  mtimeSec: number;
  mtimeNsec: number;
}

/** The type bits of an inode. */
export function fileType(i: Inode): number {
  return i.mode & S_IF.FMT;
}

/** `S_ISDIR`. */
export const isDir = (i: Inode): boolean => fileType(i) === S_IF.DIR;

/** `S_ISREG`. */
export const isReg = (i: Inode): boolean => fileType(i) === S_IF.REG;

/** The `d_type` of an inode for getdents64. */
export function dtype(i: Inode): number {
  const t = fileType(i);
  return t === S_IF.DIR ? DT.DIR : t === S_IF.CHR ? DT.CHR : t === S_IF.SOCK ? DT.SOCK : DT.REG;
}

/** The device number of the simulated root filesystem (`st_dev`). */
export const ROOT_DEV = mkdev(259, 2);

/**
 * Encodes the x86_64 `struct stat` (144 bytes, arch/x86/include/uapi/asm/stat.h) as `cp_new_stat`
 * fills it: dev, ino, nlink, mode, uid, gid, rdev, size, blksize 4096, 512-byte blocks, times.
 * The returned buffer is reused by the next call: copy it out at once.
 */
export function encodeStat(i: Inode, dev = ROOT_DEV): Uint8Array {
  const b = statBuf;
  const size = isReg(i) ? i.data.length : isDir(i) ? 4096 : 0;
  // Every field here fits in 53 bits: written as two u32 halves (no BigInt on this hot path).
  u64(0, dev);
  u64(8, i.ino);
  u64(16, i.nlink);
  statView.setUint32(24, i.mode, true);
  statView.setUint32(28, i.uid, true);
  statView.setUint32(32, i.gid, true);
  statView.setUint32(36, 0, true);
  u64(40, i.rdev);
  u64(48, size);
  u64(56, 4096);
  u64(64, Math.ceil(size / 4096) * 8);
  for (let off = 72; off <= 104; off += 16) {
    u64(off, i.mtimeSec);
    u64(off + 8, i.mtimeNsec);
  }
  return b;
}

/** The buffer {@link encodeStat} fills; callers copy it out at once. */
const statBuf = new Uint8Array(144);
const statView = new DataView(statBuf.buffer);

function u64(off: number, v: number): void {
  statView.setUint32(off, v % 0x100000000, true);
  statView.setUint32(off + 4, Math.floor(v / 0x100000000), true);
}
