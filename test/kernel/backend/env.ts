/**
 * What the machine running the tests can do: whether the real kernel answers bpf() here, whether
 * it is like the machine the fixtures were recorded on, and whether Bun is available.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { resolve } from 'node:path';
import { BackendUnavailableError } from '../../../src/kernel/backend/ffi.js';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const FIXTURES = resolve(ROOT, 'test/fixtures/kernel-scenarios');
export const BUN = resolve(ROOT, 'node_modules/.bin/bun');
export const bunWorks = existsSync(BUN) && spawnSync(BUN, ['--version']).status === 0;

/** Why the real kernel cannot answer here, or undefined when it can. */
export async function kernelUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  try {
    (await KernelHost.open()).dispose();
    return undefined;
  } catch (e) {
    if (e instanceof BackendUnavailableError) return e.message;
    throw e;
  }
}

/**
 * Why this machine's answers cannot match the recorded fixtures (Linux 6.18, 2 possible CPUs,
 * the bpf sysctls read in basic.out.jsonl), or undefined when they can. The one documented
 * difference between builds (hash-family memlock, sizeof(struct bpf_htab)) is not a mismatch:
 * drift.ts measures it and the comparisons apply it.
 */
export async function fixtureMismatch(): Promise<string | undefined> {
  const why = await kernelUnavailable();
  if (why !== undefined) return why;
  if (!/^6\.18\./.test(release())) return `kernel ${release()}, the fixtures were recorded on 6.18`;
  const host = await KernelHost.open();
  try {
    if (host.possibleCpus !== 2)
      return `${host.possibleCpus} possible CPUs, the fixtures were recorded with 2`;
    const recorded = readFileSync(resolve(FIXTURES, 'basic.out.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"op": "sysctl"'))
      .map((l) => (JSON.parse(l) as { value: string }).value);
    const paths = ['kernel/unprivileged_bpf_disabled', 'net/core/bpf_jit_enable', 'net/core/bpf_jit_harden'];
    const here = paths.map((p) => host.sysctl(p).value);
    if (here.join() !== recorded.join())
      return `sysctls ${paths.join(', ')} are ${here.join(', ')}, the fixtures were recorded with ${recorded.join(', ')}`;
    return undefined;
  } finally {
    host.dispose();
  }
}
