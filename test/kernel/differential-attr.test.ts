/**
 * Differential checks of the attr rules and BPF_MAP_CREATE argument checks: the same raw bpf()
 * calls go to the emulator and to the real kernel (through the kernel backend), and the return
 * values must agree. Skips with the reason when the real kernel cannot be used here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BPF_CMD } from '../../src/kernel/attr/commands.js';
import { BPF_ATTR_SIZE, LAST_FIELD_END } from '../../src/kernel/attr/layout.js';
import { KernelHost } from '../../src/kernel/backend/kernel-host.js';
import { EmulatedHost } from '../../src/kernel/emulated-host.js';
import { executeScenario } from '../../src/kernel/scenario/executor.js';
import { parseScenario } from '../../src/kernel/scenario/format.js';
import { kernelUnavailable } from './backend/env.js';

const why = await kernelUnavailable();
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function rawLine(cmd: number, attr: Uint8Array, size: number, id?: string): string {
  return JSON.stringify({ op: 'raw', cmd, attr: toHex(attr), size, ...(id ? { id } : {}) });
}

/** Runs the same script on both sides and returns the `ret` columns. */
async function both(lines: string[]): Promise<{ kernel: unknown[]; emu: unknown[] }> {
  const ops = parseScenario(lines.join('\n'));
  const host = await KernelHost.open();
  try {
    const kernel = [...executeScenario(host, ops, { virtualFds: true })].map((l) => l.ret);
    const emu = [...executeScenario(EmulatedHost.create({ possibleCpus: host.possibleCpus }), ops)].map(
      (l) => l.ret,
    );
    return { kernel, emu };
  } finally {
    host.dispose();
  }
}

describe.skipIf(why !== undefined)(`attr rules vs the real kernel${why ? ` (skipped: ${why})` : ''}`, () => {
  it('CHECK_ATTR: a non-zero byte right after each command’s last field', async () => {
    const lines: string[] = [];
    for (const [cmd, end] of Object.entries(LAST_FIELD_END)) {
      if (end >= BPF_ATTR_SIZE) continue;
      const b = new Uint8Array(BPF_ATTR_SIZE);
      b[end] = 1;
      lines.push(rawLine(Number(cmd), b, BPF_ATTR_SIZE));
    }
    const r = await both(lines);
    expect(r.emu).toEqual(r.kernel);
  });
  it('size rules: > PAGE_SIZE, non-zero tail past 168, zero tail, short attrs', async () => {
    const base = new Uint8Array(BPF_ATTR_SIZE);
    base.set([2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1]);
    const tail = new Uint8Array(300);
    tail.set(base);
    tail[250] = 1;
    const lines = [
      rawLine(BPF_CMD.MAP_CREATE, base, 4097),
      rawLine(BPF_CMD.MAP_CREATE, tail, 300),
      rawLine(BPF_CMD.MAP_CREATE, base, 16, 'a'),
      JSON.stringify({ op: 'close', id: 'a' }),
      rawLine(BPF_CMD.MAP_CREATE, base, 12),
      rawLine(999, base, 16),
      rawLine(BPF_CMD.MAP_LOOKUP_ELEM, base, 0),
    ];
    const r = await both(lines);
    expect(r.emu).toEqual(r.kernel);
  });
  it('BPF_MAP_CREATE argument checks for hash and array maps (sampled combinations)', async () => {
    const combos = fc.sample(
      fc.record({
        type: fc.constantFrom(1, 2, 5, 6, 9, 999),
        key: fc.constantFrom(0, 1, 4, 8, 512, 513),
        value: fc.constantFrom(0, 4, 8, 1 << 16),
        max: fc.constantFrom(0, 1, 4),
        flags: fc.constantFrom(0, 1, 2, 4, 8, 16, 24, 64, 128, 256, 384, 1024, 1 << 20),
      }),
      { numRuns: 120, seed: 42 },
    );
    const lines: string[] = [];
    combos.forEach((c, i) => {
      const b = new Uint8Array(96);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, c.type, true);
      dv.setUint32(4, c.key, true);
      dv.setUint32(8, c.value, true);
      dv.setUint32(12, c.max, true);
      dv.setUint32(16, c.flags, true);
      lines.push(rawLine(BPF_CMD.MAP_CREATE, b, 96, `m${i}`));
      lines.push(JSON.stringify({ op: 'close', id: `m${i}` }));
    });
    const r = await both(lines);
    const norm = (v: unknown[]): unknown[] =>
      v.filter((_, i) => i % 2 === 0).map((x) => (typeof x === 'number' && x >= 0 ? 'fd' : x));
    const diffs = combos
      .map((c, i) => ({ c, kernel: norm(r.kernel)[i], emu: norm(r.emu)[i] }))
      .filter((d) => d.kernel !== d.emu);
    expect(diffs).toEqual([]);
  });
});

describe.skipIf(why !== undefined)(
  `prog load and test_run rules vs the real kernel${why ? ` (skipped: ${why})` : ''}`,
  () => {
    const RET2 = 'b7000000020000009500000000000000';
    it('BPF_PROG_LOAD checks before verification and structural failures', async () => {
      const load = (f: Record<string, unknown>): string =>
        JSON.stringify({ op: 'prog_load', prog_type: 'socket_filter', insns: RET2, ...f });
      const lines = [
        load({ prog_type: 999 }),
        load({ prog_type: 0 }),
        load({ prog_flags: 1 << 12 }),
        load({ prog_name: 'bad-name!' }),
        load({ prog_name: 'good_name.1' }),
        load({ log_level: 16, log_size: 4096 }),
        load({ log_level: 0, log_size: 4096 }),
        load({ log_level: 1, log_size: 0x40000000 }),
        load({ insns: '' }),
        load({ insns: 'b700000000000000' }),
        load({ insns: '05000500000000009500000000000000' }),
        load({ insns: 'b70000000000000095000000000000009500000000000000' }),
        load({ insns: '18110000e70300000000000000000000b7000000000000009500000000000000', log_level: 1 }),
        load({ prog_type: 'sched_cls', expected_attach_type: 5 }),
        load({ prog_type: 'cgroup_skb', expected_attach_type: 5 }),
        load({ prog_type: 'cgroup_skb', expected_attach_type: 1 }),
      ];
      const r = await both(lines);
      const norm = (v: unknown[]): unknown[] => v.map((x) => (typeof x === 'number' && x >= 0 ? 'fd' : x));
      expect(norm(r.emu)).toEqual(norm(r.kernel));
    });
    it('BPF_PROG_TEST_RUN data and ctx rules (socket_filter, sched_cls, xdp)', async () => {
      const zeros = (n: number): string => '00'.repeat(n);
      const lines = [
        JSON.stringify({ op: 'prog_load', id: 'sf', prog_type: 'socket_filter', insns: RET2 }),
        JSON.stringify({ op: 'prog_load', id: 'tc', prog_type: 'sched_cls', insns: RET2 }),
        JSON.stringify({ op: 'prog_load', id: 'xdp', prog_type: 'xdp', insns: RET2 }),
      ];
      for (const n of [0, 13, 14, 64, 3712, 3713])
        lines.push(JSON.stringify({ op: 'prog_test_run', prog: 'sf', data: zeros(n) }));
      for (const n of [13, 14, 3520, 3521, 9000])
        lines.push(JSON.stringify({ op: 'prog_test_run', prog: 'xdp', data: zeros(n) }));
      const skbCtx = (off: number): string => {
        const b = new Uint8Array(192);
        b[off] = 1;
        return toHex(b);
      };
      for (const off of [0, 4, 8, 12, 32, 36, 40, 48, 68, 152, 160, 164, 176, 180, 184]) {
        lines.push(JSON.stringify({ op: 'prog_test_run', prog: 'tc', data: zeros(64), ctx: skbCtx(off) }));
      }
      const md = (v: number[]): string => {
        const b = new Uint8Array(24);
        for (const [i, x] of v.entries()) new DataView(b.buffer).setUint32(4 * i, x, true);
        return toHex(b);
      };
      for (const v of [
        [0, 64],
        [8, 64],
        [0, 65],
        [4, 2],
        [0, 64, 4],
        [0, 64, 0, 1],
        [0, 64, 0, 0, 1],
        [0, 64, 0, 0, 0, 1],
        [6, 64],
      ]) {
        lines.push(JSON.stringify({ op: 'prog_test_run', prog: 'xdp', data: zeros(64), ctx: md(v) }));
      }
      lines.push(JSON.stringify({ op: 'prog_test_run', prog: 'sf', data: zeros(64), flags: 1 }));
      lines.push(JSON.stringify({ op: 'prog_test_run', prog: 'sf', data: zeros(64), cpu: 1 }));
      lines.push(JSON.stringify({ op: 'prog_test_run', prog: 'xdp', data: zeros(64), flags: 1 }));
      const r = await both(lines);
      const norm = (v: unknown[]): unknown[] => v.map((x) => (typeof x === 'number' && x >= 3 ? 'fd' : x));
      expect(norm(r.emu).map((x, i) => `${i}:${String(x)}`)).toEqual(
        norm(r.kernel).map((x, i) => `${i}:${String(x)}`),
      );
    });
  },
);

describe.skipIf(why !== undefined)(
  `packet programs vs the real kernel${why ? ` (skipped: ${why})` : ''}`,
  () => {
    it('an XDP program reading and writing its packet gives the same retval and data_out', async () => {
      const { encodeRaw, insn } = await import('../../src/isa/insn.js');
      const prog = encodeRaw([
        insn(0x61, 2, 1, 0, 0),
        insn(0x61, 3, 1, 4, 0),
        insn(0xbf, 4, 2, 0, 0),
        insn(0x07, 4, 0, 0, 2),
        insn(0x2d, 4, 3, 3, 0),
        insn(0x72, 2, 0, 1, 0x55),
        insn(0x71, 0, 2, 0, 0),
        insn(0x95, 0, 0, 0, 0),
        insn(0xb7, 0, 0, 0, 0),
        insn(0x95, 0, 0, 0, 0),
      ]);
      const ops = parseScenario(
        [
          JSON.stringify({ op: 'prog_load', id: 'p', prog_type: 'xdp', insns: toHex(prog) }),
          JSON.stringify({ op: 'prog_test_run', prog: 'p', data: '1122334455667788990011223344556677' }),
          JSON.stringify({ op: 'prog_test_run', prog: 'p', data: '11' }),
        ].join('\n'),
      );
      const host = await KernelHost.open();
      try {
        const pick = (l: Record<string, unknown>) => ({
          ret: typeof l.ret === 'number' && l.ret > 2 ? 'fd' : l.ret,
          retval: l.retval,
          data_out: l.data_out,
        });
        const kernel = [...executeScenario(host, ops, { virtualFds: true })].map(pick);
        const emu = [...executeScenario(EmulatedHost.create({ possibleCpus: host.possibleCpus }), ops)].map(
          pick,
        );
        expect(emu).toEqual(kernel);
      } finally {
        host.dispose();
      }
    });
  },
);

describe.skipIf(why !== undefined)(
  `prog_array owner vs the real kernel${why ? ` (skipped: ${why})` : ''}`,
  () => {
    it('the first loaded user owns the map; a program of another type is refused', async () => {
      const prog = '18110000000000000000000000000000b7000000000000009500000000000000';
      const ops = parseScenario(
        [
          JSON.stringify({
            op: 'map_create',
            id: 'pa',
            map_type: 'prog_array',
            key_size: 4,
            value_size: 4,
            max_entries: 2,
          }),
          JSON.stringify({ op: 'prog_load', prog_type: 'xdp', insns: prog, map_fixups: [[0, 'pa']] }),
          JSON.stringify({ op: 'prog_load', prog_type: 'xdp', insns: prog, map_fixups: [[0, 'pa']] }),
          JSON.stringify({
            op: 'prog_load',
            prog_type: 'socket_filter',
            insns: prog,
            map_fixups: [[0, 'pa']],
          }),
          JSON.stringify({ op: 'fdinfo', map: 'pa' }),
        ].join('\n'),
      );
      const host = await KernelHost.open();
      try {
        const pick = (l: Record<string, unknown>) => {
          const fi = l.fdinfo as Record<string, unknown> | undefined;
          return {
            ret: typeof l.ret === 'number' && l.ret > 2 ? 'fd' : l.ret,
            owner: fi?.owner_prog_type,
            jited: fi?.owner_jited,
          };
        };
        const kernel = [...executeScenario(host, ops, { virtualFds: true })].map(pick);
        const emu = [...executeScenario(EmulatedHost.create({ possibleCpus: host.possibleCpus }), ops)].map(
          pick,
        );
        expect(emu).toEqual(kernel);
      } finally {
        host.dispose();
      }
    });
  },
);
