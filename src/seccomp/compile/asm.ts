/**
 * @fileoverview A small classic BPF assembler with labels for the seccomp compiler. Conditional
 * jumps reach at most 255 instructions ahead; `assemble` fixes longer ones the way libseccomp
 * src/gen_bpf.c handles long jumps: a jump to a `RET` reuses an identical `RET` within reach or
 * gets a copy placed right after the jump (no extra instruction executed), any other far target
 * gets a `JA` trampoline (one extra instruction on that path).
 */
import { CBPF_CLASS, CBPF_JMP, CBPF_MODE, CBPF_SIZE, CBPF_SRC, type SockFilter } from '../cbpf/filter.js';

/** A jump target: a label, or "some `RET k`" placed by the assembler. */
export type Target = { label: number } | { ret: number };

interface Item {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
}

const RET_K = CBPF_CLASS.RET | CBPF_SRC.K;
const JA = CBPF_CLASS.JMP | CBPF_JMP.JA;
const MAX_JUMP = 255;

/** Builds one program; labels are bound to the next emitted instruction. */
export class Assembler {
  private items: Item[] = [];
  private labels: number[] = [];

  /** A fresh, unbound label. */
  label(): number {
    this.labels.push(-1);
    return this.labels.length - 1;
  }

  /** Binds `l` to the next instruction. */
  bind(l: number): void {
    this.labels[l] = this.items.length;
  }

  /** Number of instructions emitted so far. */
  get length(): number {
    return this.items.length;
  }

  /** `ld [off]` (BPF_LD | BPF_W | BPF_ABS). */
  load(off: number): void {
    this.items.push({ code: CBPF_CLASS.LD | CBPF_SIZE.W | CBPF_MODE.ABS, k: off });
  }

  /** `and #k`. */
  and(k: number): void {
    this.items.push({ code: CBPF_CLASS.ALU | 0x50 | CBPF_SRC.K, k: k >>> 0 });
  }

  /** `ret #k`. */
  ret(k: number): void {
    this.items.push({ code: RET_K, k: k >>> 0 });
  }

  /** A conditional jump on K (`CBPF_JMP.JEQ`, `JGT`, `JGE`, `JSET`). */
  jump(op: number, k: number, jt: Target, jf: Target): void {
    this.items.push({ code: CBPF_CLASS.JMP | op | CBPF_SRC.K, k: k >>> 0, jt, jf });
  }

  /** Continues at `t`: a `RET` for a return target, a `JA` for a label. */
  goto(t: Target): void {
    if ('ret' in t) this.ret(t.ret);
    else this.items.push({ code: JA, k: 0, jt: t });
  }

  /** Resolves labels and long jumps and returns the program. */
  assemble(): SockFilter[] {
    const items = this.items;
    const labels = this.labels;
    for (const [i, l] of labels.entries()) if (l < 0) throw new Error(`assembler: label ${i} never bound`);
    const insert = (at: number, item: Item) => {
      items.splice(at, 0, item);
      for (let l = 0; l < labels.length; l++)
        if ((labels[l] as number) >= at) labels[l] = (labels[l] as number) + 1;
    };
    const findRet = (from: number, k: number): number => {
      const end = Math.min(items.length - 1, from + MAX_JUMP);
      for (let p = from; p <= end; p++) {
        const it = items[p] as Item;
        if (it.code === RET_K && it.k === k) return p;
      }
      return -1;
    };
    // Backwards: an insertion after instruction i only moves jumps that start before i.
    for (let i = items.length - 1; i >= 0; i--) {
      const it = items[i] as Item;
      if (it.code === JA || it.jt === undefined) continue;
      for (const side of ['jt', 'jf'] as const) {
        const t = it[side] as Target;
        if ('ret' in t) {
          if (findRet(i + 1, t.ret) < 0) insert(i + 1, { code: RET_K, k: t.ret });
        } else if ((labels[t.label] as number) - (i + 1) > MAX_JUMP) {
          const tramp = this.labels.length;
          labels.push(-1);
          insert(i + 1, { code: JA, k: 0, jt: t });
          labels[tramp] = i + 1;
          it[side] = { label: tramp };
        }
      }
    }
    const out: SockFilter[] = [];
    items.forEach((it, i) => {
      const pos = (t: Target): number => {
        if ('ret' in t) {
          const p = findRet(i + 1, t.ret);
          if (p < 0) throw new Error('assembler: RET out of reach');
          return p;
        }
        return labels[t.label] as number;
      };
      if (it.code === JA) {
        out.push({ code: JA, jt: 0, jf: 0, k: (pos(it.jt as Target) - (i + 1)) >>> 0 });
      } else if (it.jt !== undefined && it.jf !== undefined) {
        const jt = pos(it.jt) - (i + 1);
        const jf = pos(it.jf) - (i + 1);
        if (jt < 0 || jf < 0 || jt > MAX_JUMP || jf > MAX_JUMP)
          throw new Error(`assembler: jump out of range at ${i}`);
        out.push({ code: it.code, jt, jf, k: it.k });
      } else out.push({ code: it.code, jt: 0, jf: 0, k: it.k });
    });
    return out;
  }
}
