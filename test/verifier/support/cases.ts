/**
 * Generators of straight-line scalar programs for the kernel differential tests. A program is
 * `r0 = 0`, then segments (each sets up r6/r7 from scratch and applies one operation), then
 * `exit`; every conditional jump targets that final exit so only the fall-through path continues.
 */
import { encodeRaw, type Insn, insn } from '../../../src/isa/insn.js';
import { BPF_ALU_OP, BPF_JMP_OP } from '../../../src/isa/opcodes.js';
import { I } from './sim.js';

/** Placeholder jump offset meaning "to the program's final exit". */
export const TO_EXIT = 0x7fff;

/** Register set-ups: each leaves a scalar in `reg` (and may clobber r0-r5). */
export type Shape = { name: string; build: (reg: number) => Insn[] };

const A = BPF_ALU_OP;
const Jo = BPF_JMP_OP;

/** Unknown 64-bit scalar without id: `call prandom; rX = r0; rX ^= 0`. */
function unknown64(reg: number): Insn[] {
  return [I.call(7), I.mov64r(reg, 0), I.alu('alu64', A.XOR, reg, { imm: 0 })];
}
/** Unknown u32 from the ctx (`skb->len` / `skb->mark`). */
function unknown32(reg: number): Insn[] {
  return [I.ldxw(reg, reg === 6 ? 0 : 8)];
}

/** Starting shapes for the destination and source registers. */
export const SHAPES: Shape[] = [
  { name: 'u32', build: unknown32 },
  { name: 'u64', build: unknown64 },
  { name: 'const5', build: (r) => [I.mov64i(r, 5)] },
  { name: 'const-3', build: (r) => [I.mov64i(r, -3)] },
  { name: 'w-const', build: (r) => [I.mov32i(r, -7)] },
  { name: 'u8', build: (r) => [...unknown32(r), I.alu('alu64', A.AND, r, { imm: 0xff })] },
  {
    name: 'u8+10',
    build: (r) => [
      ...unknown32(r),
      I.alu('alu64', A.AND, r, { imm: 0xff }),
      I.alu('alu64', A.ADD, r, { imm: 10 }),
    ],
  },
  { name: 'or-hi', build: (r) => [...unknown32(r), I.alu('alu64', A.OR, r, { imm: 0x100 })] },
  {
    name: 'srange',
    build: (r) => [
      ...unknown64(r),
      I.jmp('jmp', Jo.JSGT, r, { imm: 100 }, TO_EXIT),
      I.jmp('jmp', Jo.JSLT, r, { imm: -50 }, TO_EXIT),
    ],
  },
  {
    name: 'neg-range',
    build: (r) => [
      ...unknown64(r),
      I.jmp('jmp', Jo.JSGT, r, { imm: -2 }, TO_EXIT),
      I.jmp('jmp', Jo.JSLT, r, { imm: -1000 }, TO_EXIT),
    ],
  },
  {
    name: 'urange',
    build: (r) => [
      ...unknown32(r),
      I.jmp('jmp', Jo.JGT, r, { imm: 1000 }, TO_EXIT),
      I.jmp('jmp', Jo.JLT, r, { imm: 16 }, TO_EXIT),
    ],
  },
  { name: 'linked', build: (r) => [...unknown32(r), I.mov64r(8, r)] },
  { name: 'linked+5', build: (r) => [...unknown32(r), I.mov64r(8, r), I.alu('alu64', A.ADD, r, { imm: 5 })] },
  { name: 'sign-mask', build: (r) => [...unknown64(r), I.alu('alu64', A.ARSH, r, { imm: 63 })] },
  { name: 'w-sign-mask', build: (r) => [...unknown32(r), I.alu('alu', A.ARSH, r, { imm: 31 })] },
  { name: 'sext32', build: (r) => [...unknown32(r), I.mov64r(r, r, 32)] },
  { name: 'hi-word', build: (r) => [...unknown32(r), I.alu('alu64', A.LSH, r, { imm: 32 })] },
  {
    name: 'w-sub',
    build: (r) => [
      ...unknown32(r),
      I.alu('alu64', A.AND, r, { imm: 0xf }),
      I.alu('alu', A.SUB, r, { imm: 20 }),
    ],
  },
];

/** ALU operations under test (MOV and END handled separately). */
export const ALU_OPS = [A.ADD, A.SUB, A.MUL, A.DIV, A.OR, A.AND, A.LSH, A.RSH, A.MOD, A.XOR, A.ARSH] as const;
/** Conditional jumps under test. */
export const JMP_OPS = [
  Jo.JEQ,
  Jo.JNE,
  Jo.JGT,
  Jo.JGE,
  Jo.JLT,
  Jo.JLE,
  Jo.JSGT,
  Jo.JSGE,
  Jo.JSLT,
  Jo.JSLE,
  Jo.JSET,
] as const;

/** Immediates worth testing; shifts and divisions are filtered to what the kernel accepts. */
export const IMMS = [0, 1, 3, 7, 8, 31, 32, 63, -1, -8, 0xff, 0x1000, 0x7fff_ffff, -0x8000_0000, 100];

/** Whether `op imm` is accepted by check_alu_op for the class. */
export function immAllowed(op: number, imm: number, alu64: boolean): boolean {
  if (op === A.LSH || op === A.RSH || op === A.ARSH) return imm >= 0 && imm < (alu64 ? 64 : 32);
  if (op === A.DIV || op === A.MOD) return imm !== 0;
  return true;
}

/** Joins segments into one program and resolves TO_EXIT offsets. */
export function assemble(segments: Insn[][]): { insns: Insn[]; bytes: Uint8Array } {
  const body: Insn[] = [I.mov64i(0, 0), I.mov64r(9, 1)];
  for (const s of segments) body.push(...s);
  body.push(I.exit());
  const exitIdx = body.length - 1;
  const insns = body.map((x, pc) =>
    x.off === TO_EXIT ? insn(x.code, x.dst, x.src, exitIdx - pc - 1, x.imm) : x,
  );
  return { insns, bytes: encodeRaw(insns) };
}
