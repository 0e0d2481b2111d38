/**
 * @fileoverview Context access per program type: which offsets and sizes of the context struct a
 * program may read or write, and what a load yields.
 *
 * Models the `is_valid_access` member of each program type's `bpf_verifier_ops` (net/core/filter.c,
 * kernel/bpf/cgroup.c, kernel/trace/bpf_trace.c, ... Linux 6.18) as called by `check_ctx_access`
 * (kernel/bpf/verifier.c). The caller prints the verifier's messages (`invalid bpf_context access
 * off=%d size=%d`); this module only answers. Program types whose context is typed through BTF
 * (tracing, lsm, struct_ops, ext: `btf_ctx_access`) are not modelled: see {@link ctxAccessModelled}.
 */
import { BPF_PROG_TYPE as T } from '../../progs/types.js';
import { REG_TYPE } from '../reg-state.js';
import { cgroupDevIsValidAccess, cgSockoptIsValidAccess, sysctlIsValidAccess } from './ctx-cgroup.js';
import type { AccessInfo, AccessProg, IsValidAccess } from './ctx-info.js';
import {
  BPF_CGROUP_DEV_CTX_SIZE,
  BPF_NF_CTX_SIZE,
  BPF_PERF_EVENT_DATA_SIZE,
  BPF_SK_LOOKUP_SIZE,
  BPF_SOCK_ADDR_SIZE,
  BPF_SOCK_OPS_SIZE,
  BPF_SOCK_SIZE,
  BPF_SOCKOPT_SIZE,
  BPF_SYSCTL_SIZE,
  MAX_BPF_FUNC_ARGS,
  PERF_MAX_TRACE_SIZE,
  PT_REGS_SIZE,
  SK_BUFF_SIZE,
  SK_MSG_MD_SIZE,
  SK_REUSEPORT_MD_SIZE,
  U16_MAX,
  XDP_MD_SIZE,
} from './ctx-layout.js';
import {
  lircMode2IsValidAccess,
  netfilterIsValidAccess,
  syscallIsValidAccess,
  xdpIsValidAccess,
} from './ctx-other.js';
import {
  cgSkbIsValidAccess,
  flowDissectorIsValidAccess,
  lwtIsValidAccess,
  skFilterIsValidAccess,
  skSkbIsValidAccess,
  tcClsActIsValidAccess,
} from './ctx-skb.js';
import {
  skLookupIsValidAccess,
  skMsgIsValidAccess,
  skReuseportIsValidAccess,
  sockAddrIsValidAccess,
  sockFilterIsValidAccess,
  sockOpsIsValidAccess,
} from './ctx-sock.js';
import {
  kprobeIsValidAccess,
  perfEventIsValidAccess,
  rawTracepointIsValidAccess,
  rawTracepointWritableIsValidAccess,
  tracepointIsValidAccess,
} from './ctx-trace.js';
import type { CtxAccessFn, CtxAccessResult } from './types.js';

/** A program type's callback and context size. */
interface CtxOps {
  readonly isValidAccess: IsValidAccess;
  readonly size: number;
}

/** Per program type, as `bpf_verifier_ops` in include/linux/bpf_types.h pairs them. */
const CTX_OPS = {
  [T.SOCKET_FILTER]: { isValidAccess: skFilterIsValidAccess, size: SK_BUFF_SIZE },
  [T.KPROBE]: { isValidAccess: kprobeIsValidAccess, size: PT_REGS_SIZE },
  [T.SCHED_CLS]: { isValidAccess: tcClsActIsValidAccess, size: SK_BUFF_SIZE },
  [T.SCHED_ACT]: { isValidAccess: tcClsActIsValidAccess, size: SK_BUFF_SIZE },
  [T.TRACEPOINT]: { isValidAccess: tracepointIsValidAccess, size: PERF_MAX_TRACE_SIZE },
  [T.XDP]: { isValidAccess: xdpIsValidAccess, size: XDP_MD_SIZE },
  [T.PERF_EVENT]: { isValidAccess: perfEventIsValidAccess, size: BPF_PERF_EVENT_DATA_SIZE },
  [T.CGROUP_SKB]: { isValidAccess: cgSkbIsValidAccess, size: SK_BUFF_SIZE },
  [T.CGROUP_SOCK]: { isValidAccess: sockFilterIsValidAccess, size: BPF_SOCK_SIZE },
  [T.LWT_IN]: { isValidAccess: lwtIsValidAccess, size: SK_BUFF_SIZE },
  [T.LWT_OUT]: { isValidAccess: lwtIsValidAccess, size: SK_BUFF_SIZE },
  [T.LWT_XMIT]: { isValidAccess: lwtIsValidAccess, size: SK_BUFF_SIZE },
  [T.SOCK_OPS]: { isValidAccess: sockOpsIsValidAccess, size: BPF_SOCK_OPS_SIZE },
  [T.SK_SKB]: { isValidAccess: skSkbIsValidAccess, size: SK_BUFF_SIZE },
  [T.CGROUP_DEVICE]: { isValidAccess: cgroupDevIsValidAccess, size: BPF_CGROUP_DEV_CTX_SIZE },
  [T.SK_MSG]: { isValidAccess: skMsgIsValidAccess, size: SK_MSG_MD_SIZE },
  [T.RAW_TRACEPOINT]: { isValidAccess: rawTracepointIsValidAccess, size: 8 * MAX_BPF_FUNC_ARGS },
  [T.CGROUP_SOCK_ADDR]: { isValidAccess: sockAddrIsValidAccess, size: BPF_SOCK_ADDR_SIZE },
  [T.LWT_SEG6LOCAL]: { isValidAccess: lwtIsValidAccess, size: SK_BUFF_SIZE },
  [T.LIRC_MODE2]: { isValidAccess: lircMode2IsValidAccess, size: 4 },
  [T.SK_REUSEPORT]: { isValidAccess: skReuseportIsValidAccess, size: SK_REUSEPORT_MD_SIZE },
  [T.FLOW_DISSECTOR]: { isValidAccess: flowDissectorIsValidAccess, size: SK_BUFF_SIZE },
  [T.CGROUP_SYSCTL]: { isValidAccess: sysctlIsValidAccess, size: BPF_SYSCTL_SIZE },
  [T.RAW_TRACEPOINT_WRITABLE]: {
    isValidAccess: rawTracepointWritableIsValidAccess,
    size: 8 * MAX_BPF_FUNC_ARGS,
  },
  [T.CGROUP_SOCKOPT]: { isValidAccess: cgSockoptIsValidAccess, size: BPF_SOCKOPT_SIZE },
  [T.SK_LOOKUP]: { isValidAccess: skLookupIsValidAccess, size: BPF_SK_LOOKUP_SIZE },
  [T.SYSCALL]: { isValidAccess: syscallIsValidAccess, size: U16_MAX },
  [T.NETFILTER]: { isValidAccess: netfilterIsValidAccess, size: BPF_NF_CTX_SIZE },
} satisfies Partial<Record<number, CtxOps>>;

function opsOf(progType: number): CtxOps | undefined {
  return (CTX_OPS as Partial<Record<number, CtxOps>>)[progType];
}

/**
 * Whether {@link ctxAccess} models this program type. False for the BTF-typed contexts (tracing,
 * lsm, struct_ops, ext), whose accesses `btf_ctx_access` checks against the attach target's BTF,
 * and for unknown types.
 */
export function ctxAccessModelled(progType: number): boolean {
  return opsOf(progType) !== undefined;
}

/**
 * The size of the context struct a program of this type sees (`sizeof(struct __sk_buff)` = 192 for
 * socket_filter, 24 for xdp, ...), or undefined when not modelled. For tracepoints it is the trace
 * buffer bound PERF_MAX_TRACE_SIZE; for syscall programs the access bound U16_MAX.
 */
export function ctxSize(progType: number, _expectedAttachType: number): number | undefined {
  return opsOf(progType)?.size;
}

function run(
  ops: CtxOps,
  prog: AccessProg,
  off: number,
  size: number,
  write: boolean,
  ldsx: boolean,
): { ok: boolean; info: AccessInfo } {
  const info: AccessInfo = {
    regType: REG_TYPE.SCALAR_VALUE,
    ctxFieldSize: 0,
    btfName: undefined,
    tstampTypeAccess: false,
    isLdsx: ldsx,
  };
  return { ok: ops.isValidAccess(off, size, write, prog, info), info };
}

/**
 * Checks one context access. Models `env->ops->is_valid_access(off, size, t, prog, &info)` in
 * `check_ctx_access` (kernel/bpf/verifier.c), for a program not offloaded to a device. `options`
 * gives the load-time capability (CAP_BPF, default granted) and whether the load sign-extends.
 * `writable` tells whether a store of the same offset and size would be accepted.
 */
export const ctxAccess: CtxAccessFn = (progType, expectedAttachType, off, size, write, options) => {
  const ops = opsOf(progType);
  if (ops === undefined) return { ok: false };
  const prog: AccessProg = { expectedAttachType, bpfCapable: options?.bpfCapable ?? true };
  const ldsx = !write && (options?.ldsx ?? false);
  const r = run(ops, prog, off, size, write, ldsx);
  if (!r.ok) return { ok: false };
  const writable = write || run(ops, prog, off, size, true, false).ok;
  const result: CtxAccessResult = {
    ok: true,
    regType: r.info.regType,
    ctxFieldSize: r.info.ctxFieldSize,
    writable,
    ...(r.info.btfName !== undefined ? { btfName: r.info.btfName } : {}),
    ...(r.info.tstampTypeAccess ? { tstampTypeAccess: true } : {}),
  };
  return result;
};
