/**
 * @fileoverview The `enum bpf_attach_type` values the context access callbacks compare
 * `prog->expected_attach_type` with (include/uapi/linux/bpf.h, Linux 6.18 numbering).
 */
import { BPF_ATTACH } from '../../uapi/bpf-attach-types.js';

/** Attach types read by `is_valid_access` callbacks. Models part of `enum bpf_attach_type`. */
export const CTX_ATTACH = BPF_ATTACH;
