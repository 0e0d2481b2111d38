/**
 * @fileoverview The 64-bit value a traced argument had in the syscall's register, as the kernel puts
 * it in `struct seccomp_data.args[i]` (kernel/seccomp.c populate_seccomp_data, via
 * syscall_get_arguments: the full u64 register).
 */
import { x86_64Constant } from './constants.js';
import type { StraceArg } from './trace.js';

/** Looks up a symbolic constant's value on the traced arch. */
export type ConstantLookup = (name: string) => bigint | undefined;

const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/**
 * The u64 the kernel would see for `arg`: integers (negative ones sign-extended, as the C library
 * passes an `int` of -1 in a 64-bit register), `NULL` = 0, constants and flag expressions from
 * `lookup` (x86_64 table by default), arithmetic like `8192*1024`, the `before` side of `a => b`.
 * Integers printed in hex (untyped pointers/addresses) keep their printed value.
 *
 * `undefined` means "an address" or "not known": strings, structs, arrays and decodings like
 * `htons(9)` are passed by pointer, and an unknown constant name has no value in the table.
 */
export function argValue(arg: StraceArg, lookup: ConstantLookup = x86_64Constant): bigint | undefined {
  switch (arg.kind) {
    case 'int':
      return U64(arg.value);
    case 'null':
      return 0n;
    case 'const': {
      const v = lookup(arg.name);
      return v === undefined ? undefined : U64(v);
    }
    case 'flags': {
      let v = arg.remainder;
      for (const n of arg.names) {
        const x = lookup(n);
        if (x === undefined) return undefined;
        v |= x;
      }
      return U64(v);
    }
    case 'expr':
      return arg.value === undefined ? undefined : U64(arg.value);
    case 'changed':
      return argValue(arg.before, lookup);
    case 'string':
    case 'struct':
    case 'array':
    case 'call':
      return undefined;
  }
}

/**
 * The six seccomp_data.args of a call; `undefined` for unknown values and for registers past the
 * printed arguments (the kernel sees whatever they held, which strace does not show).
 */
export function seccompArgs(
  args: readonly StraceArg[],
  lookup: ConstantLookup = x86_64Constant,
): (bigint | undefined)[] {
  const out: (bigint | undefined)[] = [];
  for (let i = 0; i < 6; i++) {
    const a = args[i];
    out.push(a === undefined ? undefined : argValue(a, lookup));
  }
  return out;
}
