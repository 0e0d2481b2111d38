/**
 * @fileoverview The seccomp layer of bpfsim: classic BPF (codec, validator, interpreter, JIT),
 * `seccomp_data`, actions, filter chains attached to tasks, syscall tables, OCI / Docker profiles
 * and the profile compiler. Models include/uapi/linux/seccomp.h, kernel/seccomp.c,
 * net/core/filter.c (classic BPF), libseccomp and the container runtimes' profile handling.
 */
export * from './actions.js';
export * from './attach.js';
export * from './cbpf/index.js';
export * from './chain.js';
export * from './compile/actions.js';
export * from './compile/compile.js';
export * from './compile/plan.js';
export * from './compile/sections.js';
export * from './data.js';
export * from './profile/json.js';
export * from './profile/parse.js';
export * from './profile/resolve.js';
export * from './profile/types.js';
export * from './syscalls/arches.js';
export * from './syscalls/resolve.js';
export * from './uapi.js';
