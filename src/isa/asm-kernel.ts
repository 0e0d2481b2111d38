/**
 * @fileoverview Assembler for the kernel's instruction syntax: what kernel/bpf/disasm.c
 * `print_bpf_insn` prints in verifier logs and `bpftool prog dump xlated`, so that programs can be
 * written (or pasted from a log) in that syntax.
 *
 * Every line `disassembleKernel` prints reads back, with or without the `N:` and `(xx)` prefixes;
 * when the `(xx)` opcode is present it is checked against the text. Additions for hand-written
 * code: labels (`L1:` on its own line or before an instruction) usable as jump and call targets
 * (`goto L1`, `if r1 == 0x5 goto L1`, `call L1`), `pc+N`/`+N` targets, `call bpf_name` without
 * `#id`, an optional `ll` after a 64-bit immediate, and comments after `;` or `//`. `rD = 0x...`
 * is `ld_imm64` (the kernel prints it in hex), `rD = N` in decimal is `mov` (printed `%d`).
 * `ld_imm64` pseudo values: `map[id:N]`/`map[fd:N]` (`BPF_PSEUDO_MAP_FD`), `map[id:N][0]+OFF`
 * (`MAP_VALUE`), `map[idx:N]` (`MAP_IDX`), `map[idx:N]+OFF` (`MAP_IDX_VALUE`), `btf_id[N]`
 * or `btf_id[N]+FD` (`BTF_ID`, FD = the module BTF fd of the second slot), `subprog[+N]` or
 * `subprog[LABEL]` (`BPF_PSEUDO_FUNC`). Registers r0-r15 are accepted (r11-r15 exist only in
 * invalid programs, which the verifier rejects with "R%d is invalid").
 */
import { helperId } from '../uapi/bpf-helpers.js';
import type { Insn } from './insn.js';
import { insn } from './insn.js';

/** Result of `assembleKernel`: the slots, or the first error with its 1-based line. */
export type KernelAsmResult = { ok: true; insns: Insn[] } | { ok: false; error: string; line: number };

class AsmError extends Error {}

const ALU_OPS: Readonly<Record<string, number>> = {
  '+=': 0x00,
  '-=': 0x10,
  '*=': 0x20,
  '/=': 0x30,
  '|=': 0x40,
  '&=': 0x50,
  '<<=': 0x60,
  '>>=': 0x70,
  '%=': 0x90,
  '^=': 0xa0,
  '=': 0xb0,
  's>>=': 0xc0,
  's/=': 0x30,
  's%=': 0x90,
};
const JMP_OPS: Readonly<Record<string, number>> = {
  '==': 0x10,
  '>': 0x20,
  '>=': 0x30,
  '&': 0x40,
  '!=': 0x50,
  's>': 0x60,
  's>=': 0x70,
  '<': 0xa0,
  '<=': 0xb0,
  's<': 0xc0,
  's<=': 0xd0,
};
const LOCK_OPS: Readonly<Record<string, number>> = { '+=': 0x00, '|=': 0x40, '&=': 0x50, '^=': 0xa0 };
const FETCH_OPS: Readonly<Record<string, number>> = { add: 0x01, or: 0x41, and: 0x51, xor: 0xa1 };
const USIZE: Readonly<Record<string, number>> = { u32: 0x00, u16: 0x08, u8: 0x10, u64: 0x18 };
const SSIZE: Readonly<Record<string, number>> = { s32: 0x00, s16: 0x08, s8: 0x10 };

const REG = String.raw`([rw])(\d+)`;
const NUM = String.raw`[+-]?(?:0x[0-9a-fA-F]+|\d+)`;
/** `(r1 +4)` as the kernel prints it, `(r1 + 4)` as LLVM does. */
const MEM = String.raw`\(\s*r(\d+)\s*([+-]\s*(?:0x[0-9a-fA-F]+|\d+))?\s*\)`;
const TARGET = String.raw`(pc\s*[+-]\s*\d+|[+-]\d+|[A-Za-z_.$][\w.$]*)`;

/** The line patterns, compiled once. */
const RE_GOTO = new RegExp(`^(goto|gotol|may_goto)\\s+${TARGET}$`);
const RE_IF = new RegExp(`^if\\s+${REG}\\s+(\\S+)\\s+(?:${REG}|(${NUM}))\\s+goto\\s+${TARGET}$`);
const RE_LOCK = new RegExp(`^lock\\s+\\*\\((u\\d+) \\*\\)${MEM}\\s+(\\S+)\\s+[rw](\\d+)$`);
const RE_STORE_REL = new RegExp(`^store_release\\(\\((u\\d+) \\*\\)${MEM},\\s*r(\\d+)\\)$`);
const RE_STORE = new RegExp(`^\\*\\((u\\d+) \\*\\)${MEM}\\s*=\\s*(?:r(\\d+)|(${NUM}))$`);
const RE_ASSIGN = new RegExp(`^${REG}\\s*=\\s*(.+)$`);
const RE_ALU = new RegExp(`^${REG}\\s+(\\S+)\\s+(?:${REG}|(${NUM}))$`);
const RE_NEG = new RegExp(`^-${REG}$`);
const RE_MOVSX = new RegExp(`^\\((s8|s16|s32)\\)${REG}$`);
const RE_LDX = new RegExp(`^\\*\\(([us]\\d+) \\*\\)${MEM}$`);
const RE_SKB = new RegExp(`^\\*\\((u\\d+) \\*\\)skb\\[(?:r(\\d+)\\s*(?:\\+\\s*(${NUM}))?|(${NUM}))\\]$`);
const RE_FETCH = new RegExp(`^atomic(64)?_fetch_(add|and|or|xor)\\(\\((u\\d+) \\*\\)${MEM},\\s*r(\\d+)\\)$`);
const RE_XCHG = new RegExp(`^atomic(64)?_xchg\\(\\((u\\d+) \\*\\)${MEM},\\s*r(\\d+)\\)$`);
const RE_CMPXCHG = new RegExp(`^atomic(64)?_cmpxchg\\(\\((u\\d+) \\*\\)${MEM},\\s*r0,\\s*r(\\d+)\\)$`);
const RE_LOAD_ACQ = new RegExp(`^load_acquire\\(\\((u\\d+) \\*\\)${MEM}\\)$`);
const RE_REG_ONLY = new RegExp(`^${REG}$`);
const RE_NUM_ONLY = new RegExp(`^${NUM}$`);
const RE_IMM64 = new RegExp(`^(${NUM})(\\s+ll)?$`);

function num(text: string): bigint {
  const t = text.replace(/\s+/g, '');
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(t);
  if (m === null) throw new AsmError(`invalid number '${text}'`);
  const v = BigInt(m[2] as string);
  return m[1] === '-' ? -v : v;
}
/** A 32-bit immediate: signed decimal, or hex up to 0xffffffff (how the kernel prints jump imms). */
function imm32(text: string): number {
  const v = num(text);
  if (v < -0x80000000n || v > 0xffffffffn || (!/0x/i.test(text) && v > 0x7fffffffn))
    throw new AsmError(`immediate '${text}' does not fit in 32 bits`);
  return Number(BigInt.asIntN(32, v));
}
function off16(text: string | undefined): number {
  if (text === undefined) return 0;
  const v = num(text);
  if (v < -0x8000n || v > 0x7fffn) throw new AsmError(`offset '${text}' does not fit in 16 bits`);
  return Number(v);
}
function reg(kind: string, n: string, want?: 'r' | 'w'): number {
  const r = Number(n);
  if (r > 15 || String(r) !== n) throw new AsmError(`invalid register '${kind}${n}'`);
  if (want !== undefined && kind !== want)
    throw new AsmError(`register '${kind}${n}' should be '${want}${n}'`);
  return r;
}

interface Fixup {
  slot: number;
  label: string;
  field: 'off' | 'imm';
  line: number;
}

interface LineCtx {
  pc: number;
  fix: Fixup[];
  line: number;
}

/** A jump/call target: `pc+N`, `+N` or a label (patched once all labels are known). */
function target(ctx: LineCtx, t: string, field: 'off' | 'imm'): number {
  const m = /^(?:pc)?\s*([+-])\s*(\d+)$/.exec(t);
  if (m !== null) {
    const v = num(`${m[1]}${m[2]}`);
    return field === 'off' ? off16(String(v)) : imm32(String(v));
  }
  ctx.fix.push({ slot: ctx.pc, label: t, field, line: ctx.line });
  return 0;
}

const sizeOf = (table: Readonly<Record<string, number>>, name: string): number => {
  const v = table[name];
  if (v === undefined) throw new AsmError(`invalid size '${name}'`);
  return v;
};

/** Parses one instruction (prefixes already removed) into one or two slots. */
function parse(text: string, ctx: LineCtx, code: number | undefined): Insn[] {
  let m: RegExpExecArray | null;
  const t = text.trim();
  if (t === 'exit') return [insn(0x95, 0, 0, 0, 0)];
  if (t === 'nospec') return [insn(0xc2, 0, 0, 0, 0)];
  if ((m = RE_GOTO.exec(t))) {
    const k = m[1] as string;
    if (k === 'gotol') return [insn(0x06, 0, 0, 0, target(ctx, m[2] as string, 'imm'))];
    return [insn(k === 'goto' ? 0x05 : 0xe5, 0, 0, target(ctx, m[2] as string, 'off'), 0)];
  }
  if ((m = /^call\s+(.+)$/.exec(t))) return [parseCall((m[1] as string).trim(), ctx)];
  if ((m = RE_IF.exec(t))) {
    const [, k, d, opText, k2, s, immText, tgt] = m as unknown as string[];
    const op = JMP_OPS[opText as string];
    if (op === undefined) throw new AsmError(`invalid jump condition '${opText}'`);
    const cls = k === 'w' ? 0x06 : 0x05;
    const dst = reg(k as string, d as string);
    if (k2 !== undefined) {
      const src = reg(k2, s as string, k as 'r' | 'w');
      return [insn(cls | op | 0x08, dst, src, target(ctx, tgt as string, 'off'), 0)];
    }
    return [insn(cls | op, dst, 0, target(ctx, tgt as string, 'off'), imm32(immText as string))];
  }
  if ((m = RE_LOCK.exec(t))) {
    const op = LOCK_OPS[m[4] as string];
    if (op === undefined) throw new AsmError(`invalid atomic operation '${m[4]}'`);
    return [
      insn(
        0xc3 | sizeOf(USIZE, m[1] as string),
        reg('r', m[2] as string),
        reg('r', m[5] as string),
        off16(m[3]),
        op,
      ),
    ];
  }
  if ((m = RE_STORE_REL.exec(t))) {
    const size = sizeOf(USIZE, m[1] as string);
    return [insn(0xc3 | size, reg('r', m[2] as string), reg('r', m[4] as string), off16(m[3]), 0x110)];
  }
  if ((m = RE_STORE.exec(t))) {
    const size = sizeOf(USIZE, m[1] as string);
    const dst = reg('r', m[2] as string);
    if (m[4] !== undefined) return [insn(0x63 | size, dst, reg('r', m[4]), off16(m[3]), 0)];
    return [insn(0x62 | size, dst, 0, off16(m[3]), imm32(m[5] as string))];
  }
  if ((m = RE_ASSIGN.exec(t))) {
    const k = m[1] as string;
    const d = m[2] as string;
    const rhs = (m[3] as string).trim();
    const r = parseAssign(k, d, rhs, ctx, code);
    if (r !== undefined) return r;
  }
  if ((m = RE_ALU.exec(t))) {
    // Compound ALU assignment: `r1 += r2`, `w1 s>>= 3`.
    const [, k, d, opText, k2, s, immText] = m as unknown as string[];
    const op = ALU_OPS[opText as string];
    if (op === undefined || opText === '=') throw new AsmError(`invalid ALU operation '${opText}'`);
    const cls = k === 'w' ? 0x04 : 0x07;
    const off = (opText as string).startsWith('s') && opText !== 's>>=' ? 1 : 0;
    const dst = reg(k as string, d as string);
    if (k2 !== undefined) return [insn(cls | op | 0x08, dst, reg(k2, s as string, k as 'r' | 'w'), off, 0)];
    return [insn(cls | op, dst, 0, off, imm32(immText as string))];
  }
  throw new AsmError(`cannot parse '${t}'`);
}

/** `rD = ...` forms: mov, movsx, neg, endianness, loads, atomics with a result, ld_imm64. */
function parseAssign(
  k: string,
  d: string,
  rhs: string,
  ctx: LineCtx,
  code: number | undefined,
): Insn[] | undefined {
  let m: RegExpExecArray | null;
  const cls = k === 'w' ? 0x04 : 0x07;
  if ((m = RE_NEG.exec(rhs))) {
    if (m[2] !== d || m[1] !== k) throw new AsmError('negation must use the same register on both sides');
    return [insn(cls | 0x80, reg(k, d), 0, 0, 0)];
  }
  if ((m = /^(be|le|bswap)(\d+)\s+r(\d+)$/.exec(rhs))) {
    if (m[3] !== d) throw new AsmError('byte swap must use the same register on both sides');
    const c = m[1] === 'bswap' ? 0xd7 : m[1] === 'be' ? 0xdc : 0xd4;
    return [insn(c, reg('r', d, 'r'), 0, 0, imm32(m[2] as string))];
  }
  if ((m = /^addr_space_cast\(\s*r(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(rhs))) {
    return [
      insn(
        0xbf,
        reg('r', d, 'r'),
        reg('r', m[1] as string),
        1,
        (Number(m[2]) << 16) | (Number(m[3]) & 0xffff),
      ),
    ];
  }
  if ((m = RE_MOVSX.exec(rhs))) {
    const off = Number((m[1] as string).slice(1));
    return [insn(cls | 0xb8, reg(k, d), reg(m[2] as string, m[3] as string, k as 'r' | 'w'), off, 0)];
  }
  if ((m = RE_LDX.exec(rhs))) {
    const ty = m[1] as string;
    const mode = ty.startsWith('s') ? 0x80 : 0x60;
    const size = sizeOf(ty.startsWith('s') ? SSIZE : USIZE, ty);
    return [insn(0x01 | mode | size, reg('r', d, 'r'), reg('r', m[2] as string), off16(m[3]), 0)];
  }
  if ((m = RE_SKB.exec(rhs))) {
    // `skb[16]`, `skb[r2 + 4]` (kernel), `skb[r2]` (LLVM).
    if (d !== '0' || k !== 'r') throw new AsmError('packet loads write r0');
    const size = sizeOf(USIZE, m[1] as string);
    if (m[2] !== undefined) return [insn(0x40 | size, 0, reg('r', m[2]), 0, imm32(m[3] ?? '0'))];
    return [insn(0x20 | size, 0, 0, 0, imm32(m[4] as string))];
  }
  if ((m = RE_FETCH.exec(rhs))) {
    if (m[6] !== d) throw new AsmError('atomic fetch returns into its source register');
    const size = sizeOf(USIZE, m[3] as string);
    return [
      insn(
        0xc3 | size,
        reg('r', m[4] as string),
        reg('r', d),
        off16(m[5]),
        FETCH_OPS[m[2] as string] as number,
      ),
    ];
  }
  if ((m = RE_XCHG.exec(rhs))) {
    if (m[5] !== d) throw new AsmError('atomic exchange returns into its source register');
    return [
      insn(0xc3 | sizeOf(USIZE, m[2] as string), reg('r', m[3] as string), reg('r', d), off16(m[4]), 0xe1),
    ];
  }
  if ((m = RE_CMPXCHG.exec(rhs))) {
    if (d !== '0') throw new AsmError('atomic compare-exchange returns into r0');
    return [
      insn(
        0xc3 | sizeOf(USIZE, m[2] as string),
        reg('r', m[3] as string),
        reg('r', m[5] as string),
        off16(m[4]),
        0xf1,
      ),
    ];
  }
  if ((m = RE_LOAD_ACQ.exec(rhs))) {
    return [
      insn(0xc3 | sizeOf(USIZE, m[1] as string), reg('r', d), reg('r', m[2] as string), off16(m[3]), 0x100),
    ];
  }
  if ((m = RE_REG_ONLY.exec(rhs))) {
    return [insn(cls | 0xb8, reg(k, d), reg(m[1] as string, m[2] as string, k as 'r' | 'w'), 0, 0)];
  }
  const ld = parseLdImm64(rhs, ctx, k, d, code);
  if (ld !== undefined) return ld;
  if (RE_NUM_ONLY.test(rhs)) return [insn(cls | 0xb0, reg(k, d), 0, 0, imm32(rhs))];
  return undefined;
}

/** `rD = 0x... [ll]` and the pseudo forms of `ld_imm64`. */
function parseLdImm64(
  rhs: string,
  ctx: LineCtx,
  k: string,
  d: string,
  code: number | undefined,
): Insn[] | undefined {
  let m: RegExpExecArray | null;
  const two = (src: number, lo: number, hi: number): Insn[] => [
    insn(0x18, reg(k, d, 'r'), src, 0, lo),
    insn(0, 0, 0, 0, hi),
  ];
  if ((m = /^map\[(id|fd):(-?\d+)\](?:\[0\]\+(-?\d+))?$/.exec(rhs)))
    return m[3] === undefined ? two(1, imm32(m[2] as string), 0) : two(2, imm32(m[2] as string), imm32(m[3]));
  if ((m = /^map\[idx:(-?\d+)\](?:\+(-?\d+))?$/.exec(rhs)))
    return m[2] === undefined ? two(5, imm32(m[1] as string), 0) : two(6, imm32(m[1] as string), imm32(m[2]));
  if ((m = /^btf_id\[(-?\d+)\](?:\+(-?\d+))?$/.exec(rhs)))
    return two(3, imm32(m[1] as string), imm32(m[2] ?? '0'));
  if ((m = /^subprog\[(.+)\]$/.exec(rhs))) {
    const out = two(4, 0, 0);
    const imm = target(ctx, (m[1] as string).trim(), 'imm');
    out[0] = insn(0x18, reg(k, d, 'r'), 4, 0, imm);
    return out;
  }
  m = RE_IMM64.exec(rhs);
  if (m === null) return undefined;
  const isHex = /0x/i.test(m[1] as string);
  const wantLd = code === 0x18 || (code === undefined && (isHex || m[2] !== undefined));
  if (!wantLd) return undefined;
  const v = num(m[1] as string);
  if (v < -(1n << 63n) || v > (1n << 64n) - 1n)
    throw new AsmError(`immediate '${m[1]}' does not fit in 64 bits`);
  const u = BigInt.asUintN(64, v);
  return two(0, Number(BigInt.asIntN(32, u)), Number(BigInt.asIntN(32, u >> 32n)));
}

/** `call bpf_name#N`, `call unknown#N`, `call kernel-function#N`, `call pc+N`, `call LABEL`. */
function parseCall(arg: string, ctx: LineCtx): Insn {
  let m: RegExpExecArray | null;
  if ((m = /^([\w-]+)#(-?\d+)$/.exec(arg))) {
    const id = imm32(m[2] as string);
    if (m[1] === 'kernel-function') return insn(0x85, 0, 2, 0, id);
    return insn(0x85, 0, 0, 0, id);
  }
  if ((m = /^pc\s*([+-]\s*\d+)$/.exec(arg)) || (m = /^([+-]\d+)$/.exec(arg)))
    return insn(0x85, 0, 1, 0, target(ctx, m[1] as string, 'imm'));
  if (/^-?\d+$/.test(arg)) return insn(0x85, 0, 0, 0, imm32(arg));
  const id = helperId(arg);
  if (id !== undefined) return insn(0x85, 0, 0, 0, id);
  if (/^[A-Za-z_.$][\w.$]*$/.test(arg)) return insn(0x85, 0, 1, 0, target(ctx, arg, 'imm'));
  throw new AsmError(`invalid call target '${arg}'`);
}

/** Removes `;` and `//` comments (the verifier's `; R1=...` state annotations included). */
function stripComment(line: string): string {
  const a = line.indexOf(';');
  const b = line.indexOf('//');
  const cut = Math.min(a < 0 ? line.length : a, b < 0 ? line.length : b);
  return line.slice(0, cut);
}

/**
 * Assembles kernel-syntax text (see the file comment). Never throws: malformed input gives
 * `{ ok: false, error, line }` naming the problem.
 */
export function assembleKernel(text: string): KernelAsmResult {
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const fix: Fixup[] = [];
  let lineNo = 0;
  try {
    for (const raw of text.split(/\r?\n/)) {
      lineNo++;
      let t = stripComment(raw).trim();
      let m: RegExpExecArray | null;
      while ((m = /^([A-Za-z_.$][\w.$]*):\s*/.exec(t))) {
        const name = m[1] as string;
        if (labels.has(name)) throw new AsmError(`duplicate label '${name}'`);
        labels.set(name, out.length);
        t = t.slice(m[0].length);
      }
      t = t.replace(/^\d+:\s*/, '');
      if (t === '') continue;
      let code: number | undefined;
      let codeText = '';
      if ((m = /^\(([0-9a-fA-F]{2})\)\s*/.exec(t))) {
        codeText = m[1] as string;
        code = Number.parseInt(codeText, 16);
        t = t.slice(m[0].length);
      }
      const ctx: LineCtx = { pc: out.length, fix, line: lineNo };
      const slots = parse(t, ctx, code);
      const first = slots[0] as Insn;
      if (code !== undefined && first.code !== code)
        throw new AsmError(
          `opcode (${codeText}) does not match '${t}' (encodes as ${first.code.toString(16).padStart(2, '0')})`,
        );
      out.push(...slots);
    }
    for (const f of fix) {
      lineNo = f.line;
      const at = labels.get(f.label);
      if (at === undefined) throw new AsmError(`unknown label '${f.label}'`);
      const rel = at - f.slot - 1;
      const x = out[f.slot] as Insn;
      if (f.field === 'off') {
        if (rel < -0x8000 || rel > 0x7fff) throw new AsmError(`jump to '${f.label}' does not fit in 16 bits`);
        out[f.slot] = insn(x.code, x.dst, x.src, rel, x.imm);
      } else {
        out[f.slot] = insn(x.code, x.dst, x.src, x.off, rel);
      }
    }
  } catch (e) {
    if (e instanceof AsmError) return { ok: false, error: e.message, line: lineNo };
    throw e;
  }
  return { ok: true, insns: out };
}
