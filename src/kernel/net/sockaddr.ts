/**
 * @fileoverview Socket addresses as user space passes them: `struct sockaddr_in`, `sockaddr_in6`,
 * `sockaddr_un` and `sockaddr_nl` (include/uapi/linux/in.h, in6.h, un.h, netlink.h), decoded as
 * `move_addr_to_kernel` + the family's bind/connect check them and encoded as `move_addr_to_user`
 * returns them (the length written back is the full address length; the copy is cut to the buffer).
 */
import { ERRNO } from '../../uapi/errno.js';
import type { Task } from '../task.js';

/** Address families (include/linux/socket.h). */
export const AF = { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17, MAX: 46 } as const;

/** A decoded socket address. */
export type SockAddr =
  | { readonly family: 2; readonly addr: string; readonly port: number }
  | { readonly family: 10; readonly addr: string; readonly port: number }
  | { readonly family: 1; readonly path: string }
  | { readonly family: 16; readonly pid: number; readonly groups: number };

/** `sizeof(struct sockaddr_storage)`: the most `move_addr_to_kernel` accepts. */
const SOCKADDR_STORAGE = 128;

/** Size of each family's address structure. */
export const SOCKADDR_LEN = { 1: 110, 2: 16, 10: 28, 16: 12 } as const;

function ip6ToString(b: Uint8Array): string {
  const w: string[] = [];
  for (let i = 0; i < 16; i += 2) w.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  const s = w.join(':');
  return s.replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

function ip6FromString(s: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = (head ?? '').split(':').filter((x) => x !== '');
  const t = tail === undefined ? [] : tail.split(':').filter((x) => x !== '');
  const words = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  words.forEach((x, i) => {
    const v = Number.parseInt(x, 16) || 0;
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** Decodes `len` bytes at `addr` for a socket of `family`: the address or -errno. */
export function readSockaddr(task: Task, family: number, addr: number, len: number): SockAddr | number {
  if (len < 0 || len > SOCKADDR_STORAGE) return -ERRNO.EINVAL;
  if (len < 2) return -ERRNO.EINVAL;
  const b = task.mem.copyFromUser(addr, len);
  if (typeof b === 'number') return b;
  const dv = new DataView(b.buffer);
  const fam = dv.getUint16(0, true);
  if (family === AF.INET) {
    if (len < 16) return -ERRNO.EINVAL;
    if (fam !== AF.INET) return -ERRNO.EAFNOSUPPORT;
    return { family: AF.INET, port: dv.getUint16(2, false), addr: [...b.subarray(4, 8)].join('.') };
  }
  if (family === AF.INET6) {
    if (len < 24) return -ERRNO.EINVAL;
    if (fam !== AF.INET6) return -ERRNO.EAFNOSUPPORT;
    return { family: AF.INET6, port: dv.getUint16(2, false), addr: ip6ToString(b.subarray(8, 24)) };
  }
  if (family === AF.NETLINK) {
    if (len < 12) return -ERRNO.EINVAL;
    if (fam !== AF.NETLINK) return -ERRNO.EINVAL;
    return { family: AF.NETLINK, pid: dv.getUint32(4, true), groups: dv.getUint32(8, true) };
  }
  if (family === AF.UNIX) {
    if (fam !== AF.UNIX) return -ERRNO.EINVAL;
    let end = 2;
    while (end < len && b[end] !== 0) end++;
    return { family: AF.UNIX, path: new TextDecoder().decode(b.subarray(2, end)) };
  }
  return -ERRNO.EAFNOSUPPORT;
}

/** Encodes an address as the kernel writes it. */
export function encodeSockaddr(a: SockAddr): Uint8Array {
  const b = new Uint8Array(SOCKADDR_LEN[a.family]);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, a.family, true);
  if (a.family === AF.INET || a.family === AF.INET6) {
    dv.setUint16(2, a.port, false);
    if (a.family === AF.INET)
      b.set(
        a.addr.split('.').map((x) => Number(x) & 0xff),
        4,
      );
    else b.set(ip6FromString(a.addr), 8);
  } else if (a.family === AF.NETLINK) {
    dv.setUint32(4, a.pid >>> 0, true);
    dv.setUint32(8, a.groups, true);
  } else {
    const p = new TextEncoder().encode(a.path);
    b.set(p.subarray(0, 107), 2);
    return b.subarray(0, 2 + Math.min(p.length, 107) + 1);
  }
  return b;
}

/**
 * Models `move_addr_to_user`: writes the address, cut to the caller's `*addrlen`, and the full
 * length back to `*addrlen`; 0 or -errno. A null `uaddr` writes nothing.
 */
export function writeSockaddr(task: Task, a: SockAddr, uaddr: number, ulenp: number): number {
  if (uaddr === 0) return 0;
  const lb = task.mem.copyFromUser(ulenp, 4);
  if (typeof lb === 'number') return lb;
  const have = new DataView(lb.buffer).getInt32(0, true);
  if (have < 0) return -ERRNO.EINVAL;
  const enc = encodeSockaddr(a);
  if (have > 0 && task.mem.copyToUser(uaddr, enc.subarray(0, Math.min(have, enc.length))))
    return -ERRNO.EFAULT;
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, enc.length, true);
  return task.mem.copyToUser(ulenp, out);
}

/** A printable address (`127.0.0.1:4242`, `[::1]:80`, `@/path`, `nl:123`). */
export function formatSockaddr(a: SockAddr): string {
  if (a.family === AF.INET || a.family === AF.INET6)
    return a.family === AF.INET ? `${a.addr}:${a.port}` : `[${a.addr}]:${a.port}`;
  if (a.family === AF.UNIX) return a.path;
  return `nl:${a.pid}`;
}
