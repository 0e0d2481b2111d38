/**
 * @fileoverview The execution engine interface behind BPF_PROG_TEST_RUN.
 *
 * Models `bpf_test_run` (net/bpf/test_run.c): run a program `repeat` times on a context and an
 * optional packet, returning R0 and the (possibly modified) packet and context. The kernel layer
 * builds the context per program type (src/progs) and applies the syscall's input/output rules;
 * the engine (src/vm) only executes.
 */
import type { HelperFn } from '../vm/machine.js';
import type { KMap, KProg } from './objects.js';

/** One execution request. */
export interface RunRequest {
  readonly prog: KProg;
  /** The context object the program's R1 points to (struct __sk_buff, xdp_md, pt_regs...). */
  readonly ctx: Uint8Array;
  /** Packet bytes for packet program types (data..data_end), else undefined. */
  readonly packet?: Uint8Array;
  /** Offsets inside `ctx` where the engine stores packet pointers (data, data_end, data_meta). */
  readonly packetPointers?: { readonly data?: number; readonly dataEnd?: number; readonly dataMeta?: number };
  /** Bytes of metadata at the start of `packet` (XDP data_meta..data). */
  readonly packetMeta?: number;
  /** Maps the program uses, by id (LD_IMM64 map references carry ids after load). */
  readonly maps: ReadonlyMap<number, KMap>;
  readonly cpu: number;
  /** Runs in a row (`bpf_test_run`'s repeat; 0 or absent counts as 1). `insns` of the outcome is the total. */
  readonly repeat?: number;
  /** `ktime_get_ns()` for helpers. */
  readonly ktimeNs: () => bigint;
  /** `get_prandom_u32()` for helpers. */
  readonly prandomU32: () => number;
  /** Helpers extensions added (ids above the kernel's), run like the built-in ones. */
  readonly extraHelpers?: ReadonlyMap<number, HelperFn>;
}

/** The result of one run. */
export type RunOutcome =
  | {
      readonly ok: true;
      readonly retval: number;
      readonly ctx: Uint8Array;
      readonly packet?: Uint8Array;
      readonly insns: number;
    }
  | { readonly ok: false; readonly errno: number; readonly reason: string };

/** An execution engine; src/vm provides one. */
export interface ProgRunner {
  run(req: RunRequest): RunOutcome;
}
