/**
 * @fileoverview The seccomp profile model: the OCI runtime-spec `linux.seccomp` object
 * (specs-go LinuxSeccomp, schema/defs-linux.json) plus moby/profiles' extensions (`archMap`,
 * legacy `name`, `comment`, `includes`/`excludes`). Models opencontainers/runtime-spec
 * specs-go/config.go and moby/profiles seccomp/seccomp.go.
 */

/** OCI seccomp actions (`SeccompAction` in defs-linux.json). */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

/** One OCI seccomp action name. */
export type SeccompActionName = (typeof SECCOMP_ACTIONS)[number];

/** OCI argument comparison operators (`SeccompOperators`); libseccomp `enum scmp_compare`. */
export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

/** One OCI comparison operator. */
export type SeccompOperator = (typeof SECCOMP_OPERATORS)[number];

/** OCI `flags` values (`SeccompFlag`). */
export const SECCOMP_PROFILE_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

/** One OCI filter flag. */
export type SeccompProfileFlag = (typeof SECCOMP_PROFILE_FLAGS)[number];

/** One argument condition (specs-go LinuxSeccompArg). Values are unsigned 64-bit. */
export interface ProfileArg {
  index: number;
  value: bigint;
  valueTwo: bigint;
  op: SeccompOperator;
}

/** moby `includes` / `excludes` (seccomp.Filter). */
export interface ProfileCondition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** One `syscalls[]` entry (specs-go LinuxSyscall + moby's Syscall fields). */
export interface ProfileSyscall {
  /** Position in the profile's `syscalls` array, for error messages. */
  index: number;
  names: string[];
  action: SeccompActionName;
  errnoRet?: number;
  args: ProfileArg[];
  comment?: string;
  includes?: ProfileCondition;
  excludes?: ProfileCondition;
}

/** moby `archMap` entry. */
export interface ProfileArchMap {
  architecture: string;
  subArchitectures: string[];
}

/** A parsed, validated profile (specs-go LinuxSeccomp + moby seccomp.Seccomp). */
export interface SeccompProfile {
  /** Where it came from (a file path), used as the prefix of error messages. */
  source: string;
  defaultAction: SeccompActionName;
  defaultErrnoRet?: number;
  /** `architectures` as written (SCMP_ARCH_* names). */
  architectures: string[];
  archMap?: ProfileArchMap[];
  /** `flags`; undefined when the key is absent (runc then asks for SPEC_ALLOW). */
  flags?: SeccompProfileFlag[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: ProfileSyscall[];
}

/** A profile error naming the profile and the field: `profile.json: syscalls[3].action: ...`. */
export class SeccompProfileError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(field === '' ? `${source}: ${detail}` : `${source}: ${field}: ${detail}`);
    this.name = 'SeccompProfileError';
  }
}
