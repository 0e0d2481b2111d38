/** `bpfsim seccomp disasm` and `bpfsim seccomp asm` (src/cli/seccomp/{disasm,asm}.ts), run in-process. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo, Command } from '../../../src/cli/command.js';
import { seccompAsmCommand } from '../../../src/cli/seccomp/asm.js';
import { seccompDisasmCommand } from '../../../src/cli/seccomp/disasm.js';
import { encodeFilter } from '../../../src/seccomp/cbpf/codec.js';
import { sockFilter } from '../../../src/seccomp/cbpf/filter.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfsim-seccomp-cli-'));

async function run(cmd: Command, args: string[], json = false) {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), errIsTty: false, cwd: dir, env: {} };
  try {
    const status = await cmd.run(args, io, { json, pretty: false });
    return { status, out, err };
  } catch (e) {
    return { status: (e as { status?: number }).status ?? -1, out, err: (e as Error).message };
  }
}

const ASM =
  'A = arch\nA == ARCH_X86_64 ? next : dead\nA = sys_number\nA == write ? ok : next\nreturn ERRNO(1)\nok: return ALLOW\ndead: return KILL\n';

describe('seccomp asm / disasm commands', () => {
  it('assembles to raw bytes with -o and disassembles them back with syscall names', async () => {
    writeFileSync(join(dir, 'a.asm'), ASM);
    const a = await run(seccompAsmCommand, ['a.asm', '-o', 'a.bpf']);
    expect(a.status).toBe(0);
    expect(readFileSync(join(dir, 'a.bpf')).length).toBe(7 * 8);
    const d = await run(seccompDisasmCommand, ['a.bpf', '--arch', 'x86_64']);
    expect(d.status).toBe(0);
    expect(d.out).toContain(' 0001: 0x15 0x00 0x04 0xc000003e  if (A != ARCH_X86_64) goto 0006\n');
    expect(d.out).toContain(' 0003: 0x15 0x01 0x00 0x00000001  if (A == write) goto 0005\n');
    const t = await run(seccompDisasmCommand, ['a.bpf', '--format', 'tcpdump']);
    expect(t.out.split('\n')[1]).toBe('(001) jeq      #0xc000003e      jt 2\tjf 6');
    const j = await run(seccompDisasmCommand, ['a.bpf'], true);
    expect(JSON.parse(j.out)[0]).toEqual({ code: 32, jt: 0, jf: 0, k: 4 });
    const c = await run(seccompAsmCommand, ['a.asm', '--format', 'c']);
    expect(c.out).toMatch(/^struct sock_filter filter\[\] = \{\n\t\{ 0x20, 0, 0, 0x00000004 \},/);
  });

  it('names i386 syscalls with --arch i386', async () => {
    writeFileSync(
      join(dir, 'i.bpf'),
      encodeFilter([
        sockFilter(0x20, 0, 0, 0),
        sockFilter(0x15, 0, 1, 3),
        sockFilter(0x06, 0, 0, 0x7fff0000),
        sockFilter(0x06, 0, 0, 0),
      ]),
    );
    const d = await run(seccompDisasmCommand, ['i.bpf', '--arch', 'i386']);
    expect(d.out).toContain('if (A != read) goto 0003');
  });

  it('refuses filters the kernel would refuse: errno name, instruction and reason on one line', async () => {
    writeFileSync(join(dir, 'bad.bpf'), encodeFilter([sockFilter(0x20, 0, 0, 2), sockFilter(0x06, 0, 0, 0)]));
    const d = await run(seccompDisasmCommand, ['bad.bpf']);
    expect(d.status).toBe(1);
    expect(d.err).toMatch(
      /^bad\.bpf: the kernel would refuse this filter: EINVAL: insn 0: load offset 2 .*$/,
    );
    expect((await run(seccompDisasmCommand, ['bad.bpf', '--no-validate'])).out).toContain('A = INVALID');
    writeFileSync(join(dir, 'noret.asm'), 'A = arch\n');
    expect((await run(seccompAsmCommand, ['noret.asm', '--format', 'json'])).err).toMatch(
      /EINVAL: insn 0: last instruction is not RET$/,
    );
  });

  it('one-line errors for bad input and options', async () => {
    writeFileSync(join(dir, 'odd.bpf'), new Uint8Array(12));
    writeFileSync(join(dir, 'syntax.asm'), 'A = arch\nA ==\n');
    const cases: Array<[Command, string[], RegExp]> = [
      [seccompDisasmCommand, ['odd.bpf'], /^odd\.bpf: filter size 12 is not a multiple of 8/],
      [seccompDisasmCommand, ['missing.bpf'], /^missing\.bpf: cannot read \(ENOENT\)$/],
      [seccompDisasmCommand, ['odd.bpf', '--format', 'xml'], /unknown format 'xml'/],
      [seccompDisasmCommand, ['odd.bpf', '--arch', 'vax'], /unknown architecture 'vax'/],
      [seccompDisasmCommand, [], /missing FILE\.bpf/],
      [seccompAsmCommand, ['syntax.asm'], /^syntax\.asm:2:\d+: unexpected/],
      [seccompAsmCommand, ['syntax.asm', '--format', 'raw'], /raw output needs -o FILE/],
    ];
    for (const [cmd, args, re] of cases) {
      const r = await run(cmd, args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err).not.toMatch(/\n/);
    }
  });
});
