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

describe('EmulatedHost.view', () => {
  it('aliases user memory: bpf() reads what the process stored through the view', () => {
    const host = EmulatedHost.create({ possibleCpus: 2 });
    const attr = host.alloc(96);
    const a = new DataView(new ArrayBuffer(96));
    a.setUint32(0, 2, true); // BPF_MAP_TYPE_ARRAY
    a.setUint32(4, 4, true);
    a.setUint32(8, 8, true);
    a.setUint32(12, 4, true);
    host.write(attr, new Uint8Array(a.buffer));
    const fd = host.bpf(0, attr, 96);
    expect(fd).toBeGreaterThan(2);
    const buf = host.alloc(64);
    const v = new DataView(host.view(buf, 64).buffer, host.view(buf, 64).byteOffset, 64);
    // the element attr, key and value all live in the one mapping, written through the view
    v.setUint32(0, fd, true);
    v.setBigUint64(8, BigInt(buf + 32), true);
    v.setBigUint64(16, BigInt(buf + 40), true);
    v.setUint32(32, 3, true); // key 3
    v.setUint32(40, 0xabcd, true); // value
    expect(host.bpf(2, buf, 32)).toBe(0); // BPF_MAP_UPDATE_ELEM
    v.setUint32(40, 0, true);
    expect(host.bpf(1, buf, 32)).toBe(0); // BPF_MAP_LOOKUP_ELEM writes the value back
    expect(v.getUint32(40, true)).toBe(0xabcd);
    expect(host.read(buf + 40, 4)).toEqual(Uint8Array.of(0xcd, 0xab, 0, 0));
  });

  it('refuses ranges outside one mapping', () => {
    const host = EmulatedHost.create();
    const a = host.alloc(16);
    expect(() => host.view(a, 4097)).toThrow(RangeError);
    expect(() => host.view(a - 4096, 1)).toThrow(/no mapping holds 1 bytes/);
  });
});
