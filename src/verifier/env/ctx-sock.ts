/**
 * @fileoverview Context access for the socket-level program types.
 *
 * Models net/core/filter.c (Linux 6.18) `bpf_sock_is_valid_access` + `__sock_filter_check_attach_type`
 * (`sock_filter_is_valid_access`, cgroup_sock), `sock_addr_is_valid_access` (cgroup_sock_addr),
 * `sock_ops_is_valid_access` (sock_ops), `sk_msg_is_valid_access` (sk_msg), `sk_lookup_is_valid_access`
 * (sk_lookup) and `sk_reuseport_is_valid_access` (sk_reuseport).
 */
import { REG_TYPE, REG_TYPE_OR_NULL } from '../reg-state.js';
import { CTX_ATTACH as A } from './ctx-attach-types.js';
import { type AccessInfo, type IsValidAccess, recordFieldSize } from './ctx-info.js';
import {
  BPF_SK_LOOKUP_SIZE,
  BPF_SOCK_ADDR_SIZE,
  BPF_SOCK_OPS_SIZE,
  BPF_SOCK_SIZE,
  endOf,
  inField,
  inFields,
  BPF_SK_LOOKUP as L,
  SK_MSG_MD as MSG,
  narrowAccessOk,
  BPF_SOCK_OPS as OPS,
  SK_REUSEPORT_MD as RP,
  BPF_SOCK_ADDR as SA,
  BPF_SOCK as SK,
  SK_REUSEPORT_MD_SIZE,
  wideAccessOk,
} from './ctx-layout.js';

const SIZE_DEFAULT = 4;

/** Models `bpf_sock_is_valid_access` (also used for PTR_TO_SOCKET loads by the verifier). */
export function bpfSockIsValidAccess(off: number, size: number, info: AccessInfo): boolean {
  if (off < 0 || off >= BPF_SOCK_SIZE) return false;
  if (off % size !== 0) return false;
  if (
    off === SK.state.off ||
    off === SK.family.off ||
    off === SK.type.off ||
    off === SK.protocol.off ||
    off === SK.src_port.off ||
    off === SK.rx_queue_mapping.off ||
    inField(off, SK.src_ip4) ||
    inField(off, SK.src_ip6) ||
    inField(off, SK.dst_ip4) ||
    inField(off, SK.dst_ip6)
  ) {
    recordFieldSize(info, SIZE_DEFAULT);
    return narrowAccessOk(size, SIZE_DEFAULT);
  }
  if (inField(off, SK.dst_port)) {
    const fieldSize = size === SIZE_DEFAULT ? SIZE_DEFAULT : SK.dst_port.size;
    recordFieldSize(info, fieldSize);
    return narrowAccessOk(size, fieldSize);
  }
  // The padding between dst_port and dst_ip4.
  if (off >= endOf(SK.dst_port) && off < SK.dst_ip4.off) return false;
  return size === SIZE_DEFAULT;
}

/** Models `__sock_filter_check_attach_type`: fields that depend on the cgroup_sock hook. */
function sockFilterCheckAttachType(off: number, write: boolean, attachType: number): boolean {
  if (off === SK.bound_dev_if.off || off === SK.mark.off || off === SK.priority.off) {
    return attachType === A.CGROUP_INET_SOCK_CREATE || attachType === A.CGROUP_INET_SOCK_RELEASE;
  }
  if (inField(off, SK.src_ip4)) {
    if (attachType !== A.CGROUP_INET4_POST_BIND) return false;
  } else if (inField(off, SK.src_ip6)) {
    if (attachType !== A.CGROUP_INET6_POST_BIND) return false;
  } else if (inField(off, SK.src_port)) {
    if (attachType !== A.CGROUP_INET4_POST_BIND && attachType !== A.CGROUP_INET6_POST_BIND) return false;
  }
  return !write;
}

/** Models `sock_filter_is_valid_access` (BPF_PROG_TYPE_CGROUP_SOCK). */
export const sockFilterIsValidAccess: IsValidAccess = (off, size, write, prog, info) => {
  if (!bpfSockIsValidAccess(off, size, info)) return false;
  return sockFilterCheckAttachType(off, write, prog.expectedAttachType);
};

const INET4_ADDR_HOOKS: readonly number[] = [
  A.CGROUP_INET4_BIND,
  A.CGROUP_INET4_CONNECT,
  A.CGROUP_INET4_GETPEERNAME,
  A.CGROUP_INET4_GETSOCKNAME,
  A.CGROUP_UDP4_SENDMSG,
  A.CGROUP_UDP4_RECVMSG,
];
const INET6_ADDR_HOOKS: readonly number[] = [
  A.CGROUP_INET6_BIND,
  A.CGROUP_INET6_CONNECT,
  A.CGROUP_INET6_GETPEERNAME,
  A.CGROUP_INET6_GETSOCKNAME,
  A.CGROUP_UDP6_SENDMSG,
  A.CGROUP_UDP6_RECVMSG,
];

/** Models `sock_addr_is_valid_access` (BPF_PROG_TYPE_CGROUP_SOCK_ADDR). */
export const sockAddrIsValidAccess: IsValidAccess = (off, size, write, prog, info) => {
  if (off < 0 || off >= BPF_SOCK_ADDR_SIZE) return false;
  if (off % size !== 0) return false;
  const at = prog.expectedAttachType;
  // Disallow access to fields not belonging to the attach type's address family.
  if (inField(off, SA.user_ip4) && !INET4_ADDR_HOOKS.includes(at)) return false;
  if (inField(off, SA.user_ip6) && !INET6_ADDR_HOOKS.includes(at)) return false;
  if (inField(off, SA.msg_src_ip4) && at !== A.CGROUP_UDP4_SENDMSG) return false;
  if (inField(off, SA.msg_src_ip6) && at !== A.CGROUP_UDP6_SENDMSG) return false;

  if (
    inField(off, SA.user_ip4) ||
    inField(off, SA.user_ip6) ||
    inField(off, SA.msg_src_ip4) ||
    inField(off, SA.msg_src_ip6) ||
    inField(off, SA.user_port)
  ) {
    if (!write) recordFieldSize(info, SIZE_DEFAULT);
    if (wideAccessOk(off, size, SA.user_ip6)) return true;
    if (wideAccessOk(off, size, SA.msg_src_ip6)) return true;
    return write ? size === SIZE_DEFAULT : narrowAccessOk(size, SIZE_DEFAULT);
  }
  if (inField(off, SA.sk)) {
    if (write || size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_SOCKET;
    return true;
  }
  if (
    inField(off, SA.user_family) ||
    inField(off, SA.family) ||
    inField(off, SA.type) ||
    inField(off, SA.protocol)
  ) {
    return !write && size === SIZE_DEFAULT;
  }
  return false;
};

/** Models `sock_ops_is_valid_access` (BPF_PROG_TYPE_SOCK_OPS). */
export const sockOpsIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (off < 0 || off >= BPF_SOCK_OPS_SIZE) return false;
  // The verifier guarantees that size > 0.
  if (off % size !== 0) return false;
  if (write) {
    if (off === OPS.reply.off || off === OPS.sk_txhash.off) return size === SIZE_DEFAULT;
    return false;
  }
  if (inFields(off, OPS.bytes_received, OPS.bytes_acked)) return size === 8;
  if (inField(off, OPS.sk)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE_OR_NULL.PTR_TO_SOCKET_OR_NULL;
    return true;
  }
  if (inField(off, OPS.skb_data)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_PACKET;
    return true;
  }
  if (inField(off, OPS.skb_data_end)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_PACKET_END;
    return true;
  }
  if (off === OPS.skb_tcp_flags.off) {
    recordFieldSize(info, SIZE_DEFAULT);
    return narrowAccessOk(size, SIZE_DEFAULT);
  }
  if (inField(off, OPS.skb_hwtstamp)) return size === 8;
  return size === SIZE_DEFAULT;
};

/** Models `sk_msg_is_valid_access` (BPF_PROG_TYPE_SK_MSG): read-only, no narrow loads. */
export const skMsgIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (write) return false;
  if (off % size !== 0) return false;
  if (inField(off, MSG.data)) {
    info.regType = REG_TYPE.PTR_TO_PACKET;
    return size === 8;
  }
  if (inField(off, MSG.data_end)) {
    info.regType = REG_TYPE.PTR_TO_PACKET_END;
    return size === 8;
  }
  if (inField(off, MSG.sk)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_SOCKET;
    return true;
  }
  if (
    inField(off, MSG.family) ||
    inField(off, MSG.remote_ip4) ||
    inField(off, MSG.local_ip4) ||
    inField(off, MSG.remote_ip6) ||
    inField(off, MSG.local_ip6) ||
    inField(off, MSG.remote_port) ||
    inField(off, MSG.local_port) ||
    inField(off, MSG.size)
  ) {
    return size === SIZE_DEFAULT;
  }
  return false;
};

/** Models `sk_lookup_is_valid_access` (BPF_PROG_TYPE_SK_LOOKUP): read-only. */
export const skLookupIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (off < 0 || off >= BPF_SK_LOOKUP_SIZE) return false;
  if (off % size !== 0) return false;
  if (write) return false;
  if (inField(off, L.sk)) {
    info.regType = REG_TYPE_OR_NULL.PTR_TO_SOCKET_OR_NULL;
    return size === 8;
  }
  if (
    inField(off, L.family) ||
    inField(off, L.protocol) ||
    inField(off, L.remote_ip4) ||
    inField(off, L.local_ip4) ||
    inField(off, L.remote_ip6) ||
    inField(off, L.local_ip6) ||
    inField(off, L.local_port) ||
    inField(off, L.ingress_ifindex)
  ) {
    recordFieldSize(info, 4);
    return narrowAccessOk(size, 4);
  }
  if (inField(off, L.remote_port)) {
    // Allow 4-byte access to 2-byte field for backward compatibility.
    if (size === 4) return true;
    recordFieldSize(info, 2);
    return narrowAccessOk(size, 2);
  }
  if (off >= endOf(L.remote_port) && off < L.local_ip4.off) {
    // Allow access to zero padding for backward compatibility.
    recordFieldSize(info, 2);
    return narrowAccessOk(size, 2);
  }
  return false;
};

/** Models `sk_reuseport_is_valid_access` (BPF_PROG_TYPE_SK_REUSEPORT): read-only. */
export const skReuseportIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (off < 0 || off >= SK_REUSEPORT_MD_SIZE || off % size !== 0 || write) return false;
  switch (off) {
    case RP.data.off:
      info.regType = REG_TYPE.PTR_TO_PACKET;
      return size === 8;
    case RP.data_end.off:
      info.regType = REG_TYPE.PTR_TO_PACKET_END;
      return size === 8;
    case RP.hash.off:
      return size === SIZE_DEFAULT;
    case RP.sk.off:
      info.regType = REG_TYPE.PTR_TO_SOCKET;
      return size === 8;
    case RP.migrating_sk.off:
      info.regType = REG_TYPE_OR_NULL.PTR_TO_SOCK_COMMON_OR_NULL;
      return size === 8;
  }
  // Fields that allow narrowing; eth_protocol is at least sizeof_field(struct sk_buff, protocol).
  if (inField(off, RP.eth_protocol) && size < 2) return false;
  if (
    inField(off, RP.eth_protocol) ||
    inField(off, RP.ip_protocol) ||
    inField(off, RP.bind_inany) ||
    inField(off, RP.len)
  ) {
    recordFieldSize(info, SIZE_DEFAULT);
    return narrowAccessOk(size, SIZE_DEFAULT);
  }
  return false;
};
