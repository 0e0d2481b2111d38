import { describe, expect, it } from 'vitest';
import { insn } from '../../src/isa/insn.js';
import { convertPacketPointerLoads } from '../../src/kernel/ctx-convert.js';
import { setup } from './helpers.js';

/** XDP: if data + 1 <= data_end, store 0x55 at data[1] and return data[0]; else return 0. */
const XDP_FIRST_BYTE = [
  insn(0x61, 2, 1, 0, 0), // r2 = *(u32 *)(r1 + 0)   xdp_md->data
  insn(0x61, 3, 1, 4, 0), // r3 = *(u32 *)(r1 + 4)   xdp_md->data_end
  insn(0xbf, 4, 2, 0, 0), // r4 = r2
  insn(0x07, 4, 0, 0, 2), // r4 += 2
  insn(0x2d, 4, 3, 3, 0), // if r4 > r3 goto +3
  insn(0x72, 2, 0, 1, 0x55), // *(u8 *)(r2 + 1) = 0x55
  insn(0x71, 0, 2, 0, 0), // r0 = *(u8 *)(r2 + 0)
  insn(0x95, 0, 0, 0, 0),
  insn(0xb7, 0, 0, 0, 0),
  insn(0x95, 0, 0, 0, 0),
];

describe('packet pointers in the context (convert_ctx_accesses without a verifier)', () => {
  it('rewrites only loads from registers that hold the context on every path', () => {
    const insns = [
      insn(0xbf, 6, 1, 0, 0), // r6 = r1
      insn(0x61, 2, 6, 0, 0), // r2 = r6->data       (rewritten)
      insn(0x61, 3, 2, 4, 0), // r3 = *(r2 + 4)      (not the context)
      insn(0x85, 0, 0, 0, 5), // call: clobbers r1-r5, keeps r6
      insn(0x61, 4, 1, 4, 0), // r4 = *(r1 + 4)      (r1 clobbered)
      insn(0x61, 5, 6, 4, 0), // r5 = r6->data_end   (rewritten)
      insn(0x95, 0, 0, 0, 0),
    ];
    expect(convertPacketPointerLoads(insns, { data: 0, dataEnd: 4, dataMeta: 8 }, 24)).toBe(2);
    expect(insns[1]).toMatchObject({ code: 0x79, off: 24 });
    expect(insns[5]).toMatchObject({ code: 0x79, off: 32 });
    expect(insns[2]).toMatchObject({ code: 0x61, off: 4 });
    expect(insns[4]).toMatchObject({ code: 0x61, off: 4 });
  });
  it('lets an XDP program read and write its packet through data/data_end', () => {
    const { task } = setup();
    const p = task.loadProgram({ type: 'xdp', insns: XDP_FIRST_BYTE });
    const data = Uint8Array.from({ length: 20 }, (_, i) => 0x10 + i);
    const r = p.run(data);
    expect(r.retval).toBe(0x10);
    expect(r.data[1]).toBe(0x55);
    expect(r.data.length).toBe(20);
  });
  it('lets a tc program read skb->data', () => {
    const { task } = setup();
    const tc = XDP_FIRST_BYTE.map((x, i) =>
      i === 0 ? insn(0x61, 2, 1, 76, 0) : i === 1 ? insn(0x61, 3, 1, 80, 0) : x,
    );
    const p = task.loadProgram({ type: 'sched_cls', insns: tc });
    expect(p.run(Uint8Array.from({ length: 20 }, (_, i) => 0x20 + i)).retval).toBe(0x20);
  });
});
