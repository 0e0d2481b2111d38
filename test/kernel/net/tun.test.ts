import { describe, expect, it } from 'vitest';
import { O } from '../../../src/kernel/fs/open-file.js';
import { F } from '../../../src/kernel/fs/syscalls.js';
import { IFF, IFREQ_SIZE, SIOC } from '../../../src/kernel/net/netdev.js';
import { netOf } from '../../../src/kernel/net/netns.js';
import { IFF_TUN_FLAGS, TUN_IOCTL, tunXmit } from '../../../src/kernel/net/tun.js';
import { ERRNO, errnoName } from '../../../src/uapi/errno.js';
import { kernelUnavailable } from '../backend/env.js';
import { hostCaller, simTask } from '../fs/sys.js';

const T = IFF_TUN_FLAGS;

/** A `struct ifreq` with a name and the union's first 4 bytes. */
function ifreq(name: string, flags = 0, int?: number): Uint8Array {
  const b = new Uint8Array(IFREQ_SIZE);
  b.set(new TextEncoder().encode(name), 0);
  const dv = new DataView(b.buffer);
  if (int !== undefined) dv.setInt32(16, int, true);
  else dv.setUint16(16, flags, true);
  return b;
}
const ifrName = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(0, b.indexOf(0)));
const ifrInt = (b: Uint8Array): number => new DataView(b.buffer).getInt32(16, true);

const why = await kernelUnavailable();

describe('/dev/net/tun and interface ioctls', () => {
  it('TUNSETIFF creates the device (name template tun%d), writes the name back; TUNGETIFF reads it', () => {
    const { call, kernel } = simTask();
    const a = call('openat', -100, '/dev/net/tun', O.RDWR | O.CLOEXEC, 0);
    const r = ifreq('', T.TUN | T.NO_PI);
    expect(call('ioctl', a, TUN_IOCTL.TUNSETIFF, r)).toBe(0);
    expect(ifrName(r)).toBe('tun0');
    const b = call('openat', -100, '/dev/net/tun', O.RDWR, 0);
    const r2 = ifreq('tun%d', T.TUN);
    expect(call('ioctl', b, TUN_IOCTL.TUNSETIFF, r2)).toBe(0);
    expect(ifrName(r2)).toBe('tun1');
    const g = new Uint8Array(IFREQ_SIZE);
    expect(call('ioctl', a, TUN_IOCTL.TUNGETIFF, g)).toBe(0);
    expect(ifrName(g)).toBe('tun0');
    expect(new DataView(g.buffer).getUint16(16, true)).toBe(T.TUN | T.NO_PI);
    const dev = netOf(kernel).devices.get('tun0');
    expect(dev).toMatchObject({ mtu: 1500, txqlen: 500, ifindex: 3 });
    expect(call('ioctl', a, TUN_IOCTL.TUNSETIFF, ifreq('x', T.TUN))).toBe(-ERRNO.EEXIST);
    // The last close of a non-persistent device's queue unregisters it.
    expect(call('close', a)).toBe(0);
    expect(netOf(kernel).devices.get('tun0')).toBeUndefined();
  });

  it('queues: EBUSY for a second queue without IFF_MULTI_QUEUE, attach with it, EINVAL for other flags', () => {
    const { call } = simTask();
    const open = (): number => call('openat', -100, '/dev/net/tun', O.RDWR, 0);
    const mq = T.TUN | T.NO_PI | T.MULTI_QUEUE;
    expect(call('ioctl', open(), TUN_IOCTL.TUNSETIFF, ifreq('nebula1', mq))).toBe(0);
    expect(call('ioctl', open(), TUN_IOCTL.TUNSETIFF, ifreq('nebula1', mq))).toBe(0);
    expect(call('ioctl', open(), TUN_IOCTL.TUNSETIFF, ifreq('nebula1', T.TAP | T.MULTI_QUEUE))).toBe(
      -ERRNO.EINVAL,
    );
    expect(call('ioctl', open(), TUN_IOCTL.TUNSETIFF, ifreq('single', T.TUN))).toBe(0);
    expect(call('ioctl', open(), TUN_IOCTL.TUNSETIFF, ifreq('single', T.TUN))).toBe(-ERRNO.EBUSY);
    expect(call('ioctl', open(), TUN_IOCTL.TUNSETIFF, ifreq('lo', T.TUN))).toBe(-ERRNO.EINVAL);
    expect(call('ioctl', open(), TUN_IOCTL.TUNSETIFF, ifreq('a/b', T.TUN))).toBe(-ERRNO.EINVAL);
  });

  it('EPERM without CAP_NET_ADMIN; reads and writes: EBADFD detached, EIO down, EAGAIN empty, packets queued by xmit', () => {
    const user = simTask({ uid: 1000 });
    const u = user.call('openat', -100, '/dev/net/tun', O.RDWR, 0);
    expect(user.call('ioctl', u, TUN_IOCTL.TUNSETIFF, ifreq('t0', T.TUN))).toBe(-ERRNO.EPERM);
    const { call, kernel } = simTask();
    const fd = call('openat', -100, '/dev/net/tun', O.RDWR | O.NONBLOCK, 0);
    const buf = new Uint8Array(64);
    expect(call('read', fd, buf, 64)).toBe(-ERRNO.EBADFD);
    expect(call('write', fd, buf, 20)).toBe(-ERRNO.EBADFD);
    expect(call('ioctl', fd, TUN_IOCTL.TUNGETIFF, new Uint8Array(IFREQ_SIZE))).toBe(-ERRNO.EBADFD);
    expect(call('ioctl', fd, TUN_IOCTL.TUNSETIFF, ifreq('t0', T.TUN | T.NO_PI))).toBe(0);
    expect(call('write', fd, buf, 20)).toBe(-ERRNO.EIO);
    expect(call('read', fd, buf, 64)).toBe(-ERRNO.EAGAIN);
    const s = call('socket', 2, 2, 0);
    const f = ifreq('t0');
    expect(call('ioctl', s, SIOC.GIFFLAGS, f)).toBe(0);
    expect(new DataView(f.buffer).getUint16(16, true)).toBe(IFF.POINTOPOINT | IFF.NOARP | IFF.MULTICAST);
    expect(
      call('ioctl', s, SIOC.SIFFLAGS, ifreq('t0', IFF.POINTOPOINT | IFF.NOARP | IFF.MULTICAST | IFF.UP)),
    ).toBe(0);
    expect(call('ioctl', s, SIOC.GIFFLAGS, f)).toBe(0);
    expect(new DataView(f.buffer).getUint16(16, true)).toBe(0x10d1); // UP|POINTOPOINT|RUNNING|NOARP|MULTICAST
    expect(call('write', fd, buf, 20)).toBe(20);
    expect(tunXmit(kernel, 't0', new Uint8Array([0x45, 1, 2, 3]))).toBe(true);
    expect(call('read', fd, buf, 64)).toBe(4);
    expect(call('fcntl', fd, F.SETFL, 0)).toBe(0);
    expect(user.task.syscall(0, [u, 0, 0]).ret).toBe(-ERRNO.EBADFD);
  });

  it('SIOC* ioctls: MTU range, txqueuelen, ifindex, ENODEV, EPERM unprivileged, ENOTTY on files', () => {
    const { call } = simTask();
    const tun = call('openat', -100, '/dev/net/tun', O.RDWR, 0);
    expect(call('ioctl', tun, TUN_IOCTL.TUNSETIFF, ifreq('nebula1', T.TUN))).toBe(0);
    const s = call('socket', 2, 2, 0);
    expect(call('ioctl', s, SIOC.SIFMTU, ifreq('nebula1', 0, 1300))).toBe(0);
    expect(call('ioctl', s, SIOC.SIFMTU, ifreq('nebula1', 0, 67))).toBe(-ERRNO.EINVAL);
    expect(call('ioctl', s, SIOC.SIFMTU, ifreq('nebula1', 0, 65536))).toBe(-ERRNO.EINVAL);
    const m = ifreq('nebula1');
    expect(call('ioctl', s, SIOC.GIFMTU, m)).toBe(0);
    expect(ifrInt(m)).toBe(1300);
    expect(call('ioctl', s, SIOC.SIFTXQLEN, ifreq('nebula1', 0, 1000))).toBe(0);
    expect(call('ioctl', s, SIOC.GIFTXQLEN, m)).toBe(0);
    expect(ifrInt(m)).toBe(1000);
    expect(call('ioctl', s, SIOC.GIFINDEX, m)).toBe(0);
    expect(ifrInt(m)).toBe(3);
    expect(call('ioctl', s, SIOC.GIFFLAGS, ifreq('nope0'))).toBe(-ERRNO.ENODEV);
    expect(call('ioctl', call('openat', -100, '/etc/passwd', 0, 0), SIOC.GIFFLAGS, ifreq('lo'))).toBe(
      -ERRNO.ENOTTY,
    );
    const user = simTask({ uid: 1000 });
    const us = user.call('socket', 2, 2, 0);
    expect(user.call('ioctl', us, SIOC.GIFMTU, ifreq('lo'))).toBe(0);
    expect(user.call('ioctl', us, SIOC.SIFMTU, ifreq('lo', 0, 1500))).toBe(-ERRNO.EPERM);
  });

  describe.skipIf(why !== undefined)(`vs the real kernel${why ? ` (skipped: ${why})` : ''}`, () => {
    it('lo flags/MTU/ifindex, ENODEV, and tun calls that create nothing', async () => {
      const host = await hostCaller();
      const sim = simTask();
      const script = (call: typeof host): string[] => {
        const out: string[] = [];
        const show = (r: number, b?: Uint8Array): void => {
          out.push(
            r < 0
              ? (errnoName(-r) ?? String(r))
              : b
                ? String(ifrInt(b) & (b === flagsBuf ? 0xffff : -1))
                : String(r),
          );
        };
        const s = call('socket', 2, 2 | 0o2000000, 0);
        const flagsBuf = ifreq('lo');
        show(call('ioctl', s, SIOC.GIFFLAGS, flagsBuf), flagsBuf);
        const mtu = ifreq('lo');
        show(call('ioctl', s, SIOC.GIFMTU, mtu), mtu);
        const idx = ifreq('lo');
        show(call('ioctl', s, SIOC.GIFINDEX, idx), idx);
        show(call('ioctl', s, SIOC.GIFFLAGS, ifreq('bpfsimnone0')));
        show(call('ioctl', s, TUN_IOCTL.TUNSETIFF, ifreq('x', T.TUN)));
        const t = call('openat', -100, '/dev/net/tun', O.RDWR | O.NONBLOCK | O.CLOEXEC, 0);
        show(call('ioctl', t, TUN_IOCTL.TUNGETIFF, new Uint8Array(IFREQ_SIZE)));
        show(call('ioctl', t, TUN_IOCTL.TUNSETIFF, ifreq('bpfsimx0', 0)));
        show(call('ioctl', t, TUN_IOCTL.TUNSETIFF, ifreq('a/b', T.TUN)));
        show(call('read', t, new Uint8Array(64), 64));
        show(call('write', t, new Uint8Array(20), 20));
        show(call('lseek', t, 0, 0));
        show(call('fcntl', t, F.GETFL, 0));
        call('close', t);
        call('close', s);
        return out;
      };
      expect(script(sim.call)).toEqual(script(host));
    });
  });
});
