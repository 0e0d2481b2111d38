/**
 * @fileoverview BPF_PROG_TYPE_SOCKET_FILTER.
 *
 * Models net/core/filter.c `sk_filter_prog_ops` (test_run = `bpf_prog_test_run_skb`: at least
 * ETH_HLEN bytes of data) and `sk_filter_verifier_ops` / `sk_filter_is_valid_access`: the context
 * is `struct __sk_buff`; packet pointers, tc fields and flow keys are not readable, only `cb[]`
 * is writable.
 */
import type { ProgTypeOps } from './registry.js';
import { SK_BUFF_USER_SIZE, SKB, skbAccessInBounds, testRunSkb } from './sched_cls.js';
import { BPF_PROG_TYPE } from './types.js';

const FORBIDDEN: readonly [number, number][] = [
  [SKB.tc_classid, 4],
  [SKB.data, 4],
  [SKB.data_end, 4],
  [SKB.data_meta, 4],
  [SKB.flow_keys, 8],
  [SKB.tstamp, 8],
  [SKB.wire_len, 4],
  [SKB.hwtstamp, 8],
];

/** Models `sk_filter_is_valid_access` (reduced to field bounds). */
export function skFilterIsValidAccess(off: number, size: number, write: boolean): boolean {
  if (!skbAccessInBounds(off, size)) return false;
  if (FORBIDDEN.some(([o, n]) => off < o + n && off + size > o)) return false;
  if (write) return off >= SKB.cb && off + size <= SKB.cb + 20;
  return true;
}

/** BPF_PROG_TYPE_SOCKET_FILTER: models `sk_filter_prog_ops` / `sk_filter_verifier_ops`. */
export const socketFilterType: ProgTypeOps = {
  type: BPF_PROG_TYPE.SOCKET_FILTER,
  name: 'socket_filter',
  ctxSize: SK_BUFF_USER_SIZE,
  testRun: testRunSkb,
  isValidAccess: skFilterIsValidAccess,
};
