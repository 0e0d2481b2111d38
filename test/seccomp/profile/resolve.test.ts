/**
 * moby resolution (archMap, includes/excludes by caps, arches, minKernel) and runc's one rule per
 * name: the same rule list as /work/shared/tools/seccomp-oracle/profile2lines.py (a reproduction of
 * moby seccomp_linux.go setupSeccomp) for Docker's default profile and moby's fixtures, under
 * several capability sets, kernels and architectures. Skips the comparison without ../shared or
 * python3; the hand-checked cases below always run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../../src/seccomp/profile/parse.js';
import {
  DOCKER_DEFAULT_CAPS,
  parseCaps,
  parseKernelVersion,
  type ResolvedProfile,
  resolveProfile,
} from '../../../src/seccomp/profile/resolve.js';
import { findArch, type SeccompArch } from '../../../src/seccomp/syscalls/arches.js';

const DATA = join(import.meta.dirname, '../../../data/seccomp');
const SCRIPT = join(import.meta.dirname, '../../../../shared/tools/seccomp-oracle/profile2lines.py');
const hasPython = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const canCompare = existsSync(SCRIPT) && hasPython;
const why = existsSync(SCRIPT) ? 'needs python3' : 'needs ../shared/tools/seccomp-oracle';

/** Our resolution in profile2lines' line format. */
function toLines(r: ResolvedProfile, profileText: string): string[] {
  const raw = JSON.parse(profileText) as { defaultErrnoRet?: number; flags?: string[] | null };
  const out = [
    raw.defaultErrnoRet !== undefined
      ? `default ${r.defaultAction} ${raw.defaultErrnoRet}`
      : `default ${r.defaultAction}`,
  ];
  // profile2lines lists the listed arches (not the implicit native one).
  for (const a of r.arches.slice(1)) out.push(`arch ${a.scmp}`);
  return out.concat(
    r.rules.map((rule) => {
      let line = `rule ${rule.name} ${rule.action} ${rule.errnoRet ?? '-'}`;
      const args = rule.args.map((a) => `${a.index} ${a.op} ${a.value} ${a.valueTwo}`).join(' ');
      if (args !== '') line += ` ${args}`;
      return line;
    }),
  );
}

const GO_ARCH: Record<string, string> = {
  x86_64: 'amd64',
  aarch64: 'arm64',
  s390x: 's390x',
  x86: 'x86',
  riscv64: 'riscv64',
};

describe.skipIf(!canCompare)(
  `same rules as profile2lines.py${canCompare ? '' : ` (skipped: ${why})`}`,
  () => {
    const files = [
      'moby-default.json',
      'moby-fixture-conditional_include.json',
      'moby-fixture-example.json',
      'moby-fixture-default-old-format.json',
    ];
    const hosts: Array<[string, string, string]> = [
      ['x86_64', 'docker-default', '6.18'],
      ['x86_64', 'all', '6.18'],
      ['x86_64', 'none', '4.4'],
      ['x86_64', 'CAP_SYS_ADMIN,CAP_SYS_PTRACE', '5.7'],
      ['aarch64', 'docker-default', '6.18'],
      ['s390x', 'docker-default', '6.18'],
      ['riscv64', 'all', '3.10'],
    ];
    for (const file of files)
      for (const [arch, caps, kernel] of hosts) {
        it(`${file} on ${arch}, caps ${caps}, kernel ${kernel}`, () => {
          const path = join(DATA, file);
          const text = readFileSync(path, 'utf8');
          const expected = execFileSync(
            'python3',
            [SCRIPT, path, '--arch', GO_ARCH[arch] as string, '--caps', caps, '--kernel', kernel],
            { encoding: 'utf8' },
          )
            .split('\n')
            .filter((l) => l !== '' && !l.startsWith('flag') && l !== 'noflags');
          const r = resolveProfile(parseProfile(text, file), {
            arch: findArch(arch) as SeccompArch,
            caps: parseCaps(caps),
            kernel: parseKernelVersion(kernel),
          });
          // The native arch comes first in ours; profile2lines prints archMap's entry (native first) too.
          const ours = toLines(r, text);
          const theirArches = expected.filter((l) => l.startsWith('arch '));
          const native = findArch(arch) as SeccompArch;
          const expectedArches = theirArches.filter((l) => l !== `arch ${native.scmp}`);
          expect(ours.filter((l) => l.startsWith('arch '))).toEqual(expectedArches);
          expect(ours.filter((l) => !l.startsWith('arch '))).toEqual(
            expected.filter((l) => !l.startsWith('arch ')),
          );
        });
      }
  },
);

describe('moby resolution, hand-checked', () => {
  const text = readFileSync(join(DATA, 'moby-default.json'), 'utf8');
  const profile = parseProfile(text, 'moby-default.json');
  const x86_64 = findArch('x86_64') as SeccompArch;
  const names = (r: ResolvedProfile) => new Set(r.rules.map((x) => `${x.name}:${x.action}`));

  it("Docker's default caps: clone3 gets ERRNO(38), mount is not allowed, archMap adds x86 and x32", () => {
    const r = resolveProfile(profile, { arch: x86_64, caps: parseCaps('docker-default'), kernel: [6, 18] });
    expect(r.arches.map((a) => a.id)).toEqual(['x86_64', 'x86', 'x32']);
    const rule = r.rules.find((x) => x.name === 'clone3');
    expect(rule).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(names(r).has('mount:SCMP_ACT_ALLOW')).toBe(false);
    expect(r.skipped.length).toBeGreaterThan(0);
  });

  it('CAP_SYS_ADMIN allows mount and drops the clone restrictions', () => {
    const r = resolveProfile(profile, {
      arch: x86_64,
      caps: new Set([...DOCKER_DEFAULT_CAPS, 'CAP_SYS_ADMIN']),
      kernel: [6, 18],
    });
    expect(names(r).has('mount:SCMP_ACT_ALLOW')).toBe(true);
    expect(r.rules.some((x) => x.name === 'clone3' && x.action === 'SCMP_ACT_ERRNO')).toBe(false);
  });

  it('parses --caps and --kernel', () => {
    expect(parseCaps('all')).toBe('all');
    expect(parseCaps('sys_admin,CAP_NET_ADMIN')).toEqual(new Set(['CAP_SYS_ADMIN', 'CAP_NET_ADMIN']));
    expect(() => parseCaps('CAP_X,,1')).toThrow(/bad capability name/);
    expect(parseKernelVersion('6.18.44-amd64')).toEqual([6, 18]);
    expect(() => parseKernelVersion('six')).toThrow(/bad kernel version/);
  });
});
