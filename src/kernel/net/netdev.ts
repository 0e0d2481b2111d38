/**
 * @fileoverview The simulated network devices and the interface ioctls on sockets.
 *
 * Models `struct net_device` reduced to name, ifindex, flags, MTU (with `min_mtu`/`max_mtu`) and
 * `tx_queue_len`, the init namespace's device list (`lo` ifindex 1, `eth0` ifindex 2), name
 * allocation from a `%d` template (net/core/dev.c `__dev_alloc_name`: the lowest free number), and
 * net/core/dev_ioctl.c `dev_ifsioc`/`dev_ifsioc_locked` for SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCGIFMTU,
 * SIOCSIFMTU, SIOCGIFTXQLEN, SIOCSIFTXQLEN and SIOCGIFINDEX (ENODEV for an unknown name, EPERM
 * without CAP_NET_ADMIN for the setters, EINVAL for an MTU out of range).
 */
import { ERRNO } from '../../uapi/errno.js';
import { CAP, capable } from '../creds.js';
import { NOT_EMULATED } from '../fs/open-file.js';
import type { Task } from '../task.js';

/** Interface flags (include/uapi/linux/if.h `IFF_*`, the ones `ifr_flags` carries). */
export const IFF = {
  UP: 0x1,
  BROADCAST: 0x2,
  LOOPBACK: 0x8,
  POINTOPOINT: 0x10,
  RUNNING: 0x40,
  NOARP: 0x80,
  PROMISC: 0x100,
  MULTICAST: 0x1000,
} as const;

/** Socket ioctls on interfaces (include/uapi/linux/sockios.h). */
export const SIOC = {
  GIFFLAGS: 0x8913,
  SIFFLAGS: 0x8914,
  GIFMTU: 0x8921,
  SIFMTU: 0x8922,
  GIFINDEX: 0x8933,
  GIFTXQLEN: 0x8942,
  SIFTXQLEN: 0x8943,
} as const;

/** `IFNAMSIZ`. */
export const IFNAMSIZ = 16;

/** Size of `struct ifreq` on x86_64. */
export const IFREQ_SIZE = 40;

/** A network device; models the fields of `struct net_device` these calls touch. */
export interface NetDevice {
  name: string;
  readonly ifindex: number;
  /** `dev->flags` (IFF_UP, ...); IFF_RUNNING is reported from `carrier`. */
  flags: number;
  mtu: number;
  readonly minMtu: number;
  readonly maxMtu: number;
  txqlen: number;
  /** `netif_carrier_ok`. */
  carrier: boolean;
  readonly kind: 'loopback' | 'ether' | 'tun';
}

/** The device list of the (only) network namespace; models `net->dev_base_head` and `dev_index_head`. */
export class NetDevices {
  private readonly byName = new Map<string, NetDevice>();
  private nextIndex = 1;

  constructor() {
    this.add({
      name: 'lo',
      flags: IFF.UP | IFF.LOOPBACK,
      mtu: 65536,
      minMtu: 0,
      maxMtu: 0x7fffffff,
      txqlen: 1000,
      carrier: true,
      kind: 'loopback',
    });
    this.add({
      name: 'eth0',
      flags: IFF.UP | IFF.BROADCAST | IFF.MULTICAST,
      mtu: 1500,
      minMtu: 68,
      maxMtu: 9000,
      txqlen: 1000,
      carrier: true,
      kind: 'ether',
    });
  }

  /** `register_netdevice`: assigns the next ifindex. */
  add(d: Omit<NetDevice, 'ifindex'>): NetDevice {
    const dev = { ...d, ifindex: this.nextIndex++ };
    this.byName.set(dev.name, dev);
    return dev;
  }

  /** `unregister_netdevice`. */
  remove(dev: NetDevice): void {
    if (this.byName.get(dev.name) === dev) this.byName.delete(dev.name);
  }

  /** `__dev_get_by_name`. */
  get(name: string): NetDevice | undefined {
    return this.byName.get(name);
  }

  /** `__dev_get_by_index`. */
  byIndex(ifindex: number): NetDevice | undefined {
    for (const d of this.byName.values()) if (d.ifindex === ifindex) return d;
    return undefined;
  }

  /** Every device, in ifindex order. */
  list(): NetDevice[] {
    return [...this.byName.values()].sort((a, b) => a.ifindex - b.ifindex);
  }

  /** `__dev_alloc_name`: the name with the lowest free number in place of `%d`, or -errno. */
  allocName(template: string): string | number {
    const i = template.indexOf('%');
    if (i < 0) return template;
    if (template.slice(i + 1, i + 2) !== 'd' || template.indexOf('%', i + 1) >= 0) return -ERRNO.EINVAL;
    for (let n = 0; n < 32768; n++) {
      const name = template.replace('%d', String(n));
      if (name.length >= IFNAMSIZ) return -ERRNO.EINVAL;
      if (!this.byName.has(name)) return name;
    }
    return -ERRNO.ENFILE;
  }

  /** The flags `dev_get_flags` reports: `dev->flags` plus IFF_RUNNING when up with carrier. */
  static flagsOf(d: NetDevice): number {
    return (d.flags & ~IFF.RUNNING) | (d.flags & IFF.UP && d.carrier ? IFF.RUNNING : 0);
  }
}

/** `dev_valid_name` (net/core/dev.c). */
export function devValidName(name: string): boolean {
  if (name.length === 0 || name.length >= IFNAMSIZ) return false;
  if (name === '.' || name === '..') return false;
  return !/[/:\s]/.test(name);
}

/** Reads `ifr_name` (NUL-terminated within IFNAMSIZ, as `ifr.ifr_name[IFNAMSIZ-1] = 0`). */
export function ifrName(ifr: Uint8Array): string {
  let end = 0;
  while (end < IFNAMSIZ - 1 && ifr[end] !== 0) end++;
  return new TextDecoder().decode(ifr.subarray(0, end));
}

/** Writes `name` into `ifr_name`. */
export function setIfrName(ifr: Uint8Array, name: string): void {
  ifr.fill(0, 0, IFNAMSIZ);
  ifr.set(new TextEncoder().encode(name).subarray(0, IFNAMSIZ - 1), 0);
}

/**
 * Models `sock_do_ioctl` → `dev_ioctl` for the interface requests above: ENOTTY for commands
 * outside the socket ioctl range (`is_socket_ioctl_cmd`: type 0x89) that the protocols do not
 * handle; other SIOC* and the protocols' own (FIONREAD, TIOCOUTQ) are not emulated.
 */
export function devIoctl(task: Task, devs: NetDevices, cmd: number, arg: number): number {
  const known = Object.values(SIOC) as number[];
  if (!known.includes(cmd)) {
    const FIONREAD = 0x541b;
    const TIOCOUTQ = 0x5411;
    if (((cmd >>> 8) & 0xff) !== 0x89 && cmd !== FIONREAD && cmd !== TIOCOUTQ) return -ERRNO.ENOTTY;
    return NOT_EMULATED;
  }
  const ifr = task.mem.copyFromUser(arg, IFREQ_SIZE);
  if (typeof ifr === 'number') return ifr;
  const dv = new DataView(ifr.buffer);
  const dev = devs.get(ifrName(ifr));
  if (dev === undefined) return -ERRNO.ENODEV;
  const setter = cmd === SIOC.SIFFLAGS || cmd === SIOC.SIFMTU || cmd === SIOC.SIFTXQLEN;
  if (setter && !capable(task.creds, CAP.NET_ADMIN)) return -ERRNO.EPERM;
  switch (cmd) {
    case SIOC.GIFFLAGS:
      dv.setInt16(16, NetDevices.flagsOf(dev), true);
      break;
    case SIOC.GIFMTU:
      dv.setInt32(16, dev.mtu, true);
      break;
    case SIOC.GIFINDEX:
      dv.setInt32(16, dev.ifindex, true);
      break;
    case SIOC.GIFTXQLEN:
      dv.setInt32(16, dev.txqlen, true);
      break;
    case SIOC.SIFFLAGS: {
      // __dev_change_flags: user-settable bits from the request, volatile ones kept, then UP and PROMISC.
      const f = dv.getUint16(16, true);
      const settable = 0x4 | 0x20 | IFF.NOARP | 0x8000 | IFF.MULTICAST | 0x2000 | 0x4000;
      const volatile = IFF.LOOPBACK | IFF.POINTOPOINT | IFF.BROADCAST | IFF.RUNNING | 0x400 | 0x800 | 0x200;
      dev.flags = (f & settable) | (dev.flags & volatile) | (f & (IFF.UP | IFF.PROMISC));
      return 0;
    }
    case SIOC.SIFMTU: {
      const mtu = dv.getInt32(16, true);
      if (mtu < 0 || mtu < dev.minMtu || mtu > dev.maxMtu) return -ERRNO.EINVAL;
      dev.mtu = mtu;
      return 0;
    }
    case SIOC.SIFTXQLEN: {
      const q = dv.getInt32(16, true);
      if (q < 0) return -ERRNO.EINVAL;
      dev.txqlen = q;
      return 0;
    }
  }
  return task.mem.copyToUser(arg, ifr);
}
