/**
 * @fileoverview The simulated filesystem: one tree of directories, regular files and character
 * devices per simulated kernel, with the path walk and permission checks of fs/namei.c.
 *
 * Models `path_lookupat`/`link_path_walk` (ENOENT for a missing component, ENOTDIR for a
 * non-directory in the middle or before a trailing slash, ENAMETOOLONG past NAME_MAX/PATH_MAX),
 * `may_lookup`/`inode_permission` (`generic_permission`: owner, group, other bits; CAP_DAC_OVERRIDE
 * and CAP_DAC_READ_SEARCH as `capable_wrt_inode_uidgid`) and `vfs_create`/`may_create`. The tree
 * starts with what a small container image has: /bin/sh, /bin/ls, /etc, /tmp (1777), /dev/null and
 * /dev/net/tun (char 10:200).
 */
import { ERRNO } from '../../uapi/errno.js';
import type { Creds } from '../creds.js';
import { CAP, capable } from '../creds.js';
import { type Inode, isDir, mkdev, S_IF } from './inode.js';

/** Access bits asked of `inode_permission` (include/linux/fs.h `MAY_*`). */
export const MAY = { EXEC: 1, WRITE: 2, READ: 4 } as const;

/** `CAP_DAC_READ_SEARCH` (include/uapi/linux/capability.h). */
const CAP_DAC_READ_SEARCH = 2;

/** Longest path (`PATH_MAX`, counting the NUL) and name component (`NAME_MAX`). */
export const PATH_MAX = 4096;
export const NAME_MAX = 255;

/** Device numbers of the character devices the tree holds. */
export const DEV = { NULL: mkdev(1, 3), TUN: mkdev(10, 200) } as const;

/** Result of a path walk: the inode, or its parent and last name when only the last is missing. */
export type Lookup =
  | { readonly ok: true; readonly inode: Inode; readonly trailingSlash: boolean }
  | {
      readonly ok: false;
      readonly errno: number;
      /** Set with ENOENT when only the last component is missing (O_CREAT may create it). */
      readonly parent?: Inode;
      readonly name?: string;
      readonly trailingSlash?: boolean;
    };

/** A filesystem tree; models a mounted filesystem's dentries and inodes. */
export class Vfs {
  readonly root: Inode;
  private nextIno = 2;

  constructor(private readonly now: () => bigint = () => 1_767_225_600_000_000_000n) {
    this.root = this.makeInode(S_IF.DIR | 0o755, 0, 0);
    this.root.parent = this.root;
    this.populate();
  }

  /** Allocates an inode (`new_inode` + `inode_init_owner`). */
  makeInode(mode: number, uid: number, gid: number): Inode {
    const inode: Inode = {
      ino: this.nextIno++,
      mode,
      uid,
      gid,
      nlink: (mode & S_IF.FMT) === S_IF.DIR ? 2 : 1,
      data: new Uint8Array(0),
      entries: new Map(),
      parent: undefined,
      rdev: 0,
      mtimeSec: 0,
      mtimeNsec: 0,
    };
    this.touch(inode);
    return inode;
  }

  /** Links `child` as `name` in `dir` (`d_add`), updating link counts of directories. */
  link(dir: Inode, name: string, child: Inode): Inode {
    dir.entries.set(name, child);
    if (isDir(child)) {
      child.parent = dir;
      dir.nlink++;
    }
    this.touch(dir);
    return child;
  }

  /** Sets an inode's times to now (`inode_set_mtime_to_ts(inode, current_time(inode))`). */
  touch(inode: Inode): void {
    const t = this.now();
    inode.mtimeSec = Number(t / 1_000_000_000n);
    inode.mtimeNsec = Number(t % 1_000_000_000n);
  }

  /** Creates every missing directory of `path` (root-owned 0755) and returns the last. */
  mkdirs(path: string): Inode {
    let d = this.root;
    for (const part of path.split('/').filter((p) => p !== '')) {
      const e = d.entries.get(part);
      d = e ?? this.link(d, part, this.makeInode(S_IF.DIR | 0o755, 0, 0));
    }
    return d;
  }

  /** Writes a root-owned file (creating its directories), for building images and tests. */
  writeFile(path: string, content: string | Uint8Array, mode = 0o644): Inode {
    const cut = path.lastIndexOf('/');
    const dir = this.mkdirs(path.slice(0, cut));
    const f = this.makeInode(S_IF.REG | mode, 0, 0);
    f.data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    return this.link(dir, path.slice(cut + 1), f);
  }

  private populate(): void {
    for (const d of ['bin', 'etc', 'dev/net', 'proc', 'root', 'home', 'usr/bin', 'usr/local/bin', 'var/run'])
      this.mkdirs(d);
    this.mkdirs('tmp').mode = S_IF.DIR | 0o1777;
    this.mkdirs('root').mode = S_IF.DIR | 0o700;
    this.writeFile('/bin/sh', '\x7fELF sh', 0o755);
    this.writeFile('/bin/ls', '\x7fELF ls', 0o755);
    this.writeFile('/usr/local/bin/nebula', '\x7fELF nebula', 0o755);
    this.writeFile('/usr/bin/httpd', '\x7fELF httpd', 0o755);
    this.writeFile('/etc/hostname', 'bpfsim\n');
    this.writeFile('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n');
    this.writeFile('/etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640);
    this.writeFile(
      '/etc/nebula/config.yml',
      'tun:\n  dev: nebula1\n  mtu: 1300\nlisten:\n  port: 4242\n',
      0o600,
    );
    const dev = this.mkdirs('dev');
    const nul = this.link(dev, 'null', this.makeInode(S_IF.CHR | 0o666, 0, 0));
    nul.rdev = DEV.NULL;
    const tun = this.link(this.mkdirs('dev/net'), 'tun', this.makeInode(S_IF.CHR | 0o666, 0, 0));
    tun.rdev = DEV.TUN;
  }

  /**
   * Walks `path` from `start` (the cwd or the dirfd's directory; the root for absolute paths):
   * models `path_lookupat` with `LOOKUP_FOLLOW` (no symlinks exist here).
   */
  lookup(creds: Creds, start: Inode, path: string): Lookup {
    if (path.length === 0) return { ok: false, errno: ERRNO.ENOENT };
    if (path.length >= PATH_MAX) return { ok: false, errno: ERRNO.ENAMETOOLONG };
    const trailingSlash = path.charCodeAt(path.length - 1) === 47;
    let cur = path.charCodeAt(0) === 47 ? this.root : start;
    let pos = 0;
    const len = path.length;
    while (pos < len) {
      while (pos < len && path.charCodeAt(pos) === 47) pos++;
      if (pos >= len) break;
      let end = path.indexOf('/', pos);
      if (end < 0) end = len;
      const name = path.slice(pos, end);
      pos = end;
      if (name.length > NAME_MAX) return { ok: false, errno: ERRNO.ENAMETOOLONG };
      if (!isDir(cur)) return { ok: false, errno: ERRNO.ENOTDIR };
      if (!this.permission(creds, cur, MAY.EXEC)) return { ok: false, errno: ERRNO.EACCES };
      const next = name === '.' ? cur : name === '..' ? (cur.parent ?? cur) : cur.entries.get(name);
      if (next === undefined) {
        let rest = pos;
        while (rest < len && path.charCodeAt(rest) === 47) rest++;
        return rest >= len
          ? { ok: false, errno: ERRNO.ENOENT, parent: cur, name, trailingSlash }
          : { ok: false, errno: ERRNO.ENOENT };
      }
      cur = next;
    }
    if (trailingSlash && !isDir(cur)) return { ok: false, errno: ERRNO.ENOTDIR };
    return { ok: true, inode: cur, trailingSlash };
  }

  /** Models `generic_permission` with the capability overrides of `capable_wrt_inode_uidgid`. */
  permission(creds: Creds, inode: Inode, mask: number): boolean {
    let bits = inode.mode & 0o7;
    if (creds.uid === inode.uid) bits = (inode.mode >> 6) & 0o7;
    else if (creds.gid === inode.gid) bits = (inode.mode >> 3) & 0o7;
    if ((bits & mask) === mask) return true;
    const dir = isDir(inode);
    // CAP_DAC_OVERRIDE: read/write anything, exec a directory or a file with some x bit.
    if (capable(creds, CAP.DAC_OVERRIDE)) {
      if (!(mask & MAY.EXEC) || dir || (inode.mode & 0o111) !== 0) return true;
    }
    // CAP_DAC_READ_SEARCH: read files, read and search directories.
    if (capable(creds, CAP_DAC_READ_SEARCH)) {
      if (mask === MAY.READ || (dir && !(mask & MAY.WRITE))) return true;
    }
    return false;
  }

  /** Models `may_create` + `vfs_create`: a new regular file `name` in `dir`, or -errno. */
  create(creds: Creds, dir: Inode, name: string, mode: number): Inode | number {
    if (name.length > NAME_MAX) return -ERRNO.ENAMETOOLONG;
    if (!this.permission(creds, dir, MAY.WRITE | MAY.EXEC)) return -ERRNO.EACCES;
    return this.link(dir, name, this.makeInode(S_IF.REG | (mode & 0o7777), creds.uid, creds.gid));
  }

  /** The absolute path of a directory inode (for `getcwd`-like displays). */
  pathOf(dir: Inode): string {
    const parts: string[] = [];
    let d = dir;
    while (d !== this.root && d.parent !== undefined) {
      const p: Inode = d.parent;
      const name = [...p.entries].find(([, v]) => v === d)?.[0];
      if (name === undefined) break;
      parts.unshift(name);
      d = p;
    }
    return `/${parts.join('/')}`;
  }
}

const perKernel = new WeakMap<object, Vfs>();

/** The filesystem of a simulated kernel (created on first use). */
export function vfsOf(kernel: object): Vfs {
  if (kernel === lastKernel && lastVfs !== undefined) return lastVfs;
  let v = perKernel.get(kernel);
  if (v === undefined) {
    v = new Vfs();
    perKernel.set(kernel, v);
  }
  lastKernel = kernel;
  lastVfs = v;
  return v;
}

let lastKernel: object | undefined;
let lastVfs: Vfs | undefined;
