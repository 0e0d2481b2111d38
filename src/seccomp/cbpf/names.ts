/**
 * @fileoverview Names the disassembler and assembler print and read: `ARCH_X86_64` for
 * AUDIT_ARCH values, seccomp-tools' architecture names (`amd64`, `i386`, `aarch64`, `s390x`,
 * `riscv64`) and the syscall-name lookups callers plug in (the full tables live in
 * src/seccomp/syscalls). Models include/uapi/linux/audit.h `AUDIT_ARCH_*`.
 */
import { AUDIT_ARCH } from '../uapi.js';

/** Looks up syscall names and numbers for an `AUDIT_ARCH_*` value. */
export interface SyscallNames {
  /** The name of `nr` as `seccomp_data.nr` holds it (x32 numbers carry 0x40000000). */
  name(arch: number, nr: number): string | undefined;
  /** The number of `name`, or undefined. */
  number?(arch: number, name: string): number | undefined;
  /** The argument names of a syscall (`kill` → `['pid', 'sig']`), for seccomp-tools' comments. */
  args?(name: string): readonly string[] | undefined;
}

/** `ARCH_X86_64`-style name of an AUDIT_ARCH value, or undefined. */
export function auditArchName(value: number): string | undefined {
  for (const [k, v] of Object.entries(AUDIT_ARCH)) if (v === value >>> 0) return `ARCH_${k}`;
  return undefined;
}

/** The AUDIT_ARCH value of `ARCH_X86_64` (case-insensitive), or undefined. */
export function auditArchValue(name: string): number | undefined {
  const m = /^ARCH_(\w+)$/i.exec(name);
  if (!m) return undefined;
  return (AUDIT_ARCH as Record<string, number>)[(m[1] as string).toUpperCase()];
}

/** seccomp-tools' short architecture names and their AUDIT_ARCH values. */
export const TOOL_ARCHES: Readonly<Record<string, number>> = {
  amd64: AUDIT_ARCH.X86_64,
  i386: AUDIT_ARCH.I386,
  aarch64: AUDIT_ARCH.AARCH64,
  s390x: AUDIT_ARCH.S390X,
  riscv64: AUDIT_ARCH.RISCV64,
  arm: AUDIT_ARCH.ARM,
  ppc64le: AUDIT_ARCH.PPC64LE,
  mips64: AUDIT_ARCH.MIPS64,
  mipsel64: AUDIT_ARCH.MIPSEL64,
};

/** Accepted spellings of architectures on the command line (`x86_64`, `amd64`, `i386`, `x86` ...). */
const ARCH_ALIASES: Readonly<Record<string, number>> = {
  ...TOOL_ARCHES,
  x86_64: AUDIT_ARCH.X86_64,
  x86: AUDIT_ARCH.I386,
  arm64: AUDIT_ARCH.AARCH64,
  riscv: AUDIT_ARCH.RISCV64,
};

/** Parses an architecture name or `0x…` AUDIT_ARCH value; undefined if unknown. */
export function parseArch(text: string): number | undefined {
  if (/^0x[0-9a-f]{1,8}$/i.test(text)) return Number.parseInt(text, 16) >>> 0;
  return ARCH_ALIASES[text.toLowerCase()] ?? auditArchValue(text);
}

/** seccomp-tools' short name of an AUDIT_ARCH value (`amd64`), else the lower-case audit name. */
export function toolArchName(value: number): string {
  for (const [k, v] of Object.entries(TOOL_ARCHES)) if (v === value >>> 0) return k;
  return (auditArchName(value) ?? `0x${(value >>> 0).toString(16)}`).replace(/^ARCH_/, '').toLowerCase();
}
