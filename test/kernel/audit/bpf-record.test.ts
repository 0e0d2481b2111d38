import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeRaw, insn } from '../../../src/isa/insn.js';
import { BPF_AUDIT_OP, formatBpfAudit } from '../../../src/kernel/audit/bpf-record.js';
import { AuditStore } from '../../../src/kernel/audit/store.js';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { loadWithLog } from '../../../src/kernel/host-load.js';
import { kernelUnavailable } from '../backend/env.js';
import { setup } from '../helpers.js';

describe('formatBpfAudit (kernel/bpf/syscall.c bpf_audit_prog)', () => {
  it('writes "prog-id=%u op=%s" after the audit(SEC.MSEC:SERIAL) stamp', () => {
    // 12.345678901 s -> audit(12.345:…), millisecond precision as kernel/audit.c audit_log_start.
    expect(formatBpfAudit(12_345_678_901n, 7, 42, BPF_AUDIT_OP.LOAD)).toBe(
      'type=BPF msg=audit(12.345:7): prog-id=42 op=LOAD',
    );
    expect(formatBpfAudit(5_000_000n, 8, 42, BPF_AUDIT_OP.UNLOAD)).toBe(
      'type=BPF msg=audit(0.005:8): prog-id=42 op=UNLOAD',
    );
  });
});

describe('BPF audit records of program load and unload (bpf_audit_prog)', () => {
  const prog = encodeRaw([insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)]);
  it('are written while audit is enabled: LOAD at load, UNLOAD when the last reference goes', () => {
    const { kernel, task } = setup({ auditEnabled: true });
    const p = task.loadProgram({ type: 'socket_filter', insns: prog });
    const id = p.id;
    expect(kernel.auditLog.map((r) => r.text.replace(/^.*\): /, ''))).toEqual([`prog-id=${id} op=LOAD`]);
    p.close();
    const texts = kernel.auditLog.map((r) => r.text);
    expect(texts[1]).toMatch(
      new RegExp(`^type=BPF msg=audit\\(\\d+\\.\\d{3}:2\\): prog-id=${id} op=UNLOAD$`),
    );
    expect(kernel.auditLog.every((r) => r.type === 'BPF')).toBe(true);
    expect(kernel.auditLog[0]?.pid).toBe(task.tgid);
  });
  it('are not written while audit is off (no audit daemon), as on a machine without auditd', () => {
    const { kernel, task } = setup();
    task.loadProgram({ type: 'socket_filter', insns: prog }).close();
    expect(kernel.auditLog).toEqual([]);
  });
  it('reach the store of the audit logger, which enables audit', () => {
    const files = new Map<string, Uint8Array>();
    const storage = {
      append: (n: string, b: Uint8Array) => files.set(n, new Uint8Array([...(files.get(n) ?? []), ...b])),
      read: (n: string) => files.get(n),
      size: (n: string) => files.get(n)?.length ?? 0,
      rename: (a: string, b: string) => {
        const v = files.get(a);
        if (v) files.set(b, v);
        files.delete(a);
      },
      remove: (n: string) => void files.delete(n),
    };
    const { task } = setup({ auditStorage: storage });
    task.loadProgram({ type: 'socket_filter', insns: prog });
    const { records } = new AuditStore(storage).readAll();
    expect(records.map((r) => [r.type, r.text.replace(/^.*\): /, '')])).toEqual([
      ['BPF', 'prog-id=1 op=LOAD'],
    ]);
  });
});

const why = await kernelUnavailable();
const python = spawnSync('python3', ['--version']).status === 0;
const dmesg = spawnSync('dmesg', ['--version']).status === 0;
const skip = why ?? (!python ? 'python3 unavailable' : !dmesg ? 'dmesg unavailable' : undefined);

/** Reads or sets `audit_enabled` through NETLINK_AUDIT (AUDIT_GET / AUDIT_SET), as auditctl -e does. */
function auditEnabled(set?: 0 | 1): number {
  const py = `
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)
s.bind((0, 0))
if len(sys.argv) > 1:
    body = struct.pack('=IIIIIIII', 1, int(sys.argv[1]), 0, 0, 0, 0, 0, 0)
    s.send(struct.pack('=IHHII', 16 + len(body), 1001, 5, 1, 0) + body)
    s.recv(4096)
s.send(struct.pack('=IHHII', 16, 1000, 1, 2, 0))
m = s.recv(4096)
print(struct.unpack_from('=I', m, 20)[0])
`;
  const r = spawnSync('python3', ['-c', py, ...(set === undefined ? [] : [String(set)])], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

describe.skipIf(skip !== undefined)(
  `BPF audit records vs the real kernel${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('the kernel writes the same prog-id=N op=LOAD / op=UNLOAD bodies, in the same order', async () => {
      const before = auditEnabled();
      const host = await KernelHost.open();
      try {
        auditEnabled(1);
        const raw = encodeRaw([insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)]);
        const r = loadWithLog(host, raw, 1, 1, 'GPL');
        expect(r.ret).toBeGreaterThanOrEqual(0);
        // loadWithLog closed the fd: the program is gone; find its two records in the kernel log
        const log = spawnSync('dmesg', [], { encoding: 'utf8' }).stdout.split('\n');
        const bodies = log.filter((l) => /type=1334 /.test(l)).map((l) => l.replace(/^.*\): /, ''));
        const last = bodies.slice(-2);
        const id = /prog-id=(\d+)/.exec(last[0] ?? '')?.[1];
        expect(last).toEqual([`prog-id=${id} op=LOAD`, `prog-id=${id} op=UNLOAD`]);
        // bpfsim, same sequence
        const { kernel, task } = setup({ auditEnabled: true });
        task.loadProgram({ type: 'socket_filter', insns: raw }).close();
        expect(kernel.auditLog.map((x) => x.text.replace(/^.*\): /, '').replace(/\d+/, id ?? ''))).toEqual(
          last,
        );
      } finally {
        host.dispose();
        auditEnabled(before ? 1 : 0);
      }
    });
  },
);
