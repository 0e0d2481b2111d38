import { describe, expect, it } from 'vitest';
import { BpfError } from '../../src/kernel/errors.js';
import { RLIMIT } from '../../src/kernel/syscall-host.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { setup } from './helpers.js';

const errnoOf = (f: () => unknown): number | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof BpfError ? e.errno : undefined;
  }
};

describe('6.18 profile: memcg accounting, RLIMIT_MEMLOCK ignored (kernel-facts)', () => {
  it('creates a 64 MiB array with RLIMIT_MEMLOCK = 0', () => {
    const { task } = setup();
    expect(task.setrlimit(RLIMIT.MEMLOCK, 0, 0)).toBe(0);
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 64, maxEntries: 1 << 20 });
    // array: 312 + max_entries * round_up(value_size, 8) (arraymap.c array_map_mem_usage)
    expect(task.fdinfo(m.fd)).toMatchObject({ memlock: String(312 + (1 << 20) * 64) });
  });
  it('fails with ENOMEM past the memory cgroup limit and charges nothing on failure', () => {
    const { kernel, task } = setup({ memoryLimit: 48 << 20 });
    const a = task.createMap({ type: 'array', keySize: 4, valueSize: 64, maxEntries: 1 << 18 });
    const used = kernel.chargedBytes();
    expect(used).toBe(312 + (1 << 18) * 64);
    expect(
      errnoOf(() => task.createMap({ type: 'array', keySize: 4, valueSize: 64, maxEntries: 1 << 20 })),
    ).toBe(ERRNO.ENOMEM);
    expect(kernel.chargedBytes()).toBe(used);
    a.close();
    expect(kernel.chargedBytes()).toBe(0);
  });
  it('charges programs too (prog->pages)', () => {
    const { kernel, task } = setup();
    const p = task.loadProgram({
      type: 'socket_filter',
      insns: new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
    });
    expect(kernel.chargedBytes()).toBe(4096);
    expect(task.fdinfo(p.fd)).toMatchObject({ memlock: '4096' });
    p.close();
    expect(kernel.chargedBytes()).toBe(0);
  });
});

describe('4.x profile: RLIMIT_MEMLOCK pages per user (seed bpf_map_charge_memlock)', () => {
  it('charges whole pages, fails with EPERM past the limit, uncharges on close', () => {
    const { kernel, task } = setup({ profile: '4.x' });
    expect(task.setrlimit(RLIMIT.MEMLOCK, 3 * 4096, 3 * 4096)).toBe(0);
    const a = task.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 3 });
    expect(kernel.chargedBytes()).toBe(4096);
    const b = task.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 500 });
    expect(kernel.chargedBytes()).toBe(3 * 4096);
    expect(errnoOf(() => task.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }))).toBe(
      ERRNO.EPERM,
    );
    b.close();
    expect(kernel.chargedBytes()).toBe(4096);
    task.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
    a.close();
    expect(kernel.chargedBytes()).toBe(4096);
  });
  it('accounts per user: another uid has its own locked_vm', () => {
    const { kernel, task } = setup({ profile: '4.x', unprivilegedBpfDisabled: 0 });
    task.setrlimit(RLIMIT.MEMLOCK, 4096, 4096);
    task.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 3 });
    const other = kernel.spawn({ uid: 1000 });
    other.setrlimit(RLIMIT.MEMLOCK, 4096, 4096);
    expect(() => other.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 3 })).not.toThrow();
    expect(kernel.user(1000).lockedVm).toBe(1);
    expect(kernel.user(0).lockedVm).toBe(1);
  });
});

describe('rlimits (kernel/sys.c do_prlimit)', () => {
  it('defaults to 8 MiB MEMLOCK, rejects soft > hard, needs CAP_SYS_RESOURCE to raise hard', () => {
    const { kernel, task } = setup();
    expect(task.getrlimit(RLIMIT.MEMLOCK)).toEqual({ soft: 8 << 20, hard: 8 << 20 });
    expect(task.setrlimit(RLIMIT.MEMLOCK, 10, 5)).toBe(-ERRNO.EINVAL);
    const user = kernel.spawn({ uid: 1000 });
    expect(user.setrlimit(RLIMIT.MEMLOCK, 4096, 4096)).toBe(0);
    expect(user.setrlimit(RLIMIT.MEMLOCK, 4096, 8192)).toBe(-ERRNO.EPERM);
  });
});
