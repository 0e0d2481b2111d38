/**
 * @fileoverview `bpfsim conformance`: runs bpf_conformance `.data` files on the interpreter or
 * the JIT (the role of bpf_conformance's runner with the uBPF plugin).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { parseConformance, runConformanceCase } from '../../vm/conformance.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { progress } from '../progress.js';

function collect(path: string, out: string[]): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`cannot read '${path}': no such file or directory`);
  }
  if (st.isDirectory()) {
    for (const e of readdirSync(path).sort()) {
      const p = join(path, e);
      if (statSync(p).isDirectory() || e.endsWith('.data')) collect(p, out);
    }
  } else out.push(path);
}

/** The `conformance` command. */
export const conformanceCommand: Command = {
  name: 'conformance',
  summary: 'run bpf_conformance .data tests on the interpreter or the JIT',
  help: `Usage: bpfsim conformance [--engine interp|jit] [--negative] [--quiet] FILE|DIR...
Runs bpf_conformance test files (.data: -- asm/raw, -- mem, -- result, -- error). The memory
buffer is mapped as a region with r1 = its address and r2 = its length; r0 is compared as a u64.
Prints one line per failure and last "N passed, M failed"; exits 0 iff nothing failed.
Files under a directory named "negative" (or all files with --negative) must produce an error
(or a result different from -- result); the number whose error text matches -- error exactly is
reported.

Options:
  --engine E   interp or jit (default jit)
  --negative   treat every file as a negative case
  --quiet      do not print skipped files

Example:
  bpfsim conformance --engine interp test/fixtures/bpf-conformance/tests`,
  run(args, io, global) {
    const p = parseArgs(args, { engine: 'string', negative: true, quiet: true });
    const engine = p.values.get('engine') ?? 'jit';
    if (engine !== 'jit' && engine !== 'interp')
      throw new CliError(`unknown engine '${engine}' (interp or jit)`, 2);
    if (p.positional.length === 0) throw new CliError('conformance: missing FILE or DIR (see --help)', 2);
    const files: string[] = [];
    for (const a of p.positional) collect(resolve(io.cwd, a), files);
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let negatives = 0;
    let errorTexts = 0;
    let exact = 0;
    const failures: { file: string; message: string }[] = [];
    const bar = progress(io, 'conformance', files.length);
    for (const f of files) {
      const name = relative(io.cwd, f) || basename(f);
      bar.tick(basename(f));
      const negative = p.flags.has('negative') || f.split(sep).includes('negative');
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        throw new CliError(`cannot read '${name}'`);
      }
      const c = parseConformance(text);
      const o = runConformanceCase(c, engine, negative);
      if (o.status === 'skip') {
        skipped++;
        if (!p.flags.has('quiet') && !global.json) io.out(`SKIP ${name}: ${o.message ?? ''}\n`);
        continue;
      }
      if (negative) {
        negatives++;
        if (c.error !== undefined && o.error !== undefined) {
          errorTexts++;
          if (o.errorMatches) exact++;
        }
      }
      if (o.status === 'pass') passed++;
      else {
        failed++;
        const message = o.message ?? 'failed';
        failures.push({ file: name, message });
        if (!global.json) io.out(`FAIL ${name}: ${message}\n`);
      }
    }
    bar.done();
    if (global.json) {
      const obj = {
        engine,
        passed,
        failed,
        skipped,
        failures,
        negative: { cases: negatives, with_error_text: errorTexts, exact_error_matches: exact },
      };
      io.out(`${JSON.stringify(obj, null, global.pretty ? 2 : undefined)}\n`);
    } else {
      if (skipped > 0) io.out(`${skipped} skipped\n`);
      if (negatives > 0)
        io.out(
          `negative cases: ${negatives}, errors matching the expected text exactly: ${exact} of ${errorTexts}\n`,
        );
      io.out(`${passed} passed, ${failed} failed\n`);
    }
    return failed === 0 ? 0 : 1;
  },
};
