import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../../cli/run-cli.js';
import { applyDriftText, emulatorDrift, type FixtureDrift, kernelDrift } from './drift.js';
import { BUN, bunWorks, FIXTURES, fixtureMismatch, ROOT } from './env.js';

const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const noKernel = await fixtureMismatch();
const noBunKernel = noKernel ?? (bunWorks ? undefined : 'bun not available');
/** The documented memlock drift of hash-family maps (drift.ts), measured on this kernel. */
const drift = noKernel === undefined ? await kernelDrift() : undefined;

async function cli(...argv: string[]): Promise<CliRun> {
  return runCli(argv, ROOT);
}

function bunCli(...argv: string[]): { status: number; out: string; err: string } {
  const r = spawnSync(BUN, ['src/cli/main.ts', ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? 1, out: r.stdout, err: r.stderr };
}

const fx = (name: string): string => `test/fixtures/kernel-scenarios/${name}`;

/**
 * `NAME.out.jsonl` as recorded apart from the documented drift (drift.ts), as text: `bpfsim replay
 * --compare` compares exactly, so the tests give it the recording adjusted for the build it replays on.
 */
const expectedText = (name: string, d: FixtureDrift): string =>
  applyDriftText(
    `${name}.out.jsonl`,
    readFileSync(resolve(FIXTURES, `${name}.jsonl`), 'utf8'),
    readFileSync(resolve(FIXTURES, `${name}.out.jsonl`), 'utf8'),
    d,
  );

/** expectedText() written to a file for `--compare`. */
function expectedFile(name: string, d: FixtureDrift): string {
  const file = join(tmp, `${name}.${d.memlockDelta}.out.jsonl`);
  writeFileSync(file, expectedText(name, d));
  return file;
}

describe('bpfsim replay: arguments and errors', () => {
  it('has --help with an example', async () => {
    const r = await cli('replay', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain(
      'Examples:\n  bpfsim replay basic.jsonl --backend kernel --compare basic.out.jsonl',
    );
  });

  it('reports a missing file, a bad script line and a bad backend in one line with a non-zero exit', async () => {
    const missing = await cli('replay', 'no/such.jsonl');
    expect(missing).toMatchObject({
      status: 1,
      out: '',
      err: 'bpfsim: cannot read scenario no/such.jsonl: ENOENT\n',
    });
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(bad, '{"op":"comment"}\n{"op":"map_update","map":"h","key":"zz"}\n');
    const r = await cli('replay', bad, '--backend', 'kernel');
    expect(r.status).toBe(1);
    expect(r.err).toBe(
      `bpfsim: ${bad}: line 2: field 'key': expected lowercase hex bytes without 0x, got "zz"\n`,
    );
    expect(await cli('replay', bad, '--backend', 'qemu')).toMatchObject({
      status: 2,
      err: "bpfsim: option '--backend': 'qemu' is not emulator, kernel or both\n",
    });
    expect((await cli('replay')).err).toBe('bpfsim: missing scenario FILE (see bpfsim replay --help)\n');
  });

  it('runs the emulator backend by default', async () => {
    const d = emulatorDrift();
    const r = await cli('replay', fx('memlock.jsonl'), '--compare', expectedFile('memlock', d));
    expect(r).toMatchObject({ status: 0, out: '10 lines identical, 0 differ\n', err: '' });
    const u = await cli(
      'replay',
      fx('unpriv.jsonl'),
      '--uid',
      '65534',
      '--compare',
      expectedFile('unpriv', d),
    );
    expect(u).toMatchObject({ status: 0, out: '4 lines identical, 0 differ\n', err: '' });
    const m = await cli(
      'replay',
      fx('memcg.jsonl'),
      '--memcg-limit',
      '48M',
      '--compare',
      expectedFile('memcg', d),
    );
    expect(m).toMatchObject({ status: 0, out: '5 lines identical, 0 differ\n', err: '' });
  });
});

describe.skipIf(noKernel !== undefined)(
  `bpfsim replay --backend kernel${noKernel === undefined ? '' : ` (skipped: ${noKernel})`}`,
  () => {
    it('prints the oracle lines byte for byte (apart from duration) and compares with exit 0', async () => {
      const r = await cli('replay', fx('ctx.jsonl'), '--backend', 'kernel');
      expect(r.status).toBe(0);
      const strip = (t: string) => t.replace(/"duration": \d+/g, '"duration": _');
      expect(strip(r.out)).toBe(strip(expectedText('ctx', drift!)));
      const c = await cli(
        'replay',
        fx('basic.jsonl'),
        '--backend',
        'kernel',
        '--compare',
        expectedFile('basic', drift!),
      );
      expect(c).toMatchObject({ status: 0, out: '82 lines identical, 0 differ\n', err: '' });
    });

    it('compares exactly: replaying the unadjusted recording shows the build drift, if any', async () => {
      const c = await cli(
        'replay',
        fx('basic.jsonl'),
        '--backend',
        'kernel',
        '--compare',
        fx('basic.out.jsonl'),
      );
      if (drift!.memlockDelta === 0) {
        expect(c).toMatchObject({ status: 0, out: '82 lines identical, 0 differ\n' });
        return;
      }
      const got = (n: number) => n + drift!.memlockDelta;
      expect(c).toMatchObject({
        status: 1,
        out: [
          `seq 2 map_create: memlock: expected 1200, got ${got(1200)}`,
          `seq 21 map_create: memlock: expected 2320, got ${got(2320)}`,
          `seq 78 fdinfo: fdinfo.memlock: expected 1200, got ${got(1200)}`,
          '79 lines identical, 3 differ\n',
        ].join('\n'),
      });
    });

    it('exits 1 and lists the differences when the expected output differs', async () => {
      const expected = expectedText('extra', drift!).replace(
        '{"seq": 70, "op": "map_lookup", "ret": 0, "value": "01000000000000000200000000000000"}',
        '{"seq": 70, "op": "map_lookup", "ret": 0, "value": "01000000000000000300000000000000"}',
      );
      const file = join(tmp, 'extra.out.jsonl');
      writeFileSync(file, expected);
      const r = await cli('replay', fx('extra.jsonl'), '--backend', 'kernel', '--compare', file);
      expect(r).toMatchObject({
        status: 1,
        out: 'seq 70 map_lookup: value: expected "01000000000000000300000000000000", got "01000000000000000200000000000000"\n97 lines identical, 1 differ\n',
      });
      const j = await cli('-j', 'replay', fx('extra.jsonl'), '--backend', 'kernel', '--compare', file);
      expect(JSON.parse(j.out)).toMatchObject({
        identical: 97,
        differ: 1,
        diffs: [{ seq: 70, op: 'map_lookup' }],
      });
    });

    it('--backend both compares the emulator with the kernel, on the selected operations', async () => {
      const ops =
        'map_create,map_update,map_lookup,map_delete,map_get_next_key,map_iterate,map_freeze,sysctl';
      const r = await cli('replay', fx('basic.jsonl'), '--backend', 'both', '--ops', ops);
      expect(r).toMatchObject({ status: 0, out: '44 lines identical, 0 differ, 38 skipped\n', err: '' });
      expect((await cli('replay', fx('basic.jsonl'), '--backend', 'both', '--ops', 'map_creat')).err).toMatch(
        /^bpfsim: option '--ops': 'map_creat' is not an operation \(map_create, /,
      );
      expect((await cli('replay', fx('basic.jsonl'), '--backend', 'both', '--compare', 'x')).status).toBe(2);
    });

    it('runs a script that sets rlimits in a child process, leaving this process its limits', async () => {
      const r = await cli('replay', fx('memlock.jsonl'), '--backend', 'kernel');
      expect(r).toMatchObject({
        status: 1,
        err: 'bpfsim: --uid/--memcg-limit/setrlimit on the kernel backend need the bpfsim command itself (cli/main.js)\n',
      });
    });
  },
);

describe.skipIf(noBunKernel !== undefined)(
  `bpfsim replay under Bun (bun:ffi)${noBunKernel === undefined ? '' : ` (skipped: ${noBunKernel})`}`,
  () => {
    it('replays on the real kernel through bun:ffi', () => {
      const r = bunCli(
        'replay',
        fx('extra.jsonl'),
        '--backend',
        'kernel',
        '--compare',
        expectedFile('extra', drift!),
      );
      expect(r).toMatchObject({ status: 0, out: '98 lines identical, 0 differ\n', err: '' });
    });

    it('replays unpriv.jsonl as uid 65534 without capabilities in a child process', () => {
      const r = bunCli(
        'replay',
        fx('unpriv.jsonl'),
        '--backend',
        'kernel',
        '--uid',
        '65534',
        '--compare',
        expectedFile('unpriv', drift!),
      );
      expect(r).toMatchObject({ status: 0, out: '4 lines identical, 0 differ\n', err: '' });
      expect(process.getuid?.()).toBe(0);
    });

    it('replays memlock.jsonl (which lowers RLIMIT_MEMLOCK) in a child process', () => {
      const r = bunCli(
        'replay',
        fx('memlock.jsonl'),
        '--backend',
        'kernel',
        '--compare',
        expectedFile('memlock', drift!),
      );
      expect(r).toMatchObject({ status: 0, out: '10 lines identical, 0 differ\n', err: '' });
    });

    it('replays memcg.jsonl inside a 48 MiB memory cgroup and removes the cgroup', () => {
      const r = bunCli(
        'replay',
        fx('memcg.jsonl'),
        '--backend',
        'kernel',
        '--memcg-limit',
        '48M',
        '--compare',
        expectedFile('memcg', drift!),
      );
      expect(r).toMatchObject({ status: 0, out: '5 lines identical, 0 differ\n', err: '' });
      const cg = readFileSync('/proc/self/cgroup', 'utf8');
      expect(cg).not.toContain('bpfsim-replay-');
    });
  },
);
