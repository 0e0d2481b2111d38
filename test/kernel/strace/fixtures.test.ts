/**
 * Real strace captures (test/fixtures/strace, made by capture.sh on Linux 6.18 with strace 6.1)
 * parse without error; event counts are checked against counts computed from the raw text with
 * simple line filters, and chosen lines are checked field by field against the raw text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeStraceFiles } from '../../../src/kernel/strace/merge.js';
import { parseStrace } from '../../../src/kernel/strace/parse.js';
import type { StraceArg, StraceEvent, SyscallEvent } from '../../../src/kernel/strace/trace.js';
import { argValue } from '../../../src/kernel/strace/value.js';

const DIR = resolve(import.meta.dirname, '../../fixtures/strace');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
const read = (f: string): string => readFileSync(resolve(DIR, f), 'utf8');
const calls = (events: StraceEvent[]): SyscallEvent[] =>
  events.filter((e): e is SyscallEvent => e.type === 'syscall');
const ascii = (a: StraceArg | undefined): string =>
  a?.kind === 'string' ? new TextDecoder().decode(a.bytes) : `<${a?.kind}>`;

/** Independent count: lines with '(' that are neither resumptions nor -k frames nor signal lines. */
function countCallLines(text: string): { calls: number; unfinished: number; resumed: number } {
  const lines = text.split('\n');
  let calls = 0;
  for (const l of lines) {
    if (!l.includes('(')) continue;
    if (l.includes('<... ') || l.startsWith(' > ') || /--- SIG.*---$/.test(l)) continue;
    calls++;
  }
  return {
    calls,
    unfinished: lines.filter((l) => l.endsWith('<unfinished ...>')).length,
    resumed: lines.filter((l) => / resumed>/.test(l)).length,
  };
}

describe('strace fixtures', () => {
  it('finds the captures', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(10);
  });

  for (const f of FILES) {
    it(`${f} parses with no error and counts match the raw text`, () => {
      const text = read(f);
      const { events, issues } = parseStrace(text);
      expect(issues).toEqual([]);
      const raw = countCallLines(text);
      const sys = calls(events);
      expect(sys.length).toBe(raw.calls);
      const merged = sys.filter((e) => e.resumed !== undefined).length;
      const unfinishedOnly = sys.filter((e) => e.partial === 'unfinished').length;
      const resumedOnly = sys.filter((e) => e.partial === 'resumed-only').length;
      expect(merged + unfinishedOnly).toBe(raw.unfinished);
      expect(merged + resumedOnly).toBe(raw.resumed);
      // Every completed call has a return value; exits/kills/signals match the '+++'/'---' lines.
      for (const e of sys) if (e.partial !== 'unfinished') expect(e.ret).toBeDefined();
      const exits = text.split('\n').filter((l) => / \+\+\+ (exited|killed) /.test(` ${l}`)).length;
      expect(events.filter((e) => e.type === 'exit' || e.type === 'killed').length).toBe(exits);
      // seq increases along the event list (events are in trace order).
      for (let i = 1; i < events.length; i++)
        expect(events[i]?.seq).toBeGreaterThan(events[i - 1]?.seq ?? -1);
    });
  }

  it('-f -tt -yy: decorated fds, errno results, unknown syscall numbers, sockaddr structs', () => {
    const text = read('sample-yy.txt');
    const lines = text.split('\n');
    const sys = calls(parseStrace(text).events);
    const at = (n: number): SyscallEvent => {
      const e = sys.find((s) => s.line === n);
      if (!e) throw new Error(`no syscall at line ${n}: ${lines[n - 1]}`);
      return e;
    };
    // 30: openat(AT_FDCWD</work/...>, "/nonexistent/file", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)
    const open = at(30);
    expect(lines[29]).toContain('openat(AT_FDCWD<');
    expect(open.pid).toBe(Number(lines[29]?.split(' ')[0]));
    expect(open.timestamp?.kind).toBe('clock');
    expect(open.timestamp?.text).toBe(lines[29]?.split(' ')[1]);
    expect(open.name).toBe('openat');
    expect(open.args.length).toBe(3);
    expect(open.args[0]).toEqual({
      kind: 'const',
      name: 'AT_FDCWD',
      decoration: '/work/main/test/fixtures/strace',
    });
    expect(argValue(open.args[0] as StraceArg)).toBe(2n ** 64n - 100n);
    expect(ascii(open.args[1])).toBe('/nonexistent/file');
    expect(open.args[2]).toEqual({ kind: 'flags', names: ['O_RDONLY', 'O_CLOEXEC'], remainder: 0n });
    expect(argValue(open.args[2] as StraceArg)).toBe(0x80000n);
    expect(open.ret).toMatchObject({
      value: -1n,
      errno: 'ENOENT',
      errnoNumber: 2,
      errnoText: 'No such file or directory',
    });
    // 31: syscall_0x1f4(0x1, 0x2, 0x3, ...) = -1 ENOSYS: the number comes from the name (500).
    const unk = at(31);
    expect(unk.name).toBe('syscall_0x1f4');
    expect(unk.nr).toBe(500);
    expect(unk.args.slice(0, 3)).toEqual([
      { kind: 'int', value: 1n, base: 16 },
      { kind: 'int', value: 2n, base: 16 },
      { kind: 'int', value: 3n, base: 16 },
    ]);
    expect(unk.ret?.errno).toBe('ENOSYS');
    // 32: socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3<TCP:[...]>
    const sock = at(32);
    expect(sock.args.map((a) => argValue(a))).toEqual([2n, 0x80001n, 0n]);
    expect(sock.ret?.value).toBe(3n);
    expect(sock.ret?.decoration).toMatch(/^TCP:\[\d+\]$/);
    // 37: connect(3<TCP:[281934]>, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
    const conn = at(37);
    expect(conn.args[0]).toMatchObject({ kind: 'int', value: 3n, decoration: 'TCP:[281934]' });
    const sa = conn.args[1];
    expect(sa?.kind).toBe('struct');
    if (sa?.kind !== 'struct') return;
    expect(sa.fields.map((f) => f.label)).toEqual(['sa_family', 'sin_port', 'sin_addr']);
    expect(sa.fields[1]).toEqual({
      kind: 'call',
      name: 'htons',
      args: [{ kind: 'int', value: 9n, base: 10 }],
      label: 'sin_port',
    });
    expect(argValue(sa)).toBeUndefined();
    // 38: close(3<TCP:[127.0.0.1:34544->127.0.0.1:9]>)
    expect(at(38).args[0]).toMatchObject({ decoration: 'TCP:[127.0.0.1:34544->127.0.0.1:9]' });
    // 85: nested decoration 1</dev/null<char 1:3>> and a string with escapes.
    const w = at(85);
    expect(w.args[0]).toMatchObject({ value: 1n, decoration: '/dev/null<char 1:3>' });
    expect(w.args[1]).toMatchObject({
      kind: 'string',
      bytes: Uint8Array.from([...'thread "done"\n\t'].map((c) => c.charCodeAt(0)).concat([1, 0o377, 0])),
      truncated: false,
    });
    // 110: clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x...)
    const clone = at(110);
    expect(clone.args.map((a) => a.label)).toEqual(['child_stack', 'flags', 'child_tidptr']);
    expect(clone.args[0]?.kind).toBe('null');
    expect(argValue(clone.args[1] as StraceArg)).toBe(0x200000n | 0x1000000n | 17n);
    // 112/115: wait4 split around the child's exit; merged at line 112 with the status array.
    const wait = at(112);
    expect(wait.resumed?.line).toBe(115);
    expect(wait.args.length).toBe(4);
    expect(wait.args[1]).toMatchObject({
      kind: 'array',
      items: [{ kind: 'struct', fields: [{ kind: 'expr', text: 'WIFEXITED(s) && WEXITSTATUS(s) == 3' }] }],
    });
    expect(wait.ret?.value).toBe(BigInt(lines[114]?.slice((lines[114]?.lastIndexOf('= ') ?? 0) + 2) ?? 'x'));
    const events = parseStrace(text).events;
    const killed = events.find((e) => e.type === 'killed');
    expect(killed).toMatchObject({ type: 'killed', signal: 'SIGSYS', coreDumped: false, line: 121 });
  });

  it('-f -T -i on stderr: [pid N] prefixes, ips, durations, attach lines spliced into calls', () => {
    const text = read('sample-T-i.txt');
    const { events } = parseStrace(text);
    const lines = text.split('\n');
    // A call cut by "strace: Process N attached" continues on the next line (here: clone()).
    const cuts = lines.flatMap((l, i) => (!l.startsWith('strace:') && / attached$/.test(l) ? [i] : []));
    expect(cuts.length).toBeGreaterThanOrEqual(1);
    for (const i of cuts) {
      const e = calls(events).find((c) => c.line === i + 1);
      expect(e?.name).toBe(/\] (\w+)\(/.exec(lines[i] ?? '')?.[1]);
      expect(e?.ret).toBeDefined();
    }
    const cut = lines.findIndex((l) => l.includes(' clone(') && / attached$/.test(l));
    expect(cut).toBeGreaterThanOrEqual(0);
    const child = Number(/Process (\d+) attached$/.exec(lines[cut] ?? '')?.[1]);
    const cloned = calls(events).find((e) => e.line === cut + 1);
    expect(cloned?.name).toBe(/\] (\w+)\(/.exec(lines[cut] ?? '')?.[1]);
    expect(cloned?.ret?.value).toBe(BigInt(child));
    expect(events.some((e) => e.type === 'attach' && e.pid === child)).toBe(true);
    if (cloned?.name === 'clone') {
      expect(cloned.args.map((a) => a.label)).toEqual(['child_stack', 'flags', 'child_tidptr']);
      expect(argValue(cloned.args[1] as StraceArg)).toBe(0x200000n | 0x1000000n | 17n);
      const resumedAt = lines.findIndex((l) => l.includes('<... clone resumed>'));
      expect(cloned.resumed?.line).toBe(resumedAt + 1);
      expect(cloned.pid).toBe(Number(/^\[pid +(\d+)\]/.exec(lines[resumedAt] ?? '')?.[1]));
    }
    // clone3 prints its in/out struct as `{...} => {parent_tid=[N]}`.
    const c3 = lines.findIndex((l) => l.includes('clone3(') && l.includes(' => {parent_tid=['));
    const clone3 = calls(events).find((e) => e.line === c3 + 1);
    const tid = Number(/parent_tid=\[(\d+)\]/.exec(lines[c3] ?? '')?.[1]);
    const a0 = clone3?.args[0];
    expect(a0?.kind).toBe('changed');
    if (a0?.kind !== 'changed') return;
    expect(a0.before.kind).toBe('struct');
    expect(a0.after).toEqual({
      kind: 'struct',
      truncated: false,
      fields: [
        {
          kind: 'array',
          items: [{ kind: 'int', value: BigInt(tid), base: 10 }],
          truncated: false,
          negated: false,
          label: 'parent_tid',
        },
      ],
    });
    expect(clone3?.ret?.value).toBe(BigInt(tid));
    expect(clone3?.duration).toBe(Number(/<([\d.]+)>$/.exec(lines[c3] ?? '')?.[1]));
    expect(clone3?.ip).toBe(/\[([0-9a-f]{16})\]/.exec(lines[c3] ?? '')?.[1]);
    // Unprefixed lines after the threads exit belong to the only live task.
    const futex = calls(events).find((e) => e.name === 'futex' && e.resumed !== undefined);
    expect(futex?.pid).toBeDefined();
    const killed = events.at(-1);
    expect(killed).toMatchObject({ type: 'killed', signal: 'SIGSYS', ip: '?' });
    const getppid = calls(events).at(-1);
    expect(getppid?.name).toBe('getppid');
    const sigchld = events.find((e) => e.type === 'signal');
    expect(sigchld).toMatchObject({ type: 'signal', signal: 'SIGCHLD' });
    if (sigchld?.type === 'signal')
      expect(sigchld.info?.fields[0]).toEqual({ kind: 'const', name: 'SIGCHLD', label: 'si_signo' });
  });

  it('-k -n -X verbose: stack frames, syscall numbers from the leader, verbose constants', () => {
    const text = read('true-k-n-X.txt');
    const sys = calls(parseStrace(text).events);
    const open = sys.find((e) => e.name === 'openat');
    expect(open?.nr).toBe(257);
    expect(open?.args[0]).toEqual({ kind: 'int', value: -100n, base: 10, comment: 'AT_FDCWD' });
    expect(argValue(open?.args[0] as StraceArg)).toBe(2n ** 64n - 100n);
    expect(open?.args[2]).toEqual({ kind: 'int', value: 0x80000n, base: 16, comment: 'O_RDONLY|O_CLOEXEC' });
    const frames = text.split('\n').filter((l) => l.startsWith(' > ')).length;
    expect(sys.reduce((n, e) => n + (e.stack?.length ?? 0), 0)).toBe(frames);
    expect(sys[0]?.stack?.[0]).toMatch(
      /^\/usr\/lib\/x86_64-linux-gnu\/ld-linux-x86-64\.so\.2\(_dl_catch_error\+0x[0-9a-f]+\) \[0x[0-9a-f]+\]$/,
    );
    expect(sys.every((e) => e.nr !== undefined)).toBe(true);
  });

  it('-ttt and -r timestamps', () => {
    const ttt = parseStrace(read('python-threads-ttt.txt')).events;
    expect(ttt.every((e) => e.timestamp?.kind === 'epoch')).toBe(true);
    expect(ttt[0]?.timestamp?.seconds).toBeGreaterThan(1.7e9);
    const r = parseStrace(read('sample-r.txt')).events;
    expect(r.every((e) => e.timestamp?.kind === 'relative')).toBe(true);
    expect(r[0]?.timestamp?.seconds).toBe(0);
  });

  it('-s 8 -v: truncated strings and arrays, verbose structs with comments', () => {
    const sys = calls(parseStrace(read('cat-s8-v-x.txt')).events);
    const exec = sys[0];
    expect(exec?.name).toBe('execve');
    const argv = exec?.args[1];
    expect(argv?.kind).toBe('array');
    if (argv?.kind === 'array') {
      expect(argv.items.map(ascii)).toEqual(['sh', '-c', 'cat /etc']);
      expect(argv.items.map((i) => i.kind === 'string' && i.truncated)).toEqual([false, false, true]);
    }
    const stat = sys.find((e) => e.name === 'newfstatat');
    const st = stat?.args[2];
    expect(st?.kind).toBe('struct');
    if (st?.kind === 'struct') {
      expect(st.fields.find((f) => f.label === 'st_mode')).toEqual({
        kind: 'flags',
        names: ['S_IFREG'],
        remainder: 0o644n,
        label: 'st_mode',
      });
      expect(st.fields.find((f) => f.label === 'st_dev')?.kind).toBe('call');
      expect(st.fields.find((f) => f.label === 'st_atime')?.comment).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
  });

  it('-ff files merge into one trace with the pids of their names', () => {
    const ff = FILES.filter((f) => f.startsWith('ff.'));
    expect(ff.length).toBe(3);
    const { events, issues } = mergeStraceFiles(ff.map((name) => ({ name, text: read(name) })));
    expect(issues).toEqual([]);
    const pids = new Set(events.map((e) => e.pid));
    expect([...pids].sort()).toEqual(ff.map((f) => Number(f.split('.')[1])).sort());
    const total = ff.reduce(
      (n, f) =>
        n +
        read(f)
          .split('\n')
          .filter((l) => l !== '').length,
      0,
    );
    expect(events.length).toBe(total);
    // The parent's clone() returns the pid of one of the other files.
    const clones = calls(events).filter((e) => e.name === 'clone');
    for (const c of clones) expect(pids.has(Number(c.ret?.value))).toBe(true);
  });
});
