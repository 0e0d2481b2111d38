/**
 * @fileoverview The network namespace of a simulated kernel: its devices, addresses, routes,
 * bound ports and netlink port ids.
 *
 * Models `struct net` reduced to the device list (netdev.ts), the IPv4/IPv6 addresses configured
 * with RTM_NEWADDR, the main routing table filled by RTM_NEWROUTE, the UDP/TCP port tables
 * (`udp_table`, `inet_hashinfo`) and the netlink port ids (`nl_table`). Ephemeral ports are handed
 * out in order from the start of `ip_local_port_range` (32768..60999) so that runs are repeatable.
 */
import { NetDevices } from './netdev.js';

/** An address configured on a device (`struct in_ifaddr` / `inet6_ifaddr`). */
export interface IfAddr {
  readonly family: number;
  readonly ifindex: number;
  readonly addr: string;
  readonly prefixlen: number;
}

/** A route of the main table (`struct fib_info` reduced). */
export interface Route {
  readonly family: number;
  readonly dst: string;
  readonly dstLen: number;
  readonly oif: number;
  readonly table: number;
  readonly mtu: number;
}

/** The namespace state; one per simulated kernel. */
export class NetNamespace {
  readonly devices = new NetDevices();
  readonly addrs: IfAddr[] = [
    { family: 2, ifindex: 1, addr: '127.0.0.1', prefixlen: 8 },
    { family: 2, ifindex: 2, addr: '10.0.2.15', prefixlen: 24 },
    { family: 10, ifindex: 1, addr: '::1', prefixlen: 128 },
  ];
  readonly routes: Route[] = [];
  /** Bound sockets by `proto:port` (inet) or `unix:path`, `netlink:proto:portid`. */
  readonly bound = new Map<string, unknown>();
  private nextEphemeral = 32768;
  private nextNlPort = -4096;

  /** The next free ephemeral port for `proto`, or undefined when the range is used up. */
  ephemeralPort(proto: string): number | undefined {
    for (let i = 0; i <= 60999 - 32768; i++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p >= 60999 ? 32768 : p + 1;
      if (!this.bound.has(`${proto}:${p}`)) return p;
    }
    return undefined;
  }

  /** `netlink_autobind`: the tgid if free, else a negative id counting down from -4096. */
  netlinkPort(proto: number, tgid: number): number {
    if (!this.bound.has(`netlink:${proto}:${tgid}`)) return tgid;
    while (this.bound.has(`netlink:${proto}:${this.nextNlPort}`)) this.nextNlPort--;
    return this.nextNlPort--;
  }

  /** True when `addr` is configured here (or the wildcard): what `inet_addr_type` calls local. */
  isLocal(family: number, addr: string): boolean {
    if (family === 2 && (addr === '0.0.0.0' || addr.startsWith('127.'))) return true;
    if (family === 10 && addr === '::') return true;
    return this.addrs.some((a) => a.family === family && a.addr === addr);
  }
}

const perKernel = new WeakMap<object, NetNamespace>();

/** The network namespace of a simulated kernel (created on first use). */
export function netOf(kernel: object): NetNamespace {
  let n = perKernel.get(kernel);
  if (n === undefined) {
    n = new NetNamespace();
    perKernel.set(kernel, n);
  }
  return n;
}
