import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFilter } from '../../../src/seccomp/cbpf/codec.js';
import { jump, type SockFilter, stmt } from '../../../src/seccomp/cbpf/filter.js';
import { OP } from '../../../src/seccomp/cbpf/opcodes.js';
import { validateFilter } from '../../../src/seccomp/cbpf/validate.js';
import { ERRNO } from '../../../src/uapi/errno.js';
import { ORACLE_DIR, seccompOracle } from '../kernel-oracle.js';
import { filterArb } from './arbitrary.js';

const ALLOW = 0x7fff0000;
const ret = stmt(OP.RET_K, ALLOW);

/** Hand-made cases: [name, filter, expected pc of the failure (undefined = accepted)]. */
const CASES: Array<[string, SockFilter[], number | undefined]> = [
  ['minimal', [ret], undefined],
  ['empty', [], -1],
  ['4097 insns', [...Array<SockFilter>(4096).fill(stmt(OP.LD_W_ABS, 0)), ret], -1],
  ['4096 insns', [...Array<SockFilter>(4095).fill(stmt(OP.LD_W_ABS, 0)), ret], undefined],
  ['last insn not RET', [ret, stmt(OP.LD_W_ABS, 0)], 1],
  ['LD W ABS k = 64', [stmt(OP.LD_W_ABS, 64), ret], 0],
  ['LD W ABS k = 60 (args[5] high word)', [stmt(OP.LD_W_ABS, 60), ret], undefined],
  ['LD W ABS unaligned', [stmt(OP.LD_W_ABS, 0), stmt(OP.LD_W_ABS, 2), ret], 1],
  ['LD H ABS is not seccomp', [stmt(OP.LD_H_ABS, 0), ret], 0],
  ['LD B IND is not seccomp', [stmt(OP.LD_IMM, 0), stmt(OP.LD_B_IND, 0), ret], 1],
  ['LDX MSH is not seccomp', [stmt(OP.LDX_B_MSH, 0), ret], 0],
  ['MOD K is not seccomp', [stmt(OP.LD_W_ABS, 0), stmt(OP.ALU_MOD_K, 3), ret], 1],
  ['MOD X is not seccomp', [stmt(OP.ALU_MOD_X, 0), ret], 0],
  ['DIV K 0', [stmt(OP.ALU_DIV_K, 0), ret], 0],
  ['MOD K 0 fails in bpf_check_classic first', [stmt(OP.LD_W_ABS, 0), stmt(OP.ALU_MOD_K, 0), ret], 1],
  ['DIV X is fine', [stmt(OP.ALU_DIV_X, 0), ret], undefined],
  ['LSH K 32', [stmt(OP.ALU_LSH_K, 32), ret], 0],
  ['RSH K 31', [stmt(OP.ALU_RSH_K, 31), ret], undefined],
  ['LD MEM never stored', [stmt(OP.LD_MEM, 0), ret], 0],
  [
    'LD MEM stored on one path only',
    [stmt(OP.LD_W_ABS, 0), jump(OP.JEQ_K, 39, 0, 1), stmt(OP.ST, 1), stmt(OP.LD_MEM, 1), ret],
    3,
  ],
  [
    'LD MEM stored on both paths',
    [
      stmt(OP.LD_W_ABS, 0),
      jump(OP.JEQ_K, 39, 1, 0),
      stmt(OP.ST, 1),
      stmt(OP.STX, 1),
      stmt(OP.LDX_MEM, 1),
      ret,
    ],
    undefined,
  ],
  ['ST k = 16', [stmt(OP.ST, 16), ret], 0],
  ['JEQ jt past the end', [stmt(OP.LD_W_ABS, 0), jump(OP.JEQ_K, 1, 5, 0), ret], 1],
  ['JEQ jf past the end', [jump(OP.JSET_X, 1, 0, 1), ret], 0],
  ['JA past the end', [stmt(OP.JA, 1), ret], 0],
  ['JA to the last insn', [stmt(OP.JA, 1), ret, ret], undefined],
  ['opcode 0xff', [stmt(0xff, 0), ret], 0],
  ['opcode 0x8000 (beyond the table)', [stmt(0x8000, 0), ret], 0],
  [
    'known ancillary load (SKF_AD_PROTOCOL) passes classic, fails seccomp',
    [stmt(OP.LD_W_ABS, 0xfffff000), ret],
    0,
  ],
  ['unknown ancillary load', [stmt(OP.LD_B_ABS, 0xfffff040), ret], 0],
  ['RET A last', [stmt(OP.LD_W_ABS, 0), stmt(OP.RET_A, 0)], undefined],
  ['LEN loads are rewritten, allowed', [stmt(OP.LD_W_LEN, 0), stmt(OP.LDX_W_LEN, 0), ret], undefined],
  [
    'first failure in kernel order: bad opcode later beats missing RET',
    [stmt(0xff, 0), stmt(OP.LD_W_ABS, 0)],
    0,
  ],
  ['classic checks run before the seccomp checks', [stmt(OP.LD_H_ABS, 0), stmt(OP.ALU_DIV_K, 0), ret], 1],
];

describe('validateFilter', () => {
  for (const [name, filter, pc] of CASES) {
    it(`${pc === undefined ? 'accepts' : 'rejects'} ${name}`, () => {
      const v = validateFilter(filter);
      if (pc === undefined) expect(v).toEqual({ ok: true });
      else {
        expect(v).toMatchObject({ ok: false, errno: ERRNO.EINVAL, pc });
        if (!v.ok) expect(v.reason).not.toMatch(/\n/);
      }
    });
  }

  it('accepts every generated valid filter', () => {
    fc.assert(
      fc.property(filterArb(), (f) => {
        expect(validateFilter(f)).toEqual({ ok: true });
      }),
    );
  });

  it('never throws on arbitrary instructions', () => {
    const insn = fc.record({
      code: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...Object.values(OP))),
      jt: fc.integer({ min: 0, max: 255 }),
      jf: fc.integer({ min: 0, max: 255 }),
      k: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(fc.array(insn, { maxLength: 20 }), (f) => {
        const v = validateFilter(f);
        if (!v.ok) expect(v.errno).toBe(ERRNO.EINVAL);
      }),
    );
  });
});

// The 22 filters of gen-validate-cases.py, with the kernel's verdict recorded in the tool's README
// ("15 rejected with EINVAL ... 7 accepted incl. 4096 insns").
const VALIDATE_DIR = ORACLE_DIR && join(ORACLE_DIR, 'tests/validate');
const KERNEL_VERDICT: Record<string, boolean> = {
  bad_empty: false,
  bad_4097_insns: false,
  bad_no_ret_at_end: false,
  bad_ld_abs_oob_64: false,
  bad_ld_abs_unaligned: false,
  bad_ld_half: false,
  bad_mod_k: false,
  bad_div_k_zero: false,
  bad_lsh_k_32: false,
  bad_ld_mem_uninit: false,
  bad_ld_mem_one_path: false,
  bad_mem_idx_16: false,
  bad_jmp_oob: false,
  bad_ja_oob: false,
  bad_unknown_opcode: false,
  ok_minimal: true,
  ok_scratch_alu: true,
  ok_4096_insns: true,
  ok_div_x_zero: true,
  ok_unknown_action: true,
  ok_ret_errno_huge: true,
  ok_trap_data: true,
};

function loadCase(name: string): SockFilter[] {
  const d = decodeFilter(readFileSync(join(VALIDATE_DIR as string, `${name}.bpf`)));
  if (!d.ok) throw new Error(d.error);
  return d.filter;
}

describe.skipIf(!VALIDATE_DIR)(
  `seccomp-oracle tests/validate cases${!VALIDATE_DIR ? ' (skipped: needs ../shared)' : ''}`,
  () => {
    it('has the 22 cases', () => {
      const files = readdirSync(VALIDATE_DIR as string).filter((f) => /^(ok|bad)_.*\.bpf$/.test(f));
      expect(files.map((f) => f.replace(/\.bpf$/, '')).sort()).toEqual(Object.keys(KERNEL_VERDICT).sort());
    });
    for (const [name, accepted] of Object.entries(KERNEL_VERDICT)) {
      it(`${name}: ${accepted ? 'accepted' : 'EINVAL'} as on Linux 6.18`, () => {
        const v = validateFilter(loadCase(name));
        expect(v.ok).toBe(accepted);
        if (!v.ok) expect(v.errno).toBe(ERRNO.EINVAL);
      });
    }
  },
);

const oracle = seccompOracle();
describe.skipIf(!oracle.available || !VALIDATE_DIR)(
  `validator against the running kernel${oracle.available ? '' : ` (skipped: ${oracle.reason})`}`,
  () => {
    it('gives the kernel errno for the 22 shared cases and the hand-made ones', async () => {
      if (!oracle.available) return;
      const all: Array<[string, SockFilter[]]> = [
        ...Object.keys(KERNEL_VERDICT).map((n): [string, SockFilter[]] => [n, loadCase(n)]),
        ...CASES.map(([n, f]): [string, SockFilter[]] => [n, f]),
      ];
      for (let i = 0; i < all.length; i += 8) {
        await Promise.all(
          all.slice(i, i + 8).map(async ([name, f]) => {
            const k = await oracle.kernelRun({ filters: [f], loadOnly: true });
            const v = validateFilter(f);
            const kernel = k.result === 'LOADED' ? 0 : (k.fields.errno ?? -1);
            expect(v.ok ? 0 : v.errno, `${name}: ${k.line}`).toBe(kernel);
          }),
        );
      }
    });
  },
);
