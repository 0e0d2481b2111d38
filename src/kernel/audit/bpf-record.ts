/**
 * @fileoverview The BPF audit record of program load/unload.
 *
 * Models kernel/bpf/syscall.c `bpf_audit_prog`: an AUDIT_BPF (1334) record whose body is
 * `audit_log_format(ab, "prog-id=%u op=%s", prog->aux->id, bpf_audit_str[op])`, with
 * `bpf_audit_str[] = { "LOAD", "UNLOAD" }`, stamped like every record by kernel/audit.c
 * `audit_log_start` as `msg=audit(SEC.MSEC:SERIAL): `.
 */

/** kernel/bpf/syscall.c `enum bpf_audit` as strings (`bpf_audit_str`). */
export const BPF_AUDIT_OP = { LOAD: 'LOAD', UNLOAD: 'UNLOAD' } as const;
/** One of `BPF_AUDIT_OP`. */
export type BpfAuditOp = (typeof BPF_AUDIT_OP)[keyof typeof BPF_AUDIT_OP];

/** include/uapi/linux/audit.h AUDIT_BPF. */
export const AUDIT_BPF = 1334;

/** Formats `type=BPF msg=audit(SEC.MSEC:SERIAL): prog-id=N op=OP` (kernel/bpf/syscall.c `bpf_audit_prog`). */
export function formatBpfAudit(timeNs: bigint, serial: number, progId: number, op: BpfAuditOp): string {
  const ms = timeNs / 1_000_000n;
  const sec = ms / 1000n;
  const frac = String(ms % 1000n).padStart(3, '0');
  return `type=BPF msg=audit(${sec}.${frac}:${serial >>> 0}): prog-id=${progId >>> 0} op=${op}`;
}
