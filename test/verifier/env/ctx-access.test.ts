/**
 * Context access per program type (src/verifier/env/ctx-access.ts): valid/invalid tables, the
 * selftests corpus' context-access rejections, and a differential sweep against the real kernel
 * (every offset around each context struct, every size, read / write / sign-extending read), whose
 * accepted loads are also compared for the register type the kernel's log prints.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRaw, hexToBytes } from '../../../src/isa/insn.js';
import { BPF_CLASS, BPF_SIZE } from '../../../src/isa/opcodes.js';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { progTypeNumber, BPF_PROG_TYPE as T } from '../../../src/progs/types.js';
import { ctxAccess, ctxAccessModelled, ctxSize } from '../../../src/verifier/env/ctx-access.js';
import type { CtxAccessOptions } from '../../../src/verifier/env/types.js';
import { regTypeStr } from '../../../src/verifier/print-state.js';
import { REG_TYPE as R, REG_TYPE_OR_NULL as RN, TYPE_FLAG } from '../../../src/verifier/reg-state.js';
import { kernelUnavailable } from '../../kernel/backend/env.js';
import { type CtxProbe, loadProbe, loadProbeRaw } from './ctx-kernel.js';

/** One row: `[progType, expectedAttachType, off, size, write]` and what ctxAccess must answer. */
interface Row {
  readonly descr: string;
  readonly at: readonly [type: number, eat: number, off: number, size: number, write: boolean];
  readonly ok: boolean;
  readonly regType?: number;
  readonly fieldSize?: number;
  readonly writable?: boolean;
  readonly opts?: CtxAccessOptions;
}

const SCALAR = R.SCALAR_VALUE;

const ROWS: readonly Row[] = [
  // socket_filter: sk_filter_is_valid_access + bpf_skb_is_valid_access
  {
    descr: 'skb len',
    at: [T.SOCKET_FILTER, 0, 0, 4, false],
    ok: true,
    regType: SCALAR,
    fieldSize: 4,
    writable: false,
  },
  { descr: 'skb len narrow u16', at: [T.SOCKET_FILTER, 0, 2, 2, false], ok: true, fieldSize: 4 },
  { descr: 'skb len u64', at: [T.SOCKET_FILTER, 0, 0, 8, false], ok: false },
  { descr: 'skb cb[0] write', at: [T.SOCKET_FILTER, 0, 48, 4, true], ok: true, fieldSize: 0, writable: true },
  {
    descr: 'skb cb[0] dw read',
    at: [T.SOCKET_FILTER, 0, 48, 8, false],
    ok: true,
    fieldSize: 0,
    writable: true,
  },
  { descr: 'skb cb double oob', at: [T.SOCKET_FILTER, 0, 64, 8, false], ok: false },
  { descr: 'skb mark write', at: [T.SOCKET_FILTER, 0, 8, 4, true], ok: false },
  { descr: 'skb data not for sockets', at: [T.SOCKET_FILTER, 0, 76, 4, false], ok: false },
  { descr: 'skb family not for sockets', at: [T.SOCKET_FILTER, 0, 88, 4, false], ok: false },
  {
    descr: 'skb sk',
    at: [T.SOCKET_FILTER, 0, 168, 8, false],
    ok: true,
    regType: RN.PTR_TO_SOCK_COMMON_OR_NULL,
  },
  { descr: 'skb sk u32', at: [T.SOCKET_FILTER, 0, 168, 4, false], ok: false },
  { descr: 'skb negative', at: [T.SOCKET_FILTER, 0, -4, 4, false], ok: false },
  { descr: 'skb past end', at: [T.SOCKET_FILTER, 0, 192, 1, false], ok: false },
  { descr: 'skb hash odd u16', at: [T.SOCKET_FILTER, 0, 69, 2, false], ok: false },
  // sched_cls / sched_act: tc_cls_act_is_valid_access
  { descr: 'tc data', at: [T.SCHED_CLS, 0, 76, 4, false], ok: true, regType: R.PTR_TO_PACKET, fieldSize: 0 },
  { descr: 'tc data_end', at: [T.SCHED_CLS, 0, 80, 4, false], ok: true, regType: R.PTR_TO_PACKET_END },
  { descr: 'tc data_meta', at: [T.SCHED_ACT, 0, 140, 4, false], ok: true, regType: R.PTR_TO_PACKET_META },
  { descr: 'tc data u16', at: [T.SCHED_CLS, 0, 76, 2, false], ok: false },
  { descr: 'tc data ldsx', at: [T.SCHED_CLS, 0, 76, 4, false], ok: false, opts: { ldsx: true } },
  { descr: 'tc len ldsx', at: [T.SCHED_CLS, 0, 0, 2, false], ok: true, opts: { ldsx: true } },
  { descr: 'tc mark write', at: [T.SCHED_CLS, 0, 8, 4, true], ok: true, writable: true },
  { descr: 'tc mark read is writable', at: [T.SCHED_CLS, 0, 8, 4, false], ok: true, writable: true },
  { descr: 'tc mark u16 write', at: [T.SCHED_CLS, 0, 8, 2, true], ok: false },
  { descr: 'tc tc_classid write', at: [T.SCHED_CLS, 0, 72, 4, true], ok: true },
  { descr: 'tc queue_mapping write', at: [T.SCHED_CLS, 0, 12, 4, true], ok: true },
  { descr: 'tc tstamp write', at: [T.SCHED_CLS, 0, 152, 8, true], ok: true },
  { descr: 'tc wire_len write', at: [T.SCHED_CLS, 0, 160, 4, true], ok: false },
  { descr: 'tc family', at: [T.SCHED_CLS, 0, 88, 4, false], ok: false },
  { descr: 'tc tstamp_type u8', at: [T.SCHED_CLS, 0, 180, 1, false], ok: true, fieldSize: 0 },
  { descr: 'tc tstamp_type u32', at: [T.SCHED_CLS, 0, 180, 4, false], ok: false },
  { descr: 'tc hwtstamp', at: [T.SCHED_CLS, 0, 184, 8, false], ok: true, writable: false },
  { descr: 'tc hwtstamp write', at: [T.SCHED_CLS, 0, 184, 8, true], ok: false },
  { descr: 'tc padding after tstamp_type', at: [T.SCHED_CLS, 0, 181, 1, false], ok: false },
  { descr: 'tc flow_keys', at: [T.SCHED_CLS, 0, 144, 8, false], ok: false },
  // cgroup_skb: packet access and tstamp writes need CAP_BPF
  { descr: 'cg_skb data', at: [T.CGROUP_SKB, 0, 76, 4, false], ok: true, regType: R.PTR_TO_PACKET },
  {
    descr: 'cg_skb data unpriv',
    at: [T.CGROUP_SKB, 0, 76, 4, false],
    ok: false,
    opts: { bpfCapable: false },
  },
  { descr: 'cg_skb tstamp write', at: [T.CGROUP_SKB, 1, 152, 8, true], ok: true },
  {
    descr: 'cg_skb tstamp write unpriv',
    at: [T.CGROUP_SKB, 1, 152, 8, true],
    ok: false,
    opts: { bpfCapable: false },
  },
  { descr: 'cg_skb gso_segs write', at: [T.CGROUP_SKB, 0, 164, 4, true], ok: false },
  { descr: 'cg_skb family', at: [T.CGROUP_SKB, 0, 88, 4, false], ok: true },
  { descr: 'cg_skb data_meta', at: [T.CGROUP_SKB, 0, 140, 4, false], ok: false },
  // lwt, sk_skb, flow_dissector
  { descr: 'lwt data', at: [T.LWT_XMIT, 0, 76, 4, false], ok: true, regType: R.PTR_TO_PACKET },
  { descr: 'lwt priority write', at: [T.LWT_IN, 0, 32, 4, true], ok: true },
  { descr: 'lwt tc_index write', at: [T.LWT_OUT, 0, 44, 4, true], ok: false },
  { descr: 'sk_skb mark', at: [T.SK_SKB, 0, 8, 4, false], ok: false },
  { descr: 'sk_skb tc_index write', at: [T.SK_SKB, 0, 44, 4, true], ok: true },
  { descr: 'sk_skb data_end', at: [T.SK_SKB, 0, 80, 4, false], ok: true, regType: R.PTR_TO_PACKET_END },
  { descr: 'sk_skb tc_classid', at: [T.SK_SKB, 0, 72, 4, false], ok: false },
  { descr: 'flow_keys', at: [T.FLOW_DISSECTOR, 0, 144, 8, false], ok: true, regType: R.PTR_TO_FLOW_KEYS },
  { descr: 'flow_dissector len', at: [T.FLOW_DISSECTOR, 0, 0, 4, false], ok: false },
  {
    descr: 'flow_dissector data',
    at: [T.FLOW_DISSECTOR, 0, 76, 4, false],
    ok: true,
    regType: R.PTR_TO_PACKET,
  },
  // xdp
  { descr: 'xdp data', at: [T.XDP, 0, 0, 4, false], ok: true, regType: R.PTR_TO_PACKET, writable: false },
  { descr: 'xdp data_end', at: [T.XDP, 0, 4, 4, false], ok: true, regType: R.PTR_TO_PACKET_END },
  { descr: 'xdp data_meta', at: [T.XDP, 0, 8, 4, false], ok: true, regType: R.PTR_TO_PACKET_META },
  { descr: 'xdp data u64', at: [T.XDP, 0, 0, 8, false], ok: false },
  { descr: 'xdp ingress_ifindex u16', at: [T.XDP, 0, 12, 2, false], ok: false },
  { descr: 'xdp egress_ifindex', at: [T.XDP, 0, 20, 4, false], ok: false },
  { descr: 'xdp devmap egress_ifindex', at: [T.XDP, 33, 20, 4, false], ok: true },
  { descr: 'xdp cpumap egress_ifindex', at: [T.XDP, 35, 20, 4, false], ok: false },
  { descr: 'xdp rx_queue_index write', at: [T.XDP, 0, 16, 4, true], ok: false },
  // cgroup_sock: bpf_sock_is_valid_access + attach type
  { descr: 'sock mark write create', at: [T.CGROUP_SOCK, 2, 16, 4, true], ok: true },
  { descr: 'sock mark write release', at: [T.CGROUP_SOCK, 34, 16, 4, true], ok: true },
  { descr: 'sock mark read post_bind', at: [T.CGROUP_SOCK, 12, 16, 4, false], ok: false },
  { descr: 'sock src_ip4 u8 post_bind4', at: [T.CGROUP_SOCK, 12, 25, 1, false], ok: true, fieldSize: 4 },
  { descr: 'sock src_ip4 create', at: [T.CGROUP_SOCK, 2, 24, 4, false], ok: false },
  { descr: 'sock src_port post_bind6', at: [T.CGROUP_SOCK, 13, 44, 4, false], ok: true },
  { descr: 'sock dst_port u16', at: [T.CGROUP_SOCK, 2, 48, 2, false], ok: true, fieldSize: 2 },
  { descr: 'sock dst_port u32', at: [T.CGROUP_SOCK, 2, 48, 4, false], ok: true, fieldSize: 4 },
  { descr: 'sock dst_port padding', at: [T.CGROUP_SOCK, 2, 50, 2, false], ok: false },
  { descr: 'sock family byte 1', at: [T.CGROUP_SOCK, 2, 5, 1, false], ok: false },
  { descr: 'sock family write', at: [T.CGROUP_SOCK, 2, 4, 4, true], ok: false },
  // cgroup_sock_addr
  { descr: 'addr user_ip4 connect4', at: [T.CGROUP_SOCK_ADDR, 10, 4, 4, false], ok: true, writable: true },
  { descr: 'addr user_ip4 connect6', at: [T.CGROUP_SOCK_ADDR, 11, 4, 4, false], ok: false },
  { descr: 'addr user_ip6 wide', at: [T.CGROUP_SOCK_ADDR, 11, 8, 8, true], ok: true },
  { descr: 'addr user_ip6[1] wide', at: [T.CGROUP_SOCK_ADDR, 11, 12, 8, false], ok: false },
  { descr: 'addr msg_src_ip6[3] wide', at: [T.CGROUP_SOCK_ADDR, 15, 56, 8, false], ok: false },
  { descr: 'addr msg_src_ip6[2] wide', at: [T.CGROUP_SOCK_ADDR, 15, 52, 8, true], ok: false },
  { descr: 'addr user_port u16', at: [T.CGROUP_SOCK_ADDR, 49, 24, 2, false], ok: true, fieldSize: 4 },
  { descr: 'addr user_port u16 write', at: [T.CGROUP_SOCK_ADDR, 49, 24, 2, true], ok: false },
  { descr: 'addr sk', at: [T.CGROUP_SOCK_ADDR, 8, 64, 8, false], ok: true, regType: R.PTR_TO_SOCKET },
  { descr: 'addr family write', at: [T.CGROUP_SOCK_ADDR, 8, 28, 4, true], ok: false },
  { descr: 'addr padding', at: [T.CGROUP_SOCK_ADDR, 15, 60, 4, false], ok: false },
  // sock_ops
  { descr: 'sock_ops reply write', at: [T.SOCK_OPS, 0, 4, 4, true], ok: true },
  { descr: 'sock_ops op write', at: [T.SOCK_OPS, 0, 0, 4, true], ok: false },
  { descr: 'sock_ops op u16', at: [T.SOCK_OPS, 0, 0, 2, false], ok: false },
  { descr: 'sock_ops bytes_acked', at: [T.SOCK_OPS, 0, 176, 8, false], ok: true },
  { descr: 'sock_ops bytes_acked u32', at: [T.SOCK_OPS, 0, 176, 4, false], ok: false },
  { descr: 'sock_ops sk', at: [T.SOCK_OPS, 0, 184, 8, false], ok: true, regType: RN.PTR_TO_SOCKET_OR_NULL },
  { descr: 'sock_ops skb_data', at: [T.SOCK_OPS, 0, 192, 8, false], ok: true, regType: R.PTR_TO_PACKET },
  {
    descr: 'sock_ops skb_data_end',
    at: [T.SOCK_OPS, 0, 200, 8, false],
    ok: true,
    regType: R.PTR_TO_PACKET_END,
  },
  { descr: 'sock_ops skb_tcp_flags u8', at: [T.SOCK_OPS, 0, 212, 1, false], ok: true, fieldSize: 4 },
  // sk_msg, sk_lookup, sk_reuseport
  { descr: 'sk_msg data', at: [T.SK_MSG, 0, 0, 8, false], ok: true, regType: R.PTR_TO_PACKET },
  { descr: 'sk_msg data u32', at: [T.SK_MSG, 0, 0, 4, false], ok: false },
  { descr: 'sk_msg sk', at: [T.SK_MSG, 0, 72, 8, false], ok: true, regType: R.PTR_TO_SOCKET },
  { descr: 'sk_msg size u16', at: [T.SK_MSG, 0, 68, 2, false], ok: false },
  { descr: 'sk_lookup sk', at: [T.SK_LOOKUP, 36, 0, 8, false], ok: true, regType: RN.PTR_TO_SOCKET_OR_NULL },
  { descr: 'sk_lookup sk u32', at: [T.SK_LOOKUP, 36, 0, 4, false], ok: false },
  { descr: 'sk_lookup remote_port u32', at: [T.SK_LOOKUP, 36, 36, 4, false], ok: true, fieldSize: 0 },
  { descr: 'sk_lookup remote_port u8', at: [T.SK_LOOKUP, 36, 37, 1, false], ok: true, fieldSize: 2 },
  { descr: 'sk_lookup padding u16', at: [T.SK_LOOKUP, 36, 38, 2, false], ok: true, fieldSize: 2 },
  { descr: 'sk_lookup family u64', at: [T.SK_LOOKUP, 36, 8, 8, false], ok: false },
  { descr: 'sk_lookup write', at: [T.SK_LOOKUP, 36, 8, 4, true], ok: false },
  {
    descr: 'reuseport migrating_sk',
    at: [T.SK_REUSEPORT, 40, 48, 8, false],
    ok: true,
    regType: RN.PTR_TO_SOCK_COMMON_OR_NULL,
  },
  { descr: 'reuseport eth_protocol u8', at: [T.SK_REUSEPORT, 39, 20, 1, false], ok: false },
  { descr: 'reuseport eth_protocol u16', at: [T.SK_REUSEPORT, 39, 22, 2, false], ok: true, fieldSize: 4 },
  { descr: 'reuseport hash u16', at: [T.SK_REUSEPORT, 39, 32, 2, false], ok: false },
  // cgroup_sysctl, cgroup_sockopt, cgroup_device
  {
    descr: 'sysctl write u8',
    at: [T.CGROUP_SYSCTL, 0, 0, 1, false],
    ok: true,
    fieldSize: 4,
    writable: false,
  },
  { descr: 'sysctl file_pos write', at: [T.CGROUP_SYSCTL, 0, 4, 4, true], ok: true },
  { descr: 'sysctl file_pos u16 write', at: [T.CGROUP_SYSCTL, 0, 4, 2, true], ok: false },
  { descr: 'sysctl past end', at: [T.CGROUP_SYSCTL, 0, 4, 8, false], ok: false },
  { descr: 'sockopt retval write get', at: [T.CGROUP_SOCKOPT, 21, 36, 4, true], ok: true },
  { descr: 'sockopt retval write set', at: [T.CGROUP_SOCKOPT, 22, 36, 4, true], ok: false },
  { descr: 'sockopt retval read set', at: [T.CGROUP_SOCKOPT, 22, 36, 4, false], ok: false },
  { descr: 'sockopt level write set', at: [T.CGROUP_SOCKOPT, 22, 24, 4, true], ok: true },
  { descr: 'sockopt optlen write get', at: [T.CGROUP_SOCKOPT, 21, 32, 4, true], ok: true },
  { descr: 'sockopt optval', at: [T.CGROUP_SOCKOPT, 22, 8, 8, false], ok: true, regType: R.PTR_TO_PACKET },
  {
    descr: 'sockopt optval_end',
    at: [T.CGROUP_SOCKOPT, 21, 16, 8, false],
    ok: true,
    regType: R.PTR_TO_PACKET_END,
  },
  { descr: 'sockopt sk upper half', at: [T.CGROUP_SOCKOPT, 21, 4, 4, false], ok: false },
  { descr: 'dev access_type u16', at: [T.CGROUP_DEVICE, 0, 2, 2, false], ok: true, fieldSize: 4 },
  { descr: 'dev major u16', at: [T.CGROUP_DEVICE, 0, 4, 2, false], ok: false },
  { descr: 'dev write', at: [T.CGROUP_DEVICE, 0, 0, 4, true], ok: false },
  // tracing without BTF
  { descr: 'kprobe ss', at: [T.KPROBE, 0, 160, 8, false], ok: true },
  { descr: 'kprobe past end', at: [T.KPROBE, 0, 164, 8, false], ok: false },
  { descr: 'kprobe write', at: [T.KPROBE, 0, 0, 8, true], ok: false },
  { descr: 'tracepoint hidden', at: [T.TRACEPOINT, 0, 4, 4, false], ok: false },
  { descr: 'tracepoint field', at: [T.TRACEPOINT, 0, 8, 8, false], ok: true },
  { descr: 'tracepoint negative (unsigned compare)', at: [T.TRACEPOINT, 0, -8, 8, false], ok: true },
  { descr: 'tracepoint limit', at: [T.TRACEPOINT, 0, 8192, 1, false], ok: false },
  { descr: 'perf sample_period u32', at: [T.PERF_EVENT, 0, 168, 4, false], ok: true, fieldSize: 8 },
  { descr: 'perf regs u32', at: [T.PERF_EVENT, 0, 0, 4, false], ok: false },
  { descr: 'raw_tp args[11]', at: [T.RAW_TRACEPOINT, 0, 88, 8, false], ok: true },
  { descr: 'raw_tp args[12]', at: [T.RAW_TRACEPOINT, 0, 96, 8, false], ok: false },
  {
    descr: 'raw_tp_w buffer',
    at: [T.RAW_TRACEPOINT_WRITABLE, 0, 0, 8, false],
    ok: true,
    regType: R.PTR_TO_TP_BUFFER,
  },
  { descr: 'raw_tp_w buffer u32', at: [T.RAW_TRACEPOINT_WRITABLE, 0, 0, 4, false], ok: false },
  { descr: 'raw_tp_w args[1]', at: [T.RAW_TRACEPOINT_WRITABLE, 0, 8, 8, false], ok: true, regType: SCALAR },
  // netfilter, syscall, BTF-typed contexts
  {
    descr: 'nf state',
    at: [T.NETFILTER, 45, 0, 8, false],
    ok: true,
    regType: R.PTR_TO_BTF_ID | TYPE_FLAG.PTR_TRUSTED,
  },
  { descr: 'nf state misaligned', at: [T.NETFILTER, 45, 4, 8, false], ok: false },
  { descr: 'syscall last u16', at: [T.SYSCALL, 0, 65534, 1, true], ok: true },
  { descr: 'syscall U16_MAX', at: [T.SYSCALL, 0, 65535, 1, false], ok: false },
  { descr: 'tracing (BTF) not modelled', at: [T.TRACING, 24, 0, 8, false], ok: false },
];

describe('ctxAccess tables', () => {
  it.each(ROWS)('$descr', (row) => {
    const [type, eat, off, size, write] = row.at;
    const r = ctxAccess(type, eat, off, size, write, row.opts);
    expect(r.ok).toBe(row.ok);
    if (!r.ok) return;
    expect(r.regType).toBe(row.regType ?? r.regType);
    if (row.fieldSize !== undefined) expect(r.ctxFieldSize).toBe(row.fieldSize);
    if (row.writable !== undefined) expect(r.writable).toBe(row.writable);
  });

  it('names the BTF type of netfilter pointers and flags tstamp_type reads', () => {
    const state = ctxAccess(T.NETFILTER, 45, 0, 8, false);
    const skb = ctxAccess(T.NETFILTER, 45, 8, 8, false);
    expect(state.ok && state.btfName).toBe('nf_hook_state');
    expect(skb.ok && skb.btfName).toBe('sk_buff');
    const tt = ctxAccess(T.SCHED_CLS, 0, 180, 1, false);
    expect(tt.ok && tt.tstampTypeAccess).toBe(true);
    const len = ctxAccess(T.SCHED_CLS, 0, 0, 4, false);
    expect(len.ok && (len.tstampTypeAccess ?? false)).toBe(false);
  });

  it('gives the context sizes of include/uapi/linux/bpf.h', () => {
    const sizes: [number, number | undefined][] = [
      [T.SOCKET_FILTER, 192],
      [T.SCHED_CLS, 192],
      [T.FLOW_DISSECTOR, 192],
      [T.XDP, 24],
      [T.CGROUP_SOCK, 80],
      [T.CGROUP_SOCK_ADDR, 72],
      [T.SOCK_OPS, 224],
      [T.SK_MSG, 80],
      [T.SK_LOOKUP, 72],
      [T.SK_REUSEPORT, 56],
      [T.CGROUP_SOCKOPT, 40],
      [T.CGROUP_SYSCTL, 8],
      [T.CGROUP_DEVICE, 12],
      [T.KPROBE, 168],
      [T.PERF_EVENT, 184],
      [T.RAW_TRACEPOINT, 96],
      [T.NETFILTER, 16],
      [T.TRACING, undefined],
      [T.LSM, undefined],
      [999, undefined],
    ];
    for (const [type, size] of sizes) {
      expect(ctxSize(type, 0), `type ${type}`).toBe(size);
      expect(ctxAccessModelled(type)).toBe(size !== undefined);
    }
  });

  it('accepts nothing at or past the end of a fixed-size context', () => {
    const fixed = Object.values(T).filter(
      (t) => ctxAccessModelled(t) && t !== T.TRACEPOINT && t !== T.SYSCALL,
    );
    expect(fixed.length).toBe(26);
    for (const t of fixed) {
      const size = ctxSize(t, 0) ?? 0;
      for (const eat of [0, 2, 12, 13, 21, 22, 33, 36, 39, 45]) {
        for (let off = size; off < size + 16; off++) {
          for (const sz of [1, 2, 4, 8]) {
            for (const write of [false, true]) {
              expect(ctxAccess(t, eat, off, sz, write).ok, `type ${t} off ${off}`).toBe(false);
            }
          }
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The selftests corpus: every `invalid bpf_context access` / `misaligned context access` verdict.

interface CorpusLine {
  readonly name: string;
  readonly insns_hex: string;
  readonly prog_type: string;
  readonly expected_attach_type: number;
  readonly kernel_6_18: { readonly verdict: string; readonly err_first: string | null };
}

const CORPUS = '/work/shared/data/verifier-corpus/linux-6.12-selftests-on-6.18.jsonl';
const corpus: CorpusLine[] = existsSync(CORPUS)
  ? readFileSync(CORPUS, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as CorpusLine)
  : [];

const SIZE_BYTES: Record<number, number> = {
  [BPF_SIZE.B]: 1,
  [BPF_SIZE.H]: 2,
  [BPF_SIZE.W]: 4,
  [BPF_SIZE.DW]: 8,
};

/** The memory accesses of a program: class, off, size and whether it writes. */
function accesses(hex: string): { off: number; size: number; write: boolean; base: number; idx: number }[] {
  const insns = decodeRaw(hexToBytes(hex) ?? new Uint8Array()) ?? [];
  const out: { off: number; size: number; write: boolean; base: number; idx: number }[] = [];
  insns.forEach((i, idx) => {
    const cls = i.code & 0x07;
    const mode = i.code & 0xe0;
    const size = SIZE_BYTES[i.code & 0x18] ?? 0;
    if (cls === BPF_CLASS.LDX && (mode === 0x60 || mode === 0x80))
      out.push({ off: i.off, size, write: false, base: i.src, idx });
    else if ((cls === BPF_CLASS.STX || cls === BPF_CLASS.ST) && mode === 0x60)
      out.push({ off: i.off, size, write: true, base: i.dst, idx });
  });
  return out;
}

/** Expected attach type as the kernel stores it after `bpf_prog_load_fixup_attach_type`. */
function fixedEat(c: CorpusLine, type: number): number {
  return type === T.CGROUP_SOCK && c.expected_attach_type === 0 ? 2 : c.expected_attach_type;
}

describe.skipIf(corpus.length === 0)(
  `selftests corpus context-access rejections${corpus.length === 0 ? ` (skipped: ${CORPUS} absent)` : ''}`,
  () => {
    const ctxRejects = corpus.filter((c) =>
      /^(invalid bpf_context access off=-?\d+ size=\d+|misaligned context access )/.test(
        c.kernel_6_18.err_first ?? '',
      ),
    );

    it('finds the corpus cases', () => {
      expect(ctxRejects.length).toBe(71);
    });

    it.each(ctxRejects.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const type = progTypeNumber(c.prog_type) ?? -1;
      const err = c.kernel_6_18.err_first ?? '';
      const inv = /invalid bpf_context access off=(-?\d+) size=(\d+)/.exec(err);
      const mis = /misaligned context access off 0\+0\+(-?\d+) size (\d+)/.exec(err);
      const off = Number((inv ?? mis)?.[1]);
      const size = Number((inv ?? mis)?.[2]);
      const hit = accesses(c.insns_hex).find((a) => a.off === off && a.size === size);
      expect(hit, 'the rejected access is in the program').toBeDefined();
      if (hit === undefined) return;
      expect(ctxAccess(type, fixedEat(c, type), off, size, hit.write).ok).toBe(false);
      // A misaligned access is caught by check_ptr_alignment before is_valid_access runs.
      if (mis) expect(off % size).not.toBe(0);
    });

    it('accepts the straight-line r1 context accesses of accepted programs', () => {
      let checked = 0;
      for (const c of corpus) {
        const type = progTypeNumber(c.prog_type) ?? -1;
        if (c.kernel_6_18.verdict !== 'accept' || !ctxAccessModelled(type)) continue;
        const insns = decodeRaw(hexToBytes(c.insns_hex) ?? new Uint8Array()) ?? [];
        // Until the first jump, call or write of r1, r1 is the context pointer on every path.
        let end = insns.findIndex((i) => {
          const cls = i.code & 0x07;
          const writesR1 = i.dst === 1 && cls !== BPF_CLASS.STX && cls !== BPF_CLASS.ST;
          return cls === BPF_CLASS.JMP || cls === BPF_CLASS.JMP32 || writesR1;
        });
        if (end < 0) end = insns.length;
        for (const a of accesses(c.insns_hex)) {
          if (a.idx >= end || a.base !== 1) continue;
          checked++;
          expect(
            ctxAccess(type, fixedEat(c, type), a.off, a.size, a.write).ok,
            `${c.name} insn ${a.idx}`,
          ).toBe(true);
        }
      }
      expect(checked).toBeGreaterThan(100);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Differential sweep against the real kernel.

const noKernel = await kernelUnavailable();
const host = noKernel === undefined ? await KernelHost.open() : undefined;

/** `[progType, expectedAttachType, prog_flags]` configurations swept. */
const CONFIGS: readonly (readonly [number, number, number])[] = [
  [T.SOCKET_FILTER, 0, 0],
  [T.KPROBE, 0, 0],
  [T.SCHED_CLS, 0, 0],
  [T.SCHED_ACT, 0, 0],
  [T.TRACEPOINT, 0, 0],
  [T.XDP, 0, 0],
  [T.XDP, 33, 0],
  [T.XDP, 35, 0],
  [T.PERF_EVENT, 0, 0],
  [T.CGROUP_SKB, 0, 0],
  [T.CGROUP_SKB, 1, 0],
  [T.CGROUP_SOCK, 2, 0],
  [T.CGROUP_SOCK, 34, 0],
  [T.CGROUP_SOCK, 12, 0],
  [T.CGROUP_SOCK, 13, 0],
  [T.LWT_IN, 0, 0],
  [T.LWT_OUT, 0, 0],
  [T.LWT_XMIT, 0, 0],
  [T.LWT_SEG6LOCAL, 0, 0],
  [T.SOCK_OPS, 0, 0],
  [T.SK_SKB, 0, 0],
  [T.CGROUP_DEVICE, 0, 0],
  [T.SK_MSG, 0, 0],
  [T.RAW_TRACEPOINT, 0, 0],
  ...[8, 9, 10, 11, 14, 15, 19, 20, 29, 30, 31, 32, 49, 50, 51, 52, 53].map(
    (eat) => [T.CGROUP_SOCK_ADDR, eat, 0] as const,
  ),
  [T.LIRC_MODE2, 0, 0],
  [T.SK_REUSEPORT, 39, 0],
  [T.SK_REUSEPORT, 40, 0],
  [T.FLOW_DISSECTOR, 0, 0],
  [T.CGROUP_SYSCTL, 0, 0],
  [T.RAW_TRACEPOINT_WRITABLE, 0, 0],
  [T.CGROUP_SOCKOPT, 21, 0],
  [T.CGROUP_SOCKOPT, 22, 0],
  [T.SK_LOOKUP, 36, 0],
  [T.SYSCALL, 0, 16 /* BPF_F_SLEEPABLE */],
  [T.NETFILTER, 45, 0],
];

/** Offsets swept: around the whole context, or its interesting edges for the large ones. */
function offsetsFor(type: number, eat: number): number[] {
  const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);
  if (type === T.TRACEPOINT) return [...range(-24, 72), ...range(8176, 8200)];
  // Instruction offsets are s16: the top of the syscall context's [0, U16_MAX) cannot be encoded.
  if (type === T.SYSCALL) return [...range(-8, 40), ...range(32736, 32768)];
  return range(-8, (ctxSize(type, eat) ?? 0) + 9);
}

/** What `r0 = <ctx load>` leaves in R0 in the log_level 2 trace: `pkt`, `scalar`, `sock_or_null`, ... */
function loggedR0Type(log: string): string | undefined {
  const line = log.split('\n').find((l) => l.startsWith('0: ('));
  return /R0(?:_w)?=([a-z_]+)/.exec(line ?? '')?.[1];
}

describe.skipIf(noKernel !== undefined)(
  `ctxAccess vs the real kernel${noKernel === undefined ? '' : ` (skipped: ${noKernel})`}`,
  () => {
    afterAll(() => host?.dispose());
    const supported = (type: number, eat: number, flags: number): boolean =>
      host !== undefined &&
      loadProbe(host, { progType: type, eat, off: 0, size: 1, write: false, flags }).kind !== 'other';

    for (const [type, eat, flags] of CONFIGS) {
      const name = `type ${type} eat ${eat}`;
      if (host === undefined || !supported(type, eat, flags)) {
        // e.g. lirc_mode2 without CONFIG_BPF_LIRC_MODE2: the kernel loads no program of the type.
        it.skip(`${name} (skipped: the kernel loads no program of this type)`, () => {});
        continue;
      }
      it(`${name}: accepts exactly the accesses the kernel accepts`, () => {
        const mismatches: string[] = [];
        let n = 0;
        for (const off of offsetsFor(type, eat)) {
          for (const size of [1, 2, 4, 8] as const) {
            for (const [write, ldsx] of [
              [false, false],
              [true, false],
              [false, true],
            ] as const) {
              if (ldsx && size === 8) continue;
              const p: CtxProbe = { progType: type, eat, off, size, write, ldsx, flags };
              const k = loadProbe(host, p);
              const m = ctxAccess(type, eat, off, size, write, { ldsx });
              n++;
              const what = `off=${off} size=${size}${write ? ' write' : ''}${ldsx ? ' ldsx' : ''}`;
              if (k.kind === 'other') mismatches.push(`${what}: kernel errno ${k.errno} ${k.line}`);
              else if ((k.kind === 'accept') !== m.ok)
                mismatches.push(`${what}: kernel ${k.kind}, bpfsim ${m.ok ? 'accept' : 'reject'}`);
            }
          }
        }
        expect(n).toBeGreaterThan(100);
        expect(mismatches).toEqual([]);
      });
      it(`${name}: loads the register type the kernel logs`, () => {
        const mismatches: string[] = [];
        let n = 0;
        for (const off of offsetsFor(type, eat)) {
          for (const size of [1, 2, 4, 8] as const) {
            const m = ctxAccess(type, eat, off, size, false);
            if (!m.ok || (m.regType === R.SCALAR_VALUE && off % 8 !== 0)) continue;
            const probe: CtxProbe = { progType: type, eat, off, size, write: false, flags };
            const r = loadProbeRaw(host, probe, 2).log;
            n++;
            const want = regTypeStr(m.regType) + (m.btfName ?? '');
            const got = loggedR0Type(r);
            if (got !== want) mismatches.push(`off=${off} size=${size}: kernel ${got}, bpfsim ${want}`);
          }
        }
        expect(n).toBeGreaterThan(0);
        expect(mismatches).toEqual([]);
      });
    }
  },
);
