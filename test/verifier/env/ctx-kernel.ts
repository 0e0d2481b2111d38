/**
 * Loads one-access probe programs into the real kernel (BPF_PROG_LOAD through the kernel backend,
 * with expected_attach_type and prog_flags) and classifies the verifier's answer, for the
 * differential tests of ctx-access.ts.
 */

import {
  BPF_EXIT_INSN,
  BPF_LDX_MEM,
  BPF_LDX_MEMSX,
  BPF_MOV64_IMM,
  BPF_STX_MEM,
} from '../../../src/isa/builder.js';
import { encodeRaw, type Insn } from '../../../src/isa/insn.js';
import { BPF_SIZE } from '../../../src/isa/opcodes.js';
import type { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { loadWithLog } from '../../../src/kernel/host-load.js';

/** One context access to try. */
export interface CtxProbe {
  readonly progType: number;
  readonly eat: number;
  readonly off: number;
  readonly size: 1 | 2 | 4 | 8;
  readonly write: boolean;
  readonly ldsx?: boolean;
  /** BPF_PROG_LOAD prog_flags (BPF_F_SLEEPABLE for syscall programs). */
  readonly flags?: number;
}

/** The kernel's answer: accepted, rejected by is_valid_access, or rejected for another reason. */
export type KernelVerdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'ctx-reject' }
  | { readonly kind: 'other'; readonly errno: number; readonly line: string };

const SIZE_CODE = { 1: BPF_SIZE.B, 2: BPF_SIZE.H, 4: BPF_SIZE.W, 8: BPF_SIZE.DW } as const;

/**
 * The probe program: `r0 = *(uN *)(r1 + off)` (or `r2 = 0; *(uN *)(r1 + off) = r2`), then
 * `r0 = 1; exit` (1 is a valid return value for every program type probed).
 */
export function probeInsns(p: CtxProbe): Insn[] {
  const sz = SIZE_CODE[p.size];
  const access = p.write
    ? [BPF_MOV64_IMM(2, 0), BPF_STX_MEM(sz, 1, 2, p.off)]
    : [p.ldsx ? BPF_LDX_MEMSX(sz, 0, 1, p.off) : BPF_LDX_MEM(sz, 0, 1, p.off)];
  return [...access, BPF_MOV64_IMM(0, 1), BPF_EXIT_INSN()];
}

const LOG_SIZE = 1 << 16;

/** Loads the probe on the real kernel with a verifier log: the fd (closed again) or -errno, and the log. */
export function loadProbeRaw(host: KernelHost, p: CtxProbe, logLevel: number): { ret: number; log: string } {
  const { ret, log } = loadWithLog(host, encodeRaw(probeInsns(p)), p.progType, logLevel, 'GPL', {
    progFlags: p.flags,
    expectedAttachType: p.eat,
    logSize: LOG_SIZE,
  });
  return { ret, log };
}

/** Loads the probe on the real kernel and classifies the verdict from the errno and log. */
export function loadProbe(host: KernelHost, p: CtxProbe): KernelVerdict {
  const { ret, log } = loadProbeRaw(host, p, 1);
  if (ret >= 0) return { kind: 'accept' };
  if (log.includes('invalid bpf_context access')) return { kind: 'ctx-reject' };
  const line = log
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\d+: \(/.test(l) && !l.startsWith('processed'))
    .join(' | ');
  return { kind: 'other', errno: -ret, line };
}
