/**
 * @fileoverview The search tree over syscall-number ranges: an optimal alphabetic binary tree
 * (leaves in number order, one `jgt` per inner node) minimising the weighted depth, computed with
 * Knuth's dynamic program (root monotonicity). Plays the part of libseccomp src/gen_bpf.c's
 * binary tree (`_gen_bpf_syscalls` with SCMP_FLTATR_CTL_OPTIMIZE = 2), weighted by how many known
 * syscalls each range holds so common numbers sit near the root.
 */

/** A tree over leaves `lo..hi`: a leaf, or a split after leaf `split` (left: lo..split). */
export type RangeTree =
  | { leaf: number }
  | { split: number; left: RangeTree; right: RangeTree; lo: number; hi: number };

/**
 * Builds the alphabetic tree over leaves with `weights` minimising sum(weight * depth). Every
 * weight gets `epsilon` added so empty ranges still prefer shallow balanced shapes.
 */
export function optimalRangeTree(weights: readonly number[], epsilon = 0.05): RangeTree {
  const n = weights.length;
  if (n === 0) throw new Error('optimalRangeTree: no leaves');
  const w = weights.map((x) => x + epsilon);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = (prefix[i] as number) + (w[i] as number);
  const cost = new Float64Array(n * n);
  const root = new Int32Array(n * n);
  for (let i = 0; i < n; i++) root[i * n + i] = i;
  for (let len = 2; len <= n; len++) {
    for (let i = 0; i + len - 1 < n; i++) {
      const j = i + len - 1;
      const total = (prefix[j + 1] as number) - (prefix[i] as number);
      const from = len === 2 ? i : (root[i * n + j - 1] as number);
      const to = len === 2 ? i : Math.min(j - 1, root[(i + 1) * n + j] as number);
      let best = Number.POSITIVE_INFINITY;
      let bestS = from;
      for (let s = from; s <= to; s++) {
        const c = (cost[i * n + s] as number) + (cost[(s + 1) * n + j] as number);
        if (c < best) {
          best = c;
          bestS = s;
        }
      }
      cost[i * n + j] = best + total;
      root[i * n + j] = bestS;
    }
  }
  const build = (i: number, j: number): RangeTree => {
    if (i === j) return { leaf: i };
    const s = root[i * n + j] as number;
    return { split: s, left: build(i, s), right: build(s + 1, j), lo: i, hi: j };
  };
  return build(0, n - 1);
}

/**
 * Like `optimalRangeTree`, but leaves deeper than `threshold` cost `lambda` extra per unit of
 * weight, so as much weight as possible sits at depth <= threshold (what the median of executed
 * instructions depends on); ties go to the smaller weighted depth. O(n^3 * depth), so only for
 * up to `maxLeaves` leaves; larger inputs use `optimalRangeTree`.
 */
export function thresholdRangeTree(
  weights: readonly number[],
  threshold: number,
  lambda = 4,
  epsilon = 0.05,
  maxLeaves = 220,
): RangeTree {
  const n = weights.length;
  if (n === 0) throw new Error('thresholdRangeTree: no leaves');
  if (n > maxLeaves) return optimalRangeTree(weights, epsilon);
  const w = weights.map((x) => x + epsilon);
  const maxDepth = Math.ceil(Math.log2(n)) + 6;
  const D = maxDepth + 1;
  // cost[(i * n + j) * D + d], split[(i * n + j) * D + d]
  const cost = new Float64Array(n * n * D).fill(Number.POSITIVE_INFINITY);
  const split = new Int32Array(n * n * D).fill(-1);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < D; d++)
      cost[(i * n + i) * D + d] = (w[i] as number) * (d + (d > threshold ? lambda : 0));
  for (let len = 2; len <= n; len++) {
    for (let i = 0; i + len - 1 < n; i++) {
      const j = i + len - 1;
      for (let d = 0; d < maxDepth; d++) {
        let best = Number.POSITIVE_INFINITY;
        let bestS = -1;
        for (let s = i; s < j; s++) {
          const c =
            (cost[(i * n + s) * D + d + 1] as number) + (cost[((s + 1) * n + j) * D + d + 1] as number);
          if (c < best) {
            best = c;
            bestS = s;
          }
        }
        cost[(i * n + j) * D + d] = best;
        split[(i * n + j) * D + d] = bestS;
      }
    }
  }
  const build = (i: number, j: number, d: number): RangeTree => {
    if (i === j) return { leaf: i };
    const s = split[(i * n + j) * D + d] as number;
    if (s < 0) return optimalRangeTree(weights.slice(i, j + 1), epsilon); // unreachable: depth budget suffices
    return { split: s, left: build(i, s, d + 1), right: build(s + 1, j, d + 1), lo: i, hi: j };
  };
  return build(0, n - 1, 0);
}
