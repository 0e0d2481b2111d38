/**
 * @fileoverview Context access for the tracing program types without BTF: the context is raw
 * kernel memory the program may only read.
 *
 * Models kernel/trace/bpf_trace.c (Linux 6.18) `kprobe_prog_is_valid_access` (kprobe: `struct
 * pt_regs`), `tp_prog_is_valid_access` (tracepoint: the perf trace buffer after its hidden first
 * 8 bytes), `pe_prog_is_valid_access` (perf_event: `struct bpf_perf_event_data`),
 * `raw_tp_prog_is_valid_access` / `bpf_tracing_ctx_access` (raw_tracepoint: `u64 args[12]`) and
 * `raw_tp_writable_prog_is_valid_access` (raw_tracepoint_writable: args[0] is the writable buffer).
 */
import { REG_TYPE } from '../reg-state.js';
import { type IsValidAccess, recordFieldSize } from './ctx-info.js';
import {
  BPF_PERF_EVENT_DATA_SIZE,
  inField,
  MAX_BPF_FUNC_ARGS,
  narrowAccessOk,
  BPF_PERF_EVENT_DATA as PE,
  PERF_MAX_TRACE_SIZE,
  PT_REGS_SIZE,
} from './ctx-layout.js';

/** Models `kprobe_prog_is_valid_access`: aligned reads inside `struct pt_regs`. */
export const kprobeIsValidAccess: IsValidAccess = (off, size, write) => {
  if (off < 0 || off >= PT_REGS_SIZE) return false;
  if (write) return false;
  if (off % size !== 0) return false;
  return off + size <= PT_REGS_SIZE;
};

/** Models `tp_prog_is_valid_access`: aligned reads below PERF_MAX_TRACE_SIZE, except the first 8 bytes. */
export const tracepointIsValidAccess: IsValidAccess = (off, size, write) => {
  // `off < sizeof(void *)` compares as unsigned and `off >= PERF_MAX_TRACE_SIZE` as signed: a
  // negative offset passes both (the running 6.18 kernel accepts `r0 = *(u64 *)(r1 - 8)`).
  if ((off >= 0 && off < 8) || off >= PERF_MAX_TRACE_SIZE) return false;
  if (write) return false;
  return off % size === 0;
};

/** Models `pe_prog_is_valid_access` on a 64-bit kernel. */
export const perfEventIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (off < 0 || off >= BPF_PERF_EVENT_DATA_SIZE) return false;
  if (write) return false;
  if (off % size !== 0) return false;
  if (inField(off, PE.sample_period) || inField(off, PE.addr)) {
    recordFieldSize(info, 8);
    return narrowAccessOk(size, 8);
  }
  return size === 8;
};

/** Models `raw_tp_prog_is_valid_access` = `bpf_tracing_ctx_access`. */
export const rawTracepointIsValidAccess: IsValidAccess = (off, size, write) => {
  if (off < 0 || off >= 8 * MAX_BPF_FUNC_ARGS) return false;
  if (write) return false;
  return off % size === 0;
};

/** Models `raw_tp_writable_prog_is_valid_access`: args[0] is a PTR_TO_TP_BUFFER. */
export const rawTracepointWritableIsValidAccess: IsValidAccess = (off, size, write, prog, info) => {
  if (off === 0) {
    if (size !== 8 || write) return false;
    info.regType = REG_TYPE.PTR_TO_TP_BUFFER;
  }
  return rawTracepointIsValidAccess(off, size, write, prog, info);
};
