/**
 * Spectre v1 speculative-path simulation (loads without CAP_PERFMON): each program in
 * ./speculative is loaded by bpfsim with CAP_BPF only at log level 2, and the log must equal
 * NAME.L2.log byte for byte, `from X to Y (speculative execution)` lines included. The golden
 * files are the real Linux 6.18 kernel's output; when this machine's kernel, capsh and Bun can
 * answer, the test asks the kernel again (in a child process without CAP_PERFMON/CAP_SYS_ADMIN).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleKernel } from '../../../src/isa/asm-kernel.js';
import { encode } from '../../../src/isa/codec.js';
import { EmulatedHost } from '../../../src/kernel/emulated-host.js';
import { BUN, bunWorks, kernelUnavailable } from '../../kernel/backend/env.js';
import { type CorpusLoadCase, loadCorpusCase } from '../corpus-load.js';

const REPO = resolve(import.meta.dirname, '../../..');
const DIR = resolve(import.meta.dirname, 'speculative');
const CAPS_NO_PERFMON = Array.from({ length: 41 }, (_, i) => i).filter((c) => c !== 21 && c !== 38);
const programs = readdirSync(DIR)
  .filter((f) => f.endsWith('.s'))
  .map((f) => f.replace(/\.s$/, ''))
  .sort();

/** The program as a corpus case: `map[fd:0]` loads get a hash map with 8-byte keys, 48-byte values. */
function caseOf(name: string): CorpusLoadCase {
  const src = readFileSync(join(DIR, `${name}.s`), 'utf8');
  const r = assembleKernel(src);
  if (!r.ok) throw new Error(`${name}.s: ${r.error}`);
  const maps = r.insns.flatMap((x, i) =>
    x.code === 0x18 && x.src === 1
      ? [
          {
            insn: i,
            fixup: 'map',
            map: { type: 'hash', key_size: 8, value_size: 48, max_entries: 1, flags: 0 },
          },
        ]
      : [],
  );
  return {
    insns_hex: Buffer.from(encode(r.insns)).toString('hex'),
    prog_type: /^; (\w+):/.exec(src)?.[1] ?? 'socket_filter',
    maps,
  };
}

function golden(name: string): string {
  return readFileSync(join(DIR, `${name}.L2.log`), 'utf8');
}

const capsh = spawnSync('capsh', ['--help']).status === 0;
const why =
  (await kernelUnavailable()) ??
  (!bunWorks ? 'bun unavailable' : !capsh ? 'capsh unavailable (Debian package libcap2-bin)' : undefined);

describe('speculative paths without CAP_PERFMON', () => {
  it('has the programs', () => {
    expect(programs.length).toBeGreaterThanOrEqual(6);
  });
  for (const name of programs) {
    it(`${name}: bpfsim prints the kernel's level-2 log`, () => {
      const host = EmulatedHost.create({ seed: 1 }, { uid: 0, caps: CAPS_NO_PERFMON });
      const r = loadCorpusCase(host, caseOf(name), 2);
      expect(r?.log).toBe(golden(name));
    });
  }
  it('explores speculative copies and ends them at barriers', () => {
    const spec = (n: string): number => golden(n).split('(speculative execution)').length - 1;
    // each decided branch pushes one speculative copy; the masked pointer arithmetic one more
    expect(spec('branch-fallthrough')).toBe(1);
    expect(spec('barrier-reached')).toBe(2);
    expect(spec('ptr-alu-masked')).toBe(1);
    const load = (n: string, caps?: number[]) =>
      loadCorpusCase(EmulatedHost.create({ seed: 1 }, caps ? { uid: 0, caps } : { uid: 0 }), caseOf(n), 2);
    // the bad read only on a speculative path: accepted; on a real path: rejected
    expect(load('branch-fallthrough', CAPS_NO_PERFMON)?.verdict).toBe('accept');
    expect(load('barrier-reached', CAPS_NO_PERFMON)?.verdict).toBe('accept');
    expect(load('nonspec-reject', CAPS_NO_PERFMON)).toMatchObject({ verdict: 'reject', errno: 'EACCES' });
    // a loop that exists only speculatively is still an infinite loop
    expect(load('spec-loop', CAPS_NO_PERFMON)).toMatchObject({ verdict: 'reject', errno: 'EINVAL' });
    // with CAP_PERFMON nothing is simulated
    for (const n of programs) expect(load(n)?.log).not.toContain('speculative execution');
    expect(load('spec-loop')?.verdict).toBe('accept');
  });
  it.skipIf(why !== undefined)(
    `the golden files are still what Linux prints without CAP_PERFMON${why ? ` (skipped: ${why})` : ''}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'bpfsim-spec-'));
      try {
        const cases = Object.fromEntries(programs.map((n) => [n, caseOf(n)]));
        const data = join(dir, 'cases.json');
        writeFileSync(data, JSON.stringify(cases));
        const script = join(dir, 'kernel.ts');
        writeFileSync(
          script,
          `import { readFileSync } from 'node:fs';
import { KernelHost } from ${JSON.stringify(resolve(REPO, 'src/kernel/backend/kernel-host.ts'))};
import { loadCorpusCase } from ${JSON.stringify(resolve(REPO, 'test/verifier/corpus-load.ts'))};
const cases = JSON.parse(readFileSync(${JSON.stringify(data)}, 'utf8'));
const host = await KernelHost.open();
const out = {};
for (const [n, c] of Object.entries(cases)) out[n] = loadCorpusCase(host, c, 2)?.log;
console.log(JSON.stringify(out));
`,
        );
        const r = spawnSync(
          'capsh',
          ['--drop=cap_sys_admin,cap_perfmon', '--', '-c', `"${BUN}" "${script}"`],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 24,
          },
        );
        expect(r.status, r.stderr).toBe(0);
        const logs = JSON.parse(r.stdout) as Record<string, string>;
        for (const n of programs) expect(logs[n], n).toBe(golden(n));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
