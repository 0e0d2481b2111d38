/**
 * @fileoverview One line of strace output: the leader (pid, timestamp, `-i` ip, `-n` number) and
 * the classification of the body (syscall, halves of a split syscall, signal, exit, message).
 *
 * Models strace `src/strace.c` printleader / print_instruction_pointer and `src/syscall.c`
 * syscall_exiting_trace (`= ret ERRNO (text)`, `<unfinished ...>`, `<... name resumed>`, ` <0.000010>`).
 */
import { errnoNumber } from '../../uapi/errno.js';
import { parseArgList, parseDecoration, parseIntLiteral } from './args.js';
import { StraceSyntaxError } from './errors.js';
import type { StraceArg, StraceReturn, StraceTimestamp, StructArg } from './trace.js';

/** What precedes the body of a line. */
export interface Leader {
  pid?: number;
  timestamp?: StraceTimestamp;
  ip?: string;
  nr?: number;
  /** Index of the body in the line. */
  body: number;
}

const PID_BRACKET = /\[pid +(\d+)\] +/y;
const CLOCK = /(\d\d):(\d\d):(\d\d)(\.\d+)? +/y;
const SECONDS = / *(\d+\.\d+) +/y;
const IP = /\[([0-9a-fA-F]{8,16}|\?{8,16})\] +/y;
const NR = /\[ *(\d+)\] +/y;

/** Parses the leader of a line: `[pid N] ` or `N `, then `-t/-tt/-ttt/-r` time, then `-i`/`-n` brackets. */
export function parseLeader(line: string): Leader {
  const out: Leader = { body: 0 };
  let i = 0;
  let c = line.charCodeAt(0);
  let m: RegExpExecArray | null = null;
  if (c === 0x5b /* [ */ && line.startsWith('[pid', 0)) {
    PID_BRACKET.lastIndex = 0;
    m = PID_BRACKET.exec(line);
    if (m?.[1] !== undefined) {
      out.pid = Number(m[1]);
      i = m[0].length;
    }
  } else if (isDigit(c)) {
    // `1234 ` (-f -o): digits then spaces; digits then ':' or '.' are a timestamp instead.
    let j = 0;
    let pid = 0;
    while (isDigit(line.charCodeAt(j))) pid = pid * 10 + line.charCodeAt(j++) - 0x30;
    if (line.charCodeAt(j) === 0x20) {
      while (line.charCodeAt(j) === 0x20) j++;
      out.pid = pid;
      i = j;
    }
  }
  c = line.charCodeAt(i);
  if (isDigit(c) || c === 0x20) {
    CLOCK.lastIndex = i;
    m = isDigit(c) ? CLOCK.exec(line) : null;
    if (m) {
      const text = m[0].trim();
      const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + (m[4] ? Number(m[4]) : 0);
      out.timestamp = { kind: 'clock', seconds, text };
      i = CLOCK.lastIndex;
    } else {
      SECONDS.lastIndex = i;
      m = SECONDS.exec(line);
      if (m?.[1] !== undefined) {
        const seconds = Number(m[1]);
        out.timestamp = { kind: seconds >= 1e8 ? 'epoch' : 'relative', seconds, text: m[1] };
        i = SECONDS.lastIndex;
      }
    }
  }
  for (let k = 0; k < 2 && line.charCodeAt(i) === 0x5b; k++) {
    IP.lastIndex = i;
    m = IP.exec(line);
    if (m?.[1] !== undefined && out.ip === undefined) {
      out.ip = m[1].startsWith('?') ? '?' : m[1];
      i = IP.lastIndex;
      continue;
    }
    NR.lastIndex = i;
    m = NR.exec(line);
    if (m?.[1] !== undefined && out.nr === undefined) {
      out.nr = Number(m[1]);
      i = NR.lastIndex;
    }
  }
  out.body = i;
  return out;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The body of a line, classified. */
export type Body =
  | { kind: 'call'; name: string; argsStart: number }
  | { kind: 'unfinished'; name: string; argsStart: number; argsEnd: number }
  | { kind: 'resumed'; name: string; argsStart: number }
  | { kind: 'signal'; signal: string; text: string; info?: StructArg }
  | { kind: 'exit'; code: number }
  | { kind: 'killed'; signal: string; coreDumped: boolean }
  | { kind: 'attach' | 'detach'; pid: number }
  | { kind: 'note'; text: string }
  | { kind: 'stack'; frame: string };

const CALL = /([A-Za-z_][A-Za-z0-9_]*)\(/y;
const RESUMED = /<\.\.\. ([A-Za-z_][A-Za-z0-9_]*) resumed> ?/y;
const UNFINISHED = ' <unfinished ...>';
/** strace -p detaching from a task in the middle of a call. */
const DETACHED = ' <detached ...>';
const PROCESS = /^strace: Process (\d+) (attached|detached)/;
const EXITED = /^\+\+\+ exited with (\d+) \+\+\+$/;
const KILLED = /^\+\+\+ killed by (\S+)( \(core dumped\))? \+\+\+$/;
const SIGNAME = /\b(SIG[A-Z0-9_+-]*)/;

/** Classifies the body of a line starting at `start`. Throws StraceSyntaxError. */
export function classifyBody(line: string, start: number): Body {
  const c = line.charCodeAt(start);
  if (c === 0x3c /* < */) {
    RESUMED.lastIndex = start;
    const m = RESUMED.exec(line);
    if (!m?.[1]) throw new StraceSyntaxError("malformed '<... name resumed>'");
    return { kind: 'resumed', name: m[1], argsStart: RESUMED.lastIndex };
  }
  if (line.startsWith('---', start)) {
    const inner = line.slice(start + 3).trimEnd();
    if (!inner.endsWith('---') || inner.length < 4)
      throw new StraceSyntaxError("signal line without closing '---'");
    const text = inner.slice(0, -3).trim();
    const signal = SIGNAME.exec(text)?.[1] ?? text.split(' ')[0] ?? text;
    const brace = text.indexOf('{');
    if (brace >= 0) {
      const { args } = parseArgList(text, brace, false);
      const info = args[0];
      if (args.length === 1 && info?.kind === 'struct') return { kind: 'signal', signal, text, info };
    }
    return { kind: 'signal', signal, text };
  }
  if (line.startsWith('+++', start)) {
    const text = line.slice(start).trimEnd();
    const e = EXITED.exec(text);
    if (e?.[1] !== undefined) return { kind: 'exit', code: Number(e[1]) };
    const k = KILLED.exec(text);
    if (k?.[1] !== undefined) return { kind: 'killed', signal: k[1], coreDumped: k[2] !== undefined };
    if (!text.endsWith('+++') || text.length < 7)
      throw new StraceSyntaxError("exit line without closing '+++'");
    return { kind: 'note', text: text.slice(3, -3).trim() };
  }
  if (line.startsWith('strace: ', start)) {
    const text = line.slice(start).trimEnd();
    const p = PROCESS.exec(text);
    if (p?.[1] !== undefined) return { kind: p[2] === 'attached' ? 'attach' : 'detach', pid: Number(p[1]) };
    return { kind: 'note', text: text.slice(8) };
  }
  if (line.startsWith(' > ', start)) return { kind: 'stack', frame: line.slice(start + 3).trimEnd() };
  CALL.lastIndex = start;
  const m = CALL.exec(line);
  if (!m?.[1]) {
    const word = line.slice(start, start + 40).trim();
    throw new StraceSyntaxError(
      word === '' ? 'empty event' : `not a syscall, signal or exit line: '${word}'`,
    );
  }
  const trimmed = line.trimEnd();
  const cut = trimmed.endsWith(UNFINISHED.slice(1))
    ? UNFINISHED
    : trimmed.endsWith(DETACHED.slice(1))
      ? DETACHED
      : '';
  if (cut !== '') {
    let argsEnd = trimmed.length - cut.length + 1;
    while (argsEnd > CALL.lastIndex && line.charCodeAt(argsEnd - 1) === 0x20) argsEnd--;
    return { kind: 'unfinished', name: m[1], argsStart: CALL.lastIndex, argsEnd };
  }
  return { kind: 'call', name: m[1], argsStart: CALL.lastIndex };
}

/** Result of parsing `args) = ret ...` from `start`. */
export interface Completion {
  args: StraceArg[];
  ret: StraceReturn;
  duration?: number;
}

const RET_NUMBER = /-?(?:0[xX][0-9a-fA-F]+|[0-9]+)/y;
const ERRNO_NAME = /(E[A-Z0-9_]+) +/y;
const DURATION = /^<(\d+(?:\.\d+)?)>$/;

/** Parses the arguments from `start` up to the closing `)`, then the return part. */
export function parseCompletion(text: string, start: number): Completion {
  const { args, end } = parseArgList(text, start, true);
  const r = parseReturn(text, end);
  return r.duration === undefined ? { args, ret: r.ret } : { args, ret: r.ret, duration: r.duration };
}

/** Parses ` = ret [ERRNO (text)|(aux)] [<duration>]` from `start`. */
export function parseReturn(text: string, start: number): { ret: StraceReturn; duration?: number } {
  let i = start;
  while (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 9) i++;
  if (text.charCodeAt(i) !== 0x3d /* = */) {
    throw new StraceSyntaxError(
      i >= text.length ? "missing return value '= ...'" : `expected '=' at column ${i + 1}`,
    );
  }
  i++;
  while (text.charCodeAt(i) === 0x20) i++;
  const retStart = i;
  let value: bigint | undefined;
  let decoration: string | undefined;
  if (text.charCodeAt(i) === 0x3f /* ? */) i++;
  else {
    RET_NUMBER.lastIndex = i;
    const m = RET_NUMBER.exec(text);
    if (!m) throw new StraceSyntaxError(`bad return value at column ${i + 1}`);
    value = parseIntLiteral(m[0]).value;
    i = RET_NUMBER.lastIndex;
    if (
      text.charCodeAt(i) === 0x3c &&
      text.charCodeAt(i + 1) !== 0x3c &&
      !DURATION.test(text.slice(i).trimEnd())
    ) {
      const d = parseDecoration(text, i);
      decoration = d.text;
      i = d.end;
    }
  }
  const ret: { -readonly [K in keyof StraceReturn]: StraceReturn[K] } = {
    value,
    text: text.slice(retStart, i),
  };
  if (decoration !== undefined) ret.decoration = decoration;
  let duration: number | undefined;
  for (;;) {
    while (text.charCodeAt(i) === 0x20) i++;
    if (i >= text.length) break;
    const c = text.charCodeAt(i);
    ERRNO_NAME.lastIndex = i;
    const e = ret.errno === undefined && ret.aux === undefined ? ERRNO_NAME.exec(text) : null;
    if (e?.[1] !== undefined && text.charCodeAt(ERRNO_NAME.lastIndex) === 0x28) {
      ret.errno = e[1];
      const n = errnoNumber(e[1]);
      if (n !== undefined) ret.errnoNumber = n;
      const p = parens(text, ERRNO_NAME.lastIndex);
      ret.errnoText = p.text;
      i = p.end;
    } else if (c === 0x28 && ret.aux === undefined) {
      const p = parens(text, i);
      ret.aux = p.text;
      i = p.end;
    } else if (text.startsWith('<unavailable>', i) && ret.aux === undefined) {
      ret.aux = 'unavailable';
      i += 13;
    } else if (c === 0x3c) {
      const d = DURATION.exec(text.slice(i).trimEnd());
      if (d?.[1] === undefined) throw new StraceSyntaxError(`bad duration at column ${i + 1}`);
      duration = Number(d[1]);
      break;
    } else throw new StraceSyntaxError(`unexpected text after return value at column ${i + 1}`);
  }
  return duration === undefined ? { ret } : { ret, duration };
}

/** `( ... )` with nesting and quoted strings; returns the inside. */
function parens(text: string, start: number): { text: string; end: number } {
  let depth = 0;
  for (let j = start; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) {
      j++;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
    } else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return { text: text.slice(start + 1, j), end: j + 1 };
  }
  throw new StraceSyntaxError("unterminated '(' after return value");
}
