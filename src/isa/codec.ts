/**
 * @fileoverview Bytes ↔ instructions, with the kernel's structural checks.
 *
 * Models what `bpf_prog_load` (kernel/bpf/syscall.c) and the first passes of the verifier
 * (kernel/bpf/verifier.c, see validate.ts) do with the `insns` buffer: the length must be a whole
 * number of 8-byte `struct bpf_insn` slots and every slot must be a valid encoding.
 */
import type { Insn } from './insn.js';
import { decodeRaw, encodeRaw, INSN_SIZE } from './insn.js';
import { validateInsns } from './validate.js';

/** Result of `decode`: the slots, or the first error and the slot it concerns. */
export type DecodeResult = { ok: true; insns: Insn[] } | { ok: false; error: string; pc: number };

/** Options of `decode`. */
export interface DecodeOptions {
  /** Run `validateInsns` on the slots (default true). */
  validate?: boolean;
}

/**
 * Decodes little-endian `struct bpf_insn` bytes. Never throws: a length that is not a multiple of
 * 8 or an invalid encoding gives `{ ok: false, error, pc }` (kernel message text where the kernel
 * has one).
 */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const insns = decodeRaw(bytes);
  if (insns === undefined) {
    return {
      ok: false,
      error: `program length ${bytes.length} is not a multiple of ${INSN_SIZE} bytes`,
      pc: Math.floor(bytes.length / INSN_SIZE),
    };
  }
  if (options.validate !== false) {
    const v = validateInsns(insns);
    if (!v.ok) return v;
  }
  return { ok: true, insns };
}

/** Encodes slots as little-endian `struct bpf_insn` bytes (8 per slot). */
export function encode(insns: readonly Insn[]): Uint8Array {
  return encodeRaw(insns);
}
