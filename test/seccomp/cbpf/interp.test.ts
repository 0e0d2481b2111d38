import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeccompFilterError } from '../../../src/seccomp/cbpf/errors.js';
import { jump, type SockFilter, stmt } from '../../../src/seccomp/cbpf/filter.js';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { OP } from '../../../src/seccomp/cbpf/opcodes.js';
import type { SeccompData } from '../../../src/seccomp/data.js';
import { AUDIT_ARCH, SECCOMP_RET } from '../../../src/seccomp/uapi.js';
import { seccompOracle } from '../kernel-oracle.js';
import { dataArb, filterArb } from './arbitrary.js';

const sc = (nr: number, args: bigint[] = [], arch: number = AUDIT_ARCH.X86_64): SeccompData => ({
  nr,
  arch,
  instructionPointer: 0x401000n,
  args,
});

// The classic x86_64 allow-list shape (seccomp_filter.rst): check arch, kill x32, allow read/write.
const ALLOWLIST: SockFilter[] = [
  stmt(OP.LD_W_ABS, 4),
  jump(OP.JEQ_K, AUDIT_ARCH.X86_64, 1, 0),
  stmt(OP.RET_K, SECCOMP_RET.KILL_PROCESS),
  stmt(OP.LD_W_ABS, 0),
  jump(OP.JGE_K, 0x40000000, 3, 0),
  jump(OP.JEQ_K, 0, 1, 0),
  jump(OP.JEQ_K, 1, 0, 1),
  stmt(OP.RET_K, SECCOMP_RET.ALLOW),
  stmt(OP.RET_K, (SECCOMP_RET.ERRNO | 1) >>> 0),
];

describe('runFilter', () => {
  it('follows the branches of an allow-list and counts executed instructions', () => {
    expect(runFilter(ALLOWLIST, sc(0))).toEqual({ ret: SECCOMP_RET.ALLOW, executed: 6 });
    expect(runFilter(ALLOWLIST, sc(1))).toEqual({ ret: SECCOMP_RET.ALLOW, executed: 7 });
    expect(runFilter(ALLOWLIST, sc(2))).toEqual({ ret: 0x00050001, executed: 7 });
    expect(runFilter(ALLOWLIST, sc(0x40000000))).toEqual({ ret: 0x00050001, executed: 5 });
    expect(runFilter(ALLOWLIST, sc(0, [], AUDIT_ARCH.I386))).toEqual({ ret: 0x80000000, executed: 3 });
  });

  it('loads 32-bit halves of 64-bit arguments (low word first)', () => {
    const hi = [stmt(OP.LD_W_ABS, 20), stmt(OP.RET_A, 0)];
    const lo = [stmt(OP.LD_W_ABS, 16), stmt(OP.RET_A, 0)];
    const d = sc(1, [0xdeadbeef_cafef00dn]);
    expect(runFilter(hi, d).ret).toBe(0xdeadbeef);
    expect(runFilter(lo, d).ret).toBe(0xcafef00d);
  });

  it('does 32-bit unsigned ALU with wrap-around', () => {
    const prog = (...ops: SockFilter[]) => [stmt(OP.LD_IMM, 0xfffffff0), ...ops, stmt(OP.RET_A, 0)];
    expect(runFilter(prog(stmt(OP.ALU_ADD_K, 0x20)), sc(0)).ret).toBe(0x10);
    expect(runFilter(prog(stmt(OP.ALU_MUL_K, 0x10)), sc(0)).ret).toBe(0xffffff00);
    expect(runFilter(prog(stmt(OP.ALU_DIV_K, 3)), sc(0)).ret).toBe(Math.floor(0xfffffff0 / 3));
    expect(runFilter(prog(stmt(OP.ALU_NEG, 0)), sc(0)).ret).toBe(0x10);
    expect(runFilter(prog(stmt(OP.ALU_RSH_K, 4)), sc(0)).ret).toBe(0x0fffffff);
    expect(runFilter(prog(stmt(OP.LDX_IMM, 36), stmt(OP.ALU_LSH_X, 0)), sc(0)).ret).toBe(0xffffff00); // 36 & 31 = 4
    expect(runFilter(prog(stmt(OP.ALU_SUB_K, 0xfffffff1)), sc(0)).ret).toBe(0xffffffff);
  });

  it('treats the comparisons as unsigned', () => {
    const f = [stmt(OP.LD_W_ABS, 0), jump(OP.JGT_K, 5, 0, 1), stmt(OP.RET_K, 1), stmt(OP.RET_K, 2)];
    expect(runFilter(f, sc(-1)).ret).toBe(1); // nr -1 is 0xffffffff > 5
    expect(runFilter(f, sc(5)).ret).toBe(2);
  });

  it('LEN loads sizeof(struct seccomp_data) = 64', () => {
    expect(runFilter([stmt(OP.LD_W_LEN, 0), stmt(OP.RET_A, 0)], sc(0)).ret).toBe(64);
    expect(runFilter([stmt(OP.LDX_W_LEN, 0), stmt(OP.TXA, 0), stmt(OP.RET_A, 0)], sc(0)).ret).toBe(64);
  });

  it('division by X == 0 ends the filter with 0 (bpf_convert_filter guard)', () => {
    const f = [stmt(OP.LDX_IMM, 0), stmt(OP.LD_IMM, 10), stmt(OP.ALU_DIV_X, 0), stmt(OP.RET_K, 0x7fff0000)];
    expect(runFilter(f, sc(0))).toEqual({ ret: 0, executed: 3 });
  });

  it('scratch memory keeps values between ST and LD', () => {
    const f = [
      stmt(OP.LD_W_ABS, 0),
      stmt(OP.ST, 15),
      stmt(OP.LD_IMM, 0),
      stmt(OP.LDX_MEM, 15),
      stmt(OP.TXA, 0),
    ];
    expect(runFilter([...f, stmt(OP.RET_A, 0)], sc(42)).ret).toBe(42);
  });

  it('throws SeccompFilterError(EINVAL) for a filter the kernel refuses', () => {
    expect(() => runFilter([stmt(OP.LD_W_ABS, 2), stmt(OP.RET_A, 0)], sc(0))).toThrow(SeccompFilterError);
    expect(() => runFilter([], sc(0))).toThrow(/EINVAL/);
  });

  it('is deterministic and never runs past the end on random valid filters', () => {
    fc.assert(
      fc.property(filterArb(), dataArb, (f, d) => {
        const r = runFilter(f, d);
        expect(r.ret).toBe(r.ret >>> 0);
        expect(r.executed).toBeGreaterThanOrEqual(1);
        expect(r.executed).toBeLessThanOrEqual(f.length);
        expect(runFilter(f, d)).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });
});

const oracle = seccompOracle();

describe.skipIf(!oracle.available)(
  `runFilter against the real kernel and bpf-interp${oracle.available ? '' : ` (skipped: ${oracle.reason})`}`,
  () => {
    it('agrees with bpf-interp (reference interpreter) on result and executed count', () => {
      if (!oracle.available) return;
      fc.assert(
        fc.property(filterArb(), dataArb, (f, d) => {
          const args = [`${d.nr >>> 0}`, ...d.args.map((a) => `0x${a.toString(16)}`)];
          const out = oracle.bpfInterp([
            '-f',
            oracle.writeFilter(f),
            '-a',
            `0x${d.arch.toString(16)}`,
            '-i',
            `0x${d.instructionPointer.toString(16)}`,
            ...args,
          ]);
          const m = /ret=0x([0-9a-f]+) insns_executed=(\d+)/.exec(out);
          expect(m, out).not.toBeNull();
          // bpf-interp applies seccomp_run_filters' rule to the single filter: it starts from
          // SECCOMP_RET_ALLOW and keeps the filter's value only if (s32)(ret & 0xffff0000) is lower.
          const r = runFilter(f, d);
          const chained = (r.ret & 0xffff0000) < (0x7fff0000 | 0) ? r.ret : 0x7fff0000;
          expect({ ret: Number.parseInt(m?.[1] ?? '', 16), executed: Number(m?.[2]) }).toEqual({
            ret: chained,
            executed: r.executed,
          });
        }),
        { numRuns: 40 },
      );
    });

    it('computes what the kernel computes: RET A of random ALU/jump programs, read back as ERRNO(A & 0xfff)', async () => {
      if (!oracle.available) return;
      const epilogue = [stmt(OP.ALU_AND_K, 0xfff), stmt(OP.ALU_OR_K, SECCOMP_RET.ERRNO), stmt(OP.RET_A, 0)];
      const cases = fc.sample(
        fc.tuple(filterArb({ midReturns: false, epilogue, noInstructionPointer: true }), dataArb),
        {
          numRuns: 48,
          seed: 4242,
        },
      );
      for (let i = 0; i < cases.length; i += 8) {
        await Promise.all(
          cases.slice(i, i + 8).map(async ([f, d]) => {
            const nr = 39; // getpid: harmless if the filter's ERRNO is 0
            const data = { ...d, nr, arch: AUDIT_ARCH.X86_64 };
            // The real instruction pointer is unknown here: the generator never loads it.
            const { ret } = runFilter(f, { ...data, instructionPointer: 0n });
            const k = await oracle.kernelRun({ filters: [f], nr, args: d.args });
            if (ret === 0)
              expect(k.result, k.line).toBe('KILLED'); // DIV by X == 0
            else if ((ret & 0xfff) === 0) expect(k.result, k.line).toBe('RETURN');
            else expect([k.result, k.fields.errno], k.line).toEqual(['ERRNO', ret & 0xfff]);
          }),
        );
      }
    });
  },
);
