/**
 * @fileoverview The checks a classic BPF filter passes before seccomp accepts it, in the kernel's
 * order: net/core/filter.c bpf_check_basics_ok (length), bpf_check_classic (opcodes, constants,
 * jump ranges, last instruction RET), check_load_and_stores (scratch memory written before read
 * on every path), then kernel/seccomp.c seccomp_check_filter (only `seccomp_data` loads, 32-bit,
 * aligned, in bounds). Every failure is EINVAL, as in Linux 6.18.
 */
import { ERRNO } from '../../uapi/errno.js';
import { SECCOMP_DATA, SECCOMP_LIMITS } from '../uapi.js';
import { BPF_MEMWORDS, type SockFilter } from './filter.js';
import { OP } from './opcodes.js';

/** Result of `validateFilter`. `pc` is the offending instruction (-1 when the length is wrong). */
export type ValidateResult = { ok: true } | { ok: false; errno: number; pc: number; reason: string };

/** `SKF_AD_OFF`: ancillary loads start at offset -0x1000 (as an unsigned 32-bit k). */
const SKF_AD_OFF = 0xfffff000;
/** `SKF_AD_MAX`: one past the last known ancillary offset. */
const SKF_AD_MAX = 64;

/** Models net/core/filter.c chk_code_allowed: the opcodes classic BPF knows. */
const CLASSIC_CODES: ReadonlySet<number> = new Set([
  OP.ALU_ADD_K,
  OP.ALU_ADD_X,
  OP.ALU_SUB_K,
  OP.ALU_SUB_X,
  OP.ALU_MUL_K,
  OP.ALU_MUL_X,
  OP.ALU_DIV_K,
  OP.ALU_DIV_X,
  OP.ALU_MOD_K,
  OP.ALU_MOD_X,
  OP.ALU_AND_K,
  OP.ALU_AND_X,
  OP.ALU_OR_K,
  OP.ALU_OR_X,
  OP.ALU_XOR_K,
  OP.ALU_XOR_X,
  OP.ALU_LSH_K,
  OP.ALU_LSH_X,
  OP.ALU_RSH_K,
  OP.ALU_RSH_X,
  OP.ALU_NEG,
  OP.LD_W_ABS,
  OP.LD_H_ABS,
  OP.LD_B_ABS,
  OP.LD_W_LEN,
  OP.LD_W_IND,
  OP.LD_H_IND,
  OP.LD_B_IND,
  OP.LD_IMM,
  OP.LD_MEM,
  OP.LDX_W_LEN,
  OP.LDX_B_MSH,
  OP.LDX_IMM,
  OP.LDX_MEM,
  OP.ST,
  OP.STX,
  OP.TAX,
  OP.TXA,
  OP.RET_K,
  OP.RET_A,
  OP.JA,
  OP.JEQ_K,
  OP.JEQ_X,
  OP.JGE_K,
  OP.JGE_X,
  OP.JGT_K,
  OP.JGT_X,
  OP.JSET_K,
  OP.JSET_X,
]);

/** Models kernel/seccomp.c seccomp_check_filter: the opcodes seccomp allows (besides LD W ABS). */
const SECCOMP_CODES: ReadonlySet<number> = new Set([
  OP.LD_W_ABS,
  OP.LD_W_LEN,
  OP.LDX_W_LEN,
  OP.RET_K,
  OP.RET_A,
  OP.ALU_ADD_K,
  OP.ALU_ADD_X,
  OP.ALU_SUB_K,
  OP.ALU_SUB_X,
  OP.ALU_MUL_K,
  OP.ALU_MUL_X,
  OP.ALU_DIV_K,
  OP.ALU_DIV_X,
  OP.ALU_AND_K,
  OP.ALU_AND_X,
  OP.ALU_OR_K,
  OP.ALU_OR_X,
  OP.ALU_XOR_K,
  OP.ALU_XOR_X,
  OP.ALU_LSH_K,
  OP.ALU_LSH_X,
  OP.ALU_RSH_K,
  OP.ALU_RSH_X,
  OP.ALU_NEG,
  OP.LD_IMM,
  OP.LDX_IMM,
  OP.TAX,
  OP.TXA,
  OP.LD_MEM,
  OP.LDX_MEM,
  OP.ST,
  OP.STX,
  OP.JA,
  OP.JEQ_K,
  OP.JEQ_X,
  OP.JGE_K,
  OP.JGE_X,
  OP.JGT_K,
  OP.JGT_X,
  OP.JSET_K,
  OP.JSET_X,
]);

/** True for the conditional jumps (JEQ/JGT/JGE/JSET, K or X). */
export function isConditionalJump(code: number): boolean {
  return (code & 0x07) === 0x05 && (code & 0xf0) !== 0x00 && CLASSIC_CODES.has(code);
}

function fail(pc: number, reason: string): ValidateResult {
  return { ok: false, errno: ERRNO.EINVAL, pc, reason };
}

/**
 * Models net/core/filter.c bpf_anc_helper: whether an ABS load at `k` names a known ancillary
 * field (`SKF_AD_OFF + SKF_AD_*`). bpf_check_classic accepts those; seccomp then rejects them.
 */
function isKnownAncillary(k: number): boolean {
  const off = (k - SKF_AD_OFF) >>> 0;
  return k >= SKF_AD_OFF && off < SKF_AD_MAX && off % 4 === 0;
}

/** Models net/core/filter.c bpf_check_classic (after bpf_check_basics_ok), without the RET/memory steps. */
function checkClassic(filter: readonly SockFilter[]): ValidateResult | undefined {
  const flen = filter.length;
  for (let pc = 0; pc < flen; pc++) {
    const { code, jt, jf, k } = filter[pc] as SockFilter;
    if (!CLASSIC_CODES.has(code))
      return fail(pc, `unknown opcode 0x${code.toString(16).padStart(2, '0')} (chk_code_allowed)`);
    switch (code) {
      case OP.ALU_DIV_K:
      case OP.ALU_MOD_K:
        if (k === 0) return fail(pc, 'division by constant 0');
        break;
      case OP.ALU_LSH_K:
      case OP.ALU_RSH_K:
        if (k >= 32) return fail(pc, `shift by constant ${k} >= 32`);
        break;
      case OP.LD_MEM:
      case OP.LDX_MEM:
      case OP.ST:
      case OP.STX:
        if (k >= BPF_MEMWORDS) return fail(pc, `scratch memory index ${k} >= ${BPF_MEMWORDS}`);
        break;
      case OP.JA:
        if (k >= flen - pc - 1) return fail(pc, `jump offset ${k} out of range (${flen} instructions)`);
        break;
      case OP.LD_W_ABS:
      case OP.LD_H_ABS:
      case OP.LD_B_ABS:
        if (k >= SKF_AD_OFF && !isKnownAncillary(k))
          return fail(pc, `unknown ancillary load offset 0x${k.toString(16)}`);
        break;
      default:
        if (isConditionalJump(code) && (pc + jt + 1 >= flen || pc + jf + 1 >= flen))
          return fail(pc, `jump target (jt ${jt}, jf ${jf}) out of range (${flen} instructions)`);
    }
  }
  const last = filter[flen - 1] as SockFilter;
  if (last.code !== OP.RET_K && last.code !== OP.RET_A) return fail(flen - 1, 'last instruction is not RET');
  return undefined;
}

/** Models net/core/filter.c check_load_and_stores: M[k] must be stored on every path before a load. */
function checkLoadAndStores(filter: readonly SockFilter[]): ValidateResult | undefined {
  const flen = filter.length;
  const masks = new Uint16Array(flen).fill(0xffff);
  let memvalid = 0;
  for (let pc = 0; pc < flen; pc++) {
    memvalid &= masks[pc] as number;
    const { code, jt, jf, k } = filter[pc] as SockFilter;
    switch (code) {
      case OP.ST:
      case OP.STX:
        memvalid |= 1 << k;
        break;
      case OP.LD_MEM:
      case OP.LDX_MEM:
        if (!(memvalid & (1 << k)))
          return fail(pc, `scratch memory M[${k}] read before it is written on every path`);
        break;
      case OP.JA:
        masks[pc + 1 + k] = (masks[pc + 1 + k] as number) & memvalid;
        memvalid = 0xffff;
        break;
      default:
        if (isConditionalJump(code)) {
          masks[pc + 1 + jt] = (masks[pc + 1 + jt] as number) & memvalid;
          masks[pc + 1 + jf] = (masks[pc + 1 + jf] as number) & memvalid;
          memvalid = 0xffff;
        }
    }
  }
  return undefined;
}

/** Models kernel/seccomp.c seccomp_check_filter: seccomp only loads 32-bit aligned words of seccomp_data. */
function checkSeccomp(filter: readonly SockFilter[]): ValidateResult | undefined {
  for (let pc = 0; pc < filter.length; pc++) {
    const { code, k } = filter[pc] as SockFilter;
    if (code === OP.LD_W_ABS) {
      if (k >= SECCOMP_DATA.SIZE || k % 4 !== 0)
        return fail(pc, `load offset ${k} is not an aligned 32-bit word of seccomp_data (0..60)`);
    } else if (!SECCOMP_CODES.has(code)) {
      return fail(pc, `opcode 0x${code.toString(16).padStart(2, '0')} is not allowed in seccomp filters`);
    }
  }
  return undefined;
}

/**
 * Checks a classic BPF filter the way `seccomp(SECCOMP_SET_MODE_FILTER)` does (kernel/seccomp.c
 * seccomp_prepare_filter → net/core/filter.c bpf_prog_create_from_user → bpf_check_basics_ok,
 * bpf_check_classic, check_load_and_stores, seccomp_check_filter). The first failure wins.
 */
export function validateFilter(filter: readonly SockFilter[]): ValidateResult {
  if (filter.length === 0 || filter.length > SECCOMP_LIMITS.MAX_INSNS)
    return fail(-1, `filter length ${filter.length} is not in 1..${SECCOMP_LIMITS.MAX_INSNS} (BPF_MAXINSNS)`);
  return checkClassic(filter) ?? checkLoadAndStores(filter) ?? checkSeccomp(filter) ?? { ok: true };
}
