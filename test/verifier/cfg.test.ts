/**
 * CFG checks (check_subprogs, check_cfg): fixed cases with the messages and errnos the 6.18.44
 * kernel gives (kernel-facts.md lists `last insn is not an exit or jmp`, `unreachable insn 2`,
 * `jump out of range from insn 0 to 6`), and a differential run of random jump-heavy programs
 * against the real kernel: when bpfsim reports a CFG error the kernel must fail with the same
 * errno and line; when bpfsim accepts, no CFG message may appear in the kernel's log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRaw, type Insn, insn } from '../../src/isa/insn.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { addSubprogs, checkCfg, checkProgramCfg, isCfgError } from '../../src/verifier/cfg.js';
import { kernelAvailable, loadProgram } from './support/kernel.js';

const mov = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm);
const exit = () => insn(0x95, 0, 0, 0, 0);
const ja = (off: number) => insn(0x05, 0, 0, off, 0);
const gotol = (imm: number) => insn(0x06, 0, 0, 0, imm);
const jeq = (dst: number, imm: number, off: number) => insn(0x15, dst, 0, off, imm);
const callPc = (imm: number) => insn(0x85, 0, 1, 0, imm);
const helper = (id: number) => insn(0x85, 0, 0, 0, id);
const ldImm64 = (dst: number, v: number): Insn[] => [insn(0x18, dst, 0, 0, v), insn(0, 0, 0, 0, 0)];
const mayGoto = (off: number) => insn(0xe5, 0, 0, off, 0);

const CASES: { name: string; prog: Insn[]; errno?: number; msg?: string }[] = [
  { name: 'straight line', prog: [mov(0, 0), exit()] },
  {
    name: 'unreachable insn',
    prog: [mov(0, 0), exit(), mov(0, 1), exit()],
    errno: ERRNO.EINVAL,
    msg: 'unreachable insn 2',
  },
  {
    name: 'jump past the end',
    prog: [jeq(1, 0, 5), mov(0, 0), exit()],
    errno: ERRNO.EINVAL,
    msg: 'jump out of range from insn 0 to 6',
  },
  {
    name: 'jump before the start',
    prog: [mov(0, 0), ja(-3), exit()],
    errno: ERRNO.EINVAL,
    msg: 'jump out of range from insn 1 to -1',
  },
  {
    name: 'falls off the end',
    prog: [mov(0, 0)],
    errno: ERRNO.EINVAL,
    msg: 'last insn is not an exit or jmp',
  },
  {
    name: 'ends with a conditional jump',
    prog: [mov(0, 0), jeq(0, 0, -2)],
    errno: ERRNO.EINVAL,
    msg: 'last insn is not an exit or jmp',
  },
  {
    name: 'bounded loop (privileged)',
    prog: [mov(0, 0), insn(0x07, 0, 0, 0, 1), insn(0xa5, 0, 0, -2, 10), exit()],
  },
  {
    name: 'gotol uses imm',
    prog: [mov(0, 0), gotol(1), mov(0, 1), exit()],
    errno: ERRNO.EINVAL,
    msg: 'unreachable insn 2',
  },
  { name: 'pseudo call to a subprogram', prog: [mov(1, 0), callPc(2), mov(0, 0), exit(), mov(0, 1), exit()] },
  {
    name: 'pseudo call out of the program',
    prog: [callPc(10), mov(0, 0), exit()],
    errno: ERRNO.EINVAL,
    msg: 'call to invalid destination',
  },
  {
    name: 'main falls into its subprogram',
    prog: [mov(1, 0), callPc(2), mov(0, 0), mov(0, 0), mov(0, 1), exit()],
    errno: ERRNO.EINVAL,
    msg: 'last insn is not an exit or jmp',
  },
  {
    name: 'jump from a subprogram into main',
    prog: [mov(1, 0), callPc(2), mov(0, 0), exit(), jeq(1, 0, -3), exit()],
    errno: ERRNO.EINVAL,
    msg: 'jump out of range from insn 4 to 2',
  },
  {
    name: 'jump into the middle of ld_imm64',
    prog: [jeq(1, 0, 1), ...ldImm64(0, 7), exit()],
    errno: ERRNO.EINVAL,
    msg: 'jump into the middle of ldimm64 insn 1',
  },
  { name: 'ld_imm64 skips its second slot', prog: [...ldImm64(0, 7), exit()] },
  { name: 'helper call falls through', prog: [helper(7), exit()] },
  { name: 'may_goto has two edges', prog: [mov(0, 0), mayGoto(1), mov(0, 1), exit()] },
];

describe('CFG checks: messages and errnos', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const r = checkProgramCfg(c.prog);
      if (c.errno === undefined) {
        expect(isCfgError(r) ? r : undefined).toBeUndefined();
      } else {
        expect(r).toEqual({ errno: c.errno, message: c.msg });
      }
    });
  }

  it('back-edges are rejected only for an unprivileged loader', () => {
    const loop = [mov(0, 0), insn(0x07, 0, 0, 0, 1), insn(0xa5, 0, 0, -2, 10), exit()];
    expect(checkCfg(loop, false)).toEqual({ errno: ERRNO.EINVAL, message: 'back-edge from insn 2 to 1' });
    expect(addSubprogs([callPc(0), exit(), exit()], false)).toEqual({
      errno: ERRNO.EPERM,
      message: 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN',
    });
  });

  it('subprograms are found, sorted, with their exits, and post-order ends at the entry', () => {
    const r = checkProgramCfg([mov(1, 0), callPc(2), mov(0, 0), exit(), mov(0, 1), exit()]);
    if (isCfgError(r)) throw new Error(r.message);
    expect(r.subprogs.map((s) => [s.start, s.exitIdx])).toEqual([
      [0, 3],
      [4, 5],
    ]);
    expect(r.cfg.postorder.at(-1)).toBe(0);
    expect(r.cfg.postorder).toHaveLength(6);
    expect(r.cfg.prunePoints.has(2)).toBe(true);
  });
});

const CFG_MESSAGES =
  /unreachable insn|jump out of range|last insn is not|call to invalid destination|back-edge|middle of ldimm64/;

describe.skipIf(!kernelAvailable.ok)(
  `CFG checks vs the real kernel${kernelAvailable.ok ? '' : ` (skipped: ${kernelAvailable.reason})`}`,
  () => {
    it('fixed cases give the same errno and message', () => {
      for (const c of CASES) {
        const k = loadProgram(encodeRaw(c.prog), 1, 1, 1 << 16);
        if (c.errno === undefined) {
          expect(k.log, c.name).not.toMatch(CFG_MESSAGES);
        } else {
          expect(k.ret, c.name).toBe(-c.errno);
          expect(k.log.split('\n'), c.name).toContain(c.msg);
        }
      }
    });

    it('random jump-heavy programs agree with the kernel on CFG verdicts', () => {
      let agreeErr = 0;
      let agreeOk = 0;
      const slot = fc.oneof(
        fc.integer({ min: -1, max: 5 }).map((v) => [mov(0, v)]),
        fc.constant([exit()]),
        fc.integer({ min: -2, max: 4 }).map((o) => [ja(o)]),
        fc
          .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -3, max: 4 }))
          .map(([v, o]) => [jeq(0, v, o)]),
        fc.integer({ min: -4, max: 6 }).map((o) => [callPc(o)]),
        fc.constant(ldImm64(0, 1)),
      );
      fc.assert(
        fc.property(fc.array(slot, { minLength: 1, maxLength: 10 }), fc.boolean(), (parts, endsWithExit) => {
          const prog = [mov(0, 0), ...parts.flat(), ...(endsWithExit ? [exit()] : [])];
          const mine = checkProgramCfg(prog);
          const k = loadProgram(encodeRaw(prog), 1, 1, 1 << 16);
          if (isCfgError(mine)) {
            expect(k.ret).toBe(-mine.errno);
            expect(k.log.split('\n')).toContain(mine.message);
            agreeErr++;
          } else {
            expect(k.log).not.toMatch(CFG_MESSAGES);
            agreeOk++;
          }
        }),
        { numRuns: 250, seed: 42 },
      );
      console.log(`CFG differential: ${agreeErr} rejections and ${agreeOk} passes identical to Linux`);
    });

    it('random reachable programs with forward and backward conditional jumps pass both', () => {
      const slot = fc.oneof(
        fc.integer({ min: 0, max: 5 }).map((v) => mov(0, v)),
        fc
          .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -4, max: 4 }))
          .map(([v, o]) => jeq(0, v, o)),
      );
      let agree = 0;
      fc.assert(
        fc.property(fc.array(slot, { minLength: 1, maxLength: 12 }), (body) => {
          // clamp offsets to stay inside [0, len] so only back-edges/loops vary
          const prog = [mov(0, 0), ...body, exit()].map((x, i, all) =>
            x.code === 0x15 ? insn(0x15, 0, 0, Math.max(-i, Math.min(all.length - 2 - i, x.off)), x.imm) : x,
          );
          const mine = checkProgramCfg(prog);
          const k = loadProgram(encodeRaw(prog), 1, 1, 1 << 16);
          expect(isCfgError(mine) ? mine.message : 'ok').toBe(
            k.log.match(CFG_MESSAGES) ? 'kernel CFG error' : 'ok',
          );
          agree++;
        }),
        { numRuns: 100, seed: 7 },
      );
      console.log(`CFG differential (reachable programs): ${agree} identical verdicts`);
    });
  },
);
