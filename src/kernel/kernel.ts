/**
 * @fileoverview The simulated kernel: global state shared by every task.
 *
 * Models the globals of kernel/bpf/syscall.c (`map_idr`, `prog_idr`, `sysctl_unprivileged_bpf_disabled`),
 * `num_possible_cpus()`, the user accounting (`struct user_struct` per uid, kernel/user.c), the
 * memory cgroup limit, the bpffs mounts, the virtual clock and the seeded PRNG. Everything that
 * varies between runs of a real kernel is fixed by {@link KernelOptions}, so a scenario with a seed
 * gives the same output byte for byte.
 */

import type { MapTypeOps } from '../maps/ops.js';
import { MAP_TYPES } from '../maps/registry.js';
import { BPF_MAP_TYPE } from '../maps/uapi.js';
import { type ProgTypeOps, progTypes } from '../progs/registry.js';
import { BPF_FUNC_MAX_ID } from '../uapi/bpf-helpers.js';
import type { VerifierFuncProto } from '../verifier/env/types.js';
import type { HelperFn } from '../vm/machine.js';
import { Accounting, type KernelProfile, type UserStruct } from './accounting.js';
import { BPF_AUDIT_OP, type BpfAuditOp, formatBpfAudit } from './audit/bpf-record.js';
import type { AuditStorage } from './audit/store.js';
import { BpfFs } from './bpffs.js';
import { VirtualClock } from './clock.js';
import { type CapSpec, capSet } from './creds.js';
import { auditLoggerExtension, bloomFilterExtension } from './ext/builtin.js';
import type { ExtProgTypeOps, ExtSyscallFn } from './ext/host.js';

/** `__MAX_BPF_PROG_TYPE` of Linux 6.18: extension program types are numbered from here. */
const MAX_BPF_PROG_TYPE = 33;

import { type ExtensionConstructor, ExtensionHost } from './ext/host.js';
import { Idr } from './idr.js';
import type { KMap, KProg } from './objects.js';
import { Prandom } from './prandom.js';
import type { ProgRunner } from './prog-runner.js';
import { SECCOMP_LOG_NAMES, type SeccompAuditRecord, SeccompNotifiers } from './seccomp-outcomes.js';
import { EMULATED_NRS } from './syscall-entry.js';
import { Sysctls } from './sysctl.js';
import { Task } from './task.js';
import { fullVerifier } from './verifier-full.js';
import type { VerifierHook } from './verifier-hook.js';
import { VmRunner } from './vm-runner.js';

/** Options of a simulated kernel. */
export interface KernelOptions {
  /** Accounting generation: `6.18` (memcg, default) or `4.x` (RLIMIT_MEMLOCK pages, EPERM). */
  profile?: KernelProfile;
  /** `num_possible_cpus()`; default 2. */
  possibleCpus?: number;
  /** Seed of the PRNG behind hash seeds and `get_prandom_u32`; default 0. */
  seed?: number | bigint;
  /** memcg limit in bytes for the 6.18 profile (ENOMEM past it); default none. */
  memoryLimit?: number;
  /** Initial `kernel/unprivileged_bpf_disabled`; default 2 (CONFIG_BPF_UNPRIV_DEFAULT_OFF). */
  unprivilegedBpfDisabled?: 0 | 1 | 2;
  /** The verifier; default: the bpfsim verifier (structural passes and main pass). */
  verifier?: VerifierHook;
  /** The execution engine behind BPF_PROG_TEST_RUN; default the VM's JIT ({@link VmRunner}). */
  runner?: ProgRunner;
  /** Storage for the built-in audit logger extension (a crash-safe store of every audit record). */
  auditStorage?: AuditStorage;
  /**
   * `audit_enabled` (set by auditd through AUDIT_SET): BPF program LOAD/UNLOAD records are written
   * only when it is on. Default: on when `auditStorage` is given (an audit daemon is running), else
   * off, as on a machine without auditd. SECCOMP records do not depend on it.
   */
  auditEnabled?: boolean;
  /** More extensions, by name, started after the built-in ones in this order. */
  extensions?: readonly (readonly [string, ExtensionConstructor])[];
}

/** How to create a task. */
export interface SpawnOptions {
  uid?: number;
  gid?: number;
  /** `'all'`, `'none'` or a list; default all for uid 0, none otherwise. */
  caps?: 'all' | 'none' | readonly CapSpec[];
  /** Open fds 0, 1 and 2 (like a process started from a shell); default true. */
  stdio?: boolean;
  /** CPU the task runs on (`smp_processor_id()`); default 0. */
  cpu?: number;
}

/** A simulated Linux kernel; models the global state of the bpf subsystem. */
export class Kernel {
  readonly profile: KernelProfile;
  readonly possibleCpus: number;
  readonly clock = new VirtualClock();
  readonly prandom: Prandom;
  readonly accounting: Accounting;
  readonly sysctls: Sysctls;
  readonly maps = new Idr<KMap>();
  /** The syscall-side map of each map type instance (for map-in-map values, which report ids). */
  readonly mapOfImpl = new WeakMap<object, KMap>();
  readonly progs = new Idr<KProg>();
  readonly bpffs = new BpfFs();
  verifier: VerifierHook;
  runner: ProgRunner;
  /** The task inside a syscall right now (`current`), undefined between syscalls. */
  current: Task | undefined;
  /** Seccomp user-notification supervisors and notification ids (kernel/seccomp.c `struct notification`). */
  readonly seccompNotifiers = new SeccompNotifiers();
  /** `kernel/seccomp/actions_logged` (kernel/seccomp.c `seccomp_actions_logged`). */
  seccompActionsLogged: Set<string> = new Set(SECCOMP_LOG_NAMES);
  /** SECCOMP audit records emitted so far (kernel/auditsc.c `audit_seccomp`), oldest first. */
  readonly auditLog: SeccompAuditRecord[] = [];
  private auditSerial = 0;
  /** `audit_enabled` (kernel/audit.c). */
  auditEnabled: boolean;
  /** The program types BPF_PROG_LOAD knows (`bpf_prog_types[]`): the core ones, then the extensions'. */
  readonly progTypes = new Map<number, ProgTypeOps>(progTypes().map((t) => [t.type, t]));
  /** Program types extensions added, with their verifier tables. */
  readonly extProgTypes = new Map<number, ExtProgTypeOps>();
  /** Syscalls extensions emulate, by x86_64 number. */
  readonly extSyscalls = new Map<number, ExtSyscallFn>();
  /** Helpers extensions added, by id (above the kernel's helper ids). */
  readonly extHelpers = new Map<number, { readonly proto: VerifierFuncProto; readonly fn: HelperFn }>();
  /** The map types BPF_MAP_CREATE knows (`bpf_map_types[]`): the core ones, then the extensions'. */
  readonly mapTypes = new Map<number, MapTypeOps>();
  /** The extension host: map types, audit sinks and cleanups registered by extensions. */
  readonly extensions: ExtensionHost;
  private readonly users = new Map<number, UserStruct>();
  private nextPid = 1;

  constructor(opts: KernelOptions = {}) {
    this.profile = opts.profile ?? '6.18';
    const cpus = opts.possibleCpus ?? 2;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 8192)
      throw new RangeError(`possibleCpus must be 1..8192, got ${cpus}`);
    this.possibleCpus = cpus;
    this.prandom = new Prandom(opts.seed ?? 0);
    this.accounting = new Accounting(this.profile, opts.memoryLimit ?? Number.POSITIVE_INFINITY);
    this.sysctls = new Sysctls(opts.unprivilegedBpfDisabled ?? 2);
    this.verifier = opts.verifier ?? fullVerifier;
    this.auditEnabled = opts.auditEnabled ?? opts.auditStorage !== undefined;
    this.runner = opts.runner ?? new VmRunner();
    for (const [type, ops] of Object.entries(MAP_TYPES))
      if (Number(type) !== BPF_MAP_TYPE.BLOOM_FILTER) this.mapTypes.set(Number(type), ops);
    this.extensions = new ExtensionHost({
      registerMapType: (type, ops) => this.mapTypes.set(type, ops),
      registerSyscall: (nr, fn) => {
        if (!Number.isInteger(nr) || nr < 0 || EMULATED_NRS.has(nr) || this.extSyscalls.has(nr))
          throw new Error(`syscall ${nr} is already emulated or not a syscall number`);
        this.extSyscalls.set(nr, fn);
      },
      registerProgType: (ops) => {
        if (
          !Number.isInteger(ops.type) ||
          ops.type < MAX_BPF_PROG_TYPE ||
          ops.type > 0xffff ||
          this.progTypes.has(ops.type)
        )
          throw new Error(
            `program type ${ops.type}: types below ${MAX_BPF_PROG_TYPE} are the kernel's, or it is taken`,
          );
        this.progTypes.set(ops.type, ops);
        this.extProgTypes.set(ops.type, ops);
      },
      registerHelper: (id, proto, fn) => {
        if (!Number.isInteger(id) || id < BPF_FUNC_MAX_ID || id > 0xffff || this.extHelpers.has(id))
          throw new Error(`helper id ${id}: ids below ${BPF_FUNC_MAX_ID} are the kernel's, or it is taken`);
        this.extHelpers.set(id, { proto, fn });
      },
    });
    this.extensions.register('bloom-filter', bloomFilterExtension);
    if (opts.auditStorage !== undefined)
      this.extensions.register('audit-logger', auditLoggerExtension(opts.auditStorage));
    for (const [name, ctor] of opts.extensions ?? []) this.extensions.register(name, ctor);
    this.extensions.start();
  }

  /** Models `audit_log_start`..`audit_log_end` for a SECCOMP record: numbered, timed, kept, sent to sinks. */
  emitSeccompAudit(
    make: (timeNs: bigint, serial: number) => Omit<SeccompAuditRecord, 'timeNs' | 'serial'>,
  ): void {
    const timeNs = this.clock.ktimeGetNs();
    const serial = ++this.auditSerial;
    const r: SeccompAuditRecord = { timeNs, serial, ...make(timeNs, serial) };
    this.auditLog.push(r);
    this.extensions.emit(r);
  }

  /** Continues the audit serial numbers after `last` (a kernel resumed from saved state). */
  resumeAuditSerial(last: number): void {
    if (last > this.auditSerial) this.auditSerial = last;
  }

  /**
   * Models kernel/bpf/syscall.c `bpf_audit_prog`: a BPF record `prog-id=N op=LOAD|UNLOAD` when
   * audit is enabled, in the context of the current task.
   */
  emitBpfAudit(progId: number, op: BpfAuditOp): void {
    if (!this.auditEnabled) return;
    const timeNs = this.clock.ktimeGetNs();
    const serial = ++this.auditSerial;
    const r: SeccompAuditRecord = {
      timeNs,
      serial,
      type: 'BPF',
      pid: this.current?.tgid ?? 0,
      syscall: op === BPF_AUDIT_OP.LOAD ? 321 : -1,
      code: 0,
      text: formatBpfAudit(timeNs, serial, progId, op),
    };
    this.auditLog.push(r);
    this.extensions.emit(r);
  }

  /** Models `find_user`/`alloc_uid`: the accounting record of `uid`. */
  user(uid: number): UserStruct {
    let u = this.users.get(uid);
    if (!u) {
      u = { uid, lockedVm: 0 };
      this.users.set(uid, u);
    }
    return u;
  }

  /** Starts a new process (a new thread group) with the given credentials. */
  spawn(opts: SpawnOptions = {}): Task {
    const uid = opts.uid ?? 0;
    const gid = opts.gid ?? uid;
    const caps = capSet(opts.caps, uid);
    const t = new Task(this, this.allocPid(), undefined, { uid, gid, caps }, opts.cpu ?? 0);
    if (opts.stdio ?? true) t.openStdio();
    return t;
  }

  /** Allocates a pid (`alloc_pid`). */
  allocPid(): number {
    return this.nextPid++;
  }

  /** Bytes currently charged for bpf objects (memcg usage, or locked_vm pages in bytes for 4.x). */
  chargedBytes(): number {
    if (this.profile === '6.18') return this.accounting.memcgUsage;
    let pages = 0;
    for (const u of this.users.values()) pages += u.lockedVm;
    return pages * 4096;
  }
}
