/**
 * fast-check generators of classic BPF seccomp filters the kernel accepts: every load is an
 * aligned word of seccomp_data, scratch slots are stored before they are read, jumps stay in
 * range, the last instruction is RET. Shared by the interpreter, JIT and chain tests.
 */
import fc from 'fast-check';
import { type SockFilter, sockFilter } from '../../../src/seccomp/cbpf/filter.js';
import { OP } from '../../../src/seccomp/cbpf/opcodes.js';

const ALU_K = [
  OP.ALU_ADD_K,
  OP.ALU_SUB_K,
  OP.ALU_MUL_K,
  OP.ALU_DIV_K,
  OP.ALU_AND_K,
  OP.ALU_OR_K,
  OP.ALU_XOR_K,
];
const ALU_X = [
  OP.ALU_ADD_X,
  OP.ALU_SUB_X,
  OP.ALU_MUL_X,
  OP.ALU_DIV_X,
  OP.ALU_AND_X,
  OP.ALU_OR_X,
  OP.ALU_XOR_X,
  OP.ALU_LSH_X,
  OP.ALU_RSH_X,
];
const JMP_CODES = [OP.JEQ_K, OP.JEQ_X, OP.JGT_K, OP.JGT_X, OP.JGE_K, OP.JGE_X, OP.JSET_K, OP.JSET_X];

/** Interesting 32-bit constants: small, sign boundaries, all ones, AUDIT_ARCH values. */
export const u32Arb = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 70 }),
  fc.constantFrom(0x7fffffff, 0x80000000, 0xffffffff, 0xc000003e, 0x40000003, 0x40000000),
);

/** `SECCOMP_RET_*` actions with data. */
export const knownRetArb = fc.oneof(
  fc.constantFrom(0x7fff0000, 0x7ffc0000, 0x80000000, 0, 0x7ff00000, 0x7fc00000),
  fc.integer({ min: 0, max: 0xffff }).map((d) => (0x00050000 | d) >>> 0),
  fc.integer({ min: 0, max: 0xffff }).map((d) => (0x00030000 | d) >>> 0),
  fc.integer({ min: 0, max: 0xffff }).map((d) => (0x7ff00000 | d) >>> 0),
);

/** Values that are `SECCOMP_RET_*` actions with data (plus arbitrary, mostly unknown, ones). */
export const retArb = fc.oneof(knownRetArb, u32Arb);

export interface FilterArbOptions {
  maxBody?: number;
  /** Emit RET K / RET A inside the body too (default true). */
  midReturns?: boolean;
  /** Instructions appended after the body (jumps may land only on the first); default a RET. */
  epilogue?: readonly SockFilter[];
  /** Never load `instruction_pointer` (offsets 8 and 12), for runs on the real kernel. */
  noInstructionPointer?: boolean;
  /** Return only known actions with RET K (no RET A, no unknown values). */
  knownActions?: boolean;
}

type Slot = { kind: number; a: number; b: number; c: number; k: number };

function wordOffset(a: number, opts: FilterArbOptions): number {
  const w = a % 16;
  return 4 * (opts.noInstructionPointer && (w === 2 || w === 3) ? w + 2 : w);
}

/** Random valid seccomp filters (validateFilter accepts every one). */
export function filterArb(opts: FilterArbOptions = {}): fc.Arbitrary<SockFilter[]> {
  const maxBody = opts.maxBody ?? 40;
  const slot = fc.record({
    kind: fc.integer({ min: 0, max: 14 }),
    a: fc.nat(),
    b: fc.nat(),
    c: fc.nat(),
    k: u32Arb,
  });
  return fc
    .tuple(
      fc.integer({ min: 0, max: 4 }),
      fc.array(slot, { maxLength: maxBody }),
      opts.knownActions ? knownRetArb : retArb,
      opts.knownActions ? fc.constant(false) : fc.boolean(),
      fc.array(opts.knownActions ? knownRetArb : retArb, { minLength: 1, maxLength: 4 }),
    )
    .map(([stores, body, lastK, lastIsA, rets]) => build(stores, body, lastK, lastIsA, rets, opts));
}

function build(
  stores: number,
  body: readonly Slot[],
  lastK: number,
  lastIsA: boolean,
  rets: readonly number[],
  opts: FilterArbOptions,
): SockFilter[] {
  const out: SockFilter[] = [];
  // Prefix: load nr and store it in M[0..stores-1] so later loads of those slots are valid.
  if (stores > 0) out.push(sockFilter(OP.LD_W_ABS, 0, 0, 0));
  for (let s = 0; s < stores; s++) out.push(sockFilter(s % 2 ? OP.STX : OP.ST, 0, 0, s));
  const epilogue = opts.epilogue ?? [sockFilter(lastIsA ? OP.RET_A : OP.RET_K, 0, 0, lastIsA ? 0 : lastK)];
  const total = out.length + body.length + epilogue.length;
  body.forEach((s) => {
    const pc = out.length;
    // Instructions after this one a jump may land on: only the first of the epilogue.
    const room = total - pc - epilogue.length;
    switch (s.kind) {
      case 0:
      case 1:
        out.push(sockFilter(OP.LD_W_ABS, 0, 0, wordOffset(s.a, opts)));
        break;
      case 2:
        out.push(sockFilter(s.a % 2 ? OP.LD_IMM : OP.LDX_IMM, 0, 0, s.k));
        break;
      case 3: {
        const code = ALU_K[s.a % ALU_K.length] as number;
        out.push(sockFilter(code, 0, 0, code === OP.ALU_DIV_K && s.k === 0 ? 1 : s.k));
        break;
      }
      case 4:
        out.push(sockFilter(s.a % 2 ? OP.ALU_LSH_K : OP.ALU_RSH_K, 0, 0, s.k % 32));
        break;
      case 5:
        out.push(sockFilter(ALU_X[s.a % ALU_X.length] as number, 0, 0, 0));
        break;
      case 6:
        out.push(
          sockFilter([OP.TAX, OP.TXA, OP.ALU_NEG, OP.LD_W_LEN, OP.LDX_W_LEN][s.a % 5] as number, 0, 0, 0),
        );
        break;
      case 7:
        if (stores > 0) out.push(sockFilter(s.a % 2 ? OP.LD_MEM : OP.LDX_MEM, 0, 0, s.b % stores));
        else out.push(sockFilter(OP.TAX, 0, 0, 0));
        break;
      case 8:
        out.push(sockFilter(s.a % 2 ? OP.ST : OP.STX, 0, 0, s.b % 16));
        break;
      case 9:
        out.push(sockFilter(OP.JA, 0, 0, s.b % room));
        break;
      case 10:
        if (opts.midReturns ?? true) {
          const retA = !opts.knownActions && s.a % 3 === 0;
          out.push(sockFilter(retA ? OP.RET_A : OP.RET_K, 0, 0, rets[s.b % rets.length] as number));
          break;
        }
        out.push(sockFilter(OP.TXA, 0, 0, 0));
        break;
      default: {
        const span = Math.min(room, 256);
        // Short jumps most of the time so that code after the jump is reached.
        const jt = s.b % 3 ? s.b % Math.min(span, 4) : s.b % span;
        const jf = s.c % 3 ? s.c % Math.min(span, 4) : s.c % span;
        out.push(sockFilter(JMP_CODES[s.a % JMP_CODES.length] as number, jt, jf, s.k));
      }
    }
  });
  out.push(...epilogue);
  return out;
}

/** Random `seccomp_data`-like inputs: nr, arch, ip and six args with interesting values. */
export const dataArb = fc.record({
  nr: fc.oneof(fc.integer({ min: 0, max: 450 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  arch: fc.constantFrom(0xc000003e, 0x40000003, 0xc00000b7, 0),
  instructionPointer: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  args: fc.array(
    fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.bigInt({ min: 0n, max: 64n }),
      u32Arb.map((v) => BigInt(v)),
    ),
    { minLength: 6, maxLength: 6 },
  ),
});
