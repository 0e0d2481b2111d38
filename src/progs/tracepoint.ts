/**
 * @fileoverview BPF_PROG_TYPE_TRACEPOINT.
 *
 * Models kernel/trace/bpf_trace.c `tracepoint_prog_ops` (no test_run) and
 * `tracepoint_verifier_ops` / `tp_prog_is_valid_access`: the context is the raw trace record;
 * reads only, at most PERF_MAX_TRACE_SIZE (2048) bytes, aligned to the access size.
 */
import type { ProgTypeOps } from './registry.js';
import { BPF_PROG_TYPE } from './types.js';

/** `PERF_MAX_TRACE_SIZE`. */
export const PERF_MAX_TRACE_SIZE = 2048;

/** Models `tp_prog_is_valid_access`. */
export function tpIsValidAccess(off: number, size: number, write: boolean): boolean {
  if (write) return false;
  if (off < 0 || off >= PERF_MAX_TRACE_SIZE) return false;
  if (off % size !== 0) return false;
  return off + size <= PERF_MAX_TRACE_SIZE;
}

/** BPF_PROG_TYPE_TRACEPOINT: models `tracepoint_prog_ops` / `tracepoint_verifier_ops`. */
export const tracepointType: ProgTypeOps = {
  type: BPF_PROG_TYPE.TRACEPOINT,
  name: 'tracepoint',
  ctxSize: PERF_MAX_TRACE_SIZE,
  isValidAccess: tpIsValidAccess,
};
