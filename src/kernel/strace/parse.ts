/**
 * @fileoverview Streaming parser of strace output into a replayable trace (trace.ts).
 *
 * Reads what strace (`src/strace.c`, `src/syscall.c`) writes with `-f`, `-ff -o`, `-t/-tt/-ttt/-r`,
 * `-T`, `-i`, `-n`, `-k`, `-y/-yy/-Y`, `-v`, `-x`, `-X verbose`: line by line, browser-safe (text in,
 * events out). Split calls (`<unfinished ...>` then `<... name resumed>`) become one event at the
 * position of the first half; `strace: Process N attached` spliced into the middle of a line (as
 * strace does on stderr) is cut out and the line rejoined.
 */
import { parseArgList } from './args.js';
import { StraceParseError, StraceSyntaxError } from './errors.js';
import { type Body, classifyBody, type Leader, parseCompletion, parseLeader } from './line.js';
import {
  type StraceEvent,
  type StraceIssue,
  type SyscallEvent,
  type SyscallResolver,
  unknownSyscallNumber,
} from './trace.js';

/** Options of the parser. */
export interface StraceParseOptions {
  /** Collect errors in `issues` and skip the bad line instead of throwing StraceParseError. */
  readonly lenient?: boolean;
  /** The pid of lines without one (the PID of a `-ff` file FILE.PID). */
  readonly pid?: number;
  /** Syscall name → number for the traced arch (`nr` stays unset for names it does not know). */
  readonly resolve?: SyscallResolver;
}

/** A parsed trace. */
export interface StraceTrace {
  readonly events: StraceEvent[];
  /** Problems found in lenient mode (always empty otherwise: the parser throws). */
  readonly issues: StraceIssue[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Draft = Mutable<StraceEvent>;
type SyscallDraft = Mutable<SyscallEvent>;

interface Pending {
  draft: SyscallDraft;
  /** Text of the first half's arguments (continued by the resumed half). */
  argsText: string;
}

const ATTACH_SPLICE = /strace: Process (\d+) (attached|detached)$/;

/**
 * Line-by-line strace parser: `push` each line, `end` at the end of input; both return the events
 * now complete, in trace order. Models the reader side of strace's output format.
 */
export class StraceParser {
  readonly issues: StraceIssue[] = [];
  private readonly queue: Draft[] = [];
  private head = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly alive = new Set<number>();
  private lineNo = 0;
  private seq = 0;
  private carry: { text: string; line: number } | undefined;
  /** The last syscall: `-k` frames (` > ...`) that follow belong to it, even after an exit line. */
  private last: Draft | undefined;
  private readonly joining: number[] = [];
  /** First halves of split calls still waiting for their `<... resumed>` line. */
  private readonly incomplete = new Set<Draft>();

  constructor(private readonly options: StraceParseOptions = {}) {}

  /** Feeds one line (without its newline) and returns the events completed so far. */
  push(rawLine: string): StraceEvent[] {
    this.lineNo++;
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    let lineNo = this.lineNo;
    if (this.carry !== undefined) {
      line = this.carry.text + line;
      lineNo = this.carry.line;
      this.carry = undefined;
    }
    this.process(line, lineNo);
    return this.drain();
  }

  /** Ends the input: calls still unfinished become events with `partial: 'unfinished'`. */
  end(): StraceEvent[] {
    if (this.carry !== undefined) {
      const { text, line } = this.carry;
      this.carry = undefined;
      this.process(text, line);
    }
    for (const p of this.pending.values()) this.abandon(p);
    this.pending.clear();
    this.last = undefined;
    return this.drain();
  }

  private process(line: string, lineNo: number): void {
    if (line.trim() === '') return;
    try {
      this.handle(line, lineNo);
    } catch (e) {
      if (!(e instanceof StraceSyntaxError)) throw e;
      this.report(lineNo, e.reason);
    }
  }

  private report(line: number, reason: string): void {
    const issue = new StraceParseError(line, reason);
    if (!this.options.lenient) throw issue;
    this.issues.push({ line, reason, message: issue.message });
  }

  private handle(line: string, lineNo: number): void {
    const attachAt = line.lastIndexOf('strace: Process ');
    if (attachAt > 0) {
      const m = ATTACH_SPLICE.exec(line.slice(attachAt));
      if (m?.[1] !== undefined) {
        this.enqueue({ type: m[2] === 'attached' ? 'attach' : 'detach' }, lineNo, {}, Number(m[1]));
        // The new task joins the live set after the cut line, whose pid is inferred without it.
        if (m[2] === 'attached') this.joining.push(Number(m[1]));
        this.carry = { text: line.slice(0, attachAt), line: lineNo };
        return;
      }
    }
    const leader = parseLeader(line);
    const body = classifyBody(line, leader.body);
    if (body.kind === 'stack') {
      if (this.last === undefined)
        throw new StraceSyntaxError('stack frame line without a preceding syscall');
      const stack = (this.last.stack ?? []) as string[];
      stack.push(body.frame);
      this.last.stack = stack;
      return;
    }
    const pid = this.pidOf(leader, body);
    for (const j of this.joining) this.alive.add(j);
    this.joining.length = 0;
    this.dispatch(line, lineNo, leader, body, pid);
  }

  private pidOf(leader: Leader, body: Body): number | undefined {
    if (leader.pid !== undefined) {
      this.alive.add(leader.pid);
      return leader.pid;
    }
    if (body.kind === 'attach' || body.kind === 'detach') return body.pid;
    if (this.options.pid !== undefined) return this.options.pid;
    if (this.alive.size === 1) return this.alive.values().next().value;
    return undefined;
  }

  private dispatch(line: string, lineNo: number, leader: Leader, body: Body, pid: number | undefined): void {
    switch (body.kind) {
      case 'call': {
        const c = parseCompletion(line, body.argsStart);
        const d = this.syscallDraft(body.name, pid, lineNo, leader);
        d.args = c.args;
        d.ret = c.ret;
        if (c.duration !== undefined) d.duration = c.duration;
        return;
      }
      case 'unfinished': {
        const key = pid ?? -1;
        const prev = this.pending.get(key);
        if (prev !== undefined) this.abandon(prev);
        const draft = this.syscallDraft(body.name, pid, lineNo, leader);
        this.incomplete.add(draft);
        this.pending.set(key, { draft, argsText: line.slice(body.argsStart, body.argsEnd) });
        return;
      }
      case 'resumed': {
        let key = pid ?? -1;
        let p = this.pending.get(key);
        if (
          (p === undefined || p.draft.name !== body.name) &&
          this.pending.get(-1)?.draft.name === body.name
        ) {
          // The first half was printed without a pid while several tasks were alive.
          key = -1;
          p = this.pending.get(-1);
          if (p !== undefined && pid !== undefined) p.draft.pid = pid;
        }
        const seq = this.seq++;
        if (p === undefined || p.draft.name !== body.name) {
          let start = body.argsStart;
          while (line[start] === ' ' || line[start] === ',') start++;
          const c = parseCompletion(line, start);
          const d = this.syscallDraft(body.name, pid, lineNo, leader);
          d.args = c.args;
          d.ret = c.ret;
          d.partial = 'resumed-only';
          if (c.duration !== undefined) d.duration = c.duration;
          return;
        }
        this.pending.delete(key);
        const rest = line.slice(body.argsStart);
        const joined = p.argsText + rest;
        const c = parseCompletion(joined, 0);
        const d = p.draft;
        d.args = c.args;
        d.ret = c.ret;
        if (c.duration !== undefined) d.duration = c.duration;
        d.resumed = leader.timestamp
          ? { line: lineNo, seq, timestamp: leader.timestamp }
          : { line: lineNo, seq };
        if (leader.ip !== undefined && d.ip === undefined) d.ip = leader.ip;
        this.incomplete.delete(d);
        this.last = d;
        return;
      }
      case 'signal':
        this.enqueue(
          body.info
            ? { type: 'signal', signal: body.signal, text: body.text, info: body.info }
            : { type: 'signal', signal: body.signal, text: body.text },
          lineNo,
          leader,
          pid,
        );
        return;
      case 'exit':
      case 'killed':
        if (pid !== undefined) {
          this.alive.delete(pid);
          const p = this.pending.get(pid);
          if (p !== undefined) {
            this.abandon(p);
            this.pending.delete(pid);
          }
        }
        this.enqueue(
          body.kind === 'exit'
            ? { type: 'exit', code: body.code }
            : { type: 'killed', signal: body.signal, coreDumped: body.coreDumped },
          lineNo,
          leader,
          pid,
        );
        return;
      case 'attach':
      case 'detach':
        if (body.kind === 'attach') this.alive.add(body.pid);
        else this.alive.delete(body.pid);
        this.enqueue({ type: body.kind }, lineNo, leader, body.pid);
        return;
      case 'note':
        this.enqueue({ type: 'note', text: body.text }, lineNo, leader, pid);
        return;
      case 'stack':
        return;
    }
  }

  private syscallDraft(name: string, pid: number | undefined, lineNo: number, leader: Leader): SyscallDraft {
    const nr = leader.nr ?? unknownSyscallNumber(name) ?? this.options.resolve?.(name);
    const d = this.enqueue({ type: 'syscall', name, args: [] }, lineNo, leader, pid) as SyscallDraft;
    this.last = d;
    if (nr !== undefined) d.nr = nr;
    return d;
  }

  /** A first half that never resumed: its arguments are what strace printed before the cut. */
  private abandon(p: Pending): void {
    const d = p.draft;
    const text = p.argsText.replace(/[\s,]+$/, '');
    try {
      d.args = text === '' ? [] : parseArgList(text, 0, false).args;
    } catch (e) {
      if (!(e instanceof StraceSyntaxError)) throw e;
      this.report(d.line, e.reason);
    }
    d.partial = 'unfinished';
    this.incomplete.delete(d);
  }

  private enqueue(
    fields: Record<string, unknown>,
    lineNo: number,
    leader: Partial<Leader>,
    pid: number | undefined = undefined,
  ): Draft {
    const d = fields;
    d.pid = pid;
    d.line = lineNo;
    d.seq = this.seq++;
    if (leader.timestamp !== undefined) d.timestamp = leader.timestamp;
    if (leader.ip !== undefined) d.ip = leader.ip;
    this.queue.push(d as Draft);
    return d as Draft;
  }

  private drain(): StraceEvent[] {
    const out: StraceEvent[] = [];
    const q = this.queue;
    while (this.head < q.length) {
      const d = q[this.head] as Draft;
      if (d === this.last || this.incomplete.has(d)) break;
      out.push(d as StraceEvent);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }
}

/** Parses a whole strace log (any line ending). Throws StraceParseError unless `lenient`. */
export function parseStrace(text: string, options: StraceParseOptions = {}): StraceTrace {
  const parser = new StraceParser(options);
  const events: StraceEvent[] = [];
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    for (const e of parser.push(text.slice(start, end))) events.push(e);
    start = end + 1;
  }
  for (const e of parser.end()) events.push(e);
  return { events, issues: parser.issues };
}
