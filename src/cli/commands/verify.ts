/**
 * @fileoverview `bpfsim verify FILE`: loads a program with BPF_PROG_LOAD and prints the verifier
 * log, as `bpftool prog load ... -d` / veristat show it, on bpfsim's kernel or, with
 * `--backend kernel`, on the real kernel of this machine (the log of Linux's own verifier).
 */

import { encodeRaw } from '../../isa/insn.js';
import { EmulatedHost } from '../../kernel/emulated-host.js';
import { loadWithLog } from '../../kernel/host-load.js';
import type { SyscallHost } from '../../kernel/syscall-host.js';
import { PROG_TYPE_NAMES, progTypeNumber } from '../../progs/types.js';
import { errnoName } from '../../uapi/errno.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { readProgram } from './exec.js';

const HELP = `Usage: bpfsim verify FILE [--type TYPE] [--log-level N] [--backend emulator|kernel] [--license L] [-j]
Loads the program in FILE (raw struct bpf_insn bytes, hex text, or assembly in the kernel or uBPF
syntax) with BPF_PROG_LOAD and prints the verifier log and the verdict, as 'bpftool prog load -d'
shows them.

  --type TYPE       program type (default socket_filter): xdp, sched_cls, kprobe, ...
  --log-level N     BPF_LOG_LEVEL: 1 (default), 2 (every instruction's state), 4 (statistics)
  --backend B       emulator (default): bpfsim's verifier, which prints the kernel's log format.
                    kernel: this machine's real kernel (Linux, root), i.e. the log of Linux's own
                    verifier, to compare with.
  --license L       license string (default GPL)
  -j, --json        {"verdict": "accept"|"reject", "errno", "log", "verified_insns"}

Exit status: 0 when the program is accepted, 1 when it is rejected, 2 for bad input.

Example:
  printf 'r0 = 0\\nexit\\n' | bpfsim verify - --backend kernel --log-level 2`;

/** `bpfsim verify`. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: "load a program and print the verifier's log (bpfsim's kernel or the real one)",
  help: HELP,
  async run(args, io, global) {
    const p = parseArgs(args, {
      type: 'string',
      'log-level': 'string',
      backend: 'string',
      license: 'string',
      syntax: 'string',
    });
    const file = p.positional[0];
    if (file === undefined || p.positional.length > 1) throw new CliError('verify: expected one FILE', 2);
    const typeName = p.values.get('type') ?? 'socket_filter';
    const type = progTypeNumber(typeName);
    if (type === undefined) throw new CliError(`verify: unknown program type '${typeName}'`, 2);
    const levelText = p.values.get('log-level') ?? '1';
    if (!/^\d+$/.test(levelText)) throw new CliError(`verify: bad --log-level '${levelText}'`, 2);
    const level = Number(levelText);
    const backend = p.values.get('backend') ?? 'emulator';
    if (backend !== 'emulator' && backend !== 'kernel')
      throw new CliError(`verify: unknown backend '${backend}' (emulator or kernel)`, 2);
    const raw = encodeRaw(readProgram(file, p.values.get('syntax'), io));
    let host: SyscallHost & { dispose?: () => void };
    if (backend === 'kernel') {
      const { KernelHost, BackendUnavailableError } = await import('../../kernel/backend/index.js');
      try {
        host = await KernelHost.open();
      } catch (e) {
        if (e instanceof BackendUnavailableError)
          throw new CliError(`verify: the kernel backend is not available here: ${e.message}`);
        throw e;
      }
    } else host = EmulatedHost.create({ seed: 1 });
    let r: ReturnType<typeof loadWithLog>;
    try {
      r = loadWithLog(host, raw, type, level, p.values.get('license') ?? 'GPL');
    } finally {
      host.dispose?.();
    }
    const verdict = r.ret >= 0 ? 'accept' : 'reject';
    const verified = /processed (\d+) insns/.exec(r.log)?.[1];
    if (global.json) {
      const o = {
        backend,
        type: PROG_TYPE_NAMES[type] ?? typeName,
        verdict,
        errno: r.ret >= 0 ? null : (errnoName(-r.ret) ?? -r.ret),
        log: r.log,
        log_true_size: r.trueSize,
        ...(verified !== undefined ? { verified_insns: Number(verified) } : {}),
      };
      io.out(`${JSON.stringify(o, null, global.pretty ? 2 : undefined)}\n`);
    } else {
      if (r.log) io.out(r.log.endsWith('\n') ? r.log : `${r.log}\n`);
      io.out(r.ret >= 0 ? 'verdict: accept\n' : `verdict: reject (${errnoName(-r.ret) ?? -r.ret})\n`);
    }
    return r.ret >= 0 ? 0 : 1;
  },
};
