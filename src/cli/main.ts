#!/usr/bin/env node
/**
 * @fileoverview The `bpfsim` command: global options, subcommand dispatch, and the rule that
 * every failure is one line on stderr with a non-zero exit status, never a stack trace.
 */
import { CliError, type CliIo, type GlobalOptions } from './command.js';
import { COMMANDS } from './commands/index.js';

const USAGE_HEAD = `Usage: bpfsim [-j|--json] [-p|--pretty] [--state DIR|--ephemeral] COMMAND [ARGS...]
An emulator of the Linux kernel's BPF subsystem and seccomp.

Commands:`;

/** Runs the CLI on `argv` (without the node and script paths) and returns the exit status. */
export async function main(argv: readonly string[], ioIn: CliIo): Promise<number> {
  const global: GlobalOptions = { json: false, pretty: false };
  const rest: string[] = [];
  let passthrough = false;
  const env: Record<string, string | undefined> = { ...ioIn.env };
  let pendingState = false;
  for (const a of argv) {
    if (passthrough) rest.push(a);
    else if (a === '--') {
      passthrough = true;
      rest.push(a);
    } else if (rest.length === 0 && (a === '--state' || a.startsWith('--state='))) {
      // The state directory before the command word applies to it as BPFSIM_STATE would.
      if (a === '--state') pendingState = true;
      else env.BPFSIM_STATE = a.slice('--state='.length);
    } else if (pendingState) {
      env.BPFSIM_STATE = a;
      pendingState = false;
    } else if (rest.length === 0 && a === '--ephemeral') env.BPFSIM_EPHEMERAL = '1';
    else if (a === '-j' || a === '--json') global.json = true;
    else if (a === '-p' || a === '--pretty') {
      global.json = true;
      global.pretty = true;
    } else rest.push(a);
  }
  const name = rest[0];
  const io: CliIo = { ...ioIn, env };
  try {
    if (pendingState) throw new CliError("option '--state' needs a directory", 2);
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const target = name === 'help' ? rest[1] : undefined;
      if (target !== undefined) return await main([target, '--help'], io);
      io.out(await usage());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      io.out('bpfsim 0.1.0\n');
      return 0;
    }
    const load = COMMANDS[name];
    if (load === undefined) throw new CliError(`unknown command '${name}' (see 'bpfsim --help')`, 2);
    let cmd = await load();
    const args = rest.slice(1);
    const dd = args.indexOf('--');
    const before = dd < 0 ? args : args.slice(0, dd);
    if (before.includes('--help') || before.includes('-h')) {
      const sub = args[0] !== undefined ? cmd.subcommands?.[args[0]] : undefined;
      if (sub !== undefined) cmd = await sub();
      io.out(cmd.help.endsWith('\n') ? cmd.help : `${cmd.help}\n`);
      return 0;
    }
    return await cmd.run(args, io, global);
  } catch (e) {
    io.err(`bpfsim: ${errorLine(e)}\n`);
    return e instanceof CliError ? e.status : 1;
  }
}

async function usage(): Promise<string> {
  const lines = [USAGE_HEAD];
  for (const [n, load] of Object.entries(COMMANDS)) {
    const c = await load();
    lines.push(`  ${n.padEnd(12)} ${c.summary}`);
  }
  lines.push('', "Run 'bpfsim COMMAND --help' for a command's options and an example.");
  return `${lines.join('\n')}\n`;
}

/** One line describing an error: its message, first line only. */
export function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const first = msg.split('\n')[0] ?? '';
  return e instanceof CliError ? first : `${first || 'internal error'}`;
}

function nodeIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTty: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
    env: process.env,
  };
}

const isMain = (() => {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  return /[\\/]cli[\\/]main\.(js|ts)$/.test(entry) || /[\\/]bpfsim$/.test(entry);
})();

if (isMain) {
  process.on('uncaughtException', (e) => {
    process.stderr.write(`bpfsim: ${errorLine(e)}\n`);
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`bpfsim: ${errorLine(e)}\n`);
    process.exit(1);
  });
  // A closed pipe (`bpfsim ... | head`) ends the output quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2), nodeIo()).then(
    (status) => {
      process.exitCode = status;
    },
    (e: unknown) => {
      process.stderr.write(`bpfsim: ${errorLine(e)}\n`);
      process.exitCode = 1;
    },
  );
}
