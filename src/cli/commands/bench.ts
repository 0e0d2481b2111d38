/**
 * @fileoverview `bpfsim bench`: the speed benchmarks (never timed unit tests).
 */
import { BENCHMARKS } from '../bench/index.js';
import { groupCommand } from '../group.js';

/** The `bench` command group. */
export const benchCommand = groupCommand(
  'bench',
  'run a benchmark and print its figures (--json for one JSON object)',
  'Benchmarks of the execution engines, maps and seccomp filters.',
  BENCHMARKS,
);
