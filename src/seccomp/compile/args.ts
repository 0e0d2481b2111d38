/**
 * @fileoverview Code for argument conditions. 64-bit arches compare both 32-bit halves of the
 * 64-bit argument (high half first: `hi > H || (hi == H && lo > L)` for GT, and so on); 32-bit
 * arches and x32 compare only the low half; MASKED_EQ compares `arg & mask == value & mask` per
 * half and skips a half whose mask is 0; NE / LT / LE are EQ / GE / GT with the outcomes swapped.
 * Models libseccomp src/db.c _db_rule_gen_64 / _db_rule_gen_32 and src/gen_bpf.c _gen_bpf_node.
 */
import { CBPF_JMP } from '../cbpf/filter.js';
import type { ProfileArg } from '../profile/types.js';
import { SECCOMP_DATA } from '../uapi.js';
import type { Assembler, Target } from './asm.js';

const M32 = 0xffffffffn;

/** Offset of the low (`hi = false`) or high half of argument `index` (little-endian seccomp_data). */
export function argOffset(index: number, hi: boolean): number {
  return SECCOMP_DATA.ARGS + 8 * index + (hi ? 4 : 0);
}

/**
 * Emits one condition: continues at `pass` when it holds, at `fail` otherwise. `bits` is the
 * arch's word size (32: low half only).
 */
export function emitCondition(
  asm: Assembler,
  c: ProfileArg,
  bits: 32 | 64,
  pass: Target,
  fail: Target,
): void {
  const masked = c.op === 'SCMP_CMP_MASKED_EQ';
  const mask = masked ? c.value : (1n << 64n) - 1n;
  const datum = masked ? c.valueTwo & mask : c.value;
  const dh = Number((datum >> 32n) & M32);
  const dl = Number(datum & M32);
  const mh = Number((mask >> 32n) & M32);
  const ml = Number(mask & M32);
  const wide = bits === 64;
  const idx = c.index;
  switch (c.op) {
    case 'SCMP_CMP_NE':
      emitCondition(asm, { ...c, op: 'SCMP_CMP_EQ' }, bits, fail, pass);
      return;
    case 'SCMP_CMP_LT':
      emitCondition(asm, { ...c, op: 'SCMP_CMP_GE' }, bits, fail, pass);
      return;
    case 'SCMP_CMP_LE':
      emitCondition(asm, { ...c, op: 'SCMP_CMP_GT' }, bits, fail, pass);
      return;
    case 'SCMP_CMP_EQ': {
      if (wide) {
        const lo = asm.label();
        asm.load(argOffset(idx, true));
        asm.jump(CBPF_JMP.JEQ, dh, { label: lo }, fail);
        asm.bind(lo);
      }
      asm.load(argOffset(idx, false));
      asm.jump(CBPF_JMP.JEQ, dl, pass, fail);
      return;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE': {
      const op = c.op === 'SCMP_CMP_GT' ? CBPF_JMP.JGT : CBPF_JMP.JGE;
      if (wide) {
        const eq = asm.label();
        const lo = asm.label();
        asm.load(argOffset(idx, true));
        asm.jump(CBPF_JMP.JGT, dh, pass, { label: eq });
        asm.bind(eq);
        asm.jump(CBPF_JMP.JEQ, dh, { label: lo }, fail);
        asm.bind(lo);
      }
      asm.load(argOffset(idx, false));
      asm.jump(op, dl, pass, fail);
      return;
    }
    case 'SCMP_CMP_MASKED_EQ': {
      const doHi = wide && mh !== 0;
      const doLo = ml !== 0;
      if (!doHi && !doLo) {
        asm.goto(pass);
        return;
      }
      if (doHi) {
        const next: Target = doLo ? { label: asm.label() } : pass;
        asm.load(argOffset(idx, true));
        if (mh !== 0xffffffff) asm.and(mh);
        asm.jump(CBPF_JMP.JEQ, dh, next, fail);
        if ('label' in next) asm.bind(next.label);
      }
      if (doLo) {
        asm.load(argOffset(idx, false));
        if (ml !== 0xffffffff) asm.and(ml);
        asm.jump(CBPF_JMP.JEQ, dl, pass, fail);
      }
      return;
    }
  }
}

/**
 * Emits the rules of one syscall, first match wins: each rule's conditions in order (AND), the
 * next rule when one fails, `fallback` when none matches.
 */
export function emitRules(
  asm: Assembler,
  rules: ReadonlyArray<{ ret: number; conds: readonly ProfileArg[] }>,
  bits: 32 | 64,
  fallback: number,
): void {
  rules.forEach((r, i) => {
    const isLast = i === rules.length - 1;
    const next: Target = isLast ? { ret: fallback } : { label: asm.label() };
    if (r.conds.length === 0) asm.ret(r.ret);
    else
      r.conds.forEach((c, j) => {
        const lastCond = j === r.conds.length - 1;
        const pass: Target = lastCond ? { ret: r.ret } : { label: asm.label() };
        emitCondition(asm, c, bits, pass, next);
        if ('label' in pass) asm.bind(pass.label);
      });
    if ('label' in next) asm.bind(next.label);
  });
  if (rules.length === 0) asm.ret(fallback);
}
