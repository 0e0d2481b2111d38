/**
 * @fileoverview The public API of the eBPF instruction set layer: encoding, opcodes, validation,
 * assemblers and disassemblers (kernel and uBPF syntaxes), and the kernel-macro builders.
 *
 * The builders are exported as the `builder` namespace because `BPF_ATOMIC_OP` names both the
 * opcode table of opcodes.ts and the include/linux/filter.h macro; import builder.js directly to
 * use the macro names bare.
 */
export * from './asm-kernel.js';
export * from './asm-ubpf.js';
export * as builder from './builder.js';
export * from './codec.js';
export * from './disasm-kernel.js';
export * from './disasm-ubpf.js';
export * from './insn.js';
export * from './opcodes.js';
export * from './validate.js';
