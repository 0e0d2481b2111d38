/**
 * @fileoverview An append-only store of audit records that survives crashes: each record is a
 * frame `[u32 length][u32 crc32][msgpack payload]` appended and synced; reading walks the frames
 * and stops at a truncated or corrupt tail, which it reports (file, offset, bytes) instead of
 * dropping silently. Bounded: past `maxBytes` the file rotates (`.1`, `.2`, ... up to `keep`).
 *
 * Plays the part of auditd's log (auditd.conf max_log_file / num_logs / max_log_file_action
 * ROTATE) for bpfsim's SECCOMP records (kernel/auditsc.c `audit_seccomp`, see
 * ../seccomp-outcomes.ts). Runs in a browser: storage is an interface; the CLI gives it files.
 */
import { pack, unpack } from 'msgpackr';
import type { SeccompAuditRecord } from '../seccomp-outcomes.js';

/** Where the store keeps its files (the CLI: a directory; tests: memory). */
export interface AuditStorage {
  /** Appends bytes to file `name` (creating it) and makes them durable (fsync). */
  append(name: string, bytes: Uint8Array): void;
  /** The whole content of `name`, or undefined when it does not exist. */
  read(name: string): Uint8Array | undefined;
  /** Size of `name` in bytes (0 when absent). */
  size(name: string): number;
  /** Renames `from` to `to`, replacing `to` (atomic). */
  rename(from: string, to: string): void;
  /** Removes `name` if it exists. */
  remove(name: string): void;
}

/** What a stored record holds: the SECCOMP record and the arch of the call. */
export interface StoredRecord {
  /** SECCOMP or BPF (absent in records written before BPF records existed: SECCOMP). */
  readonly type?: 'SECCOMP' | 'BPF';
  readonly timeNs: bigint;
  readonly serial: number;
  readonly pid: number;
  readonly syscall: number;
  readonly code: number;
  readonly text: string;
}

/** A damaged tail found while reading. */
export interface TailProblem {
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
  readonly reason: 'truncated' | 'checksum mismatch' | 'undecodable';
}

/** Options of the store. */
export interface AuditStoreOptions {
  /** Rotate when the current file would exceed this many bytes (default 1 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept besides the current one (default 4). */
  readonly keep?: number;
}

const CURRENT = 'audit.log';
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib's crc32). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ bytes[i]!) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One frame around `payload`. */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, payload.length, true);
  dv.setUint32(4, crc32(payload), true);
  out.set(payload, 8);
  return out;
}

/** Decodes the frames of one file: the records, and the damaged tail if any. */
export function readFrames(
  bytes: Uint8Array,
  file: string,
): { records: StoredRecord[]; problem?: TailProblem } {
  const records: StoredRecord[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  while (off < bytes.length) {
    const bad = (reason: TailProblem['reason']) => ({
      records,
      problem: { file, offset: off, bytes: bytes.length - off, reason },
    });
    if (off + 8 > bytes.length) return bad('truncated');
    const len = dv.getUint32(off, true);
    const crc = dv.getUint32(off + 4, true);
    if (off + 8 + len > bytes.length) return bad('truncated');
    const payload = bytes.subarray(off + 8, off + 8 + len);
    if (crc32(payload) !== crc) return bad('checksum mismatch');
    let r: StoredRecord;
    try {
      const v = unpack(payload) as Partial<StoredRecord>;
      if (typeof v?.text !== 'string' || typeof v.serial !== 'number') return bad('undecodable');
      r = {
        ...(v.type === 'BPF' ? { type: 'BPF' as const } : {}),
        timeNs: BigInt(v.timeNs ?? 0),
        serial: v.serial,
        pid: Number(v.pid ?? 0),
        syscall: Number(v.syscall ?? -1),
        code: Number(v.code ?? 0),
        text: v.text,
      };
    } catch {
      return bad('undecodable');
    }
    records.push(r);
    off += 8 + len;
  }
  return { records };
}

/** The store. */
export class AuditStore {
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    private readonly storage: AuditStorage,
    opts: AuditStoreOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 1 << 20;
    this.keep = opts.keep ?? 4;
  }

  /** Appends one record durably, rotating first when the current file is full. */
  append(r: SeccompAuditRecord | StoredRecord): void {
    const payload = pack({
      ...(r.type === 'BPF' ? { type: 'BPF' } : {}),
      timeNs: r.timeNs.toString(),
      serial: r.serial,
      pid: r.pid,
      syscall: r.syscall,
      code: r.code,
      text: r.text,
    });
    const f = frame(payload);
    if (this.storage.size(CURRENT) > 0 && this.storage.size(CURRENT) + f.length > this.maxBytes)
      this.rotate();
    this.storage.append(CURRENT, f);
  }

  private rotate(): void {
    this.storage.remove(`${CURRENT}.${this.keep}`);
    for (let i = this.keep - 1; i >= 1; i--)
      if (this.storage.size(`${CURRENT}.${i}`) > 0)
        this.storage.rename(`${CURRENT}.${i}`, `${CURRENT}.${i + 1}`);
    if (this.keep > 0) this.storage.rename(CURRENT, `${CURRENT}.1`);
    else this.storage.remove(CURRENT);
  }

  /** Every stored record, oldest first, and the damaged tails found on the way. */
  readAll(): { records: StoredRecord[]; problems: TailProblem[] } {
    const records: StoredRecord[] = [];
    const problems: TailProblem[] = [];
    const files = [];
    for (let i = this.keep; i >= 1; i--) files.push(`${CURRENT}.${i}`);
    files.push(CURRENT);
    for (const name of files) {
      const bytes = this.storage.read(name);
      if (bytes === undefined) continue;
      const r = readFrames(bytes, name);
      records.push(...r.records);
      if (r.problem) problems.push(r.problem);
    }
    return { records, problems };
  }
}

/** A filter over stored records (`bpfsim audit` options). */
export interface AuditFilter {
  readonly sinceNs?: bigint;
  readonly pid?: number;
  readonly syscall?: number;
  /** An action name as `formatRet` prints it without data (`ERRNO`, `KILL_PROCESS`, `LOG`...). */
  readonly action?: string;
  /** The record type (`SECCOMP` or `BPF`). */
  readonly type?: string;
}

const ACTION_OF: Readonly<Record<number, string>> = {
  2147483648: 'KILL_PROCESS',
  0: 'KILL_THREAD',
  196608: 'TRAP',
  327680: 'ERRNO',
  2143289344: 'USER_NOTIF',
  2146435072: 'TRACE',
  2147221504: 'LOG',
  2147418112: 'ALLOW',
};

/** The action name of a record's `code` (SECCOMP_RET_ACTION_FULL). */
export function recordAction(code: number): string {
  return ACTION_OF[(code & 0xffff0000) >>> 0] ?? 'KILL_PROCESS';
}

/** Whether `r` passes `f`. */
export function matchRecord(r: StoredRecord, f: AuditFilter): boolean {
  if (f.sinceNs !== undefined && r.timeNs < f.sinceNs) return false;
  if (f.pid !== undefined && r.pid !== f.pid) return false;
  if (f.syscall !== undefined && r.syscall !== f.syscall) return false;
  const type = r.type ?? 'SECCOMP';
  if (f.type !== undefined && type !== f.type.toUpperCase()) return false;
  if (f.action !== undefined && (type !== 'SECCOMP' || recordAction(r.code) !== f.action.toUpperCase()))
    return false;
  return true;
}
