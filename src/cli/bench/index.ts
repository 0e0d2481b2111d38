/**
 * @fileoverview `bpfsim bench ...` benchmarks. Add one line per benchmark module.
 */
import type { Command } from '../command.js';

/** Benchmark loaders by name. */
export const BENCHMARKS: Readonly<Record<string, () => Promise<Command>>> = {};
