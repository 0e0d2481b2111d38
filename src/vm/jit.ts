/**
 * @fileoverview The JIT: compiles a checked program to one JavaScript function.
 *
 * Plays the role of arch/x86/net/bpf_jit_comp.c `bpf_int_jit_compile` with JavaScript as the
 * target: registers become local variables (`r0lo`, `r0hi`, ...), basic blocks become the cases
 * of one `switch (pc)` inside a loop (straight-line blocks fall through to the next case), and a
 * block that jumps back to its own start becomes a tight, unrolled inner loop. Stack accesses
 * through R10 inside the frame need no lookup (R10 is read-only). Long programs are compiled in
 * chunks of about JIT_CHUNK_SLOTS slots, each its own function compiled when first entered, so
 * that V8 optimizes them quickly. The source text is built from numbers only (opcodes, register
 * numbers, immediates, offsets, pcs), never from user-supplied text.
 *
 * The instruction budget is charged once per block; when fewer instructions remain than the
 * block holds, the function hands over to the interpreter at the block start (status DEOPT), so
 * both engines stop at exactly the same instruction. Traced runs use the interpreter.
 *
 * Helper calls (`call imm`, like the x86 JIT's direct `call __bpf_call_base + imm`) go straight
 * to the helper function, fetched from the run's table once per entry into the chunk: each call
 * site is monomorphic, so V8 can inline the helper, and no table lookup or allocation happens per
 * call. Faults (unknown helper, a helper that throws), tail calls and exit requests behave as in
 * the interpreter's `Machine.callHelper`.
 */

import { MAX_CALL_FRAMES } from '../isa/opcodes.js';
import * as access from './access.js';
import * as a64 from './alu64.js';
import { BPF_MAX_LOOPS, type Machine, ST } from './machine.js';
import { REGION_HI_BASE_I32 } from './memory.js';
import type { Program } from './program.js';
import { alu, endian } from './semantics.js';

/** A compiled program: runs from `pc` until frame `stopDepth` exits and returns an ST status. */
export type JitFn = (m: Machine, pc: number, stopDepth: number) => number;

/** Programs longer than this many slots are run by the interpreter (keeps generated code small). */
export const JIT_MAX_SLOTS = 100_000;

const lo = (r: number) => `r${r}lo`;
const hi = (r: number) => `r${r}hi`;
const n = (x: number) => ((x | 0) < 0 ? `(${x | 0})` : `${x | 0}`);

const SAVE = Array.from({ length: 11 }, (_, i) => `R[${2 * i}]=${lo(i)};R[${2 * i + 1}]=${hi(i)};`).join('');
const LOAD = Array.from({ length: 11 }, (_, i) => `${lo(i)}=R[${2 * i}],${hi(i)}=R[${2 * i + 1}]`).join(',');

/** Condition source for a 64-bit jump `op` comparing dst with (blo, bhi) expressions. */
function cond64(op: number, d: number, blo: string, bhi: string): string {
  const al = lo(d);
  const ah = hi(d);
  const u = (cmp: string) =>
    `(${ah}!==${bhi}?(${ah}>>>0)${cmp[0]}(${bhi}>>>0):(${al}>>>0)${cmp}(${blo}>>>0))`;
  const s = (cmp: string) => `(${ah}!==${bhi}?${ah}${cmp[0]}${bhi}:(${al}>>>0)${cmp}(${blo}>>>0))`;
  switch (op) {
    case 0x10:
      return blo === '0' && bhi === '0' ? `((${al}|${ah})===0)` : `(((${al}^${blo})|(${ah}^${bhi}))===0)`;
    case 0x50:
      return blo === '0' && bhi === '0' ? `((${al}|${ah})!==0)` : `(((${al}^${blo})|(${ah}^${bhi}))!==0)`;
    case 0x40:
      return `((${al}&${blo})!==0||(${ah}&${bhi})!==0)`;
    case 0x20:
      return u('>');
    case 0x30:
      return u('>=');
    case 0xa0:
      return u('<');
    case 0xb0:
      return u('<=');
    case 0x60:
      return s('>');
    case 0x70:
      return s('>=');
    case 0xc0:
      return s('<');
    default:
      return s('<=');
  }
}

function cond32(op: number, d: number, b: string): string {
  const a = lo(d);
  switch (op) {
    case 0x10:
      return `(${a}===${b})`;
    case 0x50:
      return `(${a}!==${b})`;
    case 0x40:
      return `((${a}&${b})!==0)`;
    case 0x20:
      return `((${a}>>>0)>(${b}>>>0))`;
    case 0x30:
      return `((${a}>>>0)>=(${b}>>>0))`;
    case 0xa0:
      return `((${a}>>>0)<(${b}>>>0))`;
    case 0xb0:
      return `((${a}>>>0)<=(${b}>>>0))`;
    case 0x60:
      return `(${a}>${b})`;
    case 0x70:
      return `(${a}>=${b})`;
    case 0xc0:
      return `(${a}<${b})`;
    default:
      return `(${a}<=${b})`;
  }
}

/** Emits an ALU instruction. */
function emitAlu(c: number, d: number, s: number, off: number, imm: number): string {
  const is64 = (c & 7) === 7;
  const op = c & 0xf0;
  const isX = (c & 8) !== 0;
  const dl = lo(d);
  const dh = hi(d);
  if (op === 0xd0) return `${dl}=END(${n(c)},${n(imm)},${dl},${dh});${dh}=X.hi;`;
  const bl = isX ? lo(s) : n(imm);
  const bh = isX ? hi(s) : n(imm >> 31);
  if (is64) {
    switch (op) {
      case 0x00:
        return `t=(${dl}+${bl})|0;${dh}=(${dh}+${bh}+(((t>>>0)<(${dl}>>>0))|0))|0;${dl}=t;`;
      case 0x10:
        if (!isX && imm === 1) return `${dh}=(${dh}-((${dl}===0)|0))|0;${dl}=(${dl}-1)|0;`;
        return `t=(${dl}-${bl})|0;${dh}=(${dh}-${bh}-(((${dl}>>>0)<(${bl}>>>0))|0))|0;${dl}=t;`;
      case 0x40:
        return `${dl}|=${bl};${dh}|=${bh};`;
      case 0x50:
        return `${dl}&=${bl};${dh}&=${bh};`;
      case 0xa0:
        return `${dl}^=${bl};${dh}^=${bh};`;
      case 0xb0:
        if (off === 0) return `${dl}=${bl};${dh}=${bh};`;
        break;
      case 0x60:
        if (!isX) {
          const k = imm & 63;
          if (k === 0) return '';
          if (k < 32) return `${dh}=(${dh}<<${k})|(${dl}>>>${32 - k});${dl}=${dl}<<${k};`;
          return `${dh}=${dl}<<${k - 32};${dl}=0;`;
        }
        break;
      case 0x70:
        if (!isX) {
          const k = imm & 63;
          if (k === 0) return '';
          if (k < 32) return `${dl}=(${dl}>>>${k})|(${dh}<<${32 - k});${dh}=${dh}>>>${k}|0;`;
          return `${dl}=${dh}>>>${k - 32}|0;${dh}=0;`;
        }
        break;
      case 0xc0:
        if (!isX) {
          const k = imm & 63;
          if (k === 0) return '';
          if (k < 32) return `${dl}=(${dl}>>>${k})|(${dh}<<${32 - k});${dh}=${dh}>>${k};`;
          return `${dl}=${dh}>>${k - 32};${dh}=${dh}>>31;`;
        }
        break;
      default:
        break;
    }
    return `${dl}=ALU(${n(op)},true,${n(off)},${dl},${dh},${bl},${bh});${dh}=X.hi;`;
  }
  switch (op) {
    case 0x00:
      return `${dl}=(${dl}+${bl})|0;${dh}=0;`;
    case 0x10:
      return `${dl}=(${dl}-${bl})|0;${dh}=0;`;
    case 0x20:
      return `${dl}=Math.imul(${dl},${bl});${dh}=0;`;
    case 0x40:
      return `${dl}|=${bl};${dh}=0;`;
    case 0x50:
      return `${dl}&=${bl};${dh}=0;`;
    case 0xa0:
      return `${dl}^=${bl};${dh}=0;`;
    case 0xb0:
      if (off === 0) return `${dl}=${bl};${dh}=0;`;
      break;
    case 0x60:
      return isX ? `${dl}=${dl}<<(${bl}&31);${dh}=0;` : `${dl}=${dl}<<${imm & 31};${dh}=0;`;
    case 0x70:
      return isX ? `${dl}=(${dl}>>>(${bl}&31))|0;${dh}=0;` : `${dl}=(${dl}>>>${imm & 31})|0;${dh}=0;`;
    case 0xc0:
      return isX ? `${dl}=${dl}>>(${bl}&31);${dh}=0;` : `${dl}=${dl}>>${imm & 31};${dh}=0;`;
    default:
      break;
  }
  return `${dl}=ALU(${n(op)},false,${n(off)},${dl},${dh},${bl},${bh});${dh}=0;`;
}

/** Source computing `lo`/`hi` = (reg + off). */
function addr(r: number, off: number): string {
  if (off === 0) return `lo=${lo(r)};hi=${hi(r)};`;
  const carry =
    off > 0
      ? `hi=((${lo(r)}>>>0)+${off}>4294967295)?(${hi(r)}+1)|0:${hi(r)};`
      : `hi=((${lo(r)}>>>0)+${off}<0)?(${hi(r)}-1)|0:${hi(r)};`;
  return `lo=(${lo(r)}+${off})|0;${carry}`;
}

/**
 * After a helper call: take the budget back from `m.budget` (callbacks run by the helper spent from
 * it). Usually nothing was spent and `bud` keeps its value, a small integer all along (so V8 keeps
 * it in an integer register); otherwise what is left goes to the bank, refilled by the next block.
 */
const BUDGET_BACK = 't=m.budget-bank;if(t>=0&&t<=bud){bud=t|0;}else{bud=0;bank=m.budget;}';

/**
 * Instructions one entry into a compiled chunk may run before it returns to the dispatcher (which
 * enters it again at once). Long runs thus consist of many calls of the chunk's function, which V8
 * optimizes as a whole; a single call looping for millions of instructions would run in on-stack-
 * replacement code, several times slower for these functions (untyped values at the OSR entry).
 */
export const JIT_SLICE = 1 << 12;

/** Slots per compiled chunk: V8 optimizes small functions quickly, huge ones late or never. */
export const JIT_CHUNK_SLOTS = 192;

/**
 * Splits a program into chunks of about JIT_CHUNK_SLOTS slots, each starting at a block start.
 * Returns the first slot of each chunk, and `len` last.
 */
export function chunkBounds(prog: Program): number[] {
  const bounds = [0];
  for (let pc = 1; pc < prog.len; pc++) {
    if (prog.blockStart[pc] && pc - (bounds[bounds.length - 1] as number) >= JIT_CHUNK_SLOTS) bounds.push(pc);
  }
  bounds.push(prog.len);
  return bounds;
}

function compileChunk(prog: Program, from: number, to: number): JitFn | undefined {
  const src = generate(prog, from, to);
  // The source is generated from numbers only (see the file comment).
  let factory: (...args: unknown[]) => JitFn;
  try {
    factory = new Function('ALU', 'END', 'X', 'AC', 'HB', 'MAXF', 'MAXLOOPS', 'ST', src) as (
      ...args: unknown[]
    ) => JitFn;
  } catch (e) {
    // A page whose Content-Security-Policy forbids eval gets the interpreter instead.
    if (e instanceof EvalError) return undefined;
    throw e;
  }
  return factory(alu, endian, a64.A64, access, REGION_HI_BASE_I32, MAX_CALL_FRAMES, BPF_MAX_LOOPS, ST);
}

/**
 * Compiles `prog` (cached in `prog.cache`): one function per chunk of blocks, each compiled the
 * first time control reaches it; a jump into another chunk returns ST.SWITCH and the dispatcher
 * enters that chunk's function. Returns undefined for programs over JIT_MAX_SLOTS or where eval
 * is forbidden (the caller uses the interpreter).
 */
export function jitCompile(prog: Program): JitFn | undefined {
  const cached = prog.cache.get('jit') as JitFn | null | undefined;
  if (cached !== undefined) return cached ?? undefined;
  if (prog.len > JIT_MAX_SLOTS) return undefined;
  const bounds = chunkBounds(prog);
  const chunkOf = new Int32Array(prog.len);
  for (let c = 0; c + 1 < bounds.length; c++) chunkOf.fill(c, bounds[c], bounds[c + 1]);
  const fns: (JitFn | undefined)[] = new Array(bounds.length - 1).fill(undefined);
  const first = compileChunk(prog, 0, bounds[1] as number);
  if (first === undefined) {
    prog.cache.set('jit', null);
    return undefined;
  }
  fns[0] = first;
  const fn: JitFn = (m, pc, stopDepth) => {
    for (;;) {
      const c = chunkOf[pc] as number;
      let f = fns[c];
      if (f === undefined) {
        f = compileChunk(prog, bounds[c] as number, bounds[c + 1] as number) as JitFn;
        fns[c] = f;
      }
      const st = f(m, pc, stopDepth);
      if (st !== ST.SWITCH) return st;
      pc = m.pc;
    }
  };
  prog.cache.set('jit', fn);
  return fn;
}

/** The generated source (exposed for tests and `--dump` style debugging). */
export function generate(prog: Program, from = 0, to = prog.len): string {
  const { len, code, dst, src, off, imm, imm2, blockStart } = prog;
  // Block boundaries and instruction counts.
  const out: string[] = [];
  out.push('return function jitted(m, pc, stopDepth) {');
  out.push(
    'const R=m.R,rd=m.rd,wr=m.wr,pkt=m.packet===undefined?undefined:m.packet.bytes;let sv=rd[m.depth];',
  );
  out.push(`let ${LOAD};`);
  out.push(
    `let bank=m.budget,bud=bank>${JIT_SLICE}?${JIT_SLICE}:bank,t=0,lo=0,hi=0,v,dp=0,o=0,st=0,S;bank-=bud;`,
  );
  // Helpers called by id from this chunk, fetched once per entry (see the call emission below).
  const helperIds: number[] = [];
  const helperVar = (id: number): string => {
    let i = helperIds.indexOf(id);
    if (i < 0) i = helperIds.push(id) - 1;
    return `H${i}`;
  };
  const helperDeclAt = out.length;
  out.push('');
  out.push('L:{for(;;){switch(pc){');
  let pc = from;
  while (pc < to) {
    const start = pc;
    // Collect the block.
    const pcs: number[] = [];
    do {
      pcs.push(pc);
      pc += code[pc] === 0x18 ? 2 : 1;
    } while (pc < len && !blockStart[pc]);
    const end = pc;
    const blen = pcs.length;
    const lastPc = pcs[blen - 1] as number;
    const lc = code[lastPc] as number;
    const lcls = lc & 7;
    const lop = lc & 0xf0;
    const isCondJump =
      (lcls === 5 || lcls === 6) && lop !== 0x00 && lop !== 0x80 && lop !== 0x90 && lop !== 0xe0;
    const selfLoop = isCondJump && lastPc + 1 + (off[lastPc] as number) === start;
    // Out of this entry's slice: back to the dispatcher, which enters again (see JIT_SLICE); out of
    // budget altogether: the interpreter runs the block and stops exactly where the budget ends.
    const budgetCheck = `if(bud<${blen}){st=bank>0?${ST.SWITCH}:${ST.DEOPT};pc=${start};break L;}bud-=${blen};`;
    out.push(`case ${start}:`);
    // A self-loop's body is collected and emitted unrolled below; other blocks go straight out.
    const emit: string[] = selfLoop ? [] : out;
    let loopCond = '';
    emit.push(budgetCheck);
    for (let i = 0; i < blen; i++) {
      const p = pcs[i] as number;
      const after = blen - 1 - i;
      const c = code[p] as number;
      const d = dst[p] as number;
      const s = src[p] as number;
      const o = off[p] as number;
      const k = imm[p] as number;
      const next = p + (c === 0x18 ? 2 : 1);
      const fault = (size: number, write: boolean) =>
        `{st=m.memFault(${p},lo,hi,${size},${write});bud+=${after};pc=${p};break L;}`;
      // Sets `v` (DataView) and `lo` (offset) for an access of `size` bytes at base + off. R10 is
      // read-only, so [r10 + off] inside the 512-byte frame needs no lookup and cannot fault.
      const at = (base: number, off: number, size: number, write: boolean) =>
        base === 10 && off >= -512 && off + size <= 0
          ? `v=sv;lo=${512 + off};`
          : `${addr(base, off)}v=AC.view(${write ? 'wr' : 'rd'},lo,hi,${size});if(v===undefined)${fault(size, write)}`;
      const cls = c & 7;
      switch (cls) {
        case 4:
        case 7:
          emit.push(emitAlu(c, d, s, o, k));
          break;
        case 1: {
          const size = access.widthOf(c);
          emit.push(at(s, o, size, false));
          if ((c & 0xe0) === 0x80) {
            const get = size === 1 ? 'getInt8(lo)' : size === 2 ? 'getInt16(lo,true)' : 'getInt32(lo,true)';
            emit.push(`${lo(d)}=v.${get};${hi(d)}=${lo(d)}>>31;`);
          } else if (size === 8) {
            emit.push(`${lo(d)}=v.getInt32(lo,true);${hi(d)}=v.getInt32(lo+4,true);`);
          } else {
            const get = size === 1 ? 'getUint8(lo)' : size === 2 ? 'getUint16(lo,true)' : 'getInt32(lo,true)';
            emit.push(`${lo(d)}=v.${get};${hi(d)}=0;`);
          }
          break;
        }
        case 2:
        case 3: {
          const size = access.widthOf(c);
          if ((c & 0xe0) === 0xc0) {
            if (k === 0x100) {
              emit.push(at(s, o, size, false));
              emit.push(`${lo(d)}=AC.load(v,lo,${size});${hi(d)}=X.hi;`);
              break;
            }
            emit.push(at(d, o, size, true));
            if (k === 0x110) emit.push(`AC.store(v,lo,${size},${lo(s)},${hi(s)});`);
            else if (k === 0xf1)
              emit.push(`r0lo=AC.cmpxchg(v,lo,${size},r0lo,r0hi,${lo(s)},${hi(s)});r0hi=X.hi;`);
            else if (k & 1)
              emit.push(`${lo(s)}=AC.atomicRmw(v,lo,${size},${n(k)},${lo(s)},${hi(s)});${hi(s)}=X.hi;`);
            else emit.push(`AC.atomicRmw(v,lo,${size},${n(k)},${lo(s)},${hi(s)});`);
            break;
          }
          emit.push(at(d, o, size, true));
          const vlo = cls === 3 ? lo(s) : n(k);
          const vhi = cls === 3 ? hi(s) : n(k >> 31);
          if (size === 1) emit.push(`v.setUint8(lo,${vlo}&255);`);
          else if (size === 2) emit.push(`v.setUint16(lo,${vlo}&65535,true);`);
          else if (size === 4) emit.push(`v.setInt32(lo,${vlo},true);`);
          else emit.push(`v.setInt32(lo,${vlo},true);v.setInt32(lo+4,${vhi},true);`);
          break;
        }
        case 0: {
          if (c === 0x18) {
            emit.push(`${lo(d)}=${n(k)};${hi(d)}=${n(imm2[p] as number)};`);
            break;
          }
          const size = access.widthOf(c);
          const offExpr = (c & 0xe0) === 0x40 ? `(${lo(s)}+${n(k)})|0` : n(k);
          emit.push(
            `t=AC.ldPacket(pkt,${offExpr},${size});if(t<0){r0lo=0;r0hi=0;bud+=${after};st=${ST.EXIT};pc=${p};break L;}r0lo=t|0;r0hi=0;`,
          );
          break;
        }
        default: {
          // JMP / JMP32
          const op = c & 0xf0;
          if (op === 0x00) {
            const target = cls === 5 ? next + o : next + k;
            if (target !== next) emit.push(`pc=${target};continue;`);
            break;
          }
          if (op === 0x90) {
            emit.push(
              `if(m.depth===stopDepth){st=${ST.EXIT};pc=${p};break L;}` +
                `dp=--m.depth;S=m.saved;o=dp*18;${Array.from({ length: 9 }, (_, i) => `${lo(i + 1)}=S[o+${2 * i}];${hi(i + 1)}=S[o+${2 * i + 1}];`).join('')}` +
                `r10lo=512;r10hi=(HB+dp)|0;sv=rd[dp];pc=m.retPc[dp];continue;`,
            );
            break;
          }
          if (op === 0x80) {
            if ((c & 8) === 0 && s === 1) {
              emit.push(
                `dp=m.depth;if(dp+1>=MAXF){st=m.errFault(${p},'the call stack of '+(dp+2)+' frames is too deep');pc=${p};break L;}` +
                  `S=m.saved;o=dp*18;${Array.from({ length: 9 }, (_, i) => `S[o+${2 * i}]=${lo(i + 1)};S[o+${2 * i + 1}]=${hi(i + 1)};`).join('')}` +
                  `m.retPc[dp]=${next};m.depth=dp+1;m.loops[dp+1]=MAXLOOPS;r10lo=512;r10hi=(HB+dp+1)|0;sv=rd[dp+1];pc=${next + k};continue;`,
              );
              break;
            }
            if (c & 8) {
              // callx: the helper id is only known at run time
              emit.push(
                `${SAVE}m.budget=bud+bank;m.pc=${p};st=m.callHelper(${lo(d)},${p});bud=0;bank=m.budget;` +
                  `r0lo=R[0];r0hi=R[1];if(st!==0){if(st===-1)st=${ST.EXIT};pc=${p};break L;}`,
              );
              break;
            }
            // A direct call of the helper fetched at entry (helperVar): one monomorphic call site
            // per helper, which the JavaScript engine can inline; no table lookup per call.
            const h = helperVar(k);
            emit.push(
              `${SAVE}m.budget=bud+bank;m.pc=${p};` +
                `if(${h}===undefined){st=m.unknownHelper(${n(k)},${p});bud=0;bank=m.budget;pc=${p};break L;}` +
                `try{${h}(R,m);}catch(e){m.helperFailed(e,${n(k)},${p});}` +
                `${BUDGET_BACK}r0lo=R[0];r0hi=R[1];st=m.afterHelper();` +
                `if(st!==0){if(st===-1)st=${ST.EXIT};pc=${p};break L;}`,
            );
            break;
          }
          if (op === 0xe0) {
            emit.push(`dp=m.depth;t=m.loops[dp];if(t===0){pc=${next + o};continue;}m.loops[dp]=t-1;`);
            break;
          }
          const isX = (c & 8) !== 0;
          const cond =
            cls === 5
              ? cond64(op, d, isX ? lo(s) : n(k), isX ? hi(s) : n(k >> 31))
              : cond32(op, d, isX ? lo(s) : n(k));
          const target = next + o;
          if (selfLoop && i === blen - 1) loopCond = cond;
          else emit.push(`if(${cond}){pc=${target};continue;}`);
          break;
        }
      }
    }
    if (selfLoop) {
      // Unrolled tight loop; each copy charges the budget and tests the loop condition.
      const copy = emit.join('');
      const k = blen <= 8 ? 4 : blen <= 32 ? 2 : 1;
      out.push('for(;;){');
      for (let u = 0; u < k - 1; u++) out.push(`${copy}if(!${loopCond})break;`);
      out.push(`${copy}if(${loopCond})continue;break;}`);
    }
    // Fall through to the next case (pc === end) when the block does not end with a transfer.
    if (end >= to) out.push(`pc=${end};continue;`);
  }
  // Outside this chunk: switch chunks; inside (not a block start): hand over to the interpreter.
  out.push(`default:st=pc>=${from}&&pc<${to}?${ST.DEOPT}:${ST.SWITCH};break L;`);
  // The one exit: write the registers back and say where the run stopped.
  out.push(`}}}${SAVE}m.budget=bud+bank;m.pc=pc;return st;};`);
  if (helperIds.length > 0) {
    out[helperDeclAt] = `const HT=m.helpers,${helperIds.map((id, i) => `H${i}=HT.get(${n(id)})`).join(',')};`;
  }
  return out.join('\n');
}
