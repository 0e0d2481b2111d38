/**
 * @fileoverview `bpfsim seccomp`: profiles compiled to classic BPF, filters evaluated and checked.
 */
import { groupCommand } from '../group.js';
import { SECCOMP_COMMANDS } from '../seccomp/index.js';

/** The `seccomp` command group. */
export const seccompCommand = groupCommand(
  'seccomp',
  'compile OCI/Docker seccomp profiles to classic BPF, evaluate and disassemble filters',
  'Seccomp profiles and classic BPF filters.',
  SECCOMP_COMMANDS,
);
