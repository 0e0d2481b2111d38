/**
 * @fileoverview BPF_MAP_CREATE.
 *
 * Models kernel/bpf/syscall.c `map_create` (6.18) in its order of checks: CHECK_ATTR, BTF id
 * consistency, `map_extra` only for bloom filter/arena, `bpf_get_file_flag`, NUMA node, the type
 * registry (`bpf_map_types[]`, EINVAL for unknown types), `map_alloc_check`, the unprivileged and
 * per-type capability checks (EPERM), `map_alloc` with memory accounting (6.18 memcg ENOMEM, 4.x
 * RLIMIT_MEMLOCK EPERM), `bpf_obj_name_cpy`, BTF fds, `excl_prog_hash`, id allocation and the new fd.
 */
import type { MapAttr, MapEnv } from '../../maps/ops.js';
import { BPF_MAP_TYPE } from '../../maps/uapi.js';
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { MAP_CREATE_ATTR as A } from '../attr/layout.js';
import { bpfTokenCapable, CAP } from '../creds.js';
import { KMap } from '../objects.js';
import type { Task } from '../task.js';
import {
  BPF_F_RDONLY,
  BPF_F_WRONLY,
  bpfGetFileFlag,
  mapFromFd,
  mapNewFd,
  objNameCpy,
  progFromFd,
} from './common.js';

/** `BPF_F_TOKEN_FD`. */
const BPF_F_TOKEN_FD = 1 << 16;
/** `SHA256_DIGEST_SIZE`. */
const SHA256_DIGEST_SIZE = 32;

const T = BPF_MAP_TYPE;
/** Map types any user may create when unprivileged BPF is enabled. */
const UNPRIV_TYPES = new Set<number>([
  T.ARRAY,
  T.PERCPU_ARRAY,
  T.PROG_ARRAY,
  T.PERF_EVENT_ARRAY,
  T.CGROUP_ARRAY,
  T.ARRAY_OF_MAPS,
  T.HASH,
  T.PERCPU_HASH,
  T.HASH_OF_MAPS,
  T.RINGBUF,
  T.USER_RINGBUF,
  T.CGROUP_STORAGE,
  T.PERCPU_CGROUP_STORAGE,
]);
/** Map types that need CAP_NET_ADMIN. */
const NET_ADMIN_TYPES = new Set<number>([T.SOCKMAP, T.SOCKHASH, T.DEVMAP, T.DEVMAP_HASH, T.XSKMAP]);

/** The environment a map type gets: the kernel's CPUs, PRNG and the caller's fd table. */
export function mapEnv(task: Task): MapEnv {
  const kernel = task.kernel;
  return {
    possibleCpus: kernel.possibleCpus,
    prandomU32: () => kernel.prandom.u32(),
    capSysAdmin: () => (kernel.current ?? task).creds.caps.has(CAP.SYS_ADMIN),
    mapFromFd: (fd) => {
      const r = mapFromFd(kernel.current ?? task, fd);
      return typeof r === 'number' ? r : r.map.impl;
    },
    mapId: (impl) => kernel.mapOfImpl.get(impl)?.id ?? 0,
    progFromFd: (fd) => {
      const p = progFromFd(kernel.current ?? task, fd);
      return typeof p === 'number' ? p : { id: p.id, progType: p.progType, jited: p.init.jited, program: p };
    },
  };
}

/** Models `map_create`: a new map fd or -errno. */
export function mapCreate(task: Task, attr: BpfAttr): number {
  if (attr.checkAttrFails(BPF_CMD.MAP_CREATE)) return -ERRNO.EINVAL;
  const rawFlags = attr.u32(A.map_flags);
  const tokenFlag = (rawFlags & BPF_F_TOKEN_FD) !== 0;
  const mapFlags = rawFlags & ~BPF_F_TOKEN_FD;
  const mapType = attr.u32(A.map_type);
  const btfKey = attr.u32(A.btf_key_type_id);
  const btfValue = attr.u32(A.btf_value_type_id);
  const btfVmlinux = attr.u32(A.btf_vmlinux_value_type_id);
  if (btfVmlinux) {
    if (mapType !== T.STRUCT_OPS || btfKey || btfValue) return -ERRNO.EINVAL;
  } else if (btfKey && !btfValue) return -ERRNO.EINVAL;
  const mapExtra = attr.u64(A.map_extra);
  if (mapType !== T.BLOOM_FILTER && mapType !== T.ARENA && mapExtra !== 0n) return -ERRNO.EINVAL;
  const fFlags = bpfGetFileFlag(mapFlags);
  if (fFlags < 0) return fFlags;
  // One NUMA node (0) is online.
  const numaNode = mapFlags & (1 << 2) ? attr.s32(A.numa_node) : -1;
  if (numaNode !== -1 && numaNode !== 0) return -ERRNO.EINVAL;
  const ops = task.kernel.mapTypes.get(mapType);
  if (!ops) return -ERRNO.EINVAL;
  const mattr: MapAttr = {
    mapType,
    keySize: attr.u32(A.key_size),
    valueSize: attr.u32(A.value_size),
    maxEntries: attr.u32(A.max_entries),
    mapFlags,
    mapExtra,
    numaNode: attr.s32(A.numa_node),
    innerMapFd: attr.u32(A.inner_map_fd),
  };
  const env = mapEnv(task);
  if (ops.allocCheck) {
    const err = ops.allocCheck(mattr, env);
    if (err) return err;
  }
  // Offloaded maps (map_ifindex) need a device; none exists here.
  if (attr.u32(A.map_ifindex)) return -ERRNO.EINVAL;
  if (tokenFlag) {
    // No BPF token objects exist in bpfsim: the fd is either closed or not a token.
    return task.fds.get(attr.s32(A.map_token_fd)) ? -ERRNO.EINVAL : -ERRNO.EBADF;
  }
  const creds = task.creds;
  if (task.kernel.sysctls.get('kernel/unprivileged_bpf_disabled') && !bpfTokenCapable(creds, CAP.BPF))
    return -ERRNO.EPERM;
  if (NET_ADMIN_TYPES.has(mapType)) {
    if (!bpfTokenCapable(creds, CAP.NET_ADMIN)) return -ERRNO.EPERM;
  } else if (!UNPRIV_TYPES.has(mapType) && !bpfTokenCapable(creds, CAP.BPF)) return -ERRNO.EPERM;

  const impl = ops.alloc(mattr, env);
  if (typeof impl === 'number') return impl;
  const kernel = task.kernel;
  const charge = kernel.accounting.charge(kernel.user(creds.uid), impl.memUsage(), task.memlockLimit());
  if (typeof charge === 'number') {
    impl.free?.();
    return charge;
  }
  const fail = (err: number): number => {
    impl.free?.();
    kernel.accounting.uncharge(charge);
    return err;
  };
  const name = objNameCpy(attr.raw(A.map_name));
  if (typeof name === 'number') return fail(name);
  if (btfKey || btfValue || btfVmlinux) {
    // No BTF objects exist: btf_get_by_fd fails.
    return fail(task.fds.get(attr.s32(A.btf_fd)) ? -ERRNO.EINVAL : -ERRNO.EBADF);
  }
  if (attr.u64(A.excl_prog_hash) !== 0n) {
    if (attr.u32(A.excl_prog_hash_size) !== SHA256_DIGEST_SIZE) return fail(-ERRNO.EINVAL);
    const h = task.mem.copyFromUser(attr.ptr(A.excl_prog_hash), SHA256_DIGEST_SIZE);
    if (typeof h === 'number') return fail(-ERRNO.EFAULT);
  } else if (attr.u32(A.excl_prog_hash_size)) return fail(-ERRNO.EINVAL);

  const map = kernel.maps.alloc(
    (id) =>
      new KMap(id, impl, name, mapFlags & ~(BPF_F_RDONLY | BPF_F_WRONLY), charge, (m) => {
        kernel.maps.remove(m.id);
        kernel.accounting.uncharge(m.charge);
      }),
  );
  kernel.mapOfImpl.set(impl, map);
  return mapNewFd(task, map, fFlags);
}
