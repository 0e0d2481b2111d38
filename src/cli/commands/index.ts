/**
 * @fileoverview The registry of `bpfsim` subcommands. Each entry loads its module on demand so
 * that a command's dependencies are read only when it runs.
 */
import type { Command } from '../command.js';

/** Subcommand loaders by name. Add one line per command module. */
export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  demo: async () => (await import('./demo.js')).demoCommand,
  bench: async () => (await import('./bench.js')).benchCommand,
  seccomp: async () => (await import('./seccomp.js')).seccompCommand,
  replay: async () => (await import('./replay.js')).replayCommand,
  conformance: async () => (await import('./conformance.js')).conformanceCommand,
  asm: async () => (await import('./asm.js')).asmCommand,
  disasm: async () => (await import('./disasm.js')).disasmCommand,
  exec: async () => (await import('./exec.js')).execCommand,
  map: async () => (await import('./map.js')).mapCommand,
  prog: async () => (await import('./prog.js')).progCommand,
  verify: async () => (await import('./verify.js')).verifyCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  sysctl: async () => (await import('./sysctl.js')).sysctlCommand,
  run: async () => (await import('./run.js')).runCommand,
};
