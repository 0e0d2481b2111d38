/**
 * strace's argument syntax: hand-written cases taken from strace output forms (see strace's
 * src/util.c, src/xlat.c, src/signal.c), and a fast-check round trip from generated trees.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArgList } from '../../../src/kernel/strace/args.js';
import { StraceSyntaxError } from '../../../src/kernel/strace/errors.js';
import type { StraceArg } from '../../../src/kernel/strace/trace.js';

const parse = (text: string): StraceArg[] => parseArgList(`${text})`, 0, true).args;
const bytes = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

describe('strace argument syntax', () => {
  it.each<[string, StraceArg[]]>([
    ['', []],
    [
      '0, -1, 0x7f00, 0644',
      [
        { kind: 'int', value: 0n, base: 10 },
        { kind: 'int', value: -1n, base: 10 },
        { kind: 'int', value: 0x7f00n, base: 16 },
        { kind: 'int', value: 0o644n, base: 8 },
      ],
    ],
    ['NULL, AT_FDCWD', [{ kind: 'null' }, { kind: 'const', name: 'AT_FDCWD' }]],
    ['O_RDWR|O_CREAT|0x100000', [{ kind: 'flags', names: ['O_RDWR', 'O_CREAT'], remainder: 0x100000n }]],
    [
      '"a\\tb\\0\\377\\x41\\"\\\\"...',
      [{ kind: 'string', bytes: Uint8Array.from([97, 9, 98, 0, 255, 0x41, 34, 92]), truncated: true }],
    ],
    [
      '[CHLD USR1], ~[RTMIN RT_1], []',
      [
        {
          kind: 'array',
          items: [
            { kind: 'const', name: 'CHLD' },
            { kind: 'const', name: 'USR1' },
          ],
          truncated: false,
          negated: false,
        },
        {
          kind: 'array',
          items: [
            { kind: 'const', name: 'RTMIN' },
            { kind: 'const', name: 'RT_1' },
          ],
          truncated: false,
          negated: true,
        },
        { kind: 'array', items: [], truncated: false, negated: false },
      ],
    ],
    [
      '{st_mode=S_IFREG|0644, st_size=3, ...}',
      [
        {
          kind: 'struct',
          truncated: true,
          fields: [
            { kind: 'flags', names: ['S_IFREG'], remainder: 0o644n, label: 'st_mode' },
            { kind: 'int', value: 3n, base: 10, label: 'st_size' },
          ],
        },
      ],
    ],
    [
      '3</etc/passwd>, 0</dev/pts/0<char 136:0>>, 5<TCP:[1.2.3.4:5->6.7.8.9:10]>',
      [
        { kind: 'int', value: 3n, base: 10, decoration: '/etc/passwd' },
        { kind: 'int', value: 0n, base: 10, decoration: '/dev/pts/0<char 136:0>' },
        { kind: 'int', value: 5n, base: 10, decoration: 'TCP:[1.2.3.4:5->6.7.8.9:10]' },
      ],
    ],
    [
      '0x7ffc /* 39 vars */, -100 /* AT_FDCWD */',
      [
        { kind: 'int', value: 0x7ffcn, base: 16, comment: '39 vars' },
        { kind: 'int', value: -100n, base: 10, comment: 'AT_FDCWD' },
      ],
    ],
    [
      '{rlim_cur=8192*1024, rlim_max=1<<20}',
      [
        {
          kind: 'struct',
          truncated: false,
          fields: [
            { kind: 'expr', text: '8192*1024', value: 8388608n, label: 'rlim_cur' },
            { kind: 'expr', text: '1<<20', value: 1048576n, label: 'rlim_max' },
          ],
        },
      ],
    ],
    [
      '[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]',
      [
        {
          kind: 'array',
          truncated: false,
          negated: false,
          items: [
            {
              kind: 'struct',
              truncated: false,
              fields: [{ kind: 'expr', text: 'WIFEXITED(s) && WEXITSTATUS(s) == 0' }],
            },
          ],
        },
      ],
    ],
    [
      '[16 => 16], {a=1} => {a=2}',
      [
        {
          kind: 'array',
          truncated: false,
          negated: false,
          items: [
            {
              kind: 'changed',
              before: { kind: 'int', value: 16n, base: 10 },
              after: { kind: 'int', value: 16n, base: 10 },
            },
          ],
        },
        {
          kind: 'changed',
          before: {
            kind: 'struct',
            truncated: false,
            fields: [{ kind: 'int', value: 1n, base: 10, label: 'a' }],
          },
          after: {
            kind: 'struct',
            truncated: false,
            fields: [{ kind: 'int', value: 2n, base: 10, label: 'a' }],
          },
        },
      ],
    ],
    [
      'sin_port=htons(9), makedev(0x88, 0)',
      [
        { kind: 'call', name: 'htons', args: [{ kind: 'int', value: 9n, base: 10 }], label: 'sin_port' },
        {
          kind: 'call',
          name: 'makedev',
          args: [
            { kind: 'int', value: 0x88n, base: 16 },
            { kind: 'int', value: 0n, base: 10 },
          ],
        },
      ],
    ],
    [
      '{B38400 opost isig icanon echo ...}',
      [
        {
          kind: 'struct',
          truncated: false,
          fields: [{ kind: 'expr', text: 'B38400 opost isig icanon echo ...' }],
        },
      ],
    ],
    [
      '"x", ...',
      [
        { kind: 'string', bytes: bytes('x'), truncated: false },
        { kind: 'expr', text: '...' },
      ],
    ],
  ])('%s', (text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it.each([
    ['"abc', 'unterminated string'],
    ['"a\\q"', 'bad escape \\q in string'],
    ['"\\777"', 'bad octal escape \\777 in string'],
    ['{a=1', "missing '}'"],
    ['[1, 2', "missing ']'"],
    ['3</etc/passwd', 'unterminated fd decoration <...>'],
    ['1 /* x', 'unterminated comment'],
    ['1, , 2', 'missing value at column 4'],
    ['a]', "unbalanced ']' at column 2"],
    ['1)', "unbalanced ')' at column 2"],
    ['09', 'bad octal number 09'],
    ['['.repeat(100), 'nesting deeper than 64'],
  ])('rejects %s: %s', (text, reason) => {
    expect(() => parseArgList(text, 0, false)).toThrow(new StraceSyntaxError(reason));
  });

  /** Renders a tree the way strace prints it (an independent printer for the round trip). */
  function render(a: StraceArg): string {
    const label = a.label === undefined ? '' : `${a.label}=`;
    const comment = a.comment === undefined ? '' : ` /* ${a.comment} */`;
    let body: string;
    switch (a.kind) {
      case 'int':
        body =
          a.base === 16
            ? `${a.value < 0n ? '-' : ''}0x${(a.value < 0n ? -a.value : a.value).toString(16)}`
            : a.value.toString();
        if (a.decoration !== undefined) body += `<${a.decoration}>`;
        break;
      case 'null':
        body = 'NULL';
        break;
      case 'const':
        body = a.name;
        break;
      case 'flags':
        body = [...a.names, ...(a.remainder === 0n ? [] : [`0x${a.remainder.toString(16)}`])].join('|');
        break;
      case 'string':
        body = `"${[...a.bytes].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`)).join('')}"${a.truncated ? '...' : ''}`;
        break;
      case 'struct':
        body = `{${[...a.fields.map(render), ...(a.truncated ? ['...'] : [])].join(', ')}}`;
        break;
      case 'array':
        body = `${a.negated ? '~' : ''}[${[...a.items.map(render), ...(a.truncated ? ['...'] : [])].join(', ')}]`;
        break;
      case 'call':
        body = `${a.name}(${a.args.map(render).join(', ')})`;
        break;
      default:
        throw new Error(`not generated: ${a.kind}`);
    }
    return `${label}${body}${comment}`;
  }

  const ident = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/).filter((s) => s !== 'NULL');
  const label = fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), { nil: undefined });
  const withLabel = <T extends StraceArg>(a: T, l: string | undefined): StraceArg =>
    l === undefined ? a : { ...a, label: l };
  const leaf: fc.Arbitrary<StraceArg> = fc.oneof(
    fc
      .tuple(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
        fc.constantFrom(10 as const, 16 as const),
        fc.option(fc.stringMatching(/^\/[a-z/.]{0,10}$/), { nil: undefined }),
      )
      .map(
        ([value, base, decoration]): StraceArg =>
          decoration === undefined ? { kind: 'int', value, base } : { kind: 'int', value, base, decoration },
      ),
    fc.constant<StraceArg>({ kind: 'null' }),
    ident.map((name): StraceArg => ({ kind: 'const', name })),
    fc
      .tuple(fc.array(ident, { minLength: 2, maxLength: 4 }), fc.bigInt({ min: 0n, max: 0xffffn }))
      .map(([names, remainder]): StraceArg => ({ kind: 'flags', names, remainder })),
    fc
      .tuple(fc.uint8Array({ maxLength: 24 }), fc.boolean())
      .map(([b, truncated]): StraceArg => ({ kind: 'string', bytes: b, truncated })),
  );
  const tree = fc.letrec<{ arg: StraceArg }>((tie) => ({
    arg: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(fc.array(fc.tuple(tie('arg'), label), { maxLength: 4 }), fc.boolean()).map(
        ([fs, truncated]): StraceArg => ({
          kind: 'struct',
          fields: fs.map(([a, l]) => withLabel(a, l)),
          truncated,
        }),
      ),
      fc
        .tuple(fc.array(tie('arg'), { maxLength: 4 }), fc.boolean(), fc.boolean())
        .map(([items, truncated, negated]): StraceArg => ({ kind: 'array', items, truncated, negated })),
      fc
        .tuple(fc.stringMatching(/^[a-z][a-z_]{0,6}$/), fc.array(tie('arg'), { maxLength: 3 }))
        .map(([name, args]): StraceArg => ({ kind: 'call', name, args })),
    ),
  })).arg;

  it('parses back what a strace-style printer renders (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            tree,
            label,
            fc.option(
              fc
                .stringMatching(/^[a-z0-9 ]{1,8}$/)
                .map((s) => s.trim())
                .filter((s) => s !== ''),
              { nil: undefined },
            ),
          ),
          { maxLength: 6 },
        ),
        (items) => {
          const args = items.map(([a, l, c]) => {
            const x = withLabel(a, l);
            return c === undefined ? x : { ...x, comment: c };
          });
          const text = args.map(render).join(', ');
          expect(parse(text)).toEqual(args);
        },
      ),
      { numRuns: 300 },
    );
  });
});
