/**
 * @fileoverview The architectures a seccomp profile can name, with their OCI (`SCMP_ARCH_*`),
 * Go/Docker (`amd64`) and kernel (`x86_64`) names, `AUDIT_ARCH_*` value, word size and how their
 * syscall numbers are built. Models libseccomp src/arch-*.c `struct arch_def` (token, token_bpf,
 * size, syscall offsets) and moby/profiles seccomp_linux.go nativeToSeccomp.
 */
import { X32_SYSCALL_BIT } from '../uapi.js';
import type { SyscallColumn } from './tables.generated.js';

/** One architecture. Models libseccomp `struct arch_def`. */
export interface SeccompArch {
  /** Canonical bpfsim name (libseccomp's: `x86_64`, `x86`, `x32`, `aarch64` ...). */
  readonly id: string;
  /** OCI runtime-spec name (`SCMP_ARCH_X86_64`). */
  readonly scmp: string;
  /** Go `GOARCH` name moby uses in `includes.arches` / `excludes.arches` (`amd64`, `x86`, `arm64`). */
  readonly go: string;
  /** Other accepted spellings (`i386`, `arm64`, `x86-64` ...). */
  readonly aliases: readonly string[];
  /** `AUDIT_ARCH_*`: what `seccomp_data.arch` holds. */
  readonly audit: number;
  /** 64 compares both argument halves; 32 only the low half (libseccomp `_db_rule_gen_32`). */
  readonly bits: 32 | 64;
  /** Column of the generated syscall table. */
  readonly column: SyscallColumn;
  /** Added to the table's numbers (x32: `__X32_SYSCALL_BIT`, MIPS: 4000/5000/6000). */
  readonly offset: number;
}

function arch(
  id: string,
  scmp: string,
  go: string,
  aliases: readonly string[],
  audit: number,
  bits: 32 | 64,
  column: SyscallColumn,
  offset = 0,
): SeccompArch {
  return { id, scmp, go, aliases, audit: audit >>> 0, bits, column, offset };
}

/** Every supported architecture (libseccomp's list minus m68k, parisc, sh). */
export const SECCOMP_ARCHES: readonly SeccompArch[] = [
  arch('x86_64', 'SCMP_ARCH_X86_64', 'amd64', ['x86-64', 'x64'], 0xc000003e, 64, 'x86_64'),
  arch('x86', 'SCMP_ARCH_X86', 'x86', ['i386', 'i686', '386', 'ia32'], 0x40000003, 32, 'x86'),
  arch('x32', 'SCMP_ARCH_X32', 'x32', [], 0xc000003e, 32, 'x32', X32_SYSCALL_BIT),
  arch('arm', 'SCMP_ARCH_ARM', 'arm', ['armhf', 'armel'], 0x40000028, 32, 'arm'),
  arch('aarch64', 'SCMP_ARCH_AARCH64', 'arm64', [], 0xc00000b7, 64, 'aarch64'),
  arch('loongarch64', 'SCMP_ARCH_LOONGARCH64', 'loong64', ['loongarch64'], 0xc0000102, 64, 'loongarch64'),
  arch('mips', 'SCMP_ARCH_MIPS', 'mips', [], 0x00000008, 32, 'mips', 4000),
  arch('mipsel', 'SCMP_ARCH_MIPSEL', 'mipsle', ['mipsel'], 0x40000008, 32, 'mips', 4000),
  arch('mips64', 'SCMP_ARCH_MIPS64', 'mips64', [], 0x80000008, 64, 'mips64', 5000),
  arch('mipsel64', 'SCMP_ARCH_MIPSEL64', 'mips64le', ['mipsel64'], 0xc0000008, 64, 'mips64', 5000),
  arch('mips64n32', 'SCMP_ARCH_MIPS64N32', 'mips64n32', [], 0xa0000008, 32, 'mips64n32', 6000),
  arch(
    'mipsel64n32',
    'SCMP_ARCH_MIPSEL64N32',
    'mipsel64n32',
    ['mips3l64n32'],
    0xe0000008,
    32,
    'mips64n32',
    6000,
  ),
  arch('ppc', 'SCMP_ARCH_PPC', 'ppc', [], 0x00000014, 32, 'ppc'),
  arch('ppc64', 'SCMP_ARCH_PPC64', 'ppc64', [], 0x80000015, 64, 'ppc64'),
  arch('ppc64le', 'SCMP_ARCH_PPC64LE', 'ppc64le', [], 0xc0000015, 64, 'ppc64'),
  arch('riscv64', 'SCMP_ARCH_RISCV64', 'riscv64', [], 0xc00000f3, 64, 'riscv64'),
  arch('s390', 'SCMP_ARCH_S390', 's390', [], 0x00000016, 32, 's390'),
  arch('s390x', 'SCMP_ARCH_S390X', 's390x', [], 0x80000016, 64, 's390x'),
];

const byName = new Map<string, SeccompArch>();
for (const a of SECCOMP_ARCHES) {
  for (const n of [a.id, a.scmp, a.go, ...a.aliases]) byName.set(n.toLowerCase(), a);
}

/**
 * Finds an architecture by any of its names, case-insensitively: `SCMP_ARCH_X86_64`, `amd64`,
 * `x86_64`, `i386` ... Models libseccomp `seccomp_arch_resolve_name` plus the OCI and Go spellings.
 */
export function findArch(name: string): SeccompArch | undefined {
  return byName.get(name.trim().toLowerCase());
}

/** The architecture with this canonical id; throws for an unknown id (a programming error). */
export function archById(id: string): SeccompArch {
  const a = SECCOMP_ARCHES.find((x) => x.id === id);
  if (a === undefined) throw new Error(`unknown architecture id '${id}'`);
  return a;
}

/** Every accepted architecture name, for error messages and --help. */
export function archNames(): string[] {
  return SECCOMP_ARCHES.map((a) => a.id);
}
