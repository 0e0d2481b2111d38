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
});
