/**
 * @fileoverview Shared parts of net/bpf/test_run.c: `bpf_test_init`, `bpf_ctx_init`,
 * `bpf_test_finish`, `bpf_ctx_finish`.
 */
import { ERRNO } from '../uapi/errno.js';
import type { TestRunAttr, TestRunIo } from './test-run-io.js';

/** `ETH_HLEN`. */
export const ETH_HLEN = 14;
/** `PAGE_SIZE`. */
export const PAGE_SIZE = 4096;
/** `SKB_DATA_ALIGN(sizeof(struct skb_shared_info))` on x86_64. */
export const SKB_SHINFO_SIZE = 320;

/**
 * Models `bpf_test_init(kattr, user_size, size, headroom, tailroom)`: the first `user_size` bytes
 * of `data_in` (EINVAL when shorter than ETH_HLEN or longer than a page minus head and tail room,
 * EFAULT on a bad pointer).
 */
export function bpfTestInit(
  attr: TestRunAttr,
  io: TestRunIo,
  userSize: number,
  headroom: number,
  tailroom: number,
): Uint8Array | number {
  if (userSize < ETH_HLEN || userSize > PAGE_SIZE - headroom - tailroom) return -ERRNO.EINVAL;
  const d = io.copyFromUser(attr.dataIn, userSize);
  return typeof d === 'number' ? -ERRNO.EFAULT : d;
}

/**
 * Models `bpf_ctx_init(kattr, max_size)`: undefined when neither ctx_in nor ctx_out is given, else
 * a zeroed `maxSize` buffer with ctx_in copied in (E2BIG for non-zero bytes past `maxSize`).
 */
export function bpfCtxInit(
  attr: TestRunAttr,
  io: TestRunIo,
  maxSize: number,
): Uint8Array | undefined | number {
  if (!attr.ctxIn && !attr.ctxOut) return undefined;
  const data = new Uint8Array(maxSize);
  if (attr.ctxIn) {
    const size = attr.ctxSizeIn >>> 0;
    if (size > PAGE_SIZE) return -ERRNO.E2BIG;
    if (size > maxSize) {
      const z = io.checkZeroedUser(attr.ctxIn + maxSize, size - maxSize);
      if (z < 0) return z;
      if (z === 0) return -ERRNO.E2BIG;
    }
    const n = Math.min(maxSize, size);
    const b = io.copyFromUser(attr.ctxIn, n);
    if (typeof b === 'number') return -ERRNO.EFAULT;
    data.set(b);
  }
  return data;
}

/** Models `bpf_test_finish`: copies the packet out (ENOSPC when data_size_out is smaller), size, retval, duration. */
export function bpfTestFinish(
  attr: TestRunAttr,
  io: TestRunIo,
  data: Uint8Array,
  size: number,
  retval: number,
  duration: number,
): number {
  let err = -ERRNO.EFAULT;
  let copySize = size;
  if (attr.dataSizeOut && copySize > attr.dataSizeOut) {
    copySize = attr.dataSizeOut;
    err = -ERRNO.ENOSPC;
  }
  if (attr.dataOut) {
    if (io.copyToUser(attr.dataOut, data.subarray(0, copySize))) return -ERRNO.EFAULT;
  }
  if (io.putField('data_size_out', size)) return -ERRNO.EFAULT;
  if (io.putField('retval', retval)) return -ERRNO.EFAULT;
  if (io.putField('duration', duration)) return -ERRNO.EFAULT;
  if (err !== -ERRNO.ENOSPC) err = 0;
  return err;
}

/** Models `bpf_ctx_finish`: copies the context out (ENOSPC when ctx_size_out is smaller) and its size. */
export function bpfCtxFinish(
  attr: TestRunAttr,
  io: TestRunIo,
  data: Uint8Array | undefined,
  size: number,
): number {
  if (!data || !attr.ctxOut) return 0;
  let err = -ERRNO.EFAULT;
  let copySize = size;
  if (copySize > attr.ctxSizeOut) {
    copySize = attr.ctxSizeOut;
    err = -ERRNO.ENOSPC;
  }
  if (io.copyToUser(attr.ctxOut, data.subarray(0, copySize))) return -ERRNO.EFAULT;
  if (io.putField('ctx_size_out', size)) return -ERRNO.EFAULT;
  if (err !== -ERRNO.ENOSPC) err = 0;
  return err;
}

/** True when bytes `[from, to)` of `b` are all zero (`range_is_zero`). */
export function rangeIsZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}
