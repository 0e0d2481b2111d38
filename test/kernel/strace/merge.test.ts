/** Merging `strace -ff` files: pids from names, timestamp order when every event has one. */
import { describe, expect, it } from 'vitest';
import { StraceParseError } from '../../../src/kernel/strace/errors.js';
import { mergeStraceFiles, pidFromFileName } from '../../../src/kernel/strace/merge.js';

describe('mergeStraceFiles', () => {
  it('takes the pid from FILE.PID names', () => {
    expect(pidFromFileName('trace.1234')).toBe(1234);
    expect(pidFromFileName('out/ff.99.txt')).toBe(99);
    expect(pidFromFileName('trace')).toBeUndefined();
  });

  it('interleaves -tt files by time, and keeps file order otherwise', () => {
    const a = { name: 't.10', text: '10:00:00.000001 getpid() = 10\n10:00:00.000003 getppid() = 1' };
    const b = { name: 't.11', text: '10:00:00.000002 gettid() = 11' };
    const timed = mergeStraceFiles([b, a]);
    expect(timed.events.map((e) => [e.pid, e.type === 'syscall' ? e.name : e.type, e.file])).toEqual([
      [10, 'getpid', 't.10'],
      [11, 'gettid', 't.11'],
      [10, 'getppid', 't.10'],
    ]);
    const plain = mergeStraceFiles([
      { name: 't.11', text: 'gettid() = 11' },
      { name: 't.10', text: 'getpid() = 10\ngetppid() = 1' },
    ]);
    expect(plain.events.map((e) => e.pid)).toEqual([10, 10, 11]);
  });

  it('names the file in errors', () => {
    expect(() => mergeStraceFiles([{ name: 't.5', text: 'getpid(' }])).toThrow(StraceParseError);
    expect(() => mergeStraceFiles([{ name: 't.5', text: 'getpid(' }])).toThrow("t.5: line 1: missing ')'");
    const lenient = mergeStraceFiles([{ name: 't.5', text: 'getpid() = 1\nbad' }], { lenient: true });
    expect(lenient.issues.map((i) => i.message)).toEqual([
      "t.5: line 2: not a syscall, signal or exit line: 'bad'",
    ]);
  });
});
