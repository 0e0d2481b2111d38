/**
 * @fileoverview Result lines and their text form. The oracle prints each result with Python's
 * `json.dumps` (separators `", "` and `": "`, non-ASCII escaped); bpfsim prints the very same text
 * so that an emulator run, a kernel-backend run and a file the oracle wrote can be diffed with
 * ordinary tools.
 */

/** A JSON value as a result line holds it; `bigint` is an integer too large for a double. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [k: string]: JsonValue };

/** One result line: `seq`, `op`, then the fields of the operation in the oracle's order. */
export type ResultLine = { [k: string]: JsonValue };

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

/**
 * Serialises like Python's `json.dumps(value)` with default options (`ensure_ascii=True`):
 * `{"a": 1, "b": [1, 2]}`. Integers print exactly, including `bigint`s.
 */
export function pythonJson(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v.toString();
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${quote(k)}: ${pythonJson(x)}`)
    .join(', ')}}`;
}
