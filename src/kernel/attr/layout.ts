/**
 * @fileoverview The byte layout of `union bpf_attr` on Linux 6.18 (include/uapi/linux/bpf.h) and the
 * `*_LAST_FIELD` of every command (kernel/bpf/syscall.c).
 *
 * Offsets are those of the C structs on x86_64 (`__aligned_u64` fields on 8-byte boundaries). The
 * union is 168 bytes: PROG_LOAD's last member, `keyring_id`, ends there.
 */
import { BPF_CMD } from './commands.js';

/** `sizeof(union bpf_attr)` on 6.18. */
export const BPF_ATTR_SIZE = 168;

/** One attr member: byte offset and size. */
export interface AttrField {
  readonly off: number;
  readonly size: 1 | 2 | 4 | 8 | 16;
}

const f = (off: number, size: AttrField['size']): AttrField => ({ off, size });

/** The anonymous struct used by BPF_MAP_CREATE. */
export const MAP_CREATE_ATTR = {
  map_type: f(0, 4),
  key_size: f(4, 4),
  value_size: f(8, 4),
  max_entries: f(12, 4),
  map_flags: f(16, 4),
  inner_map_fd: f(20, 4),
  numa_node: f(24, 4),
  map_name: f(28, 16),
  map_ifindex: f(44, 4),
  btf_fd: f(48, 4),
  btf_key_type_id: f(52, 4),
  btf_value_type_id: f(56, 4),
  btf_vmlinux_value_type_id: f(60, 4),
  map_extra: f(64, 8),
  value_type_btf_obj_fd: f(72, 4),
  map_token_fd: f(76, 4),
  excl_prog_hash: f(80, 8),
  excl_prog_hash_size: f(88, 4),
} as const;

/** The struct used by the BPF_MAP_*_ELEM commands and BPF_MAP_FREEZE. */
export const MAP_ELEM_ATTR = {
  map_fd: f(0, 4),
  key: f(8, 8),
  value: f(16, 8),
  next_key: f(16, 8),
  flags: f(24, 8),
} as const;

/** The `batch` struct of the BPF_MAP_*_BATCH commands. */
export const MAP_BATCH_ATTR = {
  in_batch: f(0, 8),
  out_batch: f(8, 8),
  keys: f(16, 8),
  values: f(24, 8),
  count: f(32, 4),
  map_fd: f(36, 4),
  elem_flags: f(40, 8),
  flags: f(48, 8),
} as const;

/** The struct used by BPF_PROG_LOAD. */
export const PROG_LOAD_ATTR = {
  prog_type: f(0, 4),
  insn_cnt: f(4, 4),
  insns: f(8, 8),
  license: f(16, 8),
  log_level: f(24, 4),
  log_size: f(28, 4),
  log_buf: f(32, 8),
  kern_version: f(40, 4),
  prog_flags: f(44, 4),
  prog_name: f(48, 16),
  prog_ifindex: f(64, 4),
  expected_attach_type: f(68, 4),
  prog_btf_fd: f(72, 4),
  func_info_rec_size: f(76, 4),
  func_info: f(80, 8),
  func_info_cnt: f(88, 4),
  line_info_rec_size: f(92, 4),
  line_info: f(96, 8),
  line_info_cnt: f(104, 4),
  attach_btf_id: f(108, 4),
  attach_prog_fd: f(112, 4),
  core_relo_cnt: f(116, 4),
  fd_array: f(120, 8),
  core_relos: f(128, 8),
  core_relo_rec_size: f(136, 4),
  log_true_size: f(140, 4),
  prog_token_fd: f(144, 4),
  fd_array_cnt: f(148, 4),
  signature: f(152, 8),
  signature_size: f(160, 4),
  keyring_id: f(164, 4),
} as const;

/** The struct used by BPF_OBJ_PIN and BPF_OBJ_GET. */
export const OBJ_ATTR = {
  pathname: f(0, 8),
  bpf_fd: f(8, 4),
  file_flags: f(12, 4),
  path_fd: f(16, 4),
} as const;

/** The `test` struct of BPF_PROG_TEST_RUN. */
export const TEST_RUN_ATTR = {
  prog_fd: f(0, 4),
  retval: f(4, 4),
  data_size_in: f(8, 4),
  data_size_out: f(12, 4),
  data_in: f(16, 8),
  data_out: f(24, 8),
  repeat: f(32, 4),
  duration: f(36, 4),
  ctx_size_in: f(40, 4),
  ctx_size_out: f(44, 4),
  ctx_in: f(48, 8),
  ctx_out: f(56, 8),
  flags: f(64, 4),
  cpu: f(68, 4),
  batch_size: f(72, 4),
} as const;

/** The anonymous struct of the *_GET_NEXT_ID and *_GET_FD_BY_ID commands. */
export const ID_ATTR = {
  start_id: f(0, 4),
  prog_id: f(0, 4),
  map_id: f(0, 4),
  next_id: f(4, 4),
  open_flags: f(8, 4),
  fd_by_id_token_fd: f(12, 4),
} as const;

/** The `info` struct of BPF_OBJ_GET_INFO_BY_FD. */
export const INFO_ATTR = {
  bpf_fd: f(0, 4),
  info_len: f(4, 4),
  info: f(8, 8),
} as const;

const end = (x: AttrField): number => x.off + x.size;

/**
 * Byte offset just past each command's `*_LAST_FIELD`: CHECK_ATTR requires every byte from here to
 * the end of the union to be zero. Models the `#define BPF_*_LAST_FIELD` lines of syscall.c.
 */
export const LAST_FIELD_END: Readonly<Record<number, number>> = {
  [BPF_CMD.MAP_CREATE]: end(MAP_CREATE_ATTR.excl_prog_hash_size),
  [BPF_CMD.MAP_LOOKUP_ELEM]: end(MAP_ELEM_ATTR.flags),
  [BPF_CMD.MAP_UPDATE_ELEM]: end(MAP_ELEM_ATTR.flags),
  [BPF_CMD.MAP_DELETE_ELEM]: end(MAP_ELEM_ATTR.key),
  [BPF_CMD.MAP_GET_NEXT_KEY]: end(MAP_ELEM_ATTR.next_key),
  [BPF_CMD.MAP_LOOKUP_AND_DELETE_ELEM]: end(MAP_ELEM_ATTR.flags),
  [BPF_CMD.MAP_FREEZE]: end(MAP_ELEM_ATTR.map_fd),
  [BPF_CMD.MAP_LOOKUP_BATCH]: end(MAP_BATCH_ATTR.flags),
  [BPF_CMD.MAP_LOOKUP_AND_DELETE_BATCH]: end(MAP_BATCH_ATTR.flags),
  [BPF_CMD.MAP_UPDATE_BATCH]: end(MAP_BATCH_ATTR.flags),
  [BPF_CMD.MAP_DELETE_BATCH]: end(MAP_BATCH_ATTR.flags),
  [BPF_CMD.PROG_LOAD]: end(PROG_LOAD_ATTR.keyring_id),
  [BPF_CMD.OBJ_PIN]: end(OBJ_ATTR.path_fd),
  [BPF_CMD.OBJ_GET]: end(OBJ_ATTR.path_fd),
  [BPF_CMD.PROG_TEST_RUN]: end(TEST_RUN_ATTR.batch_size),
  [BPF_CMD.PROG_GET_NEXT_ID]: end(ID_ATTR.next_id),
  [BPF_CMD.MAP_GET_NEXT_ID]: end(ID_ATTR.next_id),
  [BPF_CMD.PROG_GET_FD_BY_ID]: end(ID_ATTR.prog_id),
  [BPF_CMD.MAP_GET_FD_BY_ID]: end(ID_ATTR.open_flags),
  [BPF_CMD.OBJ_GET_INFO_BY_FD]: end(INFO_ATTR.info),
};
