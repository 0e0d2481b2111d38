import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSeccompData, encodeSeccompData, seccompDataWords } from '../../src/seccomp/data.js';

describe('struct seccomp_data', () => {
  it('lays out nr, arch, instruction_pointer and args little endian (include/uapi/linux/seccomp.h)', () => {
    const bytes = encodeSeccompData({
      nr: -1,
      arch: 0xc000003e,
      instructionPointer: 0x1122334455667788n,
      args: [0x0102030405060708n, 1n, 2n, 3n, 4n, 0xffffffffffffffffn],
    });
    expect(bytes.length).toBe(64);
    expect([...bytes.subarray(0, 16)]).toEqual([
      0xff, 0xff, 0xff, 0xff, 0x3e, 0x00, 0x00, 0xc0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
    ]);
    expect([...bytes.subarray(16, 24)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect([...bytes.subarray(56, 64)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  it('words are what LD W ABS k reads: word k/4 of the bytes', () => {
    const w = seccompDataWords({ nr: 59, arch: 0x40000003, instructionPointer: 0n, args: [0x100000002n] });
    expect(w[0]).toBe(59);
    expect(w[1]).toBe(0x40000003);
    expect(w[4]).toBe(2); // low half of args[0] at offset 16
    expect(w[5]).toBe(1); // high half at offset 20
    expect(w[6]).toBe(0); // missing args read as 0
  });

  it('round-trips (args modulo 2^64, negative numbers wrap)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 6, maxLength: 6 }),
        (nr, arch, ip, args) => {
          const d = decodeSeccompData(encodeSeccompData({ nr, arch, instructionPointer: ip, args }));
          expect(d).toEqual({ nr, arch, instructionPointer: BigInt.asUintN(64, ip), args });
        },
      ),
    );
  });

  it('refuses a buffer that is not 64 bytes', () => {
    expect(decodeSeccompData(new Uint8Array(63))).toBeUndefined();
  });
});
