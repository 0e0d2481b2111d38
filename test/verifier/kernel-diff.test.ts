/**
 * Differential tests of scalar bounds tracking and register printing against the real Linux
 * kernel: small socket_filter programs are loaded with log_level 2, and the register text the
 * kernel prints after every instruction (`5: (07) r6 += 3 ; R6=scalar(...)`) and for every pushed
 * branch (`from 5 to 9: ... R6=...`) must equal bpfsim's (bounds.ts + scalar-alu.ts + branch.ts +
 * print-state.ts), driven by the simulator in support/sim.ts. Skips when not root on Linux or
 * koffi is missing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../src/isa/insn.js';
import { BPF_ALU_OP } from '../../src/isa/opcodes.js';
import { ALU_OPS, assemble, IMMS, immAllowed, JMP_OPS, SHAPES, TO_EXIT } from './support/cases.js';
import { kernelAvailable, loadProgram } from './support/kernel.js';
import { I, parseKernelLog, parseLiveRegs, simulate, Unsupported } from './support/sim.js';

const A = BPF_ALU_OP;
const X_SHAPES = SHAPES.filter((s) =>
  ['u32', 'const5', 'srange', 'u8+10', 'neg-range', 'linked+5'].includes(s.name),
);

interface Tally {
  /** Pushed branches the kernel pruned as `safe` (no state printed to compare). */
  pruned: number;
  compared: number;
  agreed: number;
  mismatches: string[];
}

/** Loads the segments in chunks and compares every register text the simulator predicts. */
function runSegments(segments: { label: string; insns: Insn[] }[], chunk = 40): Tally {
  const t: Tally = { pruned: 0, compared: 0, agreed: 0, mismatches: [] };
  for (let i = 0; i < segments.length; i += chunk) {
    const part = segments.slice(i, i + chunk);
    const prog = assemble(part.map((s) => s.insns));
    const k = loadProgram(prog.bytes);
    if (k.ret < 0) {
      t.mismatches.push(`kernel rejected (errno ${k.errno}): ${k.log.split('\n').slice(-3).join(' / ')}`);
      continue;
    }
    let sim: ReturnType<typeof simulate>;
    try {
      sim = simulate(prog.insns, parseLiveRegs(k.log));
    } catch (e) {
      if (e instanceof Unsupported) {
        t.mismatches.push(`simulator: ${e.message} in ${part.map((s) => s.label).join(' | ')}`);
        continue;
      }
      throw e;
    }
    const kmap = parseKernelLog(k.log);
    // Which segment does an insn index belong to (for messages)?
    const owner: string[] = ['prologue', 'prologue'];
    for (const s of part) for (let j = 0; j < s.insns.length; j++) owner.push(s.label);
    for (const e of sim.expects) {
      const got = kmap.regs.get(`${e.where}|${e.reg}`);
      if (got === undefined && e.where.startsWith('from') && kmap.from.has(e.where)) {
        t.pruned++;
        continue;
      }
      t.compared++;
      if (got === e.text) t.agreed++;
      else {
        const pc = Number(/\d+/.exec(e.where)?.[0]);
        t.mismatches.push(
          `[${owner[pc] ?? '?'}] ${e.where} R${e.reg}: kernel=${got ?? '(none)'} bpfsim=${e.text}`,
        );
      }
    }
    // Branches the kernel pushed must be exactly those bpfsim could not predict.
    const sFrom = new Set(sim.expects.filter((e) => e.where.startsWith('from')).map((e) => e.where));
    // A fork (maybe_fork_scalars) re-walks the rest of the program with other values; the
    // simulator follows only the first path, so branches after the first fork are not checked.
    const forkPcs = sim.expects
      .filter((e) => /^from (\d+) to \1$/.test(e.where))
      .map((e) => Number(/\d+/.exec(e.where)?.[0]));
    const firstFork = forkPcs.length > 0 ? Math.min(...forkPcs) : Number.POSITIVE_INFINITY;
    for (const f of kmap.from) {
      if (!sFrom.has(f)) {
        const pc = Number(/\d+/.exec(f)?.[0]);
        if (pc >= firstFork) continue;
        t.mismatches.push(`[${owner[pc] ?? '?'}] kernel explored ${f}, bpfsim predicted the branch`);
      }
    }
  }
  return t;
}

function aluSegments(): { label: string; insns: Insn[] }[] {
  const out: { label: string; insns: Insn[] }[] = [];
  for (const d of SHAPES) {
    for (const cls of ['alu64', 'alu'] as const) {
      for (const op of ALU_OPS) {
        for (const imm of IMMS) {
          if (!immAllowed(op, imm, cls === 'alu64')) continue;
          out.push({
            label: `${d.name} ${cls} op=0x${op.toString(16)} imm=${imm}`,
            insns: [...d.build(6), I.alu(cls, op, 6, { imm })],
          });
        }
        for (const s of X_SHAPES) {
          out.push({
            label: `${d.name} ${cls} op=0x${op.toString(16)} r7=${s.name}`,
            insns: [...d.build(6), ...s.build(7), I.alu(cls, op, 6, { reg: 7 })],
          });
        }
      }
      out.push({ label: `${d.name} ${cls} neg`, insns: [...d.build(6), I.alu(cls, A.NEG, 6, { imm: 0 })] });
      for (const bits of [16, 32, 64]) {
        out.push({
          label: `${d.name} ${cls} end${bits}`,
          insns: [...d.build(6), I.alu(cls, A.END, 6, { imm: bits })],
        });
      }
    }
    for (const off of [8, 16, 32]) {
      out.push({ label: `${d.name} movsx64 ${off}`, insns: [...d.build(6), I.mov64r(7, 6, off)] });
    }
    for (const off of [0, 8, 16]) {
      out.push({ label: `${d.name} mov32 off=${off}`, insns: [...d.build(6), I.mov32r(7, 6, off)] });
    }
  }
  return out;
}

function jmpSegments(): { label: string; insns: Insn[] }[] {
  const out: { label: string; insns: Insn[] }[] = [];
  for (const d of SHAPES) {
    for (const cls of ['jmp', 'jmp32'] as const) {
      for (const op of JMP_OPS) {
        for (const imm of IMMS) {
          out.push({
            label: `${d.name} ${cls} op=0x${op.toString(16)} imm=${imm}`,
            insns: [...d.build(6), I.jmp(cls, op, 6, { imm }, TO_EXIT)],
          });
        }
        for (const s of X_SHAPES) {
          out.push({
            label: `${d.name} ${cls} op=0x${op.toString(16)} r7=${s.name}`,
            insns: [...d.build(6), ...s.build(7), I.jmp(cls, op, 6, { reg: 7 }, TO_EXIT)],
          });
        }
        // the same register on both sides, and a copy sharing its id (no prediction in 6.18.44)
        out.push({
          label: `${d.name} ${cls} op=0x${op.toString(16)} r6,r6`,
          insns: [...d.build(6), I.jmp(cls, op, 6, { reg: 6 }, TO_EXIT)],
        });
        out.push({
          label: `${d.name} ${cls} op=0x${op.toString(16)} r7=copy`,
          insns: [...d.build(6), I.mov64r(7, 6), I.jmp(cls, op, 6, { reg: 7 }, TO_EXIT)],
        });
      }
    }
  }
  return out;
}

function report(name: string, t: Tally): void {
  console.log(
    `${name}: ${t.agreed}/${t.compared} register texts identical to Linux (${t.pruned} pruned branches not comparable)${t.mismatches.length ? `; first mismatches:\n${t.mismatches.slice(0, 15).join('\n')}` : ''}`,
  );
}

describe.skipIf(!kernelAvailable.ok)(
  `scalar bounds vs the real kernel${kernelAvailable.ok ? '' : ` (skipped: ${kernelAvailable.reason})`}`,
  () => {
    it('ALU/ALU64/NEG/END/MOVSX on a table of shapes and immediates', () => {
      // Shapes in [-1, 0] make the verifier fork on AND/OR with a constant (maybe_fork_scalars):
      // each fork re-walks the rest of the program, so those segments go in small programs.
      const all = aluSegments();
      const forking = all.filter((s) => s.label.includes('sign-mask'));
      const t = runSegments(all.filter((s) => !s.label.includes('sign-mask')));
      const f = runSegments(forking, 6);
      t.compared += f.compared;
      t.agreed += f.agreed;
      t.pruned += f.pruned;
      t.mismatches.push(...f.mismatches);
      report('alu table', t);
      expect(t.compared).toBeGreaterThan(1000);
      expect(t.mismatches).toEqual([]);
    });

    it('JMP/JMP32 conditions: prediction and both successors', () => {
      const t = runSegments(jmpSegments());
      report('jmp table', t);
      expect(t.compared).toBeGreaterThan(1000);
      expect(t.mismatches).toEqual([]);
    });

    it('random chains of ALU ops and jumps with fast-check constants', () => {
      const step = fc.oneof(
        fc.record({
          kind: fc.constant('alu' as const),
          cls: fc.constantFrom('alu64' as const, 'alu' as const),
          op: fc.constantFrom(...ALU_OPS, A.NEG),
          imm: fc.oneof(
            fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
            fc.integer({ min: -70, max: 70 }),
          ),
        }),
        fc.record({
          kind: fc.constant('jmp' as const),
          cls: fc.constantFrom('jmp' as const, 'jmp32' as const),
          op: fc.constantFrom(...JMP_OPS),
          imm: fc.oneof(
            fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
            fc.integer({ min: -300, max: 300 }),
          ),
        }),
        // r7 = r6 (links the two), then later steps may compare r6 with r7 or add to r7
        fc.record({
          kind: fc.constant('copy' as const),
          cls: fc.constant('alu64' as const),
          op: fc.constant(0),
          imm: fc.constant(0),
        }),
        fc.record({
          kind: fc.constant('jmpx' as const),
          cls: fc.constantFrom('jmp' as const, 'jmp32' as const),
          op: fc.constantFrom(...JMP_OPS),
          imm: fc.constant(0),
        }),
        fc.record({
          kind: fc.constant('add7' as const),
          cls: fc.constantFrom('alu64' as const, 'alu' as const),
          op: fc.constantFrom(A.ADD, A.SUB),
          imm: fc.integer({ min: -100, max: 100 }),
        }),
      );
      const chain = fc.record({
        shape: fc.integer({ min: 0, max: SHAPES.length - 1 }),
        steps: fc.array(step, { minLength: 1, maxLength: 6 }),
      });
      const total: Tally = { pruned: 0, compared: 0, agreed: 0, mismatches: [] };
      fc.assert(
        fc.property(fc.array(chain, { minLength: 20, maxLength: 20 }), (chains) => {
          const segs = chains.map((c) => {
            const shape = SHAPES[c.shape] ?? SHAPES[0];
            // r7 starts as a constant so that every step reading it is valid
            const insns: Insn[] = [I.mov64i(7, 1), ...(shape?.build(6) ?? [])];
            const desc: string[] = [shape?.name ?? '?'];
            for (const s of c.steps) {
              if (s.kind === 'alu') {
                let imm = immAllowed(s.op, s.imm, s.cls === 'alu64')
                  ? s.imm
                  : s.op === A.DIV || s.op === A.MOD
                    ? 3
                    : Math.abs(s.imm) % (s.cls === 'alu64' ? 64 : 32);
                if (s.op === A.NEG) imm = 0; // BPF_NEG with imm != 0 uses reserved fields
                insns.push(I.alu(s.cls, s.op, 6, { imm }));
                desc.push(`${s.cls}:0x${s.op.toString(16)}:${imm}`);
              } else if (s.kind === 'copy') {
                insns.push(I.mov64r(7, 6));
                desc.push('r7=r6');
              } else if (s.kind === 'jmpx') {
                insns.push(I.jmp(s.cls, s.op, 6, { reg: 7 }, TO_EXIT));
                desc.push(`${s.cls}:0x${s.op.toString(16)}:r7`);
              } else if (s.kind === 'add7') {
                insns.push(I.alu(s.cls, s.op, 7, { imm: s.imm }));
                desc.push(`r7:${s.cls}:0x${s.op.toString(16)}:${s.imm}`);
              } else {
                insns.push(I.jmp(s.cls, s.op, 6, { imm: s.imm }, TO_EXIT));
                desc.push(`${s.cls}:0x${s.op.toString(16)}:${s.imm}`);
              }
            }
            return { label: desc.join(' '), insns };
          });
          const t = runSegments(segs, 4);
          total.compared += t.compared;
          total.pruned += t.pruned;
          total.agreed += t.agreed;
          total.mismatches.push(...t.mismatches);
          if (t.mismatches.length > 0) console.log(t.mismatches.slice(0, 5).join('\n'));
          return t.mismatches.length === 0;
        }),
        { numRuns: 100, seed: 0x5eed },
      );
      report('fast-check chains', total);
      expect(total.mismatches).toEqual([]);
    });
  },
);
