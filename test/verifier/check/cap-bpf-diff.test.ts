/**
 * The verifier corpus loaded with CAP_BPF but without CAP_PERFMON and CAP_SYS_ADMIN: the kernel
 * then applies its restricted rules (no pointer leaks, no uninitialized stack reads, Spectre v1
 * sanitation of pointer arithmetic). The real kernel answers from a child process whose capability
 * set `capsh` reduced (run by Bun, which imports the TypeScript sources directly); bpfsim answers
 * with a task holding the same capabilities, both at log level 1. Measured 2026-12-03 with the
 * speculative-path simulation (Spectre v1, `sanitize_speculative_path`): verdict and errno agree on
 * 474/474 cases and the level-1 logs are identical on 474/474.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatedHost } from '../../../src/kernel/emulated-host.js';
import { BUN, bunWorks, kernelUnavailable } from '../../kernel/backend/env.js';
import { type CorpusLoadCase, loadCorpusCase } from '../corpus-load.js';

const REPO = resolve(import.meta.dirname, '../../..');
const CORPUS = resolve(REPO, '../shared/data/verifier-corpus/linux-6.12-selftests-on-6.18.jsonl');
const capsh = spawnSync('capsh', ['--help']).status === 0;
const why = !existsSync(CORPUS)
  ? '../shared/data/verifier-corpus absent'
  : ((await kernelUnavailable()) ??
    (!bunWorks ? 'bun unavailable' : !capsh ? 'capsh unavailable (Debian package libcap2-bin)' : undefined));

interface Case extends CorpusLoadCase {
  name: string;
  kernel_6_18: { verdict: string };
}
interface Answer {
  name: string;
  verdict: string;
  errno: string | null;
  log: string;
}

const CAPS_NO_PERFMON = Array.from({ length: 41 }, (_, i) => i).filter((c) => c !== 21 && c !== 38);

describe.skipIf(why !== undefined)(
  `verifier with CAP_BPF only vs the real kernel${why ? ` (skipped: ${why})` : ''}`,
  () => {
    it('agrees on verdict, errno and level-1 log on all 474 runnable corpus cases', () => {
      const dir = mkdtempSync(join(tmpdir(), 'bpfsim-capbpf-'));
      try {
        const script = join(dir, 'kernel.ts');
        writeFileSync(
          script,
          `import { readFileSync } from 'node:fs';
import { KernelHost } from ${JSON.stringify(resolve(REPO, 'src/kernel/backend/kernel-host.ts'))};
import { loadCorpusCase } from ${JSON.stringify(resolve(REPO, 'test/verifier/corpus-load.ts'))};
const cases = readFileSync(${JSON.stringify(CORPUS)}, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l));
const host = await KernelHost.open();
const out = [];
for (const c of cases) {
  if (c.kernel_6_18.verdict === 'skipped') continue;
  const r = loadCorpusCase(host, c, 1);
  out.push(r ? { name: c.name, verdict: r.verdict, errno: r.errno, log: r.log } : null);
}
console.log(JSON.stringify(out));
`,
        );
        const r = spawnSync(
          'capsh',
          ['--drop=cap_sys_admin,cap_perfmon', '--', '-c', `"${BUN}" "${script}"`],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 26,
          },
        );
        expect(r.status, r.stderr).toBe(0);
        // one answer per runnable case, in corpus order (some names occur twice)
        const kernel = JSON.parse(r.stdout) as (Answer | null)[];
        const cases = readFileSync(CORPUS, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Case)
          .filter((c) => c.kernel_6_18.verdict !== 'skipped');
        let n = 0;
        let agree = 0;
        let sameLog = 0;
        const differ: string[] = [];
        const logDiffer: string[] = [];
        for (const [i, c] of cases.entries()) {
          const k = kernel[i];
          const e = loadCorpusCase(EmulatedHost.create({ seed: 1 }, { uid: 0, caps: CAPS_NO_PERFMON }), c);
          if (!k || !e) continue;
          n++;
          if (k.log === e.log) sameLog++;
          else logDiffer.push(c.name);
          if (k.verdict === e.verdict && (k.verdict === 'accept' || k.errno === e.errno)) agree++;
          else
            differ.push(
              `${c.name}: kernel ${k.verdict} ${k.errno ?? ''}, bpfsim ${e.verdict} ${e.errno ?? ''}`,
            );
        }
        console.log(
          `CAP_BPF only: ${agree}/${n} agree, ${sameLog}/${n} identical level-1 logs\n${differ.join('\n')}\nlogs differ: ${logDiffer.join(', ')}`,
        );
        expect(n).toBe(474);
        expect(agree).toBeGreaterThanOrEqual(474);
        expect(sameLog).toBeGreaterThanOrEqual(474);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 300_000);
  },
);
