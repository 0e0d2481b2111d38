/**
 * @fileoverview Syscall name ↔ number per architecture. Models libseccomp
 * `seccomp_syscall_resolve_name_arch` / `seccomp_syscall_resolve_num_arch` (arch-x32.c adds
 * `__X32_SYSCALL_BIT`, arch-mips*.c their 4000/5000/6000 bases).
 */
import type { SeccompArch } from './arches.js';
import { SYSCALL_NAMES, SYSCALL_NUMBERS } from './tables.generated.js';

const nameIndex = new Map<string, number>(SYSCALL_NAMES.map((n, i) => [n, i]));
const reverse = new Map<string, Map<number, string>>();

/** True when libseccomp knows the name on some architecture (runc ignores the others). */
export function isKnownSyscall(name: string): boolean {
  return nameIndex.has(name);
}

/**
 * The number of syscall `name` on `arch` (x32 numbers carry 0x40000000), or undefined when the
 * name is unknown or the arch has no such syscall (libseccomp's `__PNR_*` pseudo numbers).
 */
export function syscallNumber(arch: SeccompArch, name: string): number | undefined {
  const i = nameIndex.get(name);
  if (i === undefined) return undefined;
  const nr = SYSCALL_NUMBERS[arch.column][i] ?? -1;
  return nr < 0 ? undefined : (nr + arch.offset) >>> 0;
}

/** The name of syscall number `nr` on `arch` (as `seccomp_data.nr` holds it), or undefined. */
export function syscallName(arch: SeccompArch, nr: number): string | undefined {
  let m = reverse.get(arch.id);
  if (m === undefined) {
    m = new Map();
    for (const [name, n] of archSyscalls(arch)) if (!m.has(n)) m.set(n, name);
    reverse.set(arch.id, m);
  }
  return m.get(nr >>> 0);
}

/** Every `[name, nr]` of `arch`, sorted by number. */
export function archSyscalls(arch: SeccompArch): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const col = SYSCALL_NUMBERS[arch.column];
  SYSCALL_NAMES.forEach((name, i) => {
    const nr = col[i] ?? -1;
    if (nr >= 0) out.push([name, (nr + arch.offset) >>> 0]);
  });
  out.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  return out;
}
