/**
 * @fileoverview The subcommands of `bpfsim map`: bpftool's map commands (tools/bpf/bpftool/map.c) on the
 * persistent simulated kernel: create, show, update, lookup, getnext, delete, dump, pin, freeze,
 * and the queue/stack commands peek, push, pop, enqueue, dequeue. Output as bpftool prints maps
 * without BTF (hex bytes), `-j` as bpftool's JSON.
 */
import { getPinnedFd, MapHandle } from '../../kernel/api/map.js';
import type { Task } from '../../kernel/task.js';
import { MAP_TYPE_NAMES } from '../../maps/uapi.js';
import { CliError, type CliIo, type GlobalOptions } from '../command.js';
import {
  allIds,
  failure,
  fdById,
  hexBytes,
  jsonBytes,
  type ObjectRef,
  type ObjectSub,
  takeBytes,
  takeRef,
} from './common.js';

/** Opens the map a command names (`id N`, `pinned PATH`, `name NAME`). */
export function openMap(task: Task, ref: ObjectRef): MapHandle {
  try {
    if (ref.kind === 'pinned') {
      const fd = getPinnedFd(task, ref.path);
      const file = task.fds.get(fd);
      if (file?.kind !== 'map') throw new CliError(`${ref.path}: not a map`);
      return MapHandle.fromFd(task, fd);
    }
    if (ref.kind === 'id') return MapHandle.fromFd(task, fdById(task, 'map', ref.id));
    const found = allIds(task, 'map')
      .map((id) => MapHandle.fromFd(task, fdById(task, 'map', id)))
      .filter((m) => m.name === ref.name);
    if (found.length !== 1)
      throw new CliError(
        found.length === 0
          ? `no map named '${ref.name}'`
          : `${found.length} maps are named '${ref.name}': use an id`,
      );
    return found[0] as MapHandle;
  } catch (e) {
    throw failure(e, ref.kind === 'pinned' ? `can't open ${ref.path}` : `can't get map by ${ref.kind}`);
  }
}

const num = (w: string | undefined, what: string): number => {
  if (w === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(w))
    throw new CliError(`error: can't parse ${what} '${w ?? ''}'`, 2);
  return Number(w);
};

const isPerCpu = (m: MapHandle): boolean => m.sysValueSize !== m.valueSize;

function valueJson(m: MapHandle, v: Uint8Array): Record<string, unknown> {
  if (!isPerCpu(m)) return { value: jsonBytes(v) };
  const step = Math.ceil(m.valueSize / 8) * 8;
  const values = [];
  for (let c = 0; c * step < v.length; c++)
    values.push({ cpu: c, value: jsonBytes(v.subarray(c * step, c * step + m.valueSize)) });
  return { values };
}

/** bpftool print_entry_plain: `key: 01 00 00 00  value: 2a 00 ...` (split lines for long ones). */
function entryPlain(m: MapHandle, k: Uint8Array, v: Uint8Array): string {
  if (isPerCpu(m)) {
    const step = Math.ceil(m.valueSize / 8) * 8;
    let s = `key:\n${hexBytes(k)}\n`;
    for (let c = 0; c * step < v.length; c++)
      s += `value (CPU ${String(c).padStart(2, '0')}): ${hexBytes(v.subarray(c * step, c * step + m.valueSize))}\n`;
    return s;
  }
  const brk = m.keySize > 16 || m.valueSize > 16;
  return brk
    ? `key:\n${hexBytes(k)}\nvalue:\n${hexBytes(v)}\n`
    : `key: ${hexBytes(k)}  value: ${hexBytes(v)}\n`;
}

function showJson(task: Task, m: MapHandle): Record<string, unknown> {
  const info = task.fdinfo(m.fd);
  const rec = typeof info === 'number' ? {} : info;
  return {
    id: m.id,
    type: m.typeName,
    name: m.name,
    flags: m.flags,
    bytes_key: m.keySize,
    bytes_value: m.valueSize,
    max_entries: m.maxEntries,
    bytes_memlock: Number(rec.memlock ?? 0),
    frozen: Number(rec.frozen ?? 0),
  };
}

function showPlain(task: Task, m: MapHandle): string {
  const j = showJson(task, m);
  return `${m.id}: ${m.typeName}  ${m.name ? `name ${m.name}  ` : ''}flags 0x${m.flags.toString(16)}\n\tkey ${m.keySize}B  value ${m.valueSize}B  max_entries ${m.maxEntries}  memlock ${j.bytes_memlock}B${j.frozen ? '  frozen' : ''}\n`;
}

const out = (io: CliIo, g: GlobalOptions, v: unknown): void =>
  io.out(`${JSON.stringify(v, null, g.pretty ? 2 : undefined)}\n`);

const UPDATE_FLAGS: Readonly<Record<string, number>> = { any: 0, noexist: 1, exist: 2 };

const SUBS: Record<string, ObjectSub> = {
  create: {
    usage:
      'map create FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX_ENTRIES [name NAME] [flags FLAGS] [extra EXTRA]',
    mutates: true,
    run(task, w, io, g) {
      const path = w[0];
      if (path === undefined)
        throw new CliError('map create: missing FILE (the bpffs path to pin the map at)', 2);
      const kv: Record<string, string> = {};
      for (let i = 1; i < w.length; i += 2) {
        const k = w[i] as string;
        if (!['type', 'key', 'value', 'entries', 'name', 'flags', 'extra'].includes(k))
          throw new CliError(`map create: unknown keyword '${k}'`, 2);
        if (w[i + 1] === undefined) throw new CliError(`map create: '${k}' needs a value`, 2);
        kv[k] = w[i + 1] as string;
      }
      for (const k of ['type', 'key', 'value', 'entries'])
        if (kv[k] === undefined) throw new CliError(`map create: '${k}' is required`, 2);
      const typeName = kv.type as string;
      if (!Object.values(MAP_TYPE_NAMES).includes(typeName))
        throw new CliError(`map create: unknown map type '${typeName}'`, 2);
      let m: MapHandle;
      try {
        m = task.createMap({
          type: typeName,
          keySize: num(kv.key, 'key size'),
          valueSize: num(kv.value, 'value size'),
          maxEntries: num(kv.entries, 'entries'),
          flags: kv.flags === undefined ? 0 : num(kv.flags, 'flags'),
          ...(kv.name !== undefined ? { name: kv.name } : {}),
          ...(kv.extra !== undefined ? { mapExtra: BigInt(num(kv.extra, 'extra')) } : {}),
        });
      } catch (e) {
        throw failure(e, 'map create failed');
      }
      try {
        m.pin(path);
      } catch (e) {
        throw failure(e, `can't pin the map at ${path}`);
      }
      if (g.json) out(io, g, null);
      return 0;
    },
  },
  show: {
    usage: 'map show [MAP]',
    mutates: false,
    run(task, w, io, g) {
      const maps =
        w.length === 0
          ? allIds(task, 'map').map((id) => MapHandle.fromFd(task, fdById(task, 'map', id)))
          : [openMap(task, takeRef(w, 0, 'MAP')[0])];
      if (g.json)
        out(
          io,
          g,
          w.length === 0 ? maps.map((m) => showJson(task, m)) : showJson(task, maps[0] as MapHandle),
        );
      else for (const m of maps) io.out(showPlain(task, m));
      return 0;
    },
  },
  update: {
    usage: 'map update MAP [key DATA] value VALUE [any|exist|noexist]',
    mutates: true,
    run(task, w, io, g) {
      const [ref, i0] = takeRef(w, 0, 'MAP');
      const m = openMap(task, ref);
      let i = i0;
      let key: Uint8Array | null = null;
      if (w[i] === 'key') [key, i] = takeBytes(w, i + 1, m.keySize, 'key');
      if (w[i] !== 'value') throw new CliError("map update: expected 'value'", 2);
      let value: Uint8Array;
      [value, i] = takeBytes(w, i + 1, m.sysValueSize, 'value');
      const flag = w[i] === undefined ? 0 : UPDATE_FLAGS[w[i] as string];
      if (flag === undefined)
        throw new CliError(`map update: unknown flag '${w[i]}' (any, exist or noexist)`, 2);
      try {
        m.update(key, value, flag);
      } catch (e) {
        throw failure(e, 'update failed');
      }
      if (g.json) out(io, g, null);
      return 0;
    },
  },
  lookup: {
    usage: 'map lookup MAP [key DATA]',
    mutates: false,
    run(task, w, io, g) {
      const [ref, i0] = takeRef(w, 0, 'MAP');
      const m = openMap(task, ref);
      const key = w[i0] === 'key' ? takeBytes(w, i0 + 1, m.keySize, 'key')[0] : null;
      let v: Uint8Array | undefined;
      try {
        v = m.lookup(key);
      } catch (e) {
        throw failure(e, 'lookup failed');
      }
      if (v === undefined) throw new CliError('lookup failed: key not found (ENOENT)');
      if (g.json) out(io, g, { key: key === null ? [] : jsonBytes(key), ...valueJson(m, v) });
      else io.out(entryPlain(m, key ?? new Uint8Array(0), v));
      return 0;
    },
  },
  getnext: {
    usage: 'map getnext MAP [key DATA]',
    mutates: false,
    run(task, w, io, g) {
      const [ref, i0] = takeRef(w, 0, 'MAP');
      const m = openMap(task, ref);
      const key = w[i0] === 'key' ? takeBytes(w, i0 + 1, m.keySize, 'key')[0] : undefined;
      let next: Uint8Array | undefined;
      try {
        next = m.nextKey(key);
      } catch (e) {
        throw failure(e, "can't get next key");
      }
      if (next === undefined) throw new CliError("can't get next key: no more keys (ENOENT)");
      if (g.json) out(io, g, { key: key === undefined ? null : jsonBytes(key), next_key: jsonBytes(next) });
      else io.out(`key:\n${key === undefined ? 'None' : hexBytes(key)}\nnext key:\n${hexBytes(next)}\n`);
      return 0;
    },
  },
  delete: {
    usage: 'map delete MAP key DATA',
    mutates: true,
    run(task, w, io, g) {
      const [ref, i0] = takeRef(w, 0, 'MAP');
      const m = openMap(task, ref);
      if (w[i0] !== 'key') throw new CliError("map delete: expected 'key'", 2);
      const [key] = takeBytes(w, i0 + 1, m.keySize, 'key');
      let ok: boolean;
      try {
        ok = m.delete(key);
      } catch (e) {
        throw failure(e, 'delete failed');
      }
      if (!ok) throw new CliError('delete failed: key not found (ENOENT)');
      if (g.json) out(io, g, null);
      return 0;
    },
  },
  dump: {
    usage: 'map dump MAP',
    mutates: false,
    run(task, w, io, g) {
      const m = openMap(task, takeRef(w, 0, 'MAP')[0]);
      const entries: [Uint8Array, Uint8Array][] = [];
      try {
        for (const e of m.entries()) entries.push(e);
      } catch (e) {
        throw failure(e, 'dump failed');
      }
      if (g.json)
        out(
          io,
          g,
          entries.map(([k, v]) => ({ key: jsonBytes(k), ...valueJson(m, v) })),
        );
      else {
        for (const [k, v] of entries) io.out(entryPlain(m, k, v));
        io.out(`Found ${entries.length} element${entries.length === 1 ? '' : 's'}\n`);
      }
      return 0;
    },
  },
  pin: {
    usage: 'map pin MAP FILE',
    mutates: true,
    run(task, w, io, g) {
      const [ref, i] = takeRef(w, 0, 'MAP');
      const path = w[i];
      if (path === undefined) throw new CliError('map pin: missing FILE', 2);
      try {
        openMap(task, ref).pin(path);
      } catch (e) {
        throw failure(e, `can't pin at ${path}`);
      }
      if (g.json) out(io, g, null);
      return 0;
    },
  },
  freeze: {
    usage: 'map freeze MAP',
    mutates: true,
    run(task, w, io, g) {
      try {
        openMap(task, takeRef(w, 0, 'MAP')[0]).freeze();
      } catch (e) {
        throw failure(e, 'freeze failed');
      }
      if (g.json) out(io, g, null);
      return 0;
    },
  },
};

/** push/enqueue (update with no key), peek (lookup), pop/dequeue (lookup_and_delete). */
function queueSub(kind: 'push' | 'peek' | 'pop'): ObjectSub {
  return {
    usage:
      kind === 'push'
        ? 'map push|enqueue MAP value VALUE'
        : `map ${kind === 'peek' ? 'peek' : 'pop|dequeue'} MAP`,
    mutates: kind !== 'peek',
    run(task, w, io, g) {
      const [ref, i] = takeRef(w, 0, 'MAP');
      const m = openMap(task, ref);
      if (kind === 'push') {
        if (w[i] !== 'value') throw new CliError("expected 'value'", 2);
        const [v] = takeBytes(w, i + 1, m.valueSize, 'value');
        try {
          m.update(null, v, 0);
        } catch (e) {
          throw failure(e, 'push failed');
        }
        if (g.json) out(io, g, null);
        return 0;
      }
      let v: Uint8Array | undefined;
      try {
        v = kind === 'peek' ? m.lookup(null) : m.lookupAndDelete(null);
      } catch (e) {
        throw failure(e, `${kind} failed`);
      }
      if (v === undefined) throw new CliError(`${kind} failed: empty (ENOENT)`);
      if (g.json) out(io, g, { value: jsonBytes(v) });
      else io.out(`value: ${hexBytes(v)}\n`);
      return 0;
    },
  };
}
SUBS.push = queueSub('push');
SUBS.enqueue = queueSub('push');
SUBS.peek = queueSub('peek');
SUBS.pop = queueSub('pop');
SUBS.dequeue = queueSub('pop');
SUBS.list = SUBS.show as ObjectSub;

/** The sub-command tables of the object groups (shared with `bpfsim prog`, which runs on the same state). */
export const MAP_SUBS: Readonly<Record<string, ObjectSub>> = SUBS;

/** `bpfsim map --help`. */
export const MAP_HELP = `Usage: bpfsim map COMMAND [--state DIR | --ephemeral]
bpftool's map commands on bpfsim's persistent simulated kernel (state in ./.bpfsim, or --state DIR,
or $BPFSIM_STATE; --ephemeral for a throwaway kernel). As with bpftool, a map outlives the command
only when it is pinned: 'map create' pins it at FILE (under /sys/fs/bpf).

Commands:
${Object.values(SUBS)
  .filter((s, i, a) => a.indexOf(s) === i)
  .map((s) => `  bpfsim ${s.usage}`)
  .join('\n')}

  MAP  := { id MAP_ID | pinned FILE | name MAP_NAME }
  DATA := { [hex] BYTES }   bytes as 0x01 0x02, 1 2, or with 'hex': 01 02 (or 0102)

Example:
  bpfsim map create /sys/fs/bpf/counts type hash key 4 value 8 entries 1024 name counts
  bpfsim map update pinned /sys/fs/bpf/counts key 1 0 0 0 value hex 2a 00 00 00 00 00 00 00
  bpfsim map dump pinned /sys/fs/bpf/counts`;
