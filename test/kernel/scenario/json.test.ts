import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JsonValue, pythonJson } from '../../../src/kernel/scenario/json.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/kernel-scenarios');

describe('pythonJson', () => {
  it("re-prints every line the oracle wrote (Python's json.dumps) byte for byte", () => {
    let n = 0;
    for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith('.out.jsonl'))) {
      for (const line of readFileSync(resolve(FIXTURES, f), 'utf8').split('\n')) {
        if (line === '') continue;
        expect(pythonJson(JSON.parse(line) as JsonValue)).toBe(line);
        n++;
      }
    }
    expect(n).toBeGreaterThan(200);
  });

  it('escapes like ensure_ascii=True: control characters, DEL and non-ASCII as \\uXXXX (surrogate pairs)', () => {
    // Expected strings as CPython 3 prints json.dumps("\x01\x7f\u00e9\U0001F600\t\"\\/").
    expect(pythonJson('\x01\x7f\u00e9\u{1F600}\t"\\/')).toBe(
      '"\\u0001\\u007f\\u00e9\\ud83d\\ude00\\t\\"\\\\/"',
    );
    expect(pythonJson({ a: [1, null, true], b: {} })).toBe('{"a": [1, null, true], "b": {}}');
    expect(pythonJson([])).toBe('[]');
  });

  it('prints integers beyond 2^53 exactly', () => {
    expect(pythonJson(18446744073709551615n)).toBe('18446744073709551615');
  });

  it('produces JSON that parses back to the same value', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary' }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (v) => {
        expect(JSON.parse(pythonJson(v as JsonValue))).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });
});
