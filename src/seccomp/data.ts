/**
 * @fileoverview `struct seccomp_data`: what a seccomp filter sees for one system call, and its
 * 64-byte little-endian encoding. Models include/uapi/linux/seccomp.h `struct seccomp_data` and
 * kernel/seccomp.c populate_seccomp_data.
 *
 * ```
 *   struct seccomp_data {          // 64 bytes
 *     int   nr;                    //  0
 *     __u32 arch;                  //  4  AUDIT_ARCH_*
 *     __u64 instruction_pointer;   //  8
 *     __u64 args[6];               // 16, 24, ... 56
 *   };
 * ```
 */
import { SECCOMP_DATA } from './uapi.js';

/**
 * One system call as a seccomp filter sees it. Models `struct seccomp_data`.
 * `nr` is the (signed) syscall number, `arch` an `AUDIT_ARCH_*` value; `args` holds up to six
 * 64-bit arguments (missing entries read as 0, values are taken modulo 2^64).
 */
export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer: bigint;
  args: readonly bigint[];
}

/** Number of 32-bit words in `struct seccomp_data` (64 / 4). */
export const SECCOMP_DATA_WORDS = SECCOMP_DATA.SIZE / 4;

const MASK32 = 0xffffffffn;

/**
 * Fills `out` (16 words) with `struct seccomp_data` as little-endian 32-bit words: word `k / 4` is
 * what `BPF_LD | BPF_W | BPF_ABS` with offset `k` loads (x86_64 and other little-endian arches,
 * as kernel/seccomp.c populate_seccomp_data lays it out). Reuses `out`, so the hot path does not
 * allocate.
 */
export function seccompDataWords(
  data: SeccompData,
  out: Uint32Array = new Uint32Array(SECCOMP_DATA_WORDS),
): Uint32Array {
  out[0] = data.nr >>> 0;
  out[1] = data.arch >>> 0;
  const ip = BigInt.asUintN(64, data.instructionPointer);
  out[2] = Number(ip & MASK32);
  out[3] = Number(ip >> 32n);
  for (let i = 0; i < 6; i++) {
    const a = BigInt.asUintN(64, data.args[i] ?? 0n);
    out[4 + 2 * i] = Number(a & MASK32);
    out[5 + 2 * i] = Number(a >> 32n);
  }
  return out;
}

/** Encodes `struct seccomp_data` as the 64 bytes the kernel hands to the filter (little endian). */
export function encodeSeccompData(data: SeccompData): Uint8Array {
  const words = seccompDataWords(data);
  const bytes = new Uint8Array(SECCOMP_DATA.SIZE);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < SECCOMP_DATA_WORDS; i++) view.setUint32(4 * i, words[i] ?? 0, true);
  return bytes;
}

/**
 * Decodes 64 little-endian bytes into a `SeccompData`; `undefined` if `bytes` is not exactly
 * `sizeof(struct seccomp_data)` long.
 */
export function decodeSeccompData(bytes: Uint8Array): SeccompData | undefined {
  if (bytes.length !== SECCOMP_DATA.SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(view.getBigUint64(SECCOMP_DATA.ARGS + 8 * i, true));
  return {
    nr: view.getInt32(SECCOMP_DATA.NR, true),
    arch: view.getUint32(SECCOMP_DATA.ARCH, true),
    instructionPointer: view.getBigUint64(SECCOMP_DATA.INSTRUCTION_POINTER, true),
    args,
  };
}
