/**
 * @fileoverview The hook through which BPF_PROG_LOAD runs a verifier, and the default structural check.
 *
 * Models the call `bpf_check(&prog, attr, uattr, uattr_size)` in kernel/bpf/syscall.c
 * `bpf_prog_load`. The syscall layer validates and owns the log (kernel/bpf/log.c, see
 * verifier-log.ts), resolves map fds on request, and after the hook returns prints the statistics
 * (`print_verification_stats`) and finalizes the log, exactly as the tail of `bpf_check` does. A
 * verifier (src/verifier) fills in {@link VerifierHook}; until one is installed,
 * {@link structuralCheck} runs the kernel's early passes (add_subprog_and_kfunc, check_subprogs,
 * resolve_pseudo_ldimm64, check_cfg) with the kernel's messages, and says in the log that the
 * program was checked structurally only.
 */

import type { Insn } from '../isa/insn.js';
import { opcodeInInsnTable } from '../isa/validate.js';
import type { BpfMap as MapInstance } from '../maps/ops.js';
import type { VerifierFuncProto } from '../verifier/env/types.js';
import type { VerifierLog } from './verifier-log.js';

/** A map resolved from an instruction's fd (or fd_array index). */
export interface VerifierMapRef {
  /** The map object id (stable, printable). */
  readonly id: number;
  readonly map: MapInstance;
  /** The map's name (`map->name`). */
  readonly name?: string;
  /** The map was frozen (`map->frozen`), or is read-only for programs. */
  readonly frozen?: boolean;
  /** For map-in-map types: the inner map template. */
  readonly inner?: VerifierMapRef;
}

/** What the syscall layer hands to a verifier; models the inputs of `bpf_check`. */
export interface VerifierRequest {
  /** Instruction slots, mutable: a verifier may rewrite them (fixups) in place. */
  readonly insns: Insn[];
  readonly progType: number;
  readonly expectedAttachType: number;
  readonly progFlags: number;
  readonly gplCompatible: boolean;
  /** `bpf_capable()` of the loading task (CAP_BPF or CAP_SYS_ADMIN). */
  readonly bpfCapable: boolean;
  /** `perfmon_capable()`. */
  readonly perfmonCapable: boolean;
  readonly log: VerifierLog;
  /** Number of possible CPUs. */
  readonly possibleCpus: number;
  /** Helpers extensions added (ids from 212 up), by id. */
  readonly extHelpers?: ReadonlyMap<number, VerifierFuncProto>;
  /** The verifier tables of a program type an extension added. */
  readonly extProgType?: {
    readonly isValidAccess: (off: number, size: number, write: boolean) => boolean;
    readonly funcProto: (funcId: number) => VerifierFuncProto | undefined;
  };
  /**
   * Models `add_used_map_from_fd`/`__bpf_map_get`: resolves a map fd of the loading task and records
   * it as used by the program. Returns the map or -EBADF (no such fd) / -EINVAL (not a map).
   */
  mapFromFd(fd: number): VerifierMapRef | number;
  /** Models `fd_array` lookups for BPF_PSEUDO_MAP_IDX: the map at index `idx`, or -errno. */
  mapFromIdx(idx: number): VerifierMapRef | number;
}

/** What a verifier reports; models `env->insn_processed` and the state counters. */
export interface VerifierResult {
  /** 0 or -errno (EINVAL, EACCES, E2BIG, EBADF...). */
  readonly err: number;
  readonly insnProcessed: number;
  readonly maxStatesPerInsn: number;
  readonly totalStates: number;
  readonly peakStates: number;
  /** Stack depth of each subprogram (for BPF_LOG_STATS). */
  readonly stackDepths: readonly number[];
  /** False when the program was only checked structurally (no verifier installed). */
  readonly fullyVerified: boolean;
}

/** A verifier: models `bpf_check` between the log init and `print_verification_stats`. */
export type VerifierHook = (req: VerifierRequest) => VerifierResult;

const LD_IMM64 = 0x18;
const LDX = 0x01;
const MODE_MEM = 0x60;
const MODE_MEMSX = 0x80;
const JMP = 0x05;
const JMP32 = 0x06;
const CALL = 0x80;
const EXIT = 0x90;
const JA = 0x00;
const PSEUDO_CALL = 1;
const PSEUDO_KFUNC_CALL = 2;

const isJmpClass = (code: number): boolean => (code & 7) === JMP || (code & 7) === JMP32;

function result(err: number, insnProcessed: number, fullyVerified: boolean): VerifierResult {
  return {
    err,
    insnProcessed,
    maxStatesPerInsn: 0,
    totalStates: 0,
    peakStates: 0,
    stackDepths: [0],
    fullyVerified,
  };
}

/**
 * The default hook: the structural passes of verifier.c with their messages and errnos.
 * - `add_subprog_and_kfunc`: `call to invalid destination`
 * - `check_subprogs`: `jump out of range from insn %d to %d`, `last insn is not an exit or jmp`
 * - `resolve_pseudo_ldimm64`: `BPF_LDX uses reserved fields`, `invalid bpf_ld_imm64 insn`,
 *   `unrecognized bpf_ld_imm64 insn`, `fd %d is not pointing to valid bpf_map`, `unknown opcode %02x`
 * - `check_cfg`: `unreachable insn %d`, `jump into the middle of ldimm64 insn %d`,
 *   `back-edge from insn %d to %d` (unprivileged only)
 */
/** What the structural passes leave for the main pass, or the failure. */
export type StructuralResult =
  | VerifierResult
  | {
      /** Subprogram start insns, sorted, 0 first. */
      readonly subprogStarts: number[];
      /** Map-referencing ld_imm64 insns → map, value flag and direct value offset. */
      readonly ldImmMaps: Map<number, { ref: VerifierMapRef; value: boolean; off: number }>;
    };

const ARRAY_MAP = 2;

export function structuralPasses(req: VerifierRequest): StructuralResult {
  const { insns, log } = req;
  const n = insns.length;
  const at = (i: number): Insn => insns[i] as Insn;
  // add_subprog_and_kfunc
  const starts = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    const x = at(i);
    const isPseudoCall = x.code === (JMP | CALL) && x.src === PSEUDO_CALL;
    const isPseudoFunc = x.code === LD_IMM64 && x.src === 4;
    const isKfuncCall = x.code === (JMP | CALL) && x.src === PSEUDO_KFUNC_CALL;
    if (!isPseudoCall && !isPseudoFunc && !isKfuncCall) continue;
    if (!req.bpfCapable) {
      log.write('loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN\n');
      return result(-1, 0, false);
    }
    if (isKfuncCall) {
      // add_kfunc_call: imm 0 (and no offset) waits for fixup_kfunc_call, as dead code may drop it
      if (x.imm === 0 && x.off === 0) continue;
      // bpfsim's kernel has no kfuncs in its BTF (and no module BTF)
      if (!req.gplCompatible) {
        log.write('cannot call kernel function from non-GPL compatible program\n');
        return result(-22, 0, false);
      }
      if (x.off < 0) {
        log.write('negative offset disallowed for kernel module function call\n');
        log.write('failed to find BTF for kernel function\n');
        return result(-22, 0, false);
      }
      if (x.off > 0) {
        log.write('kfunc offset > 0 without fd_array is invalid\n');
        log.write('failed to find BTF for kernel function\n');
        return result(-71, 0, false);
      }
      log.write(`kernel btf_id ${x.imm >>> 0} is not a function\n`);
      return result(-22, 0, false);
    }
    const t = i + x.imm + 1;
    if (t < 0 || t >= n) {
      log.write('call to invalid destination\n');
      return result(-22, 0, false);
    }
    starts.add(t);
  }
  const sorted = [...starts].sort((a, b) => a - b);
  if (log.level & 2) for (let s = 0; s < sorted.length; s++) log.write(`func#${s} @${sorted[s]}\n`);
  const ldImmMaps = new Map<number, { ref: VerifierMapRef; value: boolean; off: number }>();
  // check_subprogs
  for (let s = 0; s < sorted.length; s++) {
    const start = sorted[s] as number;
    const end = (sorted[s + 1] ?? n) as number;
    for (let i = start; i < end; i++) {
      const x = at(i);
      if (isJmpClass(x.code)) {
        const op = x.code & 0xf0;
        if (op !== CALL && op !== EXIT) {
          const off = (x.code & 7) === JMP32 && op === JA ? i + x.imm + 1 : i + x.off + 1;
          if (off < start || off >= end) {
            log.write(`jump out of range from insn ${i} to ${off}\n`);
            return result(-22, 0, false);
          }
        }
      }
      if (i === end - 1) {
        if (x.code !== (JMP | EXIT) && x.code !== (JMP | JA) && x.code !== (JMP32 | JA)) {
          log.write('last insn is not an exit or jmp\n');
          return result(-22, 0, false);
        }
      }
    }
  }
  // resolve_pseudo_ldimm64
  for (let i = 0; i < n; i++) {
    const x = at(i);
    const mode = x.code & 0xe0;
    if ((x.code & 7) === LDX && ((mode !== MODE_MEM && mode !== MODE_MEMSX) || x.imm !== 0)) {
      log.write('BPF_LDX uses reserved fields\n');
      return result(-22, 0, false);
    }
    if (x.code !== LD_IMM64) {
      if (!opcodeInInsnTable(x.code)) {
        log.write(`unknown opcode ${x.code.toString(16).padStart(2, '0')}\n`);
        return result(-22, 0, false);
      }
      continue;
    }
    const y = insns[i + 1];
    if (i === n - 1 || !y || y.code !== 0 || y.dst !== 0 || y.src !== 0 || y.off !== 0) {
      log.write('invalid bpf_ld_imm64 insn\n');
      return result(-22, 0, false);
    }
    if (x.src === 0 || x.src === 3 || x.src === 4) {
      i++;
      continue;
    }
    if (!((x.src === 1 || x.src === 5) && y.imm === 0) && x.src !== 2 && x.src !== 6) {
      log.write('unrecognized bpf_ld_imm64 insn\n');
      return result(-22, 0, false);
    }
    const ref = x.src === 5 || x.src === 6 ? req.mapFromIdx(x.imm) : req.mapFromFd(x.imm);
    if (typeof ref === 'number') {
      if (x.src === 1 || x.src === 2) log.write(`fd ${x.imm} is not pointing to valid bpf_map\n`);
      return result(ref, 0, false);
    }
    const value = x.src === 2 || x.src === 6;
    const off = value ? y.imm >>> 0 : 0;
    if (value) {
      if (off >= 1 << 29) {
        log.write(`direct value offset of ${off} is not allowed\n`);
        return result(-22, 0, false);
      }
      if (ref.map.mapType !== ARRAY_MAP) {
        log.write('no direct value access support for this map type\n');
        return result(-22, 0, false);
      }
      if (ref.map.maxEntries !== 1 || off >= ref.map.valueSize) {
        log.write(`invalid access to map value pointer, value_size=${ref.map.valueSize} off=${off}\n`);
        return result(ref.map.maxEntries !== 1 ? -524 : -22, 0, false);
      }
    }
    ldImmMaps.set(i, { ref, value, off });
    i++;
  }
  // check_cfg
  const state = new Uint8Array(n);
  state[0] = 1;
  const inStack = new Uint8Array(n);
  const succ = (i: number): number[] => {
    const x = at(i);
    if (x.code === LD_IMM64) return [i + 2];
    if (!isJmpClass(x.code)) return [i + 1];
    const op = x.code & 0xf0;
    if (op === EXIT) return [];
    if (op === CALL) return x.src === PSEUDO_CALL ? [i + 1, i + x.imm + 1] : [i + 1];
    if (op === JA) return [(x.code & 7) === JMP32 ? i + x.imm + 1 : i + x.off + 1];
    return [i + 1, i + x.off + 1];
  };
  // Iterative DFS marking back-edges as the kernel's check_cfg does.
  const iterStack: { i: number; k: number; s: number[] }[] = [{ i: 0, k: 0, s: succ(0) }];
  inStack[0] = 1;
  while (iterStack.length > 0) {
    const top = iterStack[iterStack.length - 1] as { i: number; k: number; s: number[] };
    if (top.k >= top.s.length) {
      inStack[top.i] = 0;
      iterStack.pop();
      continue;
    }
    const t = top.s[top.k++] as number;
    if (t < 0 || t >= n) continue;
    if (inStack[t] && !req.bpfCapable) {
      log.write(`back-edge from insn ${top.i} to ${t}\n`);
      return result(-22, 0, false);
    }
    if (!state[t]) {
      state[t] = 1;
      inStack[t] = 1;
      iterStack.push({ i: t, k: 0, s: succ(t) });
    }
  }
  for (let s = 1; s < sorted.length; s++) state[sorted[s] as number] = 1;
  for (let i = 0; i < n; i++) {
    if (!state[i]) {
      log.write(`unreachable insn ${i}\n`);
      return result(-22, 0, false);
    }
    if (at(i).code === LD_IMM64) {
      if (state[i + 1]) {
        log.write(`jump into the middle of ldimm64 insn ${i}\n`);
        return result(-22, 0, false);
      }
      i++;
    }
  }
  return { subprogStarts: sorted, ldImmMaps };
}

/** The structural passes alone, as a hook: says in the log that nothing else was checked. */
export const structuralCheck: VerifierHook = (req) => {
  const r = structuralPasses(req);
  if ('err' in r) return r;
  let count = 0;
  for (let i = 0; i < req.insns.length; i++, count++) if ((req.insns[i] as Insn).code === LD_IMM64) i++;
  req.log.write(`bpfsim: no verifier installed; ${count} insns checked structurally only\n`);
  return result(0, count, false);
};
