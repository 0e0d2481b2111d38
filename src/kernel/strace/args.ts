/**
 * @fileoverview Parser of strace's argument syntax into the typed tree of trace.ts.
 *
 * Models the printers of strace (`src/util.c` string_quote/printstr, `src/print_fields.h`
 * PRINT_FIELD_*, `src/xlat.c` printflags/printxval, `src/signal.c` sprintsigmask): C-like values,
 * `name=value` fields, `A|B|0x10` flag sets, `[CHLD USR1]` signal sets, `"..."...` truncated
 * strings, `3</path>` decorated fds, `/* comments *\/`, `before => after`. Anything else strace
 * prints (`8192*1024`, `WIFEXITED(s) && WEXITSTATUS(s) == 0`, termios words) becomes an `expr`
 * with its text, so real output always parses; unbalanced quotes/brackets are errors.
 */
import { StraceSyntaxError } from './errors.js';
import type { ArrayArg, StraceArg, StringArg, StructArg } from './trace.js';

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const LABEL = /([A-Za-z_][A-Za-z0-9_.]*)=(?![=>])/y;
const NUMBER = /-?(?:0[xX][0-9a-fA-F]+|[0-9]+)(?![A-Za-z0-9_.])/y;
const ARITH = /^(-?(?:0x[0-9a-f]+|[0-9]+))\s*(\*|<<)\s*(-?(?:0x[0-9a-f]+|[0-9]+))$/i;

/** Ends of a list: the closing character, or -1 for the end of the text. */
type Closer = 0x29 | 0x7d | 0x5d | -1;

/** strace itself prints at most a few levels; deeper input is garbage (and would overflow the stack). */
const MAX_DEPTH = 64;
const SP = 0x20;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses a C integer literal as strace prints it (decimal, `0x` hex, `0` octal, optional `-`);
 * throws StraceSyntaxError for a bad octal literal like `09`.
 */
export function parseIntLiteral(text: string): { value: bigint; base: 8 | 10 | 16 } {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  let base: 8 | 10 | 16 = 10;
  let value: bigint;
  if (body.length > 2 && (body[1] === 'x' || body[1] === 'X')) {
    base = 16;
    value = BigInt(body);
  } else if (body.length > 1 && body[0] === '0') {
    if (/[89]/.test(body)) throw new StraceSyntaxError(`bad octal number ${text}`);
    base = 8;
    value = BigInt(`0o${body.slice(1)}`);
  } else value = BigInt(body);
  return { value: neg ? -value : value, base };
}

/** A cursor over one line's argument text. */
class Scanner {
  i: number;
  private depth = 0;
  constructor(
    readonly s: string,
    start: number,
  ) {
    this.i = start;
  }

  skipWs(): void {
    const s = this.s;
    while (this.i < s.length && (s.charCodeAt(this.i) === SP || s.charCodeAt(this.i) === 9)) this.i++;
  }

  /** Items up to `close` (consumed); arrays also accept space-separated items (signal sets). */
  list(close: Closer, what: 'args' | 'struct' | 'array'): { items: StraceArg[]; truncated: boolean } {
    if (++this.depth > MAX_DEPTH) throw new StraceSyntaxError(`nesting deeper than ${MAX_DEPTH}`);
    try {
      return this.listItems(close, what);
    } finally {
      this.depth--;
    }
  }

  private listItems(
    close: Closer,
    what: 'args' | 'struct' | 'array',
  ): { items: StraceArg[]; truncated: boolean } {
    const items: StraceArg[] = [];
    let truncated = false;
    const s = this.s;
    this.skipWs();
    if (this.i < s.length && s.charCodeAt(this.i) === close) {
      this.i++;
      return { items, truncated };
    }
    for (;;) {
      this.skipWs();
      if (this.i >= s.length) {
        if (close === -1) return { items, truncated };
        throw new StraceSyntaxError(`missing '${String.fromCharCode(close)}'`);
      }
      if (s.startsWith('...', this.i)) {
        this.i += 3;
        if (what === 'args') items.push({ kind: 'expr', text: '...' });
        else truncated = true;
        this.skipComment(items);
      } else {
        items.push(this.item(close, what === 'array'));
      }
      this.skipWs();
      if (this.i >= s.length) {
        if (close === -1) return { items, truncated };
        throw new StraceSyntaxError(`missing '${String.fromCharCode(close)}'`);
      }
      const c = s.charCodeAt(this.i);
      if (c === close) {
        this.i++;
        return { items, truncated };
      }
      if (c === COMMA) {
        this.i++;
        continue;
      }
      if (what === 'array' && s.charCodeAt(this.i - 1) === SP) continue;
      throw new StraceSyntaxError(`unexpected '${s[this.i]}' at column ${this.i + 1}`);
    }
  }

  /** A trailing `/* ... *\/` after `...`: attached to nothing, skipped. */
  private skipComment(items: StraceArg[]): void {
    this.skipWs();
    if (this.s.startsWith('/*', this.i)) {
      const text = this.comment();
      const last = items[items.length - 1];
      if (last !== undefined && last.kind === 'expr' && last.text === '...') {
        items[items.length - 1] = { ...last, comment: text };
      }
    }
  }

  private comment(): string {
    const end = this.s.indexOf('*/', this.i + 2);
    if (end < 0) throw new StraceSyntaxError('unterminated comment');
    const text = this.s.slice(this.i + 2, end).trim();
    this.i = end + 2;
    return text;
  }

  /** One list item: optional `label=`, then a value. */
  private item(close: Closer, inArray: boolean): StraceArg {
    LABEL.lastIndex = this.i;
    const m = LABEL.exec(this.s);
    let label: string | undefined;
    if (m) {
      label = m[1];
      this.i = LABEL.lastIndex;
    }
    const v = this.value(close, inArray);
    // v is a fresh node of this scanner: set the label in place (no copy per field).
    if (label !== undefined) (v as { label?: string }).label = label;
    return v;
  }

  /** A value: a term, then `|` terms, a comment, or `=> after`; anything else is a raw `expr`. */
  private value(close: Closer, inArray: boolean): StraceArg {
    const s = this.s;
    const start = this.i;
    let v = this.term();
    if (v === undefined) return this.raw(start, close);
    for (;;) {
      const beforeWs = this.i;
      this.skipWs();
      if (this.i >= s.length) return v;
      const c = s.charCodeAt(this.i);
      if (c === COMMA || c === close) return v;
      if (c === 0x7c /* | */ && s.charCodeAt(this.i + 1) !== 0x7c) {
        const flags = this.flags(v);
        if (flags === undefined) return this.raw(start, close);
        v = flags;
        continue;
      }
      if (c === 0x2f /* / */ && s.charCodeAt(this.i + 1) === 0x2a) {
        const comment = this.comment();
        (v as { comment?: string }).comment = v.comment === undefined ? comment : `${v.comment} ${comment}`;
        continue;
      }
      if (c === 0x3d /* = */ && s.charCodeAt(this.i + 1) === 0x3e) {
        this.i += 2;
        this.skipWs();
        const after = this.value(close, inArray);
        return { kind: 'changed', before: v, after };
      }
      if (inArray && this.i > beforeWs && startsTerm(c)) {
        this.i = beforeWs;
        return v;
      }
      return this.raw(start, close);
    }
  }

  /** Continues `first` as a flag set `A|B|0x10`; `undefined` when a term is not a name or number. */
  private flags(first: StraceArg): StraceArg | undefined {
    const names: string[] = [];
    let remainder = 0n;
    const add = (t: StraceArg): boolean => {
      if (t.kind === 'const') names.push(t.name);
      else if (t.kind === 'int' && t.decoration === undefined) remainder |= t.value;
      else if (t.kind === 'flags') {
        names.push(...t.names);
        remainder |= t.remainder;
      } else return false;
      return true;
    };
    if (!add(first)) return undefined;
    const s = this.s;
    while (s.charCodeAt(this.i) === 0x7c && s.charCodeAt(this.i + 1) !== 0x7c) {
      this.i++;
      this.skipWs();
      const t = this.term();
      if (t === undefined || !add(t)) return undefined;
      this.skipWs();
    }
    return first.comment === undefined
      ? { kind: 'flags', names, remainder }
      : { kind: 'flags', names, remainder, comment: first.comment };
  }

  /** A single term, or `undefined` when the text does not start one. */
  private term(): StraceArg | undefined {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === QUOTE) return this.string();
    if (c === 0x7b /* { */) {
      this.i++;
      const { items, truncated } = this.list(0x7d, 'struct');
      const st: StructArg = { kind: 'struct', fields: items, truncated };
      return st;
    }
    if (c === 0x5b /* [ */ || (c === 0x7e /* ~ */ && s.charCodeAt(this.i + 1) === 0x5b)) {
      const negated = c === 0x7e;
      this.i += negated ? 2 : 1;
      const { items, truncated } = this.list(0x5d, 'array');
      const arr: ArrayArg = { kind: 'array', items, truncated, negated };
      return arr;
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d /* - */) {
      NUMBER.lastIndex = this.i;
      const m = NUMBER.exec(s);
      if (!m) return undefined;
      this.i = NUMBER.lastIndex;
      const { value, base } = parseIntLiteral(m[0]);
      if (s.charCodeAt(this.i) === 0x3c /* < */ && s.charCodeAt(this.i + 1) !== 0x3c) {
        return { kind: 'int', value, base, decoration: this.decoration() };
      }
      return { kind: 'int', value, base };
    }
    IDENT.lastIndex = this.i;
    const m = IDENT.exec(s);
    if (!m) return undefined;
    const name = m[0];
    this.i = IDENT.lastIndex;
    if (s.charCodeAt(this.i) === 0x28 /* ( */) {
      this.i++;
      return { kind: 'call', name, args: this.list(0x29, 'args').items };
    }
    if (name === 'NULL') return { kind: 'null' };
    if (s.charCodeAt(this.i) === 0x3c /* < */ && s.charCodeAt(this.i + 1) !== 0x3c) {
      return { kind: 'const', name, decoration: this.decoration() };
    }
    return { kind: 'const', name };
  }

  /**
   * `<...>` after an fd or pid, with nested `<char 136:0>` and socket addresses `TCP:[a->b]` (whose
   * `>` is inside brackets); returns the inside text.
   */
  decoration(): string {
    const s = this.s;
    const start = this.i + 1;
    let depth = 0;
    let square = 0;
    for (let j = this.i; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x5b) square++;
      else if (c === 0x5d && square > 0) square--;
      else if (square > 0) continue;
      else if (c === 0x3c) depth++;
      else if (c === 0x3e && --depth === 0) {
        this.i = j + 1;
        return s.slice(start, j);
      }
    }
    throw new StraceSyntaxError('unterminated fd decoration <...>');
  }

  /** A quoted string with C escapes; `...` right after the quote marks truncation. */
  private string(): StringArg {
    const s = this.s;
    const out: number[] = [];
    let j = this.i + 1;
    for (;;) {
      if (j >= s.length) throw new StraceSyntaxError('unterminated string');
      const c = s.charCodeAt(j);
      if (c === QUOTE) break;
      if (c !== BACKSLASH) {
        if (c < 0x80) out.push(c);
        else {
          const cp = s.codePointAt(j) ?? c;
          for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) out.push(b);
          if (cp > 0xffff) j++;
        }
        j++;
        continue;
      }
      const e = s[j + 1];
      if (e === undefined) throw new StraceSyntaxError('unterminated string');
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        out.push(simple);
        j += 2;
      } else if (e >= '0' && e <= '7') {
        let k = j + 1;
        let v = 0;
        while (
          k < j + 4 &&
          k < s.length &&
          s[k] !== undefined &&
          (s[k] as string) >= '0' &&
          (s[k] as string) <= '7'
        ) {
          v = v * 8 + (s.charCodeAt(k) - 0x30);
          k++;
        }
        if (v > 255) throw new StraceSyntaxError(`bad octal escape \\${s.slice(j + 1, k)} in string`);
        out.push(v);
        j = k;
      } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(j + 2, j + 4))) {
        out.push(Number.parseInt(s.slice(j + 2, j + 4), 16));
        j += 4;
      } else throw new StraceSyntaxError(`bad escape \\${e} in string`);
    }
    this.i = j + 1;
    let truncated = false;
    if (s.startsWith('...', this.i)) {
      truncated = true;
      this.i += 3;
    }
    return { kind: 'string', bytes: Uint8Array.from(out), truncated };
  }

  /** Any other text up to the next `,` or `close` at bracket depth 0, as an `expr`. */
  private raw(start: number, close: Closer): StraceArg {
    const s = this.s;
    let depth = 0;
    let j = start;
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === QUOTE) {
        j++;
        while (j < s.length && s.charCodeAt(j) !== QUOTE) j += s.charCodeAt(j) === BACKSLASH ? 2 : 1;
        if (j >= s.length) throw new StraceSyntaxError('unterminated string');
      } else if (c === 0x28 || c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x29 || c === 0x5d || c === 0x7d) {
        if (depth === 0) {
          if (c === close) break;
          throw new StraceSyntaxError(`unbalanced '${s[j]}' at column ${j + 1}`);
        }
        depth--;
      } else if (c === COMMA && depth === 0) break;
    }
    if (depth > 0) throw new StraceSyntaxError('unbalanced brackets');
    this.i = j;
    const text = s.slice(start, j).trim();
    if (text === '') throw new StraceSyntaxError(`missing value at column ${start + 1}`);
    const m = ARITH.exec(text);
    if (m?.[1] !== undefined && m[3] !== undefined) {
      const a = parseIntLiteral(m[1]).value;
      const b = parseIntLiteral(m[3]).value;
      const value = m[2] === '*' ? a * b : b >= 0n && b < 64n ? a << b : undefined;
      if (value !== undefined) return { kind: 'expr', text, value };
    }
    return { kind: 'expr', text };
  }
}

const ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  v: 11,
  f: 12,
  a: 7,
  b: 8,
  e: 27,
  '"': 0x22,
  "'": 0x27,
  '\\': 0x5c,
  '?': 0x3f,
};

function startsTerm(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === QUOTE ||
    c === 0x7b ||
    c === 0x5b ||
    c === 0x7e
  );
}

/**
 * Parses a syscall argument list starting at `start` (just after the `(`). With `close` the list
 * must end with `)` (consumed); `end` is the index after it. Without, it runs to the end of the text
 * (the first half of an `<unfinished ...>` call). Throws StraceSyntaxError.
 */
export function parseArgList(
  text: string,
  start: number,
  close: boolean,
): { args: StraceArg[]; end: number } {
  const sc = new Scanner(text, start);
  const { items } = sc.list(close ? 0x29 : -1, 'args');
  return { args: items, end: sc.i };
}

/** Parses `<...>` at `start` (an fd decoration); returns its inside and the index after it. */
export function parseDecoration(text: string, start: number): { text: string; end: number } {
  const sc = new Scanner(text, start);
  const inside = sc.decoration();
  return { text: inside, end: sc.i };
}
