/**
 * Extensions that add emulated syscalls and helpers: the seccomp filters still judge the call
 * first, the verifier checks a helper call against the prototype the extension gave, and the VM
 * runs it.
 */
import { describe, expect, it } from 'vitest';
import { encodeRaw, insn } from '../../../src/isa/insn.js';
import type { BpfError } from '../../../src/kernel/errors.js';
import type { ExtensionConstructor } from '../../../src/kernel/ext/host.js';
import { testRunSkb } from '../../../src/progs/sched_cls.js';
import { BPF_PROG_TYPE } from '../../../src/progs/types.js';
import { ERRNO } from '../../../src/uapi/errno.js';
import { ARG, RET } from '../../../src/verifier/env/arg-types.js';
import { funcProto } from '../../../src/verifier/env/helper-protos.js';
import { setup } from '../helpers.js';

const GETCPU = 309; // x86_64 getcpu(unsigned *cpu, unsigned *node, void *unused)

const getcpuExt: ExtensionConstructor = (host) => {
  host.registerSyscall(GETCPU, (task, args) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, task.cpu, true);
    const addr = Number(args[0] ?? 0);
    if (addr === 0) return 0;
    return task.mem.copyToUser(addr, bytes) < 0 ? -ERRNO.EFAULT : 0;
  });
  return { name: 'getcpu' };
};

const addExt: ExtensionConstructor = (host) => {
  host.registerHelper(
    212,
    {
      name: 'bpfsim_add',
      gplOnly: false,
      pktAccess: false,
      mightSleep: false,
      retType: RET.RET_INTEGER,
      argTypes: [ARG.ARG_ANYTHING, ARG.ARG_ANYTHING, 0, 0, 0],
    },
    (r) => {
      // R0 = R1 + R2 (low 32 bits are enough for this test)
      r[0] = ((r[2] as number) + (r[4] as number)) | 0;
      r[1] = 0;
    },
  );
  return { name: 'add' };
};

describe('extension syscalls', () => {
  it('run when the filter allows them, and are no longer reported as not emulated', () => {
    const { task } = setup({ extensions: [['getcpu', getcpuExt]] }, { uid: 0, caps: 'all', cpu: 1 });
    const addr = task.mem.mmap(4096);
    const out = task.syscall(GETCPU, [addr, 0, 0]);
    expect(out.notEmulated).toBeUndefined();
    expect(out.ret).toBe(0);
    expect(task.mem.copyFromUser(addr, 4)).toEqual(new Uint8Array([1, 0, 0, 0]));
  });
  it('are reported not emulated without the extension', () => {
    const { task } = setup();
    expect(task.syscall(GETCPU, [0, 0, 0])).toMatchObject({ notEmulated: true, ret: -ERRNO.ENOSYS });
  });
  it('cannot replace a syscall bpfsim emulates (the extension fails to start)', () => {
    const bad: ExtensionConstructor = (host) => {
      host.registerSyscall(39, () => 0); // getpid
      return { name: 'bad' };
    };
    const { kernel } = setup({ extensions: [['bad', bad]] });
    expect(kernel.extensions.errors[0]?.message).toMatch(/already emulated/);
  });
});

describe('extension helpers', () => {
  const prog = encodeRaw([
    insn(0xb7, 1, 0, 0, 20), // r1 = 20
    insn(0xb7, 2, 0, 0, 22), // r2 = 22
    insn(0x85, 0, 0, 0, 212), // call 212
    insn(0x95, 0, 0, 0, 0),
  ]);
  it('are checked by the verifier against their prototype and run by the VM', () => {
    const { task } = setup({ extensions: [['add', addExt]] });
    const p = task.loadProgram({ type: 'socket_filter', insns: prog, logLevel: 2 });
    expect(p.log).toContain('2: (85) call');
    expect(p.run(new Uint8Array(64)).retval).toBe(42);
  });
  it('are unknown without the extension: invalid func, EINVAL, as Linux answers for id 212', () => {
    const { task } = setup();
    try {
      task.loadProgram({ type: 'socket_filter', insns: prog, logLevel: 1 });
      expect.unreachable();
    } catch (e) {
      expect((e as BpfError).errno).toBe(ERRNO.EINVAL);
      expect((e as BpfError & { log?: string }).log ?? '').toContain('invalid func unknown#212');
    }
  });
  it('cannot take a kernel helper id', () => {
    const bad: ExtensionConstructor = (host) => {
      host.registerHelper(
        1,
        {
          name: 'x',
          gplOnly: false,
          pktAccess: false,
          mightSleep: false,
          retType: 0,
          argTypes: [0, 0, 0, 0, 0],
        },
        () => {},
      );
      return { name: 'bad' };
    };
    const { kernel } = setup({ extensions: [['bad', bad]] });
    expect(kernel.extensions.errors[0]?.message).toMatch(/kernel's/);
  });
  it('a verifier error names the helper by the extension name', () => {
    const { task } = setup({ extensions: [['add', addExt]] });
    // R2 is not initialized: the argument check fails
    const bad = encodeRaw([insn(0xb7, 1, 0, 0, 1), insn(0x85, 0, 0, 0, 212), insn(0x95, 0, 0, 0, 0)]);
    try {
      task.loadProgram({ type: 'socket_filter', insns: bad, logLevel: 1 });
      expect.unreachable();
    } catch (e) {
      expect((e as BpfError).errno).toBe(ERRNO.EACCES);
      expect((e as BpfError & { log?: string }).log ?? '').toContain('R2 !read_ok');
    }
  });
});

describe('extension program types', () => {
  const lenOnly: ExtensionConstructor = (host) => {
    host.registerProgType({
      type: 40,
      name: 'len_only',
      ctxSize: 192,
      // the program may read the first u32 of its __sk_buff (len) and nothing else
      isValidAccess: (off, size, write) => !write && off === 0 && size === 4,
      funcProto: (id) =>
        id === 7
          ? funcProto(BPF_PROG_TYPE.SOCKET_FILTER, 7, {
              expectedAttachType: 0,
              bpfCapable: true,
              perfmonCapable: true,
            })
          : undefined,
      testRun: testRunSkb,
    });
    return { name: 'len-only' };
  };
  it('load, verify with the type’s own tables and run', () => {
    const { task } = setup({ extensions: [['len-only', lenOnly]] });
    const ok = encodeRaw([insn(0x61, 0, 1, 0, 0), insn(0x95, 0, 0, 0, 0)]); // r0 = skb->len
    const p = task.loadProgram({ type: 40, insns: ok });
    // bpf_prog_test_run_skb pulls the Ethernet header: skb->len is 60 - 14
    expect(p.run(new Uint8Array(60)).retval).toBe(46);
    const badField = encodeRaw([insn(0x61, 0, 1, 4, 0), insn(0x95, 0, 0, 0, 0)]); // pkt_type
    try {
      task.loadProgram({ type: 40, insns: badField, logLevel: 1 });
      expect.unreachable();
    } catch (e) {
      expect((e as BpfError & { log?: string }).log ?? '').toContain(
        'invalid bpf_context access off=4 size=4',
      );
    }
    const badHelper = encodeRaw([insn(0x85, 0, 0, 0, 5), insn(0x95, 0, 0, 0, 0)]); // ktime_get_ns
    try {
      task.loadProgram({ type: 40, insns: badHelper, logLevel: 1 });
      expect.unreachable();
    } catch (e) {
      expect((e as BpfError & { log?: string }).log ?? '').toContain(
        'program of this type cannot use helper bpf_ktime_get_ns#5',
      );
    }
  });
  it('is EINVAL at load without the extension, as an unknown type is for Linux', () => {
    const { task } = setup();
    expect(() =>
      task.loadProgram({ type: 40, insns: encodeRaw([insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)]) }),
    ).toThrow(/EINVAL/);
  });
});
