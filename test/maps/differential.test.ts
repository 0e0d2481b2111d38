/**
 * Differential tests: random element-operation sequences run on the emulated maps and on the host's
 * real Linux kernel through bpf(2); every return value, errno, value, key order and memlock figure
 * must agree. Skipped (with the reason) when not root on Linux or koffi is unavailable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BpfMap, MapEnv } from '../../src/maps/ops.js';
import { mapAlloc } from '../../src/maps/registry.js';
import { CASES, kernelDriver, opArb, runSequence, simDriver } from './cases.js';
import { kernel } from './real-kernel.js';

describe.skipIf(!kernel.available)(
  `maps vs the real kernel${kernel.available ? '' : ` (skipped: ${kernel.reason})`}`,
  () => {
    const env: MapEnv = { possibleCpus: kernel.possibleCpus, prandomU32: () => 0 };
    for (const c of CASES) {
      it(`${c.name}: random sequences agree`, () => {
        fc.assert(
          fc.property(fc.array(opArb(c.keySpace), { minLength: 1, maxLength: 60 }), (ops) => {
            const real = kernel.createMap(c.attr);
            expect(real.fd).toBeGreaterThanOrEqual(0);
            const sim = mapAlloc({ ...c.attr, mapFlags: c.attr.mapFlags ?? 0 }, env) as BpfMap;
            try {
              expect(sim.memUsage()).toBe(real.memlock);
              const want = runSequence(kernelDriver(kernel, real.fd, c.attr), c, ops, kernel.possibleCpus);
              const got = runSequence(simDriver(sim), c, ops, kernel.possibleCpus);
              const trace = ops.map((o, i) => `${JSON.stringify(o)} -> ${want.results[i]}`).join('\n');
              expect(got, trace).toEqual(want);
            } finally {
              kernel.close(real.fd);
            }
          }),
          {
            numRuns: Number(process.env.BPFSIM_DIFF_RUNS ?? 20),
            seed: Number(process.env.BPFSIM_DIFF_SEED ?? 42),
          },
        );
      });
    }
  },
);
