/**
 * @fileoverview A small option parser for subcommands: `--name value`, `--name=value`, flags,
 * and positional arguments. Unknown options are errors naming the option.
 */
import { CliError } from './command.js';

/** Declares the options of one command: `true` for a flag, `'string'` for an option with a value. */
export type OptionSpec = Readonly<Record<string, boolean | 'string' | 'multi'>>;

/** Parsed arguments. `multi` options collect every value in order. */
export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
  multi: Map<string, string[]>;
}

/**
 * Parses `args` against `spec`. Aliases map short names to long ones (`{ o: 'output' }`).
 * Throws `CliError` for an unknown option or a missing value.
 */
export function parseArgs(
  args: readonly string[],
  spec: OptionSpec,
  aliases: Readonly<Record<string, string>> = {},
): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Set(), values: new Map(), multi: new Map() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) {
      out.positional.push(a);
      continue;
    }
    let name = a.replace(/^--?/, '');
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    name = aliases[name] ?? name;
    const kind = spec[name];
    if (kind === undefined) throw new CliError(`unknown option '${a}'`, 2);
    if (kind === true) {
      if (inline !== undefined) throw new CliError(`option '--${name}' takes no value`, 2);
      out.flags.add(name);
      continue;
    }
    if (kind === false) throw new CliError(`unknown option '${a}'`, 2);
    const value = inline ?? args[++i];
    if (value === undefined) throw new CliError(`option '--${name}' needs a value`, 2);
    if (kind === 'multi') {
      const list = out.multi.get(name) ?? [];
      list.push(value);
      out.multi.set(name, list);
    } else {
      out.values.set(name, value);
    }
  }
  return out;
}

/** Parses a non-negative integer option (decimal or 0x-hex); throws `CliError` naming the option. */
export function intOption(p: ParsedArgs, name: string, fallback: number): number {
  const v = p.values.get(name);
  if (v === undefined) return fallback;
  const n = /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v, 16) : /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new CliError(`option '--${name}': '${v}' is not an integer`, 2);
  return n;
}
