/**
 * @fileoverview The VM loader: checks a program's instructions once and decodes them into typed
 * arrays the engines read.
 *
 * Models the structural checks the kernel makes before running a program: the reserved-field
 * checks of kernel/bpf/verifier.c `do_check` ("BPF_ALU uses reserved fields", "BPF_CALL uses
 * reserved fields", ...), the jump range checks of `check_subprogs` ("jump out of range",
 * "last insn is not an exit or jmp") and ld_imm64 pairing of `resolve_pseudo_ldimm64`. It does not
 * track types or bounds (that is src/verifier): a program that passes may still fault at run
 * time, and the engines report that cleanly.
 */
import { decodeRaw, type Insn } from '../isa/insn.js';
import {
  BPF_ALU_OP,
  BPF_ATOMIC_OP,
  BPF_CLASS,
  BPF_JMP_OP,
  BPF_LD_IMM64,
  BPF_MODE,
  BPF_PSEUDO_CALL,
  BPF_SIZE,
  BPF_SRC,
  MAX_BPF_REG,
} from '../isa/opcodes.js';
import { opcodeInInsnTable, reservedFieldError } from '../isa/validate.js';

/** The loader rejected a program: `pc` is the slot the message is about (-1 for the whole program). */
export class VmLoadError extends Error {
  constructor(
    message: string,
    readonly pc: number,
  ) {
    super(pc >= 0 ? `insn ${pc}: ${message}` : message);
    this.name = 'VmLoadError';
  }
}

/** Options of {@link loadProgram}. */
export interface LoadOptions {
  /**
   * Accept `BPF_JMP | BPF_CALL | BPF_X` (callx: call the helper whose id is in `dst`), which
   * Linux rejects but uBPF and the bpf_conformance "callx" group use. Default false.
   */
  allowCallx?: boolean;
}

/**
 * A checked, decoded program. Arrays are indexed by slot; for ld_imm64 `imm2[pc]` is the upper
 * half (the next slot's imm). `blockStart[pc]` is 1 where a basic block begins (jump and call
 * targets, and the instruction after a jump, call or exit).
 */
export interface Program {
  readonly len: number;
  readonly code: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int32Array;
  readonly imm: Int32Array;
  readonly imm2: Int32Array;
  readonly blockStart: Uint8Array;
  /** The instructions as given (for disassembly in traces). */
  readonly insns: readonly Insn[];
  /** Engine caches (the compiled JIT function). */
  readonly cache: Map<string, unknown>;
}

const ALU_OPS: ReadonlySet<number> = new Set(Object.values(BPF_ALU_OP));
const COND_OPS: ReadonlySet<number> = new Set([
  BPF_JMP_OP.JEQ,
  BPF_JMP_OP.JGT,
  BPF_JMP_OP.JGE,
  BPF_JMP_OP.JSET,
  BPF_JMP_OP.JNE,
  BPF_JMP_OP.JSGT,
  BPF_JMP_OP.JSGE,
  BPF_JMP_OP.JLT,
  BPF_JMP_OP.JLE,
  BPF_JMP_OP.JSLT,
  BPF_JMP_OP.JSLE,
]);
const ATOMIC_RMW: ReadonlySet<number> = new Set([
  BPF_ATOMIC_OP.ADD,
  BPF_ATOMIC_OP.OR,
  BPF_ATOMIC_OP.AND,
  BPF_ATOMIC_OP.XOR,
  BPF_ATOMIC_OP.ADD | BPF_ATOMIC_OP.FETCH,
  BPF_ATOMIC_OP.OR | BPF_ATOMIC_OP.FETCH,
  BPF_ATOMIC_OP.AND | BPF_ATOMIC_OP.FETCH,
  BPF_ATOMIC_OP.XOR | BPF_ATOMIC_OP.FETCH,
  BPF_ATOMIC_OP.XCHG,
  BPF_ATOMIC_OP.CMPXCHG,
]);

/** Whether `code` is a conditional or unconditional jump (ends a basic block, has a target). */
function jumpTarget(x: Insn, pc: number): number | undefined {
  const cls = x.code & 7;
  if (cls !== BPF_CLASS.JMP && cls !== BPF_CLASS.JMP32) return undefined;
  const op = x.code & 0xf0;
  if (op === BPF_JMP_OP.JA) return pc + 1 + (cls === BPF_CLASS.JMP32 ? x.imm : x.off);
  if (COND_OPS.has(op) || op === BPF_JMP_OP.JCOND) return pc + 1 + x.off;
  return undefined;
}

/** Checks one instruction's fields as verifier.c do_check does; returns an error message or undefined. */
function checkInsn(x: Insn, opts: LoadOptions): string | undefined {
  const cls = x.code & 7;
  const reg = (r: number) => r >= MAX_BPF_REG;
  switch (cls) {
    case BPF_CLASS.ALU:
    case BPF_CLASS.ALU64: {
      const op = x.code & 0xf0;
      const isX = (x.code & BPF_SRC.X) !== 0;
      if (!ALU_OPS.has(op)) return `invalid BPF_ALU opcode ${op.toString(16)}`;
      if (op === BPF_ALU_OP.END) {
        if (
          x.src !== 0 ||
          x.off !== 0 ||
          (x.imm !== 16 && x.imm !== 32 && x.imm !== 64) ||
          (cls === BPF_CLASS.ALU64 && isX)
        )
          return 'BPF_END uses reserved fields';
      } else if (op === BPF_ALU_OP.NEG) {
        if (isX || x.src !== 0 || x.off !== 0 || x.imm !== 0) return 'BPF_NEG uses reserved fields';
      } else if (op === BPF_ALU_OP.MOV) {
        if (isX) {
          if (cls === BPF_CLASS.ALU) {
            if (x.imm !== 0 || (x.off !== 0 && x.off !== 8 && x.off !== 16))
              return 'BPF_MOV uses reserved fields';
          } else if (x.imm !== 0 || (x.off !== 0 && x.off !== 8 && x.off !== 16 && x.off !== 32))
            return 'BPF_MOV uses reserved fields';
        } else if (x.src !== 0 || x.off !== 0) return 'BPF_MOV uses reserved fields';
      } else {
        const sdivmod = op === BPF_ALU_OP.DIV || op === BPF_ALU_OP.MOD;
        const offOk = x.off === 0 || (x.off === 1 && sdivmod);
        if (isX ? x.imm !== 0 || !offOk : x.src !== 0 || !offOk) return 'BPF_ALU uses reserved fields';
      }
      if (reg(x.src)) return `R${x.src} is invalid`;
      if (reg(x.dst)) return `R${x.dst} is invalid`;
      if (x.dst === 10) return 'frame pointer is read only';
      return undefined;
    }
    case BPF_CLASS.LDX: {
      const mode = x.code & 0xe0;
      if ((mode !== BPF_MODE.MEM && mode !== BPF_MODE.MEMSX) || x.imm !== 0)
        return 'BPF_LDX uses reserved fields';
      if (mode === BPF_MODE.MEMSX && (x.code & 0x18) === BPF_SIZE.DW) return `unknown opcode ${hex2(x.code)}`;
      if (reg(x.src)) return `R${x.src} is invalid`;
      if (reg(x.dst)) return `R${x.dst} is invalid`;
      if (x.dst === 10) return 'frame pointer is read only';
      return undefined;
    }
    case BPF_CLASS.ST: {
      if ((x.code & 0xe0) !== BPF_MODE.MEM || x.src !== 0) return 'BPF_ST uses reserved fields';
      if (reg(x.dst)) return `R${x.dst} is invalid`;
      return undefined;
    }
    case BPF_CLASS.STX: {
      const mode = x.code & 0xe0;
      const size = x.code & 0x18;
      if (reg(x.src)) return `R${x.src} is invalid`;
      if (reg(x.dst)) return `R${x.dst} is invalid`;
      if (mode === BPF_MODE.MEM) return x.imm !== 0 ? 'BPF_STX uses reserved fields' : undefined;
      if (mode !== BPF_MODE.ATOMIC) return `unknown opcode ${hex2(x.code)}`;
      if (x.imm === BPF_ATOMIC_OP.LOAD_ACQ) return x.dst === 10 ? 'frame pointer is read only' : undefined;
      if (x.imm === BPF_ATOMIC_OP.STORE_REL) return undefined;
      if (size !== BPF_SIZE.W && size !== BPF_SIZE.DW) return 'invalid atomic operand size';
      if (!ATOMIC_RMW.has(x.imm)) return `BPF_ATOMIC uses invalid atomic opcode ${hex2(x.imm)}`;
      // Fetch forms and xchg write the old value to src (check_atomic_rmw: check_reg_arg DST_OP).
      if (x.imm & BPF_ATOMIC_OP.FETCH && x.imm !== BPF_ATOMIC_OP.CMPXCHG && x.src === 10)
        return 'frame pointer is read only';
      return undefined;
    }
    case BPF_CLASS.LD: {
      const mode = x.code & 0xe0;
      const size = x.code & 0x18;
      if (x.code === BPF_LD_IMM64) {
        if (reg(x.dst)) return `R${x.dst} is invalid`;
        if (x.dst === 10) return 'frame pointer is read only';
        return x.off !== 0 ? 'BPF_LD_IMM64 uses reserved fields' : undefined;
      }
      if ((mode === BPF_MODE.ABS || mode === BPF_MODE.IND) && size !== BPF_SIZE.DW) {
        if (x.dst !== 0 || x.off !== 0 || (mode === BPF_MODE.ABS && x.src !== 0))
          return 'BPF_LD_[ABS|IND] uses reserved fields';
        if (reg(x.src)) return `R${x.src} is invalid`;
        return undefined;
      }
      return 'invalid BPF_LD mode';
    }
    default: {
      // JMP, JMP32
      const op = x.code & 0xf0;
      const isX = (x.code & BPF_SRC.X) !== 0;
      if (op === BPF_JMP_OP.CALL) {
        if (isX && opts.allowCallx && cls === BPF_CLASS.JMP) {
          if (x.src !== 0 || x.off !== 0 || x.imm !== 0) return 'BPF_CALL uses reserved fields';
          return reg(x.dst) ? `R${x.dst} is invalid` : undefined;
        }
        if (x.src === BPF_PSEUDO_CALL.KFUNC_CALL && !isX && x.dst === 0 && cls === BPF_CLASS.JMP)
          return `kfunc call (btf id ${x.imm}) is not supported by the VM`;
        if (
          isX ||
          x.off !== 0 ||
          (x.src !== BPF_PSEUDO_CALL.HELPER && x.src !== BPF_PSEUDO_CALL.CALL) ||
          x.dst !== 0 ||
          cls === BPF_CLASS.JMP32
        )
          return 'BPF_CALL uses reserved fields';
        return undefined;
      }
      if (op === BPF_JMP_OP.EXIT) {
        if (isX || x.imm !== 0 || x.src !== 0 || x.dst !== 0 || x.off !== 0 || cls === BPF_CLASS.JMP32)
          return 'BPF_EXIT uses reserved fields';
        return undefined;
      }
      if (op === BPF_JMP_OP.JA) {
        if (isX || x.src !== 0 || x.dst !== 0 || (cls === BPF_CLASS.JMP ? x.imm !== 0 : x.off !== 0))
          return 'BPF_JA uses reserved fields';
        return undefined;
      }
      if (op === BPF_JMP_OP.JCOND) {
        if (cls !== BPF_CLASS.JMP || isX || x.src !== 0 || x.dst !== 0 || x.imm !== 0)
          return 'invalid may_goto';
        return undefined;
      }
      if (!COND_OPS.has(op)) return `unknown opcode ${hex2(x.code)}`;
      if (isX ? x.imm !== 0 : x.src !== 0) return 'BPF_JMP/JMP32 uses reserved fields';
      if (reg(x.src)) return `R${x.src} is invalid`;
      if (reg(x.dst)) return `R${x.dst} is invalid`;
      return undefined;
    }
  }
}

function hex2(n: number): string {
  return (n >>> 0).toString(16).padStart(2, '0');
}

/**
 * Checks and decodes `insns`. Throws {@link VmLoadError} naming the first bad slot: unknown
 * opcodes, reserved fields in use, invalid registers, a write to R10, a truncated ld_imm64, a jump
 * or call out of range or into the middle of an ld_imm64, a jump across subprograms, or a
 * subprogram whose last instruction is not `exit` or `ja`.
 */
export function loadProgram(insns: readonly Insn[], opts: LoadOptions = {}): Program {
  const n = insns.length;
  if (n === 0) throw new VmLoadError('empty program', -1);
  const code = new Uint8Array(n);
  const dst = new Uint8Array(n);
  const src = new Uint8Array(n);
  const off = new Int32Array(n);
  const imm = new Int32Array(n);
  const imm2 = new Int32Array(n);
  const blockStart = new Uint8Array(n + 1);
  const second = new Uint8Array(n); // 1 for the upper slot of an ld_imm64
  const subStart = new Uint8Array(n + 1);
  subStart[0] = 1;

  for (let pc = 0; pc < n; pc++) {
    const x = insns[pc] as Insn;
    code[pc] = x.code;
    dst[pc] = x.dst;
    src[pc] = x.src;
    off[pc] = x.off;
    imm[pc] = x.imm;
    // The kernel's per-instruction checks and messages (src/isa/validate.ts: bpf_opcode_in_insntable,
    // do_check's reserved fields), then the VM's own (callx, R10 writes, what the VM cannot run).
    const callx = x.code === 0x8d && opts.allowCallx === true;
    if (!callx && x.code !== BPF_LD_IMM64 && (x.code & 7) !== BPF_CLASS.LDX && !opcodeInInsnTable(x.code))
      throw new VmLoadError(`unknown opcode ${hex2(x.code)}`, pc);
    const err = (callx ? undefined : reservedFieldError(x)) ?? checkInsn(x, opts);
    if (err !== undefined) throw new VmLoadError(err, pc);
    if (x.code === BPF_LD_IMM64) {
      const y = insns[pc + 1];
      if (y === undefined) throw new VmLoadError('BPF_LD_IMM64 is truncated (missing its second slot)', pc);
      if (y.code !== 0 || y.dst !== 0 || y.src !== 0 || y.off !== 0)
        throw new VmLoadError('invalid bpf_ld_imm64 insn', pc);
      imm2[pc] = y.imm;
      second[pc + 1] = 1;
      pc++;
      code[pc] = 0;
      imm[pc] = y.imm;
    }
  }
  // Targets.
  for (let pc = 0; pc < n; pc++) {
    if (second[pc]) continue;
    const x = insns[pc] as Insn;
    if (x.code === (BPF_CLASS.JMP | BPF_JMP_OP.CALL) && x.src === BPF_PSEUDO_CALL.CALL) {
      const t = pc + 1 + x.imm;
      if (t < 0 || t >= n || second[t])
        throw new VmLoadError(`function call to insn ${t} is out of range`, pc);
      subStart[t] = 1;
      blockStart[t] = 1;
      blockStart[pc + 1] = 1;
      continue;
    }
    if (
      (x.code & 7) === BPF_CLASS.JMP &&
      ((x.code & 0xf0) === BPF_JMP_OP.CALL || (x.code & 0xf0) === BPF_JMP_OP.EXIT)
    ) {
      blockStart[pc + 1] = 1;
      continue;
    }
    const t = jumpTarget(x, pc);
    if (t === undefined) continue;
    if (t < 0 || t >= n || second[t]) throw new VmLoadError(`jump out of range from insn ${pc} to ${t}`, pc);
    blockStart[t] = 1;
    blockStart[pc + 1] = 1;
  }
  blockStart[0] = 1;
  // Subprogram bounds: jumps stay inside; each ends with exit or ja.
  let start = 0;
  let end = 0;
  for (let pc = 0; pc < n; pc++) {
    if (pc >= end) {
      start = pc;
      end = pc + 1;
      while (end < n && !subStart[end]) end++;
    }
    if (!second[pc]) {
      const x = insns[pc] as Insn;
      const t = jumpTarget(x, pc);
      if (t !== undefined && (t < start || t >= end))
        throw new VmLoadError(`jump out of range from insn ${pc} to ${t}`, pc);
    }
    if (subStart[pc + 1] || pc === n - 1) {
      const last = insns[second[pc] ? pc - 1 : pc] as Insn;
      const isExit = last.code === (BPF_CLASS.JMP | BPF_JMP_OP.EXIT);
      const isJa =
        last.code === (BPF_CLASS.JMP | BPF_JMP_OP.JA) || last.code === (BPF_CLASS.JMP32 | BPF_JMP_OP.JA);
      if (second[pc] || (!isExit && !isJa)) throw new VmLoadError('last insn is not an exit or jmp', pc);
    }
  }
  return {
    len: n,
    code,
    dst,
    src,
    off,
    imm,
    imm2,
    blockStart,
    insns: insns.slice(),
    cache: new Map(),
  };
}

/**
 * Loads a program from raw little-endian `struct bpf_insn` bytes (what `bpf(BPF_PROG_LOAD)` reads
 * from `attr.insns`). Throws {@link VmLoadError} when the length is not a multiple of 8.
 */
export function loadProgramBytes(bytes: Uint8Array, opts: LoadOptions = {}): Program {
  const insns = decodeRaw(bytes);
  if (insns === undefined)
    throw new VmLoadError(`program length ${bytes.length} is not a multiple of 8 bytes`, -1);
  return loadProgram(insns, opts);
}
