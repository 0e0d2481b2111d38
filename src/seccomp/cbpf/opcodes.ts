/**
 * @fileoverview Full classic BPF opcodes (class | size | mode | op | src) by name, as the kernel
 * spells them in net/core/filter.c chk_code_allowed and kernel/seccomp.c seccomp_check_filter
 * (`BPF_LD | BPF_W | BPF_ABS` is `OP.LD_W_ABS`). Models include/uapi/linux/filter.h.
 */

/** Every opcode classic BPF accepts (chk_code_allowed), plus the seccomp-only view of them. */
export const OP = {
  LD_W_ABS: 0x20,
  LD_H_ABS: 0x28,
  LD_B_ABS: 0x30,
  LD_W_IND: 0x40,
  LD_H_IND: 0x48,
  LD_B_IND: 0x50,
  LD_W_LEN: 0x80,
  LD_IMM: 0x00,
  LD_MEM: 0x60,
  LDX_W_LEN: 0x81,
  LDX_B_MSH: 0xb1,
  LDX_IMM: 0x01,
  LDX_MEM: 0x61,
  ST: 0x02,
  STX: 0x03,
  ALU_ADD_K: 0x04,
  ALU_ADD_X: 0x0c,
  ALU_SUB_K: 0x14,
  ALU_SUB_X: 0x1c,
  ALU_MUL_K: 0x24,
  ALU_MUL_X: 0x2c,
  ALU_DIV_K: 0x34,
  ALU_DIV_X: 0x3c,
  ALU_OR_K: 0x44,
  ALU_OR_X: 0x4c,
  ALU_AND_K: 0x54,
  ALU_AND_X: 0x5c,
  ALU_LSH_K: 0x64,
  ALU_LSH_X: 0x6c,
  ALU_RSH_K: 0x74,
  ALU_RSH_X: 0x7c,
  ALU_NEG: 0x84,
  ALU_MOD_K: 0x94,
  ALU_MOD_X: 0x9c,
  ALU_XOR_K: 0xa4,
  ALU_XOR_X: 0xac,
  JA: 0x05,
  JEQ_K: 0x15,
  JEQ_X: 0x1d,
  JGT_K: 0x25,
  JGT_X: 0x2d,
  JGE_K: 0x35,
  JGE_X: 0x3d,
  JSET_K: 0x45,
  JSET_X: 0x4d,
  RET_K: 0x06,
  RET_A: 0x16,
  TAX: 0x07,
  TXA: 0x87,
} as const;

/** One of the opcodes in `OP`. */
export type Opcode = (typeof OP)[keyof typeof OP];
