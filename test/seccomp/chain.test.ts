import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionFromRet } from '../../src/seccomp/actions.js';
import { jump, type SockFilter, stmt } from '../../src/seccomp/cbpf/filter.js';
import { runFilter } from '../../src/seccomp/cbpf/interp.js';
import { compileJit } from '../../src/seccomp/cbpf/jit.js';
import { OP } from '../../src/seccomp/cbpf/opcodes.js';
import {
  attachToChain,
  buildChain,
  chainPathLength,
  releaseChain,
  runChain,
  SeccompChainError,
  shareChain,
} from '../../src/seccomp/chain.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { dataArb, filterArb } from './cbpf/arbitrary.js';
import { expectedOutcome, observedOutcome, seccompOracle } from './kernel-oracle.js';

const ret = (k: number): SockFilter[] => [stmt(OP.RET_K, k)];
const sc = (nr: number, arch = 0xc000003e) => ({ nr, arch, instructionPointer: 0n, args: [] });

describe('filter chain', () => {
  it('keeps the lowest action; ties keep the newest filter', () => {
    // Oldest first. ERRNO(5) then ERRNO(7): the newest (7) wins the tie.
    expect(runChain(buildChain([ret(0x50005), ret(0x50007)]), sc(1))).toMatchObject({
      action: 'ERRNO',
      data: 7,
    });
    expect(runChain(buildChain([ret(0x50007), ret(0x50005)]), sc(1))).toMatchObject({
      action: 'ERRNO',
      data: 5,
    });
    // TRAP beats ERRNO whatever the order, KILL_PROCESS beats everything.
    expect(runChain(buildChain([ret(0x30001), ret(0x50005)]), sc(1))).toMatchObject({
      action: 'TRAP',
      data: 1,
    });
    expect(runChain(buildChain([ret(0), ret(0x80000000)]), sc(1))).toMatchObject({ action: 'KILL_PROCESS' });
    expect(runChain(buildChain([ret(0x7ffc0000), ret(0x50005)]), sc(1))).toMatchObject({
      action: 'ERRNO',
      data: 5,
    });
  });

  it('reports which filter decided, none when everything allows', () => {
    const head = buildChain([ret(0x50001), ret(0x7fff0000), ret(0x7ffc0000)]);
    const d = runChain(head, sc(0));
    expect(d.filter?.depth).toBe(1);
    expect(runChain(buildChain([ret(0x7fff0000), ret(0x7fff1234)]), sc(0))).toMatchObject({
      action: 'ALLOW',
      filter: undefined,
      ret: 0x7fff0000,
    });
  });

  it('counts the instructions of every filter', () => {
    const f = [
      stmt(OP.LD_W_ABS, 0),
      jump(OP.JEQ_K, 1, 0, 1),
      stmt(OP.RET_K, 0x50001),
      stmt(OP.RET_K, 0x7fff0000),
    ];
    expect(runChain(buildChain([f, f]), sc(1)).executed).toBe(6);
    expect(runChain(buildChain([f, f]), sc(2)).executed).toBe(6);
  });

  it('caps ERRNO at 4095 and kills the process on unknown actions', () => {
    expect(runChain(buildChain([ret(0x5ffff)]), sc(0))).toMatchObject({ action: 'ERRNO', data: 4095 });
    // 0x00010000 sorts between KILL_THREAD and TRAP but is not an action: the kernel kills the process.
    expect(runChain(buildChain([ret(0x30000), ret(0x10000)]), sc(0))).toMatchObject({
      action: 'KILL_PROCESS',
      ret: 0x10000,
    });
  });

  it('never filters x86_64 uretprobe (335) and uprobe (336), but does for i386', () => {
    const head = buildChain([ret(0)]);
    expect(runChain(head, sc(335))).toMatchObject({ action: 'ALLOW', bypassed: true });
    expect(runChain(head, sc(336))).toMatchObject({ action: 'ALLOW', bypassed: true });
    expect(runChain(head, sc(335, 0x40000003))).toMatchObject({ action: 'KILL_THREAD' });
    expect(runChain(head, sc(337))).toMatchObject({ action: 'KILL_THREAD' });
  });

  it('charges len + 4 per existing filter: 7 filters of 4096 fit, the 8th is ENOMEM', () => {
    const big = [...Array<SockFilter>(4095).fill(stmt(OP.LD_W_ABS, 0)), stmt(OP.RET_K, 0x7fff0000)];
    const jit = compileJit(big);
    let head = buildChain([]);
    for (let i = 0; i < 7; i++) {
      const r = attachToChain(head, jit);
      expect(typeof r).not.toBe('number');
      if (typeof r !== 'number') head = r;
    }
    expect(chainPathLength(head, 4096)).toBe(4096 + 7 * 4100);
    expect(attachToChain(head, jit)).toBe(-ERRNO.ENOMEM);
    // A smaller 8th filter still fits: 32700 + 68 = 32768.
    expect(typeof attachToChain(head, compileJit([...big.slice(0, 67), stmt(OP.RET_K, 0)]))).not.toBe(
      'number',
    );
    expect(() => buildChain(Array(8).fill(big))).toThrow(SeccompChainError);
  });

  it('shares filters between tasks by reference count (fork)', () => {
    const parent = buildChain([ret(0x7fff0000), ret(0x50001)]);
    expect([parent?.refs, parent?.prev?.refs]).toEqual([1, 1]);
    // fork: the child task shares the parent's chain.
    const child = shareChain(parent);
    expect(parent?.refs).toBe(2);
    // The child attaches its own filter: its reference moves to the new node.
    const childHead = attachToChain(child, compileJit(ret(0x50002)));
    if (typeof childHead === 'number') throw new Error('attach failed');
    expect(childHead.prev).toBe(parent);
    expect(parent?.refs).toBe(2);
    expect(runChain(childHead, sc(0))).toMatchObject({ action: 'ERRNO', data: 2 }); // tie: newest wins
    // The child exits: its own filter is freed, the shared ones stay for the parent.
    releaseChain(childHead);
    expect([childHead.refs, parent?.refs, parent?.prev?.refs]).toEqual([0, 1, 1]);
    // The parent exits too: everything is freed.
    releaseChain(parent);
    expect([parent?.refs, parent?.prev?.refs]).toEqual([0, 0]);
  });

  it('equals the lowest-action rule computed independently over random chains', () => {
    fc.assert(
      fc.property(
        fc.array(filterArb({ maxBody: 12 }), { minLength: 1, maxLength: 5 }),
        dataArb,
        (filters, d) => {
          // x86_64 uretprobe/uprobe are never filtered (seccomp_uprobe_exception).
          fc.pre(!(d.arch === 0xc000003e && (d.nr === 335 || d.nr === 336)));
          const rets = filters.map((f) => runFilter(f, d).ret);
          // Newest first; the first one with the smallest signed action wins.
          let best = 0x7fff0000;
          for (const r of [...rets].reverse()) if ((r & 0xffff0000) < (best & 0xffff0000)) best = r;
          const decision = runChain(buildChain(filters), d);
          expect(decision.ret).toBe(best >>> 0);
          expect({ action: decision.action, data: decision.data }).toEqual(actionFromRet(best));
        },
      ),
      { numRuns: 200 },
    );
  });
});

const oracle = seccompOracle();

/** A filter that lets seccomp(2) (317) through so the next filter can load, else returns `k`. */
const gated = (k: number): SockFilter[] => [
  stmt(OP.LD_W_ABS, 0),
  jump(OP.JEQ_K, 317, 0, 1),
  stmt(OP.RET_K, 0x7fff0000),
  stmt(OP.RET_K, k),
];

describe.skipIf(!oracle.available)(
  `filter chain against the real kernel${oracle.available ? '' : ` (skipped: ${oracle.reason})`}`,
  () => {
    const ACTIONS = [
      0x7fff0000, // ALLOW
      0x7ffc0000, // LOG
      0x7ff00009, // TRACE(9), no tracer
      0x7fc00000, // USER_NOTIF, no listener
      0x00050005, // ERRNO(5)
      0x00050007, // ERRNO(7)
      0x0005ffff, // ERRNO(65535) -> 4095
      0x00050000, // ERRNO(0)
      0x00031234, // TRAP(0x1234)
      0x00000000, // KILL_THREAD
      0x80000000, // KILL_PROCESS
      0x00010000, // unknown -> KILL_PROCESS
    ];

    it('single filters: every action', async () => {
      if (!oracle.available) return;
      await Promise.all(
        ACTIONS.map(async (k) => {
          const d = runChain(buildChain([gated(k)]), sc(39));
          const r = await oracle.kernelRun({ filters: [gated(k)], nr: 39 });
          expect(observedOutcome(r), `${k.toString(16)}: ${r.line}`).toEqual(
            expectedOutcome(d.action, d.data),
          );
        }),
      );
    });

    it('pairs of filters: precedence and ties (older, newer)', async () => {
      if (!oracle.available) return;
      const pairs = ACTIONS.flatMap((a) => ACTIONS.map((b): [number, number] => [a, b]));
      for (let i = 0; i < pairs.length; i += 12) {
        await Promise.all(
          pairs.slice(i, i + 12).map(async ([older, newer]) => {
            const d = runChain(buildChain([gated(older), gated(newer)]), sc(39));
            const r = await oracle.kernelRun({ filters: [gated(older), gated(newer)], nr: 39 });
            const label = `${older.toString(16)} then ${newer.toString(16)}: ${r.line}`;
            expect(observedOutcome(r), label).toEqual(expectedOutcome(d.action, d.data));
          }),
        );
      }
    });

    it('random chains of random filters: same outcome as runChain', async () => {
      if (!oracle.available) return;
      const gate = [stmt(OP.LD_W_ABS, 0), jump(OP.JEQ_K, 317, 0, 1), stmt(OP.RET_K, 0x7fff0000)];
      const cases = fc.sample(
        fc.tuple(
          fc.array(filterArb({ maxBody: 16, noInstructionPointer: true, knownActions: true }), {
            minLength: 1,
            maxLength: 2,
          }),
          dataArb,
        ),
        { numRuns: 40, seed: 1811 },
      );
      for (let i = 0; i < cases.length; i += 8) {
        await Promise.all(
          cases.slice(i, i + 8).map(async ([bodies, d]) => {
            const filters = bodies.map((b) => [...gate, ...b]);
            const decision = runChain(buildChain(filters), {
              ...d,
              nr: 39,
              arch: 0xc000003e,
              instructionPointer: 0n,
            });
            const r = await oracle.kernelRun({ filters, nr: 39, args: d.args });
            expect(observedOutcome(r), r.line).toEqual(expectedOutcome(decision.action, decision.data));
          }),
        );
      }
    });

    it('the 8th 4096-instruction filter fails with ENOMEM, as attachToChain says', async () => {
      if (!oracle.available) return;
      const big = [...Array<SockFilter>(4095).fill(stmt(OP.LD_W_ABS, 0)), stmt(OP.RET_K, 0x7fff0000)];
      const seven = await oracle.kernelRun({ filters: Array(7).fill(big), loadOnly: true });
      expect(seven.result).toBe('LOADED');
      const eight = await oracle.kernelRun({ filters: Array(8).fill(big), loadOnly: true });
      expect(eight.result).toBe('LOAD_FAILED');
      expect(eight.fields).toMatchObject({ filter: 7, errno: ERRNO.ENOMEM });
    });
  },
);
