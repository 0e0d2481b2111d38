/**
 * @fileoverview The program digest and tag.
 *
 * Models kernel/bpf/core.c `bpf_prog_calc_tag` (6.18): the instructions are copied with the `imm`
 * of map-fd/map-value `BPF_LD_IMM64` pairs zeroed (fds are unstable from user space), hashed with
 * SHA-256 into `prog->digest`, and `prog->tag` is the digest's first 8 bytes.
 */
import { INSN_SIZE as INSN_SIZE_BYTES } from '../isa/insn.js';
import { BPF_LD_IMM64, BPF_PSEUDO_LD } from '../isa/opcodes.js';
import { sha256 } from './sha256.js';

/** Models `bpf_prog_calc_tag`: returns `{digest, tag}` for raw instruction bytes. */
export function progDigest(raw: Uint8Array): { digest: Uint8Array; tag: Uint8Array } {
  const dst = raw.slice();
  const n = Math.floor(dst.length / INSN_SIZE_BYTES);
  let wasLdMap = false;
  for (let i = 0; i < n; i++) {
    const o = i * INSN_SIZE_BYTES;
    const code = dst[o] as number;
    const regs = dst[o + 1] as number;
    const src = regs >> 4;
    const dstReg = regs & 0xf;
    const off = (dst[o + 2] as number) | ((dst[o + 3] as number) << 8);
    if (
      !wasLdMap &&
      code === BPF_LD_IMM64 &&
      (src === BPF_PSEUDO_LD.MAP_FD || src === BPF_PSEUDO_LD.MAP_VALUE)
    ) {
      wasLdMap = true;
      dst.fill(0, o + 4, o + 8);
    } else if (wasLdMap && code === 0 && dstReg === 0 && src === 0 && off === 0) {
      wasLdMap = false;
      dst.fill(0, o + 4, o + 8);
    } else {
      wasLdMap = false;
    }
  }
  const digest = sha256(dst);
  return { digest, tag: digest.slice(0, 8) };
}

/** The tag as 16 lowercase hex digits, as fdinfo `prog_tag` and bpftool print it. */
export function tagHex(tag: Uint8Array): string {
  return Array.from(tag, (b) => b.toString(16).padStart(2, '0')).join('');
}
