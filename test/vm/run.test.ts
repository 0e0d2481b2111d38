/**
 * Run-time behaviour both engines must show: calls and frames, memory faults, the instruction
 * budget, may_goto, helpers (results, callbacks, tail calls, exit), LD_ABS/LD_IND, atomics and
 * tracing. Expected values come from the kernel's constants and semantics (kernel/bpf/core.c,
 * verifier.c, net/core/filter.c) or are computed independently in the test.
 */
import { describe, expect, it } from 'vitest';
import { type Insn, insn } from '../../src/isa/insn.js';
import {
  AddressSpace,
  BPF_MAX_LOOPS,
  type EngineName,
  funcPtr,
  funcPtrPc,
  type HelperFn,
  loadProgram,
  type Program,
  type RunOptions,
  runProgram,
} from '../../src/vm/index.js';
import { JIT_SLICE } from '../../src/vm/jit.js';
import { I, SZ } from './util.js';

const ENGINES: EngineName[] = ['interp', 'jit'];
const STACK0 = 0xffff8880_00000200n;

function run(engine: EngineName, insns: Insn[], opts: RunOptions = {}) {
  return runProgram(loadProgram(insns), { engine, ...opts });
}

describe.each(ENGINES)('%s engine', (engine) => {
  it('starts with R10 at the top of frame 0 and returns R0 as a u64', () => {
    const res = run(engine, [I.mov64(0, 10), I.exit()]);
    expect(res).toMatchObject({ kind: 'exit', r0: STACK0, insns: 2 });
    expect(run(engine, [I.mov64k(0, -1), I.exit()])).toMatchObject({ r0: (1n << 64n) - 1n });
  });

  it('passes R1-R5 to a bpf-to-bpf callee, preserves R6-R9, and gives it a fresh stack', () => {
    const insns = [
      I.mov64k(1, 1),
      I.mov64k(2, 2),
      I.mov64k(6, 6),
      I.mov64k(9, 9),
      I.st(SZ.DW, 10, -8, 77), // caller's stack slot
      I.callLocal(5),
      I.ldx(SZ.DW, 7, 10, -8), // still 77
      I.alu64(0x00, 0, 6), // r0 = callee result + 6
      I.alu64(0x00, 0, 9),
      I.alu64(0x00, 0, 7),
      I.exit(),
      // callee
      I.mov64(0, 1),
      I.alu64(0x00, 0, 2), // r0 = 3
      I.st(SZ.DW, 10, -8, 1000), // its own frame
      I.mov64k(6, 0),
      I.mov64k(9, 0),
      I.mov64(8, 10),
      I.exit(),
    ];
    const res = run(engine, insns);
    expect(res).toMatchObject({ kind: 'exit', r0: 3n + 6n + 9n + 77n });
  });

  it('gives the callee frame its own 4 GiB-aligned stack region', () => {
    const res = run(engine, [I.callLocal(1), I.exit(), I.mov64(0, 10), I.exit()]);
    expect(res).toMatchObject({ kind: 'exit', r0: 0xffff8881_00000200n });
  });

  it('faults when bpf-to-bpf calls nest deeper than MAX_CALL_FRAMES (8)', () => {
    const res = run(engine, [I.callLocal(-1), I.exit()]);
    expect(res.kind).toBe('fault');
    if (res.kind === 'fault') {
      expect(res.pc).toBe(0);
      expect(res.reason).toMatch(/call stack of 9 frames is too deep/);
    }
  });

  it('reports an out-of-region read with pc, address, size and direction', () => {
    const res = run(engine, [I.mov64k(0, 1), I.ldx(SZ.DW, 0, 10, 0), I.exit()]);
    expect(res).toMatchObject({ kind: 'fault', pc: 1, addr: STACK0, size: 8, write: false, insns: 2 });
    expect(res.regs[0]).toBe(1n);
  });

  it('reports a NULL dereference and a write past the end of the context', () => {
    const space = new AddressSpace();
    const ctx = space.map(new Uint8Array(16), { name: 'ctx' });
    expect(run(engine, [I.mov64k(1, 0), I.ldx(SZ.W, 0, 1, 4), I.exit()])).toMatchObject({
      kind: 'fault',
      pc: 1,
      addr: 4n,
      size: 4,
      write: false,
    });
    const res = run(engine, [I.st(SZ.DW, 1, 12, 5), I.exit()], { space, args: [ctx.addr] });
    expect(res).toMatchObject({ kind: 'fault', pc: 0, addr: ctx.addr + 12n, size: 8, write: true });
    if (res.kind === 'fault')
      expect(res.reason).toBe(`invalid write of 8 bytes at 0x${(ctx.addr + 12n).toString(16)}`);
  });

  it('refuses writes to a read-only region but allows reads', () => {
    const space = new AddressSpace();
    const ro = space.map(Uint8Array.from([1, 2, 3, 4]), { name: 'ro', writable: false });
    const read = run(engine, [I.ldx(SZ.W, 0, 1, 0), I.exit()], { space, args: [ro.addr] });
    expect(read).toMatchObject({ kind: 'exit', r0: 0x04030201n });
    const write = run(engine, [I.stx(SZ.B, 1, 1, 0), I.exit()], { space, args: [ro.addr] });
    expect(write).toMatchObject({ kind: 'fault', write: true });
    if (write.kind === 'fault') expect(write.reason).toMatch(/read-only/);
  });

  it('computes addresses with a carry across the 32-bit boundary (no wrap inside a region)', () => {
    // r1 = region base - 8 (previous slot's top), +8 → region byte 0
    const space = new AddressSpace();
    const r = space.map(Uint8Array.from([42]), {});
    const res = run(engine, [...I.ld64(2, r.addr - 8n), I.ldx(SZ.B, 0, 2, 8), I.exit()], { space });
    expect(res).toMatchObject({ kind: 'exit', r0: 42n });
  });

  it('runs loops far longer than one JIT entry slice with exact counts and an exact budget stop', () => {
    // r0 = 0; r1 = n; loop: r0 += r1; r1 -= 1; if r1 != 0 goto loop; exit (3 insns per round)
    const n = 3 * JIT_SLICE + 17;
    const prog = [
      I.mov64k(0, 0),
      I.mov64k(1, n),
      I.alu64(0x00, 0, 1),
      I.alu64k(0x10, 1, 1),
      I.jmpk(0x50, 1, 0, -3),
      I.exit(),
    ];
    const res = run(engine, prog);
    expect(res).toMatchObject({ kind: 'exit', r0: BigInt((n * (n + 1)) / 2), insns: 2 + 3 * n + 1 });
    // a budget ending in the middle of a later slice stops at the same instruction on both engines
    const budget = 2 * JIT_SLICE + 5;
    const cut = run(engine, prog, { budget });
    expect(cut).toMatchObject({ kind: 'budget', insns: budget, pc: 2 + ((budget - 2) % 3) });
  });

  it('reports every register of a helper fault as they were at the call', () => {
    const boom: HelperFn = (r) => {
      r[0] = 123;
      r[1] = 0;
      throw new Error('boom');
    };
    const res = run(engine, [I.mov64k(0, 7), I.mov64k(6, 6), I.mov64k(9, -9), I.call(1), I.exit()], {
      helpers: new Map([[1, boom]]),
    });
    expect(res).toMatchObject({ kind: 'fault', pc: 3 });
    if (res.kind !== 'fault') return;
    const regs = (res as { regs: bigint[] }).regs;
    expect(regs[0]).toBe(123n); // what the helper left in R0, on both engines
    expect(regs[6]).toBe(6n);
    expect(regs[9]).toBe((1n << 64n) - 9n);
    expect(regs[10]).toBe(STACK0);
  });

  it('stops an endless loop at the instruction budget, at the exact instruction', () => {
    const res = run(engine, [I.mov64k(0, 0), I.alu64k(0x00, 0, 1), I.ja(-2)], { budget: 1001 });
    expect(res).toMatchObject({ kind: 'budget', pc: 1, insns: 1001 });
    expect(res.regs[0]).toBe(500n);
  });

  it('runs may_goto loops BPF_MAX_LOOPS (8M) times, then takes the jump', () => {
    const res = run(engine, [I.mov64k(0, 0), I.mayGoto(2), I.alu64k(0x00, 0, 1), I.ja(-3), I.exit()]);
    expect(BPF_MAX_LOOPS).toBe(8 * 1024 * 1024);
    expect(res).toMatchObject({ kind: 'exit', r0: BigInt(BPF_MAX_LOOPS) });
  });

  it('calls helpers with R1-R5 as 32-bit halves and takes R0 from r[0], r[1]', () => {
    const add: HelperFn = (r) => {
      const a = (BigInt(r[3] as number) << 32n) | BigInt((r[2] as number) >>> 0);
      const b = (BigInt(r[5] as number) << 32n) | BigInt((r[4] as number) >>> 0);
      const s = BigInt.asUintN(64, a + b + BigInt(r[10] as number));
      r[0] = Number(s & 0xffffffffn) | 0;
      r[1] = Number(s >> 32n) | 0;
    };
    const insns = [
      ...I.ld64(1, 0x1_ffffffffn),
      I.mov64k(2, 1),
      I.mov64k(5, 10),
      I.mov64k(6, 3),
      I.call(7),
      I.alu64(0x00, 0, 6),
      I.exit(),
    ];
    const res = run(engine, insns, { helpers: new Map([[7, add]]) });
    expect(res).toMatchObject({ kind: 'exit', r0: 0x2_00000000n + 10n + 3n });
  });

  it('faults on an unknown helper and on a helper that throws, naming it', () => {
    const r1 = run(engine, [I.call(99), I.exit()]);
    expect(r1).toMatchObject({ kind: 'fault', pc: 0, reason: 'unknown helper 99' });
    const boom: HelperFn = () => {
      throw new Error('boom');
    };
    const r2 = run(engine, [I.mov64k(0, 0), I.call(1), I.exit()], { helpers: new Map([[1, boom]]) });
    expect(r2).toMatchObject({ kind: 'fault', pc: 1, reason: 'helper 1 failed: boom' });
  });

  it('ends the program when a helper calls env.exit()', () => {
    const stop: HelperFn = (r, env) => {
      r[0] = 5;
      r[1] = 0;
      env.exit();
    };
    const res = run(engine, [I.call(1), I.mov64k(0, 9), I.exit()], { helpers: new Map([[1, stop]]) });
    expect(res).toMatchObject({ kind: 'exit', r0: 5n, insns: 1 });
  });

  it('runs callbacks (bpf_loop style) in a new frame with the arguments given', () => {
    // bpf_loop(nr, callback_fn, ctx, flags): calls callback(i, ctx) until it returns 1.
    const bpfLoop: HelperFn = (r, env) => {
      const pc = funcPtrPc(r[4] as number, r[5] as number);
      let i = 0;
      for (; i < (r[2] as number); i++) {
        const ret = env.callback(pc, [i, 0, r[6] as number, r[7] as number]);
        if (ret !== 0) {
          i++;
          break;
        }
      }
      r[0] = i;
      r[1] = 0;
    };
    const cbPc = 11;
    const insns = [
      I.st(SZ.DW, 10, -8, 0),
      I.mov64k(1, 6),
      ...I.ld64(2, funcPtr(cbPc)),
      I.mov64(3, 10),
      I.alu64k(0x00, 3, -8),
      I.mov64k(4, 0),
      I.mov64k(7, 1000),
      I.call(181),
      I.ldx(SZ.DW, 0, 10, -8), // sum of indices
      I.exit(),
      // pc 11: callback(index r1, ctx r2): *ctx += index; return index == 4
      I.ldx(SZ.DW, 3, 2, 0),
      I.alu64(0x00, 3, 1),
      I.stx(SZ.DW, 2, 3, 0),
      I.mov64k(0, 0),
      I.jmpk(0x50, 1, 4, 1),
      I.mov64k(0, 1),
      I.exit(),
    ];
    expect(insns.length).toBe(18);
    const res = run(engine, insns, { helpers: new Map([[181, bpfLoop]]) });
    expect(res).toMatchObject({ kind: 'exit', r0: 0n + 1n + 2n + 3n + 4n });
    expect(res.regs[7]).toBe(1000n);
  });

  it('lets a program tail-call itself MAX_TAIL_CALL_CNT (33) times, keeping registers and stack', () => {
    let self: Program | undefined;
    const tail: HelperFn = (_r, env) => {
      if (self !== undefined) env.tailCall(self);
    };
    self = loadProgram([I.alu64k(0x00, 6, 1), I.call(12), I.mov64(0, 6), I.exit()]);
    const res = runProgram(self, { engine, helpers: new Map([[12, tail]]) });
    expect(res).toMatchObject({ kind: 'exit', r0: 34n });
  });

  it('loads packet bytes in network order with LD_ABS/LD_IND and ends with R0 = 0 out of bounds', () => {
    const space = new AddressSpace();
    const packet = space.map(Uint8Array.from([0x45, 0x00, 0x00, 0x54, 0xab, 0xcd]), { writable: false });
    const ldabs = (size: number, k: number) => insn(0x20 | size, 0, 0, 0, k);
    expect(run(engine, [ldabs(SZ.W, 0), I.exit()], { space, packet })).toMatchObject({ r0: 0x45000054n });
    expect(run(engine, [ldabs(SZ.H, 4), I.exit()], { space, packet })).toMatchObject({ r0: 0xabcdn });
    expect(run(engine, [I.mov64k(3, 2), insn(0x50, 0, 3, 0, 3), I.exit()], { space, packet })).toMatchObject({
      r0: 0xcdn,
    });
    const oob = run(engine, [I.mov64k(0, 7), ldabs(SZ.W, 3), I.mov64k(0, 9), I.exit()], { space, packet });
    expect(oob).toMatchObject({ kind: 'exit', r0: 0n, insns: 2 });
  });

  it('performs 32- and 64-bit atomics, fetch forms, xchg and cmpxchg (compared with R0)', () => {
    const A = (size: number, op: number, src: number) => I.atomic(size, 10, src, -8, op);
    const prog = [
      ...I.ld64(1, 0x1_00000005n),
      I.stx(SZ.DW, 10, 1, -8),
      I.mov64k(2, 3),
      A(SZ.DW, 0x01, 2), // fetch add: r2 = old (0x1_00000005), mem = 0x1_00000008
      I.mov64k(3, 0xf0),
      A(SZ.W, 0xa1, 3), // fetch xor 32: r3 = 8, low word = 0xf8
      I.mov64k(0, 0xf8),
      ...I.ld64(4, 0x77n),
      A(SZ.W, 0xf1, 4), // cmpxchg 32: low word == 0xf8 → store 0x77; r0 = 0xf8
      I.mov64(6, 0),
      I.mov64k(0, 1),
      A(SZ.DW, 0xf1, 4), // cmpxchg 64 fails (mem != 1): r0 = old
      I.mov64(7, 0),
      I.mov64k(5, 9),
      A(SZ.DW, 0xe1, 5), // xchg: r5 = old, mem = 9
      I.ldx(SZ.DW, 8, 10, -8),
      I.exit(),
    ];
    const res = run(engine, prog);
    expect(res.kind).toBe('exit');
    expect(res.regs[2]).toBe(0x1_00000005n);
    expect(res.regs[3]).toBe(8n);
    expect(res.regs[6]).toBe(0xf8n);
    expect(res.regs[7]).toBe(0x1_00000077n);
    expect(res.regs[5]).toBe(0x1_00000077n);
    expect(res.regs[8]).toBe(9n);
  });

  it('treats load-acquire and store-release as plain loads and stores', () => {
    const res = run(engine, [
      I.mov64k(1, -2),
      insn(0xdb, 10, 1, -8, 0x110), // store_release 64
      insn(0xd3, 0, 10, -8, 0x100), // load_acquire 8 bits → zero-extended
      I.exit(),
    ]);
    expect(res).toMatchObject({ kind: 'exit', r0: 0xfen });
  });

  it('traces every executed instruction with the registers after it (interpreter)', () => {
    const steps: [number, number][] = [];
    const res = run(
      engine,
      [I.mov64k(0, 1), I.jmpk(0x10, 0, 1, 1), I.mov64k(0, 5), I.alu64k(0x00, 0, 2), I.exit()],
      {
        trace: (pc, regs) => steps.push([pc, regs[0] as number]),
      },
    );
    expect(res).toMatchObject({ kind: 'exit', r0: 3n });
    expect(steps).toEqual([
      [0, 1],
      [1, 1],
      [3, 3],
      [4, 3],
    ]);
  });
});
