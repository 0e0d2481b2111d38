/**
 * @fileoverview `bpfsim bench ...` benchmarks. Add one line per benchmark module.
 */
import type { Command } from '../command.js';

/** Benchmark loaders by name. */
export const BENCHMARKS: Readonly<Record<string, () => Promise<Command>>> = {
  'alu-loop': async () => (await import('./alu-loop.js')).aluLoopBench,
  seccomp: async () => (await import('./seccomp.js')).seccompBench,
  maps: async () => (await import('./maps.js')).mapsBench,
  trace: async () => (await import('./trace.js')).traceBench,
  verifier: async () => (await import('./verifier.js')).verifierBench,
};
