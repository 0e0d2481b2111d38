/**
 * @fileoverview Instruction builders with the names and argument order of the kernel's macros,
 * so that programs from selftests read the same in TypeScript.
 *
 * Models include/linux/filter.h (`BPF_ALU64_REG`, `BPF_MOV64_IMM`, `BPF_LDX_MEM`, `BPF_JMP_IMM`,
 * `BPF_LD_IMM64`, `BPF_LD_MAP_FD`, `BPF_ATOMIC_OP`, `BPF_CALL_REL`, `BPF_EXIT_INSN`, ...) and
 * tools/include/linux/filter.h (`BPF_LD_MAP_VALUE`, `BPF_CALL_KFUNC`). Operation and size
 * arguments take the opcode-field values of opcodes.ts (`BPF_ALU_OP.ADD`, `BPF_SIZE.W`,
 * `BPF_JMP_OP.JEQ`, `BPF_ATOMIC_OP.ADD | BPF_ATOMIC_OP.FETCH`). `BPF_LD_IMM64` and friends return
 * two slots; spread them into the program (`[...BPF_LD_MAP_FD(1, fd), BPF_EXIT_INSN()]`).
 *
 * ```ts
 * const prog = [BPF_MOV64_IMM(BPF_REG.R0, 0), BPF_EXIT_INSN()];
 * ```
 */
import type { Insn } from './insn.js';
import { insn } from './insn.js';
import { BPF_CLASS, BPF_MODE, BPF_PSEUDO_CALL, BPF_PSEUDO_LD, BPF_SIZE, BPF_SRC } from './opcodes.js';

const { ALU, ALU64, JMP, JMP32, LD, LDX, ST, STX } = BPF_CLASS;
const OP_MOV = 0xb0;
const OP_END = 0xd0;
const OP_CALL = 0x80;
const OP_EXIT = 0x90;
const OP_JA = 0x00;
const OP_JCOND = 0xe0;

/** `BPF_RAW_INSN(CODE, DST, SRC, OFF, IMM)`. */
export function BPF_RAW_INSN(code: number, dst: number, src: number, off: number, imm: number): Insn {
  return insn(code, dst, src, off, imm);
}

/** `BPF_ALU64_REG(OP, DST, SRC)`: `dst OP= src` on 64 bits. */
export function BPF_ALU64_REG(op: number, dst: number, src: number): Insn {
  return insn(ALU64 | op | BPF_SRC.X, dst, src, 0, 0);
}
/** `BPF_ALU32_REG(OP, DST, SRC)`: `dst OP= src` on 32 bits. */
export function BPF_ALU32_REG(op: number, dst: number, src: number): Insn {
  return insn(ALU | op | BPF_SRC.X, dst, src, 0, 0);
}
/** `BPF_ALU64_IMM(OP, DST, IMM)`. */
export function BPF_ALU64_IMM(op: number, dst: number, imm: number): Insn {
  return insn(ALU64 | op | BPF_SRC.K, dst, 0, 0, imm);
}
/** `BPF_ALU32_IMM(OP, DST, IMM)`. */
export function BPF_ALU32_IMM(op: number, dst: number, imm: number): Insn {
  return insn(ALU | op | BPF_SRC.K, dst, 0, 0, imm);
}
/** `BPF_ALU64_REG_OFF(OP, DST, SRC, OFF)`: with `off` = 1 for signed div/mod. */
export function BPF_ALU64_REG_OFF(op: number, dst: number, src: number, off: number): Insn {
  return insn(ALU64 | op | BPF_SRC.X, dst, src, off, 0);
}
/** `BPF_ALU32_REG_OFF(OP, DST, SRC, OFF)`. */
export function BPF_ALU32_REG_OFF(op: number, dst: number, src: number, off: number): Insn {
  return insn(ALU | op | BPF_SRC.X, dst, src, off, 0);
}
/** `BPF_ALU64_IMM_OFF(OP, DST, IMM, OFF)`. */
export function BPF_ALU64_IMM_OFF(op: number, dst: number, imm: number, off: number): Insn {
  return insn(ALU64 | op | BPF_SRC.K, dst, 0, off, imm);
}
/** `BPF_ALU32_IMM_OFF(OP, DST, IMM, OFF)`. */
export function BPF_ALU32_IMM_OFF(op: number, dst: number, imm: number, off: number): Insn {
  return insn(ALU | op | BPF_SRC.K, dst, 0, off, imm);
}
/** `BPF_ENDIAN(TYPE, DST, LEN)`: `TYPE` is `BPF_SRC.K` (to little endian) or `BPF_SRC.X` (to big). */
export function BPF_ENDIAN(type: number, dst: number, len: 16 | 32 | 64): Insn {
  return insn(ALU | OP_END | type, dst, 0, 0, len);
}
/** `BPF_BSWAP(DST, LEN)`: unconditional byte swap (`BPF_ALU64 | BPF_END | BPF_TO_LE`). */
export function BPF_BSWAP(dst: number, len: 16 | 32 | 64): Insn {
  return insn(ALU64 | OP_END | BPF_SRC.K, dst, 0, 0, len);
}
/** `BPF_MOV64_REG(DST, SRC)`. */
export function BPF_MOV64_REG(dst: number, src: number): Insn {
  return insn(ALU64 | OP_MOV | BPF_SRC.X, dst, src, 0, 0);
}
/** `BPF_MOV32_REG(DST, SRC)`. */
export function BPF_MOV32_REG(dst: number, src: number): Insn {
  return insn(ALU | OP_MOV | BPF_SRC.X, dst, src, 0, 0);
}
/** `BPF_MOV64_IMM(DST, IMM)`. */
export function BPF_MOV64_IMM(dst: number, imm: number): Insn {
  return insn(ALU64 | OP_MOV | BPF_SRC.K, dst, 0, 0, imm);
}
/** `BPF_MOV32_IMM(DST, IMM)`. */
export function BPF_MOV32_IMM(dst: number, imm: number): Insn {
  return insn(ALU | OP_MOV | BPF_SRC.K, dst, 0, 0, imm);
}
/** `BPF_MOVSX64_REG(DST, SRC, OFF)`: sign-extending move from the low `OFF` (8/16/32) bits. */
export function BPF_MOVSX64_REG(dst: number, src: number, off: 8 | 16 | 32): Insn {
  return insn(ALU64 | OP_MOV | BPF_SRC.X, dst, src, off, 0);
}
/** `BPF_MOVSX32_REG(DST, SRC, OFF)`: OFF is 8 or 16. */
export function BPF_MOVSX32_REG(dst: number, src: number, off: 8 | 16): Insn {
  return insn(ALU | OP_MOV | BPF_SRC.X, dst, src, off, 0);
}
/** `BPF_ADDR_SPACE_CAST(DST, SRC, FROM, TO)` (`off` = 1, `imm` = FROM << 16 | TO). */
export function BPF_ADDR_SPACE_CAST(dst: number, src: number, from: number, to: number): Insn {
  return insn(ALU64 | OP_MOV | BPF_SRC.X, dst, src, 1, ((from & 0xffff) << 16) | (to & 0xffff));
}

/** `BPF_LD_IMM64_RAW_FULL(DST, SRC, OFF1, OFF2, IMM1, IMM2)`: the two-slot load. */
export function BPF_LD_IMM64_RAW_FULL(
  dst: number,
  src: number,
  off1: number,
  off2: number,
  imm1: number,
  imm2: number,
): [Insn, Insn] {
  return [insn(LD | BPF_SIZE.DW | BPF_MODE.IMM, dst, src, off1, imm1), insn(0, 0, 0, off2, imm2)];
}
/** `BPF_LD_IMM64_RAW(DST, SRC, IMM)`: `IMM` is a 64-bit value (number or bigint). */
export function BPF_LD_IMM64_RAW(dst: number, src: number, imm: number | bigint): [Insn, Insn] {
  const v = BigInt.asUintN(64, BigInt(imm));
  return BPF_LD_IMM64_RAW_FULL(
    dst,
    src,
    0,
    0,
    Number(BigInt.asIntN(32, v)),
    Number(BigInt.asIntN(32, v >> 32n)),
  );
}
/** `BPF_LD_IMM64(DST, IMM)`: `dst = imm` for a 64-bit immediate. */
export function BPF_LD_IMM64(dst: number, imm: number | bigint): [Insn, Insn] {
  return BPF_LD_IMM64_RAW(dst, BPF_PSEUDO_LD.NONE, imm);
}
/** `BPF_LD_MAP_FD(DST, MAP_FD)`: `dst = map` (`BPF_PSEUDO_MAP_FD`). */
export function BPF_LD_MAP_FD(dst: number, mapFd: number): [Insn, Insn] {
  return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_LD.MAP_FD, 0, 0, mapFd, 0);
}
/** `BPF_LD_MAP_VALUE(DST, MAP_FD, VALUE_OFF)`: `dst = &map.value[off]` (`BPF_PSEUDO_MAP_VALUE`). */
export function BPF_LD_MAP_VALUE(dst: number, mapFd: number, valueOff: number): [Insn, Insn] {
  return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_LD.MAP_VALUE, 0, 0, mapFd, valueOff);
}
/** `BPF_LD_MAP_IDX(DST, IDX)`: map by index into `fd_array` (`BPF_PSEUDO_MAP_IDX`). */
export function BPF_LD_MAP_IDX(dst: number, idx: number): [Insn, Insn] {
  return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_LD.MAP_IDX, 0, 0, idx, 0);
}
/** `dst = &subprog` for callbacks: `BPF_LD_IMM64_RAW(DST, BPF_PSEUDO_FUNC, REL)`. */
export function BPF_LD_PSEUDO_FUNC(dst: number, rel: number): [Insn, Insn] {
  return BPF_LD_IMM64_RAW_FULL(dst, BPF_PSEUDO_LD.FUNC, 0, 0, rel, 0);
}
/** `BPF_LD_ABS(SIZE, IMM)`: `r0 = *(size *)skb[imm]`. */
export function BPF_LD_ABS(size: number, imm: number): Insn {
  return insn(LD | size | BPF_MODE.ABS, 0, 0, 0, imm);
}
/** `BPF_LD_IND(SIZE, SRC, IMM)`: `r0 = *(size *)skb[src + imm]`. */
export function BPF_LD_IND(size: number, src: number, imm: number): Insn {
  return insn(LD | size | BPF_MODE.IND, 0, src, 0, imm);
}
/** `BPF_LDX_MEM(SIZE, DST, SRC, OFF)`: `dst = *(size *)(src + off)`. */
export function BPF_LDX_MEM(size: number, dst: number, src: number, off: number): Insn {
  return insn(LDX | size | BPF_MODE.MEM, dst, src, off, 0);
}
/** `BPF_LDX_MEMSX(SIZE, DST, SRC, OFF)`: sign-extending load. */
export function BPF_LDX_MEMSX(size: number, dst: number, src: number, off: number): Insn {
  return insn(LDX | size | BPF_MODE.MEMSX, dst, src, off, 0);
}
/** `BPF_STX_MEM(SIZE, DST, SRC, OFF)`: `*(size *)(dst + off) = src`. */
export function BPF_STX_MEM(size: number, dst: number, src: number, off: number): Insn {
  return insn(STX | size | BPF_MODE.MEM, dst, src, off, 0);
}
/** `BPF_ST_MEM(SIZE, DST, OFF, IMM)`: `*(size *)(dst + off) = imm`. */
export function BPF_ST_MEM(size: number, dst: number, off: number, imm: number): Insn {
  return insn(ST | size | BPF_MODE.MEM, dst, 0, off, imm);
}
/** `BPF_ATOMIC_OP(SIZE, OP, DST, SRC, OFF)`: `OP` is a `BPF_ATOMIC_OP` value (in `imm`). */
export function BPF_ATOMIC_OP(size: number, op: number, dst: number, src: number, off: number): Insn {
  return insn(STX | size | BPF_MODE.ATOMIC, dst, src, off, op);
}
/** `BPF_JMP_REG(OP, DST, SRC, OFF)`: `if dst OP src goto pc+off`. */
export function BPF_JMP_REG(op: number, dst: number, src: number, off: number): Insn {
  return insn(JMP | op | BPF_SRC.X, dst, src, off, 0);
}
/** `BPF_JMP_IMM(OP, DST, IMM, OFF)`: `if dst OP imm goto pc+off`. */
export function BPF_JMP_IMM(op: number, dst: number, imm: number, off: number): Insn {
  return insn(JMP | op | BPF_SRC.K, dst, 0, off, imm);
}
/** `BPF_JMP32_REG(OP, DST, SRC, OFF)`: 32-bit compare. */
export function BPF_JMP32_REG(op: number, dst: number, src: number, off: number): Insn {
  return insn(JMP32 | op | BPF_SRC.X, dst, src, off, 0);
}
/** `BPF_JMP32_IMM(OP, DST, IMM, OFF)`: 32-bit compare. */
export function BPF_JMP32_IMM(op: number, dst: number, imm: number, off: number): Insn {
  return insn(JMP32 | op | BPF_SRC.K, dst, 0, off, imm);
}
/** `BPF_JMP_A(OFF)`: `goto pc+off`. */
export function BPF_JMP_A(off: number): Insn {
  return insn(JMP | OP_JA, 0, 0, off, 0);
}
/** `BPF_JMP32_A(IMM)`: `gotol pc+imm` (32-bit range). */
export function BPF_JMP32_A(imm: number): Insn {
  return insn(JMP32 | OP_JA, 0, 0, 0, imm);
}
/** `may_goto pc+off` (`BPF_JMP | BPF_JCOND`, `src` = `BPF_MAY_GOTO`). */
export function BPF_MAY_GOTO(off: number): Insn {
  return insn(JMP | OP_JCOND, 0, 0, off, 0);
}
/** `BPF_EMIT_CALL(FUNC)` with a helper id: `call bpf_<helper>#id`. */
export function BPF_EMIT_CALL(helperId: number): Insn {
  return insn(JMP | OP_CALL, 0, BPF_PSEUDO_CALL.HELPER, 0, helperId);
}
/** `BPF_CALL_REL(IMM)`: bpf-to-bpf call to `pc + imm + 1`. */
export function BPF_CALL_REL(imm: number): Insn {
  return insn(JMP | OP_CALL, 0, BPF_PSEUDO_CALL.CALL, 0, imm);
}
/** `BPF_CALL_KFUNC(OFF, IMM)`: kfunc call by BTF id `imm` (`off` = fd_array index of its BTF). */
export function BPF_CALL_KFUNC(off: number, imm: number): Insn {
  return insn(JMP | OP_CALL, 0, BPF_PSEUDO_CALL.KFUNC_CALL, off, imm);
}
/** `BPF_EXIT_INSN()`. */
export function BPF_EXIT_INSN(): Insn {
  return insn(JMP | OP_EXIT, 0, 0, 0, 0);
}
