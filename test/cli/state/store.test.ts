import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { CliError, type CliIo } from '../../../src/cli/command.js';
import { decodeState, STATE_VERSION, stateDir, writeAtomic } from '../../../src/cli/state/store.js';

const io = (env: Record<string, string | undefined>): CliIo => ({
  out: () => {},
  err: () => {},
  errIsTty: false,
  cwd: '/home/u',
  env,
});

describe('state directory', () => {
  it('follows --state, then BPFSIM_STATE, then ./.bpfsim; --ephemeral has none', () => {
    expect(stateDir(io({}), {})).toBe('/home/u/.bpfsim');
    expect(stateDir(io({ BPFSIM_STATE: 's' }), {})).toBe('/home/u/s');
    expect(stateDir(io({ BPFSIM_STATE: 's' }), { state: '/x' })).toBe('/x');
    expect(stateDir(io({ BPFSIM_STATE: 's' }), { state: '/x', ephemeral: true })).toBeUndefined();
  });
});

describe('state file codec', () => {
  const journal = fc.array(fc.array(fc.string(), { maxLength: 6 }), { maxLength: 8 });

  it('decodes what it is given and refuses every truncation of it with a CliError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), journal, (seed, j) => {
        const bytes = pack({ format: 'bpfsim-state', version: STATE_VERSION, seed, journal: j });
        expect(decodeState(bytes, 'f')).toEqual({
          format: 'bpfsim-state',
          version: STATE_VERSION,
          seed,
          journal: j,
        });
        for (let n = 0; n < bytes.length; n++) {
          expect(() => decodeState(bytes.subarray(0, n), 'f')).toThrow(CliError);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a newer format naming both versions', () => {
    const bytes = pack({ format: 'bpfsim-state', version: STATE_VERSION + 1, seed: 1, journal: [] });
    expect(() => decodeState(bytes, 'f')).toThrow(/newer bpfsim.*format 2, this one reads 1/);
  });
});

describe('atomic write', () => {
  it('replaces the file whole and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-store-'));
    try {
      const path = join(dir, 'kernel.msgpack');
      writeAtomic(path, new Uint8Array([1, 2, 3]));
      writeAtomic(path, new Uint8Array(100_000).fill(7));
      expect(readFileSync(path).length).toBe(100_000);
      expect(readdirSync(dir)).toEqual(['kernel.msgpack']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('global --state and --ephemeral (before the command word)', () => {
  it('choose the state directory for the command, or none at all', async () => {
    const { runCli } = await import('../run-cli.js');
    const cwd = mkdtempSync(join(tmpdir(), 'bpfsim-cwd-'));
    const dir = join(cwd, 'elsewhere');
    try {
      const create = [
        'map',
        'create',
        '/sys/fs/bpf/m',
        'type',
        'hash',
        'key',
        '4',
        'value',
        '8',
        'entries',
        '4',
      ];
      expect((await runCli(['--state', dir, ...create], cwd)).status).toBe(0);
      expect((await runCli([`--state=${dir}`, 'map', 'show'], cwd)).out).toMatch(/^1: hash/);
      expect((await runCli(['--ephemeral', 'map', 'show'], cwd, { BPFSIM_STATE: dir })).out).toBe('');
      expect(readdirSync(cwd)).toEqual(['elsewhere']);
      const bad = await runCli(['--state'], cwd);
      expect([bad.status, bad.err]).toEqual([2, "bpfsim: option '--state' needs a directory\n"]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
