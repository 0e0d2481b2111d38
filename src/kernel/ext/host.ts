/**
 * @fileoverview The extension host: extensions register by name with a constructor, are
 * initialised in registration order with a host that lets them add audit sinks, map types,
 * program types, emulated syscalls, helpers and cleanups, and
 * are shut down in reverse order, every cleanup running even when an earlier one fails.
 *
 * Modelled on Tailscale's extension host (seed 003: `ipnext.RegisterExtension(name, newFn)`,
 * `Init(host)`, `Shutdown()` in reverse order) and on the kernel's audit fan-out
 * (kernel/audit.c `audit_log_end` handing a finished record to its consumers).
 */
import type { MapTypeOps } from '../../maps/ops.js';
import type { ProgTypeOps } from '../../progs/registry.js';
import type { VerifierFuncProto } from '../../verifier/env/types.js';
import type { HelperFn } from '../../vm/machine.js';
import type { Task } from '../task.js';

/** A finished audit record: its text as auditd writes it, and what it is about. */
export interface AuditRecord {
  readonly timeNs: bigint;
  readonly serial: number;
  readonly pid: number;
  readonly syscall: number;
  readonly code: number;
  /** `type=... msg=audit(...): ...`. */
  readonly text: string;
}

/** Receives finished audit records (kernel/audit.c `audit_log_end`). */
export interface AuditSink {
  /** Takes one finished record. */
  write(record: AuditRecord): void;
  /** Makes written records durable (called on shutdown, like auditd's flush). */
  flush?(): void;
}

/** What an extension may do while it is initialised. */
export interface ExtensionHostApi {
  /** Adds a consumer of audit records. */
  registerAuditSink(sink: AuditSink): void;
  /** Runs `fn` when the host shuts down, after the cleanups registered later. */
  onShutdown(fn: () => void): void;
  /** Adds a map type to the kernel's registry (`bpf_map_types[]`, BPF_MAP_TYPE(...) in bpf_types.h). */
  registerMapType(type: number, ops: MapTypeOps): void;
  /**
   * Emulates syscall `nr` (x86_64 number) for calls the seccomp filters allowed: `fn` returns the
   * result or -errno. Only numbers bpfsim does not emulate itself can be taken.
   */
  registerSyscall(nr: number, fn: ExtSyscallFn): void;
  /**
   * Adds a helper with id `id` (from the kernel's frozen `__BPF_FUNC_MAX_ID`, 212, up, so it cannot
   * shadow one) callable by every program type: `proto` is what the verifier checks the call
   * against, `fn` what runs (registers as 32-bit halves, as the VM's helpers).
   */
  registerHelper(id: number, proto: VerifierFuncProto, fn: HelperFn): void;
  /**
   * Adds a program type numbered from `__MAX_BPF_PROG_TYPE` (33) up: BPF_PROG_LOAD accepts it,
   * the verifier checks context accesses and helper calls with the type's own tables, and
   * BPF_PROG_TEST_RUN runs its `testRun`.
   */
  registerProgType(ops: ExtProgTypeOps): void;
}

/** A program type an extension adds. Models `bpf_prog_ops` + `bpf_verifier_ops`. */
export interface ExtProgTypeOps extends ProgTypeOps {
  /** `is_valid_access`: whether the program may read (`write` false) or write `size` bytes at `off`. */
  readonly isValidAccess: (off: number, size: number, write: boolean) => boolean;
  /** `get_func_proto`: the helper's prototype for this type, or undefined (not allowed). */
  readonly funcProto: (funcId: number) => VerifierFuncProto | undefined;
}

/** An emulated syscall: the result, or -errno. */
export type ExtSyscallFn = (task: Task, args: readonly (number | bigint)[]) => number;

/** What the host can change in the kernel it serves. */
export interface ExtensionHostOptions {
  /** Installs a map type; without it, registerMapType throws. */
  readonly registerMapType?: (type: number, ops: MapTypeOps) => void;
  /** Installs a syscall; without it, registerSyscall throws. */
  readonly registerSyscall?: (nr: number, fn: ExtSyscallFn) => void;
  /** Installs a helper; without it, registerHelper throws. */
  readonly registerHelper?: (id: number, proto: VerifierFuncProto, fn: HelperFn) => void;
  /** Installs a program type; without it, registerProgType throws. */
  readonly registerProgType?: (ops: ExtProgTypeOps) => void;
}

/** An initialised extension. */
export interface Extension {
  readonly name: string;
  /** Called once, after all cleanups the extension registered. */
  shutdown?(): void;
}

/** Builds an extension; throwing means the extension failed to start. */
export type ExtensionConstructor = (host: ExtensionHostApi) => Extension;

/** One failure during init or shutdown, with the extension it belongs to. */
export interface ExtensionError {
  readonly extension: string;
  readonly phase: 'init' | 'shutdown';
  readonly message: string;
}

/** Registers, starts and stops extensions (Tailscale ipnext host: RegisterExtension/Init/Shutdown). */
export class ExtensionHost {
  constructor(private readonly options: ExtensionHostOptions = {}) {}

  private readonly ctors: { name: string; ctor: ExtensionConstructor }[] = [];
  private readonly cleanups: { name: string; fn: () => void }[] = [];
  private readonly sinks: AuditSink[] = [];
  private readonly started: string[] = [];
  private state: 'new' | 'running' | 'stopped' = 'new';
  /** Failures seen so far, in order. */
  readonly errors: ExtensionError[] = [];

  /** Adds an extension; a duplicate name or a registration after start throws. */
  register(name: string, ctor: ExtensionConstructor): void {
    if (this.state !== 'new') throw new Error(`extension ${name}: host already started`);
    if (name === '' || this.ctors.some((c) => c.name === name))
      throw new Error(`extension ${JSON.stringify(name)}: duplicate or empty name`);
    this.ctors.push({ name, ctor });
  }

  /** Initialises every extension in registration order; a failing one is skipped and reported. */
  start(): readonly string[] {
    if (this.state !== 'new') throw new Error('extension host already started');
    this.state = 'running';
    for (const { name, ctor } of this.ctors) {
      const mine: { name: string; fn: () => void }[] = [];
      const mySinks: AuditSink[] = [];
      const api: ExtensionHostApi = {
        registerAuditSink: (sink) => mySinks.push(sink),
        onShutdown: (fn) => mine.push({ name, fn }),
        registerMapType: (type, ops) => {
          if (this.options.registerMapType === undefined)
            throw new Error('this host cannot register map types');
          this.options.registerMapType(type, ops);
        },
        registerSyscall: (nr, fn) => {
          if (this.options.registerSyscall === undefined)
            throw new Error('this host cannot register syscalls');
          this.options.registerSyscall(nr, fn);
        },
        registerHelper: (id, proto, fn) => {
          if (this.options.registerHelper === undefined) throw new Error('this host cannot register helpers');
          this.options.registerHelper(id, proto, fn);
        },
        registerProgType: (ops) => {
          if (this.options.registerProgType === undefined)
            throw new Error('this host cannot register program types');
          this.options.registerProgType(ops);
        },
      };
      let ext: Extension;
      try {
        ext = ctor(api);
      } catch (e) {
        this.errors.push({ extension: name, phase: 'init', message: messageOf(e) });
        for (const c of mine.reverse()) this.runCleanup(c);
        continue;
      }
      this.sinks.push(...mySinks);
      this.cleanups.push(...mine);
      const shutdown = ext.shutdown;
      if (shutdown) this.cleanups.push({ name, fn: () => shutdown.call(ext) });
      this.started.push(name);
    }
    return this.started;
  }

  /** Sends a record to every sink; a throwing sink is reported and the others still receive it. */
  emit(record: AuditRecord): void {
    for (const sink of this.sinks) {
      try {
        sink.write(record);
      } catch (e) {
        this.errors.push({ extension: 'audit-sink', phase: 'init', message: messageOf(e) });
      }
    }
  }

  /** Flushes sinks, then runs all cleanups in reverse order; idempotent. */
  shutdown(): readonly ExtensionError[] {
    if (this.state === 'stopped') return this.errors;
    this.state = 'stopped';
    for (const sink of this.sinks) {
      try {
        sink.flush?.();
      } catch (e) {
        this.errors.push({ extension: 'audit-sink', phase: 'shutdown', message: messageOf(e) });
      }
    }
    for (const c of this.cleanups.reverse()) this.runCleanup(c);
    this.cleanups.length = 0;
    return this.errors;
  }

  private runCleanup(c: { name: string; fn: () => void }): void {
    try {
      c.fn();
    } catch (e) {
      this.errors.push({ extension: c.name, phase: 'shutdown', message: messageOf(e) });
    }
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
