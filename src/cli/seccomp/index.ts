/**
 * @fileoverview `bpfsim seccomp ...` subcommands. Add one line per subcommand module.
 */
import type { Command } from '../command.js';

/** Subcommand loaders by name. */
export const SECCOMP_COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {};
