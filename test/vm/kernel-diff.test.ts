/**
 * Differential test against the real Linux kernel: random ALU/ALU64, jump, stack load/store and
 * atomic programs run through BPF_PROG_TEST_RUN (socket filter, via the kernel oracle in
 * ../shared/tools/kernel-oracle) and on both engines; R0 must agree. The kernel's retval is 32
 * bits wide, so each case is loaded twice: returning R0 and returning R0 >> 32. LD_ABS/LD_IND
 * packet loads are compared the same way (socket filter, random offsets in and out of bounds).
 * Skipped (visibly) without root on Linux, python3 or the shared/ directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, encodeRaw, type Insn, insn } from '../../src/isa/insn.js';
import { AddressSpace, loadProgram, runProgram } from '../../src/vm/index.js';
import { I } from './util.js';

const ORACLE = resolve(import.meta.dirname, '../../../shared/tools/kernel-oracle/bpf_oracle.py');
const hasPython = spawnSync('python3', ['--version']).status === 0;
const canRun = process.platform === 'linux' && process.getuid?.() === 0 && existsSync(ORACLE) && hasPython;

const reg = fc.integer({ min: 0, max: 5 });
const imm = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -3, max: 70 }));
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0];

const op = fc
  .record({
    kind: fc.nat(9),
    cls: fc.constantFrom(0x04, 0x07),
    aop: fc.constantFrom(...ALU_OPS),
    x: fc.boolean(),
    dst: reg,
    src: reg,
    imm,
    v: fc.nat(5),
    jop: fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0),
  })
  .map(({ kind, cls, aop, x, dst, src, imm, v, jop }): Insn[] => {
    if (kind === 7) {
      // if dst op src goto +1; dst ^= imm
      const j = insn((v % 2 ? 0x06 : 0x05) | (x ? 0x08 : 0) | jop, dst, x ? src : 0, 1, x ? 0 : imm);
      return [j, I.alu64k(0xa0, (dst + 1) % 6, imm)];
    }
    if (kind === 8) {
      const size = [0x00, 0x08, 0x10, 0x18][v % 4] as number;
      const sx = v >= 4 && size !== 0x18;
      return [I.stx(0x18, 10, src, -8), sx ? I.ldxsx(size, dst, 10, -8) : I.ldx(size, dst, 10, -8)];
    }
    if (kind === 9) {
      const aops = [0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1];
      const size = v % 2 ? 0x18 : 0x00;
      return [
        I.stx(0x18, 10, dst, -8),
        I.atomic(size, 10, src, -8, aops[(imm >>> 0) % 10] as number),
        I.ldx(0x18, dst, 10, -8),
      ];
    }
    if (aop === 0xd0)
      return [insn(cls === 0x07 ? 0xd7 : x ? 0xdc : 0xd4, dst, 0, 0, [16, 32, 64][v % 3] as number)];
    if (aop === 0x80) return [insn(cls | aop, dst, 0, 0, 0)];
    let off = 0;
    let k = imm;
    if ((aop === 0x30 || aop === 0x90) && v % 2) off = 1;
    if ((aop === 0x30 || aop === 0x90) && !x && k === 0) k = 7;
    if (aop === 0x60 || aop === 0x70 || aop === 0xc0) k &= cls === 0x07 ? 63 : 31;
    if (aop === 0xb0 && x && v >= 3) off = cls === 0x07 ? ([8, 16, 32][v - 3] as number) : v === 5 ? 16 : 8;
    return [x ? insn(cls | 0x08 | aop, dst, src, off, 0) : insn(cls | aop, dst, 0, off, k)];
  });

const program = fc
  .record({
    init: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 6, maxLength: 6 }),
    ops: fc.array(op, { minLength: 1, maxLength: 12 }),
  })
  .map(({ init, ops }) => [...init.flatMap((v, r) => I.ld64(r, v)), ...ops.flat()]);

describe.skipIf(!canRun)('engines vs the real kernel (BPF_PROG_TEST_RUN)', () => {
  it('compute the same R0 as Linux for random ALU, jump, stack and atomic programs', () => {
    const cases = fc.sample(program, { seed: 20261122, numRuns: 150 });
    const lines: string[] = [];
    cases.forEach((body, i) => {
      for (const [half, tail] of [
        ['lo', [I.exit()]],
        ['hi', [I.alu64k(0x70, 0, 32), I.exit()]],
      ] as const) {
        const id = `p${i}${half}`;
        const insns = bytesToHex(encodeRaw([...body, ...tail]));
        lines.push(
          JSON.stringify({
            op: 'prog_load',
            id,
            prog_type: 'socket_filter',
            insns,
            license: 'GPL',
            log_level: 0,
          }),
        );
        lines.push(JSON.stringify({ op: 'prog_test_run', prog: id, data: '00'.repeat(14) }));
        lines.push(JSON.stringify({ op: 'close', id }));
      }
    });
    const out = spawnSync('python3', [ORACLE], {
      input: `${lines.join('\n')}\n`,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(out.status).toBe(0);
    const results = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { op: string; ret: number; retval?: number });
    let compared = 0;
    const mismatches: string[] = [];
    cases.forEach((body, i) => {
      const load = results[6 * i];
      const runLo = results[6 * i + 1];
      const runHi = results[6 * i + 4];
      if (load === undefined || load.ret < 0 || runLo?.ret !== 0 || runHi?.ret !== 0) return;
      const kernel = (BigInt(runHi.retval ?? 0) << 32n) | BigInt(runLo.retval ?? 0);
      for (const engine of ['interp', 'jit'] as const) {
        const res = runProgram(loadProgram([...body, I.exit()]), { engine });
        if (res.kind !== 'exit' || res.r0 !== kernel)
          mismatches.push(
            `case ${i} ${engine}: kernel 0x${kernel.toString(16)}, got ${res.kind === 'exit' ? `0x${res.r0.toString(16)}` : res.kind}`,
          );
      }
      compared++;
    });
    expect(mismatches).toEqual([]);
    // The generator stays within what the verifier accepts, so nearly every case is compared.
    expect(compared).toBeGreaterThan(140);
  });

  it('load packet bytes with LD_ABS/LD_IND like Linux (network byte order, R0 = 0 out of bounds)', () => {
    // Socket filters see the packet from the network header: skb->data is 14 bytes into data_in.
    const cases = fc.sample(
      fc.record({
        bytes: fc.uint8Array({ minLength: 14 + 20, maxLength: 14 + 48 }),
        size: fc.constantFrom(0x00, 0x08, 0x10),
        ind: fc.boolean(),
        base: fc.integer({ min: 0, max: 40 }),
        k: fc.integer({ min: -2, max: 50 }),
      }),
      { seed: 77, numRuns: 120 },
    );
    const progOf = (c: (typeof cases)[number]): Insn[] => [
      I.mov64(6, 1),
      I.mov64k(7, c.base),
      I.mov64k(0, 12345),
      c.ind ? insn(0x40 | c.size, 0, 7, 0, c.k) : insn(0x20 | c.size, 0, 0, 0, c.base + c.k),
      I.exit(),
    ];
    const lines: string[] = [];
    cases.forEach((c, i) => {
      const insns = bytesToHex(encodeRaw(progOf(c)));
      lines.push(
        JSON.stringify({ op: 'prog_load', id: `a${i}`, prog_type: 'socket_filter', insns, license: 'GPL' }),
      );
      lines.push(JSON.stringify({ op: 'prog_test_run', prog: `a${i}`, data: bytesToHex(c.bytes) }));
      lines.push(JSON.stringify({ op: 'close', id: `a${i}` }));
    });
    const out = spawnSync('python3', [ORACLE], {
      input: `${lines.join('\n')}\n`,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(out.status).toBe(0);
    const results = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ret: number; retval?: number });
    const mismatches: string[] = [];
    let compared = 0;
    cases.forEach((c, i) => {
      const load = results[3 * i];
      const run = results[3 * i + 1];
      if (load === undefined || load.ret < 0 || run?.ret !== 0) return;
      compared++;
      for (const engine of ['interp', 'jit'] as const) {
        const space = new AddressSpace();
        const packet = space.map(c.bytes.slice(14), { writable: false });
        const res = runProgram(loadProgram(progOf(c)), { engine, space, packet });
        const got = res.kind === 'exit' ? res.r0 : -1n;
        if (got !== BigInt(run.retval ?? -1))
          mismatches.push(`case ${i} ${engine}: kernel ${run.retval}, got ${got}`);
      }
    });
    expect(mismatches).toEqual([]);
    expect(compared).toBe(cases.length);
  });
});
