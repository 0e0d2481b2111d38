import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-asm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<CliRun> {
  return runCli(argv, dir);
}
const file = (name: string, content: string | Uint8Array): string => {
  writeFileSync(join(dir, name), content);
  return name;
};

describe('bpfsim asm', () => {
  it('assembles kernel syntax to hex, one slot per line', async () => {
    const f = file('a.s', 'r0 = 42\nexit\n');
    expect(await run('asm', f)).toEqual({ status: 0, out: 'b70000002a000000\n9500000000000000\n', err: '' });
  });
  it('detects the uBPF syntax and writes raw bytes with -o', async () => {
    const f = file('u.s', 'mov %r0, 1\nlddw %r1, 0x100000002\nexit\n');
    const r = await run('asm', f, '-o', 'u.bin');
    expect(r.status).toBe(0);
    expect(Buffer.from(readFileSync(join(dir, 'u.bin'))).toString('hex')).toBe(
      'b7000000010000001801000002000000000000000100000095000000' + '00000000',
    );
  });
  it('assembles the -- asm section of a bpf_conformance .data file', async () => {
    const f = file('t.data', '# comment\n-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
    expect((await run('asm', f)).out).toBe('b700000001000000\n9500000000000000\n');
    const g = file('e.data', '-- asm\nmov %r0, 1\nfoo %r0\n-- result\n0x1\n');
    expect((await run('asm', g)).err).toBe('bpfsim: asm: e.data:3: Invalid mnemonic: foo\n');
  });
  it('-j prints the instructions', async () => {
    const f = file('j.s', 'exit');
    const r = await run('-j', 'asm', f);
    expect(JSON.parse(r.out)).toEqual({
      insns: [{ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }],
      hex: '9500000000000000',
    });
  });
  it('errors are one line naming the file and line', async () => {
    const f = file('bad.s', 'r0 = 1\nr0 ?= 2\n');
    expect(await run('asm', f)).toEqual({
      status: 1,
      out: '',
      err: "bpfsim: asm: bad.s:2: invalid ALU operation '?='\n",
    });
    const g = file('badu.s', 'mov %r0, 1\nor %r0, %r50\n');
    expect((await run('asm', g, '--syntax', 'ubpf')).err).toBe(
      'bpfsim: asm: badu.s:2: Invalid register: %r50\n',
    );
    expect((await run('asm', 'missing.s')).err).toBe('bpfsim: asm: missing.s: cannot read (ENOENT)\n');
    expect((await run('asm', f, '--format', 'elf')).status).toBe(2);
  });
  it('--help has an example', async () => {
    const r = await run('asm', '--help');
    expect(r.status).toBe(0);
    expect(r.out).toContain('Example:');
  });
});

describe('bpfsim disasm', () => {
  it('reads hex text and prints like bpftool prog dump xlated', async () => {
    const f = file('p.hex', 'b70000002a000000 9500000000000000\n');
    expect(await run('disasm', f)).toEqual({
      status: 0,
      out: '   0: (b7) r0 = 42\n   1: (95) exit\n',
      err: '',
    });
  });
  it('reads raw bytes; uBPF syntax; opcodes', async () => {
    const f = file(
      'p.bin',
      Buffer.from('18110000050000000000000000000000b70000002a0000009500000000000000', 'hex'),
    );
    expect((await run('disasm', f)).out).toBe(
      '   0: (18) r1 = map[id:5]\n   2: (b7) r0 = 42\n   3: (95) exit\n',
    );
    expect((await run('disasm', f, '--pc', 'verifier', '--opcodes')).out).toBe(
      '0: (18) r1 = map[id:5]\n       18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00\n' +
        '2: (b7) r0 = 42\n       b7 00 00 00 2a 00 00 00\n3: (95) exit\n       95 00 00 00 00 00 00 00\n',
    );
    const g = file('q.bin', Buffer.from('b70000002a0000009500000000000000', 'hex'));
    expect((await run('disasm', g, '--syntax', 'ubpf')).out).toBe('mov %r0, 0x2a\nexit\n');
  });
  it('asm and disasm round-trip', async () => {
    const src = file('rt.s', 'r1 = 0\nloop:\nr1 += 1\nif r1 < 0xa goto loop\nr0 = r1\nexit\n');
    await run('asm', src, '-o', 'rt.bin');
    const d = await run('disasm', 'rt.bin', '--pc', 'none');
    const back = file('rt2.s', d.out);
    await run('asm', back, '-o', 'rt2.bin');
    expect(readFileSync(join(dir, 'rt2.bin'))).toEqual(readFileSync(join(dir, 'rt.bin')));
  });
  it('errors name the pc', async () => {
    const f = file('odd.bin', new Uint8Array(12));
    expect(await run('disasm', f)).toEqual({
      status: 1,
      out: '',
      err: 'bpfsim: disasm: odd.bin: insn 1: program length 12 is not a multiple of 8 bytes\n',
    });
    const g = file('junk.hex', '0000000000000000 9500000000000000');
    expect((await run('disasm', g, '--check')).err).toBe(
      'bpfsim: disasm: junk.hex: insn 0: unknown opcode 00\n',
    );
  });
});
