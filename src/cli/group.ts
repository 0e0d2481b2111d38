/**
 * @fileoverview A command made of subcommands (`bpfsim seccomp compile ...`, `bpfsim bench maps`),
 * dispatching to lazily loaded modules like the top-level registry.
 */
import { CliError, type Command } from './command.js';

/** Builds a group command whose first argument names one of `subs`. */
export function groupCommand(
  name: string,
  summary: string,
  intro: string,
  subs: Readonly<Record<string, () => Promise<Command>>>,
  /** Example command lines for `--help`. */
  examples: readonly string[] = [],
): Command {
  return {
    name,
    summary,
    subcommands: subs,
    get help() {
      const ex = examples.length > 0 ? `\nExample:\n${examples.map((e) => `  ${e}`).join('\n')}\n` : '';
      return `Usage: bpfsim ${name} SUBCOMMAND [ARGS...]\n${intro}\n\nSubcommands: ${Object.keys(subs).join(', ')}\nRun 'bpfsim ${name} SUBCOMMAND --help' for details.\n${ex}`;
    },
    async run(args, io, global) {
      const sub = args[0];
      if (sub === undefined)
        throw new CliError(`${name}: missing subcommand (one of: ${Object.keys(subs).join(', ')})`, 2);
      const load = subs[sub];
      if (load === undefined)
        throw new CliError(
          `${name}: unknown subcommand '${sub}' (one of: ${Object.keys(subs).join(', ')})`,
          2,
        );
      const cmd = await load();
      return cmd.run(args.slice(1), io, global);
    },
  };
}
