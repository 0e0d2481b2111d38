/**
 * @fileoverview What the verifier's main pass is given: the program, its type and load flags, the
 * maps its `ld_imm64` instructions name, the per-program-type tables, and the log sink.
 *
 * Models the inputs `bpf_check` (kernel/bpf/verifier.c) reads from `struct bpf_prog`, `union bpf_attr`
 * and `struct bpf_verifier_ops` once `resolve_pseudo_ldimm64` has run.
 */
import type { Insn } from '../../isa/insn.js';
import type { CtxAccessFn, FuncProtoFn } from '../env/types.js';

/** Where log text goes. Models the parts of `struct bpf_verifier_log` the verifier touches. */
export interface VerifierLogSink {
  /** `log->level` (BPF_LOG_LEVEL1 = 1, LEVEL2 = 2, STATS = 4). */
  readonly level: number;
  /** `log->end_pos`: bytes written so far (positions for `bpf_vlog_reset`). */
  readonly endPos: number;
  /** `verbose()`: appends one message. */
  write(text: string): void;
  /** `bpf_vlog_reset`: drops everything after `pos`. */
  reset(pos: number): void;
}

/** A map as the verifier sees it. Models the `struct bpf_map` fields verifier.c reads. */
export interface VerifierMapInfo {
  /** Object id (stable; used for the printed map address). */
  readonly id: number;
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly name: string;
  /** `bpf_map_is_rdonly`: frozen (or BPF_F_RDONLY_PROG) maps read as constants. */
  readonly frozen?: boolean;
  /** For map-in-map types: the inner map template (`map->inner_map_meta`). */
  readonly innerMap?: VerifierMapInfo;
}

/** The map an `ld_imm64` names, as resolve_pseudo_ldimm64 left it. */
export interface LdImmMapRef {
  readonly map: VerifierMapInfo;
  /** BPF_PSEUDO_MAP_VALUE / MAP_IDX_VALUE: a pointer into the value at `off`. */
  readonly value: boolean;
  readonly off: number;
}

/** The per-program-type tables. Models `struct bpf_verifier_ops`. */
export interface VerifierTables {
  readonly funcProto: FuncProtoFn;
  readonly ctxAccess: CtxAccessFn;
  /** Which helpers change packet data (`bpf_helper_changes_pkt_data`). */
  readonly changesPktData?: (funcId: number) => boolean;
  /**
   * `check_map_func_compatibility`: `null` when the map may be passed to the helper, else the log
   * lines the kernel prints before failing with EINVAL.
   */
  readonly mapFuncCompat?: (mapType: number, funcId: number) => readonly string[] | null;
  /** Whether `funcId` (above the kernel's ids) is a helper an extension added. */
  readonly extHelper?: (funcId: number) => boolean;
  /** `func_id_name`: the helper's log name (`bpf_map_lookup_elem`), undefined when unknown. */
  readonly helperName?: (funcId: number) => string | undefined;
}

/** Everything `doCheck` needs. */
export interface VerifierInput {
  readonly insns: readonly Insn[];
  readonly progType: number;
  readonly expectedAttachType: number;
  readonly progFlags: number;
  readonly gplCompatible: boolean;
  readonly bpfCapable: boolean;
  readonly perfmonCapable: boolean;
  readonly log: VerifierLogSink;
  /** Instruction index of each map-referencing `ld_imm64` → the map. */
  readonly ldImmMaps: ReadonlyMap<number, LdImmMapRef>;
  /** Start instruction of every subprogram, sorted, beginning with 0. */
  readonly subprogStarts: readonly number[];
  readonly tables: VerifierTables;
}

/** What the main pass reports. Models `env->insn_processed` and the state counters. */
export interface VerifierOutput {
  readonly err: number;
  readonly insnProcessed: number;
  readonly maxStatesPerInsn: number;
  readonly totalStates: number;
  readonly peakStates: number;
  readonly stackDepths: readonly number[];
}
