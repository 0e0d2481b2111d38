/**
 * A tiny abstract interpreter for the straight-line scalar programs used by the differential
 * tests: it follows the fall-through path exactly as the kernel's do_check explores it first, and
 * records the register text bpfsim prints after each instruction and for each pushed jump target.
 * Supported: `r = *(u32 *)(r1 + off)` (ctx), `call bpf_get_prandom_u32`, MOV/MOVSX (imm, reg),
 * ALU/ALU64 ops on scalars, BPF_END, JMP/JMP32 conditional jumps, exit.
 */
import { type Insn, insn } from '../../../src/isa/insn.js';
import {
  BPF_ALU_OP,
  BPF_CLASS,
  BPF_JMP_OP,
  BPF_SRC,
  bpfClass,
  bpfOp,
  bpfSrc,
} from '../../../src/isa/opcodes.js';
import {
  coerceRegToSize,
  coerceRegToSizeSx,
  coerceSubregToSizeSx,
  markRegKnown,
  markRegUnknown,
  regBoundsSync,
  zext32To64,
} from '../../../src/verifier/bounds.js';
import { isBranchTaken, regSetMinMax } from '../../../src/verifier/branch.js';
import {
  assignScalarIdBeforeMov,
  syncLinkedRegs,
  trackLinkedConstDelta,
} from '../../../src/verifier/linked-regs.js';
import { regStateStr } from '../../../src/verifier/print-state.js';
import {
  cloneRegState,
  newRegState,
  pointerReg,
  REG_TYPE,
  type RegState,
  scalarConst,
} from '../../../src/verifier/reg-state.js';
import { adjustScalarMinMaxVals } from '../../../src/verifier/scalar-alu.js';

/** Expected text for one register at one log position. */
export interface Expect {
  /** `"5"` for the line after insn 5, `"from 5 to 9"` for a pushed branch. */
  where: string;
  reg: number;
  text: string;
}

export interface SimResult {
  expects: Expect[];
  /** Instruction indexes the fall-through walk visited. */
  visited: number[];
}

/** Thrown for programs outside the simulator's scope. */
export class Unsupported extends Error {}

/** Builders for the instructions used by the tests. */
export const I = {
  ldxw: (dst: number, off: number): Insn => insn(0x61, dst, 9, off, 0),
  call: (fn: number): Insn => insn(0x85, 0, 0, 0, fn),
  exit: (): Insn => insn(0x95, 0, 0, 0, 0),
  mov64i: (dst: number, imm: number): Insn => insn(0xb7, dst, 0, 0, imm),
  mov32i: (dst: number, imm: number): Insn => insn(0xb4, dst, 0, 0, imm),
  mov64r: (dst: number, src: number, off = 0): Insn => insn(0xbf, dst, src, off, 0),
  mov32r: (dst: number, src: number, off = 0): Insn => insn(0xbc, dst, src, off, 0),
  alu: (
    cls: 'alu' | 'alu64',
    op: number,
    dst: number,
    srcOrImm: { reg: number } | { imm: number },
    off = 0,
  ): Insn => {
    const c = (cls === 'alu64' ? BPF_CLASS.ALU64 : BPF_CLASS.ALU) | op;
    if ('reg' in srcOrImm) return insn(c | BPF_SRC.X, dst, srcOrImm.reg, off, 0);
    return insn(c | BPF_SRC.K, dst, 0, off, srcOrImm.imm);
  },
  jmp: (
    cls: 'jmp' | 'jmp32',
    op: number,
    dst: number,
    srcOrImm: { reg: number } | { imm: number },
    off: number,
  ): Insn => {
    const c = (cls === 'jmp' ? BPF_CLASS.JMP : BPF_CLASS.JMP32) | op;
    if ('reg' in srcOrImm) return insn(c | BPF_SRC.X, dst, srcOrImm.reg, off, 0);
    return insn(c | BPF_SRC.K, dst, 0, off, srcOrImm.imm);
  },
};

function sext32(imm: number): bigint {
  return BigInt(imm | 0);
}

/**
 * Walks the program's fall-through path and records bpfsim's register texts. `live` (registers
 * live before each instruction, from the kernel's `Live regs before insn` section) restricts
 * linked-register collection as 6.18's collect_linked_regs does; liveness analysis itself is
 * not part of these building blocks.
 */
export function simulate(prog: readonly Insn[], live?: ReadonlyMap<number, ReadonlySet<number>>): SimResult {
  const regs: RegState[] = [];
  for (let i = 0; i < 11; i++) regs.push(newRegState());
  regs[1] = pointerReg(REG_TYPE.PTR_TO_CTX);
  regs[10] = pointerReg(REG_TYPE.PTR_TO_STACK);
  const idGen = { value: 0 };
  const expects: Expect[] = [];
  const visited: number[] = [];
  const r = (n: number) => regs[n] as RegState;
  const assignIdBeforeMov = (src: RegState) => assignScalarIdBeforeMov(src, idGen);

  let pc = 0;
  while (pc < prog.length) {
    const x = prog[pc] as Insn;
    visited.push(pc);
    const cls = bpfClass(x.code);
    const op = bpfOp(x.code);
    const scratched: number[] = [];
    if (x.code === 0x95) break;
    if (x.code === 0x61) {
      if (r(x.src).type !== REG_TYPE.PTR_TO_CTX) throw new Unsupported('ldx from non-ctx');
      markRegUnknown(r(x.dst));
      coerceRegToSize(r(x.dst), 4);
      scratched.push(x.dst);
    } else if (x.code === 0x85) {
      if (x.imm !== 7) throw new Unsupported('helper');
      for (let i = 1; i <= 5; i++) regs[i] = newRegState();
      markRegUnknown(r(0));
      scratched.push(0);
    } else if ((cls === BPF_CLASS.ALU || cls === BPF_CLASS.ALU64) && op === BPF_ALU_OP.MOV) {
      const dst = r(x.dst);
      if (bpfSrc(x.code) === BPF_SRC.K) {
        markRegUnknown(dst);
        markRegKnown(dst, cls === BPF_CLASS.ALU64 ? sext32(x.imm) : BigInt(x.imm >>> 0));
      } else {
        const src = r(x.src);
        if (src.type !== REG_TYPE.SCALAR_VALUE && cls === BPF_CLASS.ALU64 && x.off === 0) {
          Object.assign(dst, src);
          scratched.push(x.src, x.dst);
          for (const n of [...new Set(scratched)])
            expects.push({ where: String(pc), reg: n, text: regStateStr(r(n)) });
          pc++;
          continue;
        }
        if (src.type !== REG_TYPE.SCALAR_VALUE) throw new Unsupported('pointer mov');
        if (cls === BPF_CLASS.ALU64) {
          if (x.off === 0) {
            assignIdBeforeMov(src);
            Object.assign(dst, src);
          } else {
            const noSext = src.umax < 1n << BigInt(x.off - 1);
            if (noSext) assignIdBeforeMov(src);
            Object.assign(dst, src);
            if (!noSext) dst.id = 0;
            coerceRegToSizeSx(dst, x.off >> 3);
          }
        } else {
          if (x.off === 0) {
            const isU32 = src.umax <= 0xffff_ffffn; // get_reg_width(src) <= 32
            if (isU32) assignIdBeforeMov(src);
            Object.assign(dst, src);
            if (!isU32) dst.id = 0;
          } else {
            const noSext = src.umax < 1n << BigInt(x.off - 1);
            if (noSext) assignIdBeforeMov(src);
            Object.assign(dst, src);
            if (!noSext) dst.id = 0;
            coerceSubregToSizeSx(dst, x.off >> 3);
          }
          zext32To64(dst);
          regBoundsSync(dst);
        }
        scratched.push(x.src);
      }
      scratched.push(x.dst);
    } else if ((cls === BPF_CLASS.ALU || cls === BPF_CLASS.ALU64) && op === BPF_ALU_OP.END) {
      const dst = r(x.dst);
      if (dst.type === REG_TYPE.SCALAR_VALUE) adjustScalarMinMaxVals(x.code, dst, dst, x.imm);
      else markRegUnknown(dst);
      scratched.push(x.dst);
    } else if (cls === BPF_CLASS.ALU || cls === BPF_CLASS.ALU64) {
      const dst = r(x.dst);
      if (dst.type !== REG_TYPE.SCALAR_VALUE) throw new Unsupported('pointer alu');
      if (op === BPF_ALU_OP.NEG) {
        adjustScalarMinMaxVals(x.code, dst, dst);
      } else {
        const src = bpfSrc(x.code) === BPF_SRC.K ? scalarConst(sext32(x.imm)) : r(x.src);
        if (src.type !== REG_TYPE.SCALAR_VALUE) throw new Unsupported('pointer src');
        const umaxBefore = dst.umax;
        const srcCopy = cloneRegState(src);
        adjustScalarMinMaxVals(x.code, dst, srcCopy, 0, (b) => {
          expects.push({ where: `from ${pc} to ${pc}`, reg: x.dst, text: regStateStr(b) });
        });
        trackLinkedConstDelta(x.code, dst, srcCopy, umaxBefore);
        if (bpfSrc(x.code) === BPF_SRC.X) scratched.push(x.src);
      }
      scratched.push(x.dst);
    } else if (cls === BPF_CLASS.JMP || cls === BPF_CLASS.JMP32) {
      if (op === BPF_JMP_OP.JA || op === BPF_JMP_OP.CALL || op === BPF_JMP_OP.EXIT)
        throw new Unsupported('jmp');
      const is32 = cls === BPF_CLASS.JMP32;
      const dst = r(x.dst);
      const isX = bpfSrc(x.code) === BPF_SRC.X;
      const src = isX ? r(x.src) : scalarConst(sext32(x.imm));
      const pred = isBranchTaken(dst, src, op, is32);
      scratched.push(x.dst);
      if (isX) scratched.push(x.src);
      if (pred >= 0) {
        for (const n of scratched) expects.push({ where: String(pc), reg: n, text: regStateStr(r(n)) });
        pc = pred === 1 ? pc + 1 + x.off : pc + 1;
        continue;
      }
      // collect_linked_regs: registers sharing the id of src (X) or dst
      const liveHere = live?.get(pc);
      const linkedOf = (id: number) =>
        id === 0
          ? []
          : regs
              .map((_, i) => i)
              .filter(
                (i) =>
                  r(i).type === REG_TYPE.SCALAR_VALUE &&
                  ((r(i).id ^ id) & 0x3fff_ffff) === 0 &&
                  (liveHere === undefined || liveHere.has(i)),
              );
      const linked = [...new Set([...(isX ? linkedOf(src.id) : []), ...linkedOf(dst.id)])];
      const other = regs.map((reg) => cloneRegState(reg));
      const oDst = other[x.dst] as RegState;
      const oSrc = isX ? (other[x.src] as RegState) : cloneRegState(src);
      // Invariant violations (dead branches) are marked unbounded silently, as 6.18.44 does.
      regSetMinMax(oDst, oSrc, dst, src, op, is32);
      const target = pc + 1 + x.off;
      const sync = (known: number) => {
        if (r(known).type !== REG_TYPE.SCALAR_VALUE || r(known).id === 0) return;
        // 6.18.44 does not mark the synced registers scratched: they are not printed after the jump
        syncLinkedRegs(
          linked.map((n) => r(n)),
          r(known),
        );
        syncLinkedRegs(
          linked.map((n) => other[n] as RegState),
          other[known] as RegState,
        );
      };
      if (isX) sync(x.src);
      sync(x.dst);
      for (const n of [...new Set([x.dst, ...(isX ? [x.src] : []), ...linked])]) {
        expects.push({ where: `from ${pc} to ${target}`, reg: n, text: regStateStr(other[n] as RegState) });
      }
    } else {
      throw new Unsupported(`opcode 0x${x.code.toString(16)}`);
    }
    for (const n of [...new Set(scratched)])
      expects.push({ where: String(pc), reg: n, text: regStateStr(r(n)) });
    pc++;
  }
  return { expects, visited };
}

/** Registers live before each instruction, from the `Live regs before insn:` section of a log. */
export function parseLiveRegs(log: string): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const line of log.split('\n')) {
    const m = /^\s+(\d+): ([.0-9]{10}) \(/.exec(line);
    if (m === null) continue;
    const set = new Set<number>();
    const mask = m[2] as string;
    for (let i = 0; i < 10; i++) if (mask[i] !== '.') set.add(i);
    out.set(Number(m[1]), set);
  }
  return out;
}

/** What a kernel log says: register texts (first occurrence per `where|reg`) and pushed branches. */
export interface KernelLogInfo {
  regs: Map<string, string>;
  /** Every `from A to B` seen, with or without state (`safe` when pruned). */
  from: Set<string>;
}

/** Parses the per-instruction and per-branch state lines of a log_level 2 verifier log. */
export function parseKernelLog(log: string): KernelLogInfo {
  const out = new Map<string, string>();
  const from = new Set<string>();
  const put = (where: string, body: string) => {
    for (const item of body.trim().split(/ (?=(?:R\d+|fp-\d+)=)/)) {
      const m = /^R(\d+)=(.*)$/.exec(item);
      if (m === null) continue;
      const key = `${where}|${m[1]}`;
      if (!out.has(key)) out.set(key, m[2] as string);
    }
  };
  for (const line of log.split('\n')) {
    let m = /^(\d+): \([0-9a-f]{2}\) [^;]*; (.*)$/.exec(line);
    if (m !== null) {
      put(m[1] as string, m[2] as string);
      continue;
    }
    m = /^(from \d+ to \d+): (.*)$/.exec(line);
    if (m !== null) {
      from.add(m[1] as string);
      put(m[1] as string, m[2] as string);
      continue;
    }
    // state after an instruction whose line was interrupted (e.g. by mark_precise output)
    m = /^(\d+): (R\d+=.*)$/.exec(line);
    if (m !== null) put(m[1] as string, m[2] as string);
  }
  return { regs: out, from };
}
