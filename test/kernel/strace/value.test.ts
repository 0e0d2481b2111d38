/**
 * argValue: the u64 of seccomp_data.args for traced arguments. Expected values are computed from
 * the uapi constants written out here (include/uapi/linux/sched.h, socket.h, fcntl.h, mman.h).
 */
import { describe, expect, it } from 'vitest';
import { parseArgList } from '../../../src/kernel/strace/args.js';
import type { StraceArg } from '../../../src/kernel/strace/trace.js';
import { argValue, seccompArgs } from '../../../src/kernel/strace/value.js';

const args = (text: string): StraceArg[] => parseArgList(text, 0, false).args;
const val = (text: string): bigint | undefined => {
  const a = args(text)[0];
  if (a === undefined) throw new Error('no arg');
  return argValue(a);
};

describe('argValue', () => {
  it('turns integers into u64 register values (negative ones sign-extended)', () => {
    expect(val('0')).toBe(0n);
    expect(val('-1')).toBe(0xffff_ffff_ffff_ffffn);
    expect(val('0x7ffc9d297120')).toBe(0x7ffc9d297120n);
    expect(val('0755')).toBe(493n);
    expect(val('3</etc/passwd>')).toBe(3n);
    expect(val('NULL')).toBe(0n);
  });

  it('evaluates constants and flag sets with the x86_64 values', () => {
    expect(val('AT_FDCWD')).toBe(2n ** 64n - 100n);
    // glibc's pthread_create clone flags (sched.h values) with no exit signal.
    expect(
      val(
        'flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID',
      ),
    ).toBe(0x100n | 0x200n | 0x400n | 0x800n | 0x10000n | 0x40000n | 0x80000n | 0x100000n | 0x200000n);
    expect(val('CLONE_NEWUSER|CLONE_NEWNS|SIGCHLD')).toBe(0x10000000n | 0x20000n | 17n);
    expect(val('AF_NETLINK')).toBe(16n);
    expect(val('SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK')).toBe(2n | 0o2000000n | 0o4000n);
    expect(val('O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC')).toBe(1n | 0o100n | 0o1000n | 0o2000000n);
    expect(val('PROT_READ|PROT_EXEC')).toBe(5n);
    expect(val('MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS')).toBe(0x32n);
    expect(val('PER_LINUX32')).toBe(8n);
    expect(val('UNAME26|PER_LINUX32')).toBe(0x20008n);
    expect(val('0xffffffff')).toBe(0xffffffffn);
    expect(val('S_IFREG|0644')).toBeUndefined();
    expect(val('FUTEX_WAIT_PRIVATE')).toBeUndefined();
  });

  it('gives undefined for values passed by address, and evaluates printed arithmetic', () => {
    expect(val('"/etc/passwd"')).toBeUndefined();
    expect(val('{st_mode=S_IFREG|0644}')).toBeUndefined();
    expect(val('[CHLD]')).toBeUndefined();
    expect(val('htons(80)')).toBeUndefined();
    expect(val('8192*1024')).toBe(8388608n);
    expect(val('WIFEXITED(s) && WEXITSTATUS(s) == 0')).toBeUndefined();
    expect(val('[16 => 16]')).toBeUndefined();
    expect(val('0x10 => 0x20')).toBe(0x10n);
  });

  it('uses a given constant table', () => {
    expect(argValue({ kind: 'const', name: 'FOO' }, (n) => (n === 'FOO' ? -2n : undefined))).toBe(
      2n ** 64n - 2n,
    );
  });

  it('seccompArgs gives six slots, undefined past the printed arguments', () => {
    expect(seccompArgs(args('AT_FDCWD, "/x", O_RDONLY|O_CLOEXEC'))).toEqual([
      2n ** 64n - 100n,
      undefined,
      0x80000n,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
