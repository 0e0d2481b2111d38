import { describe, expect, it } from 'vitest';
import { encodeRaw, insn } from '../../../src/isa/insn.js';
import { BpfError } from '../../../src/kernel/errors.js';
import { Kernel } from '../../../src/kernel/kernel.js';
import { ERRNO } from '../../../src/uapi/errno.js';

const RET2 = encodeRaw([insn(0xb7, 0, 0, 0, 2), insn(0x95, 0, 0, 0, 0)]);

function thrown(f: () => unknown): BpfError {
  try {
    f();
  } catch (e) {
    if (e instanceof BpfError) return e;
    throw e;
  }
  throw new Error('expected a BpfError');
}

describe('friendly API (on top of the raw syscall)', () => {
  it('creates, updates, looks up, iterates and deletes like cilium/ebpf', () => {
    const task = new Kernel().spawn({ uid: 0, caps: 'all' });
    const m = task.createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 4, name: 'counts' });
    expect(m).toMatchObject({
      fd: 3,
      type: 1,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
      name: 'counts',
      typeName: 'hash',
    });
    m.update(1, 42n);
    m.update(2, 7);
    expect(m.lookup(1)).toEqual(Uint8Array.of(42, 0, 0, 0, 0, 0, 0, 0));
    expect(m.lookup(3)).toBeUndefined();
    expect([...m.keys()].map((k) => k[0]).sort()).toEqual([1, 2]);
    expect([...m.entries()].length).toBe(2);
    expect(m.delete(1)).toBe(true);
    expect(m.delete(1)).toBe(false);
  });
  it('throws BpfError with errno, its name and the command', () => {
    const task = new Kernel().spawn({ uid: 0, caps: 'all' });
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 2 });
    const e = thrown(() => m.update(5, 1));
    expect(e).toMatchObject({ errno: ERRNO.E2BIG, code: 'E2BIG', command: 'BPF_MAP_UPDATE_ELEM' });
    expect(e.message).toBe('BPF_MAP_UPDATE_ELEM: E2BIG');
    expect(thrown(() => m.update(0, 1, 1)).code).toBe('EEXIST');
    expect(thrown(() => task.createMap({ type: 'hash', keySize: 0, valueSize: 4, maxEntries: 1 })).code).toBe(
      'EINVAL',
    );
    expect(() => task.createMap({ type: 'nope', keySize: 4, valueSize: 4, maxEntries: 1 })).toThrow(
      /unknown map type/,
    );
  });
  it('loads and runs programs; a failed load carries the verifier log', () => {
    const task = new Kernel().spawn({ uid: 0, caps: 'all' });
    const p = task.loadProgram({ type: 'xdp', insns: RET2, name: 'pass' });
    expect(p.tag).toBe('614b434cd8324ecc');
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    expect(p.run(data)).toMatchObject({ retval: 2, data });
    const e = thrown(() =>
      task.loadProgram({
        type: 'socket_filter',
        insns: encodeRaw([insn(0x05, 0, 0, 5, 0), insn(0x95, 0, 0, 0, 0)]),
      }),
    );
    expect(e).toMatchObject({ errno: ERRNO.EINVAL, command: 'BPF_PROG_LOAD' });
    expect(e.log).toContain('jump out of range from insn 0 to 6');
    expect(e.message).toContain('jump out of range from insn 0 to 6');
  });
  it('freezes maps: later syscall writes fail with EPERM', () => {
    const task = new Kernel().spawn({ uid: 0, caps: 'all' });
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    m.freeze();
    expect(thrown(() => m.update(0, 1)).code).toBe('EPERM');
    expect(thrown(() => m.freeze()).code).toBe('EPERM');
  });
});

describe('determinism', () => {
  const order = (seed: number): number[] => {
    const task = new Kernel({ seed }).spawn({ uid: 0, caps: 'all' });
    const m = task.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 16 });
    for (let i = 0; i < 8; i++) m.update(i, i);
    return [...m.keys()].map((k) => k[0] as number);
  };
  it('the same seed gives the same hash iteration order', () => {
    expect(order(7)).toEqual(order(7));
  });
  it('BPF_F_ZERO_SEED gives the kernel’s order whatever the seed (kernel-facts: 4,5,0,7,2,1,6,3)', () => {
    for (const seed of [1, 2]) {
      const task = new Kernel({ seed }).spawn({ uid: 0, caps: 'all' });
      const m = task.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 16, flags: 0x40 });
      for (let i = 0; i < 8; i++) m.update(i, i);
      expect([...m.keys()].map((k) => k[0])).toEqual([4, 5, 0, 7, 2, 1, 6, 3]);
    }
  });
  it('the virtual clock only moves with simulated work', () => {
    const k = new Kernel();
    const t0 = k.clock.ktimeGetNs();
    k.spawn().createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(k.clock.ktimeGetNs()).toBe(t0);
    k.clock.advance(5_000_000);
    expect(k.clock.jiffies() - t0 / 1_000_000n).toBe(5n);
  });
});
