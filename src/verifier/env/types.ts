/**
 * @fileoverview The interface between the verifier's main pass (verifier-core) and its environment
 * tables (verifier-env): helper prototypes and context access per program type.
 *
 * Models `struct bpf_func_proto`, `enum bpf_arg_type`, `enum bpf_return_type` (include/linux/bpf.h) and
 * `struct bpf_verifier_ops` `get_func_proto` / `is_valid_access` + `convert_ctx_access`
 * (include/linux/bpf.h, net/core/filter.c), Linux 6.18. Argument/return types are the kernel's numeric
 * base values OR-ed with the `TYPE_FLAG` bits of ../reg-state.ts (PTR_MAYBE_NULL, MEM_RDONLY, MEM_UNINIT...).
 */

/** One helper prototype. Models `struct bpf_func_proto` (include/linux/bpf.h). */
export interface VerifierFuncProto {
  /** Helper name as the log prints it (`bpf_map_lookup_elem`). */
  readonly name: string;
  /** Models `bpf_func_proto.gpl_only`. */
  readonly gplOnly: boolean;
  /** Models `bpf_func_proto.pkt_access`. */
  readonly pktAccess: boolean;
  /** Models `bpf_func_proto.might_sleep`. */
  readonly mightSleep: boolean;
  /** `enum bpf_return_type` value with type flags. */
  readonly retType: number;
  /** `enum bpf_arg_type` values with type flags; ARG_DONTCARE (0) for unused slots. */
  readonly argTypes: readonly [number, number, number, number, number];
  /** Models `arg_size[]` for ARG_PTR_TO_FIXED_SIZE_MEM arguments (0 when unused). */
  readonly argSize?: readonly [number, number, number, number, number];
  /**
   * Models a non-NULL `bpf_func_proto.allowed`: the kernel asks it before accepting the call and
   * prints "helper call is not allowed in probe" when it refuses (d_path, the tracing sk_storage helpers).
   */
  readonly restricted?: boolean;
}

/** What `get_func_proto` needs beyond the ids. Models the env fields it reads (prog->aux, capabilities). */
export interface FuncProtoContext {
  /** `prog->expected_attach_type`. */
  readonly expectedAttachType: number;
  /** `bpf_token_capable(CAP_BPF)` / `bpf_capable()` at load. */
  readonly bpfCapable: boolean;
  /** `perfmon_capable()` at load. */
  readonly perfmonCapable: boolean;
  /** `bpf_token_capable(CAP_SYS_ADMIN)` at load (bpf_probe_write_user); defaults to `perfmonCapable`. */
  readonly sysAdminCapable?: boolean;
  /** `prog->sleepable` (BPF_F_SLEEPABLE); default false. */
  readonly sleepable?: boolean;
  /**
   * Kernel lockdown level (security/lockdown): `integrity` hides bpf_probe_write_user,
   * `confidentiality` also the kernel-memory readers. Default `integrity`, as on the reference 6.18
   * kernel (CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY).
   */
  readonly lockdown?: 'none' | 'integrity' | 'confidentiality';
}

/**
 * Looks up a helper for a program type: undefined means "unknown func" / "program of this type cannot
 * use helper" (the caller prints the kernel's message). Models `bpf_verifier_ops.get_func_proto`.
 */
export type FuncProtoFn = (
  progType: number,
  funcId: number,
  ctx: FuncProtoContext,
) => VerifierFuncProto | undefined;

/** The result of a context access. Models `is_valid_access` plus the `bpf_insn_access_aux` it fills. */
export type CtxAccessResult =
  | { readonly ok: false }
  | {
      readonly ok: true;
      /** Register type loaded (`bpf_insn_access_aux.reg_type`); SCALAR_VALUE for plain fields. */
      readonly regType: number;
      /**
       * Models `bpf_insn_access_aux.ctx_field_size`: the size of the whole field when the callback
       * recorded one (`bpf_ctx_record_field_size`), else 0. A load narrower than a non-zero value is
       * a narrow load (`convert_ctx_accesses`); 0 allows only the access as written.
       */
      readonly ctxFieldSize: number;
      /** True when the field is writable by this program type (only meaningful for stores). */
      readonly writable: boolean;
      /** BTF struct name of a PTR_TO_BTF_ID `regType` (`bpf_insn_access_aux.btf_id`), e.g. `sk_buff`. */
      readonly btfName?: string;
      /** Set when the access marks `prog->tstamp_type_access` (tc reading `__sk_buff->tstamp_type`). */
      readonly tstampTypeAccess?: boolean;
    };

/** Load-time facts `is_valid_access` reads beyond the program type and access (prog->aux, the insn). */
export interface CtxAccessOptions {
  /** `bpf_token_capable(prog->aux->token, CAP_BPF)` at load; default true. */
  readonly bpfCapable?: boolean;
  /** The access is a sign-extending load, BPF_MEMSX (`bpf_insn_access_aux.is_ldsx`); default false. */
  readonly ldsx?: boolean;
}

/** Models `bpf_verifier_ops.is_valid_access(off, size, type, prog, info)`. */
export type CtxAccessFn = (
  progType: number,
  expectedAttachType: number,
  off: number,
  size: number,
  write: boolean,
  options?: CtxAccessOptions,
) => CtxAccessResult;

/** Models `may_access_direct_pkt_data` (kernel/bpf/verifier.c). */
export type DirectPktAccessFn = (progType: number, expectedAttachType: number, write: boolean) => boolean;
