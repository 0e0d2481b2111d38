/**
 * @fileoverview The subcommands of `bpfsim prog`: bpftool's program commands (tools/bpf/bpftool/
 * prog.c) on the persistent simulated kernel: load, show, dump xlated, run (BPF_PROG_TEST_RUN), pin.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bpftoolImm, disassembleKernel } from '../../isa/disasm-kernel.js';
import { bytesToHex, decodeRaw, encodeRaw, hexToBytes, type Insn } from '../../isa/insn.js';
import { getPinnedFd } from '../../kernel/api/map.js';
import { ProgHandle } from '../../kernel/api/prog.js';
import { check, sysBpfAttr, withScratch } from '../../kernel/api/scratch.js';
import { BpfAttr } from '../../kernel/attr/codec.js';
import { BPF_CMD } from '../../kernel/attr/commands.js';
import { INFO_ATTR } from '../../kernel/attr/layout.js';
import { BpfError } from '../../kernel/errors.js';
import { BPF_PROG_INFO_SIZE, PROG_INFO } from '../../kernel/syscall/info.js';
import type { Task } from '../../kernel/task.js';
import { PROG_TYPE_NAMES, progTypeNumber } from '../../progs/types.js';
import { errnoName } from '../../uapi/errno.js';
import { CliError, type CliIo, type GlobalOptions } from '../command.js';
import { readProgram } from '../commands/exec.js';
import { allIds, failure, fdById, type ObjectRef, type ObjectSub, takeRef } from './common.js';
import { openMap } from './map.js';

/** Opens the program a command names. */
function openProg(task: Task, ref: ObjectRef): ProgHandle {
  try {
    if (ref.kind === 'pinned') {
      const fd = getPinnedFd(task, ref.path);
      if (task.fds.get(fd)?.kind !== 'prog') throw new CliError(`${ref.path}: not a program`);
      return ProgHandle.fromFd(task, fd);
    }
    if (ref.kind === 'id') return ProgHandle.fromFd(task, fdById(task, 'prog', ref.id));
    const found = allIds(task, 'prog').filter(
      (id) => progInfo(task, fdById(task, 'prog', id)).name === ref.name,
    );
    if (found.length !== 1)
      throw new CliError(
        found.length === 0
          ? `no program named '${ref.name}'`
          : `${found.length} programs are named '${ref.name}': use an id`,
      );
    return ProgHandle.fromFd(task, fdById(task, 'prog', found[0] as number));
  } catch (e) {
    throw failure(e, ref.kind === 'pinned' ? `can't open ${ref.path}` : `can't get program by ${ref.kind}`);
  }
}

/** What `prog show` prints, from BPF_OBJ_GET_INFO_BY_FD (with the map ids and xlated insns). */
interface ProgInfo {
  id: number;
  type: number;
  name: string;
  tag: string;
  gpl: boolean;
  loadTime: bigint;
  uid: number;
  xlated: Uint8Array;
  mapIds: number[];
  verifiedInsns: number;
  runCnt: bigint;
  runTimeNs: bigint;
}

function progInfo(task: Task, fd: number): ProgInfo {
  return withScratch(task, BPF_PROG_INFO_SIZE + 64 * 1024 + 256, (s) => {
    const xl = s.put(64 * 1024);
    const ids = s.put(256);
    const init = new Uint8Array(BPF_PROG_INFO_SIZE);
    const dv0 = new DataView(init.buffer);
    dv0.setUint32(PROG_INFO.xlated_prog_len, 64 * 1024, true);
    dv0.setBigUint64(PROG_INFO.xlated_prog_insns, BigInt(xl), true);
    dv0.setUint32(PROG_INFO.nr_map_ids, 64, true);
    dv0.setBigUint64(PROG_INFO.map_ids, BigInt(ids), true);
    const buf = s.put(BPF_PROG_INFO_SIZE, init);
    const attr = new BpfAttr()
      .set(INFO_ATTR.bpf_fd, fd)
      .set(INFO_ATTR.info_len, BPF_PROG_INFO_SIZE)
      .set(INFO_ATTR.info, buf);
    check(BPF_CMD.OBJ_GET_INFO_BY_FD, sysBpfAttr(task, s, BPF_CMD.OBJ_GET_INFO_BY_FD, attr).ret);
    const info = s.get(buf, BPF_PROG_INFO_SIZE);
    const dv = new DataView(info.buffer);
    const nameB = info.subarray(PROG_INFO.name, PROG_INFO.name + 16);
    const end = nameB.indexOf(0);
    const nIds = Math.min(dv.getUint32(PROG_INFO.nr_map_ids, true), 64);
    const idBytes = s.get(ids, 4 * nIds);
    const xlen = Math.min(dv.getUint32(PROG_INFO.xlated_prog_len, true), 64 * 1024);
    return {
      id: dv.getUint32(PROG_INFO.id, true),
      type: dv.getUint32(PROG_INFO.type, true),
      name: new TextDecoder().decode(nameB.subarray(0, end < 0 ? 16 : end)),
      tag: bytesToHex(info.subarray(PROG_INFO.tag, PROG_INFO.tag + 8)),
      gpl: dv.getUint32(PROG_INFO.gpl_compatible, true) !== 0,
      loadTime: dv.getBigUint64(PROG_INFO.load_time, true),
      uid: dv.getUint32(PROG_INFO.created_by_uid, true),
      xlated: s.get(xl, xlen),
      mapIds: Array.from({ length: nIds }, (_, i) => new DataView(idBytes.buffer).getUint32(4 * i, true)),
      verifiedInsns: dv.getUint32(PROG_INFO.verified_insns, true),
      runCnt: dv.getBigUint64(PROG_INFO.run_cnt, true),
      runTimeNs: dv.getBigUint64(PROG_INFO.run_time_ns, true),
    };
  });
}

const typeName = (t: number): string => PROG_TYPE_NAMES[t] ?? `type ${t}`;
const out = (io: CliIo, g: GlobalOptions, v: unknown): void =>
  io.out(`${JSON.stringify(v, null, g.pretty ? 2 : undefined)}\n`);

function showJson(task: Task, p: ProgHandle): Record<string, unknown> {
  const i = progInfo(task, p.fd);
  const fdi = task.fdinfo(p.fd);
  return {
    id: i.id,
    type: typeName(i.type),
    name: i.name,
    tag: i.tag,
    gpl_compatible: i.gpl,
    loaded_at: Number(i.loadTime),
    uid: i.uid,
    bytes_xlated: i.xlated.length,
    jited: false,
    bytes_memlock: typeof fdi === 'number' ? 0 : Number(fdi.memlock ?? 0),
    ...(i.mapIds.length > 0 ? { map_ids: i.mapIds } : {}),
    verified_insns: i.verifiedInsns,
  };
}

function showPlain(task: Task, p: ProgHandle): string {
  const j = showJson(task, p);
  const ids = j.map_ids as number[] | undefined;
  return (
    `${j.id}: ${j.type}  ${j.name ? `name ${j.name}  ` : ''}tag ${j.tag}${j.gpl_compatible ? '  gpl' : ''}\n` +
    `\tloaded_at ${j.loaded_at}ns (virtual clock)  uid ${j.uid}\n` +
    `\txlated ${j.bytes_xlated}B  not jited  memlock ${j.bytes_memlock}B${ids ? `  map_ids ${ids.join(',')}` : ''}\n`
  );
}

/** Reads FILE for `prog load`: raw bytes, hex text or assembly; `--insns-hex HEX` when replayed. */
function loadInsns(words: string[], io: CliIo): { insns: Insn[]; rest: string[] } {
  if (words[0] === '--insns-hex') {
    const b = hexToBytes(words[1] ?? '');
    const insns = b === undefined ? undefined : decodeRaw(b);
    if (insns === undefined) throw new CliError('prog load: malformed --insns-hex', 2);
    return { insns, rest: words.slice(2) };
  }
  const file = words[0];
  if (file === undefined) throw new CliError('prog load: missing FILE', 2);
  return { insns: readProgram(file, undefined, io), rest: words.slice(1) };
}

const SUBS: Record<string, ObjectSub> = {
  load: {
    usage: 'prog load FILE PATH [type TYPE] [name NAME] [license LICENSE] [map idx IDX MAP]... [log_level N]',
    mutates: true,
    run(task, w, io, g) {
      const { insns, rest } = loadInsns(w, io);
      const path = rest[0];
      if (path === undefined)
        throw new CliError('prog load: missing PATH (the bpffs path to pin the program at)', 2);
      let type = 'socket_filter';
      let name: string | undefined;
      let license = 'GPL';
      let logLevel = 0;
      const fdArray: number[] = [];
      for (let i = 1; i < rest.length; ) {
        const k = rest[i] as string;
        const v = rest[i + 1];
        if (v === undefined) throw new CliError(`prog load: '${k}' needs a value`, 2);
        if (k === 'type') type = v;
        else if (k === 'name') name = v;
        else if (k === 'license') license = v;
        else if (k === 'log_level') logLevel = Number(v);
        else if (k === 'map' && v === 'idx') {
          const idx = Number(rest[i + 2]);
          if (!Number.isInteger(idx) || idx < 0 || idx > 63)
            throw new CliError(`prog load: bad map index '${rest[i + 2] ?? ''}'`, 2);
          const [ref, next] = takeRef(rest, i + 3, 'MAP');
          fdArray[idx] = openMap(task, ref).fd;
          i = next;
          continue;
        } else throw new CliError(`prog load: unknown keyword '${k}'`, 2);
        i += 2;
      }
      if (progTypeNumber(type) === undefined)
        throw new CliError(`prog load: unknown program type '${type}'`, 2);
      let p: ProgHandle;
      try {
        p = task.loadProgram({
          type,
          insns,
          license,
          ...(name !== undefined ? { name } : {}),
          ...(logLevel ? { logLevel } : {}),
          ...(fdArray.length > 0 ? { fdArray: Array.from(fdArray, (x) => x ?? -1) } : {}),
        });
      } catch (e) {
        if (e instanceof BpfError) {
          const log = (e.log ?? '').trimEnd().split('\n');
          const first = log.find((l) => /^[a-zA-Z]/.test(l) && !/^processed /.test(l)) ?? log.at(-1) ?? '';
          throw new CliError(
            `prog load failed: ${errnoName(e.errno) ?? e.errno}${first ? `: ${first}` : ''}`,
          );
        }
        throw failure(e, 'prog load failed');
      }
      if (logLevel && p.log) io.err(p.log.endsWith('\n') ? p.log : `${p.log}\n`);
      try {
        p.pin(path);
      } catch (e) {
        throw failure(e, `can't pin the program at ${path}`);
      }
      if (g.json) out(io, g, null);
      return { status: 0, journal: ['--insns-hex', bytesToHex(encodeRaw(insns)), ...rest] };
    },
  },
  show: {
    usage: 'prog show [PROG]',
    mutates: false,
    run(task, w, io, g) {
      const progs =
        w.length === 0
          ? allIds(task, 'prog').map((id) => ProgHandle.fromFd(task, fdById(task, 'prog', id)))
          : [openProg(task, takeRef(w, 0, 'PROG')[0])];
      if (g.json)
        out(
          io,
          g,
          w.length === 0 ? progs.map((p) => showJson(task, p)) : showJson(task, progs[0] as ProgHandle),
        );
      else for (const p of progs) io.out(showPlain(task, p));
      return 0;
    },
  },
  dump: {
    usage: 'prog dump xlated PROG [opcodes]',
    mutates: false,
    run(task, w, io, g) {
      if (w[0] !== 'xlated')
        throw new CliError("prog dump: only 'xlated' (there is no machine-code JIT image)", 2);
      const [ref, i] = takeRef(w, 1, 'PROG');
      const p = openProg(task, ref);
      const insns = decodeRaw(progInfo(task, p.fd).xlated) ?? [];
      if (g.json)
        out(
          io,
          g,
          insns.map((x, pc) => ({ pc, code: x.code, dst: x.dst, src: x.src, off: x.off, imm: x.imm })),
        );
      else io.out(disassembleKernel(insns, { opcodes: w[i] === 'opcodes', imm: bpftoolImm }));
      return 0;
    },
  },
  run: {
    usage: 'prog run PROG data_in FILE [ctx_in FILE] [repeat N]',
    mutates: true, // programs change maps
    run(task, w, io, g) {
      const [ref, i0] = takeRef(w, 0, 'PROG');
      const p = openProg(task, ref);
      let data: Uint8Array = new Uint8Array(0);
      let ctx: Uint8Array | undefined;
      let repeat = 1;
      const journal = w.slice(0, i0);
      const read = (f: string): Uint8Array => {
        try {
          return new Uint8Array(readFileSync(f === '-' ? 0 : resolve(io.cwd, f)));
        } catch (e) {
          throw new CliError(`${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 2);
        }
      };
      for (let i = i0; i < w.length; i += 2) {
        const k = w[i] as string;
        const v = w[i + 1];
        if (v === undefined) throw new CliError(`prog run: '${k}' needs a value`, 2);
        if (k === 'data_in') data = read(v);
        else if (k === 'data_in_hex') data = hexToBytes(v) ?? new Uint8Array(0);
        else if (k === 'ctx_in') ctx = read(v);
        else if (k === 'ctx_in_hex') ctx = hexToBytes(v);
        else if (k === 'repeat') {
          if (!/^\d+$/.test(v)) throw new CliError(`prog run: bad repeat '${v}'`, 2);
          repeat = Number(v);
          journal.push(k, v);
        } else throw new CliError(`prog run: unknown keyword '${k}'`, 2);
      }
      journal.push('data_in_hex', bytesToHex(data));
      if (ctx !== undefined) journal.push('ctx_in_hex', bytesToHex(ctx));
      let r: ReturnType<ProgHandle['run']>;
      try {
        r = p.run(data, { repeat, ...(ctx !== undefined ? { ctx } : {}) });
      } catch (e) {
        throw failure(e, 'failed to run program');
      }
      if (g.json) out(io, g, { retval: r.retval, duration: r.duration });
      else io.out(`Return value: ${r.retval}, duration${repeat > 1 ? ' (average)' : ''}: ${r.duration}ns\n`);
      return { status: 0, journal };
    },
  },
  pin: {
    usage: 'prog pin PROG FILE',
    mutates: true,
    run(task, w, io, g) {
      const [ref, i] = takeRef(w, 0, 'PROG');
      const path = w[i];
      if (path === undefined) throw new CliError('prog pin: missing FILE', 2);
      try {
        openProg(task, ref).pin(path);
      } catch (e) {
        throw failure(e, `can't pin at ${path}`);
      }
      if (g.json) out(io, g, null);
      return 0;
    },
  },
};
SUBS.list = SUBS.show as ObjectSub;

/** The subcommands of `bpfsim prog`. */
export const PROG_SUBS: Readonly<Record<string, ObjectSub>> = SUBS;

/** `bpfsim prog --help`. */
export const PROG_HELP = `Usage: bpfsim prog COMMAND [--state DIR | --ephemeral]
bpftool's program commands on bpfsim's persistent simulated kernel (see 'bpfsim map --help' for
the state). A program outlives the command only when pinned: 'prog load' pins it at PATH.

Commands:
${Object.values(SUBS)
  .filter((s, i, a) => a.indexOf(s) === i)
  .map((s) => `  bpfsim ${s.usage}`)
  .join('\n')}

  PROG := { id PROG_ID | pinned FILE | name PROG_NAME }
  FILE of 'load': raw struct bpf_insn bytes, hex text, or assembly (kernel or uBPF syntax);
  'r1 = map[idx:0]' in the program refers to the map given as 'map idx 0 MAP'.

Example:
  bpfsim map create /sys/fs/bpf/counts type array key 4 value 8 entries 256 name counts
  bpfsim prog load count.s /sys/fs/bpf/count type xdp map idx 0 pinned /sys/fs/bpf/counts
  bpfsim prog run pinned /sys/fs/bpf/count data_in packet.bin repeat 10`;
