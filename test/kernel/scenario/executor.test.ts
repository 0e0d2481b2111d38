import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeScenario, ScenarioExecutor } from '../../../src/kernel/scenario/executor.js';
import { parseScenario } from '../../../src/kernel/scenario/format.js';
import { pythonJson, type ResultLine } from '../../../src/kernel/scenario/json.js';
import { FakeHost, type RecordedCall } from './fake-host.js';

const ORACLE_DIR = resolve(import.meta.dirname, '../../../../shared/tools/kernel-oracle');
const hasOracle = existsSync(resolve(ORACLE_DIR, 'bpf_oracle.py'));
const hasPython = spawnSync('python3', ['--version']).status === 0;

const lines = (...ops: object[]): string => ops.map((o) => JSON.stringify(o)).join('\n');
const run = (host: FakeHost, text: string, virtualFds = false): ResultLine[] => [
  ...executeScenario(host, parseScenario(text), { virtualFds }),
];

/** A script touching every attr-building path of the oracle (no rlimit/sysctl: those hit the real process). */
const ATTR_SCRIPT = lines(
  { op: 'comment', text: 'attr layouts' },
  {
    op: 'map_create',
    id: 'm',
    map_type: 'array',
    key_size: 4,
    value_size: 8,
    max_entries: 3,
    map_name: 'counters',
  },
  {
    op: 'map_create',
    id: 'om',
    map_type: 'array_of_maps',
    inner_map: 'm',
    key_size: 4,
    value_size: 4,
    max_entries: 2,
    map_flags: 0x400,
    map_extra: 5,
    numa_node: 1,
    btf_fd: 7,
    btf_key_type_id: 8,
    btf_value_type_id: 9,
    map_name: 'a_name_longer_than_fifteen',
    attr_size: 120,
  },
  { op: 'map_create', id: 'q', map_type: 22, key_size: 0, value_size: 4, max_entries: 2, show_fdinfo: false },
  { op: 'map_update', map: 'm', key: '00000000', value: '0102030405060708', flags: 2 },
  { op: 'map_update', map: 'q', key: null, value: '05000000' },
  { op: 'map_lookup', map: 'm', key: '01000000' },
  { op: 'map_lookup', fd: 3, key: '02000000', flags: 4 },
  { op: 'map_lookup', map: 3, key: '02000000', value_len: 3 },
  { op: 'map_lookup_and_delete', map: 'q', key: null },
  { op: 'map_delete', map: 'm', key: '02000000' },
  { op: 'map_get_next_key', map: 'm', key: null },
  { op: 'map_get_next_key', map: 'm', key: '01000000' },
  { op: 'map_iterate', map: 'm' },
  { op: 'map_freeze', map: 'm' },
  { op: 'map_create', id: 'pc', map_type: 'percpu_array', key_size: 4, value_size: 4, max_entries: 1 },
  { op: 'map_lookup', map: 'pc', key: '00000000' },
  {
    op: 'prog_load',
    id: 'p',
    prog_type: 'kprobe',
    insns: '18010000000000000000000000000000b7000000000000009500000000000000',
    map_fixups: [[0, 'm']],
    fd_array: ['m', 'om'],
    license: 'Dual MIT/GPL',
    log_level: 2,
    log_size: 256,
    prog_name: 'a_prog_name_that_is_long',
    expected_attach_type: 3,
    kern_version: 0x61200,
    prog_flags: 0x40,
  },
  { op: 'prog_load', prog_type: 'xdp', insns: 'b7000000020000009500000000000000', log_level: 0, close: true },
  { op: 'prog_load', insns: 'b7000000000000009500000000000000', log_level: 1, log_size: 0 },
  { op: 'prog_load', insns: 'b7000000000000009500000000000000', log_level: 0, log_size: 64, attr_size: 160 },
  {
    op: 'prog_test_run',
    prog: 'p',
    data: 'aabbccdd',
    repeat: 3,
    ctx: '0102',
    ctx_size_out: 8,
    flags: 1,
    cpu: 1,
  },
  { op: 'prog_test_run', prog: 'p', data_size_out: 16 },
  { op: 'prog_test_run', fd: 8, ctx: '' },
  { op: 'fdinfo', map: 'm' },
  { op: 'fdinfo', prog: 'p' },
  { op: 'raw', id: 'r', cmd: 0, attr: '02000000040000000400000001000000', size: 16 },
  { op: 'raw', cmd: 1, attr: '0300000000000000', size: 48 },
  { op: 'close', id: 'pc' },
  { op: 'close', fd: 99 },
  { op: 'map_lookup', map: 'nope', key: '00' },
  { op: 'map_get_next_key', map: 'r', key: null },
  { op: 'prog_load', insns: 'b700000000000000', map_fixups: [[4, 'm']] },
  { op: 'comment' },
);

describe.skipIf(!hasOracle || !hasPython)(
  'executor vs the reference oracle on a fake kernel (skipped: needs python3 and ../shared/tools/kernel-oracle)',
  () => {
    it('builds the same bpf() attrs and buffers and prints the same lines as bpf_oracle.py', () => {
      const py = spawnSync('python3', [resolve(import.meta.dirname, 'oracle_attrs.py'), ORACLE_DIR], {
        input: ATTR_SCRIPT,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      expect(py.stderr).toBe('');
      const want = JSON.parse(py.stdout) as { ncpu: number; calls: RecordedCall[]; lines: string[] };
      const host = new FakeHost(want.ncpu);
      const got = run(host, ATTR_SCRIPT).map(pythonJson);
      expect(host.calls).toEqual(want.calls);
      expect(got).toEqual(want.lines);
      expect(host.live.size).toBe(0);
    });
  },
);

describe('ScenarioExecutor', () => {
  it('formats results in the oracle order: seq, op, id, ret, errno, then op fields', () => {
    const host = new FakeHost();
    const out = run(
      host,
      lines({ op: 'map_create', id: 'a', name: 'n', map_type: 'array' }, { op: 'comment', text: 't' }),
    );
    expect(out.map(pythonJson)).toEqual([
      '{"seq": 1, "op": "map_create", "id": "a", "name": "n", "ret": 3, "memlock": 4099}',
      '{"seq": 2, "op": "comment", "text": "t"}',
    ]);
  });

  it('frees every user buffer it allocated, including the 16 MiB default log buffer', () => {
    const host = new FakeHost();
    run(
      host,
      lines({ op: 'prog_load', insns: 'b7000000000000009500000000000000' }, { op: 'map_iterate', fd: 3 }),
    );
    expect(host.live.size).toBe(0);
  });

  it('parses fdinfo values as Python int() does and keeps the rest as strings', () => {
    const host = new FakeHost();
    host.fdinfo = () => ({
      flags: '02000002',
      map_flags: '0x0',
      big: '18446744073709551615',
      neg: '-5',
      t: '1_000',
    });
    expect(run(host, lines({ op: 'fdinfo', fd: 3 }))[0]?.fdinfo).toEqual({
      flags: 2000002,
      map_flags: '0x0',
      big: 18446744073709551615n,
      neg: -5,
      t: 1000,
    });
    host.fdinfo = () => -2;
    expect(run(host, lines({ op: 'fdinfo', fd: 42 }))[0]?.fdinfo).toEqual({
      error: "[Errno 2] No such file or directory: '/proc/self/fdinfo/42'",
    });
  });

  it('names errnos as Python errno.errorcode does', () => {
    const host = new FakeHost();
    let r = -95;
    host.bpf = () => r;
    const ex = new ScenarioExecutor(host);
    const op = parseScenario(lines({ op: 'raw', cmd: 3, attr: '' }))[0];
    if (op === undefined) throw new Error('no op');
    expect(ex.run(op).errno).toBe('ENOTSUP');
    r = -524;
    expect(ex.run(op).errno).toBe('524');
    r = -7;
    expect(ex.run(op).errno).toBe('E2BIG');
  });

  it('reports rlimits like the oracle: [soft, hard] with -1 for infinity; Python texts for setrlimit errors', () => {
    const host = new FakeHost();
    const out = run(
      host,
      lines(
        { op: 'getrlimit', resource: 'MEMLOCK' },
        { op: 'setrlimit', resource: 'MEMLOCK', soft: 4096, hard: -1 },
        { op: 'getrlimit' },
        { op: 'setrlimit', soft: 4096, hard: 1024 },
        { op: 'setrlimit', soft: 0, hard: 0 },
        { op: 'setrlimit', soft: 0, hard: 10 },
        { op: 'getrlimit', resource: 'NOFILE' },
      ),
    );
    expect(out.map(pythonJson)).toEqual([
      '{"seq": 1, "op": "getrlimit", "value": [8388608, 8388608]}',
      '{"seq": 2, "op": "setrlimit", "ret": 0}',
      '{"seq": 3, "op": "getrlimit", "value": [4096, -1]}',
      '{"seq": 4, "op": "setrlimit", "ret": -1, "error": "current limit exceeds maximum limit"}',
      '{"seq": 5, "op": "setrlimit", "ret": 0}',
      '{"seq": 6, "op": "setrlimit", "ret": -1, "error": "not allowed to raise maximum limit"}',
      '{"seq": 7, "op": "getrlimit", "error": "OSError: [Errno 22] Invalid argument"}',
    ]);
  });

  it('reports sysctl reads, write errors and read errors', () => {
    const host = new FakeHost();
    expect(pythonJson(run(host, lines({ op: 'sysctl', path: 'kernel/x' }))[0] as ResultLine)).toBe(
      '{"seq": 1, "op": "sysctl", "value": "2"}',
    );
    host.sysctlAnswer = { ret: -13, value: '2' };
    expect(pythonJson(run(host, lines({ op: 'sysctl', path: 'kernel/x', write: 0 }))[0] as ResultLine)).toBe(
      '{"seq": 1, "op": "sysctl", "write_error": "EACCES Permission denied", "value": "2"}',
    );
    expect(host.lastSysctl).toEqual(['kernel/x', '0']);
    host.sysctlAnswer = { ret: -2 };
    expect(run(host, lines({ op: 'sysctl', path: 'kernel/nope' }))[0]?.error).toBe(
      "[Errno 2] No such file or directory: '/proc/sys/kernel/nope'",
    );
  });

  it('with virtualFds shows fds as a fresh process sees them and translates them back', () => {
    const host = new FakeHost();
    const realFds = [21, 22, 21];
    const seen: number[] = [];
    const bpf = host.bpf.bind(host);
    host.bpf = (cmd, addr, size) => {
      const r = bpf(cmd, addr, size);
      if (cmd === 0) return realFds.shift() ?? -24;
      seen.push(new DataView(host.read(addr, 4).slice().buffer).getUint32(0, true));
      return r;
    };
    const closed: number[] = [];
    host.close = (fd) => {
      closed.push(fd);
      return 0;
    };
    const out = run(
      host,
      lines(
        { op: 'map_create', id: 'a' },
        { op: 'map_create', id: 'b' },
        { op: 'map_update', fd: 4, key: '00000000', value: '00000000' },
        { op: 'close', fd: 3 },
        { op: 'map_create', id: 'c' },
        { op: 'map_freeze', map: 3 },
      ),
      true,
    );
    expect(out.map((l) => l.ret)).toEqual([3, 4, 0, 0, 3, 0]);
    expect(seen).toEqual([22, 21]);
    expect(closed).toEqual([21]);
  });

  it('turns a harness failure into an error field and keeps going', () => {
    const host = new FakeHost();
    host.sysctl = () => {
      throw new Error('refused');
    };
    const out = run(
      host,
      lines({ op: 'sysctl', path: 'a', write: '1' }, { op: 'close', id: 'x' }, { op: 'comment' }),
    );
    expect(out.map(pythonJson)).toEqual([
      '{"seq": 1, "op": "sysctl", "error": "Error: refused"}',
      '{"seq": 2, "op": "close", "id": "x", "error": "KeyError: \'x\'"}',
      '{"seq": 3, "op": "comment", "text": null}',
    ]);
  });
});

describe('ScenarioExecutor with virtual fds', () => {
  it('never hands the host an fd the script did not get, and never closes the host stdio', () => {
    const host = new FakeHost();
    const attrFds: number[] = [];
    const bpf = host.bpf.bind(host);
    host.bpf = (cmd, addr, size) => {
      attrFds.push(new DataView(host.read(addr, 4).slice().buffer).getInt32(0, true));
      return bpf(cmd, addr, size);
    };
    const closed: number[] = [];
    host.close = (fd) => {
      closed.push(fd);
      return fd < 0 ? -9 : 0;
    };
    const out = run(
      host,
      lines(
        { op: 'map_freeze', fd: 7 },
        { op: 'map_freeze', fd: 0 },
        { op: 'close', fd: 1 },
        { op: 'close', fd: 12 },
      ),
      true,
    );
    expect(attrFds).toEqual([-1, 0]);
    expect(closed).toEqual([-1]);
    expect(out.map((l) => [l.ret, l.errno ?? null])).toEqual([
      [0, null],
      [0, null],
      [0, null],
      [-9, 'EBADF'],
    ]);
  });
});
