import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareOutputs, formatCompare, maskLog, parseOutput } from '../../../src/kernel/scenario/compare.js';
import { parseScenario } from '../../../src/kernel/scenario/format.js';
import type { ResultLine } from '../../../src/kernel/scenario/json.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/kernel-scenarios');
const fixture = (name: string): string => readFileSync(resolve(FIXTURES, name), 'utf8');

const script = (...ops: object[]) => parseScenario(ops.map((o) => JSON.stringify(o)).join('\n'));
const clone = (lines: ResultLine[]): ResultLine[] => JSON.parse(JSON.stringify(lines)) as ResultLine[];

describe('compareOutputs', () => {
  it('finds a fixture identical to itself and counts lines', () => {
    const out = parseOutput(fixture('basic.out.jsonl'));
    const r = compareOutputs(out, clone(out), { scenario: parseScenario(fixture('basic.jsonl')) });
    expect(r).toMatchObject({ identical: 82, differ: 0, skipped: 0 });
    expect(formatCompare(r)).toBe('82 lines identical, 0 differ\n');
  });

  it('reports a changed errno with its seq, op, field and both values', () => {
    const out = parseOutput(fixture('basic.out.jsonl'));
    const act = clone(out);
    Object.assign(act[4] as ResultLine, { ret: -28, errno: 'ENOSPC' });
    const r = compareOutputs(out, act, { scenario: parseScenario(fixture('basic.jsonl')) });
    expect(r.differ).toBe(1);
    expect(formatCompare(r)).toBe(
      'seq 5 map_update: ret: expected -7, got -28\nseq 5 map_update: errno: expected "E2BIG", got "ENOSPC"\n81 lines identical, 1 differ\n',
    );
  });

  it('ignores duration', () => {
    const e = [{ seq: 1, op: 'prog_test_run', ret: 0, retval: 2, duration: 246 }];
    const a = [{ seq: 1, op: 'prog_test_run', ret: 0, retval: 2, duration: 3 }];
    expect(compareOutputs(e, a).differ).toBe(0);
  });

  it('compares keys as sets only for hash maps created without BPF_F_ZERO_SEED', () => {
    const ops = script(
      { op: 'map_create', id: 'h', map_type: 'hash', key_size: 1, value_size: 1, max_entries: 4 },
      { op: 'map_iterate', map: 'h' },
      { op: 'map_get_next_key', map: 'h', key: null },
      {
        op: 'map_create',
        id: 'z',
        map_type: 'hash',
        key_size: 1,
        value_size: 1,
        max_entries: 4,
        map_flags: 0x40,
      },
      { op: 'map_iterate', map: 'z' },
      { op: 'map_create', id: 'a', map_type: 'array', key_size: 4, value_size: 1, max_entries: 2 },
      { op: 'map_iterate', fd: 5 },
    );
    const exp: ResultLine[] = [
      { seq: 1, op: 'map_create', id: 'h', ret: 3, memlock: 1 },
      { seq: 2, op: 'map_iterate', keys: ['01', '02'] },
      { seq: 3, op: 'map_get_next_key', ret: 0, next_key: '01' },
      { seq: 4, op: 'map_create', id: 'z', ret: 4, memlock: 1 },
      { seq: 5, op: 'map_iterate', keys: ['01', '02'] },
      { seq: 6, op: 'map_create', id: 'a', ret: 5, memlock: 1 },
      { seq: 7, op: 'map_iterate', keys: ['00000000', '01000000'] },
    ];
    const act = clone(exp);
    (act[1] as ResultLine).keys = ['02', '01'];
    (act[2] as ResultLine).next_key = '02';
    (act[4] as ResultLine).keys = ['02', '01'];
    (act[6] as ResultLine).keys = ['01000000', '00000000'];
    const r = compareOutputs(exp, act, { scenario: ops });
    expect(r.diffs.map((d) => [d.seq, d.fields.map((f) => f.field)])).toEqual([
      [5, ['keys']],
      [7, ['keys']],
    ]);
    // A different key set is a difference even for a seeded map.
    (act[1] as ResultLine).keys = ['02', '03'];
    expect(compareOutputs(exp, act, { scenario: ops }).diffs[0]?.seq).toBe(2);
  });

  it('masks kernel addresses and verification times in logs, correcting log_true_size for the digits', () => {
    const e = [
      {
        seq: 1,
        op: 'prog_load',
        ret: -13,
        log: '3: (18) r1 = 0xffff888104406400\nverification time 9 usec\n',
        log_true_size: 137,
      },
    ];
    const a = [
      {
        seq: 1,
        op: 'prog_load',
        ret: -13,
        log: '3: (18) r1 = 0xffff8881026a1e00\nverification time 1234 usec\n',
        log_true_size: 140,
      },
    ];
    expect(compareOutputs(e, a).differ).toBe(0);
    (a[0] as ResultLine).log_true_size = 141;
    expect(formatCompare(compareOutputs(e, a))).toBe(
      'seq 1 prog_load: log_true_size: expected 137, got 141\n0 lines identical, 1 differ\n',
    );
    expect(maskLog('r1 = 0xffff888104406400')).toBe('r1 = 0xffff____________');
  });

  it('shows the first differing log line', () => {
    const e = [{ seq: 1, op: 'prog_load', ret: -13, log: 'a\nR2 !read_ok\n' }];
    const a = [{ seq: 1, op: 'prog_load', ret: -13, log: 'a\nR2 invalid mem access\n' }];
    expect(formatCompare(compareOutputs(e, a))).toBe(
      'seq 1 prog_load: log line 2: expected "R2 !read_ok", got "R2 invalid mem access"\n0 lines identical, 1 differ\n',
    );
  });

  it('compares new fds up to a consistent renaming, unless strictFds', () => {
    const ops = script(
      { op: 'map_create', id: 'a' },
      { op: 'map_create', id: 'b' },
      { op: 'close', id: 'a' },
      { op: 'map_create', id: 'c' },
    );
    const exp: ResultLine[] = [
      { seq: 1, op: 'map_create', id: 'a', ret: 3 },
      { seq: 2, op: 'map_create', id: 'b', ret: 4 },
      { seq: 3, op: 'close', id: 'a', ret: 0 },
      { seq: 4, op: 'map_create', id: 'c', ret: 3 },
    ];
    const shifted = exp.map((l) => (l.op === 'map_create' ? { ...l, ret: (l.ret as number) + 7 } : l));
    expect(compareOutputs(exp, shifted, { scenario: ops }).differ).toBe(0);
    expect(compareOutputs(exp, shifted, { scenario: ops, strictFds: true }).differ).toBe(3);
    // Reusing the still-open fd of b for c is not a renaming.
    const wrong = clone(shifted);
    (wrong[3] as ResultLine).ret = 11;
    expect(compareOutputs(exp, wrong, { scenario: ops }).diffs.map((d) => d.seq)).toEqual([4]);
  });

  it('ignores fdinfo ids and times unless strictFdinfo', () => {
    const e = [{ seq: 1, op: 'fdinfo', fdinfo: { map_id: 26, ino: 1038, memlock: 1200, frozen: 0 } }];
    const a = [{ seq: 1, op: 'fdinfo', fdinfo: { map_id: 1, ino: 7, memlock: 1200, frozen: 0 } }];
    expect(compareOutputs(e, a).differ).toBe(0);
    expect(compareOutputs(e, a, { strictFdinfo: true }).diffs[0]?.fields.map((f) => f.field)).toEqual([
      'fdinfo.map_id',
      'fdinfo.ino',
    ]);
    const b = [{ seq: 1, op: 'fdinfo', fdinfo: { map_id: 1, ino: 7, memlock: 4096, frozen: 0 } }];
    expect(formatCompare(compareOutputs(e, b))).toContain(
      'seq 1 fdinfo: fdinfo.memlock: expected 1200, got 4096',
    );
  });

  it('counts missing and extra lines as differences, and skips operations not selected', () => {
    const e: ResultLine[] = [
      { seq: 1, op: 'comment', text: 'x' },
      { seq: 2, op: 'map_create', ret: 3 },
    ];
    expect(formatCompare(compareOutputs(e, e.slice(0, 1)))).toBe(
      'seq 2 map_create: line missing\n1 lines identical, 1 differ\n',
    );
    expect(formatCompare(compareOutputs(e.slice(0, 1), e))).toBe(
      'seq 2 map_create: unexpected extra line\n1 lines identical, 1 differ\n',
    );
    expect(compareOutputs(e, e, { ops: new Set(['map_create']) })).toMatchObject({
      identical: 1,
      skipped: 1,
    });
  });

  it('parseOutput names a bad line', () => {
    expect(() => parseOutput('{"seq": 1}\n\nnope')).toThrow(/^line 3: not JSON/);
    expect(() => parseOutput('3')).toThrow('line 1: expected a JSON object');
  });
});
