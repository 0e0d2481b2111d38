/**
 * @fileoverview Public entry of the verifier building blocks (kernel/bpf/verifier.c, tnum.c,
 * log.c state printing): tracked numbers, scalar bounds, ALU and branch transfer functions,
 * register state text and CFG checks.
 */

export * from './bench.js';
export * from './bounds.js';
export * from './branch.js';
export * from './cfg.js';
export * from './linked-regs.js';
export * from './print-state.js';
export * from './reg-state.js';
export * from './scalar-alu.js';
export * from './tnum.js';
