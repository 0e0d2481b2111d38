/**
 * @fileoverview Linked scalar registers: registers that hold the same unknown value (after
 * `rX = rY`) or that value plus a constant (after `rX += c` / `rX -= c`, 64- or 32-bit), so that a
 * comparison bounding one of them bounds all of them.
 *
 * Models kernel/bpf/verifier.c (Linux 6.18-stable): the tail of `adjust_reg_min_max_vals`
 * (BPF_ADD_CONST64/BPF_ADD_CONST32 ids and the `off` delta), `sync_linked_regs` and
 * `assign_scalar_id_before_mov`.
 */
import { BPF_ALU_OP, BPF_CLASS, bpfClass, bpfOp } from '../isa/opcodes.js';
import {
  isRegConst,
  markRegKnown,
  regBoundsSync,
  regConstValue,
  S32_MAX,
  S32_MIN,
  U32_MAX,
  zext32To64,
} from './bounds.js';
import {
  BPF_ADD_CONST,
  BPF_ADD_CONST32,
  BPF_ADD_CONST64,
  copyRegState,
  newRegState,
  REG_TYPE,
  type RegState,
} from './reg-state.js';
import { scalar32MinMaxAdd, scalarMinMaxAdd } from './scalar-alu.js';
import { tnumAdd } from './tnum.js';

/**
 * After `dst op= src` on scalars: remember `dst = rY + const` for registers linked by a common id
 * (so a later comparison of rY also bounds dst), or drop the id. `dstUmaxBefore` is dst's umax
 * before the operation. Models the tail of `adjust_reg_min_max_vals` (6.18-stable: ADD and SUB,
 * 64- and 32-bit, `BPF_ADD_CONST64`/`BPF_ADD_CONST32`).
 */
export function trackLinkedConstDelta(
  code: number,
  dst: RegState,
  src: Readonly<RegState>,
  dstUmaxBefore: bigint,
  bpfCapable = true,
): void {
  const op = bpfOp(code);
  const alu32 = bpfClass(code) !== BPF_CLASS.ALU64;
  const clear = () => {
    dst.off = 0;
    dst.id = 0;
  };
  if (
    !(
      bpfCapable &&
      (op === BPF_ALU_OP.ADD || op === BPF_ALU_OP.SUB) &&
      dst.id !== 0 &&
      isRegConst(src as RegState, alu32)
    )
  ) {
    // otherwise dst's bounds could be propagated to other registers by sync_linked_regs(); the
    // stale delta goes too (clear_scalar_id; a 6.18.44 load shows a later link ignoring it)
    clear();
    return;
  }
  const val = regConstValue(src as RegState, alu32);
  const sval = BigInt.asIntN(64, val);
  let off = Number(BigInt.asIntN(32, val));
  let ok = true;
  if (!alu32 && (sval < BigInt(S32_MIN) || sval > BigInt(S32_MAX))) ok = false;
  else if (alu32 && dstUmaxBefore > BigInt(U32_MAX)) ok = false;
  else if (op === BPF_ALU_OP.SUB) {
    // Negating S32_MIN would overflow
    if (off === S32_MIN) ok = false;
    else off = -off;
  }
  // A register that already went through rX += val cannot accumulate another delta.
  if (!ok || (dst.id & BPF_ADD_CONST) !== 0) {
    clear();
    return;
  }
  dst.id = (dst.id | (alu32 ? BPF_ADD_CONST32 : BPF_ADD_CONST64)) >>> 0;
  dst.off = off;
}

/** Most registers/stack slots tracked as linked to one id. Models `LINKED_REGS_MAX`. */
export const LINKED_REGS_MAX = 6;

/**
 * After a comparison refined `knownReg`, gives every register linked to it (same id, ignoring the
 * add-const flags) the same bounds, shifted by the constant delta recorded in `off` when the
 * register was produced by `rX += const`. `linked` are the candidate registers (registers and
 * spilled slots of all frames carrying the id, as `collect_linked_regs` gathers them — in 6.18
 * only those live before the jump, observed on 6.18.44); returns
 * the indexes into `linked` that were updated (the kernel marks them scratched, so they are
 * printed after the jump). Models `sync_linked_regs` (6.18-stable, with BPF_ADD_CONST32).
 */
export function syncLinkedRegs(linked: readonly RegState[], knownReg: Readonly<RegState>): number[] {
  const updated: number[] = [];
  const known = knownReg as RegState;
  for (let i = 0; i < linked.length; i++) {
    const reg = linked[i] as RegState;
    if (reg.type !== REG_TYPE.SCALAR_VALUE || reg === known) continue;
    if ((reg.id & ~BPF_ADD_CONST) !== (known.id & ~BPF_ADD_CONST)) continue;
    if (((reg.id & BPF_ADD_CONST) === 0 && (known.id & BPF_ADD_CONST) === 0) || reg.off === known.off) {
      copyRegState(reg, known);
    } else {
      const savedOff = reg.off;
      const savedId = reg.id;
      const fake = newRegState();
      fake.type = REG_TYPE.SCALAR_VALUE;
      markRegKnown(fake, BigInt(savedOff) - BigInt(known.off));
      // reg = known_reg; reg += delta (keeping off and id for later syncs)
      copyRegState(reg, known);
      reg.off = savedOff;
      reg.id = savedId;
      scalar32MinMaxAdd(reg, fake);
      scalarMinMaxAdd(reg, fake);
      reg.varOff = tnumAdd(reg.varOff, fake.varOff);
      if (((reg.id | known.id) & BPF_ADD_CONST32) !== 0) zext32To64(reg);
      regBoundsSync(reg);
    }
    updated.push(i);
  }
  return updated;
}

/** The verifier's id counter (`env->id_gen`), shared by every id assignment of one load. */
export interface IdGen {
  value: number;
}

/**
 * Before `rX = rY` copies a scalar: gives rY a fresh id (shared by the copy) unless it is a
 * constant, and first drops an add-const link (`rY = rZ + c` cannot be linked twice). Models
 * `assign_scalar_id_before_mov`.
 */
export function assignScalarIdBeforeMov(src: RegState, idGen: IdGen): void {
  if (src.type !== REG_TYPE.SCALAR_VALUE) return;
  if ((src.id & BPF_ADD_CONST) !== 0) {
    src.id = 0;
    src.off = 0;
  }
  if (src.id === 0 && src.varOff.mask !== 0n) src.id = ++idGen.value;
}
