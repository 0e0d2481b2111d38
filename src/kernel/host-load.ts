/**
 * @fileoverview BPF_PROG_LOAD with a verifier log through any {@link SyscallHost} (the emulated
 * kernel or this machine's real one), as `bpftool prog load -d` loads: models the user side of
 * kernel/bpf/syscall.c `bpf_prog_load` with the log buffer of kernel/bpf/log.c.
 */
import { BpfAttr } from './attr/codec.js';
import { BPF_CMD } from './attr/commands.js';
import { PROG_LOAD_ATTR as A, BPF_ATTR_SIZE } from './attr/layout.js';
import type { SyscallHost } from './syscall-host.js';

/** Optional BPF_PROG_LOAD fields of {@link loadWithLog}. */
export interface LoadWithLogOptions {
  readonly progFlags?: number;
  readonly expectedAttachType?: number;
  /** Bytes of log buffer (default 1 MiB). */
  readonly logSize?: number;
}

/** What {@link loadWithLog} answered. */
export interface LoadWithLogResult {
  /** The program fd (already closed again) or -errno. */
  readonly ret: number;
  /** The log up to its NUL. */
  readonly log: string;
  /** `log_true_size` as the kernel wrote it back into the attr. */
  readonly trueSize: number;
}

/**
 * Loads the raw instructions `raw` as a program of type `type` with log level `level`; the fd is
 * closed again and every user buffer freed.
 */
export function loadWithLog(
  host: SyscallHost,
  raw: Uint8Array,
  type: number,
  level: number,
  license: string,
  opts: LoadWithLogOptions = {},
): LoadWithLogResult {
  const logSize = opts.logSize ?? 1 << 20;
  const insns = host.alloc(raw.length);
  host.write(insns, raw);
  const lic = new TextEncoder().encode(`${license}\0`);
  const licAddr = host.alloc(lic.length);
  host.write(licAddr, lic);
  const logAddr = host.alloc(logSize);
  const attrAddr = host.alloc(BPF_ATTR_SIZE);
  const attr = new BpfAttr()
    .set(A.prog_type, type)
    .set(A.insn_cnt, raw.length / 8)
    .set(A.insns, insns)
    .set(A.license, licAddr)
    .set(A.log_level, level)
    .set(A.log_size, logSize)
    .set(A.log_buf, logAddr)
    .set(A.prog_flags, opts.progFlags ?? 0)
    .set(A.expected_attach_type, opts.expectedAttachType ?? 0);
  host.write(attrAddr, attr.bytes);
  const ret = host.bpf(BPF_CMD.PROG_LOAD, attrAddr, BPF_ATTR_SIZE);
  const logBytes = host.read(logAddr, logSize);
  const end = logBytes.indexOf(0);
  const log = new TextDecoder().decode(logBytes.subarray(0, end < 0 ? logSize : end));
  const out = new BpfAttr(host.read(attrAddr, BPF_ATTR_SIZE));
  if (ret >= 0) host.close(ret);
  for (const a of [insns, licAddr, logAddr, attrAddr]) host.free(a);
  return { ret, log, trueSize: out.u32(A.log_true_size) };
}
