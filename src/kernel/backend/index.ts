/**
 * @fileoverview The kernel backend: bpfsim's {@link SyscallHost} on the host's real Linux kernel,
 * through koffi (Node) or bun:ffi (Bun), plus child-process replays with other credentials or in a
 * memory cgroup. Node only; the rest of bpfsim never imports it statically.
 */
export {
  becomeChild,
  CHILD_FLAGS,
  type ChildIdentity,
  type ChildOptions,
  type CliSpawn,
  replayInChild,
} from './child.js';
export { BackendUnavailableError, type Libc, loadLibc } from './ffi.js';
export { KernelHost, type KernelHostOptions, parseCpuList, SysctlWriteRefusedError } from './kernel-host.js';
export { createMemcg, type Memcg, parseSize } from './memcg.js';
