import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/kernel/errors.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { setup } from './helpers.js';

const RET0 = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
const errnoOf = (f: () => unknown): number | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof BpfError ? e.errno : -1;
  }
};

describe('kernel/unprivileged_bpf_disabled (syscall.c bpf_unpriv_handler)', () => {
  it('defaults to 2: unprivileged map create and prog load are EPERM', () => {
    const { kernel } = setup();
    const u = kernel.spawn({ uid: 65534 });
    expect(u.sysctl('kernel/unprivileged_bpf_disabled')).toEqual({ ret: 0, value: '2' });
    expect(errnoOf(() => u.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 }))).toBe(
      ERRNO.EPERM,
    );
    expect(errnoOf(() => u.loadProgram({ type: 'socket_filter', insns: RET0 }))).toBe(ERRNO.EPERM);
  });
  it('only root may write it; writes need CAP_SYS_ADMIN; range 0..2; 1 is sticky', () => {
    const { kernel, task } = setup();
    const u = kernel.spawn({ uid: 65534 });
    expect(u.sysctl('kernel/unprivileged_bpf_disabled', '0').ret).toBe(-ERRNO.EACCES);
    const rootNoCaps = kernel.spawn({ uid: 0, caps: 'none' });
    expect(rootNoCaps.sysctl('kernel/unprivileged_bpf_disabled', '0').ret).toBe(-ERRNO.EPERM);
    expect(task.sysctl('kernel/unprivileged_bpf_disabled', '3').ret).toBe(-ERRNO.EINVAL);
    expect(task.sysctl('kernel/unprivileged_bpf_disabled', '0')).toEqual({ ret: 0, value: '0' });
    expect(task.sysctl('kernel/unprivileged_bpf_disabled', '1')).toEqual({ ret: 0, value: '1' });
    expect(task.sysctl('kernel/unprivileged_bpf_disabled', '0').ret).toBe(-ERRNO.EPERM);
    expect(task.sysctl('kernel/unprivileged_bpf_disabled', '1').ret).toBe(0);
  });
  it('with 0, unprivileged users may create hash/array maps and socket filters, not LRU maps or XDP', () => {
    const { kernel } = setup({ unprivilegedBpfDisabled: 0 });
    const u = kernel.spawn({ uid: 1000 });
    expect(() => u.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1 })).not.toThrow();
    expect(errnoOf(() => u.createMap({ type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 2 }))).toBe(
      ERRNO.EPERM,
    );
    expect(() => u.loadProgram({ type: 'socket_filter', insns: RET0 })).not.toThrow();
    expect(errnoOf(() => u.loadProgram({ type: 'xdp', insns: RET0 }))).toBe(ERRNO.EPERM);
  });
  it('CAP_BPF alone loads socket filters; XDP also needs CAP_NET_ADMIN; kprobe needs CAP_PERFMON', () => {
    const { kernel } = setup();
    const b = kernel.spawn({ uid: 1000, caps: ['bpf'] });
    expect(() => b.loadProgram({ type: 'socket_filter', insns: RET0 })).not.toThrow();
    expect(errnoOf(() => b.loadProgram({ type: 'xdp', insns: RET0 }))).toBe(ERRNO.EPERM);
    expect(errnoOf(() => b.loadProgram({ type: 'kprobe', insns: RET0 }))).toBe(ERRNO.EPERM);
    const n = kernel.spawn({ uid: 1000, caps: ['bpf', 'net_admin', 'perfmon'] });
    expect(() => n.loadProgram({ type: 'xdp', insns: RET0 })).not.toThrow();
    expect(() => n.loadProgram({ type: 'kprobe', insns: RET0 })).not.toThrow();
  });
  it('limits unprivileged programs to BPF_MAXINSNS (4096) and privileged ones to 1,000,000', () => {
    const { kernel, task } = setup({ unprivilegedBpfDisabled: 0 });
    const big = (n: number): Uint8Array => {
      const b = new Uint8Array(8 * n);
      for (let i = 0; i < n - 1; i++) b[8 * i] = 0xb7;
      b[8 * (n - 1)] = 0x95;
      return b;
    };
    const u = kernel.spawn({ uid: 1000 });
    expect(errnoOf(() => u.loadProgram({ type: 'socket_filter', insns: big(4097) }))).toBe(ERRNO.E2BIG);
    expect(() => task.loadProgram({ type: 'socket_filter', insns: big(4097) })).not.toThrow();
  });
  it('needs CAP_SYS_ADMIN for GET_NEXT_ID / GET_FD_BY_ID', () => {
    const { kernel, task } = setup({ unprivilegedBpfDisabled: 0 });
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    const u = kernel.spawn({ uid: 1000, caps: ['bpf'] });
    const attr = new Uint8Array(16);
    new DataView(attr.buffer).setUint32(0, m.id, true);
    const a = u.mmap(16);
    u.mem.copyToUser(a, attr);
    expect(u.bpf(14, a, 16)).toBe(-ERRNO.EPERM);
    const r = task.mmap(16);
    task.mem.copyToUser(r, attr);
    expect(task.bpf(14, r, 16)).toBe(4);
  });
});
