/**
 * `bpfsim map` / `bpfsim prog`: bpftool's commands on a persistent simulated kernel. Every call
 * here is a separate invocation of the CLI on the same state directory, as a user's shell runs them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pack } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { Kernel } from '../../src/kernel/kernel.js';
import { runCli } from './run-cli.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'bpfsim-objects-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh state directory and a runner bound to it. */
function session() {
  const state = join(dir, `state-${n++}`);
  const run = (...argv: string[]) => runCli(argv, dir, { BPFSIM_STATE: state });
  return { state, run };
}

/** The XDP protocol counter the README and the demo use. */
const COUNT_PROG = readFileSync(join(root, 'examples/count-protocols.s'), 'utf8');

describe('bpfsim map', () => {
  it('keeps maps and their contents from one invocation to the next, with bpftool output', async () => {
    const { run } = session();
    expect(
      await run(
        'map',
        'create',
        '/sys/fs/bpf/counts',
        'type',
        'hash',
        'key',
        '4',
        'value',
        '8',
        'entries',
        '16',
        'name',
        'counts',
      ),
    ).toMatchObject({ status: 0, out: '' });
    expect(
      await run(
        'map',
        'update',
        'pinned',
        '/sys/fs/bpf/counts',
        'key',
        '1',
        '0',
        '0',
        '0',
        'value',
        'hex',
        '2a',
        '00',
        '00',
        '00',
        '00',
        '00',
        '00',
        '00',
      ),
    ).toMatchObject({ status: 0 });
    expect(
      await run(
        'map',
        'update',
        'name',
        'counts',
        'key',
        'hex',
        '02000000',
        'value',
        '0x07',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
        '0',
      ),
    ).toMatchObject({ status: 0 });
    expect((await run('map', 'lookup', 'pinned', '/sys/fs/bpf/counts', 'key', '1', '0', '0', '0')).out).toBe(
      'key: 01 00 00 00  value: 2a 00 00 00 00 00 00 00\n',
    );
    const show = await run('map', 'show');
    // memlock of a preallocated hash map on 6.18 (kernel-facts / the map tests): as fdinfo says.
    expect(show.out).toMatch(
      /^1: hash {2}name counts {2}flags 0x0\n\tkey 4B {2}value 8B {2}max_entries 16 {2}memlock \d+B\n$/,
    );
    const j = JSON.parse((await run('-j', 'map', 'show', 'id', '1')).out);
    expect(j).toMatchObject({
      id: 1,
      type: 'hash',
      name: 'counts',
      flags: 0,
      bytes_key: 4,
      bytes_value: 8,
      max_entries: 16,
      frozen: 0,
    });
    const dump = JSON.parse((await run('-j', 'map', 'dump', 'pinned', '/sys/fs/bpf/counts')).out);
    expect(dump.map((e: { key: string[] }) => e.key[0]).sort()).toEqual(['0x01', '0x02']);
    expect((await run('map', 'dump', 'id', '1')).out).toMatch(/Found 2 elements\n$/);
    expect(await run('map', 'delete', 'id', '1', 'key', '1', '0', '0', '0')).toMatchObject({ status: 0 });
    expect(await run('map', 'lookup', 'id', '1', 'key', '1', '0', '0', '0')).toMatchObject({
      status: 1,
      err: 'bpfsim: lookup failed: key not found (ENOENT)\n',
    });
    expect(await run('map', 'freeze', 'id', '1')).toMatchObject({ status: 0 });
    expect(
      (
        await run(
          'map',
          'update',
          'id',
          '1',
          'key',
          '3',
          '0',
          '0',
          '0',
          'value',
          '0',
          '0',
          '0',
          '0',
          '0',
          '0',
          '0',
          '0',
        )
      ).err,
    ).toBe('bpfsim: update failed: EPERM (Operation not permitted)\n');
  });

  it('iterates a seeded hash map in the same order in every invocation, as a single kernel would', async () => {
    const { run } = session();
    await run('map', 'create', '/sys/fs/bpf/h', 'type', 'hash', 'key', '4', 'value', '4', 'entries', '64');
    for (let k = 0; k < 20; k++)
      await run(
        'map',
        'update',
        'pinned',
        '/sys/fs/bpf/h',
        'key',
        String(k),
        '0',
        '0',
        '0',
        'value',
        '1',
        '0',
        '0',
        '0',
      );
    const first = (await run('map', 'dump', 'pinned', '/sys/fs/bpf/h')).out;
    expect((await run('map', 'dump', 'pinned', '/sys/fs/bpf/h')).out).toBe(first);
    // The same operations in one process on a kernel with the same seed.
    const task = new Kernel({ seed: 1 }).spawn({ uid: 0, caps: 'all' });
    const m = task.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 64 });
    for (let k = 0; k < 20; k++) m.update(k, 1);
    const order = [...m.keys()].map((k) => k[0]);
    const shown = [...first.matchAll(/^key: ([0-9a-f]{2})/gm)].map((x) =>
      Number.parseInt(x[1] as string, 16),
    );
    expect(shown).toEqual(order);
    expect(new Set(order).size).toBe(20);
  });

  it('works on queues and stacks', async () => {
    const { run } = session();
    await run('map', 'create', '/sys/fs/bpf/q', 'type', 'queue', 'key', '0', 'value', '4', 'entries', '4');
    for (const v of ['1', '2', '3'])
      await run('map', 'push', 'pinned', '/sys/fs/bpf/q', 'value', v, '0', '0', '0');
    expect((await run('map', 'peek', 'pinned', '/sys/fs/bpf/q')).out).toBe('value: 01 00 00 00\n');
    expect((await run('map', 'pop', 'pinned', '/sys/fs/bpf/q')).out).toBe('value: 01 00 00 00\n');
    expect((await run('map', 'dequeue', 'pinned', '/sys/fs/bpf/q')).out).toBe('value: 02 00 00 00\n');
  });

  it('gives one line on stderr for bad input', async () => {
    const { run } = session();
    await run('map', 'create', '/sys/fs/bpf/a', 'type', 'array', 'key', '4', 'value', '4', 'entries', '2');
    for (const argv of [
      ['map', 'lookup', 'pinned', '/sys/fs/bpf/missing', 'key', '0', '0', '0', '0'],
      ['map', 'lookup', 'pinned', '/sys/fs/bpf/a', 'key', '0', '0'],
      ['map', 'lookup', 'pinned', '/sys/fs/bpf/a', 'key', '0', '0', '0', '300'],
      ['map', 'update', 'pinned', '/sys/fs/bpf/a', 'key', '5', '0', '0', '0', 'value', '0', '0', '0', '0'],
      ['map', 'create', '/sys/fs/bpf/b', 'type', 'hash', 'key', '0', 'value', '4', 'entries', '2'],
      ['map', 'create', '/sys/fs/bpf/c', 'type', 'nosuch', 'key', '4', 'value', '4', 'entries', '2'],
      ['map', 'create', '/elsewhere/d', 'type', 'array', 'key', '4', 'value', '4', 'entries', '2'],
      ['map', 'frob'],
      ['map', 'show', 'id', 'x'],
    ]) {
      const r = await run(...argv);
      expect(r.status, argv.join(' ')).not.toBe(0);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});

describe('bpfsim prog', () => {
  it('loads, pins, shows, dumps and runs a program that counts into a pinned map', async () => {
    const { run } = session();
    const src = join(dir, 'count.s');
    writeFileSync(src, COUNT_PROG);
    await run(
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
    );
    const load = await run(
      'prog',
      'load',
      src,
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
    );
    expect(load).toMatchObject({ status: 0, err: '' });
    rmSync(src); // the state does not depend on the source file any more
    const pkt = join(dir, 'udp.bin');
    const frame = new Uint8Array(64);
    frame[12] = 0x08;
    frame[14] = 0x45;
    frame[23] = 17;
    writeFileSync(pkt, frame);
    expect(
      (await run('prog', 'run', 'pinned', '/sys/fs/bpf/count', 'data_in', pkt, 'repeat', '3')).out,
    ).toMatch(/^Return value: 2, duration \(average\): \d+ns\n$/);
    expect((await run('map', 'lookup', 'pinned', '/sys/fs/bpf/counts', 'key', '17', '0', '0', '0')).out).toBe(
      'key: 11 00 00 00  value: 03 00 00 00 00 00 00 00\n',
    );
    const j = JSON.parse((await run('-j', 'prog', 'show', 'name', 'proto_count')).out);
    expect(j).toMatchObject({
      id: 1,
      type: 'xdp',
      name: 'proto_count',
      gpl_compatible: true,
      bytes_xlated: 17 * 8,
      jited: false,
      map_ids: [1],
    });
    expect(j.tag).toMatch(/^[0-9a-f]{16}$/);
    const dump = (await run('prog', 'dump', 'xlated', 'id', '1')).out.split('\n');
    expect(dump[7]).toBe('   7: (18) r1 = map[id:1]');
    expect(dump[10]).toBe('  11: (85) call bpf_map_lookup_elem#1'); // ld_imm64 takes two slots
  });

  it('reports a failed load in one line with the errno', async () => {
    const { run } = session();
    const bad = join(dir, 'bad.s');
    writeFileSync(bad, 'r0 = 1\n'); // no exit
    const r = await run('prog', 'load', bad, '/sys/fs/bpf/p');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^bpfsim: prog load failed: EINVAL: .+\n$/);
  });
});

describe('the state directory', () => {
  it('refuses a corrupt, truncated or newer state file in one line and leaves it untouched', async () => {
    const { state, run } = session();
    await run('map', 'create', '/sys/fs/bpf/x', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1');
    const file = join(state, 'kernel.msgpack');
    const good = readFileSync(file);
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 5), /corrupt or truncated state file/],
      [new TextEncoder().encode('hello'), /corrupt|not a bpfsim state file/],
      [
        pack({ format: 'bpfsim-state', version: 99, seed: 1, journal: [] }),
        /written by a newer bpfsim \(format 99/,
      ],
    ];
    for (const [bytes, msg] of cases) {
      writeFileSync(file, bytes);
      const r = await run('map', 'update', 'id', '1', 'key', '0', '0', '0', '0', 'value', '1', '0', '0', '0');
      expect(r.status).not.toBe(0);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(readFileSync(file)).toEqual(Buffer.from(bytes));
    }
    writeFileSync(file, good);
    expect((await run('map', 'show')).out).toMatch(/^1: array/);
  });

  it('breaks the lock of a process that died; --ephemeral touches nothing', async () => {
    const { state, run } = session();
    await run('map', 'create', '/sys/fs/bpf/x', 'type', 'array', 'key', '4', 'value', '4', 'entries', '1');
    writeFileSync(join(state, 'lock'), '2147483646\n'); // no such pid
    expect((await run('map', 'show')).status).toBe(0);
    expect(existsSync(join(state, 'lock'))).toBe(false);
    const before = readFileSync(join(state, 'kernel.msgpack'));
    expect(
      (
        await run(
          'map',
          'create',
          '/sys/fs/bpf/y',
          'type',
          'array',
          'key',
          '4',
          'value',
          '4',
          'entries',
          '1',
          '--ephemeral',
        )
      ).status,
    ).toBe(0);
    expect(readFileSync(join(state, 'kernel.msgpack'))).toEqual(before);
  });

  const bun = resolve(root, 'node_modules/.bin/bun');
  const haveBun = existsSync(bun);
  it.skipIf(!haveBun)(
    `serializes concurrent invocations${haveBun ? '' : ' (skipped: needs the bun package)'}`,
    async () => {
      const { state, run } = session();
      await run('map', 'create', '/sys/fs/bpf/c', 'type', 'hash', 'key', '4', 'value', '4', 'entries', '64');
      const worker = (base: number) =>
        new Promise<number>((done) => {
          // One shell running 8 updates in a row; two such shells at once.
          const cmds = Array.from(
            { length: 8 },
            (_, i) =>
              `"${bun}" src/cli/main.ts map update pinned /sys/fs/bpf/c key ${base + i} 0 0 0 value 1 0 0 0`,
          ).join(' && ');
          const p = spawn('sh', ['-c', cmds], {
            cwd: root,
            env: { ...process.env, BPFSIM_STATE: state },
            stdio: 'ignore',
          });
          p.on('exit', (code) => done(code ?? 1));
        });
      expect(await Promise.all([worker(0), worker(100)])).toEqual([0, 0]);
      const keys = JSON.parse((await run('-j', 'map', 'dump', 'pinned', '/sys/fs/bpf/c')).out).map(
        (e: { key: string[] }) => Number.parseInt(e.key[0] as string, 16),
      );
      expect(keys.sort((a: number, b: number) => a - b)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 100, 101, 102, 103, 104, 105, 106, 107,
      ]);
    },
    120_000,
  );
});
