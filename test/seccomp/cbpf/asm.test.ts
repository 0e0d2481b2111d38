import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsmError, assemble } from '../../../src/seccomp/cbpf/asm.js';
import { decodeFilter } from '../../../src/seccomp/cbpf/codec.js';
import { disasmSeccompTools } from '../../../src/seccomp/cbpf/disasm.js';
import { sockFilter } from '../../../src/seccomp/cbpf/filter.js';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { SYSCALL_NAMES } from '../../../src/seccomp/cbpf/syscall-names.js';
import { validateFilter } from '../../../src/seccomp/cbpf/validate.js';
import { AUDIT_ARCH } from '../../../src/seccomp/uapi.js';
import { ORACLE_DIR } from '../kernel-oracle.js';

const SPEC = ORACLE_DIR && join(ORACLE_DIR, '../../data/seccomp/seccomp-tools-spec');
const haveSpec = SPEC !== undefined && existsSync(SPEC);
const names = SYSCALL_NAMES;
const asm = (src: string) => assemble(src, { names });
const sc = (nr: number, args: bigint[] = [], arch: number = AUDIT_ARCH.X86_64) => ({
  nr,
  arch,
  instructionPointer: 0n,
  args,
});

describe('assemble (seccomp-tools syntax)', () => {
  it('assembles each statement form (expected bytes worked out from sasm.y / compiler.rb)', () => {
    const src = `
      if (A == X)
        goto next # comment
      else
        goto err_label
      A = args[0]
      if (
        A # a comment inside
          == 0x123
        ) goto disallow
      if (! (A & 0x1337))
        goto 0
      else goto 2
      A = sys_number
      A = instruction_pointer >> 32
      mem[0] = A
      A = data[4]
      err_label: return ERRNO(1337)
      disallow:
      return KILL`;
    expect(asm(src)).toEqual([
      sockFilter(0x1d, 0, 7, 0),
      sockFilter(0x20, 0, 0, 16),
      sockFilter(0x15, 6, 0, 0x123),
      sockFilter(0x45, 2, 0, 0x1337),
      sockFilter(0x20, 0, 0, 0),
      sockFilter(0x20, 0, 0, 12),
      sockFilter(0x02, 0, 0, 0),
      sockFilter(0x20, 0, 0, 4),
      sockFilter(0x06, 0, 0, 0x50539),
      sockFilter(0x06, 0, 0, 0),
    ]);
  });

  it('assembles assignments, ALU and returns', () => {
    expect(
      asm(`A = mem[3]\nX= mem[15]\nA=    X\nX =A\nA =arch\nA = args[4]\nA = args_h[1]\nmem[15] = A\nmem[1] = X
A = len\nX = 7\nA = -A\nA += X\nA &= 0xff\nA <<= 2\nA >>= 4\nA -= 1\nA ^= (0x10)\nreturn A\nreturn 0x7fff0000\nreturn TRACE(77)`),
    ).toEqual([
      sockFilter(0x60, 0, 0, 3),
      sockFilter(0x61, 0, 0, 15),
      sockFilter(0x87, 0, 0, 0),
      sockFilter(0x07, 0, 0, 0),
      sockFilter(0x20, 0, 0, 4),
      sockFilter(0x20, 0, 0, 48),
      sockFilter(0x20, 0, 0, 28),
      sockFilter(0x02, 0, 0, 15),
      sockFilter(0x03, 0, 0, 1),
      sockFilter(0x80, 0, 0, 0),
      sockFilter(0x01, 0, 0, 7),
      sockFilter(0x84, 0, 0, 0),
      sockFilter(0x0c, 0, 0, 0),
      sockFilter(0x54, 0, 0, 0xff),
      sockFilter(0x64, 0, 0, 2),
      sockFilter(0x74, 0, 0, 4),
      sockFilter(0x14, 0, 0, 1),
      sockFilter(0xa4, 0, 0, 0x10),
      sockFilter(0x16, 0, 0, 0),
      sockFilter(0x06, 0, 0, 0x7fff0000),
      sockFilter(0x06, 0, 0, 0x7ff0004d),
    ]);
  });

  it('turns != <= < into the inverse jump, and takes syscall and ARCH_* names as constants', () => {
    expect(
      asm(
        'A = execve\nA != read ? a : next\nA <= 5 ? a : next\nA < ARCH_I386 ? next : a\nA = 1\na: return ALLOW',
      ),
    ).toEqual([
      sockFilter(0x00, 0, 0, 59),
      sockFilter(0x15, 0, 3, 0),
      sockFilter(0x25, 0, 2, 5),
      sockFilter(0x35, 1, 0, 0x40000003),
      sockFilter(0x00, 0, 0, 1),
      sockFilter(0x06, 0, 0, 0x7fff0000),
    ]);
    // Both targets equal: an unconditional jump.
    expect(asm('A == 1 ? a : a\nA = 2\na: return ALLOW')[0]).toEqual(sockFilter(0x05, 0, 0, 1));
    expect(assemble('A = execve', { names, arch: AUDIT_ARCH.I386 })).toEqual([sockFilter(0, 0, 0, 11)]);
    expect(asm('A = i386.fork')).toEqual([sockFilter(0, 0, 0, 2)]);
  });

  it('reports errors on one line with file:line:col', () => {
    const cases: Array<[string, RegExp]> = [
      ['A = 1\n  A = $', /^f\.asm:2:7: unknown token "\$"$/],
      ['a: return ALLOW\ngoto a', /^f\.asm:2:6: Does not support backward jumping to 'a'$/],
      ['goto nowhere', /^f\.asm:1:6: Cannot find label 'nowhere'$/],
      ['a: A = 1\na: return KILL', /duplicate label 'a'/],
      ['next: return KILL', /'next' is a reserved label/],
      ['A = mem[16]', /index of mem\[\] must between 0 and 15, got 16/],
      ['A = args[6]', /index of args\[\] must between 0 and 5, got 6/],
      ['A = data[3]', /index of data\[\] must be a multiple of 4/],
      ['A = args[0] >> 4', /can only be '>> 32'/],
      ['A = +A', /do you mean A = -A\?/],
      ['return', /unexpected end of input/],
      ['X = arch', /unexpected string "arch"/],
    ];
    for (const [src, re] of cases) {
      let err: unknown;
      try {
        assemble(src, { names, filename: 'f.asm' });
      } catch (e) {
        err = e;
      }
      expect(err, src).toBeInstanceOf(AsmError);
      expect((err as Error).message, src).toMatch(re);
      expect((err as Error).message).not.toMatch(/\n/);
    }
  });

  describe.skipIf(!haveSpec)(
    `seccomp-tools spec data${!haveSpec ? ' (skipped: needs ../shared)' : ''}`,
    () => {
      const read = (f: string) => readFileSync(join(SPEC as string, f), 'utf8');
      const bpf = (f: string) => {
        const d = decodeFilter(readFileSync(join(SPEC as string, f)));
        return d.ok ? d.filter : [];
      };

      it('libseccomp.asm assembles to libseccomp.bpf byte for byte', () => {
        expect(assemble(read('libseccomp.asm'), { names })).toEqual(bpf('libseccomp.bpf'));
      });

      it('mixed_arch.asm assembles to mixed_arch.bpf byte for byte', () => {
        expect(assemble(read('mixed_arch.asm'), { names })).toEqual(bpf('mixed_arch.bpf'));
      });

      for (const f of [
        'complex.asm',
        'example.asm',
        'operator_precedence.asm',
        'libseccomp.asm',
        'mixed_arch.asm',
      ]) {
        it(`${f} assembles to a filter that disassembles back`, () => {
          const filter = assemble(read(f), { names, filename: f });
          const listing = disasmSeccompTools(filter, { names });
          expect(listing.split('\n').length).toBe(filter.length + 3);
        });
      }

      it('complex.asm decides as its comments say', () => {
        const f = assemble(read('complex.asm'), { names });
        expect(validateFilter(f)).toEqual({ ok: true });
        const ret = (d: ReturnType<typeof sc>) => runFilter(f, d).ret;
        expect(ret(sc(0, [], AUDIT_ARCH.I386))).toBe(0); // non-amd64 -> KILL
        expect(ret(sc(0x40000001))).toBe(0); // x32 -> KILL
        expect(ret(sc(0))).toBe(0x7fff0000); // read -> allow
        expect(ret(sc(39))).toBe(0x7ff00001); // everything else -> TRACE(1)
        // write: allow iff ((count & fd) & 0xffff) == (buf | 0x10)
        expect(ret(sc(1, [0x13n, 0x3n, 0x1fn]))).toBe(0x7fff0000);
        expect(ret(sc(1, [0x13n, 0x4n, 0x1fn]))).toBe(0x00050001);
        // openat: errno unless (0x1337 & filename) == flags
        expect(ret(sc(257, [0n, 0xffn, 0x37n]))).toBe(0x7fff0000);
        expect(ret(sc(257, [0n, 0xffn, 0x38n]))).toBe(0x00050001);
      });

      it('operator_precedence.asm decides as its comments say', () => {
        const f = assemble(read('operator_precedence.asm'), { names });
        const ret = (d: ReturnType<typeof sc>) => runFilter(f, d).ret;
        // read: ((fd | 0x1) & 0xff) == count
        expect(ret(sc(0, [0x102n, 0n, 0x3n]))).toBe(0x7fff0000);
        expect(ret(sc(0, [0x102n, 0n, 0x2n]))).toBe(0x00050001);
        // write: count >> 4 == (buf << 2) + 0x8
        expect(ret(sc(1, [0n, 0x1n, 0xc0n]))).toBe(0x7fff0000);
        // openat: (flags & 0xf) < 0x5
        expect(ret(sc(257, [0n, 0n, 0x14n]))).toBe(0x7fff0000);
        expect(ret(sc(257, [0n, 0n, 0x15n]))).toBe(0x00050001);
        // close: (fd & 0x101) != 0
        expect(ret(sc(3, [0x100n]))).toBe(0x7fff0000);
        expect(ret(sc(3, [0x10n]))).toBe(0x00050001);
        expect(ret(sc(39 + 1000))).toBe(0); // not listed -> KILL
      });
    },
  );
});
