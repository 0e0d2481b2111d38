/**
 * @fileoverview The eBPF interpreter over a pre-decoded program.
 *
 * Models kernel/bpf/core.c `___bpf_prog_run` (Linux 6.18): one dispatch per instruction on the
 * opcode byte, registers as 32-bit halves in `Machine.R`. bpf-to-bpf calls push a frame with a
 * fresh 512-byte stack and restore the caller's R1..R9 on exit (the interpreter gives each
 * callee its own register file, `JMP_CALL_ARGS`). Tracing is supported here only (the JIT hands
 * traced runs to this engine).
 */

import { MAX_CALL_FRAMES } from '../isa/opcodes.js';
import { addrHi, atomicRmw, cmpxchg, ldPacket, load, loadSx, store, view, widthOf } from './access.js';
import { A64 } from './alu64.js';
import { BPF_MAX_LOOPS, type Machine, ST, type TraceFn } from './machine.js';
import { REGION_HI_BASE_I32 } from './memory.js';
import type { Program } from './program.js';
import { alu, cond32, cond64, endian } from './semantics.js';

const STACK_TOP = 512;
/** Budget chunk kept in an int32 local (the rest stays in a double). */
const CHUNK = 0x3fffffff;

/**
 * The generic interpreter loop: every instruction, with tracing. With `single` it executes one
 * instruction and returns ST.STEP with `m.pc` at the next one (the fast loop's slow path).
 */
function interpGeneric(
  m: Machine,
  prog: Program,
  pc: number,
  stopDepth: number,
  trace: TraceFn | undefined,
  single: boolean,
): number {
  const R = m.R;
  const rd = m.rd;
  const wr = m.wr;
  const code = prog.code;
  const dstA = prog.dst;
  const srcA = prog.src;
  const offA = prog.off;
  const immA = prog.imm;
  let bud = m.budget;
  for (;;) {
    if (bud <= 0) {
      m.budget = 0;
      m.pc = pc;
      return ST.BUDGET;
    }
    bud--;
    const c = code[pc] as number;
    const cur = pc;
    const d = (dstA[pc] as number) << 1;
    const cls = c & 7;
    switch (cls) {
      case 4:
      case 7: {
        const is64 = cls === 7;
        const op = c & 0xf0;
        if (op === 0xd0) {
          R[d] = endian(c, immA[pc] as number, R[d] as number, R[d + 1] as number);
          R[d + 1] = A64.hi;
        } else {
          let blo: number;
          let bhi: number;
          if (c & 8) {
            const s = (srcA[pc] as number) << 1;
            blo = R[s] as number;
            bhi = R[s + 1] as number;
          } else {
            blo = immA[pc] as number;
            bhi = blo >> 31;
          }
          R[d] = alu(op, is64, offA[pc] as number, R[d] as number, R[d + 1] as number, blo, bhi);
          R[d + 1] = A64.hi;
        }
        pc++;
        break;
      }
      case 5:
      case 6: {
        const op = c & 0xf0;
        if (op === 0x00) {
          pc = cls === 5 ? pc + 1 + (offA[pc] as number) : pc + 1 + (immA[pc] as number);
          break;
        }
        if (op === 0x90) {
          if (m.depth === stopDepth) {
            m.budget = bud;
            m.pc = pc;
            if (trace !== undefined) trace(cur, R, prog);
            return ST.EXIT;
          }
          const dp = --m.depth;
          R.set(m.saved.subarray(dp * 18, dp * 18 + 18), 2);
          R[20] = STACK_TOP;
          R[21] = (REGION_HI_BASE_I32 + dp) | 0;
          pc = m.retPc[dp] as number;
          break;
        }
        if (op === 0x80) {
          if ((c & 8) === 0 && srcA[pc] === 1) {
            const dp = m.depth;
            if (dp + 1 >= MAX_CALL_FRAMES) {
              m.budget = bud;
              return m.errFault(pc, `the call stack of ${dp + 2} frames is too deep`);
            }
            m.saved.set(R.subarray(2, 20), dp * 18);
            m.retPc[dp] = pc + 1;
            m.depth = dp + 1;
            m.loops[dp + 1] = BPF_MAX_LOOPS;
            R[20] = STACK_TOP;
            R[21] = (REGION_HI_BASE_I32 + dp + 1) | 0;
            pc = pc + 1 + (immA[pc] as number);
            break;
          }
          const id = c & 8 ? (R[d] as number) : (immA[pc] as number);
          m.budget = bud;
          m.pc = pc;
          const st = m.callHelper(id, pc);
          bud = m.budget;
          if (st !== ST.EXIT) {
            if (trace !== undefined) trace(cur, R, prog);
            if (st === -1) return ST.EXIT;
            if (st === ST.TAIL) m.pc = pc;
            return st;
          }
          pc++;
          break;
        }
        if (op === 0xe0) {
          // may_goto: taken when the frame's loop counter is exhausted.
          const dp = m.depth;
          const left = m.loops[dp] as number;
          if (left === 0) pc = pc + 1 + (offA[pc] as number);
          else {
            m.loops[dp] = left - 1;
            pc++;
          }
          break;
        }
        let taken: boolean;
        if (cls === 5) {
          let blo: number;
          let bhi: number;
          if (c & 8) {
            const s = (srcA[pc] as number) << 1;
            blo = R[s] as number;
            bhi = R[s + 1] as number;
          } else {
            blo = immA[pc] as number;
            bhi = blo >> 31;
          }
          taken = cond64(op, R[d] as number, R[d + 1] as number, blo, bhi);
        } else {
          const b = c & 8 ? (R[(srcA[pc] as number) << 1] as number) : (immA[pc] as number);
          taken = cond32(op, R[d] as number, b);
        }
        pc = taken ? pc + 1 + (offA[pc] as number) : pc + 1;
        break;
      }
      case 1: {
        // LDX
        const s = (srcA[pc] as number) << 1;
        const off = offA[pc] as number;
        const lo = ((R[s] as number) + off) | 0;
        const hi = addrHi(R[s] as number, R[s + 1] as number, off);
        const size = widthOf(c);
        const v = view(rd, lo, hi, size);
        if (v === undefined) {
          m.budget = bud;
          return m.memFault(pc, lo, hi, size, false);
        }
        R[d] = (c & 0xe0) === 0x80 ? loadSx(v, lo, size) : load(v, lo, size);
        R[d + 1] = A64.hi;
        pc++;
        break;
      }
      case 2:
      case 3: {
        // ST, STX (MEM and ATOMIC)
        const off = offA[pc] as number;
        const size = widthOf(c);
        if ((c & 0xe0) === 0xc0) {
          const op = immA[pc] as number;
          const s = (srcA[pc] as number) << 1;
          if (op === 0x100) {
            // load-acquire: dst = *(src + off)
            const lo = ((R[s] as number) + off) | 0;
            const hi = addrHi(R[s] as number, R[s + 1] as number, off);
            const v = view(rd, lo, hi, size);
            if (v === undefined) {
              m.budget = bud;
              return m.memFault(pc, lo, hi, size, false);
            }
            R[d] = load(v, lo, size);
            R[d + 1] = A64.hi;
            pc++;
            break;
          }
          const lo = ((R[d] as number) + off) | 0;
          const hi = addrHi(R[d] as number, R[d + 1] as number, off);
          const v = view(wr, lo, hi, size);
          if (v === undefined) {
            m.budget = bud;
            return m.memFault(pc, lo, hi, size, true);
          }
          if (op === 0x110) store(v, lo, size, R[s] as number, R[s + 1] as number);
          else if (op === 0xf1) {
            R[0] = cmpxchg(v, lo, size, R[0] as number, R[1] as number, R[s] as number, R[s + 1] as number);
            R[1] = A64.hi;
          } else {
            const old = atomicRmw(v, lo, size, op, R[s] as number, R[s + 1] as number);
            if (op & 1) {
              R[s] = old;
              R[s + 1] = A64.hi;
            }
          }
          pc++;
          break;
        }
        const lo = ((R[d] as number) + off) | 0;
        const hi = addrHi(R[d] as number, R[d + 1] as number, off);
        const v = view(wr, lo, hi, size);
        if (v === undefined) {
          m.budget = bud;
          return m.memFault(pc, lo, hi, size, true);
        }
        if (cls === 3) {
          const s = (srcA[pc] as number) << 1;
          store(v, lo, size, R[s] as number, R[s + 1] as number);
        } else {
          const imm = immA[pc] as number;
          store(v, lo, size, imm, imm >> 31);
        }
        pc++;
        break;
      }
      default: {
        // LD: ld_imm64, LD_ABS, LD_IND
        if (c === 0x18) {
          R[d] = immA[pc] as number;
          R[d + 1] = prog.imm2[pc] as number;
          pc += 2;
          break;
        }
        const size = widthOf(c);
        let off = immA[pc] as number;
        if ((c & 0xe0) === 0x40) off = ((R[(srcA[pc] as number) << 1] as number) + off) | 0;
        const val = ldPacket(m.packet?.bytes, off, size);
        if (val < 0) {
          R[0] = 0;
          R[1] = 0;
          m.budget = bud;
          m.pc = pc;
          if (trace !== undefined) trace(cur, R, prog);
          return ST.EXIT;
        }
        R[0] = val | 0;
        R[1] = 0;
        pc++;
        break;
      }
    }
    if (trace !== undefined) trace(cur, R, prog);
    if (single) {
      m.budget = bud;
      m.pc = pc;
      return ST.STEP;
    }
  }
}

/** Runs `prog` from `pc` on `m` until frame `stopDepth` exits. Returns an ST status. */
export function interpRun(m: Machine, prog: Program, pc: number, stopDepth: number, trace?: TraceFn): number {
  if (trace !== undefined) return interpGeneric(m, prog, pc, stopDepth, trace, false);
  const R = m.R;
  const rd = m.rd;
  const wr = m.wr;
  const code = prog.code;
  const dstA = prog.dst;
  const srcA = prog.src;
  const offA = prog.off;
  const immA = prog.imm;
  // The budget is counted in int32 chunks (`bud`) drawn from `bank` (a double).
  let bank = m.budget;
  let bud = Math.min(bank, CHUNK);
  bank -= bud;
  for (;;) {
    if (bud <= 0) {
      if (bank <= 0) {
        m.budget = 0;
        m.pc = pc;
        return ST.BUDGET;
      }
      bud = Math.min(bank, CHUNK);
      bank -= bud;
    }
    const c = code[pc] as number;
    const d = (dstA[pc] as number) << 1;
    // Common instructions inline; everything else takes one generic step.
    switch (c) {
      case 0x07: {
        const a = R[d] as number;
        const k = immA[pc] as number;
        const t = (a + k) | 0;
        R[d + 1] = ((R[d + 1] as number) + (k >> 31) + ((t >>> 0 < a >>> 0) as unknown as number)) | 0;
        R[d] = t;
        break;
      }
      case 0x0f: {
        const s = (srcA[pc] as number) << 1;
        const a = R[d] as number;
        const t = (a + (R[s] as number)) | 0;
        R[d + 1] =
          ((R[d + 1] as number) + (R[s + 1] as number) + ((t >>> 0 < a >>> 0) as unknown as number)) | 0;
        R[d] = t;
        break;
      }
      case 0x17: {
        const a = R[d] as number;
        const k = immA[pc] as number;
        R[d + 1] = ((R[d + 1] as number) - (k >> 31) - ((a >>> 0 < k >>> 0) as unknown as number)) | 0;
        R[d] = (a - k) | 0;
        break;
      }
      case 0x1f: {
        const s = (srcA[pc] as number) << 1;
        const a = R[d] as number;
        const b = R[s] as number;
        R[d + 1] =
          ((R[d + 1] as number) - (R[s + 1] as number) - ((a >>> 0 < b >>> 0) as unknown as number)) | 0;
        R[d] = (a - b) | 0;
        break;
      }
      case 0x47: {
        const k = immA[pc] as number;
        R[d] = (R[d] as number) | k;
        R[d + 1] = (R[d + 1] as number) | (k >> 31);
        break;
      }
      case 0x4f: {
        const s = (srcA[pc] as number) << 1;
        R[d] = (R[d] as number) | (R[s] as number);
        R[d + 1] = (R[d + 1] as number) | (R[s + 1] as number);
        break;
      }
      case 0x57: {
        const k = immA[pc] as number;
        R[d] = (R[d] as number) & k;
        R[d + 1] = (R[d + 1] as number) & (k >> 31);
        break;
      }
      case 0x5f: {
        const s = (srcA[pc] as number) << 1;
        R[d] = (R[d] as number) & (R[s] as number);
        R[d + 1] = (R[d + 1] as number) & (R[s + 1] as number);
        break;
      }
      case 0xa7: {
        const k = immA[pc] as number;
        R[d] = (R[d] as number) ^ k;
        R[d + 1] = (R[d + 1] as number) ^ (k >> 31);
        break;
      }
      case 0xaf: {
        const s = (srcA[pc] as number) << 1;
        R[d] = (R[d] as number) ^ (R[s] as number);
        R[d + 1] = (R[d + 1] as number) ^ (R[s + 1] as number);
        break;
      }
      case 0xb7: {
        const k = immA[pc] as number;
        R[d] = k;
        R[d + 1] = k >> 31;
        break;
      }
      case 0x04:
        R[d] = ((R[d] as number) + (immA[pc] as number)) | 0;
        R[d + 1] = 0;
        break;
      case 0x0c:
        R[d] = ((R[d] as number) + (R[(srcA[pc] as number) << 1] as number)) | 0;
        R[d + 1] = 0;
        break;
      case 0xb4:
        R[d] = immA[pc] as number;
        R[d + 1] = 0;
        break;
      case 0x05:
        pc += offA[pc] as number;
        break;
      case 0x15:
      case 0x55: {
        const k = immA[pc] as number;
        const eq = R[d] === k && R[d + 1] === k >> 31;
        if (eq === (c === 0x15)) pc += offA[pc] as number;
        break;
      }
      case 0x1d:
      case 0x5d: {
        const s = (srcA[pc] as number) << 1;
        const eq = R[d] === R[s] && R[d + 1] === R[s + 1];
        if (eq === (c === 0x1d)) pc += offA[pc] as number;
        break;
      }
      case 0x61:
      case 0x69:
      case 0x71:
      case 0x79: {
        const s = (srcA[pc] as number) << 1;
        const off = offA[pc] as number;
        const lo = ((R[s] as number) + off) | 0;
        const hi = addrHi(R[s] as number, R[s + 1] as number, off);
        const size = c === 0x79 ? 8 : c === 0x61 ? 4 : c === 0x69 ? 2 : 1;
        const v = view(rd, lo, hi, size);
        if (v === undefined) {
          m.budget = bud - 1 + bank;
          return m.memFault(pc, lo, hi, size, false);
        }
        R[d] = load(v, lo, size);
        R[d + 1] = A64.hi;
        break;
      }
      case 0x63:
      case 0x6b:
      case 0x73:
      case 0x7b: {
        const s = (srcA[pc] as number) << 1;
        const off = offA[pc] as number;
        const lo = ((R[d] as number) + off) | 0;
        const hi = addrHi(R[d] as number, R[d + 1] as number, off);
        const size = c === 0x7b ? 8 : c === 0x63 ? 4 : c === 0x6b ? 2 : 1;
        const v = view(wr, lo, hi, size);
        if (v === undefined) {
          m.budget = bud - 1 + bank;
          return m.memFault(pc, lo, hi, size, true);
        }
        store(v, lo, size, R[s] as number, R[s + 1] as number);
        break;
      }
      default: {
        m.budget = bud + bank;
        const st = interpGeneric(m, prog, pc, stopDepth, undefined, true);
        if (st !== ST.STEP) return st;
        pc = m.pc;
        bank = m.budget;
        bud = Math.min(bank, CHUNK);
        bank -= bud;
        continue;
      }
    }
    bud--;
    pc++;
  }
}
