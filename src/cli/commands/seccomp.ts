/**
 * @fileoverview `bpfsim seccomp`: profiles compiled to classic BPF, filters evaluated and checked.
 */
import { groupCommand } from '../group.js';
import { SECCOMP_COMMANDS } from '../seccomp/index.js';

/** The `seccomp` command group. */
export const seccompCommand = groupCommand(
  'seccomp',
  'compile OCI/Docker seccomp profiles to classic BPF, evaluate, check traces, disassemble',
  'Seccomp profiles and classic BPF filters.',
  SECCOMP_COMMANDS,
  [
    'bpfsim seccomp compile data/seccomp/moby-default.json --arch x86_64 -o docker.bpf',
    'bpfsim seccomp check data/seccomp/moby-default.json --trace examples/sh-ls-cat.strace',
  ],
);
