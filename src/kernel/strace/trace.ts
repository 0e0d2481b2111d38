/**
 * @fileoverview The replayable trace model built from `strace` output.
 *
 * Models what strace (strace.io, `src/strace.c` printleader, `src/syscall.c` syscall_exiting_trace,
 * `src/util.c` string_quote/printfd) prints: one event per syscall, signal, exit or attach, with the
 * arguments as a typed tree. A trace is a plain array of events: JSON-able except for bigints and
 * byte arrays, and independent of any architecture's syscall table (numbers come from a resolver).
 */

/** Fields every argument node may carry. */
interface ArgCommon {
  /** `name=` written before the value (struct fields, and clone()'s `flags=...` arguments). */
  readonly label?: string;
  /** A C comment written after the value: `/* 39 vars *\/`, or the decoding of `-X verbose`. */
  readonly comment?: string;
}

/**
 * An integer: decimal, `0x` hex or `0`-prefixed octal, possibly negative. strace prints untyped
 * pointers and addresses as hex integers, so those are `int` with `base: 16`.
 */
export interface IntArg extends ArgCommon {
  readonly kind: 'int';
  readonly value: bigint;
  readonly base: 8 | 10 | 16;
  /** `-y`/`-yy`/`-Y` decoration: `/etc/passwd` of `3</etc/passwd>`, `TCP:[127.0.0.1:9]`, a comm. */
  readonly decoration?: string;
}

/** A symbolic constant: `AT_FDCWD`, `SIG_BLOCK`, `R_OK`, `RLIM64_INFINITY`. */
export interface ConstArg extends ArgCommon {
  readonly kind: 'const';
  readonly name: string;
  /** `-yy` decoration of `AT_FDCWD</cwd>`. */
  readonly decoration?: string;
}

/** `NULL`. */
export interface NullArg extends ArgCommon {
  readonly kind: 'null';
}

/** A flag expression `O_RDONLY|O_CLOEXEC`, `S_IFREG|0644`: the names plus the OR of the numeric parts. */
export interface FlagsArg extends ArgCommon {
  readonly kind: 'flags';
  readonly names: readonly string[];
  /** OR of the numeric terms (`0644` of `S_IFREG|0644`); `0n` when there is none. */
  readonly remainder: bigint;
}

/** A quoted string, decoded to bytes; `truncated` when strace cut it (`"..."...`, `-s`). */
export interface StringArg extends ArgCommon {
  readonly kind: 'string';
  readonly bytes: Uint8Array;
  readonly truncated: boolean;
}

/** `{a=1, b=2, ...}`: fields carry their name in `label`; `truncated` when strace wrote `...`. */
export interface StructArg extends ArgCommon {
  readonly kind: 'struct';
  readonly fields: readonly StraceArg[];
  readonly truncated: boolean;
}

/** `[a, b]`, signal sets `[CHLD USR1]` and their complement `~[RT_1]` (`negated`). */
export interface ArrayArg extends ArgCommon {
  readonly kind: 'array';
  readonly items: readonly StraceArg[];
  readonly truncated: boolean;
  readonly negated: boolean;
}

/** A function-like decoding: `htons(9)`, `inet_addr("127.0.0.1")`, `makedev(0x88, 0)`. */
export interface CallArg extends ArgCommon {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly StraceArg[];
}

/** An in/out argument printed as `before => after` (clone3's `{...} => {parent_tid=[42]}`). */
export interface ChangedArg extends ArgCommon {
  readonly kind: 'changed';
  readonly before: StraceArg;
  readonly after: StraceArg;
}

/**
 * Any other expression strace prints (`8192*1024`, `WIFEXITED(s) && WEXITSTATUS(s) == 0`), as text;
 * `value` when it is arithmetic on numbers only.
 */
export interface ExprArg extends ArgCommon {
  readonly kind: 'expr';
  readonly text: string;
  readonly value?: bigint;
}

/** One argument (or struct field, array item) of a traced syscall. */
export type StraceArg =
  | IntArg
  | ConstArg
  | NullArg
  | FlagsArg
  | StringArg
  | StructArg
  | ArrayArg
  | CallArg
  | ChangedArg
  | ExprArg;

/** A timestamp: `-t`/`-tt` wall clock (seconds since midnight), `-ttt` epoch seconds, `-r` relative. */
export interface StraceTimestamp {
  readonly kind: 'clock' | 'epoch' | 'relative';
  readonly seconds: number;
  readonly text: string;
}

/** A syscall's result: `= 3`, `= -1 ENOENT (No such file or directory)`, `= ?`, `= 1 ([{fd=3, revents=POLLIN}])`. */
export interface StraceReturn {
  /** The value; `undefined` for `?` (the call did not return: exit, execve of another thread). */
  readonly value: bigint | undefined;
  readonly text: string;
  /** `ENOENT`, or kernel-internal `ERESTARTSYS`; also set for `= ? ERESTART...`. */
  readonly errno?: string;
  /** The errno number, when it is one of src/uapi/errno.ts. */
  readonly errnoNumber?: number;
  /** `No such file or directory`. */
  readonly errnoText?: string;
  /**
   * A parenthesised decoding of the result (`Timeout`, `flags O_RDWR`), a fault-injection mark
   * after the errno (`INJECTED`), or `unavailable` for strace's `= ? <unavailable>`.
   */
  readonly aux?: string;
  /** `-y` decoration of a returned fd: `/etc/passwd`. */
  readonly decoration?: string;
}

/** Fields every event carries. */
interface EventCommon {
  /** The thread id, from `[pid N]`, a leading `N `, a `-ff` file name, or the only live task. */
  readonly pid: number | undefined;
  /** 1-based line number in the text the event came from (the first line when strace split it). */
  readonly line: number;
  /** Order of the event among all events and resumptions of its input (0-based, increasing). */
  readonly seq: number;
  readonly timestamp?: StraceTimestamp;
  /** `-i` instruction pointer, as printed (hex digits, or `?` when unknown). */
  readonly ip?: string;
  /** `-k` stack frames (the text after ` > `). */
  readonly stack?: readonly string[];
}

/** Where the second half of a split syscall (`<... name resumed>`) was. */
export interface StraceResumption {
  readonly line: number;
  readonly seq: number;
  readonly timestamp?: StraceTimestamp;
}

/** A syscall, merged from its `<unfinished ...>` and `<... resumed>` halves when strace split it. */
export interface SyscallEvent extends EventCommon {
  readonly type: 'syscall';
  readonly name: string;
  /** The syscall number: from `-n`, `syscall_0x1c2`, or the resolver for the trace's arch. */
  readonly nr?: number;
  readonly args: readonly StraceArg[];
  /** `undefined` when the call never returned in the trace (unfinished when the task died). */
  readonly ret?: StraceReturn;
  /** `-T` time spent in the call, seconds. */
  readonly duration?: number;
  /** Set when the call was printed in two halves. */
  readonly resumed?: StraceResumption;
  /**
   * `unfinished`: the call never resumed in the trace; `resumed-only`: the trace starts with the
   * second half (attached mid-call), `args` then holds only the arguments printed on exit.
   */
  readonly partial?: 'unfinished' | 'resumed-only';
}

/** `--- SIGCHLD {si_signo=SIGCHLD, ...} ---` (or `--- stopped by SIGSTOP ---`). */
export interface SignalEvent extends EventCommon {
  readonly type: 'signal';
  readonly signal: string;
  /** The siginfo struct when printed. */
  readonly info?: StructArg;
  /** The text between the dashes. */
  readonly text: string;
}

/** `+++ exited with 0 +++`. */
export interface ExitEvent extends EventCommon {
  readonly type: 'exit';
  readonly code: number;
}

/** `+++ killed by SIGSYS (core dumped) +++`. */
export interface KilledEvent extends EventCommon {
  readonly type: 'killed';
  readonly signal: string;
  readonly coreDumped: boolean;
}

/** `strace: Process 123 attached` / `detached` (the event's `pid` is that process). */
export interface AttachEvent extends EventCommon {
  readonly type: 'attach' | 'detach';
}

/** Any other strace message (`strace: ...`, `+++ superseded by execve in pid 12 +++`). */
export interface NoteEvent extends EventCommon {
  readonly type: 'note';
  readonly text: string;
}

/** One event of a trace. */
export type StraceEvent = SyscallEvent | SignalEvent | ExitEvent | KilledEvent | AttachEvent | NoteEvent;

/** A parse problem: the 1-based line and what is wrong; `message` is `line 57: unterminated string`. */
export interface StraceIssue {
  readonly line: number;
  readonly reason: string;
  readonly message: string;
}

/** Maps a syscall name to its number on the trace's architecture (e.g. from seccomp's tables). */
export type SyscallResolver = (name: string) => number | undefined;

/** The number in strace's name for syscalls it does not know: `syscall_0x1c2` → 450. */
export function unknownSyscallNumber(name: string): number | undefined {
  const m = /^syscall_0x([0-9a-f]+)$/i.exec(name);
  return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 16);
}
