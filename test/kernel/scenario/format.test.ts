import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioFormatError, validateOp } from '../../../src/kernel/scenario/format.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/kernel-scenarios');

function formatError(text: string): ScenarioFormatError {
  try {
    parseScenario(text);
  } catch (e) {
    if (e instanceof ScenarioFormatError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioFormatError');
}

describe('parseScenario', () => {
  it('parses every fixture script, numbering operations like the oracle (one seq per executed line)', () => {
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.jsonl') && !n.endsWith('.out.jsonl'))) {
      const ops = parseScenario(readFileSync(resolve(FIXTURES, f), 'utf8'));
      const answers = readFileSync(resolve(FIXTURES, f.replace(/\.jsonl$/, '.out.jsonl')), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { seq: number; op: string });
      expect(ops.map((o) => [o.seq, o.op])).toEqual(answers.map((a) => [a.seq, a.op]));
    }
  });

  it('skips blank lines and # comments without counting them, but reports real line numbers', () => {
    const text = '# header\n\n{"op":"comment","text":"a"}\n   \n{"op":"map_create","map_type":"hash"}\n';
    const ops = parseScenario(text);
    expect(ops.map((o) => [o.seq, o.line, o.op])).toEqual([
      [1, 3, 'comment'],
      [2, 5, 'map_create'],
    ]);
  });

  it('accepts enumeration names with or without the kernel prefix, in any case, or numbers', () => {
    const ops = parseScenario(
      [
        '{"op":"map_create","map_type":"BPF_MAP_TYPE_LRU_HASH"}',
        '{"op":"map_create","map_type":2}',
        '{"op":"prog_load","prog_type":"XDP","insns":""}',
      ].join('\n'),
    );
    expect(ops).toHaveLength(3);
  });

  it('names the line and the field of a bad value', () => {
    const e = formatError('{"op":"comment"}\n{"op":"map_update","map":"h","key":"0x01"}');
    expect(e.line).toBe(2);
    expect(e.field).toBe('key');
    expect(e.message).toMatch(/^line 2: field 'key': expected lowercase hex bytes/);
    expect(formatError('{"op":"map_create","key_size":"4"}').message).toBe(
      `line 1: field 'key_size': expected an integer, got "4"`,
    );
    expect(formatError('{"op":"prog_load","insns":"abc"}').field).toBe('insns');
  });

  it('rejects unknown operations, unknown fields and unknown enumeration names', () => {
    expect(formatError('{"op":"map_create2"}').message).toBe(
      `line 1: field 'op': unknown operation "map_create2"`,
    );
    expect(formatError('{"op":"map_create","keysize":4}').message).toBe(
      "line 1: field 'keysize': not a field of map_create",
    );
    expect(formatError('{"op":"map_create","map_type":"hashmap"}').message).toBe(
      "line 1: field 'map_type': unknown map type 'hashmap'",
    );
    expect(formatError('{"op":"prog_load","prog_type":"sock"}').message).toBe(
      "line 1: field 'prog_type': unknown program type 'sock'",
    );
    expect(formatError('{"op":"setrlimit","resource":"MEMLOK","soft":1}').field).toBe('resource');
  });

  it('requires the object an operation works on, and rejects what is not a JSON object', () => {
    expect(formatError('{"op":"map_lookup","key":"00"}').message).toBe(
      "line 1: field 'map'/'fd': required by map_lookup",
    );
    expect(formatError('{"op":"close"}').message).toBe("line 1: field 'id'/'fd': required by close");
    expect(formatError('{"op":"raw","attr":""}').field).toBe('cmd');
    expect(formatError('{"text":"x"}').message).toBe("line 1: field 'op': missing");
    expect(formatError('[1,2]').message).toBe('line 1: expected a JSON object');
    expect(formatError('{"op":"comment"').message).toMatch(/^line 1: not JSON/);
  });

  it('validates map_fixups and fd_array shapes', () => {
    expect(() =>
      validateOp({ op: 'prog_load', map_fixups: [[3, 'a']], fd_array: ['a'] }, 1, 1),
    ).not.toThrow();
    expect(() => validateOp({ op: 'prog_load', map_fixups: [[3]] }, 7, 1)).toThrow(
      /line 7: field 'map_fixups'/,
    );
    expect(() => validateOp({ op: 'prog_load', fd_array: [3] }, 1, 1)).toThrow(/field 'fd_array'/);
  });
});
