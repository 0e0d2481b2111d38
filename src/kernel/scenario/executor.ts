/**
 * @fileoverview The scenario executor: turns each operation of a scenario into exactly the attr
 * bytes and user buffers the reference oracle (shared/tools/kernel-oracle/bpf_oracle.py) builds,
 * calls `bpf()` through a {@link SyscallHost}, and formats the result line with the oracle's
 * fields, key order and value formats. The emulator and the real kernel run this same code, so a
 * difference between their answers is a difference between the kernels.
 *
 * Attr layouts are those of `union bpf_attr` (include/uapi/linux/bpf.h) as the oracle fills them:
 * MAP_CREATE 96 bytes, element commands 32, PROG_LOAD 152, PROG_TEST_RUN 80.
 */
import { BPF_CMD } from '../attr/commands.js';
import { RLIMIT, type SyscallHost } from '../syscall-host.js';
import type { ScenarioOp } from './format.js';
import type { JsonValue, ResultLine } from './json.js';
import { Arena, AttrImage, fromHex, keyError, OracleError, readCString, toHex } from './memory.js';
import {
  BPF_PSEUDO_MAP_FD,
  enumValue,
  FD_RETURNING_CMDS,
  MAP_TYPE_NAMES,
  oracleErrnoName,
  PERCPU_MAP_TYPES,
  PROG_TYPE_NAMES,
  pythonOsError,
  strerror,
} from './tables.js';

/** The default log buffer of a PROG_LOAD with a log level and no `log_size`: 16 MiB, as the oracle. */
const DEFAULT_LOG_SIZE = 16 * 1024 * 1024;

/** What the executor remembers of a named object (the oracle's `objs[id]`). */
interface ObjEntry {
  /** The fd as the host knows it. */
  fd: number;
  kind: string;
  meta: Record<string, JsonValue>;
}

/** Options of {@link ScenarioExecutor}. */
export interface ExecutorOptions {
  /**
   * Present file descriptors as the oracle's fresh process sees them (lowest free from 3), whatever
   * numbers the host really hands out. For a host in a process that already holds other fds (a
   * Node process on the real kernel). Fds embedded in raw attr or instruction hex are not
   * translated; a script fd that is not one of its objects nor 0-2 reaches the kernel as -1.
   */
  virtualFds?: boolean;
}

/**
 * Maps the fds a script sees to the host's real ones (identity unless `virtualFds`): fds 0-2 are
 * open, a new fd takes the lowest free number (fs/file.c `alloc_fd`).
 */
class FdTable {
  private readonly toReal = new Map<number, number>();
  private readonly toVirtual = new Map<number, number>();

  constructor(private readonly enabled: boolean) {}

  /** Records a new real fd and returns the number the script sees. */
  opened(real: number): number {
    if (!this.enabled) return real;
    let v = 3;
    while (this.toReal.has(v)) v++;
    this.toReal.set(v, real);
    this.toVirtual.set(real, v);
    return v;
  }

  /**
   * The real fd behind a script-visible one. Fds 0-2 are the process's own; any other number the
   * script did not get from the kernel is not open in a fresh process, so it becomes -1 (EBADF)
   * rather than one of the host process's unrelated fds.
   */
  real(v: number): number {
    if (!this.enabled) return v;
    return this.toReal.get(v) ?? (v >= 0 && v <= 2 ? v : -1);
  }

  /** True for the stdio fds of a virtual table, which the script must not really close. */
  isStdio(v: number): boolean {
    return this.enabled && !this.toReal.has(v) && v >= 0 && v <= 2;
  }

  /** Forgets a closed fd, given by its real number. */
  closed(real: number): void {
    if (!this.enabled) return;
    const v = this.toVirtual.get(real);
    if (v === undefined) return;
    this.toVirtual.delete(real);
    this.toReal.delete(v);
  }
}

type Fields = Readonly<Record<string, unknown>>;

const has = (op: Fields, k: string): boolean => Object.hasOwn(op, k);
const int = (op: Fields, k: string, dflt: number): number => (has(op, k) ? (op[k] as number) : dflt);
const encoder = new TextEncoder();
const utf8 = (s: string): Uint8Array => encoder.encode(s);
const PY_INT = /^[+-]?\d+(?:_\d+)*$/;

/** Python's `int(v)` on an fdinfo value when it parses, else the string itself. */
function fdinfoValue(v: string): JsonValue {
  if (!PY_INT.test(v)) return v;
  const b = BigInt(v.replace(/_/g, ''));
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function setRet(out: ResultLine, r: number): ResultLine {
  out.ret = r;
  if (r < 0) out.errno = oracleErrnoName(-r);
  return out;
}

/** Executes scenario operations one by one against a host; models the oracle's `Oracle` class. */
export class ScenarioExecutor {
  private readonly objs = new Map<string, ObjEntry>();
  private readonly fds: FdTable;

  constructor(
    readonly host: SyscallHost,
    options: ExecutorOptions = {},
  ) {
    this.fds = new FdTable(options.virtualFds ?? false);
  }

  /** Runs one operation and returns its result line; harness failures become an `error` field. */
  run(op: ScenarioOp): ResultLine {
    const f = op.fields;
    const out: ResultLine = { seq: op.seq, op: op.op };
    for (const k of ['id', 'name']) if (has(f, k)) out[k] = f[k] as JsonValue;
    const arena = new Arena(this.host);
    try {
      this.dispatch(op, f, out, arena);
    } catch (e) {
      if (e instanceof OracleError) out.error = `${e.pyType}: ${e.message}`;
      else
        out.error = `${e instanceof Error ? e.name : 'Error'}: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      arena.release();
    }
    return out;
  }

  private dispatch(op: ScenarioOp, f: Fields, out: ResultLine, arena: Arena): void {
    switch (op.op) {
      case 'map_create':
        this.mapCreate(f, out, arena);
        return;
      case 'map_update':
        this.mapUpdate(f, out, arena);
        return;
      case 'map_lookup':
        this.lookup(f, out, arena, BPF_CMD.MAP_LOOKUP_ELEM);
        return;
      case 'map_lookup_and_delete':
        this.lookup(f, out, arena, BPF_CMD.MAP_LOOKUP_AND_DELETE_ELEM);
        return;
      case 'map_delete': {
        const a = this.elemAttr(f, arena);
        setRet(out, this.sys(a, arena, BPF_CMD.MAP_DELETE_ELEM));
        return;
      }
      case 'map_freeze': {
        const a = new AttrImage(32);
        a.u32(0, this.fdOf(f, 'map'));
        setRet(out, this.sys(a, arena, BPF_CMD.MAP_FREEZE));
        return;
      }
      case 'map_get_next_key':
        this.getNextKey(f, out, arena);
        return;
      case 'map_iterate':
        this.iterate(f, out);
        return;
      case 'prog_load':
        this.progLoad(f, out, arena);
        return;
      case 'prog_test_run':
        this.testRun(f, out, arena);
        return;
      case 'fdinfo':
        out.fdinfo = this.fdinfo(this.fdOf(f, has(f, 'map') ? 'map' : 'prog'));
        return;
      case 'close':
        this.close(f, out);
        return;
      case 'setrlimit':
        this.setrlimit(f, out);
        return;
      case 'getrlimit':
        this.getrlimit(f, out);
        return;
      case 'raw':
        this.raw(f, out, arena);
        return;
      case 'sysctl':
        this.sysctl(f, out);
        return;
      case 'comment':
        out.text = has(f, 'text') ? (f.text as JsonValue) : null;
        return;
    }
  }

  /** Writes the attr into user memory, calls bpf(cmd, attr, size) and reads the attr back. */
  private sys(a: AttrImage, arena: Arena, cmd: number, size = a.size): number {
    const addr = arena.put(a.bytes);
    const r = this.host.bpf(cmd, addr, size >>> 0);
    a.bytes.set(this.host.read(addr, a.size));
    return r;
  }

  /** The real fd an operation designates (`map`/`prog` id or fd, else `fd`): the oracle's `fd_of`. */
  private fdOf(f: Fields, key: string): number {
    const v = f[key];
    if (typeof v === 'string') {
      const o = this.objs.get(v);
      if (o === undefined) throw keyError(v);
      return o.fd;
    }
    if (typeof v === 'number') return this.fds.real(v);
    if (has(f, 'fd')) return this.fds.real(f.fd as number);
    throw keyError(`no ${key}/fd`);
  }

  private obj(id: string): ObjEntry {
    const o = this.objs.get(id);
    if (o === undefined) throw keyError(id);
    return o;
  }

  /** The parsed `/proc/self/fdinfo/<fd>`, or `{error}` as the oracle's `fdinfo_fd`. */
  private fdinfo(fd: number): Record<string, JsonValue> {
    const r = this.host.fdinfo(fd);
    if (typeof r === 'number') return { error: pythonOsError(r, `/proc/self/fdinfo/${fd}`) };
    const d: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(r)) d[k.trim()] = fdinfoValue(v.trim());
    return d;
  }

  private mapMeta(f: Fields): Record<string, JsonValue> {
    if (typeof f.map === 'string') return this.obj(f.map).meta;
    return this.fdinfo(this.fdOf(f, 'map'));
  }

  private valueLen(meta: Record<string, JsonValue>, f: Fields): number {
    if (has(f, 'value_len')) return f.value_len as number;
    const vs = meta.value_size ?? 0;
    if (typeof vs !== 'number')
      throw new OracleError('TypeError', `value_size ${JSON.stringify(vs)} is not a number`);
    const mt = meta.map_type;
    if (typeof mt === 'number' && PERCPU_MAP_TYPES.has(mt))
      return Math.ceil(vs / 8) * 8 * this.host.possibleCpus;
    return vs;
  }

  private mapCreate(f: Fields, out: ResultLine, arena: Arena): void {
    const a = new AttrImage(int(f, 'attr_size', 96));
    const mt = enumValue((f.map_type as number | string | undefined) ?? 1, MAP_TYPE_NAMES);
    if (mt === undefined)
      throw new OracleError('ValueError', `unknown map type ${JSON.stringify(f.map_type)}`);
    a.u32(0, mt);
    a.u32(4, int(f, 'key_size', 4));
    a.u32(8, int(f, 'value_size', 4));
    a.u32(12, int(f, 'max_entries', 1));
    a.u32(16, int(f, 'map_flags', 0));
    if (has(f, 'inner_map')) a.u32(20, this.obj(f.inner_map as string).fd);
    else if (has(f, 'inner_map_fd')) a.u32(20, this.fds.real(f.inner_map_fd as number));
    a.u32(24, int(f, 'numa_node', 0));
    a.bytesAt(28, utf8((f.map_name as string | undefined) ?? '').subarray(0, 15), 16);
    a.u32(48, int(f, 'btf_fd', 0));
    a.u32(52, int(f, 'btf_key_type_id', 0));
    a.u32(56, int(f, 'btf_value_type_id', 0));
    a.u64(64, int(f, 'map_extra', 0));
    const r = this.sys(a, arena, BPF_CMD.MAP_CREATE);
    setRet(out, r >= 0 ? this.fds.opened(r) : r);
    if (r < 0) return;
    const meta = { map_type: mt, key_size: int(f, 'key_size', 4), value_size: int(f, 'value_size', 4) };
    if (typeof f.id === 'string' && f.id !== '') this.objs.set(f.id, { fd: r, kind: 'map', meta });
    if (f.show_fdinfo ?? true) out.memlock = this.fdinfo(r).memlock ?? null;
  }

  /** The 32-byte element attr: map fd at 0, key pointer at 8 (the oracle's `elem_attr`). */
  private elemAttr(f: Fields, arena: Arena): AttrImage {
    const a = new AttrImage(32);
    a.u32(0, this.fdOf(f, 'map'));
    const key = f.key as string | null | undefined;
    if (key !== undefined && key !== null) a.u64(8, arena.put(fromHex(key)));
    return a;
  }

  private mapUpdate(f: Fields, out: ResultLine, arena: Arena): void {
    const a = this.elemAttr(f, arena);
    const value = f.value as string | null | undefined;
    if (value !== undefined && value !== null) a.u64(16, arena.put(fromHex(value)));
    a.u64(24, int(f, 'flags', 0));
    setRet(out, this.sys(a, arena, BPF_CMD.MAP_UPDATE_ELEM));
  }

  private lookup(f: Fields, out: ResultLine, arena: Arena, cmd: number): void {
    const n = this.valueLen(this.mapMeta(f), f);
    const a = this.elemAttr(f, arena);
    const vb = arena.alloc(n);
    a.u64(16, vb);
    a.u64(24, int(f, 'flags', 0));
    const r = this.sys(a, arena, cmd);
    setRet(out, r);
    if (r === 0) out.value = toHex(this.host.read(vb, Math.max(n, 0)));
  }

  private keySize(meta: Record<string, JsonValue>): number {
    const ks = meta.key_size;
    if (ks === undefined) throw keyError('key_size');
    if (typeof ks !== 'number')
      throw new OracleError('TypeError', `key_size ${JSON.stringify(ks)} is not a number`);
    return ks;
  }

  /** One GET_NEXT_KEY call (the oracle's `_next_key`): the return value and the key buffer's hex. */
  private nextKey(fd: number, ks: number, key: string | null, arena: Arena): [number, string] {
    const a = new AttrImage(32);
    a.u32(0, fd);
    if (key !== null) a.u64(8, arena.put(fromHex(key)));
    const nb = arena.alloc(ks);
    a.u64(16, nb);
    const r = this.sys(a, arena, BPF_CMD.MAP_GET_NEXT_KEY);
    return [r, toHex(this.host.read(nb, Math.max(ks, 0)))];
  }

  private getNextKey(f: Fields, out: ResultLine, arena: Arena): void {
    const ks = this.keySize(this.mapMeta(f));
    const [r, k] = this.nextKey(this.fdOf(f, 'map'), ks, (f.key as string | null | undefined) ?? null, arena);
    setRet(out, r);
    if (r === 0) out.next_key = k;
  }

  private iterate(f: Fields, out: ResultLine): void {
    const ks = this.keySize(this.mapMeta(f));
    const fd = this.fdOf(f, 'map');
    const keys: string[] = [];
    let cur: string | null = null;
    const limit = int(f, 'limit', 100000);
    for (let i = 0; i < limit; i++) {
      const step = new Arena(this.host);
      try {
        const [r, k] = this.nextKey(fd, ks, cur, step);
        if (r < 0) {
          setRet(out, r);
          break;
        }
        keys.push(k);
        cur = k;
      } finally {
        step.release();
      }
    }
    out.keys = keys;
  }

  private progLoad(f: Fields, out: ResultLine, arena: Arena): void {
    const insns = fromHex((f.insns as string | undefined) ?? '');
    for (const [idx, mid] of (f.map_fixups as [number, string][] | undefined) ?? []) {
      const fd = this.obj(mid).fd;
      const o = idx * 8;
      if (o + 8 > insns.length) throw new OracleError('IndexError', 'bytearray index out of range');
      const regs = insns[o + 1] as number;
      if (regs >> 4 === 0) insns[o + 1] = (regs & 0x0f) | (BPF_PSEUDO_MAP_FD << 4);
      new DataView(insns.buffer).setInt32(o + 4, fd, true);
    }
    const a = new AttrImage(int(f, 'attr_size', 152));
    const pt = enumValue((f.prog_type as number | string | undefined) ?? 'socket_filter', PROG_TYPE_NAMES);
    if (pt === undefined)
      throw new OracleError('ValueError', `unknown program type ${JSON.stringify(f.prog_type)}`);
    a.u32(0, pt);
    const ib = arena.put(insns);
    a.u32(4, int(f, 'insn_cnt', Math.floor(insns.length / 8)));
    a.u64(8, ib);
    const lic = utf8((f.license as string | undefined) ?? 'GPL');
    a.u64(16, arena.put(lic, lic.length + 1));
    const ll = int(f, 'log_level', 1);
    const lsz = int(f, 'log_size', ll ? DEFAULT_LOG_SIZE : 0);
    let lb: number | undefined;
    if (ll || lsz) {
      lb = arena.alloc(lsz);
      a.u32(24, ll);
      a.u32(28, lsz);
      if (lsz) a.u64(32, lb);
    }
    a.u32(40, int(f, 'kern_version', 0));
    a.u32(44, int(f, 'prog_flags', 0));
    a.bytesAt(48, utf8((f.prog_name as string | undefined) ?? '').subarray(0, 15), 16);
    a.u32(68, int(f, 'expected_attach_type', 0));
    const fdArray = f.fd_array as string[] | undefined;
    if (fdArray !== undefined && fdArray.length > 0) {
      const fa = new Uint8Array(4 * fdArray.length);
      const dv = new DataView(fa.buffer);
      fdArray.forEach((m, i) => {
        dv.setInt32(4 * i, this.obj(m).fd, true);
      });
      a.u64(120, arena.put(fa));
    }
    const r = this.sys(a, arena, BPF_CMD.PROG_LOAD);
    setRet(out, r >= 0 ? this.fds.opened(r) : r);
    if (lb !== undefined && lsz) out.log = new TextDecoder().decode(readCString(this.host, lb, lsz));
    out.log_true_size = a.getU32(140);
    if (r < 0) return;
    if (typeof f.id === 'string' && f.id !== '') this.objs.set(f.id, { fd: r, kind: 'prog', meta: {} });
    const fi = this.fdinfo(r);
    out.verified_insns = fi.verified_insns ?? null;
    out.prog_tag = fi.prog_tag ?? null;
    if (f.close === true) {
      this.host.close(r);
      this.fds.closed(r);
    }
  }

  private testRun(f: Fields, out: ResultLine, arena: Arena): void {
    const a = new AttrImage(80);
    a.u32(0, this.fdOf(f, 'prog'));
    const din = fromHex((f.data as string | undefined) ?? '');
    if (din.length > 0) {
      a.u32(8, din.length);
      a.u64(16, arena.put(din));
    }
    const dso = int(f, 'data_size_out', din.length > 0 ? din.length + 256 : 0);
    let dout: number | undefined;
    if (dso) {
      dout = arena.alloc(dso);
      a.u32(12, dso);
      a.u64(24, dout);
    }
    a.u32(32, int(f, 'repeat', 1));
    const cin = f.ctx as string | null | undefined;
    if (cin !== undefined && cin !== null) {
      const cb = fromHex(cin);
      a.u32(40, cb.length);
      a.u64(48, arena.put(cb));
    }
    const cso = int(f, 'ctx_size_out', 0);
    let cout: number | undefined;
    if (cso) {
      cout = arena.alloc(cso);
      a.u32(44, cso);
      a.u64(56, cout);
    }
    a.u32(64, int(f, 'flags', 0));
    a.u32(68, int(f, 'cpu', 0));
    const r = this.sys(a, arena, BPF_CMD.PROG_TEST_RUN);
    setRet(out, r);
    out.retval = a.getU32(4);
    out.duration = a.getU32(36);
    out.data_size_out = a.getU32(12);
    if (dout !== undefined && r === 0)
      out.data_out = toHex(this.host.read(dout, Math.min(a.getU32(12), dso)));
    if (cout !== undefined && r === 0) {
      out.ctx_size_out = a.getU32(44);
      out.ctx_out = toHex(this.host.read(cout, Math.min(a.getU32(44), cso)));
    }
  }

  private close(f: Fields, out: ResultLine): void {
    let fd: number;
    if (has(f, 'id')) {
      const id = f.id as string;
      fd = this.obj(id).fd;
      this.objs.delete(id);
    } else {
      const v = f.fd as number;
      if (this.fds.isStdio(v)) {
        // The host process's stdio stays open; a fresh process would have closed it fine.
        setRet(out, 0);
        return;
      }
      fd = this.fds.real(v);
    }
    const r = this.host.close(fd);
    if (r === 0) this.fds.closed(fd);
    setRet(out, r);
  }

  private resource(f: Fields): number {
    const name = (f.resource as string | undefined) ?? 'MEMLOCK';
    const res = (RLIMIT as Record<string, number>)[name];
    if (res === undefined)
      throw new OracleError('AttributeError', `module 'resource' has no attribute 'RLIMIT_${name}'`);
    return res;
  }

  private setrlimit(f: Fields, out: ResultLine): void {
    const res = this.resource(f);
    const soft = f.soft as number;
    const hard = has(f, 'hard') ? (f.hard as number) : soft;
    const r = this.host.setrlimit(res, soft, hard);
    if (r === 0) {
      out.ret = 0;
      return;
    }
    out.ret = -1;
    // Python's resource.setrlimit turns EINVAL and EPERM into ValueErrors with these texts.
    if (r === -22) out.error = 'current limit exceeds maximum limit';
    else if (r === -1) out.error = 'not allowed to raise maximum limit';
    else out.error = `[Errno ${-r}] ${strerror(-r)}`;
  }

  private getrlimit(f: Fields, out: ResultLine): void {
    const g = this.host.getrlimit(this.resource(f));
    if (g.ret < 0) throw new OracleError('OSError', `[Errno ${-g.ret}] ${strerror(-g.ret)}`);
    out.value = [g.soft, g.hard];
  }

  private raw(f: Fields, out: ResultLine, arena: Arena): void {
    const data = fromHex((f.attr as string | undefined) ?? '');
    const size = int(f, 'size', data.length);
    const a = new AttrImage(Math.max(data.length, size, 1));
    a.bytes.set(data);
    const cmd = f.cmd as number;
    const r = this.sys(a, arena, cmd, size);
    const fdRet = r >= 0 && FD_RETURNING_CMDS.has(cmd);
    setRet(out, fdRet ? this.fds.opened(r) : r);
    out.attr_out = toHex(a.bytes.subarray(0, data.length));
    if (r >= 0 && typeof f.id === 'string' && f.id !== '') {
      const meta = (f.meta as Record<string, JsonValue> | undefined) ?? {};
      this.objs.set(f.id, { fd: r, kind: (f.kind as string | undefined) ?? 'map', meta });
    }
  }

  private sysctl(f: Fields, out: ResultLine): void {
    const path = f.path as string;
    const write = has(f, 'write') ? String(f.write) : undefined;
    const r = this.host.sysctl(path, write);
    if (write !== undefined && r.ret < 0) out.write_error = `${oracleErrnoName(r.ret)} ${strerror(r.ret)}`;
    if (r.value !== undefined) out.value = r.value;
    else out.error = pythonOsError(r.ret < 0 ? r.ret : -2, `/proc/sys/${path}`);
  }
}

/** Runs a whole scenario on `host`, yielding one result line per operation as it completes. */
export function* executeScenario(
  host: SyscallHost,
  ops: readonly ScenarioOp[],
  options: ExecutorOptions = {},
): Generator<ResultLine> {
  const ex = new ScenarioExecutor(host, options);
  for (const op of ops) yield ex.run(op);
}
