/**
 * @fileoverview The kernel's instruction printer: the text of verifier logs and of
 * `bpftool prog dump xlated`.
 *
 * Models kernel/bpf/disasm.c `print_bpf_insn` of Linux 6.18 character for character, including
 * its `BUG_..` lines for encodings it has no format for and glibc's `(null)` where the kernel
 * indexes a string table past its entries. The caller hooks are the kernel's `bpf_insn_cbs`:
 * `imm` (`cb_imm`, the value printed for a 16-byte `ld_imm64`) and `call` (`cb_call`, names for
 * calls the helper table does not name). `bpftoolImm` is bpftool's `print_imm`
 * (tools/bpf/bpftool/xlated_dumper.c), which prints map references as `map[id:N]`.
 */
import { BPF_FUNC_MAX_ID, funcIdName } from '../uapi/bpf-helpers.js';
import type { Insn } from './insn.js';

/** The caller hooks of `struct bpf_insn_cbs`. */
export interface KernelPrintCallbacks {
  /** `cb_imm`: text for the 64-bit value of `ld_imm64` (default `0x%llx`). */
  imm?(insn: Insn, fullImm: bigint, next: Insn | undefined): string;
  /** `cb_call`: a name for a call the helper table does not name; `undefined` to fall back. */
  call?(insn: Insn): string | undefined;
}

/** Options of `printBpfInsn`. */
export interface PrintInsnOptions extends KernelPrintCallbacks {
  /** `allow_ptr_leaks`: when false, map pointers of `ld_imm64` print as 0 (default true). */
  allowPtrLeaks?: boolean;
}

/** The operator text of each ALU op (`bpf_alu_string` of kernel/bpf/disasm.c), by `BPF_OP(code) >> 4`. */
export const BPF_ALU_STRING: readonly (string | undefined)[] = [
  '+=',
  '-=',
  '*=',
  '/=',
  '|=',
  '&=',
  '<<=',
  '>>=',
  'neg',
  '%=',
  '^=',
  '=',
  's>>=',
  'endian',
];
const U = undefined;
const BPF_ALU_SIGN_STRING: readonly (string | undefined)[] = [U, U, U, 's/=', U, U, U, U, U, 's%='];
const BPF_MOVSX_STRING: readonly (string | undefined)[] = ['(s8)', '(s16)', U, '(s32)'];
const BPF_ATOMIC_ALU_STRING: readonly (string | undefined)[] = [
  'add',
  U,
  U,
  U,
  'or',
  'and',
  U,
  U,
  U,
  U,
  'xor',
];
const BPF_LDST_STRING: readonly string[] = ['u32', 'u16', 'u8', 'u64'];
const BPF_LDSX_STRING: readonly (string | undefined)[] = ['s32', 's16', 's8'];
const BPF_JMP_STRING: readonly (string | undefined)[] = [
  'jmp',
  '==',
  '>',
  '>=',
  '&',
  '!=',
  's>',
  's>=',
  'call',
  'exit',
  '<',
  '<=',
  's<',
  's<=',
];

/** glibc prints a NULL `%s` argument as `(null)`. */
const s = (x: string | undefined): string => x ?? '(null)';
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
/** printf `%+d`. */
const plus = (n: number): string => (n < 0 ? String(n) : `+${n}`);

/** `__func_get_name`: the helper name, the caller's name, `%+d` for pseudo calls, or `fallback`. */
function funcGetName(cbs: KernelPrintCallbacks, x: Insn, fallback: string): string {
  if (x.src === 0 && x.imm >= 0 && x.imm < BPF_FUNC_MAX_ID) return funcIdName(x.imm);
  const res = cbs.call?.(x);
  if (res !== undefined) return res;
  if (x.src === 1) return plus(x.imm);
  if (x.src === 2) return 'kernel-function';
  return fallback;
}

/**
 * Prints the instruction at `insns[pc]` as kernel/bpf/disasm.c `print_bpf_insn` does, without the
 * trailing newline (`(b7) r0 = 1`). `ld_imm64` reads its second slot from `insns[pc + 1]`.
 */
export function printBpfInsn(insns: readonly Insn[], pc: number, options: PrintInsnOptions = {}): string {
  const x = insns[pc];
  if (x === undefined) throw new RangeError(`no instruction at pc ${pc}`);
  const code = `(${hex2(x.code)})`;
  const cls = x.code & 0x07;
  const op = x.code & 0xf0;
  const srcX = (x.code & 0x08) !== 0;
  if (cls === 0x04 || cls === 0x07) {
    const r = cls === 0x04 ? 'w' : 'r';
    if (op === 0xd0) {
      if (cls === 0x07) return `${code} r${x.dst} = bswap${x.imm} r${x.dst}`;
      return `${code} r${x.dst} = ${srcX ? 'be' : 'le'}${x.imm} r${x.dst}`;
    }
    if (op === 0x80) return `${code} ${r}${x.dst} = -${r}${x.dst}`;
    if (x.code === 0xbf && x.off === 1)
      return `${code} r${x.dst} = addr_space_cast(r${x.src}, ${x.imm >>> 16}, ${x.imm & 0xffff})`;
    const sdiv = (op === 0x30 || op === 0x90) && x.off === 1;
    const opStr = s(sdiv ? BPF_ALU_SIGN_STRING[op >> 4] : BPF_ALU_STRING[op >> 4]);
    if (srcX) {
      const movsx = op === 0xb0 && (x.off === 8 || x.off === 16 || x.off === 32);
      const cast = movsx ? s(BPF_MOVSX_STRING[(x.off >> 3) - 1]) : '';
      return `${code} ${r}${x.dst} ${opStr} ${cast}${r}${x.src}`;
    }
    return `${code} ${r}${x.dst} ${opStr} ${x.imm}`;
  }
  const size = BPF_LDST_STRING[(x.code & 0x18) >> 3] as string;
  const mode = x.code & 0xe0;
  if (cls === 0x03) {
    const mem = `(r${x.dst} ${plus(x.off)})`;
    const w = (x.code & 0x18) === 0x18 ? '64' : '';
    if (mode === 0x60) return `${code} *(${size} *)${mem} = r${x.src}`;
    if (mode === 0xc0) {
      const aop = x.imm & 0xf0;
      if (x.imm === 0x00 || x.imm === 0x50 || x.imm === 0x40 || x.imm === 0xa0)
        return `${code} lock *(${size} *)${mem} ${s(BPF_ALU_STRING[aop >> 4])} r${x.src}`;
      if (x.imm === 0x01 || x.imm === 0x51 || x.imm === 0x41 || x.imm === 0xa1)
        return `${code} r${x.src} = atomic${w}_fetch_${s(BPF_ATOMIC_ALU_STRING[aop >> 4])}((${size} *)${mem}, r${x.src})`;
      if (x.imm === 0xf1) return `${code} r0 = atomic${w}_cmpxchg((${size} *)${mem}, r0, r${x.src})`;
      if (x.imm === 0xe1) return `${code} r${x.src} = atomic${w}_xchg((${size} *)${mem}, r${x.src})`;
      if (x.imm === 0x100) return `${code} r${x.dst} = load_acquire((${size} *)(r${x.src} ${plus(x.off)}))`;
      if (x.imm === 0x110) return `${code} store_release((${size} *)${mem}, r${x.src})`;
    }
    return `BUG_${hex2(x.code)}`;
  }
  if (cls === 0x02) {
    if (mode === 0x60) return `${code} *(${size} *)(r${x.dst} ${plus(x.off)}) = ${x.imm}`;
    if (mode === 0xc0) return `${code} nospec`;
    return `BUG_st_${hex2(x.code)}`;
  }
  if (cls === 0x01) {
    if (mode !== 0x60 && mode !== 0x80) return `BUG_ldx_${hex2(x.code)}`;
    const ty = mode === 0x60 ? size : s(BPF_LDSX_STRING[(x.code & 0x18) >> 3]);
    return `${code} r${x.dst} = *(${ty} *)(r${x.src} ${plus(x.off)})`;
  }
  if (cls === 0x00) {
    if (mode === 0x20) return `${code} r0 = *(${size} *)skb[${x.imm}]`;
    if (mode === 0x40) return `${code} r0 = *(${size} *)skb[r${x.src} + ${x.imm}]`;
    if (mode === 0x00 && (x.code & 0x18) === 0x18) {
      const next = insns[pc + 1];
      let full = (BigInt.asUintN(32, BigInt(next?.imm ?? 0)) << 32n) | BigInt(x.imm >>> 0);
      if ((x.src === 1 || x.src === 2) && options.allowPtrLeaks === false) full = 0n;
      const text = options.imm ? options.imm(x, full, next) : `0x${full.toString(16)}`;
      return `${code} r${x.dst} = ${text}`;
    }
    return `BUG_ld_${hex2(x.code)}`;
  }
  // BPF_JMP, BPF_JMP32
  const r = cls === 0x06 ? 'w' : 'r';
  if (op === 0x80) {
    if (x.src === 1) return `${code} call pc${funcGetName(options, x, '')}`;
    return `${code} call ${funcGetName(options, x, 'unknown')}#${x.imm}`;
  }
  if (x.code === 0x05) return `${code} goto pc${plus(x.off)}`;
  if (x.code === 0xe5 && x.src === 0) return `${code} may_goto pc${plus(x.off)}`;
  if (x.code === 0x06) return `${code} gotol pc${plus(x.imm)}`;
  if (x.code === 0x95) return `${code} exit`;
  const jop = s(BPF_JMP_STRING[op >> 4]);
  if (srcX) return `${code} if ${r}${x.dst} ${jop} ${r}${x.src} goto pc${plus(x.off)}`;
  return `${code} if ${r}${x.dst} ${jop} 0x${(x.imm >>> 0).toString(16)} goto pc${plus(x.off)}`;
}

/**
 * bpftool's `print_imm` (tools/bpf/bpftool/xlated_dumper.c): `map[id:N]`, `map[id:N][0]+OFF`,
 * `map[idx:N]+OFF`, `subprog[+N]`, otherwise `0x%llx`.
 */
export function bpftoolImm(x: Insn, fullImm: bigint, next: Insn | undefined): string {
  const hi = next?.imm ?? 0;
  switch (x.src) {
    case 1:
      return `map[id:${x.imm}]`;
    case 2:
      return `map[id:${x.imm}][0]+${hi}`;
    case 6:
      return `map[idx:${x.imm}]+${hi}`;
    case 4:
      return `subprog[${plus(x.imm)}]`;
    default:
      return `0x${fullImm.toString(16)}`;
  }
}

/**
 * bpftool's `print_imm` extended so that every `ld_imm64` form reads back unambiguously with
 * `assembleKernel`: adds `map[idx:N]` (`BPF_PSEUDO_MAP_IDX`) and `btf_id[N]`/`btf_id[N]+FD`
 * (`BPF_PSEUDO_BTF_ID`).
 */
export function reversibleImm(x: Insn, fullImm: bigint, next: Insn | undefined): string {
  if (x.src === 5) return `map[idx:${x.imm}]`;
  if (x.src === 3)
    return next === undefined || next.imm === 0 ? `btf_id[${x.imm}]` : `btf_id[${x.imm}]+${next.imm}`;
  if (x.src !== 0 && x.src !== 1 && x.src !== 2 && x.src !== 4 && x.src !== 6)
    return `0x${fullImm.toString(16)}`;
  return bpftoolImm(x, fullImm, next);
}

/** How `disassembleKernel` numbers lines. */
export type PcStyle = 'bpftool' | 'verifier' | 'none';

/** Options of `disassembleKernel`. */
export interface DisassembleKernelOptions extends PrintInsnOptions {
  /** `bpftool` (default): `% 4d: `; `verifier`: `%d: `; `none`: no prefix. */
  pc?: PcStyle;
  /** bpftool's `opcodes` keyword: the raw bytes on the line after each instruction. */
  opcodes?: boolean;
}

const bytesOf = (x: Insn): string => {
  const b = [x.code, (x.dst & 0xf) | ((x.src & 0xf) << 4), x.off & 0xff, (x.off >> 8) & 0xff];
  for (let i = 0; i < 4; i++) b.push((x.imm >>> (8 * i)) & 0xff);
  return b.map(hex2).join(' ');
};

/**
 * Disassembles a program the way `bpftool prog dump xlated` lays it out (tools/bpf/bpftool/
 * xlated_dumper.c `dump_xlated_plain`): one line per instruction, `ld_imm64` on one line that
 * consumes two slots, `pc` counting slots. Ends with a newline unless `insns` is empty.
 */
export function disassembleKernel(insns: readonly Insn[], options: DisassembleKernelOptions = {}): string {
  const style = options.pc ?? 'bpftool';
  let out = '';
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    const prefix = style === 'bpftool' ? `${String(i).padStart(4)}: ` : style === 'verifier' ? `${i}: ` : '';
    out += `${prefix}${printBpfInsn(insns, i, options)}\n`;
    const dbl = x.code === 0x18 && i + 1 < insns.length;
    if (options.opcodes) {
      const second = dbl ? ` ${bytesOf(insns[i + 1] as Insn)}` : '';
      out += `       ${bytesOf(x)}${second}\n`;
    }
    if (dbl) i++;
  }
  return out;
}
