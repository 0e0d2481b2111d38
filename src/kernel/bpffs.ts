/**
 * @fileoverview The bpf filesystem: directories and pinned objects under bpffs mount points.
 *
 * Models kernel/bpf/inode.c: `bpf_obj_do_pin` (the parent must be a bpffs directory, EPERM
 * otherwise; EEXIST if the name exists; the new inode gets mode `S_IFREG | 0600 & ~umask`),
 * `bpf_obj_do_get` (ENOENT, `inode_permission` EACCES, EACCES for non-object inodes),
 * `bpf_mkdir`, and unlink (the pin's reference is dropped when the inode goes, `bpf_free_inode`).
 */
import { ERRNO } from '../uapi/errno.js';
import type { Creds } from './creds.js';
import { CAP, capable } from './creds.js';
import type { KMap, KProg } from './objects.js';

/** A pinned object. */
export type PinnedObject = { kind: 'map'; obj: KMap } | { kind: 'prog'; obj: KProg };

interface Inode {
  mode: number;
  uid: number;
  gid: number;
  /** Children of a directory. */
  children?: Map<string, Inode>;
  pinned?: PinnedObject;
}

/** `S_IF*` file type bits (include/uapi/linux/stat.h). */
export const S_IFMT = 0o170000;
/** Directory type bits. */
export const S_IFDIR = 0o040000;
/** Regular file type bits. */
export const S_IFREG = 0o100000;

/** Default bpffs mount point. */
export const BPFFS_MOUNT = '/sys/fs/bpf';

/** Access request bits for `inode_permission` (MAY_READ/MAY_WRITE). */
export const MAY = { WRITE: 2, READ: 4 } as const;

/** Splits an absolute path into components, resolving `.` and `..`; undefined for an empty path. */
function components(path: string): string[] | undefined {
  if (path.length === 0) return undefined;
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

/** The set of bpffs mounts of one kernel; models the bpf filesystem's inode tree. */
export class BpfFs {
  private readonly mounts = new Map<string, Inode>();

  constructor(mountPoints: readonly string[] = [BPFFS_MOUNT]) {
    for (const m of mountPoints) this.mount(m);
  }

  /** Mounts an empty bpffs at `path` (root-owned, mode 0700 as systemd mounts /sys/fs/bpf). */
  mount(path: string): void {
    const c = components(path) ?? [];
    this.mounts.set(`/${c.join('/')}`, { mode: S_IFDIR | 0o700, uid: 0, gid: 0, children: new Map() });
  }

  /** Finds the mount containing `comps` and the remaining components. */
  private resolveMount(comps: string[]): { root: Inode; rest: string[] } | undefined {
    for (let i = comps.length; i >= 0; i--) {
      const root = this.mounts.get(`/${comps.slice(0, i).join('/')}`);
      if (root) return { root, rest: comps.slice(i) };
    }
    return undefined;
  }

  private lookup(path: string): { inode?: Inode; parent?: Inode; name?: string; inBpffs: boolean } | number {
    const comps = components(path);
    if (!comps) return -ERRNO.ENOENT;
    const m = this.resolveMount(comps);
    if (!m) return { inBpffs: false };
    let dir = m.root;
    for (let i = 0; i < m.rest.length - 1; i++) {
      const next = dir.children?.get(m.rest[i] as string);
      if (!next) return -ERRNO.ENOENT;
      if (!next.children) return -ERRNO.ENOTDIR;
      dir = next;
    }
    if (m.rest.length === 0) return { inode: m.root, inBpffs: true };
    const name = m.rest[m.rest.length - 1] as string;
    return { inode: dir.children?.get(name), parent: dir, name, inBpffs: true };
  }

  /** Models `inode_permission` with the DAC rules and CAP_DAC_OVERRIDE. */
  private permitted(creds: Creds, inode: Inode, may: number): boolean {
    if (capable(creds, CAP.DAC_OVERRIDE)) return true;
    const bits =
      creds.uid === inode.uid
        ? (inode.mode >> 6) & 7
        : creds.gid === inode.gid
          ? (inode.mode >> 3) & 7
          : inode.mode & 7;
    return (may & bits) === may;
  }

  /**
   * Models `bpf_obj_do_pin`: creates `path` pinning `obj` (the caller passes a reference it took).
   * 0 or -errno (ENOENT, EEXIST, EPERM outside bpffs).
   */
  pin(creds: Creds, path: string, obj: PinnedObject, umask: number): number {
    const r = this.lookup(path);
    if (typeof r === 'number') return r;
    if (!r.inBpffs) return -ERRNO.EPERM;
    if (!r.parent || !r.name) return -ERRNO.EEXIST;
    if (r.inode) return -ERRNO.EEXIST;
    if (!this.permitted(creds, r.parent, MAY.WRITE)) return -ERRNO.EACCES;
    r.parent.children?.set(r.name, {
      mode: S_IFREG | (0o600 & ~umask),
      uid: creds.uid,
      gid: creds.gid,
      pinned: obj,
    });
    return 0;
  }

  /** Models `bpf_obj_do_get`: the pinned object (no reference taken) or -errno. `may` is MAY_READ|MAY_WRITE. */
  get(creds: Creds, path: string, may: number): PinnedObject | number {
    const r = this.lookup(path);
    if (typeof r === 'number') return r;
    if (!r.inBpffs) return -ERRNO.ENOENT;
    if (!r.inode) return -ERRNO.ENOENT;
    if (!this.permitted(creds, r.inode, may)) return -ERRNO.EACCES;
    if (!r.inode.pinned) return -ERRNO.EACCES;
    return r.inode.pinned;
  }

  /** Models `mkdir` on bpffs: 0 or -errno. */
  mkdir(creds: Creds, path: string, mode: number, umask: number): number {
    const r = this.lookup(path);
    if (typeof r === 'number') return r;
    if (!r.inBpffs) return -ERRNO.EPERM;
    if (!r.parent || !r.name || r.inode) return -ERRNO.EEXIST;
    if (!this.permitted(creds, r.parent, MAY.WRITE)) return -ERRNO.EACCES;
    r.parent.children?.set(r.name, {
      mode: S_IFDIR | (mode & 0o7777 & ~umask),
      uid: creds.uid,
      gid: creds.gid,
      children: new Map(),
    });
    return 0;
  }

  /**
   * Models `unlink`/`rmdir`: removes the entry; returns the object whose pin reference must now be
   * dropped, or -errno (ENOENT, EISDIR/ENOTEMPTY for directories via unlink, EACCES).
   */
  unlink(creds: Creds, path: string): PinnedObject | undefined | number {
    const r = this.lookup(path);
    if (typeof r === 'number') return r;
    if (!r.inBpffs || !r.inode || !r.parent || !r.name) return -ERRNO.ENOENT;
    if (!this.permitted(creds, r.parent, MAY.WRITE)) return -ERRNO.EACCES;
    if (r.inode.children) {
      if (r.inode.children.size > 0) return -ERRNO.ENOTEMPTY;
      r.parent.children?.delete(r.name);
      return undefined;
    }
    r.parent.children?.delete(r.name);
    return r.inode.pinned;
  }

  /** Mode and owner of an entry (`stat`), or -errno. */
  stat(path: string): { mode: number; uid: number; gid: number } | number {
    const r = this.lookup(path);
    if (typeof r === 'number') return r;
    if (!r.inode) return -ERRNO.ENOENT;
    return { mode: r.inode.mode, uid: r.inode.uid, gid: r.inode.gid };
  }

  /** Every pinned object, with its path (used to unpin everything). */
  pinned(): { path: string; obj: PinnedObject }[] {
    const out: { path: string; obj: PinnedObject }[] = [];
    const walk = (prefix: string, dir: Inode): void => {
      for (const [name, ino] of dir.children ?? []) {
        const p = `${prefix}/${name}`;
        if (ino.pinned) out.push({ path: p, obj: ino.pinned });
        if (ino.children) walk(p, ino);
      }
    };
    for (const [m, root] of this.mounts) walk(m === '/' ? '' : m, root);
    return out;
  }
}
