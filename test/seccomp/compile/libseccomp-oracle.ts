/**
 * Test helper: the libseccomp reference compiler of /work/shared/tools/seccomp-oracle
 * (lsc-compile.c built with `cc ... -lseccomp`, profile2lines.py run with python3), or the reason
 * it is unavailable (no ../shared, cc, python3 or libseccomp-dev) so tests can skip visibly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeFilter } from '../../../src/seccomp/cbpf/codec.js';
import type { SockFilter } from '../../../src/seccomp/cbpf/filter.js';

/** `../shared` beside the repository root, when present. */
export const SHARED: string | undefined = (() => {
  const dir = resolve(import.meta.dirname, '../../../../shared');
  return existsSync(join(dir, 'README.md')) ? dir : undefined;
})();

/** What lsc-compile produced for one profile. */
export interface LscResult {
  filter: SockFilter[];
  /** Names libseccomp could not resolve (ignored, as runc does). */
  unknown: string[];
  stats: string;
}

/** The built oracle or the reason it cannot run. */
export type LscOracle =
  | {
      available: true;
      /** profile2lines.py PROFILE [args] → the flat line format. */
      lines(profile: string, args?: readonly string[]): string;
      /** lsc-compile on line text with `-m mode -O opt`. */
      compile(lines: string, mode: 'runc' | 'crun', opt?: string): LscResult;
      /**
       * libseccomp's own number of each name on `arch` (x86_64, x86, x32): negative for its pseudo
       * numbers (multiplexed socket/ipc calls, names the arch lacks), absent for unknown names.
       */
      resolve(names: readonly string[], arch: 'x86_64' | 'x86' | 'x32'): Map<string, number>;
    }
  | { available: false; reason: string };

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let cached: LscOracle | undefined;

/** Builds lsc-compile once per process. */
export function lscOracle(): LscOracle {
  cached ??= build();
  return cached;
}

function build(): LscOracle {
  if (SHARED === undefined) return { available: false, reason: 'needs ../shared (seccomp-oracle sources)' };
  if (!has('cc')) return { available: false, reason: 'needs cc' };
  if (!has('python3')) return { available: false, reason: 'needs python3' };
  if (!existsSync('/usr/include/seccomp.h')) return { available: false, reason: 'needs libseccomp-dev' };
  const tools = join(SHARED, 'tools/seccomp-oracle');
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-lsc-'));
  const exe = join(dir, 'lsc-compile');
  try {
    execFileSync('cc', ['-O2', '-o', exe, join(tools, 'lsc-compile.c'), '-lseccomp'], { stdio: 'pipe' });
  } catch (e) {
    return {
      available: false,
      reason: `cc failed to build lsc-compile: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  const resolver = join(dir, 'lsc-resolve');
  writeFileSync(
    `${resolver}.c`,
    `#include <seccomp.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  uint32_t a = !strcmp(argv[1], "x86") ? SCMP_ARCH_X86 : !strcmp(argv[1], "x32") ? SCMP_ARCH_X32 : SCMP_ARCH_X86_64;
  char name[128];
  while (scanf("%127s", name) == 1) {
    int nr = seccomp_syscall_resolve_name_arch(a, name);
    if (nr != __NR_SCMP_ERROR) printf("%s %d\\n", name, nr);
  }
  return 0;
}
`,
  );
  try {
    execFileSync('cc', ['-O2', '-o', resolver, `${resolver}.c`, '-lseccomp'], { stdio: 'pipe' });
  } catch (e) {
    return {
      available: false,
      reason: `cc failed to build lsc-resolve: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  let n = 0;
  return {
    resolve: (names, arch) => {
      const out = execFileSync(resolver, [arch], { input: names.join('\n'), encoding: 'utf8' });
      const m = new Map<string, number>();
      for (const line of out.split('\n')) {
        const [name, nr] = line.split(' ');
        if (name && nr) m.set(name, Number(nr) < 0 ? Number(nr) : Number(nr) >>> 0);
      }
      return m;
    },
    available: true,
    lines: (profile, args = []) =>
      execFileSync('python3', [join(tools, 'profile2lines.py'), profile, ...args], { encoding: 'utf8' }),
    compile: (lines, mode, opt = 'auto') => {
      const inp = join(dir, `in${n}.lines`);
      const out = join(dir, `out${n++}.bpf`);
      writeFileSync(inp, lines);
      const r = spawnSync(exe, ['-v', '-m', mode, '-O', opt, inp, out], { encoding: 'utf8' });
      const stderr = r.stderr ?? '';
      if (r.status !== 0) throw new Error(`lsc-compile failed: ${stderr.trim()}`);
      const decoded = decodeFilter(new Uint8Array(readFileSync(out)));
      if (!decoded.ok) throw new Error(`lsc-compile output: ${decoded.error}`);
      const unknown = [...stderr.matchAll(/unknown syscall (\S+) ignored/g)].map((m) => m[1] as string);
      return { filter: decoded.filter, unknown, stats: stderr.trim().split('\n').pop() ?? '' };
    },
  };
}
