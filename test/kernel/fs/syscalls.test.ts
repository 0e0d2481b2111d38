import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DT } from '../../../src/kernel/fs/inode.js';
import { O } from '../../../src/kernel/fs/open-file.js';
import { AT, F, FD_CLOEXEC, SEEK } from '../../../src/kernel/fs/syscalls.js';
import { vfsOf } from '../../../src/kernel/fs/vfs.js';
import type { NR } from '../../../src/kernel/syscall-entry.js';
import { ERRNO, errnoName } from '../../../src/uapi/errno.js';
import { kernelUnavailable } from '../backend/env.js';
import { type Arg, hostCaller, simTask } from './sys.js';

/** The tree both sides get: DIR/f (0644, "hello"), DIR/sub/. */
function simWithTree() {
  const s = simTask();
  const vfs = vfsOf(s.kernel);
  vfs.mkdirs('/cmp/sub');
  vfs.writeFile('/cmp/f', 'hello');
  return s;
}

/** A reference to the fd the i-th call of a case returned (the host has other fds open). */
type Ref = { readonly ref: number };
type Call = [keyof typeof NR, ...(Arg | Ref)[]];
const r0: Ref = { ref: 0 };
const r2: Ref = { ref: 2 };

/** openat/fcntl/... cases whose results (fds as "fd", errors as -errno, values) are compared with the kernel. */
const CASES: [string, (dir: string) => Call[]][] = [
  ['missing file', (d) => [['openat', AT.FDCWD, `${d}/missing`, O.RDONLY, 0]]],
  [
    'O_CREAT|O_EXCL on an existing file',
    (d) => [['openat', AT.FDCWD, `${d}/f`, O.CREAT | O.EXCL | O.WRONLY, 0o644]],
  ],
  ['a file used as a directory', (d) => [['openat', AT.FDCWD, `${d}/f/x`, O.RDONLY, 0]]],
  ['a file with a trailing slash', (d) => [['openat', AT.FDCWD, `${d}/f/`, O.RDONLY, 0]]],
  ['a directory for writing', (d) => [['openat', AT.FDCWD, `${d}/sub`, O.WRONLY, 0]]],
  ['O_CREAT on a directory', (d) => [['openat', AT.FDCWD, `${d}/sub`, O.CREAT | O.RDONLY, 0o644]]],
  ['O_CREAT of "name/"', (d) => [['openat', AT.FDCWD, `${d}/new/`, O.CREAT | O.RDWR, 0o644]]],
  ['O_DIRECTORY on a file', (d) => [['openat', AT.FDCWD, `${d}/f`, O.DIRECTORY | O.RDONLY, 0]]],
  ['a directory read-only', (d) => [['openat', AT.FDCWD, `${d}/sub`, O.RDONLY | O.DIRECTORY, 0]]],
  ['an empty path', () => [['openat', AT.FDCWD, '', O.RDONLY, 0]]],
  ['a bad dirfd', () => [['openat', 9999, 'relative', O.RDONLY, 0]]],
  [
    'a file as dirfd',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['openat', r0, 'x', O.RDONLY, 0],
    ],
  ],
  ['fcntl on a closed fd', () => [['fcntl', 9999, F.GETFD, 0]]],
  [
    'fcntl with an unknown command',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['fcntl', r0, 999_999, 0],
    ],
  ],
  [
    'F_GETFL of O_RDWR|O_APPEND|O_CLOEXEC',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDWR | O.APPEND | O.CLOEXEC, 0],
      ['fcntl', r0, F.GETFL, 0],
    ],
  ],
  [
    'F_GETFL of a directory',
    (d) => [
      ['openat', AT.FDCWD, `${d}/sub`, O.RDONLY | O.DIRECTORY | O.NONBLOCK, 0],
      ['fcntl', r0, F.GETFL, 0],
    ],
  ],
  [
    'F_GETFD of O_CLOEXEC',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY | O.CLOEXEC, 0],
      ['fcntl', r0, F.GETFD, 0],
    ],
  ],
  [
    'F_SETFL keeps the access mode, sets O_NONBLOCK',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['fcntl', r0, F.SETFL, O.NONBLOCK | O.WRONLY | O.TRUNC],
      ['fcntl', r0, F.GETFL, 0],
    ],
  ],
  [
    'F_DUPFD_CLOEXEC then F_GETFD',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['fcntl', r0, F.DUPFD_CLOEXEC, 100],
      ['fcntl', r2, F.GETFD, 0],
    ],
  ],
  [
    'F_DUPFD then F_GETFD',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY | O.CLOEXEC, 0],
      ['fcntl', r0, F.DUPFD, 100],
      ['fcntl', { ref: 1 }, F.GETFD, 0],
    ],
  ],
  [
    'F_DUPFD past RLIMIT_NOFILE',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['fcntl', r0, F.DUPFD, 1 << 21],
    ],
  ],
  [
    'lseek: SEEK_END, a negative position, a bad whence',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['lseek', r0, 0, SEEK.END],
      ['lseek', r0, -10, SEEK.SET],
      ['lseek', r0, 0, 7],
    ],
  ],
  [
    'read on a write-only file',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.WRONLY, 0],
      ['read', r0, new Uint8Array(8), 8],
    ],
  ],
  [
    'write on a read-only file',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['write', r0, new Uint8Array(4), 4],
    ],
  ],
  [
    'read on a directory',
    (d) => [
      ['openat', AT.FDCWD, `${d}/sub`, O.RDONLY, 0],
      ['read', r0, new Uint8Array(8), 8],
    ],
  ],
  [
    'read of a file',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['read', r0, new Uint8Array(64), 64],
      ['read', r0, new Uint8Array(64), 64],
    ],
  ],
  [
    'getdents64 on a file',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['getdents64', r0, new Uint8Array(64), 64],
    ],
  ],
  [
    'getdents64 with a tiny buffer',
    (d) => [
      ['openat', AT.FDCWD, `${d}/sub`, O.RDONLY, 0],
      ['getdents64', r0, new Uint8Array(8), 8],
    ],
  ],
  ['newfstatat with a bad flag', (d) => [['newfstatat', AT.FDCWD, `${d}/f`, new Uint8Array(144), 0x4]]],
  ['newfstatat of a missing file', (d) => [['newfstatat', AT.FDCWD, `${d}/nope`, new Uint8Array(144), 0]]],
  [
    'ioctl FIONBIO then F_GETFL',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['ioctl', r0, 0x5421, new Uint8Array([1, 0, 0, 0])],
      ['fcntl', r0, F.GETFL, 0],
    ],
  ],
  [
    'ioctl TUNSETIFF on a regular file',
    (d) => [
      ['openat', AT.FDCWD, `${d}/f`, O.RDONLY, 0],
      ['ioctl', r0, 0x400454ca, new Uint8Array(40)],
    ],
  ],
];

/** Runs a case: the results, fds as "fd" (their numbers differ between the sides). */
function runCase(
  call: (name: keyof typeof NR, ...a: Arg[]) => number,
  calls: Call[],
  fdCalls: Set<number>,
): { out: string[]; fds: number[] } {
  const rets: number[] = [];
  const out: string[] = [];
  const fds: number[] = [];
  calls.forEach(([name, ...args], i) => {
    const real = args.map((a) => (typeof a === 'object' && 'ref' in a ? (rets[a.ref] ?? -1) : a));
    const r = call(name, ...real);
    rets.push(r);
    if (fdCalls.has(i) && r >= 0) fds.push(r);
    out.push(r < 0 ? `-${errnoName(-r) ?? -r}` : fdCalls.has(i) ? 'fd' : String(r));
  });
  return { out, fds };
}

/** The calls of a case that return a new fd. */
function fdReturning(calls: Call[]): Set<number> {
  const s = new Set<number>();
  calls.forEach(([name, ...args], i) => {
    if (name === 'openat' || (name === 'fcntl' && (args[1] === F.DUPFD || args[1] === F.DUPFD_CLOEXEC)))
      s.add(i);
  });
  return s;
}

const why = await kernelUnavailable();

describe('files of the simulated filesystem', () => {
  it('creates, writes, appends, truncates, seeks and reads back', () => {
    const { call } = simTask();
    const fd = call('openat', AT.FDCWD, '/tmp/x', O.CREAT | O.RDWR | O.EXCL, 0o666);
    expect(fd).toBe(3);
    expect(call('write', fd, new TextEncoder().encode('hello world'), 11)).toBe(11);
    expect(call('lseek', fd, 6, SEEK.SET)).toBe(6);
    const b = new Uint8Array(5);
    expect(call('read', fd, b, 5)).toBe(5);
    expect(new TextDecoder().decode(b)).toBe('world');
    expect(call('read', fd, b, 5)).toBe(0);
    const app = call('openat', AT.FDCWD, '/tmp/x', O.WRONLY | O.APPEND, 0);
    expect(call('write', app, new TextEncoder().encode('!'), 1)).toBe(1);
    expect(call('lseek', fd, 0, SEEK.END)).toBe(12);
    const st = new Uint8Array(144);
    expect(call('fstat', fd, st)).toBe(0);
    const dv = new DataView(st.buffer);
    expect(dv.getUint32(24, true)).toBe(0o100644); // umask 022 applied to 0666
    expect(Number(dv.getBigInt64(48, true))).toBe(12);
    expect(call('openat', AT.FDCWD, '/tmp/x', O.WRONLY | O.TRUNC, 0)).toBe(5);
    expect(call('fstat', fd, st)).toBe(0);
    expect(Number(new DataView(st.buffer).getBigInt64(48, true))).toBe(0);
  });

  it('lists a directory with getdents64, "." and ".." first, then at EOF returns 0', () => {
    const { call } = simWithTree();
    const fd = call('openat', AT.FDCWD, '/cmp', O.RDONLY | O.DIRECTORY, 0);
    const buf = new Uint8Array(4096);
    const n = call('getdents64', fd, buf, 4096);
    const names: [string, number][] = [];
    const dv = new DataView(buf.buffer);
    for (let off = 0; off < n; ) {
      const reclen = dv.getUint16(off + 16, true);
      const end = buf.indexOf(0, off + 19);
      names.push([new TextDecoder().decode(buf.subarray(off + 19, end)), buf[off + 18] as number]);
      off += reclen;
    }
    expect(names).toEqual([
      ['.', DT.DIR],
      ['..', DT.DIR],
      ['sub', DT.DIR],
      ['f', DT.REG],
    ]);
    expect(call('getdents64', fd, buf, 4096)).toBe(0);
  });

  it('enforces permission bits for an unprivileged user (EACCES), not for root', () => {
    const root = simWithTree();
    expect(root.call('openat', AT.FDCWD, '/etc/shadow', O.RDONLY, 0)).toBe(3);
    expect(root.call('openat', AT.FDCWD, '/cmp/f', O.WRONLY, 0)).toBe(4);
    const u = simTask({ uid: 1000 });
    expect(u.call('openat', AT.FDCWD, '/etc/shadow', O.RDONLY, 0)).toBe(-ERRNO.EACCES);
    expect(u.call('openat', AT.FDCWD, '/etc/passwd', O.WRONLY, 0)).toBe(-ERRNO.EACCES);
    expect(u.call('openat', AT.FDCWD, '/etc/new', O.CREAT | O.WRONLY, 0o644)).toBe(-ERRNO.EACCES);
    expect(u.call('openat', AT.FDCWD, '/root/x', O.RDONLY, 0)).toBe(-ERRNO.EACCES);
    expect(u.call('openat', AT.FDCWD, '/tmp/mine', O.CREAT | O.WRONLY, 0o600)).toBe(3);
    expect(u.call('openat', AT.FDCWD, '/etc/passwd', O.RDONLY, 0)).toBe(4);
  });

  it('closes close-on-exec descriptors at execve, keeps the others', () => {
    const { task, call } = simWithTree();
    const keep = call('openat', AT.FDCWD, '/cmp/f', O.RDONLY, 0);
    const gone = call('openat', AT.FDCWD, '/cmp/f', O.RDONLY | O.CLOEXEC, 0);
    const dup = call('fcntl', keep, F.DUPFD_CLOEXEC, 0);
    expect(call('fcntl', dup, F.GETFD, 0)).toBe(FD_CLOEXEC);
    expect(call('execve', '/bin/ls', 0, 0)).toBe(0);
    expect(task.comm).toBe('ls');
    expect(task.fds.get(keep)).toBeDefined();
    expect(task.fds.get(gone)).toBeUndefined();
    expect(task.fds.get(dup)).toBeUndefined();
    expect(call('execve', '/etc/passwd', 0, 0)).toBe(-ERRNO.EACCES);
    expect(call('execve', '/nope', 0, 0)).toBe(-ERRNO.ENOENT);
    expect(call('execve', '/tmp', 0, 0)).toBe(-ERRNO.EACCES);
  });

  describe.skipIf(why !== undefined)(
    `errnos and values vs the real kernel${why ? ` (skipped: ${why})` : ''}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'bpfsim-fs-'));
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'f'), 'hello', { mode: 0o644 });
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      for (const [descr, calls] of CASES)
        it(descr, async () => {
          const host = await hostCaller();
          const real = runCase(host, calls(dir), fdReturning(calls(dir)));
          for (const fd of real.fds) host('close', fd);
          const sim = simWithTree();
          const emu = runCase(sim.call, calls('/cmp'), fdReturning(calls('/cmp')));
          expect(emu.out).toEqual(real.out);
        });
    },
  );
});
