import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runCli } from './run-cli.js';

const root = resolve(import.meta.dirname, '../..');

describe('--help', () => {
  it('every command and subcommand has one, with an example of itself', async () => {
    const names: string[][] = [];
    for (const [name, load] of Object.entries(COMMANDS)) {
      names.push([name]);
      const cmd = await load();
      for (const sub of Object.keys(cmd.subcommands ?? {})) names.push([name, sub]);
    }
    expect(names.length).toBeGreaterThanOrEqual(20);
    for (const argv of names) {
      const r = await runCli([...argv, '--help'], root);
      expect(r.status, argv.join(' ')).toBe(0);
      expect(r.out, argv.join(' ')).toMatch(/^Usage: bpfsim /);
      const example = r.out.split(/\nExamples?:\n/)[1];
      expect(example, `${argv.join(' ')}: no example`).toBeDefined();
      // The example uses the command it documents.
      expect(example, argv.join(' ')).toContain(`bpfsim ${argv.join(' ')}`);
    }
  });
  it('bpfsim --help lists every command', async () => {
    const r = await runCli(['--help'], root);
    for (const name of Object.keys(COMMANDS)) expect(r.out).toMatch(new RegExp(`\\n  ${name} +\\S`));
  });
});
