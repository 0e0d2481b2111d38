/**
 * @fileoverview strace logs as replayable syscall traces: the public surface of src/kernel/strace.
 *
 * Models the reader of strace's output format (strace.io: src/strace.c, src/syscall.c, src/util.c).
 * `parseStrace(text)` → events; `argValue(arg)` → the u64 seccomp_data.args value.
 */
export { parseArgList, parseIntLiteral } from './args.js';
export { X86_64_CONSTANT_GROUPS, x86_64Constant } from './constants.js';
export { StraceParseError, StraceSyntaxError } from './errors.js';
export { type MergedEvent, mergeStraceFiles, pidFromFileName, type StraceFile } from './merge.js';
export { parseStrace, type StraceParseOptions, StraceParser, type StraceTrace } from './parse.js';
export type * from './trace.js';
export { unknownSyscallNumber } from './trace.js';
export { argValue, type ConstantLookup, seccompArgs } from './value.js';
