/**
 * The architecture rules of DEVELOPERS.md, checked on the import graph: layers call downward only,
 * and nothing below src/ except the CLI and the kernel backend uses Node APIs (it must run in a
 * browser).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Layer rank: a file may import only from its own layer or lower ones. */
const RANK: Record<string, number> = {
  uapi: 0,
  isa: 1,
  vm: 2,
  maps: 2,
  progs: 2,
  verifier: 2,
  seccomp: 2,
  kernel: 3,
  cli: 4,
  'index.ts': 5,
};

function layerOf(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel[0] as string;
}

function isNodeOnly(file: string): boolean {
  const rel = relative(SRC, file).replace(/\\/g, '/');
  return rel.startsWith('cli/') || rel.startsWith('kernel/backend/');
}

const imports = (text: string): string[] =>
  [
    ...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => (m[1] ?? m[2]) as string);

describe('architecture', () => {
  const all = files(SRC);

  it('layers call downward only (cli → kernel → maps/progs/verifier/vm/seccomp → isa → uapi)', () => {
    const violations: string[] = [];
    for (const f of all) {
      const from = layerOf(f);
      for (const spec of imports(readFileSync(f, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const to = layerOf(resolve(f, '..', spec));
        const rf = RANK[from];
        const rt = RANK[to];
        if (rf === undefined || rt === undefined) violations.push(`${relative(SRC, f)}: unknown layer ${to}`);
        else if (rt > rf) violations.push(`${relative(SRC, f)} imports ${spec} (${from} → ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('only the CLI and the kernel backend use Node APIs', () => {
    const violations: string[] = [];
    for (const f of all) {
      if (isNodeOnly(f)) continue;
      const text = readFileSync(f, 'utf8');
      for (const spec of imports(text)) {
        if (spec.startsWith('node:') || /^(fs|path|os|child_process|crypto|url|worker_threads)$/.test(spec))
          violations.push(`${relative(SRC, f)} imports ${spec}`);
      }
      if (/\bprocess\.(env|argv|exit|stdout|stderr|cwd)\b|\bBuffer\./.test(text))
        violations.push(`${relative(SRC, f)} uses process/Buffer`);
    }
    expect(violations).toEqual([]);
  });
});
