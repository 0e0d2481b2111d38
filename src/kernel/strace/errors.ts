/**
 * @fileoverview The error strace parsing throws: one line, naming the input line and the problem.
 */

/** A syntax problem inside one line; the line parser adds the line number. */
export class StraceSyntaxError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StraceSyntaxError';
  }
}

/**
 * Malformed strace output, e.g. `line 57: unterminated string`. Models the position reporting of
 * strace's own `-e read=`/`-o` error messages: one line, no stack trace needed by users.
 */
export class StraceParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
    /** The input's name when there are several (`strace -ff` files). */
    readonly file?: string,
  ) {
    super(`${file === undefined ? '' : `${file}: `}line ${line}: ${reason}`);
    this.name = 'StraceParseError';
  }
}
