/**
 * Docker's default profile compiled by bpfsim, loaded into the real kernel with seccomp(2) by
 * ../shared/tools/seccomp-oracle/kernel-run (a sentinel filter returning ERRNO(4000) first, so
 * allowed calls are not executed and show up as errno 4000): the kernel's answers for a few
 * decisions per ABI equal bpfsim's interpreter. Skips without root, cc, ../shared or seccomp.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionFromRet } from '../../../src/seccomp/actions.js';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';
import { compileProfileText } from '../../../src/seccomp/compile/compile.js';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';
import { syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';
import { observedOutcome, seccompOracle } from '../kernel-oracle.js';

const oracle = seccompOracle();
const reason = oracle.available ? '' : ` (skipped: ${oracle.reason})`;
const SENTINEL = 4000;

const cases: Array<[abi: 'x86_64' | 'i386' | 'x32', name: string | number, args: bigint[]]> = [
  ['x86_64', 'getpid', []],
  ['x86_64', 'reboot', []],
  ['x86_64', 'personality', [0xffffffffn]],
  ['x86_64', 'personality', [1n]],
  ['x86_64', 'clone3', []],
  ['x86_64', 'clone', [0x10000000n]],
  ['x86_64', 1000, []],
  ['i386', 'getpid', []],
  ['i386', 'clone3', []],
  ['i386', 'mount', []],
  ['x32', 'getpid', []],
  ['x32', 'reboot', []],
];

describe.skipIf(!oracle.available)(`Docker default profile in the real kernel${reason}`, () => {
  if (!oracle.available) return;
  const text = readFileSync(join(import.meta.dirname, '../../../data/seccomp/moby-default.json'), 'utf8');
  const { filter } = compileProfileText(text, 'moby-default.json', { arch: 'x86_64' });
  for (const [abi, sys, args] of cases) {
    it(`${abi} ${sys}${args.length ? ` (${args.map((a) => `0x${a.toString(16)}`).join(',')})` : ''}`, async () => {
      const arch = findArch(abi === 'i386' ? 'x86' : abi) as SeccompArch;
      const nr = typeof sys === 'number' ? sys : (syscallNumber(arch, sys) as number);
      const ours = actionFromRet(
        runFilter(filter, { nr, arch: arch.audit, instructionPointer: 0n, args }).ret,
      );
      const r = await oracle.kernelRun({
        filters: [filter],
        sentinel: SENTINEL,
        abi,
        nr: nr & ~0x40000000,
        args,
      });
      const expected =
        ours.action === 'ALLOW'
          ? { result: 'ERRNO', errno: SENTINEL }
          : ours.action === 'ERRNO'
            ? { result: 'ERRNO', errno: ours.data }
            : { result: 'KILLED', sig: 31 };
      expect(observedOutcome(r)).toEqual(expected);
    });
  }

  it('an x86_64-only OCI profile kills i386 and x32 calls (libseccomp bad-arch action KILL)', async () => {
    const only = compileProfileText(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_ERRNO' }],
      }),
      'oci.json',
      { arch: 'x86_64', compat: 'runc' },
    ).filter;
    const x86 = findArch('x86') as SeccompArch;
    const i386 = await oracle.kernelRun({
      filters: [only],
      sentinel: SENTINEL,
      abi: 'i386',
      nr: syscallNumber(x86, 'getpid') as number,
    });
    expect(observedOutcome(i386)).toEqual({ result: 'KILLED', sig: 31 });
    const x32 = await oracle.kernelRun({ filters: [only], sentinel: SENTINEL, abi: 'x32', nr: 39 });
    expect(observedOutcome(x32)).toEqual({ result: 'KILLED', sig: 31 });
    const native = await oracle.kernelRun({ filters: [only], sentinel: SENTINEL, abi: 'x86_64', nr: 110 });
    expect(observedOutcome(native)).toEqual({ result: 'ERRNO', errno: 1 });
  });
});
