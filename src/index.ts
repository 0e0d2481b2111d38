/**
 * @fileoverview bpfsim's library entry: a simulated Linux 6.18 kernel with the bpf() syscall and a
 * friendly API on top of it (like cilium/ebpf or libbpf).
 *
 * ```ts
 * import { Kernel } from 'bpfsim';
 *
 * const kernel = new Kernel({ seed: 1 });
 * const task = kernel.spawn({ uid: 0, caps: 'all' });
 * const counts = task.createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 1024 });
 * counts.update(1, 42n);
 * counts.lookup(1); // Uint8Array [42, 0, 0, 0, 0, 0, 0, 0]
 * const prog = task.loadProgram({ type: 'xdp', insns: [...] });
 * prog.run(new Uint8Array(64)).retval;
 * ```
 *
 * Failures throw `BpfError` (errno, its name, the command and, for loads, the verifier log).
 * Models kernel/bpf/syscall.c and the modules named in each export's documentation.
 */

export { type BytesLike, leToBigInt, toBytes } from './kernel/api/bytes.js';
export type { RunResult as TestRunResult } from './kernel/api/prog.js';
export {
  BPF_CMD,
  BpfError,
  CAP,
  EmulatedHost,
  Kernel,
  type KernelOptions,
  type KernelProfile,
  MapHandle,
  type MapSpec,
  ProgHandle,
  type ProgSpec,
  RLIMIT,
  type SpawnOptions,
  type SyscallHost,
  Task,
} from './kernel/index.js';
export { BPF_MAP_TYPE } from './maps/uapi.js';
export { BPF_PROG_TYPE } from './progs/types.js';
export { ERRNO, errnoName } from './uapi/errno.js';
