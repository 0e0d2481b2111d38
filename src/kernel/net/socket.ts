/**
 * @fileoverview Sockets of the simulated kernel: creation and the BSD socket calls, kernel-shaped
 * but minimal.
 *
 * Models net/socket.c (`__sys_socket`: EINVAL for unknown type flags or a type >= SOCK_MAX,
 * EAFNOSUPPORT for an unknown family; `sockfd_lookup`: ENOTSOCK; `__sys_bind`, `__sys_connect`,
 * `__sys_listen`, `do_accept` (EINVAL unless listening, EAGAIN/sleep with no connection),
 * `__sys_sendto`, `__sys_recvfrom` (EAGAIN for an empty non-blocking or MSG_DONTWAIT receive),
 * `__sys_getsockname`, `do_sock_setsockopt`/`do_sock_getsockopt` for the SOL_SOCKET options below),
 * net/ipv4/af_inet.c `inet_create` (the protocol table walk: ESOCKTNOSUPPORT, EPROTONOSUPPORT, EPERM
 * for raw sockets without CAP_NET_RAW) and `inet_bind` (EADDRNOTAVAIL, EACCES below port 1024
 * without CAP_NET_BIND_SERVICE, EADDRINUSE, EINVAL when already bound), af_unix.c `unix_create`,
 * af_netlink.c `netlink_create`. UDP datagrams to a local address are delivered to the socket bound
 * to the port (loopback); TCP and unix stream connects to a listening socket are queued for
 * accept and carry bytes both ways; NETLINK_ROUTE requests are answered (netlink.ts).
 */
import { ERRNO } from '../../uapi/errno.js';
import { CAP, capable } from '../creds.js';
import { type Inode, S_IF } from '../fs/inode.js';
import { type FileOps, fileOf, NOT_EMULATED, O, OpenFile, openFileOf, SLEEPS } from '../fs/open-file.js';
import { vfsOf } from '../fs/vfs.js';
import type { Task } from '../task.js';
import { devIoctl } from './netdev.js';
import { HANDLED_TYPES, rtnetlinkRequest, splitMessages } from './netlink.js';
import { type NetNamespace, netOf } from './netns.js';
import { AF, readSockaddr, type SockAddr, writeSockaddr } from './sockaddr.js';

/** Socket types and creation flags (include/linux/net.h). */
export const SOCK = {
  STREAM: 1,
  DGRAM: 2,
  RAW: 3,
  RDM: 4,
  SEQPACKET: 5,
  MAX: 11,
  TYPE_MASK: 0xf,
  NONBLOCK: O.NONBLOCK,
  CLOEXEC: O.CLOEXEC,
} as const;

/** Protocols (include/uapi/linux/in.h). */
export const IPPROTO = { IP: 0, ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** Socket option levels and SOL_SOCKET options (include/uapi/asm-generic/socket.h). */
export const SOL_SOCKET = 1;
export const SO = {
  REUSEADDR: 2,
  TYPE: 3,
  ERROR: 4,
  BROADCAST: 6,
  SNDBUF: 7,
  RCVBUF: 8,
  KEEPALIVE: 9,
  REUSEPORT: 15,
  PROTOCOL: 38,
  DOMAIN: 39,
} as const;

/** `MSG_*` flags used here. */
export const MSG = { PEEK: 0x2, DONTWAIT: 0x40 } as const;

/** `CAP_NET_BIND_SERVICE`. */
const CAP_NET_BIND_SERVICE = 10;

/** A datagram waiting in a receive queue. */
interface Datagram {
  readonly data: Uint8Array;
  readonly from: SockAddr;
}

/** A socket; models `struct socket` + `struct sock` reduced to what these calls use. */
export class Sock {
  local: SockAddr | undefined;
  peer: SockAddr | undefined;
  state: 'unconnected' | 'listening' | 'connected' = 'unconnected';
  readonly dgrams: Datagram[] = [];
  readonly stream: Uint8Array[] = [];
  /** The other end of a stream connection. */
  other: Sock | undefined;
  /** The peer closed its end: reads return 0 at the end of the data. */
  peerClosed = false;
  /** Connections waiting for accept (`sk_ack_backlog`). */
  readonly backlog: Sock[] = [];
  backlogMax = 0;
  readonly opts = new Map<number, number>([
    [SO.SNDBUF, 212992],
    [SO.RCVBUF, 212992],
  ]);
  bindKey: string | undefined;

  constructor(
    /** The namespace whose tables hold the socket's port. */
    readonly net: NetNamespace,
    readonly family: number,
    readonly type: number,
    readonly protocol: number,
  ) {}

  /** The port-table protocol name (`udp`, `tcp`, `unix`, `netlink:N`). */
  get table(): string {
    if (this.family === AF.NETLINK) return `netlink:${this.protocol}`;
    if (this.family === AF.UNIX) return 'unix';
    return this.type === SOCK.STREAM ? 'tcp' : this.type === SOCK.DGRAM ? 'udp' : 'raw';
  }
}

/** Sockets' `file_operations` (`socket_file_ops`): read/write are recv/send without an address. */
const socketOps: FileOps = {
  seekable: false,
  read(f, _task, len) {
    return recv(f, f.priv as Sock, len, 0).data;
  },
  write(f, task, data) {
    return send(task, f.priv as Sock, data, undefined);
  },
  ioctl(_f, task, cmd, arg) {
    return devIoctl(task, netOf(task.kernel).devices, cmd, arg);
  },
  release(f) {
    const s = f.priv as Sock;
    if (s.bindKey !== undefined && s.net.bound.get(s.bindKey) === s) s.net.bound.delete(s.bindKey);
    if (s.other !== undefined) s.other.peerClosed = true;
    for (const pending of s.backlog) if (pending.other) pending.other.peerClosed = true;
  },
};

/** The socket behind an fd: the socket, or -EBADF/-ENOTSOCK. */
export function sockOf(task: Task, fd: number): { f: OpenFile; s: Sock } | number {
  const kf = task.fds.get(fd);
  if (!kf) return -ERRNO.EBADF;
  const of = openFileOf(kf);
  if (of === undefined || !(of.priv instanceof Sock)) return -ERRNO.ENOTSOCK;
  return { f: of, s: of.priv };
}

function sockInode(task: Task): Inode {
  return vfsOf(task.kernel).makeInode(S_IF.SOCK | 0o777, task.creds.uid, task.creds.gid);
}

function installSock(task: Task, s: Sock, flags: number): number {
  const of = new OpenFile(sockInode(task), O.RDWR | (flags & O.NONBLOCK), socketOps, s);
  return task.fds.install(fileOf(of), flags & O.CLOEXEC);
}

/** `inet_create`'s protocol table walk (inetsw[type]); a protocol or -errno. */
function inetProtocol(type: number, protocol: number, v6: boolean): number {
  const table: Record<number, number[]> = {
    [SOCK.STREAM]: [IPPROTO.TCP],
    [SOCK.DGRAM]: [IPPROTO.UDP, v6 ? IPPROTO.ICMPV6 : IPPROTO.ICMP],
    [SOCK.RAW]: [IPPROTO.IP],
  };
  const answers = table[type];
  if (answers === undefined) return -ERRNO.ESOCKTNOSUPPORT;
  for (const a of answers) {
    if (protocol === a) {
      if (protocol !== IPPROTO.IP) return protocol;
    } else {
      if (protocol === IPPROTO.IP) return a;
      if (a === IPPROTO.IP) return protocol;
    }
  }
  return -ERRNO.EPROTONOSUPPORT;
}

/** Netlink protocols a 6.18 kernel registers (include/uapi/linux/netlink.h). */
const NETLINK_PROTOCOLS = new Set([
  0, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
]);

/** `socket(domain, type, protocol)`. */
export function sysSocket(task: Task, domain: number, typeArg: number, protocol: number): number {
  const flags = typeArg & ~SOCK.TYPE_MASK;
  const type = typeArg & SOCK.TYPE_MASK;
  if (flags & ~(SOCK.CLOEXEC | SOCK.NONBLOCK)) return -ERRNO.EINVAL;
  if (domain < 0 || domain >= AF.MAX) return -ERRNO.EAFNOSUPPORT;
  if (type >= SOCK.MAX) return -ERRNO.EINVAL;
  let proto = protocol;
  let t = type;
  if (domain === AF.INET || domain === AF.INET6) {
    if (protocol < 0 || protocol >= 256) return -ERRNO.EINVAL;
    const p = inetProtocol(type, protocol, domain === AF.INET6);
    if (p < 0) return p;
    if (type === SOCK.RAW && !capable(task.creds, CAP.NET_RAW)) return -ERRNO.EPERM;
    if (type === SOCK.RAW || p === IPPROTO.ICMP || p === IPPROTO.ICMPV6) return NOT_EMULATED;
    proto = p;
  } else if (domain === AF.UNIX) {
    if (protocol && protocol !== AF.UNIX) return -ERRNO.EPROTONOSUPPORT;
    if (type === SOCK.RAW) t = SOCK.DGRAM;
    else if (type !== SOCK.STREAM && type !== SOCK.DGRAM && type !== SOCK.SEQPACKET)
      return -ERRNO.ESOCKTNOSUPPORT;
    proto = 0;
  } else if (domain === AF.NETLINK) {
    if (type !== SOCK.RAW && type !== SOCK.DGRAM) return -ERRNO.ESOCKTNOSUPPORT;
    if (protocol < 0 || protocol >= 32 || !NETLINK_PROTOCOLS.has(protocol)) return -ERRNO.EPROTONOSUPPORT;
  } else {
    // AF_PACKET, AF_VSOCK, AF_ALG, AF_XDP, ...: real families bpfsim does not model.
    return NOT_EMULATED;
  }
  return installSock(task, new Sock(netOf(task.kernel), domain, t, proto), flags);
}

/** Binds `s` to `a` in the namespace's tables (`inet_bind`, `unix_bind`, `netlink_bind`). */
function doBind(task: Task, s: Sock, a: SockAddr): number {
  const net = netOf(task.kernel);
  if (s.local !== undefined && s.family !== AF.NETLINK) return -ERRNO.EINVAL;
  if (a.family === AF.INET || a.family === AF.INET6) {
    if (!net.isLocal(a.family, a.addr)) return -ERRNO.EADDRNOTAVAIL;
    let port = a.port;
    if (port !== 0 && port < 1024 && !capable(task.creds, CAP_NET_BIND_SERVICE)) return -ERRNO.EACCES;
    if (port === 0) {
      const p = net.ephemeralPort(s.table);
      if (p === undefined) return -ERRNO.EADDRINUSE;
      port = p;
    }
    const key = `${s.table}:${port}`;
    const holder = net.bound.get(key) as Sock | undefined;
    if (holder !== undefined && !(holder.opts.get(SO.REUSEPORT) && s.opts.get(SO.REUSEPORT)))
      return -ERRNO.EADDRINUSE;
    s.local = { family: a.family, addr: a.addr, port };
    s.bindKey = key;
    net.bound.set(key, s);
    return 0;
  }
  if (a.family === AF.UNIX) {
    if (a.path === '') return NOT_EMULATED;
    const vfs = vfsOf(task.kernel);
    const l = vfs.lookup(task.creds, task.cwd ?? vfs.root, a.path);
    if (l.ok) return -ERRNO.EADDRINUSE;
    if (l.parent === undefined || l.name === undefined) return -l.errno;
    const made = vfs.create(task.creds, l.parent, l.name, 0o777 & ~task.umask);
    if (typeof made === 'number') return made;
    made.mode = S_IF.SOCK | (made.mode & 0o7777);
    s.local = a;
    s.bindKey = `unix:${made.ino}`;
    net.bound.set(s.bindKey, s);
    return 0;
  }
  if (a.family === AF.NETLINK) {
    if (s.local !== undefined) return (s.local as { pid: number }).pid === a.pid ? 0 : -ERRNO.EINVAL;
    const pid = a.pid !== 0 ? a.pid : net.netlinkPort(s.protocol, task.tgid);
    const key = `${s.table}:${pid}`;
    if (net.bound.has(key)) return -ERRNO.EADDRINUSE;
    s.local = { family: AF.NETLINK, pid, groups: a.groups };
    s.bindKey = key;
    net.bound.set(key, s);
    return 0;
  }
  return -ERRNO.EINVAL;
}

/** Binds an unbound socket to a wildcard address (`inet_autobind`, `netlink_autobind`). */
function autobind(task: Task, s: Sock): number {
  if (s.local !== undefined) return 0;
  if (s.family === AF.INET) return doBind(task, s, { family: AF.INET, addr: '0.0.0.0', port: 0 });
  if (s.family === AF.INET6) return doBind(task, s, { family: AF.INET6, addr: '::', port: 0 });
  if (s.family === AF.NETLINK) return doBind(task, s, { family: AF.NETLINK, pid: 0, groups: 0 });
  return 0;
}

/** `bind(fd, addr, addrlen)`. */
export function sysBind(task: Task, fd: number, addr: number, len: number): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  const a = readSockaddr(task, r.s.family, addr, len);
  if (typeof a === 'number') return a;
  return doBind(task, r.s, a);
}

/** The socket bound to `a`'s port (UDP/TCP) or path (unix) that local traffic to `a` reaches. */
function findBound(task: Task, table: string, a: SockAddr): Sock | undefined {
  const net = netOf(task.kernel);
  if (a.family === AF.INET || a.family === AF.INET6) {
    if (!net.isLocal(a.family, a.addr)) return undefined;
    const s = net.bound.get(`${table}:${a.port}`) as Sock | undefined;
    return s !== undefined && s.family === a.family ? s : undefined;
  }
  if (a.family === AF.UNIX) {
    const vfs = vfsOf(task.kernel);
    const l = vfs.lookup(task.creds, task.cwd ?? vfs.root, a.path);
    return l.ok ? (net.bound.get(`unix:${l.inode.ino}`) as Sock | undefined) : undefined;
  }
  return undefined;
}

/** `connect(fd, addr, addrlen)`. */
export function sysConnect(task: Task, fd: number, addr: number, len: number): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  const { s } = r;
  const a = readSockaddr(task, s.family, addr, len);
  if (typeof a === 'number') return a;
  if (s.type !== SOCK.STREAM && s.type !== SOCK.SEQPACKET) {
    const b = autobind(task, s);
    if (b) return b;
    s.peer = a;
    return 0;
  }
  if (s.state === 'connected') return -ERRNO.EISCONN;
  if (s.state === 'listening') return -ERRNO.EINVAL;
  const listener = findBound(task, s.table, a);
  if (listener === undefined || listener.state !== 'listening') return -ERRNO.ECONNREFUSED;
  if (listener.backlog.length > listener.backlogMax) return -ERRNO.EAGAIN;
  const b = autobind(task, s);
  if (b) return b;
  // ip_route_connect: a wildcard-bound socket takes the source address of the route (loopback here).
  if (
    (s.local?.family === AF.INET || s.local?.family === AF.INET6) &&
    (a.family === AF.INET || a.family === AF.INET6)
  ) {
    const wild = s.local.addr === '0.0.0.0' || s.local.addr === '::';
    if (wild) s.local = { ...s.local, addr: a.family === AF.INET ? '127.0.0.1' : '::1' } as SockAddr;
  }
  const server = new Sock(listener.net, listener.family, listener.type, listener.protocol);
  server.local = listener.local;
  server.peer = s.local ?? { family: AF.UNIX, path: '' };
  server.state = 'connected';
  server.other = s;
  s.other = server;
  s.peer = a;
  s.state = 'connected';
  listener.backlog.push(server);
  return 0;
}

/** `listen(fd, backlog)`. */
export function sysListen(task: Task, fd: number, backlog: number): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  const { s } = r;
  if (s.type !== SOCK.STREAM && s.type !== SOCK.SEQPACKET) return -ERRNO.EOPNOTSUPP;
  if (s.state === 'connected') return -ERRNO.EINVAL;
  if (s.family === AF.UNIX && s.local === undefined) return -ERRNO.EINVAL;
  const b = autobind(task, s);
  if (b) return b;
  s.state = 'listening';
  s.backlogMax = Math.min(Math.max(backlog, 0), 4096);
  return 0;
}

/** `accept4(fd, addr, addrlen, flags)`. */
export function sysAccept4(task: Task, fd: number, addr: number, lenp: number, flags: number): number {
  if (flags & ~(SOCK.CLOEXEC | SOCK.NONBLOCK)) return -ERRNO.EINVAL;
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  const { f, s } = r;
  if (s.type !== SOCK.STREAM && s.type !== SOCK.SEQPACKET) return -ERRNO.EOPNOTSUPP;
  if (s.state !== 'listening') return -ERRNO.EINVAL;
  const c = s.backlog[0];
  if (c === undefined) return f.nonblocking ? -ERRNO.EAGAIN : SLEEPS;
  if (addr !== 0 && c.peer !== undefined) {
    const w = writeSockaddr(task, c.peer, addr, lenp);
    if (w) return w;
  }
  s.backlog.shift();
  return installSock(task, c, flags);
}

function send(task: Task, s: Sock, data: Uint8Array, to: SockAddr | undefined): number {
  const net = netOf(task.kernel);
  if (s.family === AF.NETLINK) {
    const b = autobind(task, s);
    if (b) return b;
    if (s.protocol !== 0) return NOT_EMULATED;
    if (splitMessages(data).some((m) => !HANDLED_TYPES.has(m.type))) return NOT_EMULATED;
    const pid = (s.local as { pid: number }).pid;
    for (const m of rtnetlinkRequest(task, net, data, pid))
      s.dgrams.push({ data: m, from: { family: AF.NETLINK, pid: 0, groups: 0 } });
    return data.length;
  }
  if (s.type === SOCK.STREAM || s.type === SOCK.SEQPACKET) {
    if (s.state !== 'connected' || s.other === undefined) return -ERRNO.ENOTCONN;
    if (s.peerClosed) return -ERRNO.EPIPE;
    s.other.stream.push(data.slice());
    return data.length;
  }
  const dest = to ?? s.peer;
  if (dest === undefined) return -ERRNO.EDESTADDRREQ;
  const b = autobind(task, s);
  if (b) return b;
  if (data.length > 65507) return -ERRNO.EMSGSIZE;
  const target = findBound(task, s.table, dest);
  const from = s.local ?? { family: AF.UNIX, path: '' };
  const src = from.family === AF.INET && from.addr === '0.0.0.0' ? { ...from, addr: '127.0.0.1' } : from;
  if (target !== undefined) target.dgrams.push({ data: data.slice(), from: src });
  else if (dest.family === AF.UNIX) return -ERRNO.ECONNREFUSED;
  return data.length;
}

function recv(
  f: OpenFile,
  s: Sock,
  len: number,
  flags: number,
): { data: Uint8Array | number; from?: SockAddr } {
  const nonblock = f.nonblocking || (flags & MSG.DONTWAIT) !== 0;
  const peek = (flags & MSG.PEEK) !== 0;
  if (s.type === SOCK.STREAM || s.type === SOCK.SEQPACKET) {
    if (s.state !== 'connected') return { data: -ERRNO.ENOTCONN };
    const first = s.stream[0];
    if (first === undefined)
      return { data: s.peerClosed ? new Uint8Array(0) : nonblock ? -ERRNO.EAGAIN : SLEEPS };
    const out = first.subarray(0, len);
    if (!peek) {
      if (out.length < first.length) s.stream[0] = first.subarray(out.length);
      else s.stream.shift();
    }
    return { data: out, ...(s.peer ? { from: s.peer } : {}) };
  }
  const d = s.dgrams[0];
  if (d === undefined) return { data: nonblock ? -ERRNO.EAGAIN : SLEEPS };
  if (!peek) s.dgrams.shift();
  return { data: d.data.subarray(0, len), from: d.from };
}

/** `sendto(fd, buf, len, flags, dest_addr, addrlen)`. */
export function sysSendto(
  task: Task,
  fd: number,
  buf: number,
  len: number,
  _flags: number,
  addr: number,
  alen: number,
): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  const data = task.mem.copyFromUser(buf, len);
  if (typeof data === 'number') return data;
  let to: SockAddr | undefined;
  if (addr !== 0) {
    const a = readSockaddr(task, r.s.family, addr, alen);
    if (typeof a === 'number') return a;
    to = a;
  }
  return send(task, r.s, data, to);
}

/** `recvfrom(fd, buf, len, flags, src_addr, addrlen)`. */
export function sysRecvfrom(
  task: Task,
  fd: number,
  buf: number,
  len: number,
  flags: number,
  addr: number,
  lenp: number,
): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  if (!task.mem.accessOk(buf, len)) return -ERRNO.EFAULT;
  const got = recv(r.f, r.s, len, flags);
  if (typeof got.data === 'number') return got.data;
  if (task.mem.copyToUser(buf, got.data)) return -ERRNO.EFAULT;
  if (got.from !== undefined && r.s.type !== SOCK.STREAM) {
    const w = writeSockaddr(task, got.from, addr, lenp);
    if (w) return w;
  }
  return got.data.length;
}

/** `getsockname(fd, addr, addrlen)`: the bound address, or the unbound wildcard. */
export function sysGetsockname(task: Task, fd: number, addr: number, lenp: number): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  const { s } = r;
  const a: SockAddr =
    s.local ??
    (s.family === AF.INET
      ? { family: AF.INET, addr: '0.0.0.0', port: 0 }
      : s.family === AF.INET6
        ? { family: AF.INET6, addr: '::', port: 0 }
        : s.family === AF.NETLINK
          ? { family: AF.NETLINK, pid: 0, groups: 0 }
          : { family: AF.UNIX, path: '' });
  return writeSockaddr(task, a, addr, lenp);
}

/** `setsockopt(fd, level, optname, optval, optlen)` for SOL_SOCKET integer options. */
export function sysSetsockopt(
  task: Task,
  fd: number,
  level: number,
  name: number,
  val: number,
  len: number,
): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  if (level !== SOL_SOCKET) return NOT_EMULATED;
  const settable: number[] = [SO.REUSEADDR, SO.BROADCAST, SO.SNDBUF, SO.RCVBUF, SO.KEEPALIVE, SO.REUSEPORT];
  if (!settable.includes(name)) return name >= 1 && name <= 80 ? NOT_EMULATED : -ERRNO.ENOPROTOOPT;
  if (len < 4) return -ERRNO.EINVAL;
  const b = task.mem.copyFromUser(val, 4);
  if (typeof b === 'number') return b;
  let v = new DataView(b.buffer).getInt32(0, true);
  // sock_setsockopt: buffer sizes are doubled (for bookkeeping overhead), with a floor.
  if (name === SO.SNDBUF) v = Math.max(4608, Math.min(v, 212992) * 2);
  else if (name === SO.RCVBUF) v = Math.max(2304, Math.min(v, 212992) * 2);
  else v = v ? 1 : 0;
  r.s.opts.set(name, v);
  return 0;
}

/** `getsockopt(fd, level, optname, optval, optlen)` for SOL_SOCKET integer options. */
export function sysGetsockopt(
  task: Task,
  fd: number,
  level: number,
  name: number,
  val: number,
  lenp: number,
): number {
  const r = sockOf(task, fd);
  if (typeof r === 'number') return r;
  if (level !== SOL_SOCKET) return NOT_EMULATED;
  const { s } = r;
  let v: number | undefined;
  if (name === SO.TYPE) v = s.type;
  else if (name === SO.DOMAIN) v = s.family;
  else if (name === SO.PROTOCOL) v = s.protocol;
  else if (name === SO.ERROR) v = 0;
  else
    v =
      (s.opts.get(name) ??
      ([SO.REUSEADDR, SO.BROADCAST, SO.KEEPALIVE, SO.REUSEPORT] as number[]).includes(name))
        ? (s.opts.get(name) ?? 0)
        : undefined;
  if (v === undefined) return name >= 1 && name <= 80 ? NOT_EMULATED : -ERRNO.ENOPROTOOPT;
  const lb = task.mem.copyFromUser(lenp, 4);
  if (typeof lb === 'number') return lb;
  const have = new DataView(lb.buffer).getInt32(0, true);
  if (have < 0) return -ERRNO.EINVAL;
  const n = Math.min(have, 4);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, v, true);
  if (task.mem.copyToUser(val, out.subarray(0, n))) return -ERRNO.EFAULT;
  const nl = new Uint8Array(4);
  new DataView(nl.buffer).setInt32(0, n, true);
  return task.mem.copyToUser(lenp, nl);
}
