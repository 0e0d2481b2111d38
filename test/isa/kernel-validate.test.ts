/**
 * Differential test of `validateInsns` and `printBpfInsn` against the running Linux kernel: random
 * encodings (one instruction followed by `exit`) are loaded with BPF_PROG_LOAD as a socket filter
 * through python3 + ctypes; wherever the kernel rejects with a structural message, ours must be
 * the same, whatever the kernel accepts must validate, and every instruction line of the
 * kernel's verifier log must be our text. Skips unless running as root on Linux with python3.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printBpfInsn } from '../../src/isa/disasm-kernel.js';
import { encodeRaw, type Insn, insn } from '../../src/isa/insn.js';
import { opcodeInInsnTable, validateInsns } from '../../src/isa/validate.js';

const LOADER = String.raw`
import ctypes, json, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
out = []
for h in json.load(sys.stdin):
    code = bytes.fromhex(h)
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(65536)
    attr = struct.pack("<IIQQIIQI", 1, len(code) // 8, ctypes.addressof(insns), ctypes.addressof(lic), 1, 65536, ctypes.addressof(log), 0)
    attr += b"\0" * (144 - len(attr))
    a = ctypes.create_string_buffer(attr, len(attr))
    fd = libc.syscall(321, 5, a, len(attr))
    if fd >= 0:
        os.close(fd)
        out.append(None)
        continue
    out.append(log.value.decode("latin1") or "errno %d" % ctypes.get_errno())
print(json.dumps(out))
`;

function kernelAvailable(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64' || process.getuid?.() !== 0) return false;
  try {
    const r = execFileSync('python3', ['-c', LOADER], {
      input: JSON.stringify(['b7000000000000009500000000000000']),
    });
    return JSON.parse(r.toString())[0] === null;
  } catch {
    return false;
  }
}
const canRun = kernelAvailable();

const STRUCTURAL =
  /^(invalid bpf_ld_imm64 insn|unrecognized bpf_ld_imm64 insn|unknown opcode|last insn is not an exit or jmp|jump out of range|call to invalid destination|BPF_\S+ uses reserved fields|R\d+ is invalid|invalid BPF_LD_IMM insn|invalid atomic operand size|BPF_ATOMIC uses invalid atomic opcode|invalid may_goto imm|addr_space_cast insn can only convert)/;

const table: number[] = [];
for (let c = 0; c < 256; c++) if (opcodeInInsnTable(c)) table.push(c);
const arbInsn: fc.Arbitrary<Insn> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...table), fc.integer({ min: 0, max: 255 })),
    fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 15 })),
    fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 15 })),
    fc.oneof(fc.constant(0), fc.constantFrom(0, 1, 8, 16, 32, -8), fc.integer({ min: -0x8000, max: 0x7fff })),
    fc.oneof(
      fc.constant(0),
      fc.constantFrom(1, 16, 32, 64, 0x01, 0x51, 0xe1, 0xf1, 0x100, 0x110, 1 << 16),
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    ),
  )
  .map(([c, d, s, off, imm]) => insn(c, d, s, off, imm));
const arbProgram: fc.Arbitrary<Insn[]> = fc
  .tuple(arbInsn, arbInsn, fc.boolean())
  .map(([a, b, two]) =>
    a.code === 0x18 && two
      ? [a, insn(0, 0, 0, 0, b.imm), insn(0x95, 0, 0, 0, 0)]
      : [a, insn(0x95, 0, 0, 0, 0)],
  );

describe.skipIf(!canRun)(
  `validateInsns vs the running kernel${!canRun ? ' (skipped: needs root on Linux x86-64 with python3)' : ''}`,
  () => {
    it('agrees on 600 random encodings', () => {
      const programs = fc.sample(arbProgram, { seed: 6180, numRuns: 600 });
      const hex = programs.map((p) => Buffer.from(encodeRaw(p)).toString('hex'));
      const answers: (string | null)[] = JSON.parse(
        execFileSync('python3', ['-c', LOADER], { input: JSON.stringify(hex) }).toString(),
      );
      const bad: string[] = [];
      let structural = 0;
      let printed = 0;
      programs.forEach((p, i) => {
        const log = answers[i] ?? null;
        const lines =
          log === null ? [] : log.split('\n').filter((l) => l !== '' && !l.startsWith('processed '));
        const kernel = log === null ? null : (lines[lines.length - 1] ?? '');
        for (const l of lines) {
          const m = /^(\d+): (\([0-9a-f]{2}\) .*?)(\s+;.*)?$/.exec(l);
          const x = m === null ? undefined : p[Number(m[1])];
          if (
            m === null ||
            x === undefined ||
            (x.code === 0x18 && x.src !== 0) ||
            (x.code === 0x85 && x.src === 2)
          )
            continue;
          printed++;
          const ours = printBpfInsn(p, Number(m[1]));
          const text = m[2] as string;
          if (text !== ours && !(text.startsWith(`${ours} `) && /goto pc[+-]\d+$/.test(ours)))
            bad.push(`${hex[i]}: kernel printed '${text}', ours '${ours}'`);
        }
        const v = validateInsns(p);
        const ours = v.ok ? null : v.error;
        if (kernel === null) {
          if (ours !== null) bad.push(`${hex[i]}: kernel accepts, ours '${ours}'`);
        } else if (STRUCTURAL.test(kernel)) {
          structural++;
          if (ours !== kernel) bad.push(`${hex[i]}: kernel '${kernel}', ours '${ours}'`);
        }
      });
      expect(bad).toEqual([]);
      expect(structural).toBeGreaterThan(200);
      expect(printed).toBeGreaterThan(100);
    });
  },
);
