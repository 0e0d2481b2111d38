import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SockFilter, sockFilter } from '../../../src/seccomp/cbpf/filter.js';
import { formatC, formatJson, formatTcpdump, parseJsonFilter } from '../../../src/seccomp/cbpf/formats.js';

const LIBSECCOMP_HEAD: SockFilter[] = [
  sockFilter(0x20, 0, 0, 4),
  sockFilter(0x15, 0, 5, 0xc000003e),
  sockFilter(0x06, 0, 0, 0x7fff0000),
  sockFilter(0x06, 0, 0, 0x80000000),
  sockFilter(0x16, 0, 0, 0),
  sockFilter(0x05, 0, 0, 3),
  sockFilter(0x54, 0, 0, 0xff),
  sockFilter(0x64, 0, 0, 2),
  sockFilter(0x1d, 1, 2, 0),
  sockFilter(0x02, 0, 0, 3),
  sockFilter(0x07, 0, 0, 0),
  sockFilter(0x28, 0, 0, 0xfffff000),
  sockFilter(0x94, 0, 0, 3),
  sockFilter(0xff, 0, 0, 0),
];

describe('textual filter formats', () => {
  it('prints like libpcap bpf_image ("(%03d) %-8s %s", jumps "%-16s jt %d\\tjf %d", K as %d)', () => {
    expect(formatTcpdump(LIBSECCOMP_HEAD).split('\n')).toEqual([
      '(000) ld       [4]',
      '(001) jeq      #0xc000003e      jt 2\tjf 7',
      '(002) ret      #2147418112',
      '(003) ret      #-2147483648',
      '(004) ret      ',
      '(005) ja       9',
      '(006) and      #0xff',
      '(007) lsh      #2',
      '(008) jeq      x                jt 10\tjf 11',
      '(009) st       M[3]',
      '(010) tax      ',
      '(011) ldh      [proto]',
      '(012) mod      #3',
      '(013) unimp    0xff',
      '',
    ]);
  });

  it('prints a C array like tcpdump -dd, with its sock_fprog', () => {
    expect(formatC(LIBSECCOMP_HEAD.slice(0, 2))).toBe(
      'struct sock_filter filter[] = {\n\t{ 0x20, 0, 0, 0x00000004 },\n\t{ 0x15, 0, 5, 0xc000003e },\n};\n' +
        'struct sock_fprog prog = {\n\t.len = 2,\n\t.filter = filter,\n};\n',
    );
  });

  it('prints JSON and parses it back', () => {
    expect(formatJson(LIBSECCOMP_HEAD.slice(0, 2))).toBe(
      '[{"code":32,"jt":0,"jf":0,"k":4},\n {"code":21,"jt":0,"jf":5,"k":3221225534}]\n',
    );
    const insn = fc.record({
      code: fc.integer({ min: 0, max: 0xffff }),
      jt: fc.integer({ min: 0, max: 255 }),
      jf: fc.integer({ min: 0, max: 255 }),
      k: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(fc.array(insn), fc.boolean(), (f, pretty) => {
        expect(parseJsonFilter(formatJson(f, pretty))).toEqual({ ok: true, filter: f });
      }),
    );
  });

  it('rejects malformed JSON filters with a one-line reason', () => {
    for (const [text, re] of [
      ['{', /invalid JSON/],
      ['{}', /expected a JSON array/],
      ['[1]', /insn 0: not an object/],
      ['[{"code":1,"jt":0,"jf":0,"k":-1}]', /insn 0: 'k' must be an integer in 0\.\.4294967295/],
      ['[{"code":1,"jt":256,"jf":0,"k":0}]', /'jt' must be/],
    ] as const) {
      const r = parseJsonFilter(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(re);
    }
  });
});
