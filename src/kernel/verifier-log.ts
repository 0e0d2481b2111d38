/**
 * @fileoverview The verifier log writer: one path for every log line, with the kernel's rules.
 *
 * Models kernel/bpf/log.c: `bpf_vlog_init`/`bpf_verifier_log_attr_valid` (EINVAL for a buffer
 * without level, a level with unknown bits, buffer and size not given together, size > UINT_MAX>>2),
 * `bpf_verifier_vlog` (each message cut to BPF_VERIFIER_TMP_LOG_SIZE-1 bytes; rotating mode keeps the
 * tail, BPF_LOG_FIXED the head; `len_max` tracks the longest the log ever was, NUL included),
 * `bpf_vlog_reset`, and `bpf_vlog_finalize` (rotation to a contiguous string, `log_true_size`,
 * ENOSPC when truncated, EFAULT when the user buffer faulted). Bytes go straight to user memory
 * as the kernel's `copy_to_user` calls do.
 */
import { ERRNO } from '../uapi/errno.js';
import type { UserMemory } from './user-memory.js';

/** Log level bits (include/linux/bpf_verifier.h). */
export const BPF_LOG = {
  LEVEL1: 1,
  LEVEL2: 2,
  STATS: 4,
  FIXED: 8,
  MASK: 15,
  KERNEL: 16,
} as const;

/** `BPF_VERIFIER_TMP_LOG_SIZE`: the size of the kernel's per-message buffer. */
export const BPF_VERIFIER_TMP_LOG_SIZE = 1024;

const UINT_MAX = 0xffffffff;
const enc = new TextEncoder();

/** Models `struct bpf_verifier_log`. */
export class VerifierLog {
  startPos = 0;
  endPos = 0;
  lenMax = 0;
  private ubuf: number;

  private constructor(
    private readonly mem: UserMemory | undefined,
    readonly level: number,
    ubuf: number,
    readonly lenTotal: number,
  ) {
    this.ubuf = ubuf;
  }

  /** Models `bpf_vlog_init`: the log, or -EINVAL for invalid attributes. */
  static init(mem: UserMemory | undefined, level: number, ubuf: number, size: number): VerifierLog | number {
    const log = new VerifierLog(mem, level >>> 0, ubuf, size >>> 0);
    if (!log.attrValid()) return -ERRNO.EINVAL;
    return log;
  }

  /** A log that records nothing (level 0), for internal loads. */
  static none(): VerifierLog {
    return new VerifierLog(undefined, 0, 0, 0);
  }

  private attrValid(): boolean {
    if ((this.ubuf !== 0) !== (this.lenTotal !== 0)) return false;
    if (this.ubuf !== 0 && this.level === 0) return false;
    if ((this.level & ~BPF_LOG.MASK) !== 0) return false;
    if (this.lenTotal > UINT_MAX >>> 2) return false;
    return true;
  }

  /** Models `bpf_verifier_log_needed`: logging is on. */
  get needed(): boolean {
    return this.level !== 0;
  }

  /** Models `bpf_verifier_vlog`: appends one message (the text of one `verbose()` call). */
  write(text: string): void {
    if (!this.needed) return;
    let bytes = enc.encode(text);
    if (bytes.length > BPF_VERIFIER_TMP_LOG_SIZE - 1)
      bytes = bytes.subarray(0, BPF_VERIFIER_TMP_LOG_SIZE - 1);
    const n = bytes.length + 1;
    const kbuf = new Uint8Array(n);
    kbuf.set(bytes);
    this.updateLenMax(n);
    if (this.level & BPF_LOG.FIXED) {
      let newN = 0;
      if (this.endPos < this.lenTotal) {
        newN = Math.min(this.lenTotal - this.endPos, n);
        kbuf[newN - 1] = 0;
      }
      const cur = this.endPos;
      this.endPos += n - 1;
      if (this.ubuf && newN) this.copyOut(this.ubuf + cur, kbuf.subarray(0, newN));
      return;
    }
    const newEnd = this.endPos + n;
    const newStart = newEnd - this.startPos >= this.lenTotal ? newEnd - this.lenTotal : this.startPos;
    this.startPos = newStart;
    this.endPos = newEnd - 1;
    if (!this.ubuf) return;
    const newN = Math.min(n, this.lenTotal);
    const cur = newEnd - newN;
    const bufStart = cur % this.lenTotal;
    let bufEnd = newEnd % this.lenTotal;
    if (bufEnd === 0) bufEnd = this.lenTotal;
    if (bufStart < bufEnd) {
      this.copyOut(this.ubuf + bufStart, kbuf.subarray(n - newN, n - newN + (bufEnd - bufStart)));
    } else {
      this.copyOut(this.ubuf + bufStart, kbuf.subarray(n - newN, n - newN + (this.lenTotal - bufStart)));
      if (this.ubuf) this.copyOut(this.ubuf, kbuf.subarray(n - bufEnd, n));
    }
  }

  /** Models `bpf_vlog_reset(log, newPos)`: drops everything logged after `newPos`. */
  reset(newPos: number): void {
    if (newPos > this.endPos) return;
    if (!this.needed) return;
    this.endPos = newPos;
    if (this.endPos < this.startPos) this.startPos = this.endPos;
    if (!this.ubuf) return;
    const pos = this.level & BPF_LOG.FIXED ? this.endPos + 1 : newPos % this.lenTotal;
    if (pos < this.lenTotal) this.copyOut(this.ubuf + pos, new Uint8Array(1));
  }

  /** Models `bpf_vlog_finalize`: `{err, trueSize}` with err 0, -ENOSPC (truncated) or -EFAULT. */
  finalize(): { err: number; trueSize: number } {
    if (this.level === 0) return { err: 0, trueSize: 0 };
    if (this.ubuf && this.startPos !== 0 && this.mem) {
      const sublen = this.lenTotal - (this.startPos % this.lenTotal);
      const buf = this.mem.copyFromUser(this.ubuf, this.lenTotal);
      if (typeof buf === 'number') this.ubuf = 0;
      else {
        const rotated = new Uint8Array(this.lenTotal);
        rotated.set(buf.subarray(this.lenTotal - sublen), 0);
        rotated.set(buf.subarray(0, this.lenTotal - sublen), sublen);
        this.copyOut(this.ubuf, rotated);
      }
    }
    const trueSize = this.lenMax;
    if ((this.ubuf !== 0) !== (this.lenTotal !== 0)) return { err: -ERRNO.EFAULT, trueSize };
    if (this.ubuf && this.lenMax > this.lenTotal) return { err: -ERRNO.ENOSPC, trueSize };
    return { err: 0, trueSize };
  }

  private updateLenMax(addLen: number): void {
    const len = this.endPos + addLen;
    if (len > UINT_MAX) this.lenMax = UINT_MAX;
    else if (len > this.lenMax) this.lenMax = len;
  }

  private copyOut(addr: number, bytes: Uint8Array): void {
    if (this.mem?.copyToUser(addr, bytes) !== 0) this.ubuf = 0;
  }
}
