/**
 * @fileoverview BPF_PROG_TYPE_KPROBE.
 *
 * Models kernel/trace/bpf_trace.c `kprobe_prog_ops` (no test_run: BPF_PROG_TEST_RUN is ENOTSUPP)
 * and `kprobe_verifier_ops` / `kprobe_prog_is_valid_access`: the context is `struct pt_regs`
 * (168 bytes on x86_64), read-only, aligned accesses of the register size.
 */
import type { ProgTypeOps } from './registry.js';
import { BPF_PROG_TYPE } from './types.js';

/** `sizeof(struct pt_regs)` on x86_64. */
export const PT_REGS_SIZE = 168;

/** Models `kprobe_prog_is_valid_access`. */
export function kprobeIsValidAccess(off: number, size: number, write: boolean): boolean {
  if (write) return false;
  if (off < 0 || off >= PT_REGS_SIZE) return false;
  if (off % size !== 0) return false;
  // Reads may be narrower than a register but must stay within pt_regs.
  return off + size <= PT_REGS_SIZE;
}

/** BPF_PROG_TYPE_KPROBE: models `kprobe_prog_ops` / `kprobe_verifier_ops`. */
export const kprobeType: ProgTypeOps = {
  type: BPF_PROG_TYPE.KPROBE,
  name: 'kprobe',
  ctxSize: PT_REGS_SIZE,
  isValidAccess: kprobeIsValidAccess,
};
