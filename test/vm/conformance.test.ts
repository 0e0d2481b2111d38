/**
 * The bpf_conformance corpus (test/fixtures/bpf-conformance, copied from the upstream project with
 * its licence) on both engines, and the `.data` parser's rules (lib/src/bpf_test_parser.cc).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EngineName, parseConformance, runConformanceCase } from '../../src/vm/index.js';

const CORPUS = resolve(import.meta.dirname, '../fixtures/bpf-conformance');

function runDir(dir: string, engine: EngineName, negative: boolean) {
  const files = readdirSync(join(CORPUS, dir))
    .filter((f) => f.endsWith('.data'))
    .sort();
  const failures: string[] = [];
  let passed = 0;
  let skipped = 0;
  let exact = 0;
  for (const f of files) {
    const o = runConformanceCase(
      parseConformance(readFileSync(join(CORPUS, dir, f), 'utf8')),
      engine,
      negative,
    );
    if (o.status === 'pass') passed++;
    else if (o.status === 'skip') skipped++;
    else failures.push(`${f}: ${o.message}`);
    if (o.errorMatches) exact++;
  }
  return { files: files.length, passed, skipped, failures, exact };
}

describe.each(['interp', 'jit'] as EngineName[])('bpf_conformance corpus on the %s engine', (engine) => {
  it('passes all 313 tests/ cases', () => {
    const r = runDir('tests', engine, false);
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ files: 313, passed: 313, skipped: 0 });
  });

  it('reports an error (or a different result) for the negative/ cases', () => {
    const r = runDir('negative', engine, true);
    // error.data (`or %r0, %r10`) is rejected by uBPF's and the kernel's verifiers for reading
    // an uninitialised R0; the VM loader does no data-flow analysis, so it runs.
    expect(r.failures).toEqual(['error.data: expected an error, got 0xffff888000000200']);
    expect(r).toMatchObject({ files: 60, passed: 56, skipped: 3 });
    // "Invalid number of operands for lock" (x2) match the reference assembler's text exactly.
    expect(r.exact).toBe(2);
  });
});

describe('parseConformance', () => {
  it('reads sections, strips comments, and lets the last result line win', () => {
    const c = parseConformance(
      '# header\n-- asm\nmov %r0, 1 # one\nexit\n-- mem\n00 01\n0xff  10\n-- result\n0x5\n7\n-- no register offset\nignored\n',
    );
    expect(c.asm).toBe('mov %r0, 1 \nexit');
    expect([...c.mem]).toEqual([0, 1, 0xff, 0x10]);
    expect(c.result).toBe(7n);
  });

  it('reads each -- raw token as a whole little-endian 64-bit instruction', () => {
    const c = parseConformance(
      '-- raw\n0x5566778800000018 0x1122334400000000\n0x0000000000000095\n-- result\n0x1\n',
    );
    expect(c.raw).toEqual([
      { code: 0x18, dst: 0, src: 0, off: 0, imm: 0x55667788 },
      { code: 0, dst: 0, src: 0, off: 0, imm: 0x11223344 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
  });

  it('reads byte-listed -- raw blocks (as negative/ writes them) as the bytes shown', () => {
    const c = parseConformance('-- raw\n85 01 00 00 2a 00 00 00\n-- error\n');
    expect(c.raw).toEqual([{ code: 0x85, dst: 1, src: 0, off: 0, imm: 42 }]);
    expect(c.errorSection).toBe(true);
  });

  it('skips files with an unknown directive or without result and error', () => {
    expect(runConformanceCase(parseConformance('-- asm\nexit\n-- bogus\n'), 'jit').status).toBe('skip');
    expect(runConformanceCase(parseConformance('-- asm\nexit\n'), 'jit').status).toBe('skip');
  });

  it('fails a case whose result differs, naming both values', () => {
    const o = runConformanceCase(parseConformance('-- asm\nmov %r0, 3\nexit\n-- result\n0x2\n'), 'interp');
    expect(o).toMatchObject({ status: 'fail', message: 'expected 0x2, got 0x3' });
  });
});
