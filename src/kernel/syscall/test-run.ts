/**
 * @fileoverview BPF_PROG_TEST_RUN.
 *
 * Models kernel/bpf/syscall.c `bpf_prog_test_run` (CHECK_ATTR, ctx_in/ctx_size_in and
 * ctx_out/ctx_size_out given together, `bpf_prog_get`, ENOTSUPP for types without `test_run`) and
 * `bpf_test_run` of net/bpf/test_run.c: `repeat` runs (0 counts as 1) on the task's CPU, the mean
 * duration in ns from the virtual clock, run statistics when `kernel/bpf_stats_enabled` is set.
 * The program type's test_run (src/progs) applies the input rules.
 */

import type { TestRunAttr, TestRunExec, TestRunIo, TestRunResult } from '../../progs/test-run-io.js';
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { TEST_RUN_ATTR as A } from '../attr/layout.js';
import type { KMap, KProg } from '../objects.js';
import type { Task } from '../task.js';
import { progFromFd } from './common.js';
import { BPF_PROG_FLAGS } from './prog-load.js';

/** Models `bpf_test_run`: runs `exec` on `prog` as `task`, returning the result or -errno. */
export function bpfTestRun(task: Task, prog: KProg, exec: TestRunExec): TestRunResult | number {
  const kernel = task.kernel;
  const runner = kernel.runner;
  const repeat = exec.repeat || 1;
  const maps = new Map<number, KMap>();
  for (const m of prog.init.usedMaps) maps.set(m.id, m);
  const ctx = exec.ctx.slice();
  const packet = exec.packet?.slice();
  const out = runner.run({
    prog,
    ctx,
    packet,
    packetPointers: exec.pointers,
    packetMeta: exec.metaLen,
    maps,
    cpu: task.cpu,
    repeat,
    ktimeNs: () => kernel.clock.ktimeGetNs(),
    prandomU32: () => kernel.prandom.u32(),
    ...(kernel.extHelpers.size
      ? { extraHelpers: new Map([...kernel.extHelpers].map(([id, h]) => [id, h.fn])) }
      : {}),
  });
  if (!out.ok) return -out.errno;
  // One virtual nanosecond per executed instruction, plus a fixed entry cost per run.
  const total = BigInt(out.insns + 20 * repeat);
  kernel.clock.advance(total);
  if (kernel.sysctls.get('kernel/bpf_stats_enabled') === 1) {
    prog.stats.nsecs += total;
    prog.stats.cnt += BigInt(repeat);
  }
  return {
    retval: out.retval,
    duration: Number(total / BigInt(repeat)),
    ctx: out.ctx,
    packet: out.packet ?? packet,
  };
}

/** Models `bpf_prog_test_run`. */
export function progTestRun(task: Task, attr: BpfAttr, uattr: number): number {
  if (attr.checkAttrFails(BPF_CMD.PROG_TEST_RUN)) return -ERRNO.EINVAL;
  const ctxSizeIn = attr.u32(A.ctx_size_in);
  const ctxIn = attr.ptr(A.ctx_in);
  const ctxSizeOut = attr.u32(A.ctx_size_out);
  const ctxOut = attr.ptr(A.ctx_out);
  if ((ctxSizeIn && !ctxIn) || (!ctxSizeIn && ctxIn)) return -ERRNO.EINVAL;
  if ((ctxSizeOut && !ctxOut) || (!ctxSizeOut && ctxOut)) return -ERRNO.EINVAL;
  const prog = progFromFd(task, attr.u32(A.prog_fd));
  if (typeof prog === 'number') return prog;
  const ops = task.kernel.progTypes.get(prog.progType);
  if (!ops?.testRun) return -ERRNO.ENOTSUPP;
  const kattr: TestRunAttr = {
    dataSizeIn: attr.u32(A.data_size_in),
    dataSizeOut: attr.u32(A.data_size_out),
    dataIn: attr.ptr(A.data_in),
    dataOut: attr.ptr(A.data_out),
    repeat: attr.u32(A.repeat),
    ctxSizeIn,
    ctxSizeOut,
    ctxIn,
    ctxOut,
    flags: attr.u32(A.flags),
    cpu: attr.u32(A.cpu),
    batchSize: attr.u32(A.batch_size),
  };
  const fields = {
    retval: A.retval,
    duration: A.duration,
    data_size_out: A.data_size_out,
    ctx_size_out: A.ctx_size_out,
  };
  const io: TestRunIo = {
    copyFromUser: (addr, len) => task.mem.copyFromUser(addr, len),
    copyToUser: (addr, bytes) => task.mem.copyToUser(addr, bytes),
    checkZeroedUser: (addr, len) => task.mem.checkZeroedUser(addr, len),
    putField: (field, value) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, value >>> 0, true);
      return task.mem.copyToUser(uattr + fields[field].off, b) ? -ERRNO.EFAULT : 0;
    },
    run: (exec) => {
      prog.inc();
      try {
        return bpfTestRun(task, prog, exec);
      } finally {
        prog.put();
      }
    },
    ifindexExists: (ifindex) => ifindex === 1,
  };
  return ops.testRun(
    {
      progType: prog.progType,
      expectedAttachType: prog.init.expectedAttachType,
      xdpHasFrags: (prog.init.progFlags & BPF_PROG_FLAGS.XDP_HAS_FRAGS) !== 0,
    },
    kattr,
    io,
  );
}
