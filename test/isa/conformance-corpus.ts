/**
 * @fileoverview Test helper: reads the bpf_conformance corpus from `../shared` beside the repo
 * (parser semantics of bpf_conformance lib/src/bpf_test_parser.cc, see FORMAT.md there).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Root of the corpus, or undefined when `../shared` is absent. */
export const CORPUS_DIR = resolve(import.meta.dirname, '../../../shared/data/bpf-conformance');
export const HAVE_CORPUS = existsSync(join(CORPUS_DIR, 'tests'));

export interface CorpusFile {
  name: string;
  sections: Map<string, string>;
}

/** Splits a .data file into its `-- name` sections (text kept verbatim, comments included). */
export function parseDataFile(name: string, text: string): CorpusFile {
  const sections = new Map<string, string>();
  let cur: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^--\s*(.*?)\s*$/.exec(line);
    if (m !== null) {
      cur = m[1] as string;
      sections.set(cur, '');
      continue;
    }
    if (cur !== undefined) sections.set(cur, `${sections.get(cur)}${line}\n`);
  }
  return { name, sections };
}

/** Every file of `tests/` or `negative/`. */
export function readCorpus(dir: 'tests' | 'negative'): CorpusFile[] {
  if (!HAVE_CORPUS) return [];
  const d = join(CORPUS_DIR, dir);
  return readdirSync(d)
    .filter((f) => f.endsWith('.data'))
    .sort()
    .map((f) => parseDataFile(f, readFileSync(join(d, f), 'utf8')));
}
