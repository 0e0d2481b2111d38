/**
 * @fileoverview XDP programs: `struct xdp_md` and the XDP test_run.
 *
 * Models include/uapi/linux/bpf.h `struct xdp_md` (24 bytes) and net/bpf/test_run.c
 * `bpf_prog_test_run_xdp` + `xdp_convert_md_to_buff`/`xdp_convert_buff_to_md` (6.18): flags other
 * than BPF_F_TEST_XDP_LIVE_FRAMES are EINVAL, batch_size only in live mode, ctx data_meta must be 0,
 * data <= data_end <= data_size_in, metadata comes from the headroom, at least ETH_HLEN bytes after
 * it, egress_ifindex must be 0, rx_queue_index needs an ingress device with that queue; data past
 * the linear part becomes page fragments.
 */
import { ERRNO } from '../uapi/errno.js';
import type { ProgTypeOps } from './registry.js';
import {
  bpfCtxFinish,
  bpfCtxInit,
  bpfTestFinish,
  bpfTestInit,
  ETH_HLEN,
  PAGE_SIZE,
  SKB_SHINFO_SIZE,
} from './test-run-common.js';
import type { TestRunFn } from './test-run-io.js';
import { BPF_PROG_TYPE } from './types.js';

/** Field offsets of `struct xdp_md`. */
export const XDP_MD = {
  data: 0,
  data_end: 4,
  data_meta: 8,
  ingress_ifindex: 12,
  rx_queue_index: 16,
  egress_ifindex: 20,
} as const;

/** `sizeof(struct xdp_md)`. */
export const XDP_MD_SIZE = 24;
/** `XDP_PACKET_HEADROOM`. */
const XDP_PACKET_HEADROOM = 256;
/** `BPF_F_TEST_XDP_LIVE_FRAMES`. */
const BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
/** `TEST_XDP_MAX_BATCH`. */
const TEST_XDP_MAX_BATCH = 256;
/** `sizeof(struct xdp_page_head)` on x86_64 6.18. */
const XDP_PAGE_HEAD_SIZE = 304;
/** `MAX_SKB_FRAGS`. */
const MAX_SKB_FRAGS = 17;
/** `BPF_XDP_DEVMAP`, `BPF_XDP_CPUMAP` attach types. */
const BPF_XDP_CPUMAP = 35;
const BPF_XDP_DEVMAP = 33;

const u32 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
const putU32 = (b: Uint8Array, off: number, v: number): void =>
  new DataView(b.buffer, b.byteOffset).setUint32(off, v >>> 0, true);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

/** Models `xdp_metalen_invalid`: metadata length not a multiple of 4 or above 255. */
function metalenInvalid(len: number): boolean {
  return (len & 3) !== 0 || len > 255;
}

/** Models `bpf_prog_test_run_xdp` (without live frames, which need a real device). */
export const testRunXdp: TestRunFn = (prog, attr, io) => {
  if (prog.expectedAttachType === BPF_XDP_DEVMAP || prog.expectedAttachType === BPF_XDP_CPUMAP)
    return -ERRNO.EINVAL;
  if (attr.flags & ~BPF_F_TEST_XDP_LIVE_FRAMES) return -ERRNO.EINVAL;
  const doLive = (attr.flags & BPF_F_TEST_XDP_LIVE_FRAMES) !== 0;
  let headroom = XDP_PACKET_HEADROOM;
  const tailroom = SKB_SHINFO_SIZE;
  if (doLive) {
    if (attr.batchSize > TEST_XDP_MAX_BATCH) return -ERRNO.E2BIG;
    headroom += XDP_PAGE_HEAD_SIZE;
  } else if (attr.batchSize) return -ERRNO.EINVAL;
  const ctx = bpfCtxInit(attr, io, XDP_MD_SIZE);
  if (typeof ctx === 'number') return ctx;
  let metaSz = 0;
  let linearSz = attr.dataSizeIn;
  if (ctx) {
    const d = u32(ctx, XDP_MD.data);
    const de = u32(ctx, XDP_MD.data_end);
    if (
      u32(ctx, XDP_MD.data_meta) ||
      de > attr.dataSizeIn ||
      d > de ||
      metalenInvalid(d) ||
      (doLive && (attr.dataOut || attr.ctxOut))
    )
      return -ERRNO.EINVAL;
    headroom -= d;
    metaSz = d;
    linearSz = de;
  }
  const maxLinear = PAGE_SIZE - headroom - tailroom;
  linearSz = Math.min(linearSz, maxLinear);
  if (doLive && attr.dataSizeIn > linearSz) return -ERRNO.EINVAL;
  if (attr.dataSizeIn - metaSz < ETH_HLEN) return -ERRNO.EINVAL;
  const data = bpfTestInit(attr, io, linearSz, headroom, tailroom);
  if (typeof data === 'number') return data;
  // Bytes past the linear part go to page fragments (at most MAX_SKB_FRAGS of them, else ENOMEM).
  // The program sees the linear part (data..data_end); the fragments come back unchanged.
  let frags: Uint8Array | undefined;
  if (attr.dataSizeIn > linearSz) {
    if (Math.ceil((attr.dataSizeIn - linearSz) / PAGE_SIZE) > MAX_SKB_FRAGS) return -ERRNO.ENOMEM;
    const f = io.copyFromUser(attr.dataIn + linearSz, attr.dataSizeIn - linearSz);
    if (typeof f === 'number') return -ERRNO.EFAULT;
    frags = f;
  }
  if (ctx) {
    if (u32(ctx, XDP_MD.egress_ifindex) !== 0) return -ERRNO.EINVAL;
    const ing = u32(ctx, XDP_MD.ingress_ifindex);
    const rxq = u32(ctx, XDP_MD.rx_queue_index);
    if (!ing && rxq) return -ERRNO.EINVAL;
    if (ing) {
      if (!io.ifindexExists(ing)) return -ERRNO.ENODEV;
      if (rxq >= 1) return -ERRNO.EINVAL;
    }
  }
  if (doLive) return -ERRNO.EOPNOTSUPP;
  const runCtx = new Uint8Array(XDP_MD_SIZE);
  if (ctx) runCtx.set(ctx);
  const r = io.run({
    ctx: runCtx,
    packet: data.slice(),
    metaLen: metaSz,
    pointers: { data: XDP_MD.data, dataEnd: XDP_MD.data_end, dataMeta: XDP_MD.data_meta },
    repeat: attr.repeat,
  });
  if (typeof r === 'number') return r;
  const linear = r.packet ?? data;
  const out = frags ? concat(linear, frags) : linear;
  let ret = bpfTestFinish(attr, io, out, out.length, r.retval, r.duration);
  if (!ret && ctx) {
    const o = new Uint8Array(XDP_MD_SIZE);
    o.set(r.ctx.subarray(0, XDP_MD_SIZE));
    putU32(o, XDP_MD.data_meta, 0);
    putU32(o, XDP_MD.data, metaSz);
    putU32(o, XDP_MD.data_end, linear.length);
    ret = bpfCtxFinish(attr, io, o, XDP_MD_SIZE);
  }
  return ret;
};

/** Models `xdp_is_valid_access`: aligned u32 reads of xdp_md; no writes. */
export function xdpIsValidAccess(off: number, size: number, write: boolean): boolean {
  return !write && size === 4 && off >= 0 && off + size <= XDP_MD_SIZE && off % 4 === 0;
}

/** BPF_PROG_TYPE_XDP: models `xdp_prog_ops` / `xdp_verifier_ops`. */
export const xdpType: ProgTypeOps = {
  type: BPF_PROG_TYPE.XDP,
  name: 'xdp',
  ctxSize: XDP_MD_SIZE,
  testRun: testRunXdp,
  isValidAccess: xdpIsValidAccess,
};
