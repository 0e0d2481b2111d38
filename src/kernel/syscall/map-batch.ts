/**
 * @fileoverview The batch commands: BPF_MAP_LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH,
 * DELETE_BATCH.
 *
 * Models kernel/bpf/syscall.c `bpf_map_do_batch` (CHECK_ATTR, read/write permissions, ENOTSUPP for
 * a type without the op) and `generic_map_lookup_batch`, `generic_map_update_batch`,
 * `generic_map_delete_batch` (count written back as progress, EFAULT on a bad buffer, elem_flags
 * limited to BPF_F_LOCK). Array types have lookup/update batch only (arraymap.c); hash types have all
 * four. Known difference: hashtab.c walks buckets and uses a bucket index as the batch cursor; here
 * hash maps use the generic key cursor (`out_batch` receives the last key).
 */
import { BPF_MAP_TYPE } from '../../maps/uapi.js';
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { MAP_BATCH_ATTR as A } from '../attr/layout.js';
import { FMODE } from '../file.js';
import type { KMap } from '../objects.js';
import type { Task } from '../task.js';
import { mapFromFd, mapSysPerms } from './common.js';
import { BPF_F_LOCK, mapCopyValue, mapUpdateValue } from './map-elem.js';

const T = BPF_MAP_TYPE;
const HASH_TYPES = new Set<number>([T.HASH, T.PERCPU_HASH, T.LRU_HASH, T.LRU_PERCPU_HASH]);
const ARRAY_TYPES = new Set<number>([T.ARRAY, T.PERCPU_ARRAY]);

function hasOp(cmd: number, type: number): boolean {
  if (HASH_TYPES.has(type)) return true;
  if (ARRAY_TYPES.has(type)) return cmd === BPF_CMD.MAP_LOOKUP_BATCH || cmd === BPF_CMD.MAP_UPDATE_BATCH;
  return false;
}

function putCount(task: Task, uattr: number, n: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return task.mem.copyToUser(uattr + A.count.off, b) ? -ERRNO.EFAULT : 0;
}

/** Models `bpf_map_do_batch`. */
export function mapDoBatch(task: Task, attr: BpfAttr, uattr: number, cmd: number): number {
  const hasRead = cmd === BPF_CMD.MAP_LOOKUP_BATCH || cmd === BPF_CMD.MAP_LOOKUP_AND_DELETE_BATCH;
  const hasWrite = cmd !== BPF_CMD.MAP_LOOKUP_BATCH;
  if (attr.checkAttrFails(cmd)) return -ERRNO.EINVAL;
  const r = mapFromFd(task, attr.u32(A.map_fd));
  if (typeof r === 'number') return r;
  const map = r.map;
  const perms = mapSysPerms(map, r.file);
  if (hasWrite) map.writecnt++;
  try {
    if (hasRead && !(perms & FMODE.READ)) return -ERRNO.EPERM;
    if (hasWrite && !(perms & FMODE.WRITE)) return -ERRNO.EPERM;
    if (!hasOp(cmd, map.mapType)) return -ERRNO.ENOTSUPP;
    const elemFlags = attr.u64(A.elem_flags);
    if (elemFlags & ~BigInt(BPF_F_LOCK)) return -ERRNO.EINVAL;
    if (elemFlags & BigInt(BPF_F_LOCK)) return -ERRNO.EINVAL;
    const maxCount = attr.u32(A.count);
    if (!maxCount) return 0;
    if (putCount(task, uattr, 0)) return -ERRNO.EFAULT;
    if (cmd === BPF_CMD.MAP_UPDATE_BATCH) return updateBatch(task, attr, uattr, map, maxCount);
    if (cmd === BPF_CMD.MAP_DELETE_BATCH) return deleteBatch(task, attr, uattr, map, maxCount);
    return lookupBatch(task, attr, uattr, map, maxCount, cmd === BPF_CMD.MAP_LOOKUP_AND_DELETE_BATCH);
  } finally {
    if (hasWrite) map.writecnt--;
  }
}

function updateBatch(task: Task, attr: BpfAttr, uattr: number, map: KMap, max: number): number {
  const impl = map.impl;
  const ks = impl.keySize;
  const vs = impl.sysValueSize;
  const keys = attr.ptr(A.keys);
  const values = attr.ptr(A.values);
  let err = 0;
  let cp = 0;
  for (; cp < max; cp++) {
    const k = task.mem.copyFromUser(keys + cp * ks, ks);
    const v = typeof k === 'number' ? k : task.mem.copyFromUser(values + cp * vs, vs);
    if (typeof k === 'number' || typeof v === 'number') {
      err = -ERRNO.EFAULT;
      break;
    }
    err = mapUpdateValue(impl, k, v, 0);
    if (err) break;
  }
  if (putCount(task, uattr, cp)) err = -ERRNO.EFAULT;
  return err;
}

function deleteBatch(task: Task, attr: BpfAttr, uattr: number, map: KMap, max: number): number {
  const impl = map.impl;
  const ks = impl.keySize;
  const keys = attr.ptr(A.keys);
  let err = 0;
  let cp = 0;
  for (; cp < max; cp++) {
    const k = task.mem.copyFromUser(keys + cp * ks, ks);
    if (typeof k === 'number') {
      err = -ERRNO.EFAULT;
      break;
    }
    err = impl.delete ? impl.delete(k) : -ERRNO.EINVAL;
    if (err) break;
  }
  if (putCount(task, uattr, cp)) err = -ERRNO.EFAULT;
  return err;
}

function lookupBatch(task: Task, attr: BpfAttr, uattr: number, map: KMap, max: number, del: boolean): number {
  const impl = map.impl;
  const ks = impl.keySize;
  const vs = impl.sysValueSize;
  const ubatch = attr.ptr(A.in_batch);
  const uobatch = attr.ptr(A.out_batch);
  const keys = attr.ptr(A.keys);
  const values = attr.ptr(A.values);
  let prev: Uint8Array | undefined;
  if (ubatch) {
    const p = task.mem.copyFromUser(ubatch, ks);
    if (typeof p === 'number') return -ERRNO.EFAULT;
    prev = p;
  }
  if (!impl.getNextKey) return -ERRNO.ENOTSUPP;
  let err = 0;
  let cp = 0;
  const toDelete: Uint8Array[] = [];
  while (cp < max) {
    const key = impl.getNextKey(prev);
    if (typeof key === 'number') {
      err = key;
      break;
    }
    const value = mapCopyValue(impl, key);
    if (typeof value !== 'number') {
      if (task.mem.copyToUser(keys + cp * ks, key.subarray(0, ks))) return -ERRNO.EFAULT;
      if (task.mem.copyToUser(values + cp * vs, value.subarray(0, vs))) return -ERRNO.EFAULT;
      if (del) toDelete.push(key.slice(0, ks));
      cp++;
    } else if (value !== -ERRNO.ENOENT) return value;
    prev = key.slice(0, ks);
  }
  for (const k of toDelete) impl.delete?.(k);
  if (putCount(task, uattr, cp) || (cp && prev && task.mem.copyToUser(uobatch, prev))) err = -ERRNO.EFAULT;
  return err;
}
