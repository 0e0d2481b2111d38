import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  enumValue,
  MAP_TYPE_NAMES,
  oracleErrnoName,
  PROG_TYPE_NAMES,
} from '../../../src/kernel/scenario/tables.js';
import { ERRNO } from '../../../src/uapi/errno.js';

const ORACLE_DIR = resolve(import.meta.dirname, '../../../../shared/tools/kernel-oracle');
const canAsk =
  existsSync(resolve(ORACLE_DIR, 'bpf_oracle.py')) && spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!canAsk)(
  `scenario tables vs the reference oracle${!canAsk ? ' (skipped: needs python3 and ../shared/tools/kernel-oracle)' : ''}`,
  () => {
    it("has the oracle's enum tables and prints errno names as Python does", () => {
      const numbers = [...new Set(Object.values(ERRNO))];
      const py = spawnSync(
        'python3',
        [
          '-c',
          `import sys, json, errno; sys.path.insert(0, sys.argv[1]); import bpf_oracle as o
print(json.dumps({"maps": o.MAP_TYPES, "progs": o.PROG_TYPES, "errno": [errno.errorcode.get(n, str(n)) for n in json.loads(sys.argv[2])]}))`,
          ORACLE_DIR,
          JSON.stringify(numbers),
        ],
        { encoding: 'utf8' },
      );
      const want = JSON.parse(py.stdout) as { maps: string[]; progs: string[]; errno: string[] };
      expect([...MAP_TYPE_NAMES]).toEqual(want.maps);
      expect([...PROG_TYPE_NAMES]).toEqual(want.progs);
      expect(numbers.map((n) => oracleErrnoName(-n))).toEqual(want.errno);
    });
  },
);

describe('enumValue', () => {
  it("resolves names like the oracle's enum_val", () => {
    expect(enumValue('hash', MAP_TYPE_NAMES)).toBe(1);
    expect(enumValue('BPF_MAP_TYPE_ARRAY', MAP_TYPE_NAMES)).toBe(2);
    expect(enumValue('bpf_prog_type_xdp', PROG_TYPE_NAMES)).toBe(6);
    expect(enumValue(999, MAP_TYPE_NAMES)).toBe(999);
    expect(enumValue('nope', PROG_TYPE_NAMES)).toBeUndefined();
  });
});
