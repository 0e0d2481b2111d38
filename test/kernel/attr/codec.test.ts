import { describe, expect, it } from 'vitest';
import { BpfAttr } from '../../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../../src/kernel/attr/commands.js';
import {
  BPF_ATTR_SIZE,
  LAST_FIELD_END,
  MAP_CREATE_ATTR,
  MAP_ELEM_ATTR,
  PROG_LOAD_ATTR,
  TEST_RUN_ATTR,
} from '../../../src/kernel/attr/layout.js';
import { ERRNO } from '../../../src/uapi/errno.js';
import { put, rawBpf, setup } from '../helpers.js';

/** An array map attr of 4-byte keys and values (the kernel-facts raw scenario). */
function arrayAttr(): BpfAttr {
  return new BpfAttr()
    .set(MAP_CREATE_ATTR.map_type, 2)
    .set(MAP_CREATE_ATTR.key_size, 4)
    .set(MAP_CREATE_ATTR.value_size, 4)
    .set(MAP_CREATE_ATTR.max_entries, 1);
}

describe('union bpf_attr layout (include/uapi/linux/bpf.h, 6.18)', () => {
  it('is 168 bytes and PROG_LOAD uses all of it (keyring_id is the last member)', () => {
    expect(BPF_ATTR_SIZE).toBe(168);
    expect(LAST_FIELD_END[BPF_CMD.PROG_LOAD]).toBe(168);
    expect(PROG_LOAD_ATTR.log_true_size.off).toBe(140);
  });
  it('has the element commands end at 32 and MAP_CREATE at 92', () => {
    expect(LAST_FIELD_END[BPF_CMD.MAP_LOOKUP_ELEM]).toBe(32);
    expect(LAST_FIELD_END[BPF_CMD.MAP_DELETE_ELEM]).toBe(16);
    expect(LAST_FIELD_END[BPF_CMD.MAP_CREATE]).toBe(92);
    expect(LAST_FIELD_END[BPF_CMD.PROG_TEST_RUN]).toBe(TEST_RUN_ATTR.batch_size.off + 4);
    expect(MAP_ELEM_ATTR.flags.off).toBe(24);
  });
});

describe('bpf_check_uarg_tail_zero and CHECK_ATTR', () => {
  it('rejects size > PAGE_SIZE with E2BIG even when the tail is zero', () => {
    const { task } = setup();
    expect(rawBpf(task, BPF_CMD.MAP_CREATE, arrayAttr(), 4097).ret).toBe(-ERRNO.E2BIG);
  });
  it('accepts a zero tail up to PAGE_SIZE (kernel: huge size with zero tail ok)', () => {
    const { task } = setup();
    expect(rawBpf(task, BPF_CMD.MAP_CREATE, arrayAttr(), 4096).ret).toBe(3);
  });
  it('gives E2BIG for a non-zero byte at or after offset 168', () => {
    const { task } = setup();
    for (const off of [168, 200, 4095]) {
      const b = new Uint8Array(off + 1);
      b.set(arrayAttr().bytes);
      b[off] = 1;
      expect(rawBpf(task, BPF_CMD.MAP_CREATE, b, off + 1).ret).toBe(-ERRNO.E2BIG);
    }
  });
  it('zero-extends a short attr: 16 bytes of MAP_CREATE are enough, 8 are not (max_entries 0)', () => {
    const { task } = setup();
    expect(rawBpf(task, BPF_CMD.MAP_CREATE, arrayAttr(), 16).ret).toBe(3);
    expect(rawBpf(task, BPF_CMD.MAP_CREATE, arrayAttr(), 8).ret).toBe(-ERRNO.EINVAL);
  });
  it('gives EINVAL for an unknown command', () => {
    const { task } = setup();
    expect(rawBpf(task, 999, new Uint8Array(16), 16).ret).toBe(-ERRNO.EINVAL);
  });
  it('gives EINVAL for any non-zero byte after each command’s last field', () => {
    const { task } = setup();
    for (const [cmdS, end] of Object.entries(LAST_FIELD_END)) {
      const cmd = Number(cmdS);
      if (end >= BPF_ATTR_SIZE) continue;
      for (const off of [end, BPF_ATTR_SIZE - 1]) {
        const b = new Uint8Array(BPF_ATTR_SIZE);
        b[off] = 1;
        expect(rawBpf(task, cmd, b).ret, `cmd ${cmd} off ${off}`).toBe(-ERRNO.EINVAL);
      }
    }
  });
  it('MAP_LOOKUP_ELEM with a non-zero byte at offset 40 is EINVAL (kernel-facts)', () => {
    const { task } = setup();
    const b = new Uint8Array(48);
    b[0] = 3;
    b[40] = 1;
    expect(rawBpf(task, BPF_CMD.MAP_LOOKUP_ELEM, b, 48).ret).toBe(-ERRNO.EINVAL);
  });
  it('faults with EFAULT when the attr is not mapped', () => {
    const { task } = setup();
    expect(task.bpf(BPF_CMD.MAP_CREATE, 0x1000, 16)).toBe(-ERRNO.EFAULT);
    const a = put(task, new Uint8Array(4096));
    // The tail check reads past the mapping: EFAULT.
    expect(task.bpf(BPF_CMD.MAP_CREATE, a + 4000, 200)).toBe(-ERRNO.EFAULT);
  });
});
