import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KernelHost, parseCpuList, sysctlWriteRefusal } from '../../../src/kernel/backend/kernel-host.js';
import { parseSize } from '../../../src/kernel/backend/memcg.js';
import { compareOutputs, formatCompare, parseOutput } from '../../../src/kernel/scenario/compare.js';
import { executeScenario } from '../../../src/kernel/scenario/executor.js';
import { parseScenario } from '../../../src/kernel/scenario/format.js';
import { RLIMIT } from '../../../src/kernel/syscall-host.js';
import { applyDrift, kernelDrift } from './drift.js';
import { FIXTURES, fixtureMismatch, kernelUnavailable } from './env.js';

const noKernel = await kernelUnavailable();
const mismatch = await fixtureMismatch();
/** The documented build drift of the recordings (drift.ts), measured on this kernel. */
const drift = mismatch === undefined ? await kernelDrift() : undefined;

function bpfFdCount(): number {
  let n = 0;
  for (const e of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${e}`).startsWith('anon_inode:bpf')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/**
 * Replays a script on the real kernel in this process and compares with the expected answers,
 * taken as recorded apart from the documented memlock drift of hash-family maps (drift.ts).
 */
async function replay(name: string, scriptText: string, expectedText: string): Promise<string> {
  const ops = parseScenario(scriptText);
  const expected = applyDrift(name, ops, parseOutput(expectedText), drift!);
  const host = await KernelHost.open();
  try {
    const actual = [...executeScenario(host, ops, { virtualFds: true })];
    return formatCompare(compareOutputs(expected, actual, { scenario: ops }));
  } finally {
    host.dispose();
  }
}

const fixture = (name: string): string => readFileSync(resolve(FIXTURES, name), 'utf8');

describe.skipIf(mismatch !== undefined)(
  `kernel backend vs the recorded fixtures${mismatch === undefined ? '' : ` (skipped: ${mismatch})`}`,
  () => {
    // memlock.jsonl lowers RLIMIT_MEMLOCK's hard limit, which this process could not raise again
    // without CAP_SYS_RESOURCE: it runs in a child process in replay-cli.test.ts.
    for (const name of ['basic', 'extra', 'ctx', 'infloop']) {
      it(`reproduces every line of ${name}.out.jsonl`, async () => {
        const report = await replay(
          `${name}.out.jsonl`,
          fixture(`${name}.jsonl`),
          fixture(`${name}.out.jsonl`),
        );
        expect(report).toMatch(/^\d+ lines identical, 0 differ\n$/);
      });
    }

    it('reproduces limits.out.jsonl (the gen_limits.py script, with 1M-instruction programs)', async () => {
      const script = gunzipSync(readFileSync(resolve(FIXTURES, 'limits.jsonl.gz'))).toString('utf8');
      expect(await replay('limits.out.jsonl', script, fixture('limits.out.jsonl'))).toBe(
        '40 lines identical, 0 differ\n',
      );
    });
  },
);

describe.skipIf(noKernel !== undefined)(
  `kernel backend on the real kernel${noKernel === undefined ? '' : ` (skipped: ${noKernel})`}`,
  () => {
    it('dispose() closes the bpf fds the script left open and restores the changed rlimits', async () => {
      const before = bpfFdCount();
      const host = await KernelHost.open();
      const limit = host.getrlimit(RLIMIT.MEMLOCK);
      const script = [
        '{"op":"map_create","id":"a","map_type":"array","key_size":4,"value_size":4,"max_entries":1}',
        '{"op":"prog_load","insns":"b7000000000000009500000000000000","log_level":0}',
        `{"op":"setrlimit","resource":"MEMLOCK","soft":4096,"hard":${limit.hard}}`,
        '{"op":"map_create","map_type":"hash","key_size":4,"value_size":4,"max_entries":1}',
        '{"op":"close","id":"a"}',
      ].join('\n');
      const out = [...executeScenario(host, parseScenario(script), { virtualFds: true })];
      expect(out.map((l) => l.ret)).toEqual([3, 4, 0, 5, 0]);
      expect(bpfFdCount()).toBe(before + 2);
      expect(host.getrlimit(RLIMIT.MEMLOCK).soft).toBe(4096);
      host.dispose();
      expect(bpfFdCount()).toBe(before);
      expect(host.getrlimit(RLIMIT.MEMLOCK)).toEqual(limit);
    });

    it('reads sysctls, refuses writes without allowSysctlWrite, and rejects paths leaving /proc/sys', async () => {
      const host = await KernelHost.open();
      try {
        const jit = host.sysctl('net/core/bpf_jit_harden');
        expect(jit.ret).toBe(0);
        expect(jit.value).toBe(readFileSync('/proc/sys/net/core/bpf_jit_harden', 'utf8').trim());
        expect(() => host.sysctl('net/core/bpf_jit_harden', jit.value)).toThrow(
          /needs the allowSysctlWrite option/,
        );
        expect(host.sysctl('kernel/../../etc/passwd')).toEqual({ ret: -22 });
        expect(host.sysctl('kernel/no_such_sysctl')).toEqual({ ret: -2 });
      } finally {
        host.dispose();
      }
    });

    it('gives user memory 8-byte aligned and refuses accesses outside an allocation', async () => {
      const host = await KernelHost.open();
      try {
        const a = host.alloc(3);
        expect(a % 8).toBe(0);
        host.write(a, new Uint8Array([1, 2, 3]));
        expect(host.read(a + 1, 2)).toEqual(new Uint8Array([2, 3]));
        expect(() => host.read(a, 4)).toThrow(/not inside one allocation/);
        expect(host.fdinfo(987654)).toBe(-2);
        expect(host.possibleCpus).toBe(
          parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8')),
        );
      } finally {
        host.dispose();
      }
    });
  },
);

describe('kernel backend helpers', () => {
  it('never lets kernel/unprivileged_bpf_disabled be set to anything but 0 or 2', () => {
    for (const v of ['1', ' 1\n', '01', '0x1', '1 ', '3', '']) {
      expect(sysctlWriteRefusal('kernel/unprivileged_bpf_disabled', v, true)).toMatch(/never writing/);
    }
    expect(sysctlWriteRefusal('kernel/unprivileged_bpf_disabled', '2', true)).toBeUndefined();
    expect(sysctlWriteRefusal('kernel/unprivileged_bpf_disabled', '0', false)).toMatch(/allowSysctlWrite/);
    expect(sysctlWriteRefusal('net/core/bpf_jit_harden', '1', true)).toBeUndefined();
  });

  it('counts CPU lists and parses sizes', () => {
    expect(parseCpuList('0-1\n')).toBe(2);
    expect(parseCpuList('0,2-3,8')).toBe(4);
    expect(parseSize('48M')).toBe(48 * 1024 * 1024);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('1g')).toBe(1024 ** 3);
    expect(parseSize('48 MiB')).toBe(48 * 1024 * 1024);
    expect(parseSize('lots')).toBeUndefined();
  });
});
