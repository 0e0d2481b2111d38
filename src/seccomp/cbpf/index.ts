/**
 * @fileoverview Classic BPF for seccomp: instructions, codec, validator (net/core/filter.c
 * bpf_check_classic + kernel/seccomp.c seccomp_check_filter), interpreter, JIT, seccomp-tools
 * assembler and disassembler, tcpdump/C/JSON formats.
 */
export * from './asm.js';
export * from './codec.js';
export * from './disasm.js';
export * from './errors.js';
export * from './filter.js';
export * from './formats.js';
export * from './interp.js';
export * from './jit.js';
export * from './names.js';
export * from './opcodes.js';
export * from './prepare.js';
export * from './sys-args.js';
export * from './syscall-names.js';
export * from './validate.js';
