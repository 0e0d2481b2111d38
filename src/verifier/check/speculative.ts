/**
 * @fileoverview Spectre v1 simulation for loads without CAP_PERFMON: speculative copies of the
 * state for the side of a branch the CPU may take although the verifier knows it will not, and for
 * pointer arithmetic whose offset the JIT masks to 0; errors on those copies end the copy and put
 * a speculation barrier (`nospec`) before the insn instead of rejecting the program.
 *
 * Models `sanitize_speculative_path` and `error_recoverable_with_nospec` of
 * kernel/bpf/verifier.c (Linux 6.18).
 */
import type { Insn } from '../../isa/insn.js';
import { ERRNO as E } from '../../uapi/errno.js';
import type { RegState } from '../reg-state.js';
import type { VerifierEnv } from './env.js';
import { markUnknown } from './regs.js';

const SRC_X = 0x08;

/**
 * Queues a speculative copy of the current state at `nextIdx`. For a conditional jump `insn`, its
 * operands are unknown scalars in the copy (the comparison says nothing on that path). Models
 * `sanitize_speculative_path`.
 */
export function sanitizeSpeculativePath(
  env: VerifierEnv,
  insn: Insn | null,
  nextIdx: number,
  currIdx: number,
): void {
  const branch = env.pushStack(nextIdx, currIdx, true);
  if (!insn) return;
  const regs = branch.frames[branch.curframe]?.regs;
  if (!regs) return;
  markUnknown(env, regs[insn.dst] as RegState);
  if (insn.code & SRC_X) markUnknown(env, regs[insn.src] as RegState);
}

/**
 * Errors a speculative path may end on (a barrier then keeps the CPU from reaching the insn);
 * `errno` is negative, as the checks return it. Models `error_recoverable_with_nospec`.
 */
export function errorRecoverableWithNospec(errno: number): boolean {
  return errno === -E.EPERM || errno === -E.EACCES || errno === -E.EINVAL;
}
