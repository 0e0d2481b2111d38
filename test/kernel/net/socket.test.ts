import { describe, expect, it } from 'vitest';
import { O } from '../../../src/kernel/fs/open-file.js';
import { F } from '../../../src/kernel/fs/syscalls.js';
import { encodeSockaddr } from '../../../src/kernel/net/sockaddr.js';
import { MSG, SO, SOCK, SOL_SOCKET } from '../../../src/kernel/net/socket.js';
import { ERRNO, errnoName } from '../../../src/uapi/errno.js';
import { kernelUnavailable } from '../backend/env.js';
import { hostCaller, simTask } from '../fs/sys.js';

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const inet = (addr: string, port: number): Uint8Array => encodeSockaddr({ family: AF_INET, addr, port });
const int = (v: number): Uint8Array => new Uint8Array(new Int32Array([v]).buffer);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** socket(domain, type, protocol) cases; the kernel's answers were read on Linux 6.18 and are re-checked below. */
const SOCKET_CASES: [number, number, number, string][] = [
  [AF_INET, SOCK.SEQPACKET, 0, 'ESOCKTNOSUPPORT'],
  [AF_INET, SOCK.RAW, 0, 'EPROTONOSUPPORT'],
  [AF_INET, SOCK.STREAM, 17, 'EPROTONOSUPPORT'],
  [AF_INET, SOCK.DGRAM, 6, 'EPROTONOSUPPORT'],
  [AF_INET, SOCK.DGRAM, 0, 'ok'],
  [AF_INET, SOCK.STREAM, 0, 'ok'],
  [AF_INET, SOCK.STREAM | SOCK.CLOEXEC | SOCK.NONBLOCK, 6, 'ok'],
  [AF_INET6, SOCK.SEQPACKET, 0, 'ESOCKTNOSUPPORT'],
  [AF_INET6, SOCK.DGRAM, 0, 'ok'],
  [AF_UNIX, SOCK.RAW, 0, 'ok'],
  [AF_UNIX, SOCK.STREAM, 1, 'ok'],
  [AF_UNIX, SOCK.STREAM, 2, 'EPROTONOSUPPORT'],
  [AF_UNIX, SOCK.SEQPACKET, 0, 'ok'],
  [AF_NETLINK, SOCK.STREAM, 0, 'ESOCKTNOSUPPORT'],
  [AF_NETLINK, SOCK.RAW, 0, 'ok'],
  [AF_NETLINK, SOCK.DGRAM, 0, 'ok'],
  [AF_NETLINK, SOCK.RAW, 40, 'EPROTONOSUPPORT'],
  [AF_NETLINK, SOCK.SEQPACKET, 0, 'ESOCKTNOSUPPORT'],
  [99, SOCK.STREAM, 0, 'EAFNOSUPPORT'],
  [46, SOCK.STREAM, 0, 'EAFNOSUPPORT'],
  [AF_INET, 11, 0, 'EINVAL'],
  [AF_INET, 0, 0, 'ESOCKTNOSUPPORT'],
  [AF_INET, SOCK.DGRAM | 0x100, 0, 'EINVAL'],
  [99, SOCK.DGRAM | 0x100, 0, 'EINVAL'],
];

const name = (r: number): string => (r >= 0 ? 'ok' : (errnoName(-r) ?? String(r)));

const why = await kernelUnavailable();

describe('sockets', () => {
  it.each(SOCKET_CASES)('socket(%i, %i, %i) = %s', (d, t, p, want) => {
    const { call } = simTask();
    expect(name(call('socket', d, t, p))).toBe(want);
  });

  it('socket flags: SOCK_NONBLOCK shows in F_GETFL, SOCK_CLOEXEC in F_GETFD', () => {
    const { call } = simTask();
    const fd = call('socket', AF_INET, SOCK.DGRAM | SOCK.NONBLOCK | SOCK.CLOEXEC, 0);
    expect(call('fcntl', fd, F.GETFL, 0)).toBe(O.RDWR | O.NONBLOCK);
    expect(call('fcntl', fd, F.GETFD, 0)).toBe(1);
  });

  it('bind: EADDRINUSE for a taken port, EINVAL when bound twice, EADDRNOTAVAIL, EACCES below 1024 unprivileged', () => {
    const { call } = simTask();
    const a = call('socket', AF_INET, SOCK.DGRAM, 0);
    const b = call('socket', AF_INET, SOCK.DGRAM, 0);
    expect(call('bind', a, inet('0.0.0.0', 4242), 16)).toBe(0);
    expect(call('bind', b, inet('127.0.0.1', 4242), 16)).toBe(-ERRNO.EADDRINUSE);
    expect(call('bind', a, inet('0.0.0.0', 4243), 16)).toBe(-ERRNO.EINVAL);
    expect(call('bind', b, inet('192.0.2.1', 4243), 16)).toBe(-ERRNO.EADDRNOTAVAIL);
    expect(call('bind', b, inet('0.0.0.0', 4242), 8)).toBe(-ERRNO.EINVAL);
    const six = encodeSockaddr({ family: AF_INET6, addr: '::1', port: 1 });
    expect(call('bind', b, six, 28)).toBe(-ERRNO.EAFNOSUPPORT);
    // TCP has its own port table.
    const t = call('socket', AF_INET, SOCK.STREAM, 0);
    expect(call('bind', t, inet('0.0.0.0', 4242), 16)).toBe(0);
    const user = simTask({ uid: 1000 });
    const u = user.call('socket', AF_INET, SOCK.DGRAM, 0);
    expect(user.call('bind', u, inet('0.0.0.0', 80), 16)).toBe(-ERRNO.EACCES);
    expect(user.call('bind', u, inet('0.0.0.0', 8080), 16)).toBe(0);
  });

  it('ENOTSOCK on a file, EBADF on a closed fd', () => {
    const { call } = simTask();
    expect(call('bind', 0, inet('0.0.0.0', 1), 16)).toBe(-ERRNO.ENOTSOCK);
    expect(call('listen', 77, 1)).toBe(-ERRNO.EBADF);
  });

  it('UDP loopback: delivery between two sockets, source address, EAGAIN when empty', () => {
    const { call, task } = simTask();
    const srv = call('socket', AF_INET, SOCK.DGRAM | SOCK.NONBLOCK, 0);
    const cli = call('socket', AF_INET, SOCK.DGRAM, 0);
    expect(call('bind', srv, inet('0.0.0.0', 4242), 16)).toBe(0);
    expect(call('sendto', cli, text('hi there'), 8, 0, inet('127.0.0.1', 4242), 16)).toBe(8);
    const buf = new Uint8Array(64);
    const from = new Uint8Array(16);
    const len = int(16);
    expect(call('recvfrom', srv, buf, 64, 0, from, len)).toBe(8);
    expect(new TextDecoder().decode(buf.subarray(0, 8))).toBe('hi there');
    const dv = new DataView(from.buffer);
    expect(dv.getUint16(0, true)).toBe(AF_INET);
    expect(dv.getUint16(2, false)).toBe(32768); // the client's autobound ephemeral port
    expect([...from.subarray(4, 8)]).toEqual([127, 0, 0, 1]);
    expect(call('recvfrom', srv, buf, 64, 0, 0, 0)).toBe(-ERRNO.EAGAIN);
    // A blocking socket: MSG_DONTWAIT gives EAGAIN, a plain read sleeps.
    expect(call('recvfrom', cli, buf, 64, MSG.DONTWAIT, 0, 0)).toBe(-ERRNO.EAGAIN);
    expect(task.syscall(0, [cli, 0, 0]).sleeping).toBe(true);
    expect(call('sendto', cli, text('x'), 1, 0, 0, 0)).toBe(-ERRNO.EDESTADDRREQ);
  });

  it('TCP loopback: listen, connect, accept4, bytes both ways, EOF after close; ECONNREFUSED without a listener', () => {
    const { call } = simTask();
    const ls = call('socket', AF_INET, SOCK.STREAM, 0);
    expect(call('bind', ls, inet('127.0.0.1', 8080), 16)).toBe(0);
    const c = call('socket', AF_INET, SOCK.STREAM, 0);
    expect(call('connect', c, inet('127.0.0.1', 8080), 16)).toBe(-ERRNO.ECONNREFUSED);
    expect(call('accept4', ls, 0, 0, 0)).toBe(-ERRNO.EINVAL);
    expect(call('listen', ls, 4)).toBe(0);
    expect(call('fcntl', ls, F.SETFL, O.NONBLOCK)).toBe(0);
    expect(call('accept4', ls, 0, 0, 0)).toBe(-ERRNO.EAGAIN);
    expect(call('connect', c, inet('127.0.0.1', 8080), 16)).toBe(0);
    expect(call('connect', c, inet('127.0.0.1', 8080), 16)).toBe(-ERRNO.EISCONN);
    expect(call('accept4', ls, 0, 0, 0x1234)).toBe(-ERRNO.EINVAL);
    const peer = new Uint8Array(16);
    const s = call('accept4', ls, peer, int(16), SOCK.CLOEXEC);
    expect(s).toBeGreaterThan(c);
    expect([...peer.subarray(4, 8)]).toEqual([127, 0, 0, 1]);
    expect(call('write', c, text('GET /'), 5)).toBe(5);
    const buf = new Uint8Array(16);
    expect(call('read', s, buf, 16)).toBe(5);
    expect(call('sendto', s, text('200'), 3, 0, 0, 0)).toBe(3);
    expect(call('recvfrom', c, buf, 16, 0, 0, 0)).toBe(3);
    expect(call('close', s)).toBe(0);
    expect(call('read', c, buf, 16)).toBe(0);
    expect(call('write', c, text('x'), 1)).toBe(-ERRNO.EPIPE);
    const udp = call('socket', AF_INET, SOCK.DGRAM, 0);
    expect(call('listen', udp, 1)).toBe(-ERRNO.EOPNOTSUPP);
  });

  it('AF_UNIX stream: bind creates the socket file (EADDRINUSE the second time), connect, accept', () => {
    const { call } = simTask();
    const path = (p: string): Uint8Array => encodeSockaddr({ family: AF_UNIX, path: p });
    const ls = call('socket', AF_UNIX, SOCK.STREAM, 0);
    expect(call('bind', ls, path('/tmp/sock'), 110)).toBe(0);
    expect(call('bind', call('socket', AF_UNIX, SOCK.STREAM, 0), path('/tmp/sock'), 110)).toBe(
      -ERRNO.EADDRINUSE,
    );
    expect(call('listen', ls, 1)).toBe(0);
    const c = call('socket', AF_UNIX, SOCK.STREAM, 0);
    expect(call('connect', c, path('/tmp/sock'), 110)).toBe(0);
    const st = new Uint8Array(144);
    expect(call('newfstatat', -100, '/tmp/sock', st, 0)).toBe(0);
    expect(new DataView(st.buffer).getUint32(24, true) & 0o170000).toBe(0o140000);
    expect(call('accept4', ls, 0, 0, 0)).toBeGreaterThan(0);
    expect(call('connect', call('socket', AF_UNIX, SOCK.STREAM, 0), path('/tmp/none'), 110)).toBe(
      -ERRNO.ECONNREFUSED,
    );
  });

  it('getsockname and SOL_SOCKET options (buffer sizes doubled, SO_TYPE, SO_DOMAIN, ENOPROTOOPT)', () => {
    const { call } = simTask();
    const fd = call('socket', AF_INET, SOCK.DGRAM, 0);
    const sa = new Uint8Array(16);
    const len = int(16);
    expect(call('getsockname', fd, sa, len)).toBe(0);
    expect(new DataView(sa.buffer).getUint16(0, true)).toBe(AF_INET);
    expect(call('setsockopt', fd, SOL_SOCKET, SO.RCVBUF, int(65536), 4)).toBe(0);
    const v = int(0);
    const vl = int(4);
    expect(call('getsockopt', fd, SOL_SOCKET, SO.RCVBUF, v, vl)).toBe(0);
    expect(new Int32Array(v.buffer)[0]).toBe(131072);
    expect(call('getsockopt', fd, SOL_SOCKET, SO.TYPE, v, vl)).toBe(0);
    expect(new Int32Array(v.buffer)[0]).toBe(SOCK.DGRAM);
    expect(call('setsockopt', fd, SOL_SOCKET, SO.REUSEADDR, int(1), 2)).toBe(-ERRNO.EINVAL);
    expect(call('setsockopt', fd, SOL_SOCKET, 9999, int(1), 4)).toBe(-ERRNO.ENOPROTOOPT);
  });

  describe.skipIf(why !== undefined)(`vs the real kernel${why ? ` (skipped: ${why})` : ''}`, () => {
    it('socket() errnos', async () => {
      const host = await hostCaller();
      for (const [d, t, p, want] of SOCKET_CASES) {
        const r = host('socket', d, t, p);
        if (r >= 0) host('close', r);
        expect(`${d},${t},${p}: ${name(r)}`).toBe(`${d},${t},${p}: ${want}`);
      }
    });

    it('bind/listen/accept4/read errnos', async () => {
      const host = await hostCaller();
      const sim = simTask();
      const script = (call: typeof host): string[] => {
        const out: string[] = [];
        const udp = call('socket', AF_INET, SOCK.DGRAM | SOCK.NONBLOCK, 0);
        const udp2 = call('socket', AF_INET, SOCK.DGRAM, 0);
        const tcp = call('socket', AF_INET, SOCK.STREAM | SOCK.NONBLOCK, 0);
        out.push(name(call('bind', udp, inet('127.0.0.1', 0), 16)));
        const sa = new Uint8Array(16);
        out.push(name(call('getsockname', udp, sa, int(16))));
        const port = new DataView(sa.buffer).getUint16(2, false);
        out.push(name(call('bind', udp2, inet('127.0.0.1', port), 16)));
        out.push(name(call('bind', udp, inet('127.0.0.1', 0), 16)));
        out.push(name(call('bind', udp2, inet('203.0.113.9', 0), 16)));
        out.push(name(call('bind', udp2, inet('0.0.0.0', 0), 4)));
        out.push(name(call('read', udp, new Uint8Array(8), 8)));
        out.push(name(call('listen', udp, 1)));
        out.push(name(call('accept4', tcp, 0, 0, 0)));
        out.push(name(call('listen', tcp, 1)));
        out.push(name(call('accept4', tcp, 0, 0, 0)));
        out.push(name(call('accept4', tcp, 0, 0, 0x40)));
        for (const fd of [udp, udp2, tcp]) call('close', fd);
        return out;
      };
      expect(script(sim.call)).toEqual(script(host));
    });
  });
});
