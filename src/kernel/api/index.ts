/**
 * @fileoverview The friendly API over the raw bpf() syscall (like cilium/ebpf and libbpf): map and
 * program handles, pinning, errors as {@link BpfError}.
 */
export { type BytesLike, leToBigInt, toBytes } from './bytes.js';
export { createMap, getPinnedFd, MapHandle, type MapSpec, mapTypeNumber, pinFd } from './map.js';
export { loadProgram, ProgHandle, type ProgSpec, type RunResult } from './prog.js';
