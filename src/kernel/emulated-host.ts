/**
 * @fileoverview The emulator side of {@link SyscallHost}: a simulated task driven like a process.
 *
 * User memory is the task's address space (each `alloc` is an anonymous mapping, so reads past it
 * fault with EFAULT as in the kernel), `bpf()` goes through the task's syscall entry, and `fdinfo`
 * prints what fs/proc/fd.c `seq_show` and kernel/bpf/syscall.c `bpf_map_show_fdinfo` /
 * `bpf_prog_show_fdinfo` print for /proc/self/fdinfo/<fd>.
 */
import { ERRNO } from '../uapi/errno.js';
import { O_FLAGS } from './file.js';
import { Kernel, type KernelOptions, type SpawnOptions } from './kernel.js';
import type { KMap, KProg } from './objects.js';
import { tagHex } from './prog-tag.js';
import type { SyscallHost, SysctlResult } from './syscall-host.js';
import type { Task } from './task.js';
import { PAGE_SIZE } from './user-memory.js';

/** Constant fdinfo fields of anon-inode files (the anon_inodefs mount and its shared inode). */
const ANON_MNT_ID = 17;
const ANON_INO = 1038;

/** A {@link SyscallHost} on a simulated task. */
export class EmulatedHost implements SyscallHost {
  readonly name: string;
  readonly possibleCpus: number;
  private readonly sizes = new Map<number, number>();

  constructor(readonly task: Task) {
    this.name = `bpfsim ${task.kernel.profile}`;
    this.possibleCpus = task.kernel.possibleCpus;
  }

  /** A new kernel and a root task with all capabilities and fds 0-2 open. */
  static create(kernelOpts: KernelOptions = {}, spawn: SpawnOptions = { uid: 0, caps: 'all' }): EmulatedHost {
    return new EmulatedHost(new Kernel(kernelOpts).spawn(spawn));
  }

  alloc(size: number): number {
    const len = Math.max(1, Math.ceil(size / 8) * 8);
    const addr = this.task.mmap(len);
    if (addr < 0) throw new RangeError(`alloc(${size}) failed: mmap returned ${addr}`);
    this.sizes.set(addr, len);
    return addr;
  }

  free(addr: number): void {
    const len = this.sizes.get(addr);
    if (len === undefined) return;
    this.sizes.delete(addr);
    this.task.munmap(addr, len);
  }

  write(addr: number, bytes: Uint8Array): void {
    if (this.task.mem.copyToUser(addr, bytes))
      throw new RangeError(`write of ${bytes.length} bytes at 0x${addr.toString(16)} faults`);
  }

  /**
   * A byte view aliasing user memory `[addr, addr+len)`, as a pointer the process holds: stores
   * through it are the process writing its own memory (no copy per write). Valid until the
   * mapping is unmapped; throws a RangeError when the range is not inside one mapping.
   */
  view(addr: number, len: number): Uint8Array {
    const mem = this.task.mem;
    const b = mem.span(addr, len);
    if (b === undefined) throw new RangeError(`no mapping holds ${len} bytes at 0x${addr.toString(16)}`);
    return b.subarray(mem.spanOff, mem.spanOff + len);
  }

  read(addr: number, len: number): Uint8Array {
    const b = this.task.mem.copyFromUser(addr, len);
    if (typeof b === 'number') throw new RangeError(`read of ${len} bytes at 0x${addr.toString(16)} faults`);
    return b;
  }

  bpf(cmd: number, attrAddr: number, size: number): number {
    return this.task.bpf(cmd, attrAddr, size);
  }

  close(fd: number): number {
    return this.task.close(fd);
  }

  getrlimit(resource: number): { ret: number; soft: number; hard: number } {
    const r = this.task.getrlimit(resource);
    if (typeof r === 'number') return { ret: r, soft: 0, hard: 0 };
    const n = (v: number): number => (v === Number.POSITIVE_INFINITY ? -1 : v);
    return { ret: 0, soft: n(r.soft), hard: n(r.hard) };
  }

  setrlimit(resource: number, soft: number, hard: number): number {
    const v = (x: number): number => (x === -1 ? Number.POSITIVE_INFINITY : x);
    return this.task.setrlimit(resource, v(soft), v(hard));
  }

  sysctl(path: string, write?: string): SysctlResult {
    return this.task.sysctl(path, write);
  }

  fdinfo(fd: number): Record<string, string> | number {
    return fdinfo(this.task, fd);
  }
}

/** Models /proc/<pid>/fdinfo/<fd> for a task: the common lines plus the bpf object's. */
export function fdinfo(task: Task, fd: number): Record<string, string> | number {
  const file = task.fds.get(fd);
  if (!file) return -ERRNO.ENOENT;
  const flags = file.flags | (task.fds.isCloexec(fd) ? O_FLAGS.CLOEXEC : 0);
  const out: Record<string, string> = {
    pos: '0',
    flags: `0${flags.toString(8).padStart(7, '0')}`,
    mnt_id: String(ANON_MNT_ID),
    ino: String(ANON_INO),
  };
  if (file.kind === 'map') {
    const m = file.obj as KMap;
    const impl = m.impl;
    out.map_type = String(m.mapType);
    out.key_size = String(impl.keySize);
    out.value_size = String(impl.valueSize);
    out.max_entries = String(impl.maxEntries);
    out.map_flags = `0x${m.mapFlags.toString(16)}`;
    out.map_extra = `0x${impl.mapExtra.toString(16)}`;
    out.memlock = String(impl.memUsage());
    out.map_id = String(m.id);
    out.frozen = m.frozen ? '1' : '0';
    // map->owner of maps that hold programs (fd-maps.ts keeps it as `owner`).
    const owner = (impl as { owner?: { progType: number; jited: boolean } }).owner;
    if (owner?.progType) {
      out.owner_prog_type = String(owner.progType);
      out.owner_jited = owner.jited ? '1' : '0';
    }
  } else if (file.kind === 'prog') {
    const p = file.obj as KProg;
    out.prog_type = String(p.progType);
    out.prog_jited = p.init.jited ? '1' : '0';
    out.prog_tag = tagHex(p.init.tag);
    out.memlock = String(p.init.pages * PAGE_SIZE);
    out.prog_id = String(p.id);
    out.run_time_ns = String(p.stats.nsecs);
    out.run_cnt = String(p.stats.cnt);
    out.recursion_misses = String(p.stats.misses);
    out.verified_insns = String(p.init.verifiedInsns);
  }
  return out;
}
