/**
 * The range search trees: every leaf appears once, in number order; the weighted depth is never
 * worse than a plain balanced tree's; the threshold variant keeps at least as much weight within
 * its depth budget as the mean-optimal tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { optimalRangeTree, type RangeTree, thresholdRangeTree } from '../../../src/seccomp/compile/bst.js';

function leaves(t: RangeTree, depth = 0, out: Array<[number, number]> = []): Array<[number, number]> {
  if ('leaf' in t) out.push([t.leaf, depth]);
  else {
    leaves(t.left, depth + 1, out);
    leaves(t.right, depth + 1, out);
  }
  return out;
}

function balanced(lo: number, hi: number): RangeTree {
  if (lo === hi) return { leaf: lo };
  const mid = (lo + hi) >> 1;
  return { split: mid, left: balanced(lo, mid), right: balanced(mid + 1, hi), lo, hi };
}

const cost = (t: RangeTree, w: readonly number[]) =>
  leaves(t).reduce((s, [i, d]) => s + (w[i] as number) * d, 0);
const within = (t: RangeTree, w: readonly number[], T: number) =>
  leaves(t).reduce((s, [i, d]) => s + (d <= T ? (w[i] as number) : 0), 0);

describe('range trees', () => {
  const weights = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 40 });
  it('list every leaf once in order, and beat or tie a balanced tree on weighted depth', () => {
    fc.assert(
      fc.property(weights, (w) => {
        for (const t of [optimalRangeTree(w, 0), thresholdRangeTree(w, 3, 1, 0)]) {
          expect(leaves(t).map(([i]) => i)).toEqual(w.map((_, i) => i));
        }
        expect(cost(optimalRangeTree(w, 0), w)).toBeLessThanOrEqual(cost(balanced(0, w.length - 1), w));
        // Knuth's O(n^2) speed-up finds the same optimum as the plain O(n^3) program (lambda 0).
        expect(cost(optimalRangeTree(w, 0), w)).toBeCloseTo(cost(thresholdRangeTree(w, 0, 0, 0), w), 9);
      }),
      { numRuns: 200 },
    );
  });
  it('the threshold tree keeps at least as much weight within the threshold', () => {
    fc.assert(
      fc.property(weights, fc.integer({ min: 1, max: 5 }), (w, T) => {
        const a = within(thresholdRangeTree(w, T, 100, 0), w, T);
        const b = within(optimalRangeTree(w, 0), w, T);
        expect(a).toBeGreaterThanOrEqual(b - 1e-9);
      }),
      { numRuns: 200 },
    );
  });
});
