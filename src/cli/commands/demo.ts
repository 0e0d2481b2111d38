/**
 * @fileoverview `bpfsim demo`: the guided tour that `npm start` runs.
 */
import type { Command } from '../command.js';
import { ebpfDemo } from '../demo/ebpf.js';
import { objectsDemo } from '../demo/objects.js';
import { demoOut } from '../demo/out.js';
import { seccompDemo } from '../demo/seccomp.js';

/** The guided tour. Each step prints the equivalent `bpfsim` command. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'a short guided tour of bpfsim (what `npm start` runs)',
  help: `Usage: bpfsim demo [--no-color]
Runs a short guided tour: assemble an eBPF program, disassemble it, run it on the interpreter and
the JIT, and show the trace of executed instructions; create a map and load a program that counts
packets per protocol into it, run it on packets and dump the map; then compile Docker's default seccomp
profile, decide syscalls with it, and replay a real strace log under it and under a tight
profile that kills the program. Every step prints the bpfsim command that
does the same thing on its own.

Example:
  bpfsim demo`,
  async run(args, io) {
    const color = !args.includes('--no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR;
    const out = demoOut(io, color);
    io.out('bpfsim: the Linux BPF subsystem and seccomp, emulated (reference kernel: Linux 6.18)\n');
    const ok = ebpfDemo(out, io) && (await objectsDemo(out, io)) && (await seccompDemo(out, io));
    io.out(ok ? '\nDemo finished.\n' : '\nThe demo found a problem (see above).\n');
    return ok ? 0 : 1;
  },
};
