/**
 * @fileoverview The seccomp-tools disassembler (`seccomp-tools disasm`): one line per
 * instruction, ` 0001: 0x15 0x00 0x05 0xc000003e  if (A != ARCH_X86_64) goto 0007`, with a
 * forward data-flow pass that knows when A holds `sys_number` or `arch` (to print syscall and
 * architecture names) and when the syscall number is known on every path (to print argument
 * names). Follows seccomp-tools lib/seccomp-tools/disasm/{disasm,context}.rb and
 * instruction/*.rb; the instruction set is include/uapi/linux/filter.h.
 */
import { AUDIT_ARCH, SECCOMP_RET } from '../uapi.js';
import type { SockFilter } from './filter.js';
import { auditArchName, type SyscallNames, toolArchName } from './names.js';

/** Options of `disasmSeccompTools`. */
export interface DisasmOptions {
  /** AUDIT_ARCH value the filter is read for (default x86_64). */
  arch?: number;
  /** Syscall names; without it numbers are printed in hex. */
  names?: SyscallNames;
  /** Print the header and the raw `CODE JT JF K` columns (default true). */
  showCode?: boolean;
  /** Name syscall arguments when the syscall is known (default true; needs `names.args`). */
  argInfer?: boolean;
  /** Cap on distinct contexts tracked per instruction (default 1024). */
  maxContexts?: number;
}

/** A value as the analysis sees it (seccomp-tools Disasm::Context::Value). */
interface Value {
  rel: 'imm' | 'immi' | 'data' | 'mem';
  val: number | undefined;
}

/** Registers, scratch memory and the `seccomp_data` words known by equality tests. */
interface Ctx {
  a: Value;
  x: Value;
  mem: Value[];
  known: Map<number, number>;
}

const vkey = (v: Value) => `${v.rel}:${v.val ?? ''}`;
const ckey = (c: Ctx) =>
  `${vkey(c.a)}|${vkey(c.x)}|${c.mem.map(vkey).join(',')}|${[...c.known].map(([k, v]) => `${k}=${v}`).join(',')}`;
const dup = (c: Ctx): Ctx => ({ a: c.a, x: c.x, mem: [...c.mem], known: new Map(c.known) });

function initialCtx(): Ctx {
  return {
    a: { rel: 'imm', val: undefined },
    x: { rel: 'imm', val: undefined },
    mem: Array.from({ length: 16 }, (_, i): Value => ({ rel: 'mem', val: i })),
    known: new Map(),
  };
}

/** An instruction seccomp-tools cannot disassemble (`Line N is invalid: ...`). */
export class DisasmError extends Error {
  constructor(
    readonly pc: number,
    reason: string,
  ) {
    super(`Line ${pc} is invalid: ${reason}`);
    this.name = 'DisasmError';
  }
}

const ALU_SYM: Readonly<Record<number, string>> = {
  0: '+',
  16: '-',
  32: '*',
  48: '/',
  64: '|',
  80: '&',
  96: '<<',
  112: '>>',
  160: '^',
};
const JMP_SYM: Readonly<Record<number, string>> = { 16: '==', 32: '>', 48: '>=', 64: '&' };
const NEGATED: Readonly<Record<string, string>> = { '>=': '<', '>': '<=', '==': '!=' };

/** Load source of LD/LDX: `{rel, val}` as seccomp-tools' load_val, or an error for IND/MSH. */
function loadVal(insn: SockFilter, pc: number): Value {
  const mode = insn.code & 0xe0;
  switch (mode) {
    case 0x00:
      return { rel: 'immi', val: insn.k };
    case 0x80:
      return { rel: 'immi', val: 64 };
    case 0x60:
      return { rel: 'mem', val: insn.k };
    case 0x20:
      return { rel: 'data', val: insn.k };
    default:
      throw new DisasmError(pc, 'unknown');
  }
}

/** The contexts after `insn` (seccomp-tools Instruction::*#branch). */
function branch(insn: SockFilter, pc: number, ctx: Ctx): Array<[number, Ctx]> {
  const cls = insn.code & 0x07;
  switch (cls) {
    case 0x00:
    case 0x01: {
      const c = dup(ctx);
      const v = loadVal(insn, pc);
      const value = v.rel === 'mem' ? (c.mem[v.val as number] ?? v) : v;
      if (cls === 0x00) c.a = value;
      else c.x = value;
      return [[pc + 1, c]];
    }
    case 0x02:
    case 0x03: {
      const c = dup(ctx);
      if (insn.k < 16) c.mem[insn.k] = cls === 0x02 ? c.a : c.x;
      return [[pc + 1, c]];
    }
    case 0x04:
      return [[pc + 1, { ...dup(ctx), a: { rel: 'imm', val: undefined } }]];
    case 0x05: {
      const op = insn.code & 0x70;
      if (op === 0x00) return [[pc + 1 + insn.k, ctx]];
      if (insn.jt === insn.jf) return [[pc + 1 + insn.jt, ctx]];
      if (op === 0x10)
        return [
          [pc + 1 + insn.jt, eql(dup(ctx), insn)],
          [pc + 1 + insn.jf, ctx],
        ];
      return [
        [pc + 1 + insn.jt, ctx],
        [pc + 1 + insn.jf, ctx],
      ];
    }
    case 0x06:
      return [];
    default: {
      const c = dup(ctx);
      if ((insn.code & 0xf8) === 0x80) c.a = c.x;
      else c.x = c.a;
      return [[pc + 1, c]];
    }
  }
}

/** seccomp-tools Context#eql!: after `A == src` holds, remember what data word A came from. */
function eql(c: Ctx, insn: SockFilter): Ctx {
  if (c.a.rel !== 'data') return c;
  const at = c.a.val as number;
  if ((insn.code & 0x08) === 0) c.known.set(at, insn.k);
  else if (c.x.rel === 'data') {
    const v = c.known.get(c.x.val as number);
    if (v === undefined) c.known.delete(at);
    else c.known.set(at, v);
  }
  return c;
}

function uniq<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const m = new Map<string, T>();
  for (const x of xs) if (!m.has(key(x))) m.set(key(x), x);
  return [...m.values()];
}

class Decompiler {
  constructor(
    readonly arch: number,
    readonly names: SyscallNames | undefined,
    readonly argInfer: boolean,
  ) {}

  syscallName(arch: number, nr: number): string | undefined {
    return this.names?.name(arch, nr);
  }

  argNames(sys: string): readonly string[] | undefined {
    return this.names?.args?.(sys) ?? (sys.startsWith('x32_') ? this.names?.args?.(sys.slice(4)) : undefined);
  }

  dataStr(k: number, ctxs: readonly Ctx[]): string {
    if (k === 0) return 'sys_number';
    if (k === 4) return 'arch';
    if (k === 8) return 'instruction_pointer';
    if (k === 12) return 'instruction_pointer >> 32';
    if (k < 16 || k > 60 || k % 4 !== 0) return 'INVALID';
    const idx = (k - 16) / 4;
    const half = idx % 2 === 0 ? '' : ' >> 32';
    const plain = `args[${Math.floor(idx / 2)}]${half}`;
    if (!this.argInfer) return plain;
    const nrs = uniq(
      ctxs.map((c) => c.known.get(0)),
      (v) => String(v),
    );
    if (nrs.length !== 1 || nrs[0] === undefined) return plain;
    const sys = this.syscallName(this.arch, nrs[0]);
    if (sys === undefined) return plain;
    const args = this.argNames(sys);
    const name = args?.[Math.floor(idx / 2)];
    if (args === undefined || name === undefined) return plain;
    return `${name}${half} # ${sys}(${args.join(', ')})`;
  }

  /** The operand of a comparison (seccomp-tools JMP#src_str). */
  cmpOperand(insn: SockFilter, op: string, ctxs: readonly Ctx[]): string {
    if (insn.code & 0x08) return 'X';
    const as = uniq(
      ctxs.map((c) => c.a),
      vkey,
    );
    const k = insn.k;
    const a = as[0];
    if (as.length !== 1 || a === undefined || a.rel !== 'data') return String(k);
    const hex = `0x${k.toString(16)}`;
    if (a.val === 0) return op === '==' ? (this.sysnameByK(k, ctxs) ?? hex) : hex;
    if (a.val === 4) return auditArchName(k) ?? hex;
    return hex;
  }

  sysnameByK(k: number, ctxs: readonly Ctx[]): string | undefined {
    const arches = uniq(
      ctxs.map((c) => c.known.get(4)),
      (v) => String(v),
    );
    const inferred =
      arches.length === 1 && arches[0] !== undefined && auditArchName(arches[0]) ? arches[0] : undefined;
    const arch = inferred ?? this.arch;
    const name = this.syscallName(arch, k);
    if (name === undefined) return undefined;
    return arch === this.arch ? name : `${toolArchName(arch)}.${name}`;
  }

  decompile(insn: SockFilter, pc: number, ctxs: readonly Ctx[]): string {
    const { code, jt, jf, k } = insn;
    const goto = (off: number) => `goto ${String(pc + off + 1).padStart(4, '0')}`;
    switch (code & 0x07) {
      case 0x00:
      case 0x01: {
        const reg = (code & 0x07) === 0 ? 'A' : 'X';
        const v = loadVal(insn, pc);
        if (v.rel === 'immi') return `${reg} = ${v.val}`;
        if (v.rel === 'mem') return `${reg} = mem[${v.val}]`;
        return `${reg} = ${this.dataStr(k, ctxs)}`;
      }
      case 0x02:
        return `mem[${k}] = A`;
      case 0x03:
        return `mem[${k}] = X`;
      case 0x04: {
        const op = code & 0xf0;
        if (op === 0x80) return 'A = -A';
        const sym = ALU_SYM[op];
        if (sym === undefined) throw new DisasmError(pc, 'unknown op');
        const src = code & 0x08 ? 'X' : op === 0x60 || op === 0x70 ? String(k) : `0x${k.toString(16)}`;
        return `A ${sym}= ${src}`;
      }
      case 0x05: {
        const op = code & 0x70;
        if (op === 0x00) return goto(k);
        const sym = JMP_SYM[op];
        if (sym === undefined) throw new DisasmError(pc, 'unknown jmp type');
        if (jt === 0 && jf === 0) return '/* no-op */';
        if (jt === jf) return goto(jt);
        const src = this.cmpOperand(insn, sym, ctxs);
        if (jt === 0) {
          if (sym === '&') return `if (!(A & ${src})) ${goto(jf)}`;
          return `if (A ${NEGATED[sym]} ${src}) ${goto(jf)}`;
        }
        return `if (A ${sym} ${src}) ${goto(jt)}${jf === 0 ? '' : ` else ${goto(jf)}`}`;
      }
      case 0x06:
        return `return ${(code & 0x18) === 0x10 ? 'A' : retName(k)}`;
      default: {
        const op = code & 0xf8;
        if (op === 0x00) return 'X = A';
        if (op === 0x80) return 'A = X';
        throw new DisasmError(pc, 'MISC operation only supports txa/tax');
      }
    }
  }
}

/** seccomp-tools' name of a RET K value: `KILL` for 0, `ERRNO(n)`, others by name, unknown empty. */
function retName(k: number): string {
  const action = (k & 0xffff0000) >>> 0;
  if (action === SECCOMP_RET.ERRNO) return `ERRNO(${k & 0xffff})`;
  if (action === SECCOMP_RET.KILL_THREAD) return 'KILL';
  for (const name of ['KILL_PROCESS', 'TRAP', 'USER_NOTIF', 'LOG', 'TRACE', 'ALLOW'] as const)
    if (SECCOMP_RET[name] === action) return name;
  return '';
}

/** The header seccomp-tools prints above the listing. */
export const SECCOMP_TOOLS_HEADER = ' line  CODE  JT   JF      K\n=================================\n';

/**
 * Disassembles a filter the way `seccomp-tools disasm` does. Throws `DisasmError` for an
 * instruction seccomp-tools cannot show (IND/MSH loads, MOD, unknown jumps or MISC ops).
 */
export function disasmSeccompTools(filter: readonly SockFilter[], opts: DisasmOptions = {}): string {
  const d = new Decompiler(opts.arch ?? AUDIT_ARCH.X86_64, opts.names, opts.argInfer ?? true);
  const showCode = opts.showCode ?? true;
  const max = opts.maxContexts ?? 1024;
  const contexts: Array<Map<string, Ctx>> = filter.map(() => new Map());
  contexts[0]?.set(ckey(initialCtx()), initialCtx());
  const lines: string[] = [];
  filter.forEach((insn, pc) => {
    const ctxs = [...(contexts[pc] as Map<string, Ctx>).values()];
    for (const ctx of ctxs)
      for (const [to, c] of branch(insn, pc, ctx)) {
        const target = contexts[to];
        if (target === undefined || target.size >= max) continue;
        target.set(ckey(c), c);
      }
    const text = d.decompile(insn, pc, ctxs);
    const line = String(pc).padStart(4, '0');
    lines.push(
      showCode
        ? ` ${line}: 0x${hex(insn.code, 2)} 0x${hex(insn.jt, 2)} 0x${hex(insn.jf, 2)} 0x${hex(insn.k, 8)}  ${text}`
        : `${line}: ${text}`,
    );
  });
  const body = `${lines.join('\n')}\n`;
  return showCode ? SECCOMP_TOOLS_HEADER + body : body;
}

function hex(v: number, width: number): string {
  return (v >>> 0).toString(16).padStart(width, '0');
}
