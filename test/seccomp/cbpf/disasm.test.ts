import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFilter } from '../../../src/seccomp/cbpf/codec.js';
import { DisasmError, disasmSeccompTools } from '../../../src/seccomp/cbpf/disasm.js';
import { type SockFilter, sockFilter } from '../../../src/seccomp/cbpf/filter.js';
import type { SyscallNames } from '../../../src/seccomp/cbpf/names.js';
import { SYSCALL_NAMES } from '../../../src/seccomp/cbpf/syscall-names.js';
import { AUDIT_ARCH } from '../../../src/seccomp/uapi.js';
import { ORACLE_DIR } from '../kernel-oracle.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const SPEC_DATA = ORACLE_DIR && join(ORACLE_DIR, '../../data/seccomp/seccomp-tools-spec');

// Prototypes as the spec's listings show them (seccomp-tools consts/sys_arg.rb).
const ARGS: Record<string, string[]> = {
  kill: ['pid', 'sig'],
  remap_file_pages: ['start', 'size', 'prot', 'pgoff', 'flags'],
  clone: ['clone_flags', 'newsp', 'parent_tidptr', 'child_tidptr', 'tls'],
  socket: ['family', 'type', 'protocol'],
  mmap: ['addr', 'len', 'prot', 'flags', 'fd', 'pgoff'],
};
const names: SyscallNames = { ...SYSCALL_NAMES, args: (n) => ARGS[n] };

/** Rebuilds the filter from a listing's raw columns. */
function filterOf(listing: string): SockFilter[] {
  return [...listing.matchAll(/^ \d{4}: 0x(\w{2}) 0x(\w{2}) 0x(\w{2}) 0x(\w{8}) /gm)].map((m) =>
    sockFilter(
      Number.parseInt(m[1] as string, 16),
      Number.parseInt(m[2] as string, 16),
      Number.parseInt(m[3] as string, 16),
      Number.parseInt(m[4] as string, 16),
    ),
  );
}

const ARCH: Record<string, number> = {
  amd64: AUDIT_ARCH.X86_64,
  i386: AUDIT_ARCH.I386,
  aarch64: AUDIT_ARCH.AARCH64,
};

const CASES: Array<{ file: string; bpf?: string; argInfer?: boolean }> = [
  { file: 'twctf-2016-diary.amd64.txt', bpf: 'twctf-2016-diary.bpf' },
  { file: 'libseccomp.amd64.txt', bpf: 'libseccomp.bpf' },
  { file: 'CONFidence-2017-amigo.i386.txt', bpf: 'CONFidence-2017-amigo.bpf' },
  { file: 'DEF-CON-2020-bdooos.aarch64.txt', bpf: 'DEF-CON-2020-bdooos.bpf' },
  { file: 'x32.amd64.txt', bpf: 'x32.bpf' },
  { file: 'x32.amd64.no-arg-infer.txt', bpf: 'x32.bpf', argInfer: false },
  { file: 'gctf-2019-quals-caas.amd64.txt', bpf: 'gctf-2019-quals-caas.bpf' },
  { file: 'args-of-unknown-syscall.amd64.txt' },
  { file: 'all_inst.amd64.txt', bpf: 'all_inst.bpf' },
  { file: 'misc_alu.amd64.txt', bpf: 'misc_alu.bpf' },
  { file: 'else-jmp.amd64.txt' },
  { file: 'mixed_arch-2023.amd64.txt' },
];

describe('disasmSeccompTools (seccomp-tools spec/disasm/disasm_spec.rb)', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const listing = readFileSync(join(GOLDEN, c.file), 'utf8');
      const filter = filterOf(listing);
      const arch = ARCH[c.file.split('.')[1] as string] as number;
      const out = disasmSeccompTools(filter, { arch, names, argInfer: c.argInfer ?? true });
      await expect(out).toMatchFileSnapshot(join(GOLDEN, c.file));
    });
  }

  it('prints without the raw columns (display_bpf: false)', async () => {
    const filter = filterOf(readFileSync(join(GOLDEN, 'else-jmp.amd64.txt'), 'utf8'));
    await expect(disasmSeccompTools(filter, { names, showCode: false })).toMatchFileSnapshot(
      join(GOLDEN, 'else-jmp.amd64.no-code.txt'),
    );
  });

  it('refuses what seccomp-tools refuses, naming the line', () => {
    expect(() => disasmSeccompTools([sockFilter(0x55, 0, 0, 0)])).toThrow(
      new DisasmError(0, 'unknown jmp type'),
    );
    expect(() => disasmSeccompTools([sockFilter(0x06, 0, 0, 0), sockFilter(0x40, 0, 0, 0)])).toThrow(
      'Line 1 is invalid: unknown',
    );
    expect(() => disasmSeccompTools([sockFilter(0x94, 0, 0, 1)])).toThrow('Line 0 is invalid: unknown op');
  });

  it("names arguments from the full table like the spec's hand-picked one", () => {
    for (const c of CASES) {
      const listing = readFileSync(join(GOLDEN, c.file), 'utf8');
      const arch = ARCH[c.file.split('.')[1] as string] as number;
      expect(
        disasmSeccompTools(filterOf(listing), { arch, names: SYSCALL_NAMES, argInfer: c.argInfer ?? true }),
      ).toBe(listing);
    }
  });

  it('prints numbers in hex without a syscall table', () => {
    const filter = filterOf(readFileSync(join(GOLDEN, 'libseccomp.amd64.txt'), 'utf8'));
    expect(disasmSeccompTools(filter)).toContain('if (A == 0x1) goto 0009');
  });

  describe.skipIf(!SPEC_DATA || !existsSync(SPEC_DATA))(
    'the listings are of the spec data files (skipped: needs ../shared)',
    () => {
      for (const c of CASES.filter((x) => x.bpf)) {
        it(`${c.bpf}`, () => {
          const d = decodeFilter(readFileSync(join(SPEC_DATA as string, c.bpf as string)));
          expect(d.ok && d.filter).toEqual(filterOf(readFileSync(join(GOLDEN, c.file), 'utf8')));
        });
      }
    },
  );
});
