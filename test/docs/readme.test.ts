/**
 * Runs the README's examples: every `$ bpfsim ...` line of a ```console block (its output lines
 * must be printed, in order; a line `...` skips any number of lines), and every ```ts block (run
 * as a module; a `console.log(x); // → text` line must print `text`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type CliRun, runCli } from '../cli/run-cli.js';

const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'bpfsim-readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Block {
  lang: string;
  body: string;
  line: number;
}
const blocks: Block[] = [];
{
  const re = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (const m of readme.matchAll(re))
    blocks.push({
      lang: m[1] as string,
      body: m[2] as string,
      line: readme.slice(0, m.index).split('\n').length,
    });
}

/** Splits a command line into words (single and double quotes). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
}

async function run(argv: string[], stdin?: string): Promise<CliRun> {
  const args = [...argv];
  if (stdin !== undefined) {
    const f = join(scratch, `stdin-${Math.random().toString(36).slice(2)}`);
    writeFileSync(f, stdin);
    const i = args.indexOf('-');
    if (i >= 0) args[i] = f;
  }
  return runCli(args, root, { BPFSIM_STATE: join(scratch, 'state') });
}

/** Runs `bpfsim A | bpfsim B -` and `printf '...' | bpfsim B -` pipelines. */
async function pipeline(command: string): Promise<{ status: number; out: string; err: string }> {
  let input: string | undefined;
  let last = { status: 0, out: '', err: '' };
  for (const part of command.split(' | ')) {
    const argv = words(part);
    if (argv[0] === 'printf') {
      input = (argv[1] ?? '').replace(/\\n/g, '\n');
      continue;
    }
    expect(argv[0], command).toBe('bpfsim');
    last = await run(argv.slice(1), input);
    input = last.out;
  }
  return last;
}

/** True when `expected` lines appear in `got` in order; `...` skips lines. */
function matches(expected: string[], got: string[]): boolean {
  let g = 0;
  let skipping = false;
  for (const e of expected) {
    if (e.trim() === '...') {
      skipping = true;
      continue;
    }
    if (skipping) {
      while (g < got.length && got[g] !== e) g++;
      if (g >= got.length) return false;
    } else if (got[g] !== e) return false;
    g++;
    skipping = false;
  }
  return true;
}

describe('README examples', () => {
  const consoles = blocks.filter((b) => b.lang === 'console');
  const scripts = blocks.filter((b) => b.lang === 'ts');
  it('has examples to run', () => {
    expect(consoles.length).toBeGreaterThanOrEqual(3);
    expect(scripts.length).toBeGreaterThanOrEqual(1);
  });
  for (const b of consoles) {
    it(`console block at README.md:${b.line}`, async () => {
      const lines = b.body.replace(/\n$/, '').split('\n');
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i] as string;
        if (!l.startsWith('$ ')) continue;
        const expected: string[] = [];
        for (let j = i + 1; j < lines.length && !(lines[j] as string).startsWith('$ '); j++)
          expected.push(lines[j] as string);
        const cmd = l.slice(2);
        const r = await pipeline(cmd);
        // `seccomp check`, `run` and `verify` exit 1 when the run fails / the program is rejected, as their last line says.
        const fails = expected.some(
          (e) =>
            e.startsWith('verdict: the program would FAIL') ||
            e === 'verdict: the workload FAILED' ||
            e.startsWith('verdict: reject'),
        );
        expect(r.status, `${cmd}\n${r.err}`).toBe(fails ? 1 : 0);
        const got = (r.out + r.err).replace(/\n$/, '').split('\n');
        expect(
          matches(expected, got),
          `${cmd}\nexpected:\n${expected.join('\n')}\ngot:\n${got.join('\n')}`,
        ).toBe(true);
      }
    });
  }
  for (const b of scripts) {
    it(`ts block at README.md:${b.line}`, async () => {
      const src = b.body.replace(/from 'bpfsim(\/\w+)?'/g, (_m, sub: string | undefined) => {
        const target = sub === undefined ? 'src/index.ts' : `src${sub}/index.ts`;
        return `from ${JSON.stringify(pathToFileURL(join(root, target)).href)}`;
      });
      const expected = [...b.body.matchAll(/console\.log\(.*\); \/\/ → (.*)$/gm)].map((m) => m[1] as string);
      const file = join(root, 'test', 'docs', `.readme-${b.line}.ts`);
      writeFileSync(file, src);
      const printed: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
        printed.push(a.map((x) => (typeof x === 'string' ? x : String(x))).join(' '));
      });
      try {
        await import(pathToFileURL(file).href);
      } finally {
        spy.mockRestore();
        rmSync(file, { force: true });
      }
      expect(printed).toEqual(expected);
    });
  }
});
