import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../../src/kernel/kernel.js';
import { parseStrace } from '../../../src/kernel/strace/parse.js';
import { leftOut, prepareReplay, replayCalls } from '../../../src/kernel/workload/trace-replay.js';
import { archById } from '../../../src/seccomp/syscalls/arches.js';
import { syscallNumber } from '../../../src/seccomp/syscalls/resolve.js';

const arch = archById('x86_64');
const parse = (text: string) =>
  parseStrace(text, { lenient: true, resolve: (n: string) => syscallNumber(arch, n) });

describe('trace replay', () => {
  it('places strings in the task’s memory, so the engine walks the traced paths', () => {
    const task = new Kernel().spawn();
    const t = parse(
      [
        '100 openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3',
        '100 read(3, "bpfsim\\n", 4096) = 7',
        '100 openat(AT_FDCWD, "/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory)',
        '100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD) = 101',
        '100 mmap(NULL, 2097152, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0000000000',
        '100 exit_group(0) = ?',
      ].join('\n'),
    );
    const calls = prepareReplay(task, t.events);
    expect(calls.map((c) => c.name)).toEqual(['openat', 'read', 'openat']);
    const rets = calls.map((c) => task.syscall(c.nr, c.args).ret);
    expect(rets).toEqual([3, 7, -2]);
    const ev = t.events.filter((e) => e.type === 'syscall');
    expect(ev.map((e) => (e.type === 'syscall' ? (leftOut(e) ?? 'replayed') : ''))).toEqual([
      'replayed',
      'replayed',
      'replayed',
      'creates or ends a task',
      'mapping larger than 64 KiB',
      'creates or ends a task',
    ]);
  });

  it('replays round and round from the same state: counts per action, no fd or memory growth', () => {
    const task = new Kernel().spawn();
    const calls = prepareReplay(
      task,
      parse(readFileSync(resolve(import.meta.dirname, '../../../examples/sh-ls-cat.strace'), 'utf8')).events,
    );
    expect(calls.length).toBeGreaterThan(200);
    const fds = task.fds.openFds().length;
    const mapped = task.mem.mapped;
    const a = replayCalls(task, calls, 10 * calls.length);
    expect([...a.values()].reduce((x, y) => x + y, 0)).toBe(10 * calls.length);
    expect(a.get('ALLOW')).toBe(10 * calls.length);
    replayCalls(task, calls, calls.length);
    expect(task.fds.openFds().length).toBeLessThanOrEqual(fds + 3);
    expect(task.mem.mapped).toBe(mapped);
  });
});
