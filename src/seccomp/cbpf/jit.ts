/**
 * @fileoverview A JIT for seccomp filters: compiles a validated classic BPF program to one
 * JavaScript function (`new Function`) built from numbers only, with the interpreter's exact
 * semantics and executed-instruction count. Models what net/core/filter.c bpf_convert_filter +
 * arch/x86/net/bpf_jit_comp.c do for seccomp: straight-line code, jumps (always forward in classic
 * BPF) become `break` out of nested labelled blocks, so V8 compiles the filter to branches.
 */
import { type SeccompData, seccompDataWords } from '../data.js';
import type { SockFilter } from './filter.js';
import { type FilterRun, lastRun } from './interp.js';
import { OP } from './opcodes.js';
import { type PreparedFilter, prepareFilter } from './prepare.js';

/**
 * A compiled filter: `(words, mem, state) => ret`. `words` are the 16 little-endian words of
 * seccomp_data, `mem` the 16 scratch words, `state[0]` receives the executed-instruction count.
 */
export type JitFn = (words: Uint32Array, mem: Uint32Array, state: Int32Array) => number;

/** A JIT-compiled filter. */
export interface JitFilter {
  readonly prepared: PreparedFilter;
  readonly fn: JitFn;
  /** The generated JavaScript (numbers and operators only), for inspection. */
  readonly source: string;
  /** `state[0]` is the executed count of the last run. */
  readonly state: Int32Array;
}

const ALU: Readonly<Record<number, string>> = {
  [OP.ALU_ADD_K]: 'a = (a + K) >>> 0;',
  [OP.ALU_ADD_X]: 'a = (a + x) >>> 0;',
  [OP.ALU_SUB_K]: 'a = (a - K) >>> 0;',
  [OP.ALU_SUB_X]: 'a = (a - x) >>> 0;',
  [OP.ALU_MUL_K]: 'a = Math.imul(a, K) >>> 0;',
  [OP.ALU_MUL_X]: 'a = Math.imul(a, x) >>> 0;',
  [OP.ALU_DIV_K]: 'a = Math.floor(a / K) >>> 0;',
  [OP.ALU_AND_K]: 'a = (a & K) >>> 0;',
  [OP.ALU_AND_X]: 'a = (a & x) >>> 0;',
  [OP.ALU_OR_K]: 'a = (a | K) >>> 0;',
  [OP.ALU_OR_X]: 'a = (a | x) >>> 0;',
  [OP.ALU_XOR_K]: 'a = (a ^ K) >>> 0;',
  [OP.ALU_XOR_X]: 'a = (a ^ x) >>> 0;',
  [OP.ALU_LSH_K]: 'a = (a << K) >>> 0;',
  [OP.ALU_LSH_X]: 'a = (a << (x & 31)) >>> 0;',
  [OP.ALU_RSH_K]: 'a = a >>> K;',
  [OP.ALU_RSH_X]: 'a = a >>> (x & 31);',
  [OP.ALU_NEG]: 'a = -a >>> 0;',
  [OP.TAX]: 'x = a;',
  [OP.TXA]: 'a = x;',
  [OP.LD_W_ABS]: 'a = w[K];',
  [OP.LD_IMM]: 'a = K;',
  [OP.LDX_IMM]: 'x = K;',
  [OP.LD_MEM]: 'a = m[K];',
  [OP.LDX_MEM]: 'x = m[K];',
  [OP.ST]: 'm[K] = a;',
  [OP.STX]: 'm[K] = x;',
};

const COND: Readonly<Record<number, string>> = {
  [OP.JEQ_K]: 'a === K',
  [OP.JEQ_X]: 'a === x',
  [OP.JGT_K]: 'a > K',
  [OP.JGT_X]: 'a > x',
  [OP.JGE_K]: 'a >= K',
  [OP.JGE_X]: 'a >= x',
  [OP.JSET_K]: '(a & K) !== 0',
  [OP.JSET_X]: '(a & x) !== 0',
};

/** Generates the body of the compiled function for a prepared filter. */
export function jitSource(p: PreparedFilter): string {
  const n = p.code.length;
  const targets = new Set<number>();
  for (let pc = 0; pc < n; pc++) {
    const code = p.code[pc] as number;
    if (code === OP.JA || COND[code] !== undefined) {
      if ((p.jt[pc] as number) !== pc + 1) targets.add(p.jt[pc] as number);
      if (code !== OP.JA && (p.jf[pc] as number) !== pc + 1) targets.add(p.jf[pc] as number);
    }
  }
  const out: string[] = ['let a = 0, x = 0, n = 0;'];
  // Every block starts at instruction 0 and ends just before its target, so they nest.
  for (const t of [...targets].sort((u, v) => v - u)) out.push(`L${t}: {`);
  let pending = 0;
  const flush = () => {
    if (pending > 0) out.push(`n += ${pending};`);
    pending = 0;
  };
  for (let pc = 0; pc < n; pc++) {
    if (targets.has(pc)) {
      flush();
      out.push(`} // L${pc}`);
    }
    const code = p.code[pc] as number;
    const k = String(p.k[pc] as number);
    pending++;
    const alu = ALU[code];
    if (alu !== undefined) {
      out.push(alu.replace('K', k));
      continue;
    }
    if (code === OP.ALU_DIV_X) {
      out.push(`if (x === 0) { s[0] = n + ${pending}; return 0; }`, 'a = Math.floor(a / x) >>> 0;');
      continue;
    }
    if (code === OP.RET_K || code === OP.RET_A) {
      out.push(`s[0] = n + ${pending};`, `return ${code === OP.RET_K ? k : 'a'};`);
      pending = 0;
      continue;
    }
    const jt = p.jt[pc] as number;
    flush();
    if (code === OP.JA) {
      if (jt !== pc + 1) out.push(`break L${jt};`);
      continue;
    }
    const cond = (COND[code] as string).replace('K', k);
    const jf = p.jf[pc] as number;
    if (jt === jf) {
      if (jt !== pc + 1) out.push(`break L${jt};`);
    } else if (jt === pc + 1) out.push(`if (!(${cond})) break L${jf};`);
    else if (jf === pc + 1) out.push(`if (${cond}) break L${jt};`);
    else out.push(`if (${cond}) break L${jt};`, `break L${jf};`);
  }
  // Validated filters end with RET, so control never gets here.
  out.push('s[0] = n;', 'return 0;');
  return out.join('\n');
}

/**
 * Compiles a filter (validated first, like `runFilter`; throws `SeccompFilterError` for a filter
 * the kernel would refuse). The generated code contains only numbers taken from the instructions.
 */
export function compileJit(filter: readonly SockFilter[] | PreparedFilter): JitFilter {
  const prepared = isPrepared(filter) ? filter : prepareFilter(filter);
  const source = jitSource(prepared);
  const fn = new Function('w', 'm', 's', source) as JitFn;
  return { prepared, fn, source, state: new Int32Array(1) };
}

function isPrepared(f: readonly SockFilter[] | PreparedFilter): f is PreparedFilter {
  return !Array.isArray(f);
}

/** Runs a compiled filter on seccomp_data words; the executed count goes to `lastRun.executed`. */
export function runJit(j: JitFilter, words: Uint32Array): number {
  const ret = j.fn(words, j.prepared.mem, j.state);
  lastRun.executed = j.state[0] as number;
  return ret;
}

const cache = new WeakMap<readonly SockFilter[], JitFilter>();
const scratchWords = new Uint32Array(16);

/** `runFilter` through the JIT (compiled once per filter array and cached). */
export function runFilterJit(filter: readonly SockFilter[], data: SeccompData): FilterRun {
  let j = cache.get(filter);
  if (j === undefined || j.prepared.code.length !== filter.length) {
    j = compileJit(filter);
    cache.set(filter, j);
  }
  const ret = runJit(j, seccompDataWords(data, scratchWords));
  return { ret, executed: lastRun.executed };
}
