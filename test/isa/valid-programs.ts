/**
 * @fileoverview Test helper: a fast-check arbitrary of random programs that pass `validateInsns`
 * (every opcode form the kernel accepts, subprograms, in-range jumps and calls).
 */
import fc from 'fast-check';
import { type Insn, insn } from '../../src/isa/insn.js';

export interface GenOptions {
  /** Only forms the uBPF syntax can express (no pseudo lddw, no load-acquire/store-release). */
  ubpf?: boolean;
}

type Item =
  | { kind: 'plain'; insns: Insn[] }
  | { kind: 'jmp'; make: (off: number) => Insn; at: number }
  | { kind: 'call'; make: (imm: number) => Insn; sub: number };

const reg = fc.integer({ min: 0, max: 10 });
const imm32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const off16 = fc.integer({ min: -0x8000, max: 0x7fff });
const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const size = fc.constantFrom(0x00, 0x08, 0x10, 0x18);
const plain = (a: fc.Arbitrary<Insn | Insn[]>): fc.Arbitrary<Item> =>
  a.map((x) => ({ kind: 'plain', insns: Array.isArray(x) ? x : [x] }));

function items(o: GenOptions): fc.Arbitrary<Item> {
  const aluOp = fc.constantFrom(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0);
  const cls = fc.constantFrom(0x04, 0x07);
  const alu = fc
    .tuple(cls, aluOp, fc.boolean(), reg, reg, imm32, fc.nat(3))
    .map(([c, op, x, d, s, imm, pick]) => {
      let off = 0;
      if ((op === 0x30 || op === 0x90) && pick % 2 === 1) off = 1;
      if (op === 0xb0 && x) off = ([0, 8, 16, c === 0x07 ? 32 : 0] as const)[pick] ?? 0;
      return x ? insn(c | op | 0x08, d, s, off, 0) : insn(c | op, d, 0, off, imm);
    });
  const neg = fc.tuple(cls, reg).map(([c, d]) => insn(c | 0x80, d, 0, 0, 0));
  const end = fc
    .tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), reg, fc.constantFrom(16, 32, 64))
    .map(([c, d, w]) => insn(c, d, 0, 0, w));
  const ldx = fc
    .tuple(size, fc.boolean(), reg, reg, off16)
    .map(([sz, sx, d, s, off]) => insn(0x01 | (sx && sz !== 0x18 ? 0x80 : 0x60) | sz, d, s, off, 0));
  const st = fc.tuple(size, reg, off16, imm32).map(([sz, d, off, imm]) => insn(0x62 | sz, d, 0, off, imm));
  const stx = fc.tuple(size, reg, reg, off16).map(([sz, d, s, off]) => insn(0x63 | sz, d, s, off, 0));
  const atomicOp = fc.constantFrom(0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1);
  const atomic = fc
    .tuple(fc.constantFrom(0xc3, 0xdb), atomicOp, reg, reg, off16)
    .map(([c, op, d, s, off]) => insn(c, d, s, off, op));
  const acqRel = fc
    .tuple(size, fc.constantFrom(0x100, 0x110), reg, reg, off16)
    .map(([sz, op, d, s, off]) => insn(0xc3 | sz, d, s, off, op));
  const ldabs = fc
    .tuple(fc.constantFrom(0x00, 0x08, 0x10), fc.boolean(), reg, imm32)
    .map(([sz, ind, s, imm]) => (ind ? insn(0x40 | sz, 0, s, 0, imm) : insn(0x20 | sz, 0, 0, 0, imm)));
  const ldimm = fc
    .tuple(reg, fc.constantFrom(...(o.ubpf ? [0] : [0, 0, 1, 2, 3, 5, 6])), imm32, imm32)
    .map(([d, s, lo, hi]) => [insn(0x18, d, s, 0, lo), insn(0, 0, 0, 0, s === 1 || s === 5 ? 0 : hi)]);
  const helper = imm32.map((imm) => insn(0x85, 0, 0, 0, imm));
  const kfunc = imm32.map((imm) => insn(0x85, 0, 2, 0, imm));
  const asCast = fc
    .tuple(reg, reg, fc.constantFrom(1, 1 << 16))
    .map(([d, s, imm]) => insn(0xbf, d, s, 1, imm));
  const jmpOp = fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0);
  const cond = fc.tuple(fc.constantFrom(0x05, 0x06), jmpOp, fc.boolean(), reg, reg, imm32, frac).map(
    ([c, op, x, d, s, imm, at]): Item => ({
      kind: 'jmp',
      at,
      make: (off) => (x ? insn(c | op | 0x08, d, s, off, 0) : insn(c | op, d, 0, off, imm)),
    }),
  );
  const ja = fc.tuple(fc.constantFrom(0x05, 0x06, 0xe5), frac).map(
    ([c, at]): Item => ({
      kind: 'jmp',
      at,
      make: (off) => (c === 0x06 ? insn(0x06, 0, 0, 0, off) : insn(c, 0, 0, off, 0)),
    }),
  );
  const call = frac.map((sub): Item => ({ kind: 'call', sub, make: (imm) => insn(0x85, 0, 1, 0, imm) }));
  const func = fc.tuple(reg, frac).map(
    ([d, sub]): Item => ({
      kind: 'call',
      sub,
      make: (imm) => insn(0x18, d, 4, 0, imm),
    }),
  );
  const common: fc.Arbitrary<Item>[] = [
    plain(alu),
    plain(alu),
    plain(neg),
    plain(end),
    plain(ldx),
    plain(st),
    plain(stx),
    plain(atomic),
    plain(ldabs),
    plain(ldimm),
    plain(helper),
    plain(kfunc),
    cond,
    cond,
    ja,
    call,
  ];
  if (!o.ubpf) common.push(plain(acqRel), plain(asCast), func);
  return fc.oneof(...common);
}

/** Lays out subprograms (each ending in `exit`) and resolves jump and call targets. */
function layout(subs: Item[][]): Insn[] {
  const withExit = subs.map((s) => [...s, { kind: 'plain', insns: [insn(0x95, 0, 0, 0, 0)] } as Item]);
  const width = (it: Item): number =>
    it.kind === 'plain' ? it.insns.length : it.kind === 'call' && it.make(0).code === 0x18 ? 2 : 1;
  const starts: number[][] = [];
  const subStart: number[] = [];
  let pc = 0;
  for (const s of withExit) {
    subStart.push(pc);
    const st: number[] = [];
    for (const it of s) {
      st.push(pc);
      pc += width(it);
    }
    starts.push(st);
  }
  const out: Insn[] = [];
  withExit.forEach((s, si) => {
    const st = starts[si] as number[];
    s.forEach((it, ii) => {
      const here = st[ii] as number;
      if (it.kind === 'plain') out.push(...it.insns);
      else if (it.kind === 'jmp') {
        const target = st[Math.floor(it.at * st.length)] as number;
        out.push(it.make(target - here - 1));
      } else {
        const target = subStart[Math.floor(it.sub * subStart.length)] as number;
        const x = it.make(target - here - 1);
        out.push(x);
        if (x.code === 0x18) out.push(insn(0, 0, 0, 0, 0));
      }
    });
  });
  return out;
}

/** Random programs accepted by `validateInsns`: 1–3 subprograms of up to 12 instructions each. */
export function arbValidProgram(o: GenOptions = {}): fc.Arbitrary<Insn[]> {
  return fc.array(fc.array(items(o), { maxLength: 12 }), { minLength: 1, maxLength: 3 }).map(layout);
}
