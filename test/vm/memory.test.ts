/**
 * The region address space: 4 GiB-aligned bases that print like kernel pointers, bounds,
 * read-only regions, unmapping, and function pointers for callbacks.
 */
import { describe, expect, it } from 'vitest';
import {
  AddressSpace,
  FUNC_PTR_HI,
  funcPtr,
  funcPtrPc,
  loadProgram,
  runProgram,
} from '../../src/vm/index.js';
import { I, SZ } from './util.js';

describe('AddressSpace', () => {
  it('places stacks in slots 0-7 and mapped regions after them, each at its own 4 GiB base', () => {
    const s = new AddressSpace();
    expect(s.stack(0).addr).toBe(0xffff8880_00000000n);
    expect(s.stack(7).addr).toBe(0xffff8887_00000000n);
    const a = s.map(new Uint8Array(8), { name: 'a' });
    const b = s.map(new Uint8Array(8), { name: 'b' });
    expect(a.addr).toBe(0xffff8888_00000000n);
    expect(b.addr).toBe(0xffff8889_00000000n);
    expect(a.hi).toBe(0xffff8888);
  });

  it('resolves addresses inside a region only, and writes only to writable regions', () => {
    const s = new AddressSpace();
    const ro = s.map(new Uint8Array(16), { writable: false });
    expect(s.resolve(ro.addr + 8n, 8)).toMatchObject({ offset: 8 });
    expect(s.resolve(ro.addr + 9n, 8)).toBeUndefined();
    expect(s.resolve(ro.addr, 1, true)).toBeUndefined();
    expect(s.resolve(0n, 1)).toBeUndefined();
    expect(s.regionOf(ro.addr + 15n)).toBe(ro);
    expect(s.regionOf(ro.addr + 16n)).toBeUndefined();
  });

  it('shares the mapped bytes with the program (a map value written by a program is seen by the map)', () => {
    const s = new AddressSpace();
    const arena = new Uint8Array(8);
    const r = s.map(arena, { name: 'map:x' });
    const res = runProgram(loadProgram([I.st(SZ.W, 1, 4, 0x01020304), I.exit()]), {
      space: s,
      args: [r.addr],
    });
    expect(res.kind).toBe('exit');
    expect([...arena]).toEqual([0, 0, 0, 0, 4, 3, 2, 1]);
  });

  it('faults accesses to an unmapped region and reuses its slot', () => {
    const s = new AddressSpace();
    const r = s.map(new Uint8Array(8));
    s.unmap(r);
    const res = runProgram(loadProgram([I.ldx(SZ.B, 0, 1, 0), I.exit()]), { space: s, args: [r.addr] });
    expect(res).toMatchObject({ kind: 'fault', addr: r.addr });
    expect(s.map(new Uint8Array(1)).slot).toBeGreaterThanOrEqual(8);
  });

  it('encodes subprogram pointers as kernel-text-like addresses and decodes them back', () => {
    expect(funcPtr(8)).toBe(0xffffffff_a0000040n);
    expect(FUNC_PTR_HI).toBe(0xffffffff);
    expect(funcPtrPc(0xa0000040 | 0, -1)).toBe(8);
    expect(funcPtrPc(0xa0000041 | 0, -1)).toBe(-1);
    expect(funcPtrPc(0xa0000040 | 0, 0)).toBe(-1);
  });
});
