/**
 * @fileoverview The text of register and stack state in verifier logs.
 *
 * Models kernel/bpf/log.c (Linux 6.18): `reg_type_str`, `is_unum_decimal`, `is_snum_decimal`,
 * `verbose_unum`, `verbose_snum`, `tnum_strn`, `print_scalar_ranges`, `print_reg_state`,
 * `print_verifier_state` (6.18 prints no liveness suffix such as `_w`). Output is returned as
 * strings; writing them into the log buffer is the log writer's job.
 */
import { BPF_ADD_CONST, baseType, REG_TYPE, type RegState, TYPE_FLAG } from './reg-state.js';
import { type Tnum, tnumIsConst, tnumIsUnknown } from './tnum.js';

const UNUM_MAX_DECIMAL = 0xffffn; // U16_MAX
const SNUM_MAX_DECIMAL = 0x7fffn; // S16_MAX
const SNUM_MIN_DECIMAL = -0x8000n; // S16_MIN

/** Models `is_unum_decimal`. */
export function isUnumDecimal(num: bigint): boolean {
  return BigInt.asUintN(64, num) <= UNUM_MAX_DECIMAL;
}

/** Models `is_snum_decimal`. */
export function isSnumDecimal(num: bigint): boolean {
  const s = BigInt.asIntN(64, num);
  return s >= SNUM_MIN_DECIMAL && s <= SNUM_MAX_DECIMAL;
}

/** Unsigned number: decimal up to 65535, else `%#llx`. Models `verbose_unum`. */
export function unumStr(num: bigint): string {
  const u = BigInt.asUintN(64, num);
  return u <= UNUM_MAX_DECIMAL ? u.toString() : `0x${u.toString(16)}`;
}

/** Signed number: decimal in [-32768, 32767], else `%#llx` of the u64 bits. Models `verbose_snum`. */
export function snumStr(num: bigint): string {
  return isSnumDecimal(num) ? BigInt.asIntN(64, num).toString() : `0x${BigInt.asUintN(64, num).toString(16)}`;
}

/** `tnum_strn` of log.c: a constant as a number, otherwise `(%#llx; %#llx)`. */
export function tnumStrn(a: Tnum): string {
  if (a.mask === 0n) return unumStr(a.value);
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}

const REG_TYPE_NAMES: Record<number, string> = {
  [REG_TYPE.NOT_INIT]: '?',
  [REG_TYPE.SCALAR_VALUE]: 'scalar',
  [REG_TYPE.PTR_TO_CTX]: 'ctx',
  [REG_TYPE.CONST_PTR_TO_MAP]: 'map_ptr',
  [REG_TYPE.PTR_TO_MAP_VALUE]: 'map_value',
  [REG_TYPE.PTR_TO_STACK]: 'fp',
  [REG_TYPE.PTR_TO_PACKET]: 'pkt',
  [REG_TYPE.PTR_TO_PACKET_META]: 'pkt_meta',
  [REG_TYPE.PTR_TO_PACKET_END]: 'pkt_end',
  [REG_TYPE.PTR_TO_FLOW_KEYS]: 'flow_keys',
  [REG_TYPE.PTR_TO_SOCKET]: 'sock',
  [REG_TYPE.PTR_TO_SOCK_COMMON]: 'sock_common',
  [REG_TYPE.PTR_TO_TCP_SOCK]: 'tcp_sock',
  [REG_TYPE.PTR_TO_TP_BUFFER]: 'tp_buffer',
  [REG_TYPE.PTR_TO_XDP_SOCK]: 'xdp_sock',
  [REG_TYPE.PTR_TO_BTF_ID]: 'ptr_',
  [REG_TYPE.PTR_TO_MEM]: 'mem',
  [REG_TYPE.PTR_TO_ARENA]: 'arena',
  [REG_TYPE.PTR_TO_BUF]: 'buf',
  [REG_TYPE.PTR_TO_FUNC]: 'func',
  [REG_TYPE.PTR_TO_MAP_KEY]: 'map_key',
  [REG_TYPE.CONST_PTR_TO_DYNPTR]: 'dynptr_ptr',
};

/** Name of a register type with its flag prefixes and `_or_null` postfix. Models `reg_type_str`. */
export function regTypeStr(type: number): string {
  const base = baseType(type);
  let postfix = '';
  if ((type & TYPE_FLAG.PTR_MAYBE_NULL) !== 0)
    postfix = base === REG_TYPE.PTR_TO_BTF_ID ? 'or_null_' : '_or_null';
  const prefix =
    ((type & TYPE_FLAG.MEM_RDONLY) !== 0 ? 'rdonly_' : '') +
    ((type & TYPE_FLAG.MEM_RINGBUF) !== 0 ? 'ringbuf_' : '') +
    ((type & TYPE_FLAG.MEM_USER) !== 0 ? 'user_' : '') +
    ((type & TYPE_FLAG.MEM_PERCPU) !== 0 ? 'percpu_' : '') +
    ((type & TYPE_FLAG.MEM_RCU) !== 0 ? 'rcu_' : '') +
    ((type & TYPE_FLAG.PTR_UNTRUSTED) !== 0 ? 'untrusted_' : '') +
    ((type & TYPE_FLAG.PTR_TRUSTED) !== 0 ? 'trusted_' : '');
  return `${prefix}${REG_TYPE_NAMES[base] ?? '?'}${postfix}`;
}

/**
 * The bounds not implied by others, merging equal values (`smin=umin=...`) but never a negative
 * signed value with a positive one. Models `print_scalar_ranges`.
 */
export function scalarRangesStr(reg: RegState): string {
  const s32min = BigInt(reg.s32Min);
  const s32max = BigInt(reg.s32Max);
  const m: { name: string; val: bigint; omit: boolean }[] = [
    { name: 'smin', val: BigInt.asUintN(64, reg.smin), omit: reg.smin === -(1n << 63n) },
    { name: 'smax', val: BigInt.asUintN(64, reg.smax), omit: reg.smax === (1n << 63n) - 1n },
    { name: 'umin', val: reg.umin, omit: reg.umin === 0n },
    { name: 'umax', val: reg.umax, omit: reg.umax === (1n << 64n) - 1n },
    {
      name: 'smin32',
      val: isSnumDecimal(s32min) ? BigInt.asUintN(64, s32min) : BigInt(reg.s32Min >>> 0),
      omit: reg.s32Min === -0x8000_0000,
    },
    {
      name: 'smax32',
      val: isSnumDecimal(s32max) ? BigInt.asUintN(64, s32max) : BigInt(reg.s32Max >>> 0),
      omit: reg.s32Max === 0x7fff_ffff,
    },
    { name: 'umin32', val: BigInt(reg.u32Min), omit: reg.u32Min === 0 },
    { name: 'umax32', val: BigInt(reg.u32Max), omit: reg.u32Max === 0xffff_ffff },
  ];
  const out: string[] = [];
  for (let i = 0; i < m.length; i++) {
    const m1 = m[i] as (typeof m)[number];
    if (m1.omit) continue;
    const neg1 = m1.name[0] === 's' && BigInt.asIntN(64, m1.val) < 0n;
    let s = `${m1.name}=`;
    for (let j = i + 2; j < m.length; j += 2) {
      const m2 = m[j] as (typeof m)[number];
      if (m2.omit || m2.val !== m1.val) continue;
      // don't mix negatives with positives
      const neg2 = m2.name[0] === 's' && BigInt.asIntN(64, m2.val) < 0n;
      if (neg2 !== neg1) continue;
      m2.omit = true;
      s += `${m2.name}=`;
    }
    s += m1.name[0] === 's' ? snumStr(m1.val) : unumStr(m1.val);
    out.push(s);
  }
  return out.join(',');
}

function isPktPointer(t: number): boolean {
  return t === REG_TYPE.PTR_TO_PACKET || t === REG_TYPE.PTR_TO_PACKET_META;
}

function isMapPtr(t: number): boolean {
  const b = baseType(t);
  return b === REG_TYPE.CONST_PTR_TO_MAP || b === REG_TYPE.PTR_TO_MAP_KEY || b === REG_TYPE.PTR_TO_MAP_VALUE;
}

/**
 * One register's state, e.g. `1`, `scalar(smin=0,smax=umax=255,var_off=(0x0; 0xff))`, `fp-8`,
 * `map_value_or_null(id=1,ks=4,vs=8)`, `pkt(r=14)`. `frameno` is the frame being printed (stack
 * pointers into other frames print as `fp[N]`). Models `print_reg_state`.
 */
export function regStateStr(reg: RegState, frameno = 0): string {
  const t = reg.type;
  let s = '';
  if (t === REG_TYPE.SCALAR_VALUE && reg.precise) s += 'P';
  if (t === REG_TYPE.SCALAR_VALUE && tnumIsConst(reg.varOff)) return s + snumStr(reg.varOff.value);
  s += regTypeStr(t);
  if (t === REG_TYPE.PTR_TO_ARENA) return s;
  if (t === REG_TYPE.PTR_TO_STACK) {
    if (frameno !== reg.frameno) s += `[${reg.frameno}]`;
    if (tnumIsConst(reg.varOff)) return s + snumStr(reg.varOff.value + BigInt(reg.off));
  }
  if (baseType(t) === REG_TYPE.PTR_TO_BTF_ID) s += reg.btfName;
  s += '(';
  const attrs: string[] = [];
  let idStr = '';
  if (reg.id !== 0) idStr = `id=${(reg.id & ~BPF_ADD_CONST) | 0}`;
  if ((reg.id & BPF_ADD_CONST) !== 0) idStr += reg.off >= 0 ? `+${reg.off}` : `${reg.off}`;
  if (idStr !== '') attrs.push(idStr);
  if (reg.refObjId !== 0) attrs.push(`ref_obj_id=${reg.refObjId}`);
  if ((t & TYPE_FLAG.NON_OWN_REF) !== 0) attrs.push('non_own_ref');
  if (isMapPtr(t) && reg.map !== null) {
    if (reg.map.name !== '') attrs.push(`map=${reg.map.name}`);
    attrs.push(`ks=${reg.map.keySize},vs=${reg.map.valueSize}`);
  }
  if (t !== REG_TYPE.SCALAR_VALUE && reg.off !== 0) attrs.push(`off=${snumStr(BigInt(reg.off))}`);
  if (isPktPointer(t)) attrs.push(`r=${unumStr(BigInt(reg.range))}`);
  if (baseType(t) === REG_TYPE.PTR_TO_MEM) attrs.push(`sz=${unumStr(BigInt(reg.memSize))}`);
  if (t === REG_TYPE.CONST_PTR_TO_DYNPTR) attrs.push(`type=${reg.dynptrType}`);
  if (tnumIsConst(reg.varOff)) {
    // a pointer register with fixed offset
    if (reg.varOff.value !== 0n) attrs.push(`imm=${snumStr(reg.varOff.value)}`);
  } else {
    const ranges = scalarRangesStr(reg);
    if (ranges !== '') attrs.push(ranges);
    if (!tnumIsUnknown(reg.varOff)) attrs.push(`var_off=${tnumStrn(reg.varOff)}`);
  }
  return `${s + attrs.join(',')})`;
}

/** Stack slot byte types. Models `enum bpf_stack_slot_type` (include/linux/bpf_verifier.h). */
export const STACK_SLOT = {
  INVALID: 0,
  SPILL: 1,
  MISC: 2,
  ZERO: 3,
  DYNPTR: 4,
  ITER: 5,
  IRQ_FLAG: 6,
} as const;

const SLOT_TYPE_CHAR = '?rm0dif';

/** Bytes per stack slot. Models `BPF_REG_SIZE`. */
export const BPF_REG_SIZE = 8;

/** One 8-byte stack slot. Models `struct bpf_stack_state`. */
export interface StackSlot {
  /** Eight `STACK_SLOT` values; index 7 is the highest-addressed byte (`fp-1` for slot 0). */
  slotType: number[];
  /** The spilled register (meaningful when the top byte is STACK_SPILL). */
  spilledPtr: RegState;
}

/** What `print_verifier_state` needs of one function frame. Models `struct bpf_func_state`. */
export interface FuncStatePrint {
  frameno: number;
  regs: readonly RegState[];
  stack: readonly StackSlot[];
  inCallbackFn?: boolean;
  inAsyncCallbackFn?: boolean;
}

/** Which registers/slots to print (the kernel's "scratched" marks); all when omitted. */
export interface PrintFilter {
  regs?: ReadonlySet<number>;
  slots?: ReadonlySet<number>;
}

/**
 * The state text after `N:` — `" R0=1 R10=fp0 fp-8=mmmmmmmm"` with a leading space per item, no
 * newline. Dynptr and iterator slots print their generic byte form. Models `print_verifier_state`
 * (registers, stack slots, `refs=`, `cb`/`async_cb`).
 */
export function verifierStateStr(
  state: FuncStatePrint,
  filter?: PrintFilter,
  refs: readonly number[] = [],
): string {
  let s = '';
  if (state.frameno !== 0) s += ` frame${state.frameno}:`;
  for (let i = 0; i < state.regs.length; i++) {
    const reg = state.regs[i] as RegState;
    if (reg.type === REG_TYPE.NOT_INIT) continue;
    if (filter?.regs !== undefined && !filter.regs.has(i)) continue;
    s += ` R${i}=${regStateStr(reg, state.frameno)}`;
  }
  for (let i = 0; i < state.stack.length; i++) {
    if (filter?.slots !== undefined && !filter.slots.has(i)) continue;
    const slot = state.stack[i] as StackSlot;
    let valid = false;
    let types = '';
    for (let j = 0; j < BPF_REG_SIZE; j++) {
      const st = slot.slotType[j] ?? STACK_SLOT.INVALID;
      if (st !== STACK_SLOT.INVALID) valid = true;
      types += SLOT_TYPE_CHAR[st] ?? '?';
    }
    if (!valid) continue;
    const name = ` fp${(-i - 1) * BPF_REG_SIZE}`;
    if (slot.slotType[BPF_REG_SIZE - 1] === STACK_SLOT.SPILL) {
      // print MISC/ZERO/INVALID slots above subreg spill
      let j = 0;
      while (j < BPF_REG_SIZE && slot.slotType[j] !== STACK_SLOT.SPILL) j++;
      s += `${name}=${types.slice(0, j)}${regStateStr(slot.spilledPtr, state.frameno)}`;
    } else {
      s += `${name}=${types}`;
    }
  }
  const live = refs.filter((r) => r !== 0);
  if (refs.length > 0 && refs[0] !== 0) s += ` refs=${live.join(',')}`;
  if (state.inCallbackFn) s += ' cb';
  if (state.inAsyncCallbackFn) s += ' async_cb';
  return s;
}
