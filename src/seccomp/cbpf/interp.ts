/**
 * @fileoverview The classic BPF interpreter for seccomp filters, with executed-instruction
 * counting. Semantics of a seccomp cBPF program once net/core/filter.c bpf_convert_filter has
 * turned it into eBPF: A and X start at 0, loads read 32-bit words of `seccomp_data`, ALU is
 * 32-bit, shifts by X use `X & 31`, DIV by X == 0 ends the filter returning 0 (the conversion's
 * `if (X == 0) return 0` guard), RET returns K or A.
 */
import { type SeccompData, seccompDataWords } from '../data.js';
import type { SockFilter } from './filter.js';
import { OP } from './opcodes.js';
import { type PreparedFilter, prepareFilter } from './prepare.js';

/** What one filter run returns: the 32-bit filter result and how many instructions ran. */
export interface FilterRun {
  ret: number;
  executed: number;
}

/** Instructions executed by the last `runPrepared` call (read it right after the call). */
export const lastRun = { executed: 0 };

/**
 * Runs a prepared filter on `words` (the 16 little-endian words of `seccomp_data`, see
 * `seccompDataWords`) and returns the u32 filter result; the executed-instruction count is left in
 * `lastRun.executed`. Allocation-free. Models kernel/bpf/core.c ___bpf_prog_run on the converted program.
 */
export function runPrepared(p: PreparedFilter, words: Uint32Array): number {
  const { code, k: ks, jt, jf, mem } = p;
  let a = 0;
  let x = 0;
  let pc = 0;
  let n = 0;
  for (;;) {
    n++;
    const k = ks[pc] as number;
    switch (code[pc]) {
      case OP.LD_W_ABS:
        a = words[k] as number;
        break;
      case OP.LD_IMM:
        a = k;
        break;
      case OP.LDX_IMM:
        x = k;
        break;
      case OP.LD_MEM:
        a = mem[k] as number;
        break;
      case OP.LDX_MEM:
        x = mem[k] as number;
        break;
      case OP.ST:
        mem[k] = a;
        break;
      case OP.STX:
        mem[k] = x;
        break;
      case OP.ALU_ADD_K:
        a = (a + k) >>> 0;
        break;
      case OP.ALU_ADD_X:
        a = (a + x) >>> 0;
        break;
      case OP.ALU_SUB_K:
        a = (a - k) >>> 0;
        break;
      case OP.ALU_SUB_X:
        a = (a - x) >>> 0;
        break;
      case OP.ALU_MUL_K:
        a = Math.imul(a, k) >>> 0;
        break;
      case OP.ALU_MUL_X:
        a = Math.imul(a, x) >>> 0;
        break;
      case OP.ALU_DIV_K:
        a = Math.floor(a / k) >>> 0;
        break;
      case OP.ALU_DIV_X:
        if (x === 0) {
          lastRun.executed = n;
          return 0;
        }
        a = Math.floor(a / x) >>> 0;
        break;
      case OP.ALU_AND_K:
        a = (a & k) >>> 0;
        break;
      case OP.ALU_AND_X:
        a = (a & x) >>> 0;
        break;
      case OP.ALU_OR_K:
        a = (a | k) >>> 0;
        break;
      case OP.ALU_OR_X:
        a = (a | x) >>> 0;
        break;
      case OP.ALU_XOR_K:
        a = (a ^ k) >>> 0;
        break;
      case OP.ALU_XOR_X:
        a = (a ^ x) >>> 0;
        break;
      case OP.ALU_LSH_K:
        a = (a << k) >>> 0;
        break;
      case OP.ALU_LSH_X:
        a = (a << (x & 31)) >>> 0;
        break;
      case OP.ALU_RSH_K:
        a = a >>> k;
        break;
      case OP.ALU_RSH_X:
        a = a >>> (x & 31);
        break;
      case OP.ALU_NEG:
        a = -a >>> 0;
        break;
      case OP.TAX:
        x = a;
        break;
      case OP.TXA:
        a = x;
        break;
      case OP.JA:
        pc = jt[pc] as number;
        continue;
      case OP.JEQ_K:
        pc = a === k ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.JEQ_X:
        pc = a === x ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.JGT_K:
        pc = a > k ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.JGT_X:
        pc = a > x ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.JGE_K:
        pc = a >= k ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.JGE_X:
        pc = a >= x ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.JSET_K:
        pc = (a & k) !== 0 ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.JSET_X:
        pc = (a & x) !== 0 ? (jt[pc] as number) : (jf[pc] as number);
        continue;
      case OP.RET_K:
        lastRun.executed = n;
        return k;
      case OP.RET_A:
        lastRun.executed = n;
        return a;
    }
    pc++;
  }
}

const scratchWords = new Uint32Array(16);

/**
 * Runs a seccomp filter on one system call and returns the u32 result (`SECCOMP_RET_*` | data)
 * and the number of instructions executed. The filter is validated and pre-decoded on first use
 * (cached per array); throws `SeccompFilterError` (EINVAL) for a filter the kernel would refuse.
 * Models kernel/seccomp.c seccomp_run_filters for one filter (`bpf_prog_run_pin_on_cpu`).
 */
export function runFilter(filter: readonly SockFilter[], data: SeccompData): FilterRun {
  const p = prepareFilter(filter);
  const ret = runPrepared(p, seccompDataWords(data, scratchWords));
  return { ret, executed: lastRun.executed };
}
