/**
 * @fileoverview Simulated tasks: a process or thread with credentials, rlimits, an fd table and a
 * user address space, and the syscalls bpfsim models.
 *
 * Models `struct task_struct` reduced to pid/tgid, `cred`, `signal->rlim` (kernel/sys.c
 * `do_prlimit`: EINVAL for soft > hard, EPERM to raise the hard limit without CAP_SYS_RESOURCE),
 * `no_new_privs` (kernel/sys.c PR_SET_NO_NEW_PRIVS), `files` and `mm`, plus fork (kernel/fork.c
 * `copy_process`: a copied fd table and address space), thread creation (CLONE_FILES|CLONE_VM share
 * them) and exec (fs/exec.c: close-on-exec descriptors are closed). A task is also the
 * `SeccompTask` of kernel/seccomp.c (mode, filter chain inherited on fork and thread creation) and
 * has one syscall entry that asks seccomp first (syscall-entry.ts).
 */

import { inheritSeccomp, type SeccompModeValue, type SeccompTask } from '../seccomp/attach.js';
import { detachListener, releaseChain, type SeccompFilterNode } from '../seccomp/chain.js';
import { SECCOMP_MODE } from '../seccomp/uapi.js';
import { ERRNO } from '../uapi/errno.js';
import { createMap, getPinnedFd, MapHandle, type MapSpec } from './api/map.js';
import { loadProgram, ProgHandle, type ProgSpec } from './api/prog.js';
import type { Creds } from './creds.js';
import { CAP, capable } from './creds.js';
import { fdinfo } from './emulated-host.js';
import { FdTable } from './fdtable.js';
import { KFile, O_FLAGS } from './file.js';
import type { Inode } from './fs/inode.js';
import type { Kernel } from './kernel.js';
import {
  parseActionsLogged,
  SECCOMP_ACTIONS_AVAIL,
  SECCOMP_LOG_NAMES,
  type SeccompSupervisor,
  type SeccompTracer,
} from './seccomp-outcomes.js';
import { sysBpf } from './syscall/dispatch.js';
import { doSyscall, type SyscallOutcome } from './syscall-entry.js';
import { RLIMIT } from './syscall-host.js';
import { UserMemory } from './user-memory.js';

/** An rlimit pair; `Infinity` stands for RLIM_INFINITY. */
export interface Rlimit {
  soft: number;
  hard: number;
}

/** Default rlimits of a process started by systemd on 6.18 (MEMLOCK 8 MiB, NOFILE 1024/524288). */
function defaultRlimits(): Map<number, Rlimit> {
  const inf = Number.POSITIVE_INFINITY;
  return new Map<number, Rlimit>([
    [RLIMIT.CPU, { soft: inf, hard: inf }],
    [RLIMIT.FSIZE, { soft: inf, hard: inf }],
    [RLIMIT.DATA, { soft: inf, hard: inf }],
    [RLIMIT.STACK, { soft: 8 << 20, hard: inf }],
    [RLIMIT.CORE, { soft: 0, hard: inf }],
    [RLIMIT.RSS, { soft: inf, hard: inf }],
    [RLIMIT.NPROC, { soft: 63_000, hard: 63_000 }],
    [RLIMIT.NOFILE, { soft: 1024, hard: 524_288 }],
    [RLIMIT.MEMLOCK, { soft: 8 << 20, hard: 8 << 20 }],
    [RLIMIT.AS, { soft: inf, hard: inf }],
  ]);
}

/** Resources shared by the threads of one process. */
interface ThreadGroup {
  fds: FdTable;
  mem: UserMemory;
  rlimits: Map<number, Rlimit>;
  /** Every thread of the group (the leader first). */
  threads: Task[];
}

/** A simulated task; models `struct task_struct` (and implements what kernel/seccomp.c needs of it). */
export class Task implements SeccompTask {
  readonly tgid: number;
  /** `current->no_new_privs`. */
  noNewPrivs = false;
  /** `seccomp.mode`. */
  mode: SeccompModeValue = SECCOMP_MODE.DISABLED;
  /** `seccomp.filter`: the newest filter of the chain. */
  filter: SeccompFilterNode | undefined;
  /** Speculative store bypass mitigation applied by seccomp. */
  specMitigated = false;
  /** File creation mask (`current->fs->umask`). */
  umask = 0o022;
  /** `current->comm` (audit records print it). */
  comm = 'bpfsim-task';
  /** The executable's path (`exe=` of audit records). */
  exe = '/usr/bin/bpfsim-task';
  /** A ptrace tracer with PTRACE_O_TRACESECCOMP, or none (TRACE then fails the call with ENOSYS). */
  tracer: SeccompTracer | undefined;
  /** The working directory (`current->fs->pwd`); undefined is the root. */
  cwd: Inode | undefined;
  /** The parent process (`real_parent`), for wait4. */
  parent: Task | undefined;
  /** Child processes not yet reaped (`children`). */
  readonly children: Task[] = [];
  /** The wait status once exited (`exit_code`: code << 8, or the killing signal). */
  exitStatus: number | undefined;
  /** execve succeeded at least once since this task was created (vfork parents wait for it). */
  execed = false;
  private readonly group: ThreadGroup;
  private exited = false;

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    group: ThreadGroup | undefined,
    public creds: Creds,
    /** The CPU this task runs on (`smp_processor_id()`). */
    public cpu: number,
    tgid?: number,
  ) {
    this.tgid = tgid ?? pid;
    if (group) this.group = group;
    else {
      const rlimits = defaultRlimits();
      this.group = { rlimits, mem: new UserMemory(), fds: new FdTable(() => this.nofile()), threads: [] };
    }
    this.group.threads.push(this);
  }

  /** Thread id (`task_pid_vnr`). */
  get tid(): number {
    return this.pid;
  }

  /** `ns_capable(CAP_SYS_ADMIN)` in the task's (only) user namespace. */
  get capSysAdmin(): boolean {
    return capable(this.creds, CAP.SYS_ADMIN);
  }

  /** `PF_EXITING`. */
  get exiting(): boolean {
    return this.exited;
  }

  /** The threads of this task's group (seccomp TSYNC). */
  threads(): Iterable<Task> {
    return this.group.threads;
  }

  /** `get_unused_fd_flags(O_CLOEXEC)`: the fd a listener will get, or -EMFILE. */
  getUnusedFd(): number {
    return this.fds.lowestFree();
  }

  /** `put_unused_fd`: nothing was installed yet, so nothing to undo. */
  putUnusedFd(_fd: number): void {}

  /** `fd_install` of a seccomp user-notification listener. */
  installListener(fd: number, filter: SeccompFilterNode): void {
    // The last close of the listener detaches it (seccomp_notify_release → seccomp_notify_detach).
    this.fds.installAt(
      fd,
      new KFile('seccomp', filter, O_FLAGS.RDWR, () => detachListener(filter)),
      O_FLAGS.CLOEXEC,
    );
  }

  /**
   * The system call entry: seccomp decides first (kernel/seccomp.c `__secure_computing`), then the
   * syscall runs. See syscall-entry.ts.
   */
  syscall(nr: number, args: readonly (number | bigint)[] = [], ip = 0n): SyscallOutcome {
    return doSyscall(this, nr, args, ip);
  }

  /** The fd table (`current->files`). */
  get fds(): FdTable {
    return this.group.fds;
  }

  /** The address space (`current->mm`). */
  get mem(): UserMemory {
    return this.group.mem;
  }

  private nofile(): number {
    const l = this.group.rlimits.get(RLIMIT.NOFILE);
    return l === undefined || l.soft === Number.POSITIVE_INFINITY ? 1 << 20 : Math.min(l.soft, 1 << 20);
  }

  /** Opens fds 0, 1 and 2 on a terminal, as a shell-started process has them. */
  openStdio(): void {
    for (let i = 0; i < 3; i++) this.fds.install(new KFile('tty', undefined, O_FLAGS.RDWR));
  }

  /** `bpf(cmd, attr, size)`: the syscall, returning a value or -errno. Never throws. */
  bpf(cmd: number, attrAddr: number, size: number): number {
    if (this.exited) return -ERRNO.ESRCH;
    return sysBpf(this, cmd, attrAddr, size);
  }

  /** `close(fd)`. */
  close(fd: number): number {
    return this.fds.close(fd);
  }

  /** `dup(fd)`. */
  dup(fd: number): number {
    return this.fds.dup(fd);
  }

  /** `dup2(old, new)`. */
  dup2(oldfd: number, newfd: number): number {
    return this.fds.dup2(oldfd, newfd);
  }

  /** `dup3(old, new, flags)`. */
  dup3(oldfd: number, newfd: number, flags: number): number {
    return this.fds.dup3(oldfd, newfd, flags);
  }

  /** `mmap(NULL, len, RW, PRIVATE|ANON)`: an address or -errno. */
  mmap(len: number): number {
    return this.mem.mmap(len);
  }

  /** `munmap(addr, len)`. */
  munmap(addr: number, len: number): number {
    return this.mem.munmap(addr, len);
  }

  /** `getrlimit(resource)`. */
  getrlimit(resource: number): Rlimit | number {
    const l = this.group.rlimits.get(resource);
    if (!l) return -ERRNO.EINVAL;
    return { ...l };
  }

  /** `setrlimit(resource, {soft, hard})`: models `do_prlimit`. */
  setrlimit(resource: number, soft: number, hard: number): number {
    const l = this.group.rlimits.get(resource);
    if (!l) return -ERRNO.EINVAL;
    if (Number.isNaN(soft) || Number.isNaN(hard) || soft < 0 || hard < 0) return -ERRNO.EINVAL;
    if (soft > hard) return -ERRNO.EINVAL;
    if (hard > l.hard && !capable(this.creds, CAP.SYS_RESOURCE)) return -ERRNO.EPERM;
    if (resource === RLIMIT.NOFILE && hard > 1 << 20) return -ERRNO.EPERM;
    l.soft = soft;
    l.hard = hard;
    return 0;
  }

  /** The RLIMIT_MEMLOCK soft limit in bytes (`rlimit(RLIMIT_MEMLOCK)`). */
  memlockLimit(): number {
    return this.group.rlimits.get(RLIMIT.MEMLOCK)?.soft ?? Number.POSITIVE_INFINITY;
  }

  /** `prctl(PR_SET_NO_NEW_PRIVS, 1)`: one-way. */
  setNoNewPrivs(): void {
    this.noNewPrivs = true;
  }

  /** Reads and optionally writes `/proc/sys/<path>`. */
  sysctl(path: string, write?: string): { ret: number; value?: string } {
    const p = path.replace(/^\/?(proc\/sys\/)?/, '').replace(/\./g, '/');
    if (p === 'kernel/seccomp/actions_avail')
      return write === undefined
        ? { ret: 0, value: SECCOMP_ACTIONS_AVAIL }
        : { ret: -ERRNO.EACCES, value: SECCOMP_ACTIONS_AVAIL };
    if (p === 'kernel/seccomp/actions_logged') {
      const show = () => SECCOMP_LOG_NAMES.filter((n) => this.kernel.seccompActionsLogged.has(n)).join(' ');
      if (write !== undefined) {
        // seccomp_actions_logged_handler: root-owned 0644 file, CAP_SYS_ADMIN to write, no "allow".
        if (this.creds.uid !== 0 && !capable(this.creds, CAP.DAC_OVERRIDE))
          return { ret: -ERRNO.EACCES, value: show() };
        if (!capable(this.creds, CAP.SYS_ADMIN)) return { ret: -ERRNO.EPERM, value: show() };
        const set = parseActionsLogged(write);
        if (set === undefined) return { ret: -ERRNO.EINVAL, value: show() };
        this.kernel.seccompActionsLogged = set;
      }
      return { ret: 0, value: show() };
    }
    return this.kernel.sysctls.access(this.creds, path, write);
  }

  /**
   * Makes `fn` the supervisor of the seccomp listener `fd` (what a supervisor process does with
   * SECCOMP_IOCTL_NOTIF_RECV/SEND in a loop): 0, -EBADF, or -EINVAL when `fd` is no listener.
   */
  superviseListener(fd: number, fn: SeccompSupervisor): number {
    const f = this.fds.get(fd);
    if (!f) return -ERRNO.EBADF;
    if (f.kind !== 'seccomp') return -ERRNO.EINVAL;
    const node = f.obj as SeccompFilterNode;
    const lo = BigInt(this.kernel.prandom.u32());
    const hi = BigInt(this.kernel.prandom.u32());
    this.kernel.seccompNotifiers.set(node, fn, (hi << 32n) | lo);
    return 0;
  }

  /**
   * `fork()`: a new process with a copy of the fd table (each file gets one more reference), of the
   * address space and of the rlimits; same credentials and no_new_privs.
   */
  fork(): Task {
    const pid = this.kernel.allocPid();
    const rlimits = new Map<number, Rlimit>();
    for (const [k, v] of this.group.rlimits) rlimits.set(k, { ...v });
    const group: ThreadGroup = { rlimits, mem: this.mem.clone(), fds: new FdTable(() => 1024), threads: [] };
    const child = new Task(this.kernel, pid, group, this.creds, this.cpu);
    group.fds = this.fds.fork(() => child.nofile());
    child.umask = this.umask;
    child.comm = this.comm;
    child.exe = this.exe;
    child.cwd = this.cwd;
    child.parent = this;
    this.children.push(child);
    inheritSeccomp(this, child);
    return child;
  }

  /** `clone(CLONE_VM|CLONE_FILES|CLONE_THREAD...)`: a thread sharing fds, memory and rlimits. */
  spawnThread(): Task {
    const t = new Task(this.kernel, this.kernel.allocPid(), this.group, this.creds, this.cpu, this.tgid);
    t.umask = this.umask;
    t.comm = this.comm;
    t.exe = this.exe;
    t.cwd = this.cwd;
    inheritSeccomp(this, t);
    return t;
  }

  /** `execve()`: closes close-on-exec descriptors (credentials unchanged: no setuid binaries here). */
  exec(): void {
    this.fds.closeOnExec();
  }

  /**
   * `execve(path)` after the binary was found (fs/exec.c `begin_new_exec`): close-on-exec fds
   * closed, `comm` set from the file name, the seccomp filters and no_new_privs kept.
   */
  execAs(path: string): void {
    this.exec();
    this.exe = path;
    this.comm = (path.split('/').pop() ?? path).slice(0, 15);
    this.execed = true;
  }

  /** The thread-group leader has exited and nobody reaped it yet (`EXIT_ZOMBIE`). */
  get zombie(): boolean {
    return this.exited && this.exitStatus !== undefined && this.group.threads.every((t) => t.exited);
  }

  /** `release_task` after wait4 reaped this child: the parent forgets it. */
  reap(): void {
    const p = this.parent;
    if (p !== undefined) p.children.splice(p.children.indexOf(this), 1);
    this.parent = undefined;
  }

  /** Process exit: closes every descriptor. Further syscalls return -ESRCH. */
  exit(): void {
    if (this.exited) return;
    this.exited = true;
    releaseChain(this.filter);
    this.filter = undefined;
    if (this.group.threads.every((t) => t.exited)) this.fds.closeAll();
  }

  /** Exit of every thread of the group (`do_group_exit`, SIGKILL/SIGSYS of the process). */
  exitGroup(): void {
    for (const t of [...this.group.threads]) t.exit();
  }

  /** `unlink(path)` on bpffs: drops the pin's reference. */
  unlink(path: string): number {
    const r = this.kernel.bpffs.unlink(this.creds, path);
    if (typeof r === 'number') return r;
    if (r?.kind === 'map') r.obj.putWithUref();
    else if (r?.kind === 'prog') r.obj.put();
    return 0;
  }

  /** Friendly API: BPF_MAP_CREATE; throws BpfError. */
  createMap(spec: MapSpec): MapHandle {
    return createMap(this, spec);
  }

  /** Friendly API: BPF_PROG_LOAD; throws BpfError carrying the verifier log. */
  loadProgram(spec: ProgSpec): ProgHandle {
    return loadProgram(this, spec);
  }

  /** Friendly API: BPF_OBJ_GET of a pinned map or program (`flags`: BPF_F_RDONLY/WRONLY). */
  getPinned(path: string, flags = 0): MapHandle | ProgHandle {
    const fd = getPinnedFd(this, path, flags);
    return this.fds.get(fd)?.kind === 'map' ? MapHandle.fromFd(this, fd) : ProgHandle.fromFd(this, fd);
  }

  /** The /proc/self/fdinfo lines of an fd, or -errno. */
  fdinfo(fd: number): Record<string, string> | number {
    return fdinfo(this, fd);
  }

  /** `mkdir(path, mode)` on bpffs. */
  mkdir(path: string, mode = 0o777): number {
    return this.kernel.bpffs.mkdir(this.creds, path, mode, this.umask);
  }
}
