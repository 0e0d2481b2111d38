/**
 * @fileoverview `struct __sk_buff` and the skb test_run shared by socket filters, tc (sched_cls,
 * sched_act), cgroup_skb and lwt programs.
 *
 * Models include/uapi/linux/bpf.h `struct __sk_buff` (192 bytes) and net/bpf/test_run.c
 * `bpf_prog_test_run_skb` with `convert___skb_to_skb` / `convert_skb_to___skb`: only mark,
 * priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size and hwtstamp may be
 * set in ctx_in (EINVAL otherwise); ifindex > 1 names a device that does not exist (ENODEV).
 */
import { ERRNO } from '../uapi/errno.js';
import type { ProgTypeOps } from './registry.js';
import {
  bpfCtxFinish,
  bpfCtxInit,
  bpfTestFinish,
  bpfTestInit,
  ETH_HLEN,
  rangeIsZero,
  SKB_SHINFO_SIZE,
} from './test-run-common.js';
import type { TestRunFn } from './test-run-io.js';
import { BPF_PROG_TYPE } from './types.js';

/** Field offsets of `struct __sk_buff`. */
export const SKB = {
  len: 0,
  pkt_type: 4,
  mark: 8,
  queue_mapping: 12,
  protocol: 16,
  vlan_present: 20,
  vlan_tci: 24,
  vlan_proto: 28,
  priority: 32,
  ingress_ifindex: 36,
  ifindex: 40,
  tc_index: 44,
  cb: 48,
  hash: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  napi_id: 84,
  family: 88,
  remote_ip4: 92,
  local_ip4: 96,
  remote_ip6: 100,
  local_ip6: 116,
  remote_port: 132,
  local_port: 136,
  data_meta: 140,
  flow_keys: 144,
  tstamp: 152,
  wire_len: 160,
  gso_segs: 164,
  sk: 168,
  gso_size: 176,
  tstamp_type: 180,
  hwtstamp: 184,
} as const;

/** `sizeof(struct __sk_buff)`. */
export const SK_BUFF_USER_SIZE = 192;

/** `NET_SKB_PAD + NET_IP_ALIGN` on x86_64. */
const SKB_HEADROOM = 64;
/** `BPF_F_TEST_SKB_CHECKSUM_COMPLETE`. */
const BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 1 << 2;
/** `GSO_LEGACY_MAX_SIZE`. */
const GSO_LEGACY_MAX_SIZE = 65536;
/** `GSO_MAX_SEGS`. */
const GSO_MAX_SEGS = 65535;
/** Loopback's ifindex: `skb->dev` during a test run. */
const LOOPBACK_IFINDEX = 1;

const u32 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
const putU32 = (b: Uint8Array, off: number, v: number): void =>
  new DataView(b.buffer, b.byteOffset).setUint32(off, v >>> 0, true);

/** Models `convert___skb_to_skb`: 0 or -EINVAL. */
export function checkSkbCtx(ctx: Uint8Array, len: number): number {
  if (!rangeIsZero(ctx, 0, SKB.mark)) return -ERRNO.EINVAL;
  if (!rangeIsZero(ctx, SKB.mark + 4, SKB.priority)) return -ERRNO.EINVAL;
  if (!rangeIsZero(ctx, SKB.ifindex + 4, SKB.cb)) return -ERRNO.EINVAL;
  if (!rangeIsZero(ctx, SKB.cb + 20, SKB.tstamp)) return -ERRNO.EINVAL;
  if (!rangeIsZero(ctx, SKB.gso_segs + 4, SKB.gso_size)) return -ERRNO.EINVAL;
  if (!rangeIsZero(ctx, SKB.gso_size + 4, SKB.hwtstamp)) return -ERRNO.EINVAL;
  if (!rangeIsZero(ctx, SKB.hwtstamp + 8, SK_BUFF_USER_SIZE)) return -ERRNO.EINVAL;
  const wire = u32(ctx, SKB.wire_len);
  if (wire !== 0 && (wire < len || wire > GSO_LEGACY_MAX_SIZE)) return -ERRNO.EINVAL;
  if (u32(ctx, SKB.gso_segs) > GSO_MAX_SEGS) return -ERRNO.EINVAL;
  return 0;
}

/** Models `bpf_prog_test_run_skb`. */
export const testRunSkb: TestRunFn = (prog, attr, io) => {
  if (attr.flags & ~BPF_F_TEST_SKB_CHECKSUM_COMPLETE || attr.cpu || attr.batchSize) return -ERRNO.EINVAL;
  const size = attr.dataSizeIn;
  if (size < ETH_HLEN) return -ERRNO.EINVAL;
  const isL2 = prog.progType === BPF_PROG_TYPE.SCHED_CLS || prog.progType === BPF_PROG_TYPE.SCHED_ACT;
  const data = bpfTestInit(attr, io, size, SKB_HEADROOM, SKB_SHINFO_SIZE);
  if (typeof data === 'number') return data;
  const userCtx = bpfCtxInit(attr, io, SK_BUFF_USER_SIZE);
  if (typeof userCtx === 'number') return userCtx;
  if (userCtx && u32(userCtx, SKB.ifindex) > 1 && !io.ifindexExists(u32(userCtx, SKB.ifindex)))
    return -ERRNO.ENODEV;
  // The skb's len: L2 programs see the whole frame; others start after the Ethernet header.
  const skbLen = isL2 ? size : size - ETH_HLEN;
  if (userCtx) {
    const err = checkSkbCtx(userCtx, skbLen);
    if (err) return err;
  }
  // The context the program reads: the user's fields plus what the kernel derives.
  const ctx = new Uint8Array(SK_BUFF_USER_SIZE);
  if (userCtx) ctx.set(userCtx);
  putU32(ctx, SKB.len, skbLen);
  putU32(ctx, SKB.pkt_type, pktType(data));
  putU32(ctx, SKB.protocol, ethProtocol(data));
  putU32(ctx, SKB.ifindex, LOOPBACK_IFINDEX);
  if (u32(ctx, SKB.wire_len) === 0) putU32(ctx, SKB.wire_len, skbLen);
  const packet = isL2 ? data : data.subarray(ETH_HLEN);
  const r = io.run({
    ctx,
    packet: packet.slice(),
    pointers: { data: SKB.data, dataEnd: SKB.data_end, dataMeta: SKB.data_meta },
    repeat: attr.repeat,
  });
  if (typeof r === 'number') return r;
  // Output: the frame from the MAC header (bpf_test_finish after __skb_push for non-L2 types).
  const outPkt = r.packet ?? packet;
  // Non-L2 types: the kernel pushes the header back and zeroes it (memset(__skb_push(skb, hh_len), 0, hh_len)).
  const out = isL2 ? outPkt : concat(new Uint8Array(ETH_HLEN), outPkt);
  let ret = bpfTestFinish(attr, io, out, out.length, r.retval, r.duration);
  if (!ret && userCtx) {
    // convert_skb_to___skb: the fields written back.
    const o = new Uint8Array(SK_BUFF_USER_SIZE);
    const c = r.ctx;
    for (const [off, n] of [
      [SKB.mark, 4],
      [SKB.priority, 4],
      [SKB.ingress_ifindex, 4],
      [SKB.cb, 20],
      [SKB.tstamp, 8],
      [SKB.gso_segs, 4],
      [SKB.hwtstamp, 8],
    ] as const)
      o.set(c.subarray(off, off + n), off);
    putU32(o, SKB.ifindex, LOOPBACK_IFINDEX);
    putU32(o, SKB.wire_len, u32(c, SKB.wire_len));
    ret = bpfCtxFinish(attr, io, o, SK_BUFF_USER_SIZE);
  }
  return ret;
};

/**
 * Models `eth_type_trans`'s protocol: the EtherType (>= 1536), else 802.3 raw (0xFFFF SAP) or
 * 802.2; returned as the u32 a program reads from `__sk_buff.protocol` (a __be16 in memory).
 */
export function ethProtocol(frame: Uint8Array): number {
  const proto = ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
  let be = proto;
  if (proto < 0x600) be = (((frame[14] ?? 0) << 8) | (frame[15] ?? 0)) === 0xffff ? 0x0001 : 0x0004;
  return ((be & 0xff) << 8) | (be >> 8);
}

/**
 * Models `eth_type_trans`'s pkt_type on the loopback device (address 00:00:00:00:00:00):
 * PACKET_BROADCAST (1), PACKET_MULTICAST (2), PACKET_HOST (0) for the device address, else
 * PACKET_OTHERHOST (3).
 */
export function pktType(frame: Uint8Array): number {
  const dst = frame.subarray(0, 6);
  if (dst.every((b) => b === 0xff)) return 1;
  if ((dst[0] ?? 0) & 1) return 2;
  if (dst.every((b) => b === 0)) return 0;
  return 3;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

/** Whether `[off, off+size)` is one aligned field access inside `struct __sk_buff`. */
export function skbAccessInBounds(off: number, size: number): boolean {
  return off >= 0 && off + size <= SK_BUFF_USER_SIZE && off % size === 0 && [1, 2, 4, 8].includes(size);
}

/** Fields a tc program may write (net/core/filter.c `tc_cls_act_is_valid_access`). */
const TC_WRITABLE: readonly [number, number][] = [
  [SKB.mark, 4],
  [SKB.tc_index, 4],
  [SKB.priority, 4],
  [SKB.cb, 20],
  [SKB.tc_classid, 4],
  [SKB.queue_mapping, 4],
  [SKB.tstamp, 8],
];

/** Models `tc_cls_act_is_valid_access` (reduced to field bounds). */
export function tcIsValidAccess(off: number, size: number, write: boolean): boolean {
  if (!skbAccessInBounds(off, size)) return false;
  if (!write) return true;
  return TC_WRITABLE.some(([o, n]) => off >= o && off + size <= o + n);
}

/** BPF_PROG_TYPE_SCHED_CLS (tc classifier): models `tc_cls_act_prog_ops` / `tc_cls_act_verifier_ops`. */
export const schedClsType: ProgTypeOps = {
  type: BPF_PROG_TYPE.SCHED_CLS,
  name: 'sched_cls',
  ctxSize: SK_BUFF_USER_SIZE,
  testRun: testRunSkb,
  isValidAccess: tcIsValidAccess,
};

/** BPF_PROG_TYPE_SCHED_ACT (tc action): same context and test_run as sched_cls. */
export const schedActType: ProgTypeOps = {
  ...schedClsType,
  type: BPF_PROG_TYPE.SCHED_ACT,
  name: 'sched_act',
};
