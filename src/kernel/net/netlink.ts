/**
 * @fileoverview rtnetlink requests a VPN daemon sends: RTM_NEWADDR/RTM_DELADDR and
 * RTM_NEWROUTE/RTM_DELROUTE, each answered with an NLMSG_ERROR message.
 *
 * Models net/core/rtnetlink.c `rtnetlink_rcv_msg` (EPERM without CAP_NET_ADMIN for changes,
 * EAFNOSUPPORT for a family without a handler), net/ipv4/devinet.c `inet_rtm_newaddr` (ENODEV for
 * an unknown ifindex, EEXIST with NLM_F_EXCL), net/ipv4/fib_frontend.c `inet_rtm_newroute` →
 * fib_table_insert (EEXIST with NLM_F_EXCL, ENOENT without NLM_F_CREATE, ENETDOWN for a device that
 * is down, ESRCH deleting a missing route) and net/netlink/af_netlink.c `netlink_ack` (sent for an
 * error or when NLM_F_ACK asks; a success ack carries only the request header and NLM_F_CAPPED).
 */
import { ERRNO } from '../../uapi/errno.js';
import { CAP, capable } from '../creds.js';
import type { Task } from '../task.js';
import { IFF } from './netdev.js';
import type { NetNamespace } from './netns.js';

/** Netlink message types and flags (include/uapi/linux/netlink.h, rtnetlink.h). */
export const NLMSG = { NOOP: 1, ERROR: 2, DONE: 3 } as const;
export const RTM = { NEWADDR: 20, DELADDR: 21, NEWROUTE: 24, DELROUTE: 25 } as const;
export const NLM_F = {
  REQUEST: 0x1,
  ACK: 0x4,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  CAPPED: 0x100,
} as const;
/** Route attributes (`RTA_*`) and address attributes (`IFA_*`) read here. */
export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, METRICS: 8, TABLE: 15 } as const;
export const IFA = { ADDRESS: 1, LOCAL: 2 } as const;
const RTAX_MTU = 2;

/** `sizeof(struct nlmsghdr)`. */
export const NLMSG_HDRLEN = 16;

const align4 = (n: number): number => (n + 3) & ~3;

/** The message types {@link rtnetlinkRequest} answers. */
export const HANDLED_TYPES: ReadonlySet<number> = new Set(Object.values(RTM));

function addrString(family: number, b: Uint8Array): string {
  if (family === 2) return [...b.subarray(0, 4)].join('.');
  return [...b.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Parses `rtattr`s of `body` from `off`: type → payload. */
function attrs(body: Uint8Array, off: number): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  while (off + 4 <= body.length) {
    const len = dv.getUint16(off, true);
    const type = dv.getUint16(off + 2, true) & 0x3fff;
    if (len < 4 || off + len > body.length) break;
    out.set(type, body.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

/** Splits a buffer into netlink messages (`netlink_rcv_skb`); undefined when malformed. */
export function splitMessages(
  buf: Uint8Array,
): { type: number; flags: number; seq: number; msg: Uint8Array }[] {
  const out: { type: number; flags: number; seq: number; msg: Uint8Array }[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = dv.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    out.push({
      type: dv.getUint16(off + 4, true),
      flags: dv.getUint16(off + 6, true),
      seq: dv.getUint32(off + 8, true),
      msg: buf.subarray(off, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Runs one request: 0 or -errno (`rtnetlink_rcv_msg` → the doit handler). */
function handle(task: Task, net: NetNamespace, type: number, flags: number, msg: Uint8Array): number {
  if (!capable(task.creds, CAP.NET_ADMIN)) return -ERRNO.EPERM;
  const body = msg.subarray(NLMSG_HDRLEN);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (type === RTM.NEWADDR || type === RTM.DELADDR) {
    if (body.length < 8) return -ERRNO.EINVAL;
    const family = body[0] as number;
    if (family !== 2 && family !== 10) return -ERRNO.EAFNOSUPPORT;
    const prefixlen = body[1] as number;
    const ifindex = dv.getUint32(4, true);
    const a = attrs(body, 8);
    const local = a.get(IFA.LOCAL) ?? a.get(IFA.ADDRESS);
    if (local === undefined) return -ERRNO.EINVAL;
    const addr = addrString(family, local);
    const i = net.addrs.findIndex((x) => x.family === family && x.ifindex === ifindex && x.addr === addr);
    if (type === RTM.DELADDR) {
      if (i < 0) return -ERRNO.EADDRNOTAVAIL;
      net.addrs.splice(i, 1);
      return 0;
    }
    if (net.devices.byIndex(ifindex) === undefined) return -ERRNO.ENODEV;
    if (i >= 0) return flags & NLM_F.EXCL ? -ERRNO.EEXIST : 0;
    net.addrs.push({ family, ifindex, addr, prefixlen });
    return 0;
  }
  // RTM_NEWROUTE / RTM_DELROUTE with a struct rtmsg.
  if (body.length < 12) return -ERRNO.EINVAL;
  const family = body[0] as number;
  if (family !== 2 && family !== 10) return -ERRNO.EAFNOSUPPORT;
  const dstLen = body[1] as number;
  if (dstLen > (family === 2 ? 32 : 128)) return -ERRNO.EINVAL;
  const a = attrs(body, 12);
  const dstB = a.get(RTA.DST);
  const dst = dstB === undefined ? (family === 2 ? '0.0.0.0' : '0') : addrString(family, dstB);
  const oifB = a.get(RTA.OIF);
  const oif =
    oifB !== undefined && oifB.length >= 4
      ? new DataView(oifB.buffer, oifB.byteOffset).getUint32(0, true)
      : 0;
  const tableB = a.get(RTA.TABLE);
  const table =
    tableB !== undefined && tableB.length >= 4
      ? new DataView(tableB.buffer, tableB.byteOffset).getUint32(0, true)
      : (body[4] as number);
  let mtu = 0;
  const metrics = a.get(RTA.METRICS);
  if (metrics !== undefined) {
    const m = attrs(metrics, 0).get(RTAX_MTU);
    if (m !== undefined && m.length >= 4) mtu = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
  }
  const i = net.routes.findIndex(
    (r) => r.family === family && r.dst === dst && r.dstLen === dstLen && r.table === table,
  );
  if (type === RTM.DELROUTE) {
    if (i < 0) return -ERRNO.ESRCH;
    net.routes.splice(i, 1);
    return 0;
  }
  if (oif !== 0) {
    const dev = net.devices.byIndex(oif);
    if (dev === undefined) return -ERRNO.ENODEV;
    if (!(dev.flags & IFF.UP)) return -ERRNO.ENETDOWN;
  }
  if (i >= 0) return flags & NLM_F.EXCL ? -ERRNO.EEXIST : 0;
  if (!(flags & NLM_F.CREATE)) return -ERRNO.ENOENT;
  net.routes.push({ family, dst, dstLen, oif, table, mtu });
  return 0;
}

/** Builds the NLMSG_ERROR answer to `msg` (`netlink_ack`). */
function ack(msg: Uint8Array, err: number, portid: number): Uint8Array {
  const payload = err !== 0 ? msg : msg.subarray(0, NLMSG_HDRLEN);
  const len = NLMSG_HDRLEN + 4 + payload.length;
  const b = new Uint8Array(align4(len));
  const dv = new DataView(b.buffer);
  const req = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  dv.setUint32(0, len, true);
  dv.setUint16(4, NLMSG.ERROR, true);
  dv.setUint16(6, err === 0 ? NLM_F.CAPPED : 0, true);
  dv.setUint32(8, req.getUint32(8, true), true);
  dv.setUint32(12, portid >>> 0, true);
  dv.setInt32(16, err, true);
  b.set(payload, 20);
  return b;
}

/**
 * Processes a NETLINK_ROUTE datagram from `portid`: the answers to queue (one NLMSG_ERROR per
 * request that failed or asked for an ack).
 */
export function rtnetlinkRequest(
  task: Task,
  net: NetNamespace,
  buf: Uint8Array,
  portid: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of splitMessages(buf)) {
    if (!(m.flags & NLM_F.REQUEST) || m.type < 16) continue;
    const err = handle(task, net, m.type, m.flags, m.msg);
    if (err !== 0 || m.flags & NLM_F.ACK) out.push(ack(m.msg, err, portid));
  }
  return out;
}
