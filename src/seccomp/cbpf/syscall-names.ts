/**
 * @fileoverview `SyscallNames` over bpfsim's syscall tables (src/seccomp/syscalls, from libseccomp
 * src/syscalls.csv), named the way seccomp-tools names them: on x86_64, numbers with the x32 bit
 * (`__X32_SYSCALL_BIT`) are `x32_<name>`; argument names come from `sys-args.ts`. Models
 * seccomp-tools lib/seccomp-tools/consts/sys_nr and sys_arg.rb.
 */
import { SECCOMP_ARCHES, type SeccompArch } from '../syscalls/arches.js';
import { syscallName, syscallNumber } from '../syscalls/resolve.js';
import { AUDIT_ARCH, X32_SYSCALL_BIT } from '../uapi.js';
import type { SyscallNames } from './names.js';
import { syscallArgNames } from './sys-args.js';

function archOf(audit: number, x32: boolean): SeccompArch | undefined {
  const id = x32 ? 'x32' : undefined;
  return SECCOMP_ARCHES.find((a) => (id ? a.id === id : a.audit === audit >>> 0 && a.id !== 'x32'));
}

/** Syscall names, numbers and argument names of every architecture bpfsim knows. */
export const SYSCALL_NAMES: SyscallNames = {
  name(arch, nr) {
    const x32 = arch >>> 0 === AUDIT_ARCH.X86_64 && (nr & X32_SYSCALL_BIT) !== 0;
    const a = archOf(arch, x32);
    if (a === undefined) return undefined;
    const name = syscallName(a, nr >>> 0);
    return name !== undefined && x32 ? `x32_${name}` : name;
  },
  number(arch, name) {
    const x32 = arch >>> 0 === AUDIT_ARCH.X86_64 && name.startsWith('x32_');
    const a = archOf(arch, x32);
    return a === undefined ? undefined : syscallNumber(a, x32 ? name.slice(4) : name);
  },
  args: syscallArgNames,
};
