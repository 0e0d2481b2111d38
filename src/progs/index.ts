/**
 * @fileoverview Program types: the registry (kernel/bpf/syscall.c `bpf_prog_types[]`), context
 * layouts and the test_run input rules of net/bpf/test_run.c.
 */
export { kprobeType, PT_REGS_SIZE } from './kprobe.js';
export { type FuncProto, type ProgTypeOps, progTypeOps, progTypes } from './registry.js';
export { SK_BUFF_USER_SIZE, SKB, schedActType, schedClsType, testRunSkb } from './sched_cls.js';
export { socketFilterType } from './socket_filter.js';
export type {
  PacketPointers,
  TestRunAttr,
  TestRunExec,
  TestRunFn,
  TestRunIo,
  TestRunProg,
  TestRunResult,
} from './test-run-io.js';
export { tracepointType } from './tracepoint.js';
export { BPF_PROG_TYPE, PROG_TYPE_NAMES, progTypeNumber } from './types.js';
export { testRunXdp, XDP_MD, XDP_MD_SIZE, xdpType } from './xdp.js';
