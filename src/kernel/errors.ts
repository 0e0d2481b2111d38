/**
 * @fileoverview The error the friendly API throws when a bpf() command fails.
 *
 * Carries what libbpf/cilium-ebpf users look at: the errno (as `errno` and by name), the command,
 * and for BPF_PROG_LOAD the verifier log (kernel/bpf/log.c contents).
 */
import { errnoName } from '../uapi/errno.js';
import { bpfCmdName } from './attr/commands.js';

/** A failed bpf() command: models the `-errno` return of kernel/bpf/syscall.c `__sys_bpf`. */
export class BpfError extends Error {
  /** Positive errno value. */
  readonly errno: number;
  /** `EPERM`, `EINVAL`... (or `errno N` when unnamed). */
  readonly code: string;
  /** The command number and its name (`BPF_MAP_CREATE`). */
  readonly cmd: number;
  readonly command: string;
  /** The verifier log of a failed BPF_PROG_LOAD (empty when no log was requested). */
  readonly log: string;

  constructor(cmd: number, ret: number, log = '', detail?: string) {
    const errno = -ret;
    const code = errnoName(errno) ?? `errno ${errno}`;
    const command = bpfCmdName(cmd);
    const lastLine = log
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('processed '))
      .pop();
    super(`${command}: ${code}${detail ? ` (${detail})` : ''}${lastLine ? `: ${lastLine}` : ''}`);
    this.name = 'BpfError';
    this.errno = errno;
    this.code = code;
    this.cmd = cmd;
    this.command = command;
    this.log = log;
  }
}
