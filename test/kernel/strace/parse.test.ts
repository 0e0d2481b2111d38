/**
 * The line-level parser: leaders, returns, split calls, errors with line numbers, lenient mode,
 * streaming, and a fuzz check that bad input only ever yields StraceParseError.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StraceParseError } from '../../../src/kernel/strace/errors.js';
import { parseStrace, StraceParser } from '../../../src/kernel/strace/parse.js';
import type { StraceEvent, SyscallEvent } from '../../../src/kernel/strace/trace.js';

const one = (line: string): SyscallEvent => {
  const e = parseStrace(line).events[0];
  if (e?.type !== 'syscall') throw new Error(`not a syscall: ${line}`);
  return e;
};

describe('strace line parser', () => {
  it('reads every leader form: [pid N], N, -t, -tt, -ttt, -r, -i, -n', () => {
    expect(one('[pid  42] getpid() = 42')).toMatchObject({
      pid: 42,
      name: 'getpid',
      args: [],
      ret: { value: 42n, text: '42' },
    });
    expect(one('42 getpid() = 42').pid).toBe(42);
    expect(one('10:20:30 getpid() = 1').timestamp).toEqual({
      kind: 'clock',
      seconds: 37230,
      text: '10:20:30',
    });
    expect(one('42 10:20:30.500000 getpid() = 1').timestamp).toEqual({
      kind: 'clock',
      seconds: 37230.5,
      text: '10:20:30.500000',
    });
    expect(one('1795325019.216011 getpid() = 1').timestamp).toEqual({
      kind: 'epoch',
      seconds: 1795325019.216011,
      text: '1795325019.216011',
    });
    expect(one('42      0.000058 getpid() = 1').timestamp).toEqual({
      kind: 'relative',
      seconds: 0.000058,
      text: '0.000058',
    });
    expect(one('[00007f0000000001] getpid() = 1').ip).toBe('00007f0000000001');
    expect(one('[????????????????] getpid() = 1').ip).toBe('?');
    expect(one('[  39] getpid() = 1').nr).toBe(39);
  });

  it('reads return forms: errno, ?, restart codes, aux text, fd decoration, duration', () => {
    expect(one('open("/x", O_RDONLY) = -1 ENOENT (No such file or directory) <0.000010>')).toMatchObject({
      ret: { value: -1n, errno: 'ENOENT', errnoNumber: 2, errnoText: 'No such file or directory' },
      duration: 0.00001,
    });
    expect(one('exit_group(0) = ?').ret).toEqual({ value: undefined, text: '?' });
    expect(one('read(0, 0x1, 2) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)').ret).toEqual({
      value: undefined,
      text: '?',
      errno: 'ERESTARTSYS',
      errnoText: 'To be restarted if SA_RESTART is set',
    });
    expect(one('poll([{fd=3, events=POLLIN}], 1, 0) = 1 ([{fd=3, revents=POLLIN}])').ret?.aux).toBe(
      '[{fd=3, revents=POLLIN}]',
    );
    expect(one('fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)').ret).toMatchObject({
      value: 0x8002n,
      aux: 'flags O_RDWR|O_LARGEFILE',
    });
    expect(one('openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3</etc/passwd> <0.000020>')).toMatchObject({
      ret: { value: 3n, decoration: '/etc/passwd' },
      duration: 0.00002,
    });
    expect(one('getpid() = 7<sh>').ret?.decoration).toBe('sh');
    expect(one('getuid() = -1 EPERM (Operation not permitted) (INJECTED)').ret).toMatchObject({
      errno: 'EPERM',
      aux: 'INJECTED',
    });
    expect(one('read(3, 0x1, 2) = ? <unavailable>').ret).toEqual({
      value: undefined,
      text: '?',
      aux: 'unavailable',
    });
  });

  it('reads other forms strace prints: restart_syscall, sched masks, capabilities, detached calls', () => {
    expect(one('restart_syscall(<... resuming interrupted read ...>) = 0').args).toEqual([
      { kind: 'expr', text: '<... resuming interrupted read ...>' },
    ]);
    expect(one('sched_getaffinity(0, 128, [0 1 2 3]) = 8').args[2]).toMatchObject({
      kind: 'array',
      items: [0n, 1n, 2n, 3n].map((value) => ({ kind: 'int', value, base: 10 })),
    });
    expect(
      one(
        'capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN|1<<CAP_KILL, permitted=0, inheritable=0}) = 0',
      ).args[1],
    ).toMatchObject({
      fields: [
        { kind: 'expr', text: '1<<CAP_CHOWN|1<<CAP_KILL', label: 'effective' },
        { label: 'permitted' },
        { label: 'inheritable' },
      ],
    });
    expect(one('openat(AT_FDCWD</root>, "x", O_RDONLY) = 3</root/x>').args[0]).toEqual({
      kind: 'const',
      name: 'AT_FDCWD',
      decoration: '/root',
    });
    const { events } = parseStrace('read(0,  <detached ...>');
    expect(events[0]).toMatchObject({
      name: 'read',
      partial: 'unfinished',
      args: [{ kind: 'int', value: 0n }],
    });
  });

  it('uses the resolver for numbers, the name for syscall_0x..., -n before both', () => {
    const resolve = (n: string): number | undefined => ({ read: 0, write: 1 })[n];
    const { events } = parseStrace(
      'read(0, "", 1) = 0\nsyscall_0x1c2(0) = -1 ENOSYS (Function not implemented)\nfoo() = 0\n[   1] read() = 0',
      { resolve },
    );
    expect(events.map((e) => (e.type === 'syscall' ? e.nr : null))).toEqual([0, 450, undefined, 1]);
  });

  it('merges split calls at the first half, keeping where the second half was', () => {
    const text = [
      '1 futex(0x1, FUTEX_WAIT, 2, NULL <unfinished ...>',
      '2 write(1, "a", 1 <unfinished ...>',
      '2 <... write resumed>) = 1',
      '1 <... futex resumed>) = 0',
      '2 exit(0 <unfinished ...>',
      '2 +++ exited with 0 +++',
      '3 <... wait4 resumed>, NULL) = 5',
    ].join('\n');
    const { events } = parseStrace(text);
    expect(events.map((e) => [e.type, e.pid, e.line, e.seq])).toEqual([
      ['syscall', 1, 1, 0],
      ['syscall', 2, 2, 1],
      ['syscall', 2, 5, 4],
      ['exit', 2, 6, 5],
      ['syscall', 3, 7, 7],
    ]);
    const [futex, write, exit, , wait] = events as SyscallEvent[];
    expect(futex?.args.length).toBe(4);
    expect(futex?.resumed).toEqual({ line: 4, seq: 3 });
    expect(write?.resumed).toEqual({ line: 3, seq: 2 });
    expect(write?.ret?.value).toBe(1n);
    expect(exit).toMatchObject({ name: 'exit', partial: 'unfinished', args: [{ kind: 'int', value: 0n }] });
    expect(exit?.ret).toBeUndefined();
    expect(wait).toMatchObject({
      name: 'wait4',
      partial: 'resumed-only',
      args: [{ kind: 'null' }],
      ret: { value: 5n },
    });
  });

  it('reads signals, exits, kills, attach/detach and other notes', () => {
    const { events } = parseStrace(
      [
        '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=5, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
        '--- stopped by SIGSTOP ---',
        '+++ exited with 3 +++',
        '+++ killed by SIGSEGV (core dumped) +++',
        'strace: Process 77 attached',
        'strace: Process 77 detached',
        '+++ superseded by execve in pid 9 +++',
        'strace: exec: No such file or directory',
      ].join('\r\n'),
    );
    expect(events.map((e) => e.type)).toEqual([
      'signal',
      'signal',
      'exit',
      'killed',
      'attach',
      'detach',
      'note',
      'note',
    ]);
    expect(events[0]).toMatchObject({ signal: 'SIGCHLD', info: { kind: 'struct' } });
    expect(events[1]).toMatchObject({ signal: 'SIGSTOP', text: 'stopped by SIGSTOP' });
    expect(events[2]).toMatchObject({ code: 3 });
    expect(events[3]).toMatchObject({ signal: 'SIGSEGV', coreDumped: true });
    expect(events[4]).toMatchObject({ pid: 77 });
    expect(events[6]).toMatchObject({ text: 'superseded by execve in pid 9' });
  });

  it.each([
    ['getpid()', "line 3: missing return value '= ...'"],
    ['open("/etc = 3', 'line 3: unterminated string'],
    ['read(3, {a=1, 2) = 0', "line 3: unbalanced ')' at column 16"],
    ['hello world', "line 3: not a syscall, signal or exit line: 'hello world'"],
    ['getpid() = abc', 'line 3: bad return value at column 12'],
    ['getpid() = 1 junk', 'line 3: unexpected text after return value at column 14'],
    ['--- SIGCHLD {si_signo=SIGCHLD}', "line 3: signal line without closing '---'"],
    ['<... getpid', "line 3: malformed '<... name resumed>'"],
    [' > libc.so(x) [0x1]', 'line 3: stack frame line without a preceding syscall'],
  ])('reports %s as one line with its line number', (bad, message) => {
    const text = `\n${bad.startsWith(' > ') ? '' : 'getpid() = 1'}\n${bad}\ngetpid() = 2\n`;
    expect(() => parseStrace(text)).toThrow(new StraceParseError(3, message.replace(/^line 3: /, '')));
    try {
      parseStrace(text);
    } catch (e) {
      expect((e as Error).message).toBe(message);
      expect((e as Error).message).not.toContain('\n');
    }
    const lenient = parseStrace(text, { lenient: true });
    expect(lenient.issues.map((i) => i.message)).toEqual([message]);
    expect(lenient.events.filter((e) => e.type === 'syscall').at(-1)).toMatchObject({
      line: 4,
      ret: { value: 2n },
    });
  });

  it('never throws anything but StraceParseError on arbitrary or mutated input (fast-check)', () => {
    const sample = readFileSync(
      resolve(import.meta.dirname, '../../fixtures/strace/sample-T-i.txt'),
      'utf8',
    ).split('\n');
    const mutated = fc
      .tuple(fc.constantFrom(...sample), fc.nat(), fc.nat(), fc.string({ maxLength: 4 }))
      .map(([l, a, b, ins]) => {
        const i = a % (l.length + 1);
        return l.slice(0, i) + ins + l.slice(i + (b % 4));
      });
    fc.assert(
      fc.property(fc.array(fc.oneof(mutated, fc.string({ maxLength: 40 })), { maxLength: 8 }), (lines) => {
        try {
          parseStrace(lines.join('\n'));
        } catch (e) {
          expect(e).toBeInstanceOf(StraceParseError);
          expect((e as Error).message).toMatch(/^line \d+: [^\n]+$/);
        }
        const lenient = parseStrace(lines.join('\n'), { lenient: true });
        for (const i of lenient.issues) expect(i.line).toBeLessThanOrEqual(lines.length);
      }),
      { numRuns: 400 },
    );
  });

  it('streams: pushing lines one by one gives the same events as parsing the whole text', () => {
    const text = readFileSync(resolve(import.meta.dirname, '../../fixtures/strace/sample-T-i.txt'), 'utf8');
    const whole = parseStrace(text).events;
    const p = new StraceParser();
    const streamed: StraceEvent[] = [];
    let early = 0;
    for (const l of text.split('\n')) {
      const got = p.push(l);
      early += got.length;
      streamed.push(...got);
    }
    streamed.push(...p.end());
    expect(streamed).toEqual(whole);
    expect(early).toBeGreaterThan(whole.length / 2);
  });

  it('assigns unprefixed lines of -f output to the only live task, or to options.pid', () => {
    const { events } = parseStrace('[pid 5] getpid() = 5\ngetppid() = 1', {});
    expect(events.map((e) => e.pid)).toEqual([5, 5]);
    expect(parseStrace('getpid() = 9', { pid: 9 }).events[0]?.pid).toBe(9);
    expect(parseStrace('getpid() = 9').events[0]?.pid).toBeUndefined();
  });
});
