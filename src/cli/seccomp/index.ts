/**
 * @fileoverview `bpfsim seccomp ...` subcommands. Add one line per subcommand module.
 */
import type { Command } from '../command.js';

/** Subcommand loaders by name. */
export const SECCOMP_COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  compile: async () => (await import('./compile.js')).seccompCompileCommand,
  eval: async () => (await import('./eval.js')).seccompEvalCommand,
  sweep: async () => (await import('./sweep.js')).seccompSweepCommand,
  disasm: async () => (await import('./disasm.js')).seccompDisasmCommand,
  asm: async () => (await import('./asm.js')).seccompAsmCommand,
  check: async () => (await import('./check.js')).seccompCheckCommand,
};
