/**
 * @fileoverview Packet pointers in the context, for programs the real verifier has not rewritten.
 *
 * Models the part of `convert_ctx_accesses` (kernel/bpf/verifier.c, with net/core/filter.c
 * `bpf_convert_ctx_access` / `xdp_convert_ctx_access`) that turns a 32-bit load of
 * `__sk_buff.data`/`data_end`/`data_meta` or `xdp_md.data`/... from the context into a 64-bit load
 * of the kernel pointer. Without a verifier, which registers hold the context pointer is found by a
 * small forward data-flow pass (R1 at entry, copies by `mov`, clobbered by any other write or a
 * call; a register is the context only if it is on every path). The rewritten load reads an 8-byte
 * slot appended after the user-visible context, which the runner fills with the packet addresses.
 */
import type { Insn } from '../isa/insn.js';
import { bpfInsnSuccessors } from '../verifier/cfg.js';

/** Where packet pointers live in the user-visible context. */
export interface CtxPointerFields {
  readonly data?: number;
  readonly dataEnd?: number;
  readonly dataMeta?: number;
}

const LD_IMM64 = 0x18;
const LDX_W = 0x61;
const LDX_DW = 0x79;
const ALL = 0x7ff;

/** Successor pcs of `pc` (jump targets and fall-through). */
function successors(insns: readonly Insn[], pc: number): number[] {
  const out = [0, 0];
  return out.slice(0, bpfInsnSuccessors(insns, pc, out));
}

/** Register bitmask after `x` given the mask before it. */
function transfer(x: Insn, mask: number): number {
  const cls = x.code & 7;
  if (x.code === 0xbf) return x.src >= 0 && (mask >> x.src) & 1 ? mask | (1 << x.dst) : mask & ~(1 << x.dst);
  if (x.code === LD_IMM64 || cls === 0 || cls === 1 || cls === 4 || cls === 7) return mask & ~(1 << x.dst);
  if ((cls === 5 || cls === 6) && (x.code & 0xf0) === 0x80) return mask & ~0x3f;
  return mask;
}

/**
 * Rewrites context loads of packet pointers (in place) to 8-byte loads at `ctxSize + 8 * k`
 * (k = 0 data, 1 data_end, 2 data_meta). Returns the number of rewritten loads.
 */
export function convertPacketPointerLoads(insns: Insn[], fields: CtxPointerFields, ctxSize: number): number {
  const slots = new Map<number, number>();
  if (fields.data !== undefined) slots.set(fields.data, 0);
  if (fields.dataEnd !== undefined) slots.set(fields.dataEnd, 1);
  if (fields.dataMeta !== undefined) slots.set(fields.dataMeta, 2);
  if (slots.size === 0 || insns.length === 0) return 0;
  const n = insns.length;
  const inMask = new Int32Array(n).fill(-1);
  const reached = new Uint8Array(n);
  inMask[0] = 1 << 1;
  reached[0] = 1;
  const work = [0];
  while (work.length > 0) {
    const pc = work.pop() as number;
    const out = transfer(insns[pc] as Insn, inMask[pc] as number) & ALL;
    for (const s of successors(insns, pc)) {
      if (s < 0 || s >= n) continue;
      const merged = reached[s] ? (inMask[s] as number) & out : out;
      if (!reached[s] || merged !== inMask[s]) {
        reached[s] = 1;
        inMask[s] = merged;
        work.push(s);
      }
    }
  }
  let rewritten = 0;
  for (let pc = 0; pc < n; pc++) {
    const x = insns[pc] as Insn;
    if (x.code === LD_IMM64) {
      pc++;
      continue;
    }
    if (!reached[pc] || x.code !== LDX_W || !(((inMask[pc] as number) >> x.src) & 1)) continue;
    const k = slots.get(x.off);
    if (k === undefined) continue;
    insns[pc] = { ...x, code: LDX_DW, off: ctxSize + 8 * k };
    rewritten++;
  }
  return rewritten;
}
