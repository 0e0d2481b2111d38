/**
 * @fileoverview The friendly map handle (like cilium/ebpf `*ebpf.Map` or libbpf `bpf_map__*`):
 * every method builds a `union bpf_attr` in the task's memory and calls the raw bpf() syscall
 * (kernel/bpf/syscall.c `map_*_elem`, `map_freeze`, `bpf_obj_pin`), throwing {@link BpfError}.
 */

import { BPF_MAP_TYPE, MAP_TYPE_NAMES } from '../../maps/uapi.js';
import { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { INFO_ATTR, MAP_CREATE_ATTR, MAP_ELEM_ATTR, OBJ_ATTR } from '../attr/layout.js';
import { BPF_MAP_INFO_SIZE, MAP_INFO } from '../syscall/info.js';
import type { Task } from '../task.js';
import { type BytesLike, toBytes } from './bytes.js';
import { check, sysBpfAttr, withScratch } from './scratch.js';

/** What `createMap` takes (the BPF_MAP_CREATE attr fields). */
export interface MapSpec {
  /** A map type name (`'hash'`, `'array'`...) or number. */
  type: string | number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
  mapExtra?: bigint;
  innerMapFd?: number;
}

const enc = new TextEncoder();

/** The number of a map type name. */
export function mapTypeNumber(t: string | number): number {
  if (typeof t === 'number') return t;
  const v = (BPF_MAP_TYPE as Record<string, number>)[t.toUpperCase()];
  if (v === undefined) throw new RangeError(`unknown map type '${t}'`);
  return v;
}

/** Models `bpf_map_create` (libbpf): BPF_MAP_CREATE and a handle on the new fd. */
export function createMap(task: Task, spec: MapSpec): MapHandle {
  const type = mapTypeNumber(spec.type);
  const attr = new BpfAttr()
    .set(MAP_CREATE_ATTR.map_type, type)
    .set(MAP_CREATE_ATTR.key_size, spec.keySize)
    .set(MAP_CREATE_ATTR.value_size, spec.valueSize)
    .set(MAP_CREATE_ATTR.max_entries, spec.maxEntries)
    .set(MAP_CREATE_ATTR.map_flags, spec.flags ?? 0)
    .set(MAP_CREATE_ATTR.inner_map_fd, spec.innerMapFd ?? 0)
    .set(MAP_CREATE_ATTR.map_extra, spec.mapExtra ?? 0n);
  if (spec.name) attr.setBytes(MAP_CREATE_ATTR.map_name, enc.encode(spec.name).subarray(0, 15));
  const fd = withScratch(task, 0, (s) =>
    check(BPF_CMD.MAP_CREATE, sysBpfAttr(task, s, BPF_CMD.MAP_CREATE, attr).ret),
  );
  return MapHandle.fromFd(task, fd);
}

/** A map open in a task. */
export class MapHandle {
  private constructor(
    readonly task: Task,
    readonly fd: number,
    readonly type: number,
    readonly keySize: number,
    readonly valueSize: number,
    readonly maxEntries: number,
    readonly flags: number,
    readonly id: number,
    readonly name: string,
  ) {}

  /** A handle on an existing map fd, described through BPF_OBJ_GET_INFO_BY_FD. */
  static fromFd(task: Task, fd: number): MapHandle {
    const info = withScratch(task, BPF_MAP_INFO_SIZE, (s) => {
      const buf = s.put(BPF_MAP_INFO_SIZE);
      const attr = new BpfAttr()
        .set(INFO_ATTR.bpf_fd, fd)
        .set(INFO_ATTR.info_len, BPF_MAP_INFO_SIZE)
        .set(INFO_ATTR.info, buf);
      check(BPF_CMD.OBJ_GET_INFO_BY_FD, sysBpfAttr(task, s, BPF_CMD.OBJ_GET_INFO_BY_FD, attr).ret);
      return s.get(buf, BPF_MAP_INFO_SIZE);
    });
    const dv = new DataView(info.buffer);
    const u = (o: number): number => dv.getUint32(o, true);
    const nameBytes = info.subarray(MAP_INFO.name, MAP_INFO.name + 16);
    const end = nameBytes.indexOf(0);
    const name = new TextDecoder().decode(nameBytes.subarray(0, end < 0 ? 16 : end));
    return new MapHandle(
      task,
      fd,
      u(MAP_INFO.type),
      u(MAP_INFO.key_size),
      u(MAP_INFO.value_size),
      u(MAP_INFO.max_entries),
      u(MAP_INFO.map_flags),
      u(MAP_INFO.id),
      name,
    );
  }

  /** The type's name (`hash`). */
  get typeName(): string {
    return MAP_TYPE_NAMES[this.type] ?? `type ${this.type}`;
  }

  /** Bytes a lookup returns: per-CPU maps give round_up(value_size, 8) * possible CPUs. */
  get sysValueSize(): number {
    const percpu = [
      BPF_MAP_TYPE.PERCPU_HASH,
      BPF_MAP_TYPE.PERCPU_ARRAY,
      BPF_MAP_TYPE.LRU_PERCPU_HASH,
      BPF_MAP_TYPE.PERCPU_CGROUP_STORAGE,
    ] as number[];
    return percpu.includes(this.type)
      ? Math.ceil(this.valueSize / 8) * 8 * this.task.kernel.possibleCpus
      : this.valueSize;
  }

  private elem(
    cmd: number,
    key: BytesLike | null,
    value: Uint8Array | null,
    flags: number,
    outValue: boolean,
  ): { ret: number; value?: Uint8Array } {
    const vs = this.sysValueSize;
    return withScratch(this.task, this.keySize + vs, (s) => {
      const attr = new BpfAttr().set(MAP_ELEM_ATTR.map_fd, this.fd).set(MAP_ELEM_ATTR.flags, flags);
      if (key !== null) attr.set(MAP_ELEM_ATTR.key, s.put(this.keySize, toBytes(key, this.keySize, 'key')));
      let vaddr = 0;
      if (value || outValue) {
        vaddr = s.put(vs, value ?? undefined);
        attr.set(MAP_ELEM_ATTR.value, vaddr);
      }
      const { ret } = sysBpfAttr(this.task, s, cmd, attr);
      return { ret, value: ret === 0 && outValue ? s.get(vaddr, vs) : undefined };
    });
  }

  /** BPF_MAP_UPDATE_ELEM with flags BPF_ANY (0), BPF_NOEXIST (1) or BPF_EXIST (2). */
  update(key: BytesLike | null, value: BytesLike, flags = 0): void {
    const v = toBytes(value, this.sysValueSize, 'value');
    check(BPF_CMD.MAP_UPDATE_ELEM, this.elem(BPF_CMD.MAP_UPDATE_ELEM, key, v, flags, false).ret);
  }

  /** BPF_MAP_LOOKUP_ELEM: the value, or undefined when the key is absent (ENOENT). */
  lookup(key: BytesLike | null): Uint8Array | undefined {
    const r = this.elem(BPF_CMD.MAP_LOOKUP_ELEM, key, null, 0, true);
    if (r.ret === -2) return undefined;
    check(BPF_CMD.MAP_LOOKUP_ELEM, r.ret);
    return r.value;
  }

  /** BPF_MAP_DELETE_ELEM: true if deleted, false if absent (ENOENT). */
  delete(key: BytesLike | null): boolean {
    const ret = withScratch(this.task, this.keySize, (s) => {
      const attr = new BpfAttr().set(MAP_ELEM_ATTR.map_fd, this.fd);
      if (key !== null) attr.set(MAP_ELEM_ATTR.key, s.put(this.keySize, toBytes(key, this.keySize, 'key')));
      return sysBpfAttr(this.task, s, BPF_CMD.MAP_DELETE_ELEM, attr).ret;
    });
    if (ret === -2) return false;
    check(BPF_CMD.MAP_DELETE_ELEM, ret);
    return true;
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM (queue/stack pop with `null`): the value, or undefined (ENOENT). */
  lookupAndDelete(key: BytesLike | null): Uint8Array | undefined {
    const r = this.elem(BPF_CMD.MAP_LOOKUP_AND_DELETE_ELEM, key, null, 0, true);
    if (r.ret === -2) return undefined;
    check(BPF_CMD.MAP_LOOKUP_AND_DELETE_ELEM, r.ret);
    return r.value;
  }

  /** BPF_MAP_GET_NEXT_KEY: the key after `key` (first key for undefined), or undefined at the end. */
  nextKey(key?: BytesLike): Uint8Array | undefined {
    const ks = this.keySize;
    return withScratch(this.task, 2 * ks, (s) => {
      const attr = new BpfAttr().set(MAP_ELEM_ATTR.map_fd, this.fd);
      if (key !== undefined) attr.set(MAP_ELEM_ATTR.key, s.put(ks, toBytes(key, ks, 'key')));
      const next = s.put(ks);
      attr.set(MAP_ELEM_ATTR.next_key, next);
      const { ret } = sysBpfAttr(this.task, s, BPF_CMD.MAP_GET_NEXT_KEY, attr);
      if (ret === -2) return undefined;
      check(BPF_CMD.MAP_GET_NEXT_KEY, ret);
      return s.get(next, ks);
    });
  }

  /** Iterates keys with the GET_NEXT_KEY chain (like `bpftool map dump`). */
  *keys(): Generator<Uint8Array> {
    let k = this.nextKey();
    let n = 0;
    while (k !== undefined && n++ <= this.maxEntries) {
      yield k;
      k = this.nextKey(k);
    }
  }

  /** Iterates `[key, value]` pairs (keys deleted meanwhile are skipped). */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v !== undefined) yield [k, v];
    }
  }

  /** BPF_MAP_FREEZE. */
  freeze(): void {
    const ret = withScratch(
      this.task,
      0,
      (s) =>
        sysBpfAttr(this.task, s, BPF_CMD.MAP_FREEZE, new BpfAttr().set(MAP_ELEM_ATTR.map_fd, this.fd)).ret,
    );
    check(BPF_CMD.MAP_FREEZE, ret);
  }

  /** BPF_OBJ_PIN at `path` (under a bpffs mount, e.g. /sys/fs/bpf). */
  pin(path: string): void {
    pinFd(this.task, this.fd, path);
  }

  /** close(fd). */
  close(): void {
    this.task.close(this.fd);
  }
}

/** BPF_OBJ_PIN of any bpf fd. */
export function pinFd(task: Task, fd: number, path: string): void {
  const p = enc.encode(path);
  const ret = withScratch(task, p.length + 1, (s) => {
    const addr = s.put(p.length + 1, Uint8Array.from([...p, 0]));
    return sysBpfAttr(
      task,
      s,
      BPF_CMD.OBJ_PIN,
      new BpfAttr().set(OBJ_ATTR.pathname, addr).set(OBJ_ATTR.bpf_fd, fd),
    ).ret;
  });
  check(BPF_CMD.OBJ_PIN, ret);
}

/** BPF_OBJ_GET: a new fd for the object pinned at `path` (`flags`: BPF_F_RDONLY/WRONLY). */
export function getPinnedFd(task: Task, path: string, flags = 0): number {
  const p = enc.encode(path);
  const ret = withScratch(task, p.length + 1, (s) => {
    const addr = s.put(p.length + 1, Uint8Array.from([...p, 0]));
    return sysBpfAttr(
      task,
      s,
      BPF_CMD.OBJ_GET,
      new BpfAttr().set(OBJ_ATTR.pathname, addr).set(OBJ_ATTR.file_flags, flags),
    ).ret;
  });
  return check(BPF_CMD.OBJ_GET, ret);
}
