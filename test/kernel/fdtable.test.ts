import { describe, expect, it } from 'vitest';
import { FdTable } from '../../src/kernel/fdtable.js';
import { KFile, O_FLAGS } from '../../src/kernel/file.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { setup } from './helpers.js';

function file(log: string[], name: string): KFile {
  return new KFile('tty', name, O_FLAGS.RDWR, () => log.push(`release ${name}`));
}

describe('FdTable (fs/file.c)', () => {
  it('allocates the lowest free descriptor and reuses closed ones', () => {
    const t = new FdTable();
    const log: string[] = [];
    expect(t.install(file(log, 'a'))).toBe(0);
    expect(t.install(file(log, 'b'))).toBe(1);
    expect(t.install(file(log, 'c'))).toBe(2);
    expect(t.close(1)).toBe(0);
    expect(log).toEqual(['release b']);
    expect(t.install(file(log, 'd'))).toBe(1);
    expect(t.close(1)).toBe(0);
    expect(t.close(1)).toBe(-ERRNO.EBADF);
  });
  it('shares the file between dup’ed descriptors and releases it after the last close', () => {
    const t = new FdTable();
    const log: string[] = [];
    t.install(file(log, 'a'));
    expect(t.dup(0)).toBe(1);
    expect(t.dup2(0, 5)).toBe(5);
    t.close(0);
    t.close(1);
    expect(log).toEqual([]);
    t.close(5);
    expect(log).toEqual(['release a']);
  });
  it('dup2 onto an open fd closes it; dup2(fd, fd) returns fd; dup3 with equal fds is EINVAL', () => {
    const t = new FdTable();
    const log: string[] = [];
    t.install(file(log, 'a'));
    t.install(file(log, 'b'));
    expect(t.dup2(0, 1)).toBe(1);
    expect(log).toEqual(['release b']);
    expect(t.dup2(0, 0)).toBe(0);
    expect(t.dup2(7, 7)).toBe(-ERRNO.EBADF);
    expect(t.dup3(0, 0, 0)).toBe(-ERRNO.EINVAL);
    expect(t.dup3(0, 3, 1)).toBe(-ERRNO.EINVAL);
    expect(t.dup3(0, 3, O_FLAGS.CLOEXEC)).toBe(3);
    expect(t.isCloexec(3)).toBe(true);
    expect(t.isCloexec(1)).toBe(false);
  });
  it('fails with EMFILE past RLIMIT_NOFILE', () => {
    const t = new FdTable(() => 2);
    const log: string[] = [];
    t.install(file(log, 'a'));
    t.install(file(log, 'b'));
    expect(t.install(file(log, 'c'))).toBe(-ERRNO.EMFILE);
    expect(log).toEqual(['release c']);
  });
  it('closes close-on-exec descriptors at exec', () => {
    const t = new FdTable();
    const log: string[] = [];
    t.install(file(log, 'a'), O_FLAGS.CLOEXEC);
    t.install(file(log, 'b'));
    t.closeOnExec();
    expect(log).toEqual(['release a']);
    expect(t.openFds()).toEqual([1]);
  });
});

describe('tasks: fork, exec and bpf objects', () => {
  it('fork copies the table with references: the map lives until both processes close it', () => {
    const { kernel, task } = setup();
    const m = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    const child = task.fork();
    expect(child.fds.openFds()).toEqual([0, 1, 2, 3]);
    task.close(m.fd);
    expect(kernel.maps.size).toBe(1);
    child.close(m.fd);
    expect(kernel.maps.size).toBe(0);
  });
  it('bpf fds are O_CLOEXEC, so exec closes them and frees the object', () => {
    const { kernel, task } = setup();
    task.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 4 });
    expect(task.fds.isCloexec(3)).toBe(true);
    task.exec();
    expect(kernel.maps.size).toBe(0);
    expect(task.fds.openFds()).toEqual([0, 1, 2]);
  });
  it('threads share the fd table; it is closed when the last thread exits', () => {
    const { kernel, task } = setup();
    const th = task.spawnThread();
    const m = th.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(task.fds.get(m.fd)?.kind).toBe('map');
    expect(th.tgid).toBe(task.pid);
    task.exit();
    expect(kernel.maps.size).toBe(1);
    expect(task.bpf(0, 0, 0)).toBe(-ERRNO.ESRCH);
    th.exit();
    expect(kernel.maps.size).toBe(0);
  });
});
