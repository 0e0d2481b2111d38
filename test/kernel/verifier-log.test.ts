import { describe, expect, it } from 'vitest';
import { UserMemory } from '../../src/kernel/user-memory.js';
import { BPF_LOG, VerifierLog } from '../../src/kernel/verifier-log.js';
import { ERRNO } from '../../src/uapi/errno.js';

/** The lines the 6.18 kernel logged for `r0 = r2; exit` at level 1 (basic.out.jsonl seq 50). */
const R2_LINES = [
  '0: R1=ctx() R10=fp0\n',
  '0: (bf) r0 = r2\n',
  'R2 !read_ok\n',
  'processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
];

function logWith(
  level: number,
  size: number,
): { log: VerifierLog; read: () => string; mem: UserMemory; buf: number } {
  const mem = new UserMemory();
  const buf = size ? mem.mmap(size) : 0;
  const log = VerifierLog.init(mem, level, buf, size);
  if (typeof log === 'number') throw new Error(`init failed ${log}`);
  const read = (): string => {
    const b = mem.copyFromUser(buf, size) as Uint8Array;
    const end = b.indexOf(0);
    return new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
  };
  return { log, read, mem, buf };
}

describe('bpf_vlog_init attribute rules (kernel/bpf/log.c)', () => {
  const mem = new UserMemory();
  const buf = mem.mmap(100);
  it('rejects a buffer without level, unknown level bits, and buffer/size given alone', () => {
    expect(VerifierLog.init(mem, 0, buf, 100)).toBe(-ERRNO.EINVAL);
    expect(VerifierLog.init(mem, 16, buf, 100)).toBe(-ERRNO.EINVAL);
    expect(VerifierLog.init(mem, 1, buf, 0)).toBe(-ERRNO.EINVAL);
    expect(VerifierLog.init(mem, 1, 0, 100)).toBe(-ERRNO.EINVAL);
    expect(VerifierLog.init(mem, 1, buf, (0xffffffff >>> 2) + 1)).toBe(-ERRNO.EINVAL);
  });
  it('accepts a level without buffer, and any buffer size up to UINT_MAX >> 2', () => {
    expect(VerifierLog.init(mem, 1, 0, 0)).toBeInstanceOf(VerifierLog);
    expect(VerifierLog.init(mem, 1, buf, 1)).toBeInstanceOf(VerifierLog);
    expect(VerifierLog.init(mem, 1, buf, 0xffffffff >>> 2)).toBeInstanceOf(VerifierLog);
  });
});

describe('rotating and fixed logs', () => {
  it('keeps the whole log and reports length + NUL when it fits', () => {
    const { log, read } = logWith(BPF_LOG.LEVEL1, 4096);
    for (const l of R2_LINES) log.write(l);
    expect(log.finalize()).toEqual({ err: 0, trueSize: 146 });
    expect(read()).toBe(R2_LINES.join(''));
  });
  it('keeps the tail in a 128-byte rotating buffer and fails with ENOSPC (kernel: seq 67)', () => {
    const { log, read } = logWith(BPF_LOG.LEVEL1, 128);
    for (const l of R2_LINES) log.write(l);
    expect(log.finalize()).toEqual({ err: -ERRNO.ENOSPC, trueSize: 146 });
    expect(read()).toBe(
      '0\n0: (bf) r0 = r2\nR2 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    );
  });
  it('keeps the head with BPF_LOG_FIXED', () => {
    const { log, read } = logWith(BPF_LOG.LEVEL1 | BPF_LOG.FIXED, 30);
    for (const l of R2_LINES) log.write(l);
    expect(log.finalize().err).toBe(-ERRNO.ENOSPC);
    // The last byte of the buffer is the NUL: 29 characters fit.
    expect(read()).toBe('0: R1=ctx() R10=fp0\n0: (bf) r');
  });
  it('counts log_true_size without a buffer and never fails', () => {
    const mem = new UserMemory();
    const log = VerifierLog.init(mem, 1, 0, 0) as VerifierLog;
    for (const l of R2_LINES) log.write(l);
    expect(log.finalize()).toEqual({ err: 0, trueSize: 146 });
  });
  it('reset drops what followed and log_true_size keeps the maximum (level-1 success)', () => {
    const { log, read } = logWith(BPF_LOG.LEVEL1, 4096);
    for (let i = 0; i < 5; i++) for (const l of R2_LINES.slice(0, 3)) log.write(l);
    log.reset(0);
    log.write(
      'processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    );
    const fin = log.finalize();
    expect(fin.err).toBe(0);
    expect(read()).toBe(
      'processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    );
    expect(fin.trueSize).toBe(5 * R2_LINES.slice(0, 3).join('').length + 1);
  });
  it('reports EFAULT when the buffer is unmapped', () => {
    const { log, mem, buf } = logWith(BPF_LOG.LEVEL1, 4096);
    mem.munmap(buf, 4096);
    log.write('x\n');
    expect(log.finalize().err).toBe(-ERRNO.EFAULT);
  });
});
