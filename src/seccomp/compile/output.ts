/**
 * @fileoverview Output formats of a compiled filter, delegating to the classic BPF tooling:
 * raw `struct sock_filter` bytes (what seccomp(2) takes and libseccomp `seccomp_export_bpf`
 * writes), the seccomp-tools disassembly with syscall and arch names, a C array and JSON.
 */
import { encodeFilter } from '../cbpf/codec.js';
import { disasmSeccompTools } from '../cbpf/disasm.js';
import type { SockFilter } from '../cbpf/filter.js';
import { formatC, formatJson } from '../cbpf/formats.js';
import { SYSCALL_NAMES } from '../cbpf/syscall-names.js';
import { AUDIT_ARCH } from '../uapi.js';

/** Output formats of `bpfsim seccomp compile`. */
export const FILTER_FORMATS = ['raw', 'disasm', 'c', 'json'] as const;

/** One output format. */
export type FilterFormat = (typeof FILTER_FORMATS)[number];

/**
 * Renders `filter` in `format`: bytes for `raw`, text otherwise. `arch` (an AUDIT_ARCH value,
 * default x86_64) is the architecture the disassembly names syscalls for.
 */
export function renderFilter(
  filter: readonly SockFilter[],
  format: FilterFormat,
  opts: { pretty?: boolean; arch?: number } = {},
): Uint8Array | string {
  switch (format) {
    case 'raw':
      return encodeFilter(filter);
    case 'disasm':
      return disasmSeccompTools(filter, { arch: opts.arch ?? AUDIT_ARCH.X86_64, names: SYSCALL_NAMES });
    case 'c':
      return formatC(filter);
    case 'json':
      return formatJson(filter, opts.pretty ?? false);
  }
}
