/**
 * @fileoverview bpfsim's eBPF execution engines: an interpreter (kernel/bpf/core.c
 * `___bpf_prog_run`) and a JIT to JavaScript (the role of arch/x86/net/bpf_jit_comp.c), sharing
 * one address space model and one helper calling convention.
 *
 * Usage:
 *
 * ```ts
 * import { AddressSpace, loadProgram, runProgram } from './vm/index.js';
 *
 * const prog = loadProgram(insns);                 // or loadProgramBytes(bytes); throws VmLoadError
 *                                                  // (one line naming the insn, kernel messages)
 * const space = new AddressSpace();
 * const ctx = space.map(new Uint8Array(64), { name: 'ctx' });      // BPF_PROG_TEST_RUN ctx_in
 * const pkt = space.map(packetBytes, { name: 'packet' });           // data_in
 * const helpers = new Map([[1, mapLookupElem]]);                    // HelperFn by BPF_FUNC_* id
 * const res = runProgram(prog, { engine: 'jit', space, args: [ctx.addr], packet: pkt, helpers });
 * if (res.kind === 'exit') console.log(res.r0);      // u64 as bigint
 * else console.log(res.kind, res.pc);                // 'fault' (with addr/size/write/reason) or 'budget'
 * space.unmap(ctx); space.unmap(pkt);
 * ```
 *
 * Memory: every region sits at its own 4 GiB-aligned base `0xffff8880_00000000 + slot << 32`; the
 * high half of a pointer names the region, the low half is the offset. Slots 0..7 are the stack
 * frames (R10 = base + 512 of the current depth). A map keeps one `Uint8Array` arena for its
 * values, maps it once with `space.map(arena, { name: 'map:NAME' })`, and its lookup helper
 * returns `region.addr + offset` by writing `r[0] = offset | 0; r[1] = region.hi | 0`.
 *
 * Helpers: `HelperFn = (r: Int32Array, env: HelperEnv) => void` — arguments R1..R5 are
 * `r[2..11]` as (low, high) 32-bit halves, the helper writes R0 to `r[0]`, `r[1]`. `env.space`
 * resolves pointers (`env.space.resolve(addr, size, write)`), `env.callback(pc, args)` runs a
 * subprogram of the running program (bpf_loop; `funcPtrPc(lo, hi)` turns a callback argument
 * into its pc), `env.tailCall(prog)` replaces the program after the helper returns (up to
 * MAX_TAIL_CALL_CNT = 33 times), `env.exit()` ends it.
 *
 * Tracing: `trace: (pc, regs, prog) => void` runs on the interpreter (also when engine is 'jit'),
 * so the untraced JIT code carries no tracing cost.
 *
 * Semantics notes: may_goto counts BPF_MAX_LOOPS (8M) per frame as the interpreter path of
 * verifier.c does (no timed may_goto); callx (`BPF_JMP|BPF_CALL|BPF_X`, loader option
 * `allowCallx`) calls the helper whose id is in dst, as uBPF and bpf_conformance do; LD_ABS and
 * LD_IND read `packet` and end the program with R0 = 0 when out of bounds (negative SKF_* offsets
 * included). Conformance: `parseConformance(text)` + `runConformanceCase(case, engine)`.
 */
export { A64, mul64, sdiv64, smod64, u64, udiv64, umod64 } from './alu64.js';
export {
  type ConformanceCase,
  type ConformanceOutcome,
  parseConformance,
  runConformanceCase,
} from './conformance.js';
export { type JitFn, jitCompile } from './jit.js';
export {
  BPF_MAX_LOOPS,
  type Fault,
  type HelperEnv,
  type HelperFn,
  type HelperTable,
  type RunResult,
  type TraceFn,
} from './machine.js';
export {
  AddressSpace,
  FUNC_PTR_HI,
  FUNC_PTR_LO_BASE,
  funcPtr,
  funcPtrPc,
  MAX_REGIONS,
  type MapOptions,
  REGION_HI_BASE,
  type Region,
  regionAddr,
} from './memory.js';
export { type LoadOptions, loadProgram, loadProgramBytes, type Program, VmLoadError } from './program.js';
export { type EngineName, type RunOptions, runProgram } from './run.js';
