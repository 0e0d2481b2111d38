/**
 * @fileoverview The friendly program handle (like cilium/ebpf `*ebpf.Program`): loading through
 * BPF_PROG_LOAD with a log buffer (kernel/bpf/syscall.c `bpf_prog_load`, kernel/bpf/log.c) and
 * running through BPF_PROG_TEST_RUN (net/bpf/test_run.c), all via the raw syscall.
 */
import { encodeRaw, type Insn } from '../../isa/insn.js';
import { progTypeNumber } from '../../progs/types.js';
import { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { INFO_ATTR, PROG_LOAD_ATTR, TEST_RUN_ATTR } from '../attr/layout.js';
import { BpfError } from '../errors.js';
import { tagHex } from '../prog-tag.js';
import { BPF_PROG_INFO_SIZE, PROG_INFO } from '../syscall/info.js';
import type { Task } from '../task.js';
import { pinFd } from './map.js';
import { check, sysBpfAttr, withScratch } from './scratch.js';

/** What `loadProgram` takes (the BPF_PROG_LOAD attr fields). */
export interface ProgSpec {
  /** A program type name (`'xdp'`, `'socket_filter'`) or number. */
  type: string | number;
  /** Instructions, or their raw 8-byte encoding. */
  insns: readonly Insn[] | Uint8Array;
  license?: string;
  name?: string;
  /** Verifier log level (kernel/bpf/log.c BPF_LOG_*); default 0, and 1 is used to explain a failure. */
  logLevel?: number;
  /** Log buffer size; default 1 MiB when a log is requested. */
  logSize?: number;
  flags?: number;
  expectedAttachType?: number;
  /** Entries for BPF_PSEUDO_MAP_IDX references. */
  fdArray?: readonly number[];
}

/** What `run` returns: models the outputs of BPF_PROG_TEST_RUN. */
export interface RunResult {
  retval: number;
  /** Mean nanoseconds per run (virtual clock). */
  duration: number;
  data: Uint8Array;
  ctx?: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Models libbpf `bpf_prog_load`: loads and returns a handle; on failure throws {@link BpfError} with the log. */
export function loadProgram(task: Task, spec: ProgSpec): ProgHandle {
  const type = progTypeNumber(spec.type);
  if (type === undefined) throw new RangeError(`unknown program type '${String(spec.type)}'`);
  const raw = spec.insns instanceof Uint8Array ? spec.insns : encodeRaw(spec.insns);
  const lic = enc.encode(spec.license ?? 'GPL');
  const level = spec.logLevel ?? 0;
  const attempt = (lvl: number): { fd: number; log: string } => {
    const logSize = lvl ? (spec.logSize ?? 1 << 20) : 0;
    const fdArr = spec.fdArray ?? [];
    return withScratch(task, raw.length + lic.length + 1 + logSize + 4 * fdArr.length, (s) => {
      const attr = new BpfAttr()
        .set(PROG_LOAD_ATTR.prog_type, type)
        .set(PROG_LOAD_ATTR.insn_cnt, raw.length / 8)
        .set(PROG_LOAD_ATTR.insns, s.put(raw.length, raw))
        .set(PROG_LOAD_ATTR.license, s.put(lic.length + 1, Uint8Array.from([...lic, 0])))
        .set(PROG_LOAD_ATTR.prog_flags, spec.flags ?? 0)
        .set(PROG_LOAD_ATTR.expected_attach_type, spec.expectedAttachType ?? 0);
      if (spec.name) attr.setBytes(PROG_LOAD_ATTR.prog_name, enc.encode(spec.name).subarray(0, 15));
      let logAddr = 0;
      if (lvl) {
        logAddr = s.put(logSize);
        attr
          .set(PROG_LOAD_ATTR.log_level, lvl)
          .set(PROG_LOAD_ATTR.log_size, logSize)
          .set(PROG_LOAD_ATTR.log_buf, logAddr);
      }
      if (fdArr.length) {
        const b = new Uint8Array(4 * fdArr.length);
        const dv = new DataView(b.buffer);
        for (const [i, fd] of fdArr.entries()) dv.setInt32(4 * i, fd, true);
        attr.set(PROG_LOAD_ATTR.fd_array, s.put(b.length, b));
      }
      const { ret } = sysBpfAttr(task, s, BPF_CMD.PROG_LOAD, attr);
      let log = '';
      if (lvl) {
        const b = s.get(logAddr, logSize);
        const end = b.indexOf(0);
        log = dec.decode(b.subarray(0, end < 0 ? b.length : end));
      }
      return { fd: ret, log };
    });
  };
  let r = attempt(level);
  // Like libbpf: retry a failed load with a log to explain the failure.
  if (r.fd < 0 && level === 0 && r.fd !== -1 && r.fd !== -7) r = { fd: r.fd, log: attempt(1).log };
  if (r.fd < 0) throw new BpfError(BPF_CMD.PROG_LOAD, r.fd, r.log);
  return ProgHandle.fromFd(task, r.fd, r.log);
}

/** A program open in a task. */
export class ProgHandle {
  private constructor(
    readonly task: Task,
    readonly fd: number,
    readonly type: number,
    readonly id: number,
    /** The 8-byte program tag as hex (`bpftool prog` shows it). */
    readonly tag: string,
    readonly verifiedInsns: number,
    /** The verifier log of the load (when a log level was given). */
    readonly log: string,
  ) {}

  /** A handle on an existing program fd, described through BPF_OBJ_GET_INFO_BY_FD. */
  static fromFd(task: Task, fd: number, log = ''): ProgHandle {
    const info = withScratch(task, BPF_PROG_INFO_SIZE, (s) => {
      const buf = s.put(BPF_PROG_INFO_SIZE);
      const attr = new BpfAttr()
        .set(INFO_ATTR.bpf_fd, fd)
        .set(INFO_ATTR.info_len, BPF_PROG_INFO_SIZE)
        .set(INFO_ATTR.info, buf);
      check(BPF_CMD.OBJ_GET_INFO_BY_FD, sysBpfAttr(task, s, BPF_CMD.OBJ_GET_INFO_BY_FD, attr).ret);
      return s.get(buf, BPF_PROG_INFO_SIZE);
    });
    const dv = new DataView(info.buffer);
    return new ProgHandle(
      task,
      fd,
      dv.getUint32(PROG_INFO.type, true),
      dv.getUint32(PROG_INFO.id, true),
      tagHex(info.subarray(PROG_INFO.tag, PROG_INFO.tag + 8)),
      dv.getUint32(PROG_INFO.verified_insns, true),
      log,
    );
  }

  /** BPF_PROG_TEST_RUN with `data` as the packet (and an optional context); throws on failure. */
  run(
    data: Uint8Array,
    opts: { ctx?: Uint8Array; repeat?: number; dataOutSize?: number; ctxOutSize?: number } = {},
  ): RunResult {
    const outSize = opts.dataOutSize ?? data.length + 256;
    const ctxOut = opts.ctx ? (opts.ctxOutSize ?? opts.ctx.length) : 0;
    return withScratch(this.task, data.length + outSize + (opts.ctx?.length ?? 0) + ctxOut, (s) => {
      const attr = new BpfAttr()
        .set(TEST_RUN_ATTR.prog_fd, this.fd)
        .set(TEST_RUN_ATTR.repeat, opts.repeat ?? 1)
        .set(TEST_RUN_ATTR.data_size_in, data.length)
        .set(TEST_RUN_ATTR.data_in, data.length ? s.put(data.length, data) : 0);
      const dout = s.put(outSize);
      attr.set(TEST_RUN_ATTR.data_out, dout).set(TEST_RUN_ATTR.data_size_out, outSize);
      let cout = 0;
      if (opts.ctx) {
        attr
          .set(TEST_RUN_ATTR.ctx_in, s.put(opts.ctx.length, opts.ctx))
          .set(TEST_RUN_ATTR.ctx_size_in, opts.ctx.length);
        cout = s.put(ctxOut);
        attr.set(TEST_RUN_ATTR.ctx_out, cout).set(TEST_RUN_ATTR.ctx_size_out, ctxOut);
      }
      const { ret, out } = sysBpfAttr(this.task, s, BPF_CMD.PROG_TEST_RUN, attr);
      check(BPF_CMD.PROG_TEST_RUN, ret);
      const dataLen = Math.min(out.u32(TEST_RUN_ATTR.data_size_out), outSize);
      return {
        retval: out.u32(TEST_RUN_ATTR.retval),
        duration: out.u32(TEST_RUN_ATTR.duration),
        data: s.get(dout, dataLen),
        ctx: opts.ctx ? s.get(cout, Math.min(out.u32(TEST_RUN_ATTR.ctx_size_out), ctxOut)) : undefined,
      };
    });
  }

  /** BPF_OBJ_PIN at `path`. */
  pin(path: string): void {
    pinFd(this.task, this.fd, path);
  }

  /** close(fd). */
  close(): void {
    this.task.close(this.fd);
  }
}
