/**
 * @fileoverview Register liveness before every instruction, the backward data-flow the 6.18
 * verifier runs before its main pass (state pruning compares only live registers).
 *
 * Models `compute_live_registers` and `compute_insn_live_regs` of kernel/bpf/verifier.c (Linux 6.18).
 */
import type { Insn } from '../../isa/insn.js';
import { bpfInsnSuccessors } from '../cfg.js';

const ALL_CALLER_SAVED = 0x3f;
const R0 = 1;

/** use/def masks of one insn; `helperArgs` gives the argument count of a helper (5 when unknown). */
function useDef(x: Insn, helperArgs: (id: number) => number): [number, number] {
  const cls = x.code & 7;
  const op = x.code & 0xf0;
  const d = 1 << x.dst;
  const s = 1 << x.src;
  const srcX = (x.code & 8) !== 0;
  switch (cls) {
    case 0x00: {
      // LD
      const mode = x.code & 0xe0;
      if (mode === 0x00) return [0, d]; // ld_imm64
      if (mode === 0x20) return [1 << 6, ALL_CALLER_SAVED]; // ABS
      if (mode === 0x40) return [(1 << 6) | s, ALL_CALLER_SAVED]; // IND
      return [0, 0];
    }
    case 0x01: // LDX
      return [s, d];
    case 0x02: // ST
      return [d, 0];
    case 0x03: {
      // STX
      if ((x.code & 0xe0) === 0xc0) {
        const imm = x.imm;
        if (imm === 0xf1) return [d | s | R0, R0]; // cmpxchg
        if (imm === 0x100) return [s, d]; // load_acquire: dst = *(src + off)
        if (imm & 1) return [d | s, s];
        return [d | s, 0];
      }
      return [d | s, 0];
    }
    case 0x04:
    case 0x07: {
      // ALU
      if (op === 0xb0) return [srcX ? s : 0, d];
      if (op === 0x80 || op === 0xd0) return [d, d];
      return [d | (srcX ? s : 0), d];
    }
    case 0x05:
    case 0x06: {
      if (op === 0x90) return [R0, 0]; // exit
      if (op === 0x00) return [0, 0]; // ja
      if (op === 0x80) {
        if (x.src === 1) return [0x3e, ALL_CALLER_SAVED];
        const n = helperArgs(x.imm);
        return [((1 << (n + 1)) - 1) & 0x3e, ALL_CALLER_SAVED];
      }
      return [d | (srcX ? s : 0), 0];
    }
    default:
      return [0, 0];
  }
}

/** The successors of insn `i` (see `bpfInsnSuccessors`). */
function successors(insns: readonly Insn[], i: number): number[] {
  const out = [0, 0];
  return out.slice(0, bpfInsnSuccessors(insns, i, out));
}

/**
 * Registers live before each insn (bit i = Ri, R0..R9). Subprogram calls count as using R1-R5 and
 * defining R0-R5; exits use R0. Models `compute_live_registers`.
 */
export function computeLiveRegs(insns: readonly Insn[], helperArgs: (id: number) => number): Uint16Array {
  const n = insns.length;
  const use = new Uint16Array(n);
  const def = new Uint16Array(n);
  const succ: number[][] = [];
  for (let i = 0; i < n; i++) {
    const [u, d] = useDef(insns[i] as Insn, helperArgs);
    use[i] = u & 0x3ff;
    def[i] = d & 0x3ff;
    succ.push(successors(insns, i).filter((t) => t >= 0 && t < n));
  }
  const liveIn = new Uint16Array(n);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      let out = 0;
      for (const t of succ[i] as number[]) out |= liveIn[t] as number;
      const v = ((use[i] as number) | (out & ~(def[i] as number))) & 0x3ff;
      if (v !== liveIn[i]) {
        liveIn[i] = v;
        changed = true;
      }
    }
  }
  return liveIn;
}

/**
 * Strongly connected components of the control-flow graph that form loops (more than one insn, or
 * a self-loop), numbered from 1 in the order Tarjan's algorithm completes them, from insn 0; 0 for
 * insns outside loops. Models `compute_scc` (printed before `Live regs before insn` at level 2).
 */
export function computeScc(insns: readonly Insn[]): Uint32Array {
  const n = insns.length;
  const scc = new Uint32Array(n);
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  let next = 0;
  let nextScc = 1;
  const succOf = (i: number): number[] => successors(insns, i).filter((t) => t >= 0 && t < n);
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { v: number; succ: number[]; k: number }[] = [];
    const enter = (v: number): void => {
      index[v] = low[v] = next++;
      stack.push(v);
      onStack[v] = 1;
      work.push({ v, succ: succOf(v), k: 0 });
    };
    enter(root);
    while (work.length) {
      const top = work[work.length - 1] as { v: number; succ: number[]; k: number };
      if (top.k < top.succ.length) {
        const w = top.succ[top.k++] as number;
        if (index[w] === -1) enter(w);
        else if (onStack[w]) low[top.v] = Math.min(low[top.v] as number, index[w] as number);
        continue;
      }
      work.pop();
      const v = top.v;
      const parent = work[work.length - 1];
      if (parent) low[parent.v] = Math.min(low[parent.v] as number, low[v] as number);
      if (low[v] !== index[v]) continue;
      const members: number[] = [];
      for (;;) {
        const w = stack.pop() as number;
        onStack[w] = 0;
        members.push(w);
        if (w === v) break;
      }
      const selfLoop = members.length === 1 && succOf(v).includes(v);
      if (members.length > 1 || selfLoop) {
        for (const w of members) scc[w] = nextScc;
        nextScc++;
      }
    }
  }
  return scc;
}
