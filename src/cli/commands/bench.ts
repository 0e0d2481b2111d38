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
  [
    'bpfsim bench alu-loop --engine jit --n 50000000 --json',
    'bpfsim bench maps --types hash --entries 1000000 --json',
  ],
);
