import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ipv4Checksum } from '../../src/cli/demo/ebpf.js';
import { type CliRun, runCli } from './run-cli.js';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'bpfsim-demo-'));
const state = join(scratch, 'state');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(argv: string[]): Promise<CliRun> {
  return runCli(argv, root, { BPFSIM_STATE: state });
}

/** Splits a shell-like command line (single quotes only, as the demo prints them). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string);
}

/** Runs `bpfsim A | bpfsim B -` by writing A's output to a file B reads. */
async function runPipeline(command: string): Promise<{ status: number; out: string; err: string }> {
  let input: string | undefined;
  let last = { status: 0, out: '', err: '' };
  for (const part of command.split(' | ')) {
    const argv = words(part);
    expect(argv[0]).toBe('bpfsim');
    const args = argv.slice(1);
    if (input !== undefined) {
      const f = join(scratch, `in-${Math.random().toString(36).slice(2)}`);
      writeFileSync(f, input);
      const i = args.indexOf('-');
      if (i >= 0) args[i] = f;
    }
    last = await run(args);
    if (last.status !== 0) return last;
    input = last.out;
  }
  return last;
}

describe('bpfsim demo', () => {
  it('runs, computes the RFC 791 checksum on both engines, and every printed command works and agrees', async () => {
    const r = await run(['demo']);
    expect(r.status).toBe(0);
    expect(r.err).toBe('');
    const header = [0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7];
    const sum = ipv4Checksum(new Uint8Array(header));
    expect(sum).toBe(0xb861); // RFC 1071/791 worked example, independent of the program
    expect(r.out).toContain(`interp  r0 = 0x${sum.toString(16)}`);
    expect(r.out).toContain(`jit     r0 = 0x${sum.toString(16)}`);

    // Each step: "N. title", "   $ bpfsim ...", then its output lines.
    const steps = r.out.split(/\n(?=\d+\. )/).slice(1);
    expect(steps.length).toBeGreaterThanOrEqual(15);
    let checked = 0;
    for (const step of steps) {
      const lines = step.split('\n');
      const cmd = (lines[1] ?? '').replace(/^\s*\$ /, '');
      const res = await runPipeline(cmd);
      // `seccomp check` exits 1 when the traced program would fail, as the demo says it would.
      const fails =
        (/^bpfsim seccomp check /.test(cmd) && step.includes('verdict: the program would FAIL')) ||
        (/^bpfsim run /.test(cmd) && step.includes('verdict: the workload FAILED'));
      expect(res.status, cmd).toBe(fails ? 1 : 0);
      // a verifier log (prog load ... log_level N) goes to stderr, as bpftool -d prints it
      const got = (res.out + res.err).split('\n').map((l) => l.trim());
      // Summary lines the demo shows for seccomp are the command's own.
      for (const l of lines.slice(2)) {
        const t = l.trim();
        if (
          /^(summary|first kill|key|Return value): /.test(t) ||
          (/^bpfsim run /.test(cmd) && /^(killed|verdict): /.test(t)) ||
          /^ ?\d{4}: 0x/.test(t) ||
          /^\d+: xdp /.test(t)
        ) {
          checked++;
          expect(got, `${cmd}: ${t}`).toContain(t);
        }
      }
      // Instruction lines the demo shows (disassembly, trace) are lines the command prints.
      for (const l of lines.slice(2)) {
        const m = /^\s*(\d+: \(.*?)(?: {3,}\S.*)?$/.exec(l);
        if (m === null) continue;
        checked++;
        const text = (m[1] as string).trim();
        expect(
          got.some((g) => g.startsWith(text)),
          `${cmd}: ${text}`,
        ).toBe(true);
      }
      // The assembled bytes the demo shows are what `bpfsim asm` prints.
      if (/^bpfsim asm \S+$/.test(cmd)) {
        const shown = lines.filter((l) => /^\s+([0-9a-f]{16} ?)+$/.test(l)).join(' ');
        expect(shown.trim().split(/\s+/)).toEqual(got.filter((g) => g !== ''));
      }
    }
    expect(checked).toBeGreaterThan(60); // 19 disassembled, the shown trace, 10 filter lines, summaries
  });
});
