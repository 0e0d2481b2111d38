/**
 * @fileoverview How the demo prints: numbered steps, each with the equivalent `bpfsim` command.
 */
import type { CliIo } from '../command.js';

/** The demo's printer. */
export interface DemoOut {
  /** Starts a numbered step: a title and the `bpfsim` command that does the same. */
  step(title: string, command: string): void;
  /** A line of output. */
  text(line: string): void;
  /** A remark (printed indented, dimmed when the terminal has colours). */
  note(line: string): void;
}

/** Prints steps to `io.out`; with `color`, headings and commands are highlighted (ANSI). */
export function demoOut(io: CliIo, color: boolean): DemoOut {
  let n = 0;
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const cyan = (s: string) => (color ? `\x1b[36m${s}\x1b[0m` : s);
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  return {
    step(title, command) {
      n++;
      io.out(`\n${bold(`${n}. ${title}`)}\n${cyan(`   $ ${command}`)}\n`);
    },
    text(line) {
      io.out(`   ${line}\n`);
    },
    note(line) {
      io.out(`   ${dim(line)}\n`);
    },
  };
}
