/**
 * The verifier corpus as a scenario (../shared/data/verifier-corpus/*.scenario.jsonl) replayed on
 * bpfsim and compared with the real 6.18 kernel's recorded answers: every prog_load line carries
 * the verdict, errno, the whole level-1 log, log_true_size and verified_insns; prog_test_run lines
 * carry the return values. Measured 2026-12-03: prog_load 474/474 identical (464 before stack
 * slot liveness, linked-scalar precision and kfunc calls with imm 0); prog_test_run 498/513.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run-cli.js';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/data/verifier-corpus');
const SCRIPT = resolve(CORPUS, 'linux-6.12-selftests.scenario.jsonl');
const ANSWERS = resolve(CORPUS, 'linux-6.12-selftests.out.jsonl');
const present = existsSync(SCRIPT) && existsSync(ANSWERS);

async function identical(ops: string): Promise<{ same: number; differ: number }> {
  const r = await runCli(['replay', SCRIPT, '--compare', ANSWERS, '--ops', ops], CORPUS);
  const m = /(\d+) lines identical, (\d+) differ/.exec(r.out);
  if (!m) throw new Error(`no summary in: ${r.out.slice(-300)}${r.err}`);
  return { same: Number(m[1]), differ: Number(m[2]) };
}

describe.skipIf(!present)(
  `verifier corpus replayed on bpfsim${present ? '' : ' (skipped: ../shared/data/verifier-corpus absent)'}`,
  () => {
    it('prog_load: verdict, errno, log, log_true_size and verified_insns as Linux 6.18 recorded them', async () => {
      const { same, differ } = await identical('prog_load');
      console.log(`corpus replay: prog_load ${same}/${same + differ} identical`);
      expect(same + differ).toBe(474);
      expect(same).toBe(474);
    });
    it('prog_test_run: return values and output as Linux 6.18 recorded them', async () => {
      const { same, differ } = await identical('prog_test_run');
      console.log(`corpus replay: prog_test_run ${same}/${same + differ} identical`);
      expect(same).toBeGreaterThanOrEqual(495);
    });
  },
);
