/**
 * @fileoverview One eBPF instruction slot and its raw 8-byte little-endian encoding.
 *
 * Models `struct bpf_insn` (include/uapi/linux/bpf.h):
 *
 * ```
 *   byte 0   opcode
 *   byte 1   dst_reg (low nibble) | src_reg (high nibble)
 *   2..3     off  (s16, little endian)
 *   4..7     imm  (s32, little endian)
 * ```
 *
 * A program is an array of slots, exactly as the kernel sees it: `BPF_LD | BPF_IMM | BPF_DW`
 * takes two slots, the second with opcode 0 carrying the upper 32 bits in `imm`. Jump offsets and
 * program counters count slots.
 */

/** One 8-byte instruction slot. `off` is a signed 16-bit value, `imm` a signed 32-bit value. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** Bytes per instruction slot. */
export const INSN_SIZE = 8;

/** Builds a slot, normalising every field to its width (u8, u4, u4, s16, s32). */
export function insn(code: number, dst: number, src: number, off: number, imm: number): Insn {
  return { code: code & 0xff, dst: dst & 0xf, src: src & 0xf, off: (off << 16) >> 16, imm: imm | 0 };
}

/** Writes slots as raw little-endian bytes (`8 * insns.length` bytes). */
export function encodeRaw(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i] as Insn;
    const o = i * INSN_SIZE;
    out[o] = x.code & 0xff;
    out[o + 1] = (x.dst & 0xf) | ((x.src & 0xf) << 4);
    dv.setInt16(o + 2, x.off, true);
    dv.setInt32(o + 4, x.imm, true);
  }
  return out;
}

/**
 * Reads raw bytes into slots without checking opcodes. The length must be a multiple of 8;
 * otherwise the result is `undefined` (callers report the error, see `decode` in codec.ts).
 */
export function decodeRaw(bytes: Uint8Array): Insn[] | undefined {
  if (bytes.length % INSN_SIZE !== 0) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / INSN_SIZE;
  const out: Insn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * INSN_SIZE;
    const regs = bytes[o + 1] as number;
    out[i] = {
      code: bytes[o] as number,
      dst: regs & 0xf,
      src: regs >> 4,
      off: dv.getInt16(o + 2, true),
      imm: dv.getInt32(o + 4, true),
    };
  }
  return out;
}

/** Parses hex text (whitespace allowed, optional `0x`) into bytes; `undefined` if malformed. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/0x/gi, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Formats bytes as lowercase hex without separators (the scenario format's byte strings). */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}
