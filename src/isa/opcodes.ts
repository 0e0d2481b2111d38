/**
 * @fileoverview eBPF opcode fields, as `as const` tables.
 *
 * Models `include/uapi/linux/bpf_common.h` and `include/uapi/linux/bpf.h` (Linux 6.18) and
 * RFC 9669 section 3. An opcode byte is laid out as:
 *
 * ```
 *   ALU/JMP:      +----------------+--------+--------------------+
 *                 |   4 bits op    | 1 bit  |   3 bits class     |
 *                 |                | source |                    |
 *                 +----------------+--------+--------------------+
 *   LD/LDX/ST/STX:+--------+--------+-------------------+
 *                 | 3 bits | 2 bits |   3 bits class    |
 *                 |  mode  |  size  |                   |
 *                 +--------+--------+-------------------+
 * ```
 */

/** Instruction classes (`BPF_CLASS(code)`, low 3 bits). */
export const BPF_CLASS = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;
export type BpfClass = (typeof BPF_CLASS)[keyof typeof BPF_CLASS];

/** Load/store sizes (`BPF_SIZE(code)`). */
export const BPF_SIZE = {
  W: 0x00,
  H: 0x08,
  B: 0x10,
  DW: 0x18,
} as const;
export type BpfSize = (typeof BPF_SIZE)[keyof typeof BPF_SIZE];

/** Load/store modes (`BPF_MODE(code)`). */
export const BPF_MODE = {
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  /** Sign-extending load (Linux 6.6). */
  MEMSX: 0x80,
  ATOMIC: 0xc0,
} as const;
export type BpfMode = (typeof BPF_MODE)[keyof typeof BPF_MODE];

/** Operand source (`BPF_SRC(code)`). For `BPF_END`, K = to little endian, X = to big endian. */
export const BPF_SRC = {
  K: 0x00,
  X: 0x08,
} as const;
export type BpfSrc = (typeof BPF_SRC)[keyof typeof BPF_SRC];

/** ALU operations (`BPF_OP(code)` for the ALU and ALU64 classes). */
export const BPF_ALU_OP = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  END: 0xd0,
} as const;
export type BpfAluOp = (typeof BPF_ALU_OP)[keyof typeof BPF_ALU_OP];

/** Jump operations (`BPF_OP(code)` for the JMP and JMP32 classes). */
export const BPF_JMP_OP = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
  /** Conditional pseudo jumps (`may_goto`, Linux 6.9). */
  JCOND: 0xe0,
} as const;
export type BpfJmpOp = (typeof BPF_JMP_OP)[keyof typeof BPF_JMP_OP];

/** Masks for the opcode fields. */
export const BPF_MASK = {
  CLASS: 0x07,
  SIZE: 0x18,
  MODE: 0xe0,
  OP: 0xf0,
  SRC: 0x08,
} as const;

/** Atomic operations, carried in `imm` of `BPF_STX | BPF_ATOMIC` (include/uapi/linux/bpf.h). */
export const BPF_ATOMIC_OP = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  /** Modifier: the old value is returned in `src`. */
  FETCH: 0x01,
  /** `BPF_XCHG = 0xe0 | BPF_FETCH`. */
  XCHG: 0xe1,
  /** `BPF_CMPXCHG = 0xf0 | BPF_FETCH`: compares with r0, old value in r0. */
  CMPXCHG: 0xf1,
  /** Load-acquire (Linux 6.15): `BPF_LOAD_ACQ = 0x100`. */
  LOAD_ACQ: 0x100,
  /** Store-release (Linux 6.15): `BPF_STORE_REL = 0x110`. */
  STORE_REL: 0x110,
} as const;

/** `src_reg` values of `BPF_LD | BPF_IMM | BPF_DW` (include/uapi/linux/bpf.h). */
export const BPF_PSEUDO_LD = {
  NONE: 0,
  MAP_FD: 1,
  MAP_VALUE: 2,
  BTF_ID: 3,
  FUNC: 4,
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
} as const;

/** `src_reg` values of `BPF_JMP | BPF_CALL`. */
export const BPF_PSEUDO_CALL = {
  HELPER: 0,
  CALL: 1,
  KFUNC_CALL: 2,
} as const;

/** `src_reg` values of `BPF_JMP | BPF_JCOND`. */
export const BPF_JCOND = {
  MAY_GOTO: 0,
} as const;

/** Register numbers. R10 is the read-only frame pointer. */
export const BPF_REG = {
  R0: 0,
  R1: 1,
  R2: 2,
  R3: 3,
  R4: 4,
  R5: 5,
  R6: 6,
  R7: 7,
  R8: 8,
  R9: 9,
  R10: 10,
  FP: 10,
} as const;

/** Number of registers (`MAX_BPF_REG`). */
export const MAX_BPF_REG = 11;
/** Stack bytes per frame (`MAX_BPF_STACK`). */
export const MAX_BPF_STACK = 512;
/** Maximum bpf-to-bpf call depth (`MAX_CALL_FRAMES`). */
export const MAX_CALL_FRAMES = 8;
/** Maximum instructions for an unprivileged program (`BPF_MAXINSNS`). */
export const BPF_MAXINSNS = 4096;
/** Maximum instructions with CAP_BPF (`BPF_COMPLEXITY_LIMIT_INSNS`). */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** Maximum tail-call chain (`MAX_TAIL_CALL_CNT`). */
export const MAX_TAIL_CALL_CNT = 33;

/** The opcode byte of `BPF_LD | BPF_IMM | BPF_DW` (the 16-byte instruction). */
export const BPF_LD_IMM64 = 0x18;

/** Class of an opcode byte. */
export function bpfClass(code: number): BpfClass {
  return (code & BPF_MASK.CLASS) as BpfClass;
}
/** Size field of a load/store opcode. */
export function bpfSize(code: number): BpfSize {
  return (code & BPF_MASK.SIZE) as BpfSize;
}
/** Mode field of a load/store opcode. */
export function bpfMode(code: number): BpfMode {
  return (code & BPF_MASK.MODE) as BpfMode;
}
/** Operation field of an ALU or JMP opcode. */
export function bpfOp(code: number): number {
  return code & BPF_MASK.OP;
}
/** Source field of an ALU or JMP opcode. */
export function bpfSrc(code: number): BpfSrc {
  return (code & BPF_MASK.SRC) as BpfSrc;
}
/** Width in bytes of a size field. */
export function sizeBytes(size: BpfSize): 1 | 2 | 4 | 8 {
  switch (size) {
    case BPF_SIZE.B:
      return 1;
    case BPF_SIZE.H:
      return 2;
    case BPF_SIZE.W:
      return 4;
    default:
      return 8;
  }
}
