/**
 * Replays operation sequences recorded on the real Linux 6.18 kernel (bpf(2) through koffi, as root)
 * against the emulated maps, so the differential evidence also runs where bpf(2) is unavailable (CI,
 * non-root users). Every op's result, the final GET_NEXT_KEY order and fdinfo memlock must match.
 *
 * Re-record on a Linux host as root: `BPFSIM_RECORD=1 npx vitest run test/maps/kernel-traces.test.ts`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BpfMap } from '../../src/maps/ops.js';
import { mapAlloc } from '../../src/maps/registry.js';
import { emulatorDrift, HTAB_MEMLOCK_DRIFT } from '../kernel/backend/drift.js';
import {
  CASES,
  kernelDriver,
  type Op,
  runSequence,
  type SequenceOutcome,
  sequencesFor,
  simDriver,
} from './cases.js';
import { kernel } from './real-kernel.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/kernel-6.18-map-traces.json');

interface Fixture {
  kernel: string;
  possibleCpus: number;
  cases: Record<string, { ops: Op[]; outcome: SequenceOutcome }[]>;
}

if (process.env.BPFSIM_RECORD === '1') {
  if (!kernel.available) throw new Error(`BPFSIM_RECORD needs the real kernel: ${kernel.reason}`);
  const fixture: Fixture = {
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    possibleCpus: kernel.possibleCpus,
    cases: {},
  };
  CASES.forEach((c, i) => {
    fixture.cases[c.name] = sequencesFor(c, 12, 1000 + i).map((ops) => {
      const real = kernel.createMap(c.attr);
      if (real.fd < 0) throw new Error(`${c.name}: create failed ${real.fd}`);
      try {
        return {
          ops,
          outcome: runSequence(kernelDriver(kernel, real.fd, c.attr), c, ops, kernel.possibleCpus),
        };
      } finally {
        kernel.close(real.fd);
      }
    });
  });
  mkdirSync(dirname(FIXTURE), { recursive: true });
  writeFileSync(FIXTURE, `${JSON.stringify(fixture)}\n`);
}

const fixture: Fixture | undefined = existsSync(FIXTURE)
  ? JSON.parse(readFileSync(FIXTURE, 'utf8'))
  : undefined;

/**
 * The documented memlock drift of hash-family maps between the build the traces were recorded on
 * and the one the emulator models (test/kernel/backend/drift.ts), measured on the emulator.
 */
const drift = fixture?.kernel === HTAB_MEMLOCK_DRIFT.recordedOn ? emulatorDrift() : undefined;

describe.skipIf(!fixture)(
  `maps replay traces recorded on Linux ${fixture?.kernel ?? '(skipped: no fixture)'}`,
  () => {
    for (const c of CASES) {
      it(`${c.name}: every recorded result, key order and memlock`, () => {
        const recorded = fixture!.cases[c.name];
        expect(recorded, 'case missing from the fixture').toBeDefined();
        const delta = HTAB_MEMLOCK_DRIFT.mapTypes.has(c.attr.mapType) ? (drift?.memlockDelta ?? 0) : 0;
        if (delta !== 0)
          console.log(`fixture drift applied to ${c.name}: expected memlock + ${delta}; ${drift?.why}`);
        for (const { ops, outcome: rec } of recorded!) {
          const outcome = { ...rec, memlock: rec.memlock === undefined ? undefined : rec.memlock + delta };
          const env = { possibleCpus: fixture!.possibleCpus, prandomU32: () => 0 };
          const sim = mapAlloc({ ...c.attr, mapFlags: c.attr.mapFlags ?? 0 }, env) as BpfMap;
          const got = runSequence(simDriver(sim), c, ops, fixture!.possibleCpus);
          const trace = ops.map((o, i) => `${JSON.stringify(o)} -> ${outcome.results[i]}`).join('\n');
          expect(got, trace).toEqual(outcome);
        }
      });
    }
  },
);
