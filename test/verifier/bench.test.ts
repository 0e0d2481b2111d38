import { describe, expect, it } from 'vitest';
import { benchScalarBounds } from '../../src/verifier/bench.js';

// Not a timing assertion (speed is measured by `bpfsim bench`): checks the benchmark runs and
// reports every operation with a positive figure.
describe('benchScalarBounds', () => {
  it('reports one positive ns/op figure per measured operation', () => {
    const r = benchScalarBounds(200, 1);
    expect(r.map((x) => x.name)).toEqual([
      'alu64 add imm',
      'alu32 add imm',
      'alu64 and imm',
      'alu64 mul imm',
      'alu64 lsh imm',
      'jgt imm (predict + refine both branches)',
      'print_reg_state (u32 scalar)',
    ]);
    for (const x of r) expect(x.nsPerOp).toBeGreaterThan(0);
  });
});
