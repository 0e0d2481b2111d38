/**
 * @fileoverview Expected attach types at load time.
 *
 * Models kernel/bpf/syscall.c `bpf_prog_load_fixup_attach_type` (defaults for cgroup_sock and
 * sk_reuseport) and `bpf_prog_load_check_attach` (which attach types each program type accepts),
 * with `enum bpf_attach_type` numbers from include/uapi/linux/bpf.h (6.18).
 */
import { BPF_PROG_TYPE } from '../../progs/types.js';
import { BPF_ATTACH } from '../../uapi/bpf-attach-types.js';

export { BPF_ATTACH };

const T = BPF_PROG_TYPE;
const A = BPF_ATTACH;

/** Models `bpf_prog_load_fixup_attach_type`. */
export function fixupAttachType(type: number, expected: number): number {
  if (type === T.CGROUP_SOCK && !expected) return A.CGROUP_INET_SOCK_CREATE;
  if (type === T.SK_REUSEPORT && !expected) return A.SK_REUSEPORT_SELECT;
  return expected;
}

const ALLOWED: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [
    T.CGROUP_SOCK,
    [
      A.CGROUP_INET_SOCK_CREATE,
      A.CGROUP_INET_SOCK_RELEASE,
      A.CGROUP_INET4_POST_BIND,
      A.CGROUP_INET6_POST_BIND,
    ],
  ],
  [
    T.CGROUP_SOCK_ADDR,
    [
      A.CGROUP_INET4_BIND,
      A.CGROUP_INET6_BIND,
      A.CGROUP_INET4_CONNECT,
      A.CGROUP_INET6_CONNECT,
      A.CGROUP_UNIX_CONNECT,
      A.CGROUP_INET4_GETPEERNAME,
      A.CGROUP_INET6_GETPEERNAME,
      A.CGROUP_UNIX_GETPEERNAME,
      A.CGROUP_INET4_GETSOCKNAME,
      A.CGROUP_INET6_GETSOCKNAME,
      A.CGROUP_UNIX_GETSOCKNAME,
      A.CGROUP_UDP4_SENDMSG,
      A.CGROUP_UDP6_SENDMSG,
      A.CGROUP_UNIX_SENDMSG,
      A.CGROUP_UDP4_RECVMSG,
      A.CGROUP_UDP6_RECVMSG,
      A.CGROUP_UNIX_RECVMSG,
    ],
  ],
  [T.CGROUP_SKB, [A.CGROUP_INET_INGRESS, A.CGROUP_INET_EGRESS]],
  [T.CGROUP_SOCKOPT, [A.CGROUP_SETSOCKOPT, A.CGROUP_GETSOCKOPT]],
  [T.SK_LOOKUP, [A.SK_LOOKUP]],
  [T.SK_REUSEPORT, [A.SK_REUSEPORT_SELECT, A.SK_REUSEPORT_SELECT_OR_MIGRATE]],
  [T.NETFILTER, [A.NETFILTER]],
]);

/** BTF_MAX_TYPE. */
const BTF_MAX_TYPE = 0x000fffff;

/** Models `bpf_prog_load_check_attach` without attach BTF objects: true when the load must fail (EINVAL). */
export function checkAttach(type: number, expected: number, btfId: number, hasDstProg: boolean): boolean {
  if (btfId) {
    if (btfId > BTF_MAX_TYPE) return true;
    if (!hasDstProg) return true;
    if (type !== T.TRACING && type !== T.LSM && type !== T.STRUCT_OPS && type !== T.EXT) return true;
  }
  if (hasDstProg && type !== T.TRACING && type !== T.EXT) return true;
  const allowed = ALLOWED.get(type);
  if (allowed) return !allowed.includes(expected);
  if ((type === T.SYSCALL || type === T.EXT) && expected) return true;
  return false;
}
