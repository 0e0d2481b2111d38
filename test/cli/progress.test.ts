import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { progress } from '../../src/cli/progress.js';

const root = resolve(import.meta.dirname, '../..');

function io(tty: boolean) {
  const o = { out: '', err: '' };
  const cli: CliIo = {
    out: (t) => {
      o.out += t;
    },
    err: (t) => {
      o.err += t;
    },
    errIsTty: tty,
    cwd: root,
    env: {},
  };
  return { o, cli };
}

describe('progress bars', () => {
  it('are drawn on stderr only when it is a terminal, and erased at the end', () => {
    const tty = io(true);
    const p = progress(tty.cli, 'work', 3);
    p.tick('a');
    p.tick('b');
    p.tick('c');
    p.done();
    expect(tty.o.err).toContain('work [##########');
    expect(tty.o.err).toContain('3/3 c');
    expect(tty.o.err.endsWith('\r\x1b[K')).toBe(true);
    const pipe = io(false);
    const q = progress(pipe.cli, 'work', 3);
    q.tick();
    q.done();
    expect(pipe.o.err).toBe('');
  });
  it('leave the output of a long command unchanged', async () => {
    const tty = io(true);
    const pipe = io(false);
    const args = ['conformance', '--engine', 'interp', 'test/fixtures/bpf-conformance/tests'];
    expect(await main(args, tty.cli)).toBe(0);
    expect(await main(args, pipe.cli)).toBe(0);
    expect(tty.o.out).toBe(pipe.o.out);
    expect(tty.o.err).toMatch(/conformance \[#+/);
    expect(pipe.o.err).toBe('');
  });
  it('are drawn by a benchmark run on a terminal (bench maps), and not in a pipe', async () => {
    const tty = io(true);
    const pipe = io(false);
    const args = ['bench', 'maps', '--types', 'array', '--entries', '2000', '--runs', '2', '--json'];
    expect(await main(args, tty.cli)).toBe(0);
    expect(await main(args, pipe.cli)).toBe(0);
    // 2 runs of each of 3 paths (js Map, syscall, helper)
    expect(tty.o.err).toMatch(/bench maps \[#+\.*\] \d\/6 /);
    expect(pipe.o.err).toBe('');
    expect(Object.keys(JSON.parse(tty.o.out))).toEqual(Object.keys(JSON.parse(pipe.o.out)));
    // the reported figure is the median run's; every run's figure is listed
    const out = JSON.parse(pipe.o.out);
    expect(out.runs).toBe(2);
    for (const path of [out.array.syscall, out.array.helper, out.js_map]) {
      expect(path.runs_ops_per_sec).toHaveLength(2);
      expect(path.runs_ops_per_sec).toContain(path.ops_per_sec);
    }
  });
});
