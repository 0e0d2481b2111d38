/**
 * @fileoverview The sysctls of the bpf subsystem under /proc/sys.
 *
 * Models kernel/bpf/syscall.c `bpf_unpriv_handler` (`kernel/unprivileged_bpf_disabled`: 0..2, writes
 * need CAP_SYS_ADMIN, 1 is sticky), `kernel/bpf_stats_enabled`, and net/core/sysctl_net_core.c
 * `net/core/bpf_jit_enable` / `bpf_jit_harden` / `bpf_jit_kallsyms` / `bpf_jit_limit`. Writing a
 * /proc/sys file needs write permission on it (mode 0644/0600, owner root): EACCES otherwise.
 */
import { ERRNO } from '../uapi/errno.js';
import { CAP, type Creds, capable } from './creds.js';

/** One sysctl: its value and the write handler's rules. */
interface SysctlEntry {
  value: number;
  min: number;
  max: number;
  /** Privilege check before parsing (`bpf_unpriv_handler`: CAP_SYS_ADMIN); 0 or -errno. */
  check?(creds: Creds): number;
  /** Check after the range check (1 is sticky); 0 or -errno. */
  sticky?(from: number, to: number): number;
}

/** Result of a sysctl access: 0 or -errno, and the value read after the access. */
export interface SysctlAccess {
  ret: number;
  value?: string;
}

/** The sysctl table of one kernel. */
export class Sysctls {
  private readonly table = new Map<string, SysctlEntry>();

  constructor(unprivilegedBpfDisabled: number) {
    this.table.set('kernel/unprivileged_bpf_disabled', {
      value: unprivilegedBpfDisabled,
      min: 0,
      max: 2,
      check: (creds) => (capable(creds, CAP.SYS_ADMIN) ? 0 : -ERRNO.EPERM),
      sticky: (from, to) => (from === 1 && to !== 1 ? -ERRNO.EPERM : 0),
    });
    this.table.set('kernel/bpf_stats_enabled', {
      value: 0,
      min: 0,
      max: 1,
      check: (creds) => (capable(creds, CAP.SYS_ADMIN) ? 0 : -ERRNO.EPERM),
    });
    const sysAdmin = (creds: Creds): number => (capable(creds, CAP.SYS_ADMIN) ? 0 : -ERRNO.EPERM);
    this.table.set('net/core/bpf_jit_enable', { value: 1, min: 1, max: 1, check: sysAdmin });
    this.table.set('net/core/bpf_jit_harden', { value: 0, min: 0, max: 2, check: sysAdmin });
    this.table.set('net/core/bpf_jit_kallsyms', { value: 0, min: 0, max: 1, check: sysAdmin });
  }

  /** Every sysctl path (`kernel/unprivileged_bpf_disabled`...), sorted. */
  paths(): string[] {
    return [...this.table.keys()].sort();
  }

  /** The current value of a sysctl, or undefined if it does not exist. */
  get(path: string): number | undefined {
    return this.table.get(normalize(path))?.value;
  }

  /** Reads and, with `write`, first writes `/proc/sys/<path>` as the task with `creds`. */
  access(creds: Creds, path: string, write?: string): SysctlAccess {
    const e = this.table.get(normalize(path));
    if (!e) return { ret: -ERRNO.ENOENT };
    if (write !== undefined) {
      // The files are owned by root with mode 0644: only root (or CAP_DAC_OVERRIDE) may open them for writing.
      if (creds.uid !== 0 && !capable(creds, CAP.DAC_OVERRIDE))
        return { ret: -ERRNO.EACCES, value: String(e.value) };
      const denied = e.check?.(creds) ?? 0;
      if (denied) return { ret: denied, value: String(e.value) };
      const text = write.trim();
      if (!/^-?\d+$/.test(text)) return { ret: -ERRNO.EINVAL, value: String(e.value) };
      const to = Number(text);
      if (to < e.min || to > e.max) return { ret: -ERRNO.EINVAL, value: String(e.value) };
      const locked = e.sticky?.(e.value, to) ?? 0;
      if (locked) return { ret: locked, value: String(e.value) };
      e.value = to;
    }
    return { ret: 0, value: String(e.value) };
  }
}

function normalize(path: string): string {
  return path
    .replace(/^\/?proc\/sys\//, '')
    .replace(/^\/+/, '')
    .replace(/\./g, '/');
}
