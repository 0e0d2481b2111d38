/**
 * @fileoverview Test helper: reads the verifier corpus (Linux selftests run on a real 6.18 kernel)
 * from `../shared` beside the repo. GPL-2.0 data: read at test time, never copied into the repo.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const DIR = resolve(import.meta.dirname, '../../../shared/data/verifier-corpus');
const CASES = resolve(DIR, 'linux-6.12-selftests-on-6.18.jsonl');
const SCENARIO = resolve(DIR, 'linux-6.12-selftests.scenario.jsonl');
const OUT = resolve(DIR, 'linux-6.12-selftests.out.jsonl');

export const HAVE_VERIFIER_CORPUS = existsSync(CASES) && existsSync(SCENARIO) && existsSync(OUT);

export interface VerifierCase {
  name: string;
  insnsHex: string;
  verdict: string;
  errFirst: string | null;
}

/** The selftest cases with the real kernel's verdict and first error line. */
export function readVerifierCases(): VerifierCase[] {
  if (!HAVE_VERIFIER_CORPUS) return [];
  return readFileSync(CASES, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const o = JSON.parse(l);
      return {
        name: o.name,
        insnsHex: o.insns_hex,
        verdict: o.kernel_6_18.verdict,
        errFirst: o.kernel_6_18.err_first,
      };
    });
}

export interface KernelLog {
  id: string;
  insnsHex: string;
  log: string;
}

/** prog_load requests of the scenario joined with the kernel's verifier log for each. */
export function readKernelLogs(): KernelLog[] {
  if (!HAVE_VERIFIER_CORPUS) return [];
  const insns = new Map<string, string>();
  for (const l of readFileSync(SCENARIO, 'utf8').split('\n')) {
    if (!l) continue;
    const o = JSON.parse(l);
    if (o.op === 'prog_load') insns.set(o.id, o.insns);
  }
  const out: KernelLog[] = [];
  for (const l of readFileSync(OUT, 'utf8').split('\n')) {
    if (!l) continue;
    const o = JSON.parse(l);
    const hex = insns.get(o.id);
    if (o.op === 'prog_load' && typeof o.log === 'string' && hex !== undefined)
      out.push({ id: o.id, insnsHex: hex, log: o.log });
  }
  return out;
}
