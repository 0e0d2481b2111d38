/**
 * @fileoverview `bpfsim sysctl`: the bpf sysctls of the persistent simulated kernel, with
 * sysctl(8)'s words and output (`kernel.unprivileged_bpf_disabled = 2`).
 *
 * Models reads and writes of /proc/sys/kernel/unprivileged_bpf_disabled, kernel/bpf_stats_enabled
 * and net/core/bpf_jit_* (kernel/bpf/syscall.c, net/core/sysctl_net_core.c) as root: a write
 * follows the kernel's rules (range, and unprivileged_bpf_disabled=1 cannot be undone) and is
 * kept in the state directory like every other change of the kernel.
 */
import { ERRNO } from '../../uapi/errno.js';
import { CliError, type Command } from '../command.js';
import { type ObjectSub, objectCommand } from '../objects/common.js';

const HELP = `Usage: bpfsim sysctl [-a] [NAME...] | bpfsim sysctl -w NAME=VALUE...
Reads (or with -w writes) the bpf sysctls of the persistent simulated kernel, as sysctl(8) does:
NAME is dotted (kernel.unprivileged_bpf_disabled) or a /proc/sys path. Writes follow the
kernel's rules: values out of range are EINVAL, and kernel.unprivileged_bpf_disabled, once 1,
cannot be changed (EPERM). The values live in the state directory (--state DIR, BPFSIM_STATE,
./.bpfsim; --ephemeral for none).

  -a          every sysctl (the default without NAME)
  -w          write NAME=VALUE pairs

Example:
  bpfsim sysctl -w kernel.unprivileged_bpf_disabled=1`;

const dotted = (path: string): string => path.replace(/\//g, '.');
const slashed = (name: string): string => name.replace(/^\/proc\/sys\//, '').replace(/\./g, '/');

const SUBS: Readonly<Record<string, ObjectSub>> = {
  show: {
    usage: 'sysctl [NAME...]',
    mutates: false,
    run(task, words, io) {
      const names = words.length ? words : task.kernel.sysctls.paths();
      let status = 0;
      for (const n of names) {
        const r = task.kernel.sysctls.access(task.creds, slashed(n));
        if (r.ret < 0) {
          io.err(`sysctl: cannot stat /proc/sys/${slashed(n)}: No such file or directory\n`);
          status = 1;
        } else io.out(`${dotted(slashed(n))} = ${r.value}\n`);
      }
      return status;
    },
  },
  write: {
    usage: 'sysctl -w NAME=VALUE...',
    mutates: true,
    run(task, words, io) {
      let status = 0;
      for (const w of words) {
        const eq = w.indexOf('=');
        if (eq < 0) throw new CliError(`sysctl: "${w}" must be of the form name=value`, 2);
        const name = slashed(w.slice(0, eq));
        const r = task.kernel.sysctls.access(task.creds, name, w.slice(eq + 1));
        if (r.ret === -ERRNO.EPERM || r.ret === -ERRNO.EACCES) {
          io.err(`sysctl: permission denied on key "${dotted(name)}"\n`);
          status = 1;
        } else if (r.ret < 0) {
          const why = r.ret === -ERRNO.ENOENT ? 'No such file or directory' : 'Invalid argument';
          io.err(`sysctl: setting key "${dotted(name)}": ${why}\n`);
          status = 1;
        } else io.out(`${dotted(name)} = ${r.value}\n`);
      }
      return status;
    },
  },
};

const inner = objectCommand('sysctl', 'the bpf sysctls of the persistent simulated kernel', HELP, {
  sysctl: SUBS,
});

/** `bpfsim sysctl`. */
export const sysctlCommand: Command = {
  name: 'sysctl',
  summary: 'read or write the bpf sysctls of the persistent simulated kernel (sysctl(8) words)',
  help: HELP,
  run(args, io, global) {
    const pass: string[] = [];
    const words: string[] = [];
    let write = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === '--ephemeral') pass.push(a);
      else if (a === '--state') pass.push(a, args[++i] ?? '');
      else if (a.startsWith('--state=')) pass.push(a);
      else if (a === '-w') write = true;
      else if (a === '-a') continue;
      else if (a.startsWith('-')) throw new CliError(`sysctl: unknown option '${a}'`, 2);
      else words.push(a);
    }
    if (write && words.length === 0) throw new CliError('sysctl: -w needs NAME=VALUE', 2);
    return inner.run([...pass, write ? 'write' : 'show', ...words], io, global);
  },
};
