/**
 * The emulator replays the shared kernel scenarios: every line the emulator is responsible for
 * (maps, rlimits, sysctls, raw attrs, structural prog_load failures, test runs) matches the real
 * 6.18 kernel's answer. Verifier-dependent prog_load lines are the verifier issue's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatedHost } from '../../src/kernel/emulated-host.js';
import {
  compareOutputs,
  executeScenario,
  formatCompare,
  parseOutput,
  parseScenario,
} from '../../src/kernel/scenario/index.js';
import { applyDrift, emulatorDrift } from './backend/drift.js';

const DIR = resolve(import.meta.dirname, '../../../shared/data/kernel-scenarios');
const have = existsSync(DIR);

const OPS = new Set([
  'comment',
  'map_create',
  'map_update',
  'map_lookup',
  'map_delete',
  'map_get_next_key',
  'map_iterate',
  'map_lookup_and_delete',
  'map_freeze',
  'raw',
  'getrlimit',
  'setrlimit',
  'sysctl',
  'close',
  'prog_test_run',
]);

/** prog_load lines whose kernel answer comes from the structural passes (no state walk). */
function structuralLoads(out: string): Set<number> {
  const s = new Set<number>();
  for (const line of parseOutput(out)) {
    const log = typeof line.log === 'string' ? line.log : '';
    const structural =
      !log.includes('R1=ctx()') && !log.includes(': (') && line.errno !== 'ENOSPC' && line.errno !== 'EPERM';
    if (line.op === 'prog_load' && typeof line.ret === 'number' && line.ret < 0 && structural)
      s.add(line.seq as number);
  }
  return s;
}

describe.skipIf(!have)(
  `shared kernel scenarios replayed on the emulator${have ? '' : ' (skipped: ../shared not found)'}`,
  () => {
    for (const [name, kopts, spawn] of [
      ['basic', {}, undefined],
      ['extra', {}, undefined],
      ['memlock', {}, undefined],
      ['unpriv', {}, { uid: 65534, caps: 'none' as const }],
      ['memcg', { memoryLimit: 48 << 20 }, undefined],
      ['ctx', {}, undefined],
    ] as const) {
      it(`${name}.jsonl`, () => {
        const ops = parseScenario(readFileSync(`${DIR}/${name}.jsonl`, 'utf8'));
        const expectedText = readFileSync(`${DIR}/${name}.out.jsonl`, 'utf8');
        const host = EmulatedHost.create(kopts, spawn ?? { uid: 0, caps: 'all' });
        const actual = [...executeScenario(host, ops)];
        // As recorded, apart from the documented memlock drift of hash-family maps (backend/drift.ts).
        const expected = applyDrift(`${name}.out.jsonl`, ops, parseOutput(expectedText), emulatorDrift());
        const r = compareOutputs(expected, actual, { scenario: ops, ops: OPS });
        expect(r.differ, formatCompare(r)).toBe(0);
        expect(r.identical).toBeGreaterThan(0);
        // Loads the kernel rejected in its structural passes: same errno, log and log_true_size.
        for (const seq of structuralLoads(expectedText)) {
          const e = expected.find((l) => l.seq === seq);
          const a = actual.find((l) => l.seq === seq);
          expect({ ret: a?.ret, log: a?.log, size: a?.log_true_size }, `seq ${seq}`).toEqual({
            ret: e?.ret,
            log: e?.log,
            size: e?.log_true_size,
          });
        }
      });
    }
    it('gives the first object fd 3 and reuses closed fds', () => {
      const host = EmulatedHost.create();
      const out = [
        ...executeScenario(
          host,
          parseScenario(
            [
              '{"op":"map_create","id":"a","map_type":"array","key_size":4,"value_size":4,"max_entries":1}',
              '{"op":"map_create","id":"b","map_type":"array","key_size":4,"value_size":4,"max_entries":1}',
              '{"op":"close","id":"a"}',
              '{"op":"map_create","id":"c","map_type":"array","key_size":4,"value_size":4,"max_entries":1}',
            ].join('\n'),
          ),
        ),
      ];
      expect(out.map((l) => l.ret)).toEqual([3, 4, 0, 3]);
    });
  },
);
