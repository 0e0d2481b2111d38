/**
 * Emulator vs real kernel: the same scenario runs on both backends through the same executor, and
 * any difference on the selected lines is a difference between bpfsim's kernel and Linux.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import * as kernelIndex from '../../../src/kernel/index.js';
import { compareOutputs, formatCompare, parseOutput } from '../../../src/kernel/scenario/compare.js';
import { executeScenario } from '../../../src/kernel/scenario/executor.js';
import { parseScenario, type ScenarioOp } from '../../../src/kernel/scenario/format.js';
import type { ResultLine } from '../../../src/kernel/scenario/json.js';
import type { SyscallHost } from '../../../src/kernel/syscall-host.js';
import { BUN, bunWorks, FIXTURES, kernelUnavailable, ROOT } from './env.js';

/** Operations compared so far: maps, rlimits, sysctls (programs wait for the verifier and VM). */
const MAP_RLIMIT_SYSCTL = new Set([
  'map_create',
  'map_update',
  'map_lookup',
  'map_delete',
  'map_get_next_key',
  'map_iterate',
  'map_lookup_and_delete',
  'map_freeze',
  'setrlimit',
  'getrlimit',
  'sysctl',
]);

type EmulatorFactory = (possibleCpus: number) => SyscallHost;

/** The emulator's host factory, once src/kernel exports EmulatedHost. */
function emulatorFactory(): EmulatorFactory | undefined {
  const mod = kernelIndex as Record<string, unknown>;
  const Emu = mod.EmulatedHost as
    | { create?: (k?: Record<string, unknown>, s?: Record<string, unknown>) => SyscallHost }
    | undefined;
  if (Emu?.create === undefined) return undefined;
  const create = Emu.create.bind(Emu);
  return (possibleCpus) => create({ possibleCpus }, { uid: 0, caps: 'all' });
}

const emulator = emulatorFactory();
const why = emulator === undefined ? 'emulator backend not yet available' : await kernelUnavailable();

/**
 * The kernel's answers. A script that sets rlimits runs in a child (`bun src/cli/main.ts replay`):
 * this process could not raise a lowered hard limit again without CAP_SYS_RESOURCE.
 */
async function onKernel(
  ops: readonly ScenarioOp[],
  file: string,
): Promise<{ lines: ResultLine[]; cpus: number }> {
  const host = await KernelHost.open();
  try {
    if (!ops.some((o) => o.op === 'setrlimit'))
      return { lines: [...executeScenario(host, ops, { virtualFds: true })], cpus: host.possibleCpus };
    const r = spawnSync(BUN, ['src/cli/main.ts', 'replay', file, '--backend', 'kernel'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`kernel replay of ${file} failed: ${r.stderr}`);
    return { lines: parseOutput(r.stdout), cpus: host.possibleCpus };
  } finally {
    host.dispose();
  }
}

describe.skipIf(why !== undefined)(
  `emulator vs real kernel${why === undefined ? '' : ` (skipped: ${why})`}`,
  () => {
    for (const name of ['basic', 'extra', 'memlock']) {
      const file = resolve(FIXTURES, `${name}.jsonl`);
      const ops = parseScenario(readFileSync(file, 'utf8'));
      const needsBun = ops.some((o) => o.op === 'setrlimit') && !bunWorks;
      it.skipIf(needsBun)(
        `answers the map, rlimit and sysctl lines of ${name}.jsonl as the kernel does${needsBun ? `${needsBun ? ' (skipped: its setrlimit lines need a child process: bun not available)' : ''}` : ''}`,
        async () => {
          const kernel = await onKernel(ops, file);
          const emu = [...executeScenario((emulator as EmulatorFactory)(kernel.cpus), ops)];
          const cmp = compareOutputs(kernel.lines, emu, { scenario: ops, ops: MAP_RLIMIT_SYSCTL });
          expect(formatCompare(cmp)).toBe(
            `${cmp.identical} lines identical, 0 differ, ${cmp.skipped} skipped\n`,
          );
          expect(cmp.identical).toBeGreaterThan(5);
        },
      );
    }
  },
);
