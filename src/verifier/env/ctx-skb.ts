/**
 * @fileoverview Context access for the program types whose context is `struct __sk_buff`.
 *
 * Models net/core/filter.c (Linux 6.18) `bpf_skb_is_valid_access` and its callers
 * `sk_filter_is_valid_access` (socket_filter), `tc_cls_act_is_valid_access` (sched_cls, sched_act),
 * `cg_skb_is_valid_access` (cgroup_skb), `lwt_is_valid_access` (lwt_in/out/xmit/seg6local),
 * `sk_skb_is_valid_access` (sk_skb) and `flow_dissector_is_valid_access` (flow_dissector).
 */
import { REG_TYPE, REG_TYPE_OR_NULL } from '../reg-state.js';
import { type AccessInfo, type IsValidAccess, recordFieldSize } from './ctx-info.js';
import { inField, inFields, narrowAccessOk, SK_BUFF as S, SK_BUFF_SIZE } from './ctx-layout.js';

const SIZE_DEFAULT = 4;
const cb0 = { off: S.cb.off, size: 4 } as const;
const cb4 = { off: S.cb.off + 16, size: 4 } as const;

/** `case bpf_ctx_range_till(struct __sk_buff, cb[0], cb[4])`. */
function inCb(off: number): boolean {
  return inFields(off, cb0, cb4);
}

/** `case bpf_ctx_range_till(struct __sk_buff, family, local_port)`: the socket fields. */
function inSockFields(off: number): boolean {
  return inFields(off, S.family, S.local_port);
}

/** Models `bpf_skb_is_valid_access`: the checks every `__sk_buff` program type shares. */
export function bpfSkbIsValidAccess(off: number, size: number, write: boolean, info: AccessInfo): boolean {
  if (off < 0 || off >= SK_BUFF_SIZE) return false;
  // The verifier guarantees that size > 0.
  if (off % size !== 0) return false;

  if (inCb(off)) {
    if (off + size > S.cb.off + S.cb.size) return false;
  } else if (inField(off, S.data) || inField(off, S.data_meta) || inField(off, S.data_end)) {
    if (info.isLdsx || size !== SIZE_DEFAULT) return false;
  } else if (
    inField(off, S.remote_ip6) ||
    inField(off, S.local_ip6) ||
    inField(off, S.remote_ip4) ||
    inField(off, S.local_ip4)
  ) {
    if (size !== SIZE_DEFAULT) return false;
  } else if (inField(off, S.flow_keys)) {
    return false;
  } else if (inField(off, S.hwtstamp)) {
    if (write || size !== 8) return false;
  } else if (inField(off, S.tstamp)) {
    if (size !== 8) return false;
  } else if (inField(off, S.sk)) {
    if (write || size !== 8) return false;
    info.regType = REG_TYPE_OR_NULL.PTR_TO_SOCK_COMMON_OR_NULL;
  } else if (off === S.tstamp_type.off) {
    return false;
  } else if (off >= S.tstamp_type.off + 1 && off < S.hwtstamp.off) {
    // Explicitly prohibit access to padding in __sk_buff.
    return false;
  } else if (write) {
    // Only narrow read access allowed for now.
    if (size !== SIZE_DEFAULT) return false;
  } else {
    recordFieldSize(info, SIZE_DEFAULT);
    if (!narrowAccessOk(size, SIZE_DEFAULT)) return false;
  }
  return true;
}

/** Models `sk_filter_is_valid_access` (BPF_PROG_TYPE_SOCKET_FILTER). */
export const skFilterIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (
    inField(off, S.tc_classid) ||
    inField(off, S.data) ||
    inField(off, S.data_meta) ||
    inField(off, S.data_end) ||
    inSockFields(off) ||
    inField(off, S.tstamp) ||
    inField(off, S.wire_len) ||
    inField(off, S.hwtstamp)
  )
    return false;
  if (write && !inCb(off)) return false;
  return bpfSkbIsValidAccess(off, size, write, info);
};

/** Models `cg_skb_is_valid_access` (BPF_PROG_TYPE_CGROUP_SKB): packet access needs CAP_BPF. */
export const cgSkbIsValidAccess: IsValidAccess = (off, size, write, prog, info) => {
  if (inField(off, S.tc_classid) || inField(off, S.data_meta) || inField(off, S.wire_len)) return false;
  if ((inField(off, S.data) || inField(off, S.data_end)) && !prog.bpfCapable) return false;
  if (write) {
    if (inField(off, S.tstamp)) {
      if (!prog.bpfCapable) return false;
    } else if (!inField(off, S.mark) && !inField(off, S.priority) && !inCb(off)) return false;
  }
  if (inField(off, S.data)) info.regType = REG_TYPE.PTR_TO_PACKET;
  else if (inField(off, S.data_end)) info.regType = REG_TYPE.PTR_TO_PACKET_END;
  return bpfSkbIsValidAccess(off, size, write, info);
};

/** Models `lwt_is_valid_access` (BPF_PROG_TYPE_LWT_IN/OUT/XMIT/SEG6LOCAL). */
export const lwtIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (
    inField(off, S.tc_classid) ||
    inSockFields(off) ||
    inField(off, S.data_meta) ||
    inField(off, S.tstamp) ||
    inField(off, S.wire_len) ||
    inField(off, S.hwtstamp)
  )
    return false;
  if (write && !inField(off, S.mark) && !inField(off, S.priority) && !inCb(off)) return false;
  if (inField(off, S.data)) info.regType = REG_TYPE.PTR_TO_PACKET;
  else if (inField(off, S.data_end)) info.regType = REG_TYPE.PTR_TO_PACKET_END;
  return bpfSkbIsValidAccess(off, size, write, info);
};

/** Fields a tc program may write. Models the BPF_WRITE switch of `tc_cls_act_is_valid_access`. */
function tcWritable(off: number): boolean {
  return (
    inField(off, S.mark) ||
    inField(off, S.tc_index) ||
    inField(off, S.priority) ||
    inField(off, S.tc_classid) ||
    inCb(off) ||
    inField(off, S.tstamp) ||
    inField(off, S.queue_mapping)
  );
}

/** Models `tc_cls_act_is_valid_access` (BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SCHED_ACT). */
export const tcClsActIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (write && !tcWritable(off)) return false;
  if (inField(off, S.data)) info.regType = REG_TYPE.PTR_TO_PACKET;
  else if (inField(off, S.data_meta)) info.regType = REG_TYPE.PTR_TO_PACKET_META;
  else if (inField(off, S.data_end)) info.regType = REG_TYPE.PTR_TO_PACKET_END;
  else if (inSockFields(off)) return false;
  else if (off === S.tstamp_type.off) {
    // convert_ctx_access of __sk_buff->tstamp depends on whether the program reads tstamp_type.
    info.tstampTypeAccess = true;
    return size === 1;
  }
  return bpfSkbIsValidAccess(off, size, write, info);
};

/** Models `sk_skb_is_valid_access` (BPF_PROG_TYPE_SK_SKB). */
export const skSkbIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (
    inField(off, S.tc_classid) ||
    inField(off, S.data_meta) ||
    inField(off, S.tstamp) ||
    inField(off, S.wire_len) ||
    inField(off, S.hwtstamp)
  )
    return false;
  if (write && !inField(off, S.tc_index) && !inField(off, S.priority)) return false;
  if (inField(off, S.mark)) return false;
  if (inField(off, S.data)) info.regType = REG_TYPE.PTR_TO_PACKET;
  else if (inField(off, S.data_end)) info.regType = REG_TYPE.PTR_TO_PACKET_END;
  return bpfSkbIsValidAccess(off, size, write, info);
};

/** Models `flow_dissector_is_valid_access` (BPF_PROG_TYPE_FLOW_DISSECTOR): data, data_end, flow_keys. */
export const flowDissectorIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (off < 0 || off >= SK_BUFF_SIZE) return false;
  if (off % size !== 0) return false;
  if (write) return false;
  if (inField(off, S.data)) {
    if (info.isLdsx || size !== SIZE_DEFAULT) return false;
    info.regType = REG_TYPE.PTR_TO_PACKET;
    return true;
  }
  if (inField(off, S.data_end)) {
    if (info.isLdsx || size !== SIZE_DEFAULT) return false;
    info.regType = REG_TYPE.PTR_TO_PACKET_END;
    return true;
  }
  if (inField(off, S.flow_keys)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_FLOW_KEYS;
    return true;
  }
  return false;
};
