/**
 * @fileoverview A compact constructor for helper prototypes, shared by the prototype tables.
 *
 * Models the designated initializers of `struct bpf_func_proto` (include/linux/bpf.h, Linux 6.18):
 * unused argument slots are `ARG_DONTCARE` (0), unused `arg_size` slots 0.
 */
import { BPF_FUNC, type HelperName } from '../../uapi/bpf-helpers.js';
import { TYPE_FLAG } from '../reg-state.js';
import type { VerifierFuncProto } from './types.js';

/** The type flags, re-exported under the short name the tables use. */
export const F = TYPE_FLAG;

/** A prototype plus the helper id it implements (several prototypes can share one id). */
export interface HelperProto extends VerifierFuncProto {
  /** `enum bpf_func_id` value this prototype is returned for. */
  readonly funcId: number;
}

/** A table of prototypes keyed by the kernel's variable name (without `_proto`). */
export type ProtoMap = Readonly<Record<string, HelperProto>>;

/** Optional `bpf_func_proto` fields. */
export interface ProtoOpts {
  /** `gpl_only`. */
  readonly gpl?: boolean;
  /** `pkt_access`. */
  readonly pkt?: boolean;
  /** `might_sleep`. */
  readonly sleep?: boolean;
  /** `arg_size[]` of `ARG_PTR_TO_FIXED_SIZE_MEM` arguments. */
  readonly sizes?: readonly [number, number, number, number, number];
  /** `allowed` callback present: the verifier asks it before accepting the call. */
  readonly restricted?: boolean;
}

/**
 * Builds a prototype for helper `func` (name without `bpf_`): return type, argument types (up to
 * five; the rest are ARG_DONTCARE) and the optional flags.
 */
export function p(
  func: HelperName,
  retType: number,
  args: readonly number[],
  opts: ProtoOpts = {},
): HelperProto {
  const a = [0, 1, 2, 3, 4].map((i) => args[i] ?? 0) as [number, number, number, number, number];
  const proto: HelperProto = {
    funcId: BPF_FUNC[func],
    name: `bpf_${func}`,
    gplOnly: opts.gpl ?? false,
    pktAccess: opts.pkt ?? false,
    mightSleep: opts.sleep ?? false,
    retType,
    argTypes: a,
    ...(opts.sizes !== undefined ? { argSize: opts.sizes } : {}),
    ...(opts.restricted === true ? { restricted: true } : {}),
  };
  return Object.freeze(proto);
}
