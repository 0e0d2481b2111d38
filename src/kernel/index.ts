/**
 * @fileoverview The simulated kernel: tasks, fd tables, user memory, the bpf() syscall and its
 * objects, and the {@link EmulatedHost} that drives it like a process (kernel/bpf/syscall.c and
 * friends, see each module).
 */
export { Accounting, type Charge, type KernelProfile, type UserStruct } from './accounting.js';
export {
  createMap,
  getPinnedFd,
  loadProgram,
  MapHandle,
  type MapSpec,
  ProgHandle,
  type ProgSpec,
} from './api/index.js';
export { BpfAttr, readAttrFromUser } from './attr/codec.js';
export { BPF_CMD, bpfCmdName } from './attr/commands.js';
export * as attrLayout from './attr/layout.js';
export { BPF_ATTR_SIZE, LAST_FIELD_END } from './attr/layout.js';
export { BPFFS_MOUNT, BpfFs } from './bpffs.js';
export { HZ, VirtualClock } from './clock.js';
export { bpfCapable, CAP, type CapName, type CapSpec, type Creds, capable, capSet } from './creds.js';
export { convertPacketPointerLoads } from './ctx-convert.js';
export { EmulatedHost, fdinfo } from './emulated-host.js';
export { BpfError } from './errors.js';
export { FdTable } from './fdtable.js';
export { FMODE, KFile, O_FLAGS } from './file.js';
export { Kernel, type KernelOptions, type SpawnOptions } from './kernel.js';
export { KMap, KProg } from './objects.js';
export { Prandom } from './prandom.js';
export type { ProgRunner, RunOutcome, RunRequest } from './prog-runner.js';
export { progDigest, tagHex } from './prog-tag.js';
export { sha256 } from './sha256.js';
export { doSyscall, NR, PR, SIG, type SyscallOutcome } from './syscall-entry.js';
export { RLIMIT, type SyscallHost, type SysctlResult } from './syscall-host.js';
export { Task } from './task.js';
export { PAGE_SIZE, UserMemory } from './user-memory.js';
export {
  structuralCheck,
  type VerifierHook,
  type VerifierMapRef,
  type VerifierRequest,
  type VerifierResult,
} from './verifier-hook.js';
export { BPF_LOG, VerifierLog } from './verifier-log.js';
export { VmRunner } from './vm-runner.js';
