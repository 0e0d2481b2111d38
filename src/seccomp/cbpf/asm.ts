/**
 * @fileoverview The seccomp-tools assembler (`seccomp-tools asm`): text like
 * `A = sys_number`, `A == read ? ok : next`, `if (A & 0x10) goto deny else goto 2`,
 * `mem[0] = A`, `A += X`, `return ERRNO(1)` to classic BPF. Follows seccomp-tools
 * lib/seccomp-tools/asm/{scanner.rb,sasm.y,compiler.rb}: labels, forward jumps only, numeric
 * `goto N` meaning "skip N instructions", syscall and `ARCH_*` names as constants. The encoding
 * is include/uapi/linux/filter.h.
 */
import { AUDIT_ARCH, SECCOMP_RET } from '../uapi.js';
import { type SockFilter, sockFilter } from './filter.js';
import { auditArchValue, type SyscallNames, TOOL_ARCHES } from './names.js';

/** Options of `assemble`. */
export interface AsmOptions {
  /** AUDIT_ARCH value whose syscall names are constants (default x86_64). */
  arch?: number;
  names?: SyscallNames;
  /** Shown in error messages (default `<inline>`). */
  filename?: string;
}

/** A syntax or semantic error, with its position. `message` is one line: `file:line:col: msg`. */
export class AsmError extends Error {
  constructor(
    readonly filename: string,
    readonly line: number,
    readonly col: number,
    readonly reason: string,
  ) {
    super(`${filename}:${line}:${col}: ${reason}`);
    this.name = 'AsmError';
  }
}

interface Token {
  sym: string;
  str: string;
  line: number;
  col: number;
}

const KEYWORDS = /^(a|x|if|else|return|mem|args|args_h|data|len|sys_number|arch|instruction_pointer)\b/i;
const ACTIONS = /^(KILL_PROCESS|KILL_THREAD|KILL|TRAP|ERRNO|USER_NOTIF|LOG|TRACE|ALLOW)\b/;
const ACTION_VALUE: Readonly<Record<string, number>> = {
  KILL_PROCESS: SECCOMP_RET.KILL_PROCESS,
  KILL_THREAD: SECCOMP_RET.KILL_THREAD,
  KILL: SECCOMP_RET.KILL_THREAD,
  TRAP: SECCOMP_RET.TRAP,
  ERRNO: SECCOMP_RET.ERRNO,
  USER_NOTIF: SECCOMP_RET.USER_NOTIF,
  LOG: SECCOMP_RET.LOG,
  TRACE: SECCOMP_RET.TRACE,
  ALLOW: SECCOMP_RET.ALLOW,
};

/** Models seccomp-tools Asm::Scanner#scan. */
function scan(src: string, opts: Required<Pick<AsmOptions, 'arch' | 'filename'>> & AsmOptions): Token[] {
  const tokens: Token[] = [];
  let line = 0;
  let col = 0;
  let rest = src.replace(/\r\n?/g, '\n');
  const fail = (c: number, msg: string): never => {
    throw new AsmError(opts.filename, line + 1, c + 1, msg);
  };
  const push = (sym: string, str: string, c = col) => tokens.push({ sym, str, line, col: c });
  const eat = (n: number) => {
    col += n;
    rest = rest.slice(n);
  };
  let m: RegExpExecArray | null;
  while (rest.length > 0) {
    if ((m = /^\n+/.exec(rest))) {
      if (tokens.length > 0) push('NEWLINE', m[0]);
      line += m[0].length;
      col = 0;
      rest = rest.slice(m[0].length);
    } else if ((m = /^[^\S\n]+/.exec(rest)) || (m = /^#.*/.exec(rest))) {
      eat(m[0].length);
    } else if ((m = /^(\w+):/.exec(rest))) {
      push('SYMBOL', m[1] as string);
      eat(m[0].length);
    } else if ((m = /^(goto|jmp|jump)(\s+)(\w+)\b/i.exec(rest))) {
      push('GOTO', m[1] as string);
      push('GOTO_SYMBOL', m[3] as string, col + (m[1] as string).length + (m[2] as string).length);
      eat(m[0].length);
    } else if ((m = KEYWORDS.exec(rest))) {
      push(m[0].toUpperCase(), m[0]);
      eat(m[0].length);
    } else if ((m = ACTIONS.exec(rest))) {
      push('ACTION', m[0]);
      eat(m[0].length);
    } else if ((m = /^ARCH_\w+\b/i.exec(rest)) && auditArchValue(m[0]) !== undefined) {
      push('ARCH_VAL', m[0]);
      eat(m[0].length);
    } else if ((m = /^(\w+)\.(\w+)\b/.exec(rest)) && TOOL_ARCHES[m[1] as string] !== undefined) {
      push('SYSCALL', m[0]);
      eat(m[0].length);
    } else if ((m = /^[A-Za-z_]\w*\b/.exec(rest)) && opts.names?.number?.(opts.arch, m[0]) !== undefined) {
      push('SYSCALL', m[0]);
      eat(m[0].length);
    } else if ((m = /^-?0x[0-9a-f]+\b/.exec(rest))) {
      push('HEX_INT', m[0]);
      eat(m[0].length);
    } else if ((m = /^-?[0-9]+\b/.exec(rest))) {
      push('INT', m[0]);
      eat(m[0].length);
    } else if ((m = /^(\+|-|\*|\/|\||\^|<<|>>)/.exec(rest))) {
      push('ALU_OP', m[0]);
      eat(m[0].length);
    } else if ((m = /^(==|!=|>=|<=|>|<)/.exec(rest))) {
      push('COMPARE', m[0]);
      eat(m[0].length);
    } else if ((m = /^[()=[\]&!]/.exec(rest))) {
      push(m[0], m[0]);
      eat(1);
    } else if ((m = /^\?(\s*)(\w+)(\s*:\s*)(\w+)/.exec(rest))) {
      const jt = col + 1 + (m[1] as string).length;
      push('GOTO_SYMBOL', m[2] as string, jt);
      push('GOTO_SYMBOL', m[4] as string, jt + (m[2] as string).length + (m[3] as string).length);
      eat(m[0].length);
    } else {
      fail(col, `unknown token ${JSON.stringify(/^\S+/.exec(rest)?.[0] ?? rest)}`);
    }
  }
  return tokens;
}

/** An operand: a register, a constant, `mem[i]`, a `seccomp_data` offset, `len` or `-A`. */
type Scalar =
  | { kind: 'A' }
  | { kind: 'X' }
  | { kind: 'const'; v: number }
  | { kind: 'mem'; i: number }
  | { kind: 'data'; off: number }
  | { kind: 'len' }
  | { kind: 'neg' };

type Statement = { labels: Token[]; at: Token } & (
  | { type: 'alu'; op: string; val: Scalar }
  | { type: 'assign'; dst: Scalar; src: Scalar }
  | { type: 'if'; cmp: [string, Scalar] | undefined; jt: Token | 'next'; jf: Token | 'next' }
  | { type: 'ret'; val: Scalar }
);

/** Models seccomp-tools' sasm.y grammar, as a recursive-descent parser. */
class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly opts: Required<Pick<AsmOptions, 'arch' | 'filename'>> & AsmOptions,
  ) {}

  private peek(o = 0): Token | undefined {
    return this.toks[this.i + o];
  }
  private is(sym: string, o = 0): boolean {
    return this.peek(o)?.sym === sym;
  }
  private error(msg: string, t = this.peek() ?? this.toks[this.toks.length - 1]): never {
    throw new AsmError(this.opts.filename, (t?.line ?? 0) + 1, (t?.col ?? 0) + 1, msg);
  }
  private unexpected(): never {
    const t = this.peek();
    return this.error(t ? `unexpected string ${JSON.stringify(t.str)}` : 'unexpected end of input');
  }
  private take(sym: string): Token {
    const t = this.peek();
    if (t?.sym !== sym) this.unexpected();
    this.i++;
    return t as Token;
  }
  private newlines(): void {
    while (this.is('NEWLINE')) this.i++;
  }

  program(): Statement[] {
    const out: Statement[] = [];
    this.newlines();
    while (this.peek()) {
      out.push(this.statement());
      this.newlines();
    }
    return out;
  }

  private statement(): Statement {
    const labels: Token[] = [];
    while (this.is('SYMBOL')) {
      const t = this.take('SYMBOL');
      if (t.str === 'next') this.error("'next' is a reserved label", t);
      labels.push(t);
      this.newlines();
    }
    const at = this.peek() ?? this.unexpected();
    switch (at.sym) {
      case 'A': {
        const op = this.peek(1);
        if ((op?.sym === 'ALU_OP' || op?.sym === '&') && this.is('=', 2)) {
          this.i += 3;
          this.newlines();
          return { labels, at, type: 'alu', op: op.str, val: this.xConstexpr() };
        }
        if (op?.sym === '=') {
          this.i += 2;
          return { labels, at, type: 'assign', dst: { kind: 'A' }, src: this.aRval() };
        }
        if (op?.sym === 'COMPARE' || op?.sym === '&') {
          this.i += 2;
          const val = this.xConstexpr();
          const jt = this.take('GOTO_SYMBOL');
          const jf = this.take('GOTO_SYMBOL');
          return { labels, at, type: 'if', cmp: [op.str, val], jt, jf };
        }
        this.i++;
        return this.unexpected();
      }
      case 'X': {
        this.i++;
        this.take('=');
        let src: Scalar;
        if (this.is('MEM')) src = this.memory();
        else if (this.is('A')) {
          this.i++;
          src = { kind: 'A' };
        } else src = this.constexpr();
        return { labels, at, type: 'assign', dst: { kind: 'X' }, src };
      }
      case 'MEM': {
        const dst = this.memory();
        this.take('=');
        const r = this.peek();
        if (r?.sym !== 'A' && r?.sym !== 'X') return this.unexpected();
        this.i++;
        return { labels, at, type: 'assign', dst, src: { kind: r.sym } };
      }
      case 'IF':
        return this.conditional(labels, at);
      case 'GOTO': {
        this.i++;
        const t = this.take('GOTO_SYMBOL');
        return { labels, at, type: 'if', cmp: undefined, jt: t, jf: t };
      }
      case 'RETURN': {
        this.i++;
        return { labels, at, type: 'ret', val: this.retVal() };
      }
      default:
        return this.unexpected();
    }
  }

  private conditional(labels: Token[], at: Token): Statement {
    this.take('IF');
    this.take('(');
    this.newlines();
    const [op, val, parity] = this.comparison();
    this.newlines();
    this.take(')');
    this.newlines();
    this.take('GOTO');
    let jt: Token | 'next' = this.take('GOTO_SYMBOL');
    this.newlines();
    let jf: Token | 'next' = 'next';
    if (this.is('ELSE')) {
      this.i++;
      this.newlines();
      this.take('GOTO');
      jf = this.take('GOTO_SYMBOL');
    }
    if (parity % 2 === 1) [jt, jf] = [jf, jt];
    return { labels, at, type: 'if', cmp: [op, val], jt, jf };
  }

  private comparison(): [string, Scalar, number] {
    if (this.is('!')) {
      this.i++;
      this.take('(');
      const [op, val, parity] = this.comparison();
      this.take(')');
      return [op, val, parity + 1];
    }
    this.take('A');
    this.newlines();
    const op = this.peek();
    if (op?.sym !== 'COMPARE' && op?.sym !== '&') return this.unexpected();
    this.i++;
    this.newlines();
    return [op.str, this.xConstexpr(), 0];
  }

  private retVal(): Scalar {
    if (this.is('A')) {
      this.i++;
      return { kind: 'A' };
    }
    if (this.is('ACTION')) {
      const base = ACTION_VALUE[this.take('ACTION').str] as number;
      if (!this.is('(')) return { kind: 'const', v: base };
      this.i++;
      const data = this.constexpr().v;
      this.take(')');
      return { kind: 'const', v: (base | (data & 0xffff)) >>> 0 };
    }
    return this.constexpr();
  }

  private aRval(): Scalar {
    const t = this.peek();
    switch (t?.sym) {
      case 'X':
        this.i++;
        return { kind: 'X' };
      case 'MEM':
        return this.memory();
      case 'LEN':
        this.i++;
        return { kind: 'len' };
      case 'SYS_NUMBER':
        this.i++;
        return { kind: 'data', off: 0 };
      case 'ARCH':
        this.i++;
        return { kind: 'data', off: 4 };
      case 'DATA': {
        this.i++;
        this.take('[');
        const idx = this.constexpr().v;
        this.take(']');
        if (idx % 4 !== 0 || idx >= 64)
          this.error(`index of data[] must be a multiple of 4 and less than 64, got ${idx}`, t);
        return { kind: 'data', off: idx };
      }
      case 'ARGS':
      case 'ARGS_H':
      case 'INSTRUCTION_POINTER': {
        let off = this.argumentLong();
        if (this.is('ALU_OP') || this.is('&')) {
          const op = this.take(this.peek()?.sym as string);
          const n = this.take('INT');
          if (op.str !== '>>' || n.str !== '32')
            this.error("operator after an argument can only be '>> 32'", op);
          off += 4;
        }
        return { kind: 'data', off };
      }
      case 'ALU_OP': {
        this.i++;
        this.take('A');
        if (t.str !== '-') this.error('do you mean A = -A?', t);
        return { kind: 'neg' };
      }
      default:
        return this.constexpr();
    }
  }

  private argumentLong(): number {
    const t = this.peek() as Token;
    this.i++;
    if (t.sym === 'INSTRUCTION_POINTER') return 8;
    this.take('[');
    const idx = this.constexpr().v;
    this.take(']');
    if (idx > 5) this.error(`index of ${t.str}[] must between 0 and 5, got ${idx}`, t);
    return 16 + idx * 8 + (t.sym === 'ARGS_H' ? 4 : 0);
  }

  private memory(): Scalar {
    const t = this.take('MEM');
    this.take('[');
    const idx = this.constexpr().v;
    this.take(']');
    if (idx > 15) this.error(`index of mem[] must between 0 and 15, got ${idx}`, t);
    return { kind: 'mem', i: idx };
  }

  private xConstexpr(): Scalar {
    if (this.is('X')) {
      this.i++;
      return { kind: 'X' };
    }
    return this.constexpr();
  }

  private constexpr(): { kind: 'const'; v: number } {
    if (this.is('(')) {
      this.i++;
      const v = this.constexpr();
      this.take(')');
      return v;
    }
    const t = this.peek();
    let v: bigint;
    switch (t?.sym) {
      case 'INT':
        v = BigInt(t.str);
        break;
      case 'HEX_INT':
        v = t.str.startsWith('-') ? -BigInt(t.str.slice(1)) : BigInt(t.str);
        break;
      case 'ARCH_VAL':
        v = BigInt(auditArchValue(t.str) as number);
        break;
      case 'SYSCALL':
        v = BigInt(this.syscall(t));
        break;
      default:
        return this.unexpected();
    }
    this.i++;
    return { kind: 'const', v: Number(BigInt.asUintN(32, v)) };
  }

  private syscall(t: Token): number {
    const dot = t.str.indexOf('.');
    const arch = dot < 0 ? this.opts.arch : (TOOL_ARCHES[t.str.slice(0, dot)] as number);
    const name = dot < 0 ? t.str : t.str.slice(dot + 1);
    const nr = this.opts.names?.number?.(arch, name);
    if (nr === undefined) this.error(`syscall '${name}' doesn't exist on ${t.str.slice(0, dot)}`, t);
    return nr;
  }
}

/** Compiles parsed statements. Models seccomp-tools Asm::Compiler#compile!. */
function compile(statements: Statement[], filename: string): SockFilter[] {
  const labels = new Map<string, [Token, number]>();
  statements.forEach((s, idx) => {
    for (const l of s.labels) {
      const prev = labels.get(l.str);
      if (prev && prev[1] !== idx)
        throw new AsmError(
          filename,
          l.line + 1,
          l.col + 1,
          `duplicate label '${l.str}' (previously defined at line ${prev[0].line + 1})`,
        );
      labels.set(l.str, [l, idx]);
    }
  });
  const resolve = (idx: number, sym: Token | 'next'): number => {
    if (sym === 'next' || sym.str === 'next') return 0;
    const target = labels.get(sym.str);
    const err = (msg: string) => new AsmError(filename, sym.line + 1, sym.col + 1, msg);
    if (target === undefined) {
      if (String(Number(sym.str)) === sym.str) return Number(sym.str);
      throw err(`Cannot find label '${sym.str}'`);
    }
    if (target[1] <= idx) throw err(`Does not support backward jumping to '${sym.str}'`);
    return target[1] - idx - 1;
  };
  const ALU: Record<string, number> = {
    '+': 0x00,
    '-': 0x10,
    '*': 0x20,
    '/': 0x30,
    '|': 0x40,
    '&': 0x50,
    '<<': 0x60,
    '>>': 0x70,
    '^': 0xa0,
  };
  return statements.map((s, idx) => {
    switch (s.type) {
      case 'alu': {
        const op = ALU[s.op] as number;
        return s.val.kind === 'X'
          ? sockFilter(0x04 | op | 0x08, 0, 0, 0)
          : sockFilter(0x04 | op, 0, 0, constOf(s.val));
      }
      case 'assign':
        return emitAssign(s.dst, s.src);
      case 'ret':
        return s.val.kind === 'A' ? sockFilter(0x16, 0, 0, 0) : sockFilter(0x06, 0, 0, constOf(s.val));
      case 'if': {
        const jt0 = resolve(idx, s.jt);
        const jf0 = resolve(idx, s.jf);
        if (s.cmp === undefined || jt0 === jf0) return sockFilter(0x05, 0, 0, jt0);
        const [op, val] = s.cmp;
        const [jop, jt, jf] = (
          {
            '==': [0x10, jt0, jf0],
            '!=': [0x10, jf0, jt0],
            '>=': [0x30, jt0, jf0],
            '<=': [0x20, jf0, jt0],
            '>': [0x20, jt0, jf0],
            '<': [0x30, jf0, jt0],
            '&': [0x40, jt0, jf0],
          } as Record<string, [number, number, number]>
        )[op] as [number, number, number];
        if (jt > 255 || jf > 255) {
          const t = s.at;
          throw new AsmError(
            filename,
            t.line + 1,
            t.col + 1,
            `conditional jump of ${Math.max(jt, jf)} instructions does not fit in 8 bits`,
          );
        }
        return val.kind === 'X'
          ? sockFilter(0x05 | jop | 0x08, jt, jf, 0)
          : sockFilter(0x05 | jop, jt, jf, constOf(val));
      }
    }
    return sockFilter(0, 0, 0, 0);
  });
}

function constOf(s: Scalar): number {
  return s.kind === 'const' ? s.v : 0;
}

/** Models seccomp-tools Compiler#emit_assign / emit_ld. */
function emitAssign(dst: Scalar, src: Scalar): SockFilter {
  if (src.kind === 'neg') return sockFilter(0x84, 0, 0, 0);
  if (dst.kind === 'A' && src.kind === 'X') return sockFilter(0x87, 0, 0, 0);
  if (dst.kind === 'X' && src.kind === 'A') return sockFilter(0x07, 0, 0, 0);
  if (dst.kind === 'mem') return sockFilter(src.kind === 'X' ? 0x03 : 0x02, 0, 0, dst.i);
  const cls = dst.kind === 'X' ? 0x01 : 0x00;
  switch (src.kind) {
    case 'len':
      return sockFilter(cls | 0x80, 0, 0, 0);
    case 'const':
      return sockFilter(cls, 0, 0, src.v);
    case 'mem':
      return sockFilter(cls | 0x60, 0, 0, src.i);
    case 'data':
      return sockFilter(cls | 0x20, 0, 0, src.off);
    default:
      return sockFilter(cls, 0, 0, 0);
  }
}

/**
 * Assembles seccomp-tools assembly into instructions. Throws `AsmError` (one-line message with
 * file, line and column) for unknown tokens, syntax errors, unknown or backward labels.
 */
export function assemble(source: string, opts: AsmOptions = {}): SockFilter[] {
  const o = { ...opts, arch: opts.arch ?? AUDIT_ARCH.X86_64, filename: opts.filename ?? '<inline>' };
  const tokens = scan(source, o);
  return compile(new Parser(tokens, o).program(), o.filename);
}
