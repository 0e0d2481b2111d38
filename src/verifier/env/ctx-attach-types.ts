/**
 * @fileoverview The `enum bpf_attach_type` values the context access callbacks compare
 * `prog->expected_attach_type` with (include/uapi/linux/bpf.h, Linux 6.18 numbering).
 */

/** Attach types read by `is_valid_access` callbacks. Models part of `enum bpf_attach_type`. */
export const CTX_ATTACH = {
  CGROUP_INET_SOCK_CREATE: 2,
  CGROUP_INET4_BIND: 8,
  CGROUP_INET6_BIND: 9,
  CGROUP_INET4_CONNECT: 10,
  CGROUP_INET6_CONNECT: 11,
  CGROUP_INET4_POST_BIND: 12,
  CGROUP_INET6_POST_BIND: 13,
  CGROUP_UDP4_SENDMSG: 14,
  CGROUP_UDP6_SENDMSG: 15,
  CGROUP_UDP4_RECVMSG: 19,
  CGROUP_UDP6_RECVMSG: 20,
  CGROUP_GETSOCKOPT: 21,
  CGROUP_SETSOCKOPT: 22,
  CGROUP_INET4_GETPEERNAME: 29,
  CGROUP_INET6_GETPEERNAME: 30,
  CGROUP_INET4_GETSOCKNAME: 31,
  CGROUP_INET6_GETSOCKNAME: 32,
  XDP_DEVMAP: 33,
  CGROUP_INET_SOCK_RELEASE: 34,
  XDP_CPUMAP: 35,
} as const;
