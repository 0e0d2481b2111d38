/**
 * The executor on a large script: the verifier corpus (Linux 6.12 selftests, 474 runnable programs
 * with maps, logs and test runs) replayed on the real kernel must give back the answers the 6.18
 * kernel gave through the reference oracle. Read from ../shared (GPL data, not copied here).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { compareOutputs, formatCompare, parseOutput } from '../../../src/kernel/scenario/compare.js';
import { executeScenario } from '../../../src/kernel/scenario/executor.js';
import { parseScenario } from '../../../src/kernel/scenario/format.js';
import { applyDrift, kernelDrift } from './drift.js';
import { fixtureMismatch, ROOT } from './env.js';

const CORPUS = resolve(ROOT, '../shared/data/verifier-corpus');
const SCRIPT = resolve(CORPUS, 'linux-6.12-selftests.scenario.jsonl');
const ANSWERS = resolve(CORPUS, 'linux-6.12-selftests.out.jsonl');
const why =
  existsSync(SCRIPT) && existsSync(ANSWERS)
    ? await fixtureMismatch()
    : '../shared/data/verifier-corpus absent';

describe.skipIf(why !== undefined)(
  `verifier corpus on the real kernel${why === undefined ? '' : ` (skipped: ${why})`}`,
  () => {
    it('reproduces every answer except test-run results that are kernel pointers', async () => {
      const ops = parseScenario(readFileSync(SCRIPT, 'utf8'));
      // The answers as recorded, apart from the documented memlock drift of hash maps (drift.ts).
      const expected = applyDrift(
        'linux-6.12-selftests.out.jsonl',
        ops,
        parseOutput(readFileSync(ANSWERS, 'utf8')),
        await kernelDrift(),
      );
      const host = await KernelHost.open();
      let cmp: ReturnType<typeof compareOutputs>;
      try {
        const actual = [...executeScenario(host, ops, { virtualFds: true })];
        cmp = compareOutputs(expected, actual, { scenario: ops });
      } finally {
        host.dispose();
      }
      // "calls: callee using args1" and "calls: pkt_ptr spill into caller stack" return (the low
      // half of) a context or packet pointer: a kernel address, different on every run.
      const pointerRuns = new Set(['c131p', 'c177p']);
      const unexpected = cmp.diffs.filter(
        (d) =>
          !(
            d.op === 'prog_test_run' &&
            pointerRuns.has(String(ops[d.seq - 1]?.fields.prog)) &&
            d.fields.every((f) => f.field === 'retval')
          ),
      );
      expect(unexpected, formatCompare({ ...cmp, diffs: unexpected })).toEqual([]);
      expect(cmp.identical).toBeGreaterThanOrEqual(2069);
    });
  },
);
