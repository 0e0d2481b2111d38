/**
 * BPF_PROG_LOAD checks done before and around the verifier (kernel/bpf/syscall.c bpf_prog_load,
 * kernel/bpf/log.c); expectations from kernel-facts.md and basic.out.jsonl.
 */
import { describe, expect, it } from 'vitest';
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../src/kernel/attr/commands.js';
import { PROG_LOAD_ATTR as P } from '../../src/kernel/attr/layout.js';
import { licenseIsGplCompatible } from '../../src/kernel/syscall/prog-load.js';
import type { Task } from '../../src/kernel/task.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { hex, put, rawBpf, setup } from './helpers.js';

const RET0 = hex('b7000000000000009500000000000000');

function load(
  task: Task,
  f: {
    type?: number;
    insns?: Uint8Array;
    cnt?: number;
    license?: string | null;
    level?: number;
    logSize?: number;
    flags?: number;
    name?: string;
  },
  size = 168,
) {
  const insns = f.insns ?? RET0;
  const a = new BpfAttr()
    .set(P.prog_type, f.type ?? 1)
    .set(P.insn_cnt, f.cnt ?? insns.length / 8)
    .set(P.insns, insns.length ? put(task, insns) : 0)
    .set(P.prog_flags, f.flags ?? 0);
  if (f.license !== null) a.set(P.license, put(task, new TextEncoder().encode(`${f.license ?? 'GPL'}\0`)));
  let buf = 0;
  if (f.level !== undefined) {
    const n = f.logSize ?? 4096;
    buf = n ? task.mmap(n) : 0;
    a.set(P.log_level, f.level).set(P.log_size, n).set(P.log_buf, buf);
  }
  if (f.name) a.setBytes(P.prog_name, new TextEncoder().encode(f.name));
  const r = rawBpf(task, BPF_CMD.PROG_LOAD, a, size);
  let log = '';
  if (buf) {
    const b = task.mem.copyFromUser(buf, f.logSize ?? 4096) as Uint8Array;
    const end = b.indexOf(0);
    log = new TextDecoder().decode(b.subarray(0, end < 0 ? b.length : end));
  }
  return { ret: r.ret, trueSize: r.out.u32(P.log_true_size), log };
}

describe('BPF_PROG_LOAD', () => {
  it('rejects unknown types, flags and names with EINVAL', () => {
    const { task } = setup();
    expect(load(task, { type: 999 }).ret).toBe(-ERRNO.EINVAL);
    expect(load(task, { type: 0 }).ret).toBe(-ERRNO.EINVAL);
    expect(load(task, { flags: 1 << 12 }).ret).toBe(-ERRNO.EINVAL);
    expect(load(task, { name: 'bad-name!' }).ret).toBe(-ERRNO.EINVAL);
    expect(load(task, { name: 'ok_name.1' }).ret).toBeGreaterThan(2);
  });
  it('limits instruction counts: 0 → E2BIG, 1,000,001 → E2BIG', () => {
    const { task } = setup();
    expect(load(task, { insns: new Uint8Array(0), cnt: 0 }).ret).toBe(-ERRNO.E2BIG);
    expect(load(task, { cnt: 1_000_001 }).ret).toBe(-ERRNO.E2BIG);
  });
  it('faults on unreadable instructions or license', () => {
    const { task } = setup();
    // 1000 instructions read past the one mapped page.
    expect(load(task, { cnt: 1000 }).ret).toBe(-ERRNO.EFAULT);
    expect(load(task, { license: null }).ret).toBe(-ERRNO.EFAULT);
  });
  it('validates log attributes (level 16, buffer without level) and reports log_true_size', () => {
    const { task } = setup();
    expect(load(task, { level: 16 }).ret).toBe(-ERRNO.EINVAL);
    expect(load(task, { level: 0 }).ret).toBe(-ERRNO.EINVAL);
    const bad = load(task, { insns: hex('b700000000000000'), level: 1 });
    expect(bad).toMatchObject({ ret: -ERRNO.EINVAL, trueSize: 130 });
    // A log too small for the message: ENOSPC overrides the verdict.
    const small = load(task, { insns: hex('b700000000000000'), level: 1, logSize: 64 });
    expect(small.ret).toBe(-ERRNO.ENOSPC);
    expect(small.trueSize).toBe(130);
    // An attr too short to hold log_true_size: nothing is written back there.
    expect(load(task, { insns: hex('b700000000000000'), level: 1 }, 140).trueSize).toBe(0);
  });
  it('copies the license and records GPL compatibility', () => {
    expect(['GPL', 'GPL v2', 'Dual MIT/GPL', 'Dual BSD/GPL'].every(licenseIsGplCompatible)).toBe(true);
    expect(['MIT', 'Proprietary', '', 'gpl'].some(licenseIsGplCompatible)).toBe(false);
    const { kernel, task } = setup();
    const fd = load(task, { license: 'Dual MIT/GPL' }).ret;
    const file = task.fds.get(fd);
    expect(file?.kind).toBe('prog');
    const prog = [...kernel.progs.values()][0];
    expect(prog?.init).toMatchObject({ license: 'Dual MIT/GPL', gplCompatible: true, jited: true });
  });
});
