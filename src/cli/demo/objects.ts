/**
 * @fileoverview The demo's maps-and-programs part: bpftool-style commands on the persistent kernel
 * (run here on a scratch state directory): an array map, an XDP program counting packets per IP
 * protocol, test runs on a UDP and a TCP frame, and the map's contents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo, Command, GlobalOptions } from '../command.js';
import { mapCommand } from '../commands/map.js';
import { progCommand } from '../commands/prog.js';
import { examplesDir, shownPath } from './ebpf.js';
import type { DemoOut } from './out.js';

/** Runs the maps-and-programs part of the demo; returns false if a command failed. */
export async function objectsDemo(out: DemoOut, io: CliIo): Promise<boolean> {
  const state = mkdtempSync(join(tmpdir(), 'bpfsim-demo-'));
  const ex = (f: string) => shownPath(join(examplesDir(), f), io);
  const commands: Record<string, Command> = { map: mapCommand, prog: progCommand };
  const global: GlobalOptions = { json: false, pretty: false };
  let ok = true;
  const run = async (
    title: string,
    argv: string[],
    show: (text: string) => string[] = (t) => t.trimEnd().split('\n'),
  ) => {
    out.step(title, `bpfsim ${argv.join(' ')}`);
    let text = '';
    const sub: CliIo = {
      out: (t) => {
        text += t;
      },
      err: (t) => {
        text += t;
      },
      errIsTty: false,
      cwd: io.cwd,
      env: { ...io.env, BPFSIM_STATE: state },
    };
    const [group, ...rest] = argv;
    const status = await (commands[group as string] as Command).run(rest, sub, global);
    if (status !== 0) ok = false;
    for (const l of show(text)) if (l !== '') out.text(l);
    return text;
  };
  try {
    out.note('');
    out.note('(the demo runs the next commands on a scratch state directory; in a shell they use ./.bpfsim)');
    await run('Create an array map, pinned in bpffs: the kernel state persists between commands', [
      'map',
      'create',
      '/sys/fs/bpf/counts',
      'type',
      'array',
      'key',
      '4',
      'value',
      '8',
      'entries',
      '256',
      'name',
      'counts',
    ]);
    await run(
      "Load an XDP program that counts packets per IP protocol into that map; the verifier's log (level 2, as Linux prints it) shows each path it proved safe",
      [
        'prog',
        'load',
        ex('count-protocols.s'),
        '/sys/fs/bpf/count',
        'type',
        'xdp',
        'name',
        'proto_count',
        'map',
        'idx',
        '0',
        'pinned',
        '/sys/fs/bpf/counts',
        'log_level',
        '2',
      ],
      // the per-instruction states, without the liveness table that precedes them
      (t) => {
        const lines = t.trimEnd().split('\n');
        const first = lines.findIndex((l) => l.startsWith('0: R1=ctx()'));
        return first < 0 ? lines : lines.slice(first);
      },
    );
    await run('Show it as bpftool does', ['prog', 'show', 'pinned', '/sys/fs/bpf/count']);
    await run('Run it (BPF_PROG_TEST_RUN) on a UDP frame, 3 times', [
      'prog',
      'run',
      'pinned',
      '/sys/fs/bpf/count',
      'data_in',
      ex('udp-frame.bin'),
      'repeat',
      '3',
    ]);
    await run('... and on a TCP frame', [
      'prog',
      'run',
      'pinned',
      '/sys/fs/bpf/count',
      'data_in',
      ex('tcp-frame.bin'),
    ]);
    await run(
      'Dump the map: protocol 6 (TCP) counted once, 17 (UDP) three times',
      ['map', 'dump', 'pinned', '/sys/fs/bpf/counts'],
      (t) =>
        t
          .trimEnd()
          .split('\n')
          .filter((l) => !/value: 00 00 00 00 00 00 00 00$/.test(l)),
    );
    out.note('(entries whose count is 0 are left out above)');
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
  return ok;
}
