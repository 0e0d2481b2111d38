/**
 * @fileoverview Classic BPF: one `struct sock_filter` and the opcode constants seccomp uses.
 * Models include/uapi/linux/filter.h and include/uapi/linux/bpf_common.h.
 *
 * ```
 *   struct sock_filter {  // 8 bytes, host (little) endian
 *     __u16 code;  __u8 jt;  __u8 jf;  __u32 k;
 *   };
 * ```
 */

/** One classic BPF instruction. `k` is an unsigned 32-bit value. */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Classic BPF instruction classes. */
export const CBPF_CLASS = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  RET: 0x06,
  MISC: 0x07,
} as const;

/** Sizes (LD/LDX). */
export const CBPF_SIZE = { W: 0x00, H: 0x08, B: 0x10 } as const;

/** Modes (LD/LDX). */
export const CBPF_MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0 } as const;

/** ALU operations. */
export const CBPF_ALU = {
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
} as const;

/** Jump operations. */
export const CBPF_JMP = { JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40 } as const;

/** Operand source: constant `k` or register X. For RET, A is `0x10` (`BPF_A`). */
export const CBPF_SRC = { K: 0x00, X: 0x08, A: 0x10 } as const;

/** MISC operations. */
export const CBPF_MISC = { TAX: 0x00, TXA: 0x80 } as const;

/** Scratch memory words (`BPF_MEMWORDS`). */
export const BPF_MEMWORDS = 16;

/** Builds one instruction, normalising field widths. */
export function sockFilter(code: number, jt: number, jf: number, k: number): SockFilter {
  return { code: code & 0xffff, jt: jt & 0xff, jf: jf & 0xff, k: k >>> 0 };
}

/** `BPF_STMT(code, k)`. */
export function stmt(code: number, k: number): SockFilter {
  return sockFilter(code, 0, 0, k);
}

/** `BPF_JUMP(code, k, jt, jf)`. */
export function jump(code: number, k: number, jt: number, jf: number): SockFilter {
  return sockFilter(code, jt, jf, k);
}
