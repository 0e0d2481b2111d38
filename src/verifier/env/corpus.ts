/**
 * @fileoverview Agreement of a verifier with the real kernel's verdicts on the selftests corpus
 * (../shared/data/verifier-corpus). Models the checks of tools/testing/selftests/bpf/test_verifier.c
 * do_test_single: verdict, errno and the expected error line found in the log.
 */

/** One corpus case as recorded on Linux 6.18 (the fields this runner reads). */
export interface CorpusCase {
  readonly name: string;
  readonly source: string;
  readonly insns_hex: string;
  readonly prog_type: string;
  readonly maps: readonly unknown[];
  readonly kernel_6_18: {
    readonly verdict: 'accept' | 'reject' | 'skipped';
    readonly errno: string | null;
    readonly err_first: string | null;
  };
}

/** What our side answered for one case. */
export interface CorpusOutcome {
  readonly verdict: 'accept' | 'reject';
  readonly errno: string | null;
  readonly log: string;
}

/** Agreement figures, overall and per source file (category). */
export interface CorpusReport {
  runnable: number;
  verdictErrnoAgree: number;
  errLineCases: number;
  errLineAgree: number;
  failing: string[];
  perCategory: Map<string, { runnable: number; agree: number }>;
}

/** Whether the case can run here: the kernel did not skip it (maps are created by the loader). */
export function isRunnable(c: CorpusCase): boolean {
  return c.kernel_6_18.verdict !== 'skipped';
}

/** Compares `outcomes` (same order as the runnable `cases`) with the kernel's answers. */
export function compareCorpus(
  cases: readonly CorpusCase[],
  outcomes: readonly CorpusOutcome[],
): CorpusReport {
  const r: CorpusReport = {
    runnable: 0,
    verdictErrnoAgree: 0,
    errLineCases: 0,
    errLineAgree: 0,
    failing: [],
    perCategory: new Map(),
  };
  cases.forEach((c, i) => {
    const o = outcomes[i];
    if (o === undefined) return;
    const k = c.kernel_6_18;
    r.runnable++;
    const agree = o.verdict === k.verdict && (k.verdict === 'accept' || o.errno === k.errno);
    if (agree) r.verdictErrnoAgree++;
    else
      r.failing.push(`${c.name}: kernel ${k.verdict} ${k.errno ?? ''}, ours ${o.verdict} ${o.errno ?? ''}`);
    if (k.err_first !== null) {
      r.errLineCases++;
      if (o.log.includes(k.err_first)) r.errLineAgree++;
    }
    const cat = c.source.replace(/^.*\//, '');
    const p = r.perCategory.get(cat) ?? { runnable: 0, agree: 0 };
    p.runnable++;
    if (agree) p.agree++;
    r.perCategory.set(cat, p);
  });
  return r;
}
