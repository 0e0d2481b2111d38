/**
 * @fileoverview Stack accesses: bounds, spills and fills of registers, STACK_MISC/STACK_ZERO bytes,
 * variable-offset accesses and helper (indirect) accesses.
 *
 * Models `check_stack_access_within_bounds`, `check_stack_slot_within_bounds`,
 * `check_stack_write_fixed_off`, `check_stack_write_var_off`, `check_stack_read_fixed_off`,
 * `check_stack_read_var_off`, `mark_reg_stack_read`, `save_register_state`,
 * `check_stack_range_initialized` and `grow_stack_state` of kernel/bpf/verifier.c (Linux 6.18).
 */
import { ERRNO as E } from '../../uapi/errno.js';
import { assignScalarIdBeforeMov } from '../linked-regs.js';
import { BPF_REG_SIZE, STACK_SLOT, tnumStrn } from '../print-state.js';
import { baseType, copyRegState, newRegState, REG_TYPE, type RegState } from '../reg-state.js';
import { tnumIsConst } from '../tnum.js';
import { BPF_MAX_VAR_OFF, type VerifierEnv } from './env.js';
import { insnStackAccessFlags, markChainPrecision, pushJmpHistory } from './precision.js';
import { isPointerValueReg, markConstZero, markUnknown, registerIsNull } from './regs.js';
import {
  type FuncState,
  growStackState,
  isSpilledReg,
  isSpilledScalarReg,
  MAX_BPF_STACK,
  newStackSlot,
} from './state.js';

const READ = 1;
const WRITE = 2;

/** Grows the frame's stack and the subprogram's recorded depth. Models `grow_stack_state`. */
export function growStack(env: VerifierEnv, f: FuncState, size: number): void {
  growStackState(f, size);
  const d = env.stackDepth[f.subprogno] ?? 0;
  if (f.allocatedStack > d) env.stackDepth[f.subprogno] = f.allocatedStack;
}

/** Models `check_stack_access_within_bounds` (`helper`: ACCESS_HELPER). */
export function checkStackAccessWithinBounds(
  env: VerifierEnv,
  regno: number,
  off: number,
  size: number,
  t: number,
  helper: boolean,
): void {
  const reg = env.reg(regno);
  const f = env.frameOf(reg);
  const extra = helper ? ' indirect access to' : t === READ ? ' read from' : ' write to';
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(reg.varOff)) {
    minOff = Number(BigInt.asIntN(64, reg.varOff.value)) + off;
    maxOff = minOff + size;
  } else {
    if (reg.smax >= BigInt(BPF_MAX_VAR_OFF) || reg.smin <= -BigInt(BPF_MAX_VAR_OFF))
      env.fail(E.EACCES, `invalid unbounded variable-offset${extra} stack R${regno}\n`);
    minOff = Number(reg.smin) + off;
    maxOff = Number(reg.smax) + off + size;
  }
  const minValid = t === WRITE || env.allowUninitStack ? -MAX_BPF_STACK : -f.allocatedStack;
  let err = 0;
  if (minOff < minValid || minOff > -1) err = E.EACCES;
  else if (maxOff > 0 || size < 0) err = E.EINVAL;
  if (err) {
    if (tnumIsConst(reg.varOff)) env.fail(err, `invalid${extra} stack R${regno} off=${off} size=${size}\n`);
    env.fail(
      err,
      `invalid variable-offset${extra} stack R${regno} var_off=${tnumStrn(reg.varOff)} off=${off} size=${size}\n`,
    );
  }
  growStack(env, f, -minOff);
}

/** Models `save_register_state`. */
function saveRegisterState(f: FuncState, spi: number, reg: RegState, size: number): void {
  const slot = f.stack[spi] ?? newStackSlot();
  f.stack[spi] = slot;
  copyRegState(slot.spilledPtr, reg);
  let i = BPF_REG_SIZE;
  for (; i > BPF_REG_SIZE - size; i--) slot.slotType[i - 1] = STACK_SLOT.SPILL;
  for (; i; i--) {
    const st = slot.slotType[i - 1];
    if (st !== STACK_SLOT.ZERO && st !== STACK_SLOT.INVALID) slot.slotType[i - 1] = STACK_SLOT.MISC;
  }
}

/** Models `is_spillable_regtype`. */
function isSpillableRegtype(type: number): boolean {
  switch (baseType(type)) {
    case REG_TYPE.PTR_TO_MAP_VALUE:
    case REG_TYPE.PTR_TO_STACK:
    case REG_TYPE.PTR_TO_CTX:
    case REG_TYPE.PTR_TO_PACKET:
    case REG_TYPE.PTR_TO_PACKET_META:
    case REG_TYPE.PTR_TO_PACKET_END:
    case REG_TYPE.PTR_TO_FLOW_KEYS:
    case REG_TYPE.CONST_PTR_TO_MAP:
    case REG_TYPE.PTR_TO_SOCKET:
    case REG_TYPE.PTR_TO_SOCK_COMMON:
    case REG_TYPE.PTR_TO_TCP_SOCK:
    case REG_TYPE.PTR_TO_XDP_SOCK:
    case REG_TYPE.PTR_TO_BTF_ID:
    case REG_TYPE.PTR_TO_BUF:
    case REG_TYPE.PTR_TO_MEM:
    case REG_TYPE.PTR_TO_FUNC:
    case REG_TYPE.PTR_TO_MAP_KEY:
    case REG_TYPE.PTR_TO_ARENA:
      return true;
    default:
      return false;
  }
}

/** Models `check_stack_write` (fixed and variable offset). */
export function checkStackWrite(
  env: VerifierEnv,
  ptrRegno: number,
  off: number,
  size: number,
  valueRegno: number,
  insnIdx: number,
): void {
  const reg = env.reg(ptrRegno);
  const f = env.frameOf(reg);
  if (tnumIsConst(reg.varOff)) {
    checkStackWriteFixedOff(
      env,
      f,
      off + Number(BigInt.asIntN(64, reg.varOff.value)),
      size,
      valueRegno,
      insnIdx,
    );
  } else {
    checkStackWriteVarOff(env, f, ptrRegno, off, size, valueRegno, insnIdx);
  }
}

function checkStackWriteFixedOff(
  env: VerifierEnv,
  f: FuncState,
  off: number,
  size: number,
  valueRegno: number,
  insnIdx: number,
): void {
  const slot = -off - 1;
  const spi = Math.floor(slot / BPF_REG_SIZE);
  growStack(env, f, (spi + 1) * BPF_REG_SIZE);
  const st = f.stack[spi] ?? newStackSlot();
  f.stack[spi] = st;
  if (!env.allowPtrLeaks && isSpilledReg(st) && !isSpilledScalarReg(st) && size !== BPF_REG_SIZE)
    env.fail(E.EACCES, 'attempt to corrupt spilled pointer on stack\n');
  // only a full 8-byte write kills the slot for liveness (bpf_mark_stack_write)
  if (off % BPF_REG_SIZE === 0 && size === BPF_REG_SIZE) env.liveness.markStackWrite(f.frameno, spi);
  const cur = env.cur.frames[env.cur.curframe] as FuncState;
  const reg = valueRegno >= 0 ? (cur.regs[valueRegno] as RegState) : null;
  if (!env.bypassSpecV4) {
    // Spectre v4: a barrier after writes that spill a pointer or overwrite non-data bytes
    let sanitize = reg !== null && isSpillableRegtype(reg.type);
    for (let i = 0; i < size && !sanitize; i++) {
      const t = st.slotType[i];
      if (t !== STACK_SLOT.MISC && t !== STACK_SLOT.ZERO) sanitize = true;
    }
    const aux = env.aux[insnIdx];
    if (sanitize && aux) aux.nospecResult = true;
  }
  const insn = env.insns[insnIdx];
  const isStMem = insn !== undefined && (insn.code & 7) === 0x02;
  let insnFlags = insnStackAccessFlags(f.frameno, spi);
  env.markStackSlotScratched(spi);
  if (reg && off % BPF_REG_SIZE === 0 && reg.type === REG_TYPE.SCALAR_VALUE && env.bpfCapable) {
    const fits = regWidth(reg) <= 8 * size;
    if (fits) assignScalarIdBeforeMov(reg, env.idGen);
    saveRegisterState(f, spi, reg, size);
    if (!fits) st.spilledPtr.id = 0;
  } else if (!reg && off % BPF_REG_SIZE === 0 && isStMem && env.bpfCapable && insn) {
    const tmp = newRegState();
    markConstZero(env, tmp);
    tmp.precise = false;
    const v = BigInt(insn.imm);
    if (v !== 0n) {
      tmp.varOff = { value: BigInt.asUintN(64, v), mask: 0n };
      tmp.smin = BigInt.asIntN(64, v);
      tmp.smax = tmp.smin;
      tmp.umin = BigInt.asUintN(64, v);
      tmp.umax = tmp.umin;
      tmp.s32Min = Number(BigInt.asIntN(32, v));
      tmp.s32Max = tmp.s32Min;
      tmp.u32Min = Number(BigInt.asUintN(32, v));
      tmp.u32Max = tmp.u32Min;
    }
    saveRegisterState(f, spi, tmp, size);
  } else if (reg && isSpillableRegtype(reg.type)) {
    if (size !== BPF_REG_SIZE) env.fail(E.EACCES, 'invalid size of register spill\n');
    if (f !== cur && reg.type === REG_TYPE.PTR_TO_STACK)
      env.fail(E.EINVAL, 'cannot spill pointers to stack into stack frame of the caller\n');
    saveRegisterState(f, spi, reg, size);
  } else {
    let type: number = STACK_SLOT.MISC;
    st.spilledPtr.type = REG_TYPE.NOT_INIT;
    if (isSpilledReg(st) || st.slotType.some((t) => t === STACK_SLOT.SPILL)) {
      for (let i = 0; i < BPF_REG_SIZE; i++)
        if (st.slotType[i] === STACK_SLOT.SPILL) st.slotType[i] = STACK_SLOT.MISC;
    }
    if ((reg && registerIsNull(reg)) || (!reg && isStMem && insn && insn.imm === 0)) {
      if (valueRegno >= 0) markChainPrecision(env, valueRegno);
      type = STACK_SLOT.ZERO;
    }
    for (let i = 0; i < size; i++) st.slotType[(slot - i) % BPF_REG_SIZE] = type;
    insnFlags = 0;
  }
  if (insnFlags) pushJmpHistory(env, env.cur, insnFlags);
}

function checkStackWriteVarOff(
  env: VerifierEnv,
  f: FuncState,
  ptrRegno: number,
  off: number,
  size: number,
  valueRegno: number,
  insnIdx: number,
): void {
  const ptr = env.reg(ptrRegno);
  const minOff = Number(ptr.smin) + off;
  const maxOff = Number(ptr.smax) + off + size;
  const cur = env.cur.frames[env.cur.curframe] as FuncState;
  const value = valueRegno >= 0 ? (cur.regs[valueRegno] as RegState) : null;
  const insn = env.insns[insnIdx];
  const writingZero =
    (value !== null && registerIsNull(value)) ||
    (value === null && insn !== undefined && (insn.code & 7) === 0x02 && insn.imm === 0);
  if (value && isPointerValueReg(false, value) && !env.allowPtrLeaks)
    env.fail(E.EINVAL, `spilled ptr in range of var-offset stack write; insn ${insnIdx}, ptr off: ${off}\n`);
  growStack(env, f, -minOff);
  for (let i = minOff; i < maxOff; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / BPF_REG_SIZE);
    const st = f.stack[spi] ?? newStackSlot();
    f.stack[spi] = st;
    const k = slot % BPF_REG_SIZE;
    const stype = st.slotType[k] as number;
    env.markStackSlotScratched(spi);
    if (!env.allowPtrLeaks && stype !== STACK_SLOT.MISC && stype !== STACK_SLOT.ZERO)
      env.fail(
        E.EINVAL,
        `uninit stack in range of var-offset write prohibited for !root; insn ${insnIdx}, off: ${i}`,
      );
    if (writingZero && stype === STACK_SLOT.SPILL && isSpilledScalarReg(st)) {
      const sp = st.spilledPtr;
      if (tnumIsConst(sp.varOff) && sp.varOff.value === 0n) continue;
    }
    st.spilledPtr.type = REG_TYPE.NOT_INIT;
    let nt: number = STACK_SLOT.MISC;
    if (writingZero && stype === STACK_SLOT.ZERO) nt = STACK_SLOT.ZERO;
    if (stype === STACK_SLOT.INVALID && !env.allowUninitStack)
      env.fail(
        E.EINVAL,
        `uninit stack in range of var-offset write prohibited for !root; insn ${insnIdx}, off: ${i}`,
      );
    st.slotType[k] = nt;
  }
}

/** Bits a scalar may occupy. Models `get_reg_width`. */
function regWidth(reg: RegState): number {
  const u = reg.umax;
  return u === 0n ? 0 : u.toString(2).length;
}

/** Models `check_stack_read` (fixed and variable offset). */
export function checkStackRead(
  env: VerifierEnv,
  ptrRegno: number,
  off: number,
  size: number,
  dstRegno: number,
): void {
  const reg = env.reg(ptrRegno);
  const f = env.frameOf(reg);
  const varOff = !tnumIsConst(reg.varOff);
  if (dstRegno < 0 && varOff)
    env.fail(
      E.EACCES,
      `variable offset stack pointer cannot be passed into helper function; var_off=${tnumStrn(reg.varOff)} off=${off} size=${size}\n`,
    );
  if (!env.bypassSpecV1 && varOff)
    env.fail(
      E.EACCES,
      `R${ptrRegno} variable offset stack access prohibited for !root, var_off=${tnumStrn(reg.varOff)}\n`,
    );
  if (!varOff) {
    checkStackReadFixedOff(env, f, off + Number(BigInt.asIntN(64, reg.varOff.value)), size, dstRegno);
  } else {
    checkStackRangeInitialized(env, ptrRegno, off, size, false, READ, null);
    const minOff = Number(reg.smin) + off;
    const maxOff = Number(reg.smax) + off;
    markRegStackRead(env, f, minOff, maxOff + size, dstRegno);
  }
}

/** Models `mark_reg_stack_read`. */
function markRegStackRead(
  env: VerifierEnv,
  f: FuncState,
  minOff: number,
  maxOff: number,
  dstRegno: number,
): void {
  const cur = env.cur.frames[env.cur.curframe] as FuncState;
  let zeros = 0;
  for (let i = minOff; i < maxOff; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / BPF_REG_SIZE);
    env.markStackSlotScratched(spi);
    if (f.stack[spi]?.slotType[slot % BPF_REG_SIZE] !== STACK_SLOT.ZERO) break;
    zeros++;
  }
  const dst = cur.regs[dstRegno] as RegState;
  if (zeros === maxOff - minOff) markConstZero(env, dst);
  else markUnknown(env, dst);
}

function checkStackReadFixedOff(
  env: VerifierEnv,
  f: FuncState,
  off: number,
  size: number,
  dstRegno: number,
): void {
  const cur = env.cur.frames[env.cur.curframe] as FuncState;
  const slot = -off - 1;
  const spi = Math.floor(slot / BPF_REG_SIZE);
  const st = f.stack[spi] ?? newStackSlot();
  const stype = st.slotType;
  const reg = st.spilledPtr;
  let insnFlags = insnStackAccessFlags(f.frameno, spi);
  env.markStackSlotScratched(spi);
  env.liveness.markStackRead(env, f.frameno, env.insnIdx, spi);
  if (isSpilledReg(st)) {
    let spillSize = 1;
    for (let i = BPF_REG_SIZE - 1; i > 0 && stype[i - 1] === STACK_SLOT.SPILL; i--) spillSize++;
    if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
      if (reg.type !== REG_TYPE.SCALAR_VALUE) env.fail(E.EACCES, 'invalid size of register fill\n');
      if (dstRegno < 0) return;
      const dst = cur.regs[dstRegno] as RegState;
      if (size <= spillSize && off % BPF_REG_SIZE === 0) {
        if (env.bpfCapable && size === 4 && spillSize === 4 && regWidth(reg) <= 32)
          assignScalarIdBeforeMov(reg, env.idGen);
        copyRegState(dst, reg);
        if (regWidth(reg) > size * 8) dst.id = 0;
      } else {
        let spillCnt = 0;
        let zeroCnt = 0;
        for (let i = 0; i < size; i++) {
          const type = stype[(slot - i) % BPF_REG_SIZE];
          if (type === STACK_SLOT.SPILL) {
            spillCnt++;
            continue;
          }
          if (type === STACK_SLOT.MISC) continue;
          if (type === STACK_SLOT.ZERO) {
            zeroCnt++;
            continue;
          }
          if (type === STACK_SLOT.INVALID && env.allowUninitStack) continue;
          env.fail(E.EACCES, `invalid read from stack off ${off}+${i} size ${size}\n`);
        }
        if (spillCnt === size && tnumIsConst(reg.varOff) && reg.varOff.value === 0n) markConstZero(env, dst);
        else if (zeroCnt === size) {
          markConstZero(env, dst);
          insnFlags = 0;
        } else {
          markUnknown(env, dst);
          insnFlags = 0;
        }
      }
    } else if (dstRegno >= 0) {
      if (env.bpfCapable) assignScalarIdBeforeMov(reg, env.idGen);
      copyRegState(cur.regs[dstRegno] as RegState, reg);
    } else if (isPointerValueReg(env.allowPtrLeaks, reg)) {
      env.fail(E.EACCES, `leaking pointer from stack off ${off}\n`);
    }
  } else {
    for (let i = 0; i < size; i++) {
      const type = stype[(slot - i) % BPF_REG_SIZE];
      if (type === STACK_SLOT.MISC || type === STACK_SLOT.ZERO) continue;
      if (type === STACK_SLOT.INVALID && env.allowUninitStack) continue;
      env.fail(E.EACCES, `invalid read from stack off ${off}+${i} size ${size}\n`);
    }
    if (dstRegno >= 0) markRegStackRead(env, f, off, off + size, dstRegno);
    insnFlags = 0;
  }
  if (insnFlags) pushJmpHistory(env, env.cur, insnFlags);
}

/** What a helper access records for raw (uninitialized-memory) arguments. Models parts of `bpf_call_arg_meta`. */
export interface StackRawMeta {
  rawMode: boolean;
  accessSize: number;
  regno: number;
}

/** Models `check_stack_range_initialized`. */
export function checkStackRangeInitialized(
  env: VerifierEnv,
  regno: number,
  off: number,
  accessSize: number,
  zeroSizeAllowed: boolean,
  t: number,
  metaIn: StackRawMeta | null,
): void {
  let meta = metaIn;
  const reg = env.reg(regno);
  const f = env.frameOf(reg);
  const clobber = t === WRITE;
  if (accessSize === 0 && !zeroSizeAllowed) env.fail(E.EACCES, 'invalid zero-sized read\n');
  checkStackAccessWithinBounds(env, regno, off, accessSize, t, true);
  let minOff: number;
  let maxOff: number;
  if (tnumIsConst(reg.varOff)) {
    minOff = maxOff = Number(BigInt.asIntN(64, reg.varOff.value)) + off;
  } else {
    if (!env.bypassSpecV1)
      env.fail(
        E.EACCES,
        `R${regno} variable offset stack access prohibited for !root, var_off=${tnumStrn(reg.varOff)}\n`,
      );
    if (meta?.rawMode) meta = null;
    minOff = Number(reg.smin) + off;
    maxOff = Number(reg.smax) + off;
  }
  if (meta?.rawMode) {
    meta.accessSize = accessSize;
    meta.regno = regno;
    return;
  }
  for (let i = minOff; i < maxOff + accessSize; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / BPF_REG_SIZE);
    const st = f.stack[spi];
    if (!st) env.fail(E.EFAULT, 'verifier bug: allocated_stack too small\n');
    const k = slot % BPF_REG_SIZE;
    const stype = st.slotType[k];
    if (stype === STACK_SLOT.MISC) {
      env.liveness.markStackRead(env, f.frameno, env.insnIdx, spi);
      continue;
    }
    if (stype === STACK_SLOT.ZERO || (stype === STACK_SLOT.INVALID && env.allowUninitStack)) {
      if (clobber) st.slotType[k] = STACK_SLOT.MISC;
      env.liveness.markStackRead(env, f.frameno, env.insnIdx, spi);
      continue;
    }
    if (isSpilledReg(st) && (st.spilledPtr.type === REG_TYPE.SCALAR_VALUE || env.allowPtrLeaks)) {
      if (clobber) {
        markUnknown(env, st.spilledPtr);
        for (let j = 0; j < BPF_REG_SIZE; j++)
          if (st.slotType[j] === STACK_SLOT.SPILL) st.slotType[j] = STACK_SLOT.MISC;
      }
      // reading any byte of a slot marks the whole slot read
      env.liveness.markStackRead(env, f.frameno, env.insnIdx, spi);
      continue;
    }
    // 6.18 words a helper's read like a direct one ("invalid read from stack R2 off -8+0 size 8")
    const what = t === READ ? 'read from' : 'indirect write to';
    if (tnumIsConst(reg.varOff))
      env.fail(E.EACCES, `invalid ${what} stack R${regno} off ${minOff}+${i - minOff} size ${accessSize}\n`);
    env.fail(
      E.EACCES,
      `invalid ${what} stack R${regno} var_off ${tnumStrn(reg.varOff)}+${i - minOff} size ${accessSize}\n`,
    );
  }
}
