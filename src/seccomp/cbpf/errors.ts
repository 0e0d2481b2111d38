/**
 * @fileoverview The error thrown by the friendly cBPF APIs when a filter is one the kernel would
 * refuse. Models the `-EINVAL` of kernel/seccomp.c seccomp_prepare_filter.
 */
import { errnoName } from '../../uapi/errno.js';

/** A filter the kernel would not load: carries the errno, the instruction index and the reason. */
export class SeccompFilterError extends Error {
  constructor(
    readonly errno: number,
    readonly pc: number,
    readonly reason: string,
  ) {
    super(`${errnoName(errno) ?? `errno ${errno}`}: ${pc >= 0 ? `insn ${pc}: ` : ''}${reason}`);
    this.name = 'SeccompFilterError';
  }
}
