/**
 * @fileoverview Structural validation of an eBPF program: the checks the kernel makes on the
 * instruction encoding alone, before and while it verifies semantics, with the kernel's messages.
 *
 * The passes run in the order the real Linux 6.18 kernel reports them (kernel/bpf/verifier.c
 * `bpf_check`; the order was checked by loading conflicting programs on 6.18):
 *
 *  1. `add_subprog_and_kfunc`: "call to invalid destination";
 *  2. `check_subprogs`: "jump out of range from insn %d to %d", "last insn is not an exit or jmp";
 *  3. `resolve_pseudo_ldimm64`, instruction by instruction: "BPF_LDX uses reserved fields",
 *     "invalid bpf_ld_imm64 insn", "unrecognized bpf_ld_imm64 insn", "unknown opcode %02x"
 *     (kernel/bpf/core.c `bpf_opcode_in_insntable`);
 *  4. the reserved-field checks of `do_check` (`check_alu_op`, `check_atomic`, `check_ld_abs`,
 *     `check_ld_imm`, `check_cond_jmp_op` and the ST/STX/CALL/JA/EXIT cases), applied to every
 *     instruction in order (the kernel applies them along the paths it explores, so for a program
 *     with several faults it may report a different one first).
 *
 * Semantic checks (register types, unreachable code, division by a constant zero, shift ranges,
 * map fds) are the verifier's, not this module's.
 */
import type { Insn } from './insn.js';

/** Result of `validateInsns`: the first structural error and the slot it was found at. */
export type ValidateResult = { ok: true } | { ok: false; error: string; pc: number };

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** `public_insntable` of kernel/bpf/core.c: opcodes a loaded program may contain. */
const INSN_TABLE: readonly boolean[] = (() => {
  const t: boolean[] = new Array(256).fill(false);
  const aluOps = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0];
  for (const cls of [0x04, 0x07]) {
    for (const op of aluOps) {
      t[cls | op | 0x00] = true;
      t[cls | op | 0x08] = true;
    }
    t[cls | 0x80] = true; // NEG
    t[cls | 0xd0] = true; // END TO_LE (ALU64: bswap)
  }
  t[0x04 | 0xd0 | 0x08] = true; // ALU END TO_BE
  const jmpOps = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
  for (const cls of [0x05, 0x06]) {
    for (const op of jmpOps) {
      t[cls | op | 0x00] = true;
      t[cls | op | 0x08] = true;
    }
    t[cls | 0x00] = true; // JA / gotol
  }
  t[0x85] = true; // CALL
  t[0x95] = true; // EXIT
  t[0xe5] = true; // JCOND (may_goto)
  for (const size of [0x00, 0x08, 0x10, 0x18]) {
    t[0x03 | 0xc0 | size] = true; // STX ATOMIC
    t[0x03 | 0x60 | size] = true; // STX MEM
    t[0x02 | 0x60 | size] = true; // ST MEM
    t[0x01 | 0x60 | size] = true; // LDX MEM
  }
  for (const size of [0x00, 0x08, 0x10]) {
    t[0x01 | 0x80 | size] = true; // LDX MEMSX
    t[0x00 | 0x20 | size] = true; // LD ABS
    t[0x00 | 0x40 | size] = true; // LD IND
  }
  t[0x18] = true; // LD IMM DW
  return t;
})();

/** True if the kernel accepts `code` as an opcode (kernel/bpf/core.c `bpf_opcode_in_insntable`). */
export function opcodeInInsnTable(code: number): boolean {
  return INSN_TABLE[code & 0xff] === true;
}

const isLdImm64 = (x: Insn): boolean => x.code === 0x18;

/**
 * verifier.c `resolve_pseudo_ldimm64`'s loop: LDX reserved fields, `ld_imm64` second slot and
 * pseudo source, then `bpf_opcode_in_insntable`, instruction by instruction.
 */
function checkLdImm64AndOpcodes(insns: readonly Insn[]): ValidateResult {
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    if ((x.code & 0x07) === 0x01 && (((x.code & 0xe0) !== 0x60 && (x.code & 0xe0) !== 0x80) || x.imm !== 0))
      return { ok: false, error: 'BPF_LDX uses reserved fields', pc: i };
    if (isLdImm64(x)) {
      const y = insns[i + 1];
      if (y === undefined || y.code !== 0 || y.dst !== 0 || y.src !== 0 || y.off !== 0)
        return { ok: false, error: 'invalid bpf_ld_imm64 insn', pc: i };
      const okSrc =
        x.src === 0 ||
        x.src === 2 ||
        x.src === 3 ||
        x.src === 4 ||
        x.src === 6 ||
        ((x.src === 1 || x.src === 5) && y.imm === 0);
      if (!okSrc) return { ok: false, error: 'unrecognized bpf_ld_imm64 insn', pc: i };
      i++;
      continue;
    }
    if (!opcodeInInsnTable(x.code)) return { ok: false, error: `unknown opcode ${hex2(x.code)}`, pc: i };
  }
  return { ok: true };
}

/** Subprogram start slots: 0, pseudo-call targets and `BPF_PSEUDO_FUNC` targets (`add_subprog`). */
function subprogStarts(
  insns: readonly Insn[],
): { ok: true; starts: number[] } | { ok: false; error: string; pc: number } {
  const starts = new Set<number>([0]);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    const pseudoCall = x.code === 0x85 && x.src === 1;
    const pseudoFunc = x.code === 0x18 && x.src === 4;
    if (!pseudoCall && !pseudoFunc) continue;
    const t = i + x.imm + 1;
    if (t < 0 || t >= insns.length) return { ok: false, error: 'call to invalid destination', pc: i };
    starts.add(t);
  }
  return { ok: true, starts: [...starts].sort((a, b) => a - b) };
}

/** Pass 3, verifier.c `check_subprogs`. */
function checkSubprogs(insns: readonly Insn[], starts: readonly number[]): ValidateResult {
  let sub = 0;
  let start = 0;
  let end = starts[1] ?? insns.length;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    const cls = x.code & 0x07;
    const op = x.code & 0xf0;
    if ((cls === 0x05 || cls === 0x06) && op !== 0x90 && op !== 0x80) {
      const to = x.code === 0x06 ? i + x.imm + 1 : i + x.off + 1;
      if (to < start || to >= end)
        return { ok: false, error: `jump out of range from insn ${i} to ${to}`, pc: i };
    }
    if (i === end - 1) {
      if (x.code !== 0x95 && x.code !== 0x05 && x.code !== 0x06)
        return { ok: false, error: 'last insn is not an exit or jmp', pc: i };
      sub++;
      start = end;
      end = starts[sub + 1] ?? insns.length;
    }
  }
  return { ok: true };
}

/** The reserved-field checks of verifier.c `do_check` for one instruction; undefined if clean. */
export function reservedFieldError(x: Insn): string | undefined {
  const cls = x.code & 0x07;
  const op = x.code & 0xf0;
  const srcX = (x.code & 0x08) !== 0;
  switch (cls) {
    case 0x04:
    case 0x07: {
      if (op === 0x80) {
        if (srcX || x.src !== 0 || x.off !== 0 || x.imm !== 0) return 'BPF_NEG uses reserved fields';
      } else if (op === 0xd0) {
        if (
          x.src !== 0 ||
          x.off !== 0 ||
          (x.imm !== 16 && x.imm !== 32 && x.imm !== 64) ||
          (cls === 0x07 && srcX)
        )
          return 'BPF_END uses reserved fields';
      } else if (op === 0xb0) {
        if (srcX) {
          if (cls === 0x04) {
            if ((x.off !== 0 && x.off !== 8 && x.off !== 16) || x.imm !== 0)
              return 'BPF_MOV uses reserved fields';
          } else if (x.off === 1) {
            if (x.imm !== 1 && x.imm !== 1 << 16)
              return 'addr_space_cast insn can only convert between address space 1 and 0';
          } else if ((x.off !== 0 && x.off !== 8 && x.off !== 16 && x.off !== 32) || x.imm !== 0) {
            return 'BPF_MOV uses reserved fields';
          }
        } else if (x.src !== 0 || x.off !== 0) {
          return 'BPF_MOV uses reserved fields';
        }
      } else if (op > 0xd0) {
        return `invalid BPF_ALU opcode ${(op >> 4).toString(16)}`;
      } else {
        const signedOk = x.off === 0 || (x.off === 1 && (op === 0x30 || op === 0x90));
        if (srcX ? x.imm !== 0 || !signedOk : x.src !== 0 || !signedOk) return 'BPF_ALU uses reserved fields';
      }
      // check_alu_op reads the source register before the destination (checked on 6.18).
      return (srcX ? regError(x.src) : undefined) ?? regError(x.dst);
    }
    case 0x01:
      return regError(x.src) ?? regError(x.dst);
    case 0x03: {
      if ((x.code & 0xe0) === 0xc0) {
        const size = x.code & 0x18;
        switch (x.imm) {
          case 0x00:
          case 0x01:
          case 0x40:
          case 0x41:
          case 0x50:
          case 0x51:
          case 0xa0:
          case 0xa1:
          case 0xe1:
          case 0xf1:
            if (size !== 0x00 && size !== 0x18) return 'invalid atomic operand size';
            break;
          case 0x100:
          case 0x110:
            break;
          default:
            return `BPF_ATOMIC uses invalid atomic opcode ${hex2(x.imm >>> 0)}`;
        }
        return regError(x.src) ?? regError(x.dst);
      }
      if ((x.code & 0xe0) !== 0x60 || x.imm !== 0) return 'BPF_STX uses reserved fields';
      return regError(x.src) ?? regError(x.dst);
    }
    case 0x02:
      if ((x.code & 0xe0) !== 0x60 || x.src !== 0) return 'BPF_ST uses reserved fields';
      return regError(x.dst);
    case 0x05:
    case 0x06: {
      if (op === 0x80) {
        if (
          srcX ||
          (x.src !== 2 && x.off !== 0) ||
          (x.src !== 0 && x.src !== 1 && x.src !== 2) ||
          x.dst !== 0 ||
          cls === 0x06
        )
          return 'BPF_CALL uses reserved fields';
        return undefined;
      }
      if (op === 0x00) {
        if (
          srcX ||
          x.src !== 0 ||
          x.dst !== 0 ||
          (cls === 0x05 && x.imm !== 0) ||
          (cls === 0x06 && x.off !== 0)
        )
          return 'BPF_JA uses reserved fields';
        return undefined;
      }
      if (op === 0x90) {
        if (srcX || x.imm !== 0 || x.src !== 0 || x.dst !== 0 || cls === 0x06)
          return 'BPF_EXIT uses reserved fields';
        return undefined;
      }
      if (op === 0xe0) {
        if (x.code !== 0xe5 || x.src !== 0 || x.dst !== 0 || x.imm !== 0)
          return `invalid may_goto imm ${x.imm}`;
        return undefined;
      }
      if (op > 0xe0) return `invalid BPF_JMP/JMP32 opcode ${(op >> 4).toString(16)}`;
      // check_cond_jmp_op reads dst before checking the reserved fields (checked on 6.18).
      const dstErr = regError(x.dst);
      if (dstErr !== undefined) return dstErr;
      if (srcX ? x.imm !== 0 : x.src !== 0) return 'BPF_JMP/JMP32 uses reserved fields';
      return srcX ? regError(x.src) : undefined;
    }
    default: {
      const mode = x.code & 0xe0;
      if (mode === 0x20 || mode === 0x40) {
        if (x.dst !== 0 || x.off !== 0 || (x.code & 0x18) === 0x18 || (mode === 0x20 && x.src !== 0))
          return 'BPF_LD_[ABS|IND] uses reserved fields';
        return mode === 0x40 ? regError(x.src) : undefined;
      }
      if (mode === 0x00) {
        if ((x.code & 0x18) !== 0x18) return 'invalid BPF_LD_IMM insn';
        if (x.off !== 0) return 'BPF_LD_IMM64 uses reserved fields';
        return regError(x.dst);
      }
      return 'invalid BPF_LD mode';
    }
  }
}

/** `check_reg_arg`: register numbers above R10 ("R%d is invalid"). */
function regError(r: number): string | undefined {
  return r >= 11 ? `R${r} is invalid` : undefined;
}

/**
 * Checks a program's encoding as the kernel does before and during verification (see the file
 * comment for the passes). Never throws; an empty program is rejected like bpf_prog_load does
 * for `insn_cnt == 0` ("empty program").
 */
export function validateInsns(insns: readonly Insn[]): ValidateResult {
  if (insns.length === 0) return { ok: false, error: 'empty program', pc: 0 };
  const subs = subprogStarts(insns);
  if (!subs.ok) return subs;
  const ranges = checkSubprogs(insns, subs.starts);
  if (!ranges.ok) return ranges;
  const table = checkLdImm64AndOpcodes(insns);
  if (!table.ok) return table;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    const err = reservedFieldError(x);
    if (err !== undefined) return { ok: false, error: err, pc: i };
    if (isLdImm64(x)) i++;
  }
  return { ok: true };
}
