/**
 * @fileoverview BPF_OBJ_GET_INFO_BY_FD for maps and programs.
 *
 * Models kernel/bpf/syscall.c `bpf_obj_get_info_by_fd` (CHECK_ATTR, EBADFD for a closed fd, EINVAL
 * for other files), `bpf_map_get_info_by_fd` and `bpf_prog_get_info_by_fd`: the info struct is
 * filled, `bpf_check_uarg_tail_zero` rejects non-zero bytes past the kernel's struct (E2BIG),
 * `min(info_len, sizeof)` bytes are copied and `info_len` written back. For programs, user-supplied
 * arrays (map_ids, xlated_prog_insns) are filled up to the given counts; without bpf_capable() the
 * instruction dumps are hidden as in the kernel. bpfsim has no machine code: `jited_prog_len` is 0.
 */
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { INFO_ATTR as A } from '../attr/layout.js';
import { bpfCapable } from '../creds.js';
import type { KMap, KProg } from '../objects.js';
import type { Task } from '../task.js';
import { PAGE_SIZE } from '../user-memory.js';

/** `sizeof(struct bpf_map_info)` on 6.18. */
export const BPF_MAP_INFO_SIZE = 104;
/** `sizeof(struct bpf_prog_info)` on 6.18. */
export const BPF_PROG_INFO_SIZE = 232;

/** Field offsets of `struct bpf_map_info`. */
export const MAP_INFO = {
  type: 0,
  id: 4,
  key_size: 8,
  value_size: 12,
  max_entries: 16,
  map_flags: 20,
  name: 24,
  map_extra: 80,
} as const;

/** Field offsets of `struct bpf_prog_info`. */
export const PROG_INFO = {
  type: 0,
  id: 4,
  tag: 8,
  jited_prog_len: 16,
  xlated_prog_len: 20,
  jited_prog_insns: 24,
  xlated_prog_insns: 32,
  load_time: 40,
  created_by_uid: 48,
  nr_map_ids: 52,
  map_ids: 56,
  name: 64,
  ifindex: 80,
  gpl_compatible: 84,
  run_time_ns: 192,
  run_cnt: 200,
  recursion_misses: 208,
  verified_insns: 216,
} as const;

function checkTail(task: Task, uinfo: number, expected: number, actual: number): number {
  if (actual > PAGE_SIZE) return -ERRNO.E2BIG;
  if (actual <= expected) return 0;
  const z = task.mem.checkZeroedUser(uinfo + expected, actual - expected);
  if (z < 0) return z;
  return z ? 0 : -ERRNO.E2BIG;
}

function finish(task: Task, uattr: number, uinfo: number, info: Uint8Array, infoLen: number): number {
  const n = Math.min(info.length, infoLen);
  if (task.mem.copyToUser(uinfo, info.subarray(0, n))) return -ERRNO.EFAULT;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return task.mem.copyToUser(uattr + A.info_len.off, b) ? -ERRNO.EFAULT : 0;
}

function mapInfo(task: Task, map: KMap, uattr: number, uinfo: number, infoLen: number): number {
  const err = checkTail(task, uinfo, BPF_MAP_INFO_SIZE, infoLen);
  if (err) return err;
  const info = new Uint8Array(BPF_MAP_INFO_SIZE);
  const dv = new DataView(info.buffer);
  const impl = map.impl;
  dv.setUint32(MAP_INFO.type, map.mapType, true);
  dv.setUint32(MAP_INFO.id, map.id, true);
  dv.setUint32(MAP_INFO.key_size, impl.keySize, true);
  dv.setUint32(MAP_INFO.value_size, impl.valueSize, true);
  dv.setUint32(MAP_INFO.max_entries, impl.maxEntries, true);
  dv.setUint32(MAP_INFO.map_flags, map.mapFlags, true);
  info.set(new TextEncoder().encode(map.name).subarray(0, 15), MAP_INFO.name);
  dv.setBigUint64(MAP_INFO.map_extra, impl.mapExtra, true);
  return finish(task, uattr, uinfo, info, infoLen);
}

function progInfo(task: Task, prog: KProg, uattr: number, uinfo: number, infoLen: number): number {
  const err = checkTail(task, uinfo, BPF_PROG_INFO_SIZE, infoLen);
  if (err) return err;
  const n = Math.min(BPF_PROG_INFO_SIZE, infoLen);
  // The caller's struct: array pointers and counts it supplied.
  const inb = task.mem.copyFromUser(uinfo, n);
  if (typeof inb === 'number') return -ERRNO.EFAULT;
  const user = new Uint8Array(BPF_PROG_INFO_SIZE);
  user.set(inb);
  const udv = new DataView(user.buffer);
  const info = new Uint8Array(BPF_PROG_INFO_SIZE);
  const dv = new DataView(info.buffer);
  const p = prog.init;
  dv.setUint32(PROG_INFO.type, p.progType, true);
  dv.setUint32(PROG_INFO.id, prog.id, true);
  info.set(p.tag, PROG_INFO.tag);
  dv.setBigUint64(PROG_INFO.load_time, p.loadTimeNs, true);
  dv.setUint32(PROG_INFO.created_by_uid, p.uid, true);
  info.set(new TextEncoder().encode(p.name).subarray(0, 15), PROG_INFO.name);
  dv.setUint32(PROG_INFO.gpl_compatible, p.gplCompatible ? 1 : 0, true);
  dv.setBigUint64(PROG_INFO.run_time_ns, prog.stats.nsecs, true);
  dv.setBigUint64(PROG_INFO.run_cnt, prog.stats.cnt, true);
  dv.setBigUint64(PROG_INFO.recursion_misses, prog.stats.misses, true);
  dv.setUint32(PROG_INFO.verified_insns, p.verifiedInsns, true);
  // map_ids
  const ulen = n >= PROG_INFO.map_ids + 8 ? udv.getUint32(PROG_INFO.nr_map_ids, true) : 0;
  dv.setUint32(PROG_INFO.nr_map_ids, p.usedMaps.length, true);
  const uMapIds = n >= PROG_INFO.map_ids + 8 ? Number(udv.getBigUint64(PROG_INFO.map_ids, true)) : 0;
  dv.setBigUint64(PROG_INFO.map_ids, BigInt(uMapIds), true);
  if (ulen && uMapIds) {
    const cnt = Math.min(ulen, p.usedMaps.length);
    const ids = new Uint8Array(4 * cnt);
    for (let i = 0; i < cnt; i++) new DataView(ids.buffer).setUint32(4 * i, (p.usedMaps[i] as KMap).id, true);
    if (task.mem.copyToUser(uMapIds, ids)) return -ERRNO.EFAULT;
  }
  if (bpfCapable(task.creds)) {
    const xlen = p.origBytes.length;
    const uXlen = n >= PROG_INFO.xlated_prog_len + 4 ? udv.getUint32(PROG_INFO.xlated_prog_len, true) : 0;
    const uX =
      n >= PROG_INFO.xlated_prog_insns + 8 ? Number(udv.getBigUint64(PROG_INFO.xlated_prog_insns, true)) : 0;
    dv.setUint32(PROG_INFO.xlated_prog_len, xlen, true);
    dv.setBigUint64(PROG_INFO.xlated_prog_insns, BigInt(uX), true);
    if (uXlen && uX) {
      // bpf_insn_prepare_dump: map fds become map ids.
      const all = p.origBytes.slice();
      const dv2 = new DataView(all.buffer);
      for (const [i, r] of p.mapRefs) {
        if (8 * i + 16 > all.length) continue;
        all[8 * i + 1] = ((all[8 * i + 1] as number) & 0x0f) | ((r.value ? 2 : 1) << 4);
        dv2.setInt32(8 * i + 4, r.mapId, true);
        dv2.setUint32(8 * i + 12, r.off, true);
      }
      const dump = all.slice(0, Math.min(uXlen, xlen));
      if (task.mem.copyToUser(uX, dump)) return -ERRNO.EFAULT;
    }
  }
  return finish(task, uattr, uinfo, info, infoLen);
}

/** Models `bpf_obj_get_info_by_fd`. */
export function objGetInfoByFd(task: Task, attr: BpfAttr, uattr: number): number {
  if (attr.checkAttrFails(BPF_CMD.OBJ_GET_INFO_BY_FD)) return -ERRNO.EINVAL;
  const file = task.fds.get(attr.u32(A.bpf_fd));
  if (!file) return -ERRNO.EBADFD;
  const uinfo = attr.ptr(A.info);
  const infoLen = attr.u32(A.info_len);
  if (file.kind === 'map') return mapInfo(task, file.obj as KMap, uattr, uinfo, infoLen);
  if (file.kind === 'prog') return progInfo(task, file.obj as KProg, uattr, uinfo, infoLen);
  return -ERRNO.EINVAL;
}
