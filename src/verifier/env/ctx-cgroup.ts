/**
 * @fileoverview Context access for the cgroup program types with their own context structs.
 *
 * Models kernel/bpf/cgroup.c (Linux 6.18) `cgroup_dev_is_valid_access` (cgroup_device),
 * `sysctl_is_valid_access` (cgroup_sysctl) and `cg_sockopt_is_valid_access` (cgroup_sockopt).
 */
import { REG_TYPE } from '../reg-state.js';
import { CTX_ATTACH as A } from './ctx-attach-types.js';
import { type IsValidAccess, recordFieldSize } from './ctx-info.js';
import {
  BPF_CGROUP_DEV_CTX_SIZE,
  BPF_SOCKOPT_SIZE,
  BPF_SYSCTL_SIZE,
  BPF_CGROUP_DEV_CTX as DEV,
  inField,
  narrowAccessOk,
  BPF_SYSCTL as SC,
  BPF_SOCKOPT as SO,
} from './ctx-layout.js';

const SIZE_DEFAULT = 4;

/** Models `cgroup_dev_is_valid_access` (BPF_PROG_TYPE_CGROUP_DEVICE): read-only. */
export const cgroupDevIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (write) return false;
  if (off < 0 || off + size > BPF_CGROUP_DEV_CTX_SIZE) return false;
  // The verifier guarantees that size > 0.
  if (off % size !== 0) return false;
  if (inField(off, DEV.access_type)) {
    recordFieldSize(info, SIZE_DEFAULT);
    return narrowAccessOk(size, SIZE_DEFAULT);
  }
  return size === SIZE_DEFAULT;
};

/** Models `sysctl_is_valid_access` (BPF_PROG_TYPE_CGROUP_SYSCTL): `file_pos` is writable. */
export const sysctlIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (off < 0 || off + size > BPF_SYSCTL_SIZE || off % size !== 0) return false;
  if (inField(off, SC.write)) {
    if (write) return false;
    recordFieldSize(info, SIZE_DEFAULT);
    return narrowAccessOk(size, SIZE_DEFAULT);
  }
  if (inField(off, SC.file_pos)) {
    if (write) return size === SIZE_DEFAULT;
    recordFieldSize(info, SIZE_DEFAULT);
    return narrowAccessOk(size, SIZE_DEFAULT);
  }
  return false;
};

/** Models `cg_sockopt_is_valid_access` (BPF_PROG_TYPE_CGROUP_SOCKOPT); writes depend on the hook. */
export const cgSockoptIsValidAccess: IsValidAccess = (off, size, write, prog, info) => {
  if (off < 0 || off >= BPF_SOCKOPT_SIZE) return false;
  if (off % size !== 0) return false;
  const at = prog.expectedAttachType;
  if (write) {
    switch (off) {
      case SO.retval.off:
        return size === SIZE_DEFAULT && at === A.CGROUP_GETSOCKOPT;
      case SO.optname.off:
      case SO.level.off:
        return size === SIZE_DEFAULT && at === A.CGROUP_SETSOCKOPT;
      case SO.optlen.off:
        return size === SIZE_DEFAULT;
      default:
        return false;
    }
  }
  // The pointers are `bpf_ctx_range_ptr` cases: their upper halves are not readable on their own.
  if (inField(off, SO.sk)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_SOCKET;
    return true;
  }
  if (inField(off, SO.optval)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_PACKET;
    return true;
  }
  if (inField(off, SO.optval_end)) {
    if (size !== 8) return false;
    info.regType = REG_TYPE.PTR_TO_PACKET_END;
    return true;
  }
  switch (off) {
    case SO.retval.off:
      return size === SIZE_DEFAULT && at === A.CGROUP_GETSOCKOPT;
    default:
      return size === SIZE_DEFAULT;
  }
};
