/**
 * @fileoverview The element commands: BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY,
 * LOOKUP_AND_DELETE_ELEM and BPF_MAP_FREEZE.
 *
 * Models kernel/bpf/syscall.c `map_lookup_elem`, `map_update_elem`, `map_delete_elem`,
 * `map_get_next_key`, `map_lookup_and_delete_elem`, `map_freeze`, with `__bpf_copy_key` (a key of
 * key_size bytes, or NULL for key_size 0 where a non-NULL pointer is EINVAL), `bpf_map_value_size`
 * (per-CPU: round_up(value_size, 8) * ncpus, via the map's `sysValueSize`), `map_get_sys_perms`
 * (EPERM without FMODE_CAN_READ/WRITE; frozen maps are not writable from the syscall side),
 * `bpf_map_update_value`/`bpf_map_copy_value` routing (queue/stack/bloom use push/peek/pop), and
 * BPF_F_LOCK (EINVAL: no map here has a bpf_spin_lock in its BTF record).
 */

import { ArrayMap } from '../../maps/arraymap.js';
import { HashTab } from '../../maps/hashtab.js';
import type { BpfMap as MapInstance } from '../../maps/ops.js';
import { BPF_MAP_TYPE } from '../../maps/uapi.js';
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { MAP_ELEM_ATTR as A } from '../attr/layout.js';
import { FMODE, type KFile } from '../file.js';
import type { KMap } from '../objects.js';
import type { Task } from '../task.js';
import { mapFromFd, mapSysPerms } from './common.js';

/** `BPF_F_LOCK`. */
export const BPF_F_LOCK = 4;

const T = BPF_MAP_TYPE;
const isQueueStack = (t: number): boolean => t === T.QUEUE || t === T.STACK;
const isPushMap = (t: number): boolean => isQueueStack(t) || t === T.BLOOM_FILTER;

/** Models `__bpf_copy_key`: the key bytes, `undefined` for key_size 0 with NULL, or -errno. */
export function copyKey(task: Task, uptr: number, keySize: number): Uint8Array | undefined | number {
  if (keySize) {
    const k = task.mem.copyFromUser(uptr, keySize);
    return typeof k === 'number' ? -ERRNO.EFAULT : k;
  }
  if (uptr) return -ERRNO.EINVAL;
  return undefined;
}

/** A reusable buffer and a DataView of it (user copies go word by word through the view). */
interface Scratch {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
}

/**
 * Reusable exact-size buffers for the kernel's temporary key/value copies (kvmalloc'ed per call
 * there), by size up to {@link SCRATCH_MAX}; larger copies are allocated per call.
 */
const SCRATCH_MAX = 512;
const scratch: (Scratch | undefined)[] = [];
const scratch2: (Scratch | undefined)[] = [];
function newScratch(n: number): Scratch {
  const bytes = new Uint8Array(n);
  return { bytes, dv: new DataView(bytes.buffer) };
}
function scratchOf(pool: (Scratch | undefined)[], n: number): Scratch {
  if (n > SCRATCH_MAX) return newScratch(n);
  let b = pool[n];
  if (b === undefined) {
    b = newScratch(n);
    pool[n] = b;
  }
  return b;
}

/** Hash and array maps copy keys and values into their own storage, so the copies can be reused. */
const copiesInput = (impl: MapInstance): boolean => impl instanceof HashTab || impl instanceof ArrayMap;

/** {@link copyKey} into a reused buffer, for maps that do not keep the key object. */
function copyKeyScratch(task: Task, uptr: number, impl: MapInstance): Uint8Array | undefined | number {
  const n = impl.keySize;
  if (!n || !copiesInput(impl)) return copyKey(task, uptr, n);
  const b = scratchOf(scratch, n);
  return task.mem.readIntoView(uptr, n, b.dv, 0) ? -ERRNO.EFAULT : b.bytes;
}

const EMPTY = new Uint8Array(0);

/** Models `bpf_map_copy_value` for a key: the value bytes or -errno. */
export function mapCopyValue(
  impl: MapInstance,
  key: Uint8Array | undefined,
  value?: Uint8Array,
): Uint8Array | number {
  if (isPushMap(impl.mapType)) {
    if (!impl.peek) return -ERRNO.ENOTSUPP;
    return impl.mapType === T.BLOOM_FILTER ? impl.peek(value) : impl.peek();
  }
  if (!impl.lookup) return -ERRNO.ENOTSUPP;
  return impl.lookup(key ?? EMPTY);
}

/** Models `bpf_map_update_value`: 0 or -errno. */
export function mapUpdateValue(
  impl: MapInstance,
  key: Uint8Array | undefined,
  value: Uint8Array,
  flags: number,
): number {
  if (isPushMap(impl.mapType)) return impl.push ? impl.push(value, flags) : -ERRNO.ENOTSUPP;
  return impl.update ? impl.update(key ?? EMPTY, value, flags) : -ERRNO.ENOTSUPP;
}

function getMap(task: Task, attr: BpfAttr): { map: KMap; perms: number } | number {
  const r = mapFromFd(task, attr.u32(A.map_fd));
  if (typeof r === 'number') return r;
  return { map: r.map, perms: mapSysPerms(r.map, r.file) };
}

/** Scratch value buffer of the lookup path (the kernel's kvmalloc'ed `value`), grown on demand. */
let valueScratch = newScratch(64);

/** The map file behind `fd` (`__bpf_map_get`), or -EBADF / -EINVAL. */
function mapFile(task: Task, fd: number): KFile | number {
  const file = task.fds.get(fd);
  if (!file) return -ERRNO.EBADF;
  if (file.kind !== 'map') return -ERRNO.EINVAL;
  return file;
}

/** True when the 64-bit `flags` field has a bit outside `allowed` (a 32-bit mask). */
function flagsOutside(attr: BpfAttr, allowed: number): boolean {
  return attr.hi32(A.flags) !== 0 || (attr.u32(A.flags) & ~allowed) !== 0;
}

/** Models `map_lookup_elem`. */
export function mapLookupElem(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.MAP_LOOKUP_ELEM)) return -ERRNO.EINVAL;
  if (flagsOutside(attr, BPF_F_LOCK)) return -ERRNO.EINVAL;
  const file = mapFile(task, attr.u32(A.map_fd));
  if (typeof file === 'number') return file;
  const map = file.obj as KMap;
  if (!(mapSysPerms(map, file) & FMODE.READ)) return -ERRNO.EPERM;
  if (attr.u32(A.flags) & BPF_F_LOCK) return -ERRNO.EINVAL;
  const impl = map.impl;
  const key = copyKeyScratch(task, attr.ptr(A.key), impl);
  if (typeof key === 'number') return key;
  const uvalue = attr.ptr(A.value);
  const n = impl.sysValueSize;
  if (impl.mapType === T.BLOOM_FILTER) {
    const v = task.mem.copyFromUser(uvalue, n);
    if (typeof v === 'number') return -ERRNO.EFAULT;
    const r = mapCopyValue(impl, key, v);
    return typeof r === 'number' ? r : 0;
  }
  if (impl.lookup && !isPushMap(impl.mapType)) {
    if (valueScratch.bytes.length < n) valueScratch = newScratch(n);
    const v = impl.lookup(key ?? EMPTY, valueScratch.bytes);
    if (typeof v === 'number') return v;
    if (v === valueScratch.bytes)
      return task.mem.writeFromView(uvalue, valueScratch.dv, 0, n) ? -ERRNO.EFAULT : 0;
    return task.mem.writeFrom(uvalue, v, 0, n) ? -ERRNO.EFAULT : 0;
  }
  const v = mapCopyValue(impl, key);
  if (typeof v === 'number') return v;
  return task.mem.writeFrom(uvalue, v, 0, n) ? -ERRNO.EFAULT : 0;
}

/** Models `map_update_elem`. */
export function mapUpdateElem(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.MAP_UPDATE_ELEM)) return -ERRNO.EINVAL;
  const file = mapFile(task, attr.u32(A.map_fd));
  if (typeof file === 'number') return file;
  const map = file.obj as KMap;
  map.writecnt++;
  try {
    if (!(mapSysPerms(map, file) & FMODE.WRITE)) return -ERRNO.EPERM;
    const lo = attr.u32(A.flags);
    if (lo & BPF_F_LOCK) return -ERRNO.EINVAL;
    const impl = map.impl;
    const key = copyKeyScratch(task, attr.ptr(A.key), impl);
    if (typeof key === 'number') return key;
    let value: Uint8Array | number;
    if (copiesInput(impl)) {
      const b = scratchOf(scratch2, impl.sysValueSize);
      if (task.mem.readIntoView(attr.ptr(A.value), impl.sysValueSize, b.dv, 0)) return -ERRNO.EFAULT;
      value = b.bytes;
    } else value = task.mem.copyFromUser(attr.ptr(A.value), impl.sysValueSize);
    if (typeof value === 'number') return -ERRNO.EFAULT;
    // Flags wider than 32 bits cannot be valid for any map type; the ops see the low word as
    // the kernel's comparisons against BPF_EXIST would reject them anyway.
    const f32 = attr.hi32(A.flags) !== 0 ? 0xffffffff : lo;
    return mapUpdateValue(impl, key, value, f32);
  } finally {
    map.writecnt--;
  }
}

/** Models `map_delete_elem`. */
export function mapDeleteElem(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.MAP_DELETE_ELEM)) return -ERRNO.EINVAL;
  const g = getMap(task, attr);
  if (typeof g === 'number') return g;
  if (!(g.perms & FMODE.WRITE)) return -ERRNO.EPERM;
  const impl = g.map.impl;
  const key = copyKey(task, attr.ptr(A.key), impl.keySize);
  if (typeof key === 'number') return key;
  if (!impl.delete) return -ERRNO.EINVAL;
  return impl.delete(key ?? EMPTY);
}

/** Models `map_get_next_key`. */
export function mapGetNextKey(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.MAP_GET_NEXT_KEY)) return -ERRNO.EINVAL;
  const g = getMap(task, attr);
  if (typeof g === 'number') return g;
  if (!(g.perms & FMODE.READ)) return -ERRNO.EPERM;
  const impl = g.map.impl;
  const ukey = attr.ptr(A.key);
  let key: Uint8Array | undefined;
  if (ukey) {
    const k = copyKey(task, ukey, impl.keySize);
    if (typeof k === 'number') return k;
    key = k;
  }
  if (!impl.getNextKey) return -ERRNO.ENOTSUPP;
  const next = impl.getNextKey(key);
  if (typeof next === 'number') return next;
  return task.mem.copyToUser(attr.ptr(A.next_key), next.subarray(0, impl.keySize)) ? -ERRNO.EFAULT : 0;
}

/** Models `map_lookup_and_delete_elem`. */
export function mapLookupAndDeleteElem(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.MAP_LOOKUP_AND_DELETE_ELEM)) return -ERRNO.EINVAL;
  const flags = attr.u64(A.flags);
  if (flags & ~BigInt(BPF_F_LOCK)) return -ERRNO.EINVAL;
  const g = getMap(task, attr);
  if (typeof g === 'number') return g;
  const map = g.map;
  map.writecnt++;
  try {
    if (!(g.perms & FMODE.READ) || !(g.perms & FMODE.WRITE)) return -ERRNO.EPERM;
    const impl = map.impl;
    if (flags && isQueueStack(impl.mapType)) return -ERRNO.EINVAL;
    if (flags & BigInt(BPF_F_LOCK)) return -ERRNO.EINVAL;
    const key = copyKey(task, attr.ptr(A.key), impl.keySize);
    if (typeof key === 'number') return key;
    let v: Uint8Array | number = -ERRNO.ENOTSUPP;
    if (isQueueStack(impl.mapType)) v = impl.pop ? impl.pop() : -ERRNO.ENOTSUPP;
    else if (
      impl.lookupAndDelete &&
      (impl.mapType === T.HASH ||
        impl.mapType === T.PERCPU_HASH ||
        impl.mapType === T.LRU_HASH ||
        impl.mapType === T.LRU_PERCPU_HASH ||
        impl.mapType === T.STACK_TRACE)
    )
      v = impl.lookupAndDelete(key ?? EMPTY, Number(flags));
    if (typeof v === 'number') return v;
    return task.mem.copyToUser(attr.ptr(A.value), v.subarray(0, impl.sysValueSize)) ? -ERRNO.EFAULT : 0;
  } finally {
    map.writecnt--;
  }
}

/** Models `map_freeze`. */
export function mapFreeze(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.MAP_FREEZE)) return -ERRNO.EINVAL;
  const g = getMap(task, attr);
  if (typeof g === 'number') return g;
  if (g.map.mapType === T.STRUCT_OPS) return -ERRNO.ENOTSUPP;
  if (!(g.perms & FMODE.WRITE)) return -ERRNO.EPERM;
  if (g.map.writecnt > 0) return -ERRNO.EBUSY;
  if (g.map.frozen) return -ERRNO.EBUSY;
  g.map.frozen = true;
  return 0;
}
