/**
 * @fileoverview Context access for the remaining program types with a fixed context struct.
 *
 * Models `xdp_is_valid_access` (net/core/filter.c: xdp), `lirc_mode2_is_valid_access`
 * (drivers/media/rc/bpf-lirc.c: lirc_mode2), `nf_is_valid_access` (net/netfilter/nf_bpf_link.c:
 * netfilter) and `syscall_prog_is_valid_access` (kernel/bpf/syscall.c: syscall), Linux 6.18.
 */
import { REG_TYPE, TYPE_FLAG } from '../reg-state.js';
import { CTX_ATTACH as A } from './ctx-attach-types.js';
import type { IsValidAccess } from './ctx-info.js';
import {
  BPF_NF_CTX_SIZE,
  inField,
  BPF_NF_CTX as NF,
  U16_MAX,
  XDP_MD as X,
  XDP_MD_SIZE,
} from './ctx-layout.js';

/** Models `__is_valid_xdp_access`: aligned 4-byte accesses inside `struct xdp_md`. */
function isValidXdpAccess(off: number, size: number): boolean {
  if (off < 0 || off >= XDP_MD_SIZE) return false;
  if (off % size !== 0) return false;
  return size === 4;
}

/**
 * Models `xdp_is_valid_access` (BPF_PROG_TYPE_XDP) for a program that is not offloaded to a NIC:
 * read-only, and `egress_ifindex` only with expected_attach_type BPF_XDP_DEVMAP.
 */
export const xdpIsValidAccess: IsValidAccess = (off, size, write, prog, info) => {
  if (prog.expectedAttachType !== A.XDP_DEVMAP && off === X.egress_ifindex.off) return false;
  // Writes are allowed only to rx_queue_index of offloaded programs, which bpfsim does not model.
  if (write) return false;
  if ((off === X.data_meta.off || off === X.data.off || off === X.data_end.off) && info.isLdsx) return false;
  if (off === X.data.off) info.regType = REG_TYPE.PTR_TO_PACKET;
  else if (off === X.data_meta.off) info.regType = REG_TYPE.PTR_TO_PACKET_META;
  else if (off === X.data_end.off) info.regType = REG_TYPE.PTR_TO_PACKET_END;
  return isValidXdpAccess(off, size);
};

/** Models `lirc_mode2_is_valid_access` (BPF_PROG_TYPE_LIRC_MODE2): one u32 sample. */
export const lircMode2IsValidAccess: IsValidAccess = (off, size, write) => !write && off === 0 && size === 4;

/** Models `nf_is_valid_access` (BPF_PROG_TYPE_NETFILTER): two trusted BTF pointers. */
export const netfilterIsValidAccess: IsValidAccess = (off, size, write, _prog, info) => {
  if (off < 0 || off >= BPF_NF_CTX_SIZE) return false;
  if (write) return false;
  // Only the two whole pointers (the running 6.18 kernel rejects `*(u64 *)(r1 + 4)`).
  if (off % size !== 0) return false;
  const fld = inField(off, NF.state) ? NF.state : inField(off, NF.skb) ? NF.skb : undefined;
  if (fld === undefined || size !== fld.size) return false;
  // nf_ptr_to_btf_id: PTR_TO_BTF_ID | PTR_TRUSTED to the named vmlinux struct.
  info.regType = REG_TYPE.PTR_TO_BTF_ID | TYPE_FLAG.PTR_TRUSTED;
  info.btfName = fld === NF.state ? 'nf_hook_state' : 'sk_buff';
  return true;
};

/** Models `syscall_prog_is_valid_access` (BPF_PROG_TYPE_SYSCALL): any aligned access below U16_MAX. */
export const syscallIsValidAccess: IsValidAccess = (off, size) => {
  if (off < 0 || off >= U16_MAX) return false;
  return off % size === 0;
};
