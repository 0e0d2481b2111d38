/**
 * @fileoverview The shape shared by the per-program-type context access callbacks.
 *
 * Models the `is_valid_access` member of `struct bpf_verifier_ops` and `struct bpf_insn_access_aux`
 * (include/linux/bpf.h, Linux 6.18): a callback answers whether `off`/`size` may be read or written and
 * fills the aux record (register type of a load, recorded field size for narrow loads, BTF type).
 */

/** What a callback fills in. Models `struct bpf_insn_access_aux`. */
export interface AccessInfo {
  /** `reg_type`: SCALAR_VALUE unless the field holds a pointer. */
  regType: number;
  /** `ctx_field_size`, set by `bpf_ctx_record_field_size`; 0 when not recorded. */
  ctxFieldSize: number;
  /** BTF struct name for a PTR_TO_BTF_ID `regType` (`btf_id`). */
  btfName: string | undefined;
  /** Set when the callback marks `prog->tstamp_type_access`. */
  tstampTypeAccess: boolean;
  /** `is_ldsx`: the access is a sign-extending load. */
  readonly isLdsx: boolean;
}

/** The program facts the callbacks read. Models the `prog` argument (`expected_attach_type`, `aux->token`). */
export interface AccessProg {
  /** `prog->expected_attach_type`. */
  readonly expectedAttachType: number;
  /** `bpf_token_capable(prog->aux->token, CAP_BPF)`. */
  readonly bpfCapable: boolean;
}

/** One program type's callback. Models `bool (*is_valid_access)(off, size, type, prog, info)`. */
export type IsValidAccess = (
  off: number,
  size: number,
  write: boolean,
  prog: AccessProg,
  info: AccessInfo,
) => boolean;

/** Models `bpf_ctx_record_field_size`. */
export function recordFieldSize(info: AccessInfo, size: number): void {
  info.ctxFieldSize = size;
}
