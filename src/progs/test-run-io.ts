/**
 * @fileoverview The interface between a program type's test_run and the syscall layer.
 *
 * Models what net/bpf/test_run.c functions receive: the `test` struct of `union bpf_attr`
 * (`kattr`), the user pointer for writing results back (`uattr`), and `bpf_test_run` (the repeat
 * loop). The kernel layer implements {@link TestRunIo} on a task; a program type's test_run
 * applies its input rules and calls back into it, so checks happen in the kernel's order.
 */

/** The `test` fields of `union bpf_attr` for BPF_PROG_TEST_RUN. */
export interface TestRunAttr {
  readonly dataSizeIn: number;
  readonly dataSizeOut: number;
  readonly dataIn: number;
  readonly dataOut: number;
  readonly repeat: number;
  readonly ctxSizeIn: number;
  readonly ctxSizeOut: number;
  readonly ctxIn: number;
  readonly ctxOut: number;
  readonly flags: number;
  readonly cpu: number;
  readonly batchSize: number;
}

/** The program being tested, as test_run sees it (`struct bpf_prog`). */
export interface TestRunProg {
  readonly progType: number;
  readonly expectedAttachType: number;
  /** `prog->aux->xdp_has_frags`. */
  readonly xdpHasFrags: boolean;
}

/** Where the engine finds packet pointers inside the context it runs with. */
export interface PacketPointers {
  readonly data?: number;
  readonly dataEnd?: number;
  readonly dataMeta?: number;
}

/** One `bpf_test_run` request: context, packet and how to expose the packet. */
export interface TestRunExec {
  readonly ctx: Uint8Array;
  readonly packet?: Uint8Array;
  /** Bytes before `data` in `packet` that are metadata (XDP data_meta). */
  readonly metaLen?: number;
  readonly pointers?: PacketPointers;
  readonly repeat: number;
}

/** The result of `bpf_test_run`. */
export interface TestRunResult {
  readonly retval: number;
  /** Mean ns per run. */
  readonly duration: number;
  readonly ctx: Uint8Array;
  /** The packet after the last run (from data_meta). */
  readonly packet?: Uint8Array;
}

/** Services of the syscall layer; each user copy returns -EFAULT like the kernel's. */
export interface TestRunIo {
  copyFromUser(addr: number, len: number): Uint8Array | number;
  copyToUser(addr: number, bytes: Uint8Array): number;
  /** Models `check_zeroed_user`: 1 all zero, 0 not, -EFAULT. */
  checkZeroedUser(addr: number, len: number): number;
  /** Writes a u32 field of `uattr->test` (retval, duration, data_size_out, ctx_size_out): 0 or -EFAULT. */
  putField(field: 'retval' | 'duration' | 'data_size_out' | 'ctx_size_out', value: number): number;
  /** Models `bpf_test_run`: runs the program; a run-time failure becomes -errno. */
  run(exec: TestRunExec): TestRunResult | number;
  /** Network interfaces that exist (`dev_get_by_index`): lo is 1. */
  ifindexExists(ifindex: number): boolean;
}

/** A program type's `test_run` op: 0 or -errno. */
export type TestRunFn = (prog: TestRunProg, attr: TestRunAttr, io: TestRunIo) => number;
