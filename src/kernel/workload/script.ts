/**
 * @fileoverview Task scripts: workloads as data. A workload is a set of tasks, each a sequence of
 * steps: a syscall with arguments (by name or number; flag expressions like `O_RDWR|O_CLOEXEC`;
 * strings, buffers and the structs the emulated calls read), the steps a forked child runs, and
 * loops. A step may name its result (`"as": "fd"`) for later steps (`"$fd"`).
 *
 * Two file forms, in the spirit of the scenario format (docs: /work/shared/reference/scenario-format.md):
 * a JSON object `{"name", "tasks": [{"name", "comm", "exe", "steps": [...]}]}`, or JSON lines, one
 * step per line, for a single task. See docs in `bpfsim run --help`.
 */

/** A struct argument: written to the task's memory, its address passed; read back after the call. */
export type StructArg =
  /** A NUL-terminated string. */
  | { readonly str: string }
  /** A zeroed buffer of N bytes (for read, recvfrom, getdents64, fstat, ...). */
  | { readonly buf: number }
  /** A zeroed buffer of N bytes for a socket address the kernel writes (accept4, recvfrom, getsockname). */
  | { readonly addr: number }
  /** Bytes given as text (UTF-8). */
  | { readonly text: string }
  /** Bytes given as hex. */
  | { readonly hex: string }
  /** A 32-bit integer (`int *`: socklen_t, wstatus, option values). */
  | { readonly int: number | string }
  /** `struct ifreq`: name plus one of flags (short), mtu, qlen or ifindex (int) in the union. */
  | {
      readonly ifreq: {
        readonly name?: string;
        readonly flags?: number | string;
        readonly mtu?: number;
        readonly qlen?: number;
        readonly ifindex?: number;
      };
    }
  /** A socket address. */
  | {
      readonly sockaddr:
        | { readonly family: 'inet'; readonly addr: string; readonly port: number }
        | { readonly family: 'inet6'; readonly addr: string; readonly port: number }
        | { readonly family: 'unix'; readonly path: string }
        | { readonly family: 'netlink'; readonly pid?: number; readonly groups?: number };
    }
  /** An rtnetlink request: one nlmsghdr + rtmsg/ifaddrmsg + attributes. */
  | {
      readonly nlmsg: {
        readonly type: number | string;
        readonly flags: number | string;
        readonly seq?: number;
        /** `"10.1.0.0/16"` for routes, `"10.1.0.1/16"` for addresses. */
        readonly dst?: string;
        /** Output interface: an ifindex or a `$variable`. */
        readonly oif?: number | string;
        readonly mtu?: number;
        readonly table?: number;
      };
    }
  /** An argv/envp array: NULL-terminated pointers to strings. */
  | { readonly argv: readonly string[] }
  /** `struct clone_args` (clone3). */
  | { readonly clone_args: { readonly flags: number | string; readonly exit_signal?: number | string } };

/** An argument: a number, a flag expression or `$var` (`@len`: the byte length of the step's last struct), or a struct. */
export type ArgSpec = number | string | StructArg;

/** A syscall step. */
export interface CallStep {
  /** The syscall name (x86_64) or number. */
  readonly call: string | number;
  readonly args?: readonly ArgSpec[];
  /** Stores the return value as a variable. */
  readonly as?: string;
  /**
   * Stores integers the kernel wrote back: variable → argument index (the int of an `int`
   * argument, the union int of an `ifreq`: flags, mtu, ifindex, qlen).
   */
  readonly capture?: Readonly<Record<string, number>>;
  /** For clone/clone3/fork/vfork: what the child runs (it starts with the parent's variables). */
  readonly child?: readonly Step[];
  /** A comment shown in the output. */
  readonly note?: string;
}

/** Runs `body` `loop` times; `$i` is the iteration (0-based). */
export interface LoopStep {
  readonly loop: number;
  readonly body: readonly Step[];
}

/** One step of a task script. */
export type Step = CallStep | LoopStep;

/** One task of a workload. */
export interface TaskSpec {
  readonly name: string;
  /** `comm` (audit records and output); default the name. */
  readonly comm?: string;
  /** The executable path (`exe=`); default `/usr/bin/<name>`. */
  readonly exe?: string;
  /** User id; default 0 (root with every capability). */
  readonly uid?: number;
  readonly steps: readonly Step[];
}

/** A workload: tasks started together, run round-robin. */
export interface Workload {
  readonly name: string;
  readonly description?: string;
  readonly tasks: readonly TaskSpec[];
}

/** A script that cannot be read; the message names the line or step. */
export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

function checkStep(s: unknown, where: string): Step {
  if (typeof s !== 'object' || s === null) throw new ScriptError(`${where}: a step is an object`);
  const o = s as Record<string, unknown>;
  if ('loop' in o) {
    if (typeof o.loop !== 'number' || !Number.isInteger(o.loop) || o.loop < 0 || o.loop > 1_000_000)
      throw new ScriptError(`${where}: "loop" is a count 0..1000000`);
    if (!Array.isArray(o.body)) throw new ScriptError(`${where}: "loop" needs a "body" array`);
    return { loop: o.loop, body: o.body.map((b, i) => checkStep(b, `${where}.body[${i}]`)) };
  }
  if (typeof o.call !== 'string' && typeof o.call !== 'number')
    throw new ScriptError(`${where}: a step needs "call" (a syscall name or number) or "loop"`);
  if (o.args !== undefined && !Array.isArray(o.args)) throw new ScriptError(`${where}: "args" is an array`);
  if (o.as !== undefined && (typeof o.as !== 'string' || !/^[A-Za-z_]\w*$/.test(o.as)))
    throw new ScriptError(`${where}: "as" is a variable name`);
  if (o.child !== undefined && !Array.isArray(o.child))
    throw new ScriptError(`${where}: "child" is an array of steps`);
  return {
    call: o.call,
    ...(o.args !== undefined ? { args: o.args as ArgSpec[] } : {}),
    ...(o.as !== undefined ? { as: o.as as string } : {}),
    ...(o.note !== undefined ? { note: String(o.note) } : {}),
    ...(typeof o.capture === 'object' && o.capture !== null
      ? { capture: o.capture as Record<string, number> }
      : {}),
    ...(Array.isArray(o.child) ? { child: o.child.map((c, i) => checkStep(c, `${where}.child[${i}]`)) } : {}),
  };
}

/** Validates a parsed workload object. */
export function checkWorkload(v: unknown, name = 'script'): Workload {
  if (typeof v !== 'object' || v === null || !Array.isArray((v as { tasks?: unknown }).tasks))
    throw new ScriptError(`${name}: expected {"tasks": [...]}`);
  const o = v as { name?: unknown; description?: unknown; tasks: unknown[] };
  if (o.tasks.length === 0) throw new ScriptError(`${name}: no tasks`);
  const tasks = o.tasks.map((t, i): TaskSpec => {
    if (typeof t !== 'object' || t === null) throw new ScriptError(`tasks[${i}]: a task is an object`);
    const r = t as Record<string, unknown>;
    if (!Array.isArray(r.steps)) throw new ScriptError(`tasks[${i}]: "steps" is required`);
    const tname = typeof r.name === 'string' ? r.name : `task${i}`;
    return {
      name: tname,
      ...(typeof r.comm === 'string' ? { comm: r.comm } : {}),
      ...(typeof r.exe === 'string' ? { exe: r.exe } : {}),
      ...(typeof r.uid === 'number' ? { uid: r.uid } : {}),
      steps: r.steps.map((s, j) => checkStep(s, `tasks[${i}].steps[${j}]`)),
    };
  });
  return {
    name: typeof o.name === 'string' ? o.name : name,
    ...(typeof o.description === 'string' ? { description: o.description } : {}),
    tasks,
  };
}

/** Parses a script file: a JSON workload object, or JSON lines of steps for one task. */
export function parseWorkload(text: string, name = 'script'): Workload {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    whole = undefined;
  }
  if (typeof whole === 'object' && whole !== null && 'tasks' in whole) return checkWorkload(whole, name);
  const steps: Step[] = [];
  text.split('\n').forEach((line, i) => {
    const l = line.trim();
    if (l === '' || l.startsWith('#') || l.startsWith('//')) return;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      throw new ScriptError(`line ${i + 1}: ${(e as Error).message}`);
    }
    steps.push(checkStep(v, `line ${i + 1}`));
  });
  if (steps.length === 0) throw new ScriptError(`${name}: no steps`);
  return { name, tasks: [{ name, steps }] };
}
