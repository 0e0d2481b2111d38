/**
 * The fixture-drift adjustment (drift.ts) changes exactly the documented figures: memlock of
 * hash-family map_create lines and fdinfo lines, by the measured delta, and nothing else.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatedHost } from '../../../src/kernel/emulated-host.js';
import { parseOutput } from '../../../src/kernel/scenario/compare.js';
import { parseScenario } from '../../../src/kernel/scenario/format.js';
import { applyDrift, applyDriftText, emulatorDrift, type FixtureDrift, measureDrift } from './drift.js';
import { FIXTURES } from './env.js';

const fixture = (name: string): string => readFileSync(resolve(FIXTURES, name), 'utf8');
const DRIFT: FixtureDrift = { memlockDelta: 64, why: 'test' };
const NONE: FixtureDrift = { memlockDelta: 0, why: 'test' };

describe('fixture drift', () => {
  it('adds the delta to the memlock of hash-family map_create and fdinfo lines only', () => {
    const script = fixture('basic.jsonl');
    const text = fixture('basic.out.jsonl');
    const ops = parseScenario(script);
    const before = parseOutput(text);
    const after = applyDrift('basic.out.jsonl', ops, before, DRIFT);
    const changed = after.flatMap((l, i) => (JSON.stringify(l) === JSON.stringify(before[i]) ? [] : [l.seq]));
    // The hash maps of basic.jsonl ("h", 4/8/2, and the ones the script creates later) and the
    // fdinfo of "h"; the arrays' map_create lines and the program's fdinfo stay as recorded.
    expect(changed.length).toBeGreaterThanOrEqual(2);
    for (const seq of changed) {
      const i = before.findIndex((l) => l.seq === seq);
      const b = before[i]!;
      const a = after[i]!;
      if (b.op === 'map_create') {
        expect(ops[i]?.fields.map_type ?? 'hash').toMatch(/hash/);
        expect(a).toEqual({ ...b, memlock: (b.memlock as number) + 64 });
      } else {
        expect(b.op).toBe('fdinfo');
        const f = b.fdinfo as Record<string, number>;
        expect(a).toEqual({ ...b, fdinfo: { ...f, memlock: (f.memlock as number) + 64 } });
      }
    }
    expect(after.find((l) => l.seq === 78)?.fdinfo).toMatchObject({ map_type: 1, memlock: 1264 });
    expect(after.find((l) => l.seq === 79)?.fdinfo).toMatchObject({ prog_type: 1, memlock: 4096 });
    expect(applyDrift('basic.out.jsonl', ops, before, NONE)).toEqual(before);
  });

  it('rewrites only the adjusted lines of an output file, in the oracle format', () => {
    for (const name of ['basic', 'extra', 'memlock', 'memcg', 'ctx', 'unpriv']) {
      const script = fixture(`${name}.jsonl`);
      const text = fixture(`${name}.out.jsonl`);
      expect(applyDriftText(name, script, text, NONE)).toBe(text);
      const drifted = applyDriftText(name, script, text, DRIFT);
      const a = drifted.split('\n');
      const b = text.split('\n');
      expect(a.length).toBe(b.length);
      const changed = a.filter((l, i) => l !== b[i]);
      const hashCreates = parseScenario(script).filter(
        (o) => o.op === 'map_create' && /hash/.test(String(o.fields.map_type ?? 'hash')),
      ).length;
      expect(changed.length, name).toBeLessThanOrEqual(hashCreates + 1);
      for (const l of changed) expect(l).toMatch(/^\{"seq": \d+, "op": "(map_create|fdinfo)", /);
    }
    expect(applyDriftText('memcg', fixture('memcg.jsonl'), fixture('memcg.out.jsonl'), DRIFT)).toContain(
      '"memlock": 16778176',
    );
  });

  it('measures the documented drift on the emulator, and no drift on a host answering as recorded', () => {
    const d = emulatorDrift();
    expect(d.memlockDelta).toBe(64);
    expect(d.why).toMatch(/sizeof\(struct bpf_htab\) 832 -> 896/);
    // A host whose hash map reports the recorded 1200: the same build as the recordings.
    const host = EmulatedHost.create({ possibleCpus: 2 });
    const old = Object.create(host) as EmulatedHost;
    old.fdinfo = (fd: number) => {
      const r = host.fdinfo(fd);
      return typeof r === 'number' ? r : { ...r, memlock: String(Number(r.memlock) - 64) };
    };
    expect(measureDrift(old, 'old build').memlockDelta).toBe(0);
    old.fdinfo = (fd: number) => {
      const r = host.fdinfo(fd);
      return typeof r === 'number' ? r : { ...r, memlock: String(Number(r.memlock) + 64) };
    };
    const odd = measureDrift(old, 'other build');
    expect(odd).toMatchObject({ memlockDelta: 0 });
    expect(odd.why).toMatch(/a difference of 128 is not the documented drift, not applied/);
  });
});
