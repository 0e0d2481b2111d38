/**
 * @fileoverview The shape of one `bpfsim` subcommand and the I/O it is given.
 */

/** Where a command writes; tests pass string sinks, the CLI passes the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars are shown only then). */
  readonly errIsTty: boolean;
  /** The current working directory, for resolving relative paths. */
  readonly cwd: string;
  /** The environment (BPFSIM_STATE and friends). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Options every command understands (bpftool's `-j/--json` and `-p/--pretty`). */
export interface GlobalOptions {
  json: boolean;
  pretty: boolean;
}

/** A subcommand: `bpfsim NAME ...args`. `run` returns the process exit status. */
export interface Command {
  readonly name: string;
  /** One line for `bpfsim --help`. */
  readonly summary: string;
  /** The full `--help` text, including at least one example. */
  readonly help: string;
  run(args: string[], io: CliIo, global: GlobalOptions): Promise<number> | number;
  /** For a command group: its subcommands, so `bpfsim GROUP SUB --help` shows the subcommand's help. */
  readonly subcommands?: Readonly<Record<string, () => Promise<Command>>>;
}

/** An error whose message is printed as one line on stderr, with the given exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
