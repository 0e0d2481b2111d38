import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttrImage, fromHex, readCString, toHex } from '../../../src/kernel/scenario/memory.js';
import { FakeHost } from './fake-host.js';

describe('hex codecs', () => {
  it('round-trip any bytes, and accept what bytes.fromhex accepts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(fromHex(toHex(b))).toEqual(b);
        expect(fromHex(toHex(b).toUpperCase())).toEqual(b);
      }),
      { numRuns: 200 },
    );
    expect(toHex(fromHex('0a 0B\t0c'))).toBe('0a0b0c');
    expect(() => fromHex('abc')).toThrow(/non-hexadecimal/);
    expect(() => fromHex('0x01')).toThrow(/non-hexadecimal/);
  });
});

describe('AttrImage', () => {
  it('packs like struct.pack_into of v & mask: little-endian, negative values wrapped', () => {
    const a = new AttrImage(16);
    a.u32(0, -1);
    a.u32(4, 0x1_0000_0002);
    a.u64(8, -2);
    // struct.pack("<I", -1 & 0xffffffff) + struct.pack("<I", 0x100000002 & 0xffffffff) + struct.pack("<Q", -2 & (2**64-1))
    expect(toHex(a.bytes)).toBe('ffffffff02000000feffffffffffffff');
    expect(a.getU32(4)).toBe(2);
  });

  it('truncates and zero-pads names like struct "16s", and refuses writes past its end', () => {
    const a = new AttrImage(20);
    a.bytesAt(2, new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz'), 16);
    expect(toHex(a.bytes.subarray(2, 18))).toBe(toHex(new TextEncoder().encode('abcdefghijklmnop')));
    a.bytesAt(2, new TextEncoder().encode('ab'), 16);
    expect(toHex(a.bytes.subarray(0, 20))).toBe(
      `0000${toHex(new TextEncoder().encode('ab'))}${'00'.repeat(16)}`,
    );
    expect(() => a.u32(18, 1)).toThrow(/pack_into requires a buffer of at least 22 bytes/);
  });
});

describe('readCString', () => {
  it('stops at the first NUL or at the size, whatever the chunk boundaries', () => {
    const host = new FakeHost();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20000 }), fc.integer({ min: 1, max: 20000 }), (len, size) => {
        const addr = host.alloc(size);
        const text = new Uint8Array(Math.min(len, size)).fill(0x41);
        host.write(addr, text);
        expect(readCString(host, addr, size).length).toBe(Math.min(len, size));
        host.free(addr);
      }),
      { numRuns: 100 },
    );
  });
});
