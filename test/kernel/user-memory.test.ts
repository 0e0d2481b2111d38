import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, UserMemory } from '../../src/kernel/user-memory.js';
import { ERRNO } from '../../src/uapi/errno.js';

describe('UserMemory (mm/mmap.c, lib/usercopy.c)', () => {
  it('returns EFAULT for unmapped ranges and for ranges crossing into a hole', () => {
    const m = new UserMemory();
    const a = m.mmap(100);
    expect(m.copyFromUser(a, PAGE_SIZE)).toBeInstanceOf(Uint8Array);
    expect(m.copyFromUser(a, PAGE_SIZE + 1)).toBe(-ERRNO.EFAULT);
    expect(m.copyFromUser(a - 1, 2)).toBe(-ERRNO.EFAULT);
    expect(m.copyToUser(0, new Uint8Array(1))).toBe(-ERRNO.EFAULT);
    expect(m.copyFromUser(a, 0)).toEqual(new Uint8Array(0));
  });
  it('maps zeroed pages and unmaps page ranges, splitting a mapping', () => {
    const m = new UserMemory();
    const a = m.mmap(3 * PAGE_SIZE);
    expect(m.mapped).toBe(3 * PAGE_SIZE);
    m.copyToUser(a + 2 * PAGE_SIZE, Uint8Array.of(7));
    expect(m.munmap(a + PAGE_SIZE, PAGE_SIZE)).toBe(0);
    expect(m.mapped).toBe(2 * PAGE_SIZE);
    expect(m.copyFromUser(a + PAGE_SIZE, 1)).toBe(-ERRNO.EFAULT);
    expect(m.copyFromUser(a + 2 * PAGE_SIZE, 1)).toEqual(Uint8Array.of(7));
    expect(m.munmap(a + 1, 1)).toBe(-ERRNO.EINVAL);
  });
  it('copies across adjacent mappings and reads strings like strncpy_from_user', () => {
    const m = new UserMemory();
    const a = m.mmap(PAGE_SIZE, 0x10000000);
    const b = m.mmap(PAGE_SIZE, 0x10000000 + PAGE_SIZE);
    expect(b).toBe(a + PAGE_SIZE);
    m.copyToUser(a + PAGE_SIZE - 2, new TextEncoder().encode('GPL\0'));
    const s = m.strncpyFromUser(a + PAGE_SIZE - 2, 127);
    expect(typeof s === 'number' ? s : new TextDecoder().decode(s.bytes)).toBe('GPL');
    const t = m.strncpyFromUser(a + PAGE_SIZE - 2, 2);
    expect(typeof t === 'number' ? t : t.truncated).toBe(true);
  });
  it('round-trips any write inside a mapping (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 * PAGE_SIZE }),
        fc.uint8Array({ maxLength: 512 }),
        fc.nat(),
        (len, data, offSeed) => {
          const m = new UserMemory();
          const a = m.mmap(len);
          const size = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
          const off = data.length <= size ? offSeed % (size - data.length + 1) : 0;
          const r = m.copyToUser(a + off, data);
          if (data.length > size) return r === -ERRNO.EFAULT;
          expect(r).toBe(0);
          expect(m.copyFromUser(a + off, data.length)).toEqual(data);
          return true;
        },
      ),
      { numRuns: 100 },
    );
  });
  it('finds the right mapping when a syscall touches more mappings than its lookup cache holds', () => {
    const m = new UserMemory();
    const maps = Array.from({ length: 7 }, () => m.mmap(64));
    for (const [i, a] of maps.entries()) expect(m.copyToUser(a, Uint8Array.of(i + 1))).toBe(0);
    for (let round = 0; round < 3; round++)
      for (const [i, a] of maps.entries()) expect(m.copyFromUser(a, 1)).toEqual(Uint8Array.of(i + 1));
    // after munmap the cached mapping is gone: the address faults, and a new mapping there reads zero
    const a3 = maps[3]!;
    expect(m.munmap(a3, PAGE_SIZE)).toBe(0);
    expect(m.copyFromUser(a3, 1)).toBe(-ERRNO.EFAULT);
    expect(m.mmap(PAGE_SIZE, a3)).toBe(a3);
    expect(m.copyFromUser(a3, 1)).toEqual(Uint8Array.of(0));
  });

  it('copies through DataViews exactly as through byte arrays, across mappings and into holes (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(3 * PAGE_SIZE),
        fc.integer({ min: 0, max: 70 }),
        fc.uint8Array({ minLength: 70, maxLength: 70 }),
        fc.nat(8),
        (offSeed, len, data, dstOff) => {
          const m = new UserMemory();
          const a = m.mmap(PAGE_SIZE, 0x20000000);
          m.mmap(PAGE_SIZE, 0x20000000 + PAGE_SIZE); // adjacent: ranges may cross the boundary
          const addr = a + (offSeed % (2 * PAGE_SIZE + 40)); // some ranges run past the end: EFAULT
          const src = new DataView(data.buffer, 0, 70);
          const byWords = m.writeFromView(addr, src, 0, Math.min(len, 70));
          const ref = m.copyToUser(addr, data.subarray(0, Math.min(len, 70)));
          expect(byWords).toBe(ref);
          const out = new Uint8Array(80);
          const r = m.readIntoView(addr, len, new DataView(out.buffer), dstOff);
          const want = m.copyFromUser(addr, len);
          if (typeof want === 'number') {
            expect(r).toBe(want);
            expect(out).toEqual(new Uint8Array(80));
          } else {
            expect(r).toBe(0);
            expect(out.subarray(dstOff, dstOff + len)).toEqual(want);
            expect(want).toEqual(data.subarray(0, len));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
