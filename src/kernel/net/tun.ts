/**
 * @fileoverview `/dev/net/tun`: the tun/tap character device a VPN daemon opens.
 *
 * Models drivers/net/tun.c: `tun_chr_open` (a queue not attached to a device), `__tun_chr_ioctl`
 * TUNSETIFF (`tun_set_iff`: IFF_TUN or IFF_TAP required, EEXIST when the file is already attached,
 * EPERM without CAP_NET_ADMIN to create, the `tun%d`/`tap%d` templates, EBUSY for a second queue
 * without IFF_MULTI_QUEUE, EINVAL when the flags differ from the device's, the request written back
 * with the device's name) and TUNGETIFF (EBADFD when not attached), `tun_get_user` (EBADFD when
 * detached, EIO while the device is down), `tun_do_read` (EAGAIN or sleep with an empty queue) and
 * `tun_chr_close` (the last queue of a non-persistent device unregisters it). New tun devices have
 * IFF_POINTOPOINT|IFF_NOARP|IFF_MULTICAST, MTU 1500 (68..65535) and tx_queue_len 500.
 */
import { ERRNO } from '../../uapi/errno.js';
import { CAP, capable } from '../creds.js';
import type { Inode } from '../fs/inode.js';
import { type FileOps, OpenFile, SLEEPS } from '../fs/open-file.js';
import type { Task } from '../task.js';
import { devValidName, IFF, IFREQ_SIZE, ifrName, type NetDevice, setIfrName } from './netdev.js';
import { netOf } from './netns.js';

/** tun ioctl numbers (include/uapi/linux/if_tun.h: `_IOW('T', 202, int)`, `_IOR('T', 210, unsigned int)`). */
export const TUN_IOCTL = { TUNSETIFF: 0x400454ca, TUNGETIFF: 0x800454d2 } as const;

/** `ifr_flags` of tun/tap (include/uapi/linux/if_tun.h). */
export const IFF_TUN_FLAGS = {
  TUN: 0x0001,
  TAP: 0x0002,
  NAPI: 0x0010,
  NAPI_FRAGS: 0x0020,
  NO_CARRIER: 0x0040,
  MULTI_QUEUE: 0x0100,
  PERSIST: 0x0800,
  NO_PI: 0x1000,
  ONE_QUEUE: 0x2000,
  VNET_HDR: 0x4000,
  TUN_EXCL: 0x8000,
} as const;

const F = IFF_TUN_FLAGS;
/** `TUN_FEATURES`: the flags kept from the request. */
const TUN_FEATURES = F.NO_PI | F.ONE_QUEUE | F.VNET_HDR | F.MULTI_QUEUE | F.NAPI | F.NAPI_FRAGS;

/** A tun device's driver state (`struct tun_struct`). */
interface TunDevice {
  readonly dev: NetDevice;
  /** `tun->flags`: IFF_TUN/IFF_TAP, TUN_FEATURES, IFF_PERSIST. */
  readonly flags: number;
  queues: number;
  /** The attached queues (`tun->tfiles`). */
  readonly attached: TunQueue[];
}

/** One open /dev/net/tun (`struct tun_file`). */
export interface TunQueue {
  tun: TunDevice | undefined;
  /** Packets the stack sent to the device, waiting for read(). */
  readonly rx: Uint8Array[];
}

const tunDevices = new WeakMap<NetDevice, TunDevice>();

const tunOps: FileOps = {
  seekable: false,
  read(f, _task, len) {
    const q = f.priv as TunQueue;
    if (q.tun === undefined) return -ERRNO.EBADFD;
    const p = q.rx.shift();
    if (p === undefined) return f.nonblocking ? -ERRNO.EAGAIN : SLEEPS;
    return p.subarray(0, len);
  },
  write(f, _task, data) {
    const q = f.priv as TunQueue;
    if (q.tun === undefined) return -ERRNO.EBADFD;
    if (!(q.tun.dev.flags & IFF.UP)) return -ERRNO.EIO;
    return data.length;
  },
  ioctl(f, task, cmd, arg) {
    const q = f.priv as TunQueue;
    if (cmd === TUN_IOCTL.TUNSETIFF) return setIff(task, q, arg);
    if (cmd === TUN_IOCTL.TUNGETIFF) {
      if (q.tun === undefined) return -ERRNO.EBADFD;
      const ifr = new Uint8Array(IFREQ_SIZE);
      setIfrName(ifr, q.tun.dev.name);
      new DataView(ifr.buffer).setUint16(16, q.tun.flags, true);
      return task.mem.copyToUser(arg, ifr);
    }
    return -ERRNO.EINVAL;
  },
  release(f) {
    const q = f.priv as TunQueue;
    const t = q.tun;
    if (t === undefined) return;
    q.tun = undefined;
    t.queues--;
    t.attached.splice(t.attached.indexOf(q), 1);
    t.dev.carrier = t.queues > 0;
    if (t.queues === 0 && !(t.flags & F.PERSIST)) {
      tunDevices.delete(t.dev);
      netOfDev.get(t.dev)?.devices.remove(t.dev);
    }
  },
};

const netOfDev = new WeakMap<NetDevice, ReturnType<typeof netOf>>();

/** Models `tun_set_iff`. */
function setIff(task: Task, q: TunQueue, arg: number): number {
  if (q.tun !== undefined) return -ERRNO.EEXIST;
  const ifr = task.mem.copyFromUser(arg, IFREQ_SIZE);
  if (typeof ifr === 'number') return ifr;
  const dv = new DataView(ifr.buffer);
  const reqFlags = dv.getUint16(16, true);
  const net = netOf(task.kernel);
  const name = ifrName(ifr);
  const existing = name === '' ? undefined : net.devices.get(name);
  if (existing !== undefined) {
    const t = tunDevices.get(existing);
    if (t === undefined) return -ERRNO.EINVAL;
    if (!(reqFlags & F.MULTI_QUEUE) && t.queues >= 1) return -ERRNO.EBUSY;
    if ((reqFlags & (F.TUN | F.TAP | F.MULTI_QUEUE)) !== (t.flags & (F.TUN | F.TAP | F.MULTI_QUEUE)))
      return -ERRNO.EINVAL;
    if (!capable(task.creds, CAP.NET_ADMIN)) return -ERRNO.EPERM;
    q.tun = t;
    t.queues++;
    t.attached.push(q);
    t.dev.carrier = !(t.flags & F.NO_CARRIER);
  } else {
    if (!capable(task.creds, CAP.NET_ADMIN)) return -ERRNO.EPERM;
    let type: number;
    if ((reqFlags & F.TUN) === F.TUN && !(reqFlags & F.TAP)) type = F.TUN;
    else if ((reqFlags & F.TAP) === F.TAP && !(reqFlags & F.TUN)) type = F.TAP;
    else return -ERRNO.EINVAL;
    const template = name !== '' ? name : type === F.TUN ? 'tun%d' : 'tap%d';
    const alloc = net.devices.allocName(template);
    if (typeof alloc === 'number') return alloc;
    if (!devValidName(alloc)) return -ERRNO.EINVAL;
    const tunFlags = type | (reqFlags & TUN_FEATURES);
    const dev = net.devices.add({
      name: alloc,
      flags: type === F.TUN ? IFF.POINTOPOINT | IFF.NOARP | IFF.MULTICAST : IFF.BROADCAST | IFF.MULTICAST,
      mtu: 1500,
      minMtu: 68,
      maxMtu: 65535,
      txqlen: 500,
      carrier: !(reqFlags & F.NO_CARRIER),
      kind: 'tun',
    });
    const t: TunDevice = { dev, flags: tunFlags, queues: 1, attached: [q] };
    tunDevices.set(dev, t);
    netOfDev.set(dev, net);
    q.tun = t;
  }
  // The request goes back to user space with the device's name.
  setIfrName(ifr, q.tun.dev.name);
  return task.mem.copyToUser(arg, ifr);
}

/** `tun_chr_open`: a new queue, attached by TUNSETIFF. */
export function tunOpen(_task: Task, inode: Inode, flags: number): OpenFile {
  const q: TunQueue = { tun: undefined, rx: [] };
  return new OpenFile(inode, flags, tunOps, q);
}

/**
 * The stack transmits `packet` on the tun device `name` (`tun_net_xmit`): it is queued on the first
 * queue for read(); false when the device is missing, down or has no queue (dropped).
 */
export function tunXmit(kernel: object, name: string, packet: Uint8Array): boolean {
  const dev = netOf(kernel).devices.get(name);
  const t = dev === undefined ? undefined : tunDevices.get(dev);
  const q = t?.attached[0];
  if (t === undefined || q === undefined || !(t.dev.flags & IFF.UP)) return false;
  q.rx.push(packet.slice());
  return true;
}
