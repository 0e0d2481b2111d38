/**
 * @fileoverview A validated filter pre-decoded once for fast repeated runs: flat typed arrays of
 * opcode, constant and absolute jump targets, with seccomp's load rewrites applied (kernel/seccomp.c
 * seccomp_check_filter turns `LD W LEN` into `LD IMM 64` and ABS loads into loads from
 * `seccomp_data`). Shared by the interpreter and the JIT.
 */
import { SECCOMP_DATA } from '../uapi.js';
import { SeccompFilterError } from './errors.js';
import { BPF_MEMWORDS, type SockFilter } from './filter.js';
import { OP } from './opcodes.js';
import { isConditionalJump, validateFilter } from './validate.js';

/** A validated, pre-decoded filter. Models the `struct bpf_prog` seccomp keeps per filter. */
export interface PreparedFilter {
  /** The instructions as given (not rewritten). */
  readonly filter: readonly SockFilter[];
  /** Opcode per instruction (after seccomp's LEN → IMM rewrite). */
  readonly code: Uint8Array;
  /** Constant per instruction; for `LD W ABS` the 32-bit word index `k / 4` into seccomp_data. */
  readonly k: Uint32Array;
  /** Absolute index of the next instruction when a jump is taken (JA: its target). */
  readonly jt: Uint16Array;
  /** Absolute index of the next instruction when a conditional jump is not taken. */
  readonly jf: Uint16Array;
  /** Scratch memory `M[16]`, reused across runs. */
  readonly mem: Uint32Array;
}

const cache = new WeakMap<readonly SockFilter[], PreparedFilter>();

/**
 * Validates (`validateFilter`) and pre-decodes a filter; throws `SeccompFilterError` (EINVAL, pc,
 * reason) for a filter the kernel would refuse. The result is cached per array: do not mutate a
 * filter array after running it.
 */
export function prepareFilter(filter: readonly SockFilter[]): PreparedFilter {
  const hit = cache.get(filter);
  if (hit !== undefined && hit.code.length === filter.length) return hit;
  const v = validateFilter(filter);
  if (!v.ok) throw new SeccompFilterError(v.errno, v.pc, v.reason);
  const n = filter.length;
  const prep: PreparedFilter = {
    filter,
    code: new Uint8Array(n),
    k: new Uint32Array(n),
    jt: new Uint16Array(n),
    jf: new Uint16Array(n),
    mem: new Uint32Array(BPF_MEMWORDS),
  };
  for (let pc = 0; pc < n; pc++) {
    const insn = filter[pc] as SockFilter;
    let code = insn.code;
    let k = insn.k;
    if (code === OP.LD_W_LEN) {
      code = OP.LD_IMM;
      k = SECCOMP_DATA.SIZE;
    } else if (code === OP.LDX_W_LEN) {
      code = OP.LDX_IMM;
      k = SECCOMP_DATA.SIZE;
    } else if (code === OP.LD_W_ABS) {
      k >>>= 2;
    }
    prep.code[pc] = code;
    prep.k[pc] = k;
    if (code === OP.JA) {
      prep.jt[pc] = pc + 1 + k;
    } else if (isConditionalJump(code)) {
      prep.jt[pc] = pc + 1 + insn.jt;
      prep.jf[pc] = pc + 1 + insn.jf;
    }
  }
  cache.set(filter, prep);
  return prep;
}
