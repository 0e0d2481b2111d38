/**
 * BPF_PROG_TEST_RUN input and output rules (net/bpf/test_run.c, 6.18), with expectations from
 * kernel-facts.md and the shared ctx scenario.
 */
import { describe, expect, it } from 'vitest';
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../src/kernel/attr/commands.js';
import { TEST_RUN_ATTR as T } from '../../src/kernel/attr/layout.js';
import type { Task } from '../../src/kernel/task.js';
import { SKB } from '../../src/progs/sched_cls.js';
import { XDP_MD } from '../../src/progs/xdp.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { hex, put, rawBpf, setup } from '../kernel/helpers.js';

const RET2 = hex('b7000000020000009500000000000000');
/** r0 = *(u32 *)(r1 + 8): returns skb->mark. */
const MARK = hex('61100800000000009500000000000000');

interface Run {
  data?: Uint8Array;
  ctx?: Uint8Array;
  dataOut?: number;
  ctxOut?: number;
  repeat?: number;
  flags?: number;
  cpu?: number;
}

function testRun(task: Task, fd: number, r: Run) {
  const a = new BpfAttr()
    .set(T.prog_fd, fd)
    .set(T.repeat, r.repeat ?? 1)
    .set(T.flags, r.flags ?? 0)
    .set(T.cpu, r.cpu ?? 0);
  if (r.data) a.set(T.data_in, put(task, r.data)).set(T.data_size_in, r.data.length);
  const dout = r.dataOut ? task.mmap(r.dataOut) : 0;
  if (r.dataOut) a.set(T.data_out, dout).set(T.data_size_out, r.dataOut);
  if (r.ctx) a.set(T.ctx_in, put(task, r.ctx)).set(T.ctx_size_in, r.ctx.length);
  const cout = r.ctxOut ? task.mmap(r.ctxOut) : 0;
  if (r.ctxOut) a.set(T.ctx_out, cout).set(T.ctx_size_out, r.ctxOut);
  const { ret, out } = rawBpf(task, BPF_CMD.PROG_TEST_RUN, a);
  const read = (addr: number, n: number): Uint8Array => task.mem.copyFromUser(addr, n) as Uint8Array;
  return {
    ret,
    retval: out.u32(T.retval),
    dataSizeOut: out.u32(T.data_size_out),
    ctxSizeOut: out.u32(T.ctx_size_out),
    data: r.dataOut ? read(dout, Math.min(r.dataOut, out.u32(T.data_size_out))) : undefined,
    ctx: r.ctxOut ? read(cout, Math.min(r.ctxOut, out.u32(T.ctx_size_out))) : undefined,
    duration: out.u32(T.duration),
  };
}

describe('skb test_run (socket_filter, sched_cls)', () => {
  it('needs at least ETH_HLEN (14) bytes of data', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'socket_filter', insns: RET2 });
    expect(testRun(task, p.fd, {}).ret).toBe(-ERRNO.EINVAL);
    expect(testRun(task, p.fd, { data: new Uint8Array(13) }).ret).toBe(-ERRNO.EINVAL);
    expect(testRun(task, p.fd, { data: new Uint8Array(14) }).ret).toBe(0);
    expect(testRun(task, p.fd, { data: new Uint8Array(4096 - 64 - 320 + 1) }).ret).toBe(-ERRNO.EINVAL);
  });
  it('rejects flags other than CHECKSUM_COMPLETE, a cpu and a batch size', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'socket_filter', insns: RET2 });
    expect(testRun(task, p.fd, { data: new Uint8Array(64), flags: 1 }).ret).toBe(-ERRNO.EINVAL);
    expect(testRun(task, p.fd, { data: new Uint8Array(64), cpu: 1 }).ret).toBe(-ERRNO.EINVAL);
    expect(testRun(task, p.fd, { data: new Uint8Array(64), flags: 4 }).ret).toBe(0);
  });
  it('reads mark from ctx_in and writes ctx_out with ifindex 1 and wire_len (kernel ctx scenario)', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'sched_cls', insns: MARK });
    const ctx = new Uint8Array(192);
    new DataView(ctx.buffer).setUint32(SKB.mark, 0x1234, true);
    const r = testRun(task, p.fd, { data: new Uint8Array(64), dataOut: 320, ctx, ctxOut: 192 });
    expect(r.ret).toBe(0);
    expect(r.retval).toBe(0x1234);
    expect(r.dataSizeOut).toBe(64);
    expect(r.ctxSizeOut).toBe(192);
    const dv = new DataView((r.ctx as Uint8Array).buffer);
    expect(dv.getUint32(SKB.mark, true)).toBe(0x1234);
    expect(dv.getUint32(SKB.ifindex, true)).toBe(1);
    expect(dv.getUint32(SKB.wire_len, true)).toBe(64);
  });
  it('returns what the program wrote to the context (skb->mark) in ctx_out', () => {
    const { task } = setup();
    // *(u32 *)(r1 + 8) = 0x77; r0 = 0; exit
    const p = task.loadProgram({
      type: 'sched_cls',
      insns: hex('6201080077000000b7000000000000009500000000000000'),
    });
    const r = testRun(task, p.fd, {
      data: new Uint8Array(64),
      ctx: new Uint8Array(192),
      ctxOut: 192,
      repeat: 3,
    });
    expect(r.ret).toBe(0);
    expect(new DataView((r.ctx as Uint8Array).buffer).getUint32(SKB.mark, true)).toBe(0x77);
  });
  it('rejects ctx fields the kernel does not take (len) and ctx without ctx_size', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'sched_cls', insns: MARK });
    const ctx = new Uint8Array(192);
    ctx[0] = 5;
    expect(testRun(task, p.fd, { data: new Uint8Array(64), ctx }).ret).toBe(-ERRNO.EINVAL);
    const withIf = new Uint8Array(192);
    withIf[SKB.ifindex] = 2;
    expect(testRun(task, p.fd, { data: new Uint8Array(64), ctx: withIf }).ret).toBe(-ERRNO.ENODEV);
    const a = new BpfAttr().set(T.prog_fd, p.fd).set(T.ctx_size_in, 16);
    expect(rawBpf(task, BPF_CMD.PROG_TEST_RUN, a).ret).toBe(-ERRNO.EINVAL);
  });
  it('reports ENOSPC with the full size when data_out is too small', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'sched_cls', insns: RET2 });
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    const r = testRun(task, p.fd, { data, dataOut: 16 });
    expect(r.ret).toBe(-ERRNO.ENOSPC);
    expect(r.dataSizeOut).toBe(64);
    expect(r.data).toEqual(data.subarray(0, 16));
  });
  it('zeroes the Ethernet header in the output of non-L2 programs', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'socket_filter', insns: RET2 });
    const data = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    const r = testRun(task, p.fd, { data, dataOut: 64 });
    expect(r.ret).toBe(0);
    expect(r.data).toEqual(Uint8Array.from([...new Array(14).fill(0), 15, 16, 17, 18, 19, 20]));
  });
});

describe('xdp test_run', () => {
  it('returns the program’s verdict and the data unchanged', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'xdp', insns: RET2 });
    const data = hex('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    const r = testRun(task, p.fd, { data, dataOut: 296, repeat: 5 });
    expect(r).toMatchObject({ ret: 0, retval: 2, dataSizeOut: 40 });
    expect(r.data).toEqual(data);
  });
  it('checks xdp_md: data_meta 0, data <= data_end <= size, egress 0, known ingress device', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'xdp', insns: RET2 });
    const md = (f: Partial<Record<keyof typeof XDP_MD, number>>): Uint8Array => {
      const b = new Uint8Array(24);
      for (const [k, v] of Object.entries(f))
        new DataView(b.buffer).setUint32(XDP_MD[k as keyof typeof XDP_MD], v as number, true);
      return b;
    };
    const data = new Uint8Array(64);
    expect(testRun(task, p.fd, { data, ctx: md({ data_end: 64 }), ctxOut: 24 }).ret).toBe(0);
    expect(testRun(task, p.fd, { data, ctx: md({ data_meta: 4, data_end: 64 }) }).ret).toBe(-ERRNO.EINVAL);
    expect(testRun(task, p.fd, { data, ctx: md({ data_end: 65 }) }).ret).toBe(-ERRNO.EINVAL);
    expect(testRun(task, p.fd, { data, ctx: md({ data: 8, data_end: 4 }) }).ret).toBe(-ERRNO.EINVAL);
    expect(testRun(task, p.fd, { data, ctx: md({ data_end: 64, egress_ifindex: 1 }) }).ret).toBe(
      -ERRNO.EINVAL,
    );
    expect(testRun(task, p.fd, { data, ctx: md({ data_end: 64, ingress_ifindex: 2 }) }).ret).toBe(
      -ERRNO.ENODEV,
    );
    expect(testRun(task, p.fd, { data, ctx: md({ data_end: 64, rx_queue_index: 1 }) }).ret).toBe(
      -ERRNO.EINVAL,
    );
    // 8 bytes of metadata leave 56 of packet.
    const r = testRun(task, p.fd, { data, ctx: md({ data: 8, data_end: 64 }), ctxOut: 24, dataOut: 128 });
    expect(r.ret).toBe(0);
    expect(r.dataSizeOut).toBe(64);
    expect(new DataView((r.ctx as Uint8Array).buffer).getUint32(XDP_MD.data, true)).toBe(8);
    expect(testRun(task, p.fd, { data: new Uint8Array(20), ctx: md({ data: 8, data_end: 20 }) }).ret).toBe(
      -ERRNO.EINVAL,
    );
  });
  it('needs at least ETH_HLEN bytes', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'xdp', insns: RET2 });
    expect(testRun(task, p.fd, { data: new Uint8Array(13) }).ret).toBe(-ERRNO.EINVAL);
  });
});

describe('types without test_run', () => {
  it('kprobe and tracepoint give ENOTSUPP (524)', () => {
    const { task } = setup();
    for (const type of ['kprobe', 'tracepoint']) {
      const p = task.loadProgram({ type, insns: RET2 });
      expect(testRun(task, p.fd, { data: new Uint8Array(64) }).ret).toBe(-524);
    }
  });
});

describe('bpf_test_run', () => {
  it('runs on the virtual clock: same inputs, same duration; repeat 0 counts as 1', () => {
    const a = setup();
    const b = setup();
    const pa = a.task.loadProgram({ type: 'xdp', insns: RET2 });
    const pb = b.task.loadProgram({ type: 'xdp', insns: RET2 });
    const ra = testRun(a.task, pa.fd, { data: new Uint8Array(64), repeat: 0 });
    const rb = testRun(b.task, pb.fd, { data: new Uint8Array(64), repeat: 0 });
    expect(ra.duration).toBeGreaterThan(0);
    expect(ra.duration).toBe(rb.duration);
  });
  it('counts runs in fdinfo only with kernel/bpf_stats_enabled', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'xdp', insns: RET2 });
    testRun(task, p.fd, { data: new Uint8Array(64), repeat: 3 });
    expect(task.fdinfo(p.fd)).toMatchObject({ run_cnt: '0' });
    expect(task.sysctl('kernel/bpf_stats_enabled', '1').ret).toBe(0);
    testRun(task, p.fd, { data: new Uint8Array(64), repeat: 3 });
    expect(task.fdinfo(p.fd)).toMatchObject({ run_cnt: '3' });
  });
});
