/**
 * `bpfsim seccomp compile|eval|sweep` and `bpfsim bench seccomp` through main() with string I/O:
 * outputs users read, files they write, one-line errors with non-zero exits.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.js';
import { main } from '../../../src/cli/main.js';
import { decodeFilter } from '../../../src/seccomp/cbpf/codec.js';
import { runFilter } from '../../../src/seccomp/cbpf/interp.js';

const ROOT = join(import.meta.dirname, '../../..');
const DOCKER = 'data/seccomp/moby-default.json';
const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-seccomp-cli-'));

async function run(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    errIsTty: false,
    cwd: ROOT,
    env: {},
  };
  const status = await main(argv, io);
  return { status, out, err };
}

describe('bpfsim seccomp compile', () => {
  it('prints a disassembly by default and writes raw sock_filter bytes with -o', async () => {
    const d = await run('seccomp', 'compile', DOCKER);
    expect(d.status).toBe(0);
    expect(d.out.split('\n')[2]).toBe(' 0000: 0x20 0x00 0x00 0x00000004  A = arch');
    expect(d.out).toMatch(/if \(A == ARCH_X86_64\) goto/);
    expect(d.out).toMatch(/return ERRNO\(38\)/);
    const file = join(tmp, 'docker.bpf');
    const w = await run('seccomp', 'compile', DOCKER, '-o', file);
    expect(w.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(file));
    const dec = decodeFilter(bytes);
    expect(dec.ok).toBe(true);
    if (!dec.ok) return;
    expect(bytes.length).toBe(8 * dec.filter.length);
    expect(d.out.trim().split('\n').length).toBe(dec.filter.length + 2);
    // reboot is not in Docker's allow list: ERRNO(EPERM).
    expect(runFilter(dec.filter, { nr: 169, arch: 0xc000003e, instructionPointer: 0n, args: [] }).ret).toBe(
      0x00050001,
    );
  });

  it('emits C and JSON', async () => {
    const c = await run('seccomp', 'compile', DOCKER, '--format', 'c');
    expect(c.out).toMatch(/^struct sock_filter filter\[\] = \{\n\t\{ 0x20, 0, 0, 0x00000004 \},/);
    const j = await run('seccomp', 'compile', DOCKER, '--format', 'json');
    const arr = JSON.parse(j.out) as Array<{ code: number; k: number }>;
    expect(arr[0]).toEqual({ code: 0x20, jt: 0, jf: 0, k: 4 });
  });

  it('warns about unknown names on stderr and fails with --strict', async () => {
    const p = join(tmp, 'unk.json');
    writeFileSync(
      p,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['bogus'], action: 'SCMP_ACT_ERRNO' }],
      }),
    );
    const a = await run('seccomp', 'compile', p);
    expect(a.status).toBe(0);
    expect(a.err).toBe(`warning: ${p}: syscalls[0].names: unknown syscall "bogus" ignored\n`);
    const b = await run('seccomp', 'compile', p, '--strict');
    expect(b.status).toBe(1);
    expect(b.err).toBe(`bpfsim: ${p}: syscalls[0].names: unknown syscall "bogus"\n`);
  });

  it('reports bad input in one line', async () => {
    const p = join(tmp, 'bad.json');
    writeFileSync(
      p,
      '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}',
    );
    const r = await run('seccomp', 'compile', p);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(
      /^bpfsim: .*bad\.json: syscalls\[0\]\.args\[0\]\.op: unknown operator "SCMP_CMP_FOO" .*\n$/,
    );
    expect((await run('seccomp', 'compile', 'missing.json')).err).toBe(
      'bpfsim: missing.json: cannot read (ENOENT)\n',
    );
    expect((await run('seccomp', 'compile', DOCKER, '--compat', 'docker')).err).toMatch(
      /unknown runtime 'docker'/,
    );
    expect((await run('seccomp', 'compile', DOCKER, '--format', 'raw')).status).toBe(2);
  });
});

describe('bpfsim seccomp eval', () => {
  it("decides Docker's rules: personality arguments, clone3, ABIs", async () => {
    const e = async (...a: string[]) => (await run('seccomp', 'eval', DOCKER, ...a)).out.trim();
    expect(await e('--arch', 'x86_64', '--syscall', 'personality', '--args', '0xffffffff')).toBe('ALLOW');
    expect(await e('--arch', 'x86_64', '--syscall', 'personality', '--args', '1')).toBe('ERRNO(1)');
    expect(await e('--arch', 'x86', '--syscall', 'clone3')).toBe('ERRNO(38)');
    expect(await e('--arch', 'x32', '--syscall', 'getpid')).toBe('ALLOW');
    expect(await e('--arch', 'aarch64', '--syscall', 'getpid')).toBe('ALLOW');
    expect(await e('--arch', 'x86_64', '--nr', '1000')).toBe('ERRNO(38)');
    const j = JSON.parse(
      (await run('seccomp', 'eval', DOCKER, '--arch', 'x86_64', '--syscall', 'reboot', '--json')).out,
    );
    expect(j).toMatchObject({
      action: 'ERRNO(1)',
      ret: '0x00050001',
      arch: 'x86_64',
      nr: 169,
      syscall: 'reboot',
    });
    expect(j.executed).toBeGreaterThan(3);
  });

  it('evaluates raw filter files', async () => {
    const file = join(tmp, 'f.bpf');
    await run('seccomp', 'compile', DOCKER, '-o', file);
    expect((await run('seccomp', 'eval', file, '--arch', 'x86_64', '--syscall', 'read')).out).toBe('ALLOW\n');
    writeFileSync(join(tmp, 'odd.bpf'), new Uint8Array(12));
    const bad = await run('seccomp', 'eval', join(tmp, 'odd.bpf'), '--arch', 'x86_64', '--nr', '0');
    expect(bad.status).toBe(1);
    expect(bad.err.split('\n').length).toBe(2);
  });

  it('rejects bad options', async () => {
    expect((await run('seccomp', 'eval', DOCKER, '--syscall', 'read')).err).toMatch(/--arch is required/);
    expect((await run('seccomp', 'eval', DOCKER, '--arch', 'x86_64')).err).toMatch(
      /exactly one of --syscall and --nr/,
    );
    expect((await run('seccomp', 'eval', DOCKER, '--arch', 'vax', '--nr', '1')).err).toMatch(
      /unknown architecture 'vax'/,
    );
    expect((await run('seccomp', 'eval', DOCKER, '--arch', 'x86_64', '--syscall', 'nope')).err).toMatch(
      /no syscall 'nope' on x86_64/,
    );
    expect(
      (await run('seccomp', 'eval', DOCKER, '--arch', 'x86_64', '--nr', '1', '--args', '1,x')).err,
    ).toMatch(/argument 1 'x' is not an integer/);
  });
});

describe('bpfsim seccomp sweep', () => {
  it('prints one JSON line per syscall and a summary', async () => {
    const r = await run('seccomp', 'sweep', DOCKER, '--arch', 'x86_64', '--json');
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const first = lines[0];
    expect(first).toMatchObject({ nr: 0, name: 'read', action: 'ALLOW' });
    const summary = lines[lines.length - 1].summary;
    expect(summary.syscalls).toBe(lines.length - 1);
    expect(summary.median).toBeLessThanOrEqual(10);
    expect(summary.instructions).toBeLessThanOrEqual(600);
    expect(lines.find((l) => l.name === 'clone3')?.action).toBe('ERRNO(38)');
    const text = await run('seccomp', 'sweep', DOCKER, '--arch', 'x86');
    expect(text.out).toMatch(
      /\nsummary: \d+ x86 syscalls, executed min \d+ \/ median [\d.]+ \/ max \d+, \d+ instructions; ALLOW \d+/,
    );
  });
});

describe('bpfsim bench seccomp', () => {
  it('reports decision rates of both engines and the static figures', async () => {
    const r = await run('bench', 'seccomp', '--decisions', '20000', '--json');
    expect(r.status).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.instructions).toBeLessThanOrEqual(600);
    expect(o.median_executed).toBeLessThanOrEqual(10);
    expect(o.interp_decisions_per_s).toBeGreaterThan(0);
    expect(o.jit_decisions_per_s).toBeGreaterThan(0);
  });
});
