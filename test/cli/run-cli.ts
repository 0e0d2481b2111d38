/**
 * Runs the `bpfsim` CLI in-process for tests: `main(argv)` with a captured io.
 */
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

/** What one CLI invocation printed and returned. */
export interface CliRun {
  status: number;
  out: string;
  err: string;
}

/** Runs `bpfsim ...argv` in `cwd` with environment `env`, capturing stdout and stderr. */
export async function runCli(
  argv: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    errIsTty: false,
    cwd,
    env,
  };
  const status = await main([...argv], io);
  return { status, out, err };
}
