import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditStorage, AuditStore, crc32, type StoredRecord } from '../../../src/kernel/audit/store.js';

/** In-memory files. */
class MemFiles implements AuditStorage {
  readonly files = new Map<string, Uint8Array>();
  append(name: string, bytes: Uint8Array): void {
    const old = this.files.get(name) ?? new Uint8Array(0);
    const b = new Uint8Array(old.length + bytes.length);
    b.set(old);
    b.set(bytes, old.length);
    this.files.set(name, b);
  }
  read(name: string): Uint8Array | undefined {
    return this.files.get(name);
  }
  size(name: string): number {
    return this.files.get(name)?.length ?? 0;
  }
  rename(from: string, to: string): void {
    const b = this.files.get(from);
    if (b === undefined) return;
    this.files.set(to, b);
    this.files.delete(from);
  }
  remove(name: string): void {
    this.files.delete(name);
  }
}

const rec = (serial: number, text = `type=SECCOMP record ${serial}`): StoredRecord => ({
  timeNs: BigInt(serial) * 1_000_000n,
  serial,
  pid: 100 + (serial % 3),
  syscall: serial % 400,
  code: 0x80000000,
  text,
});

describe('audit store', () => {
  it('computes the IEEE CRC-32 (the zlib check value)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips any records in order', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 200 }), { maxLength: 40 }), (texts) => {
        const store = new AuditStore(new MemFiles(), { maxBytes: 1 << 20 });
        texts.forEach((t, i) => {
          store.append(rec(i + 1, t));
        });
        const r = store.readAll();
        expect(r.problems).toEqual([]);
        expect(r.records.map((x) => x.text)).toEqual(texts);
        expect(r.records.map((x) => x.serial)).toEqual(texts.map((_, i) => i + 1));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps every committed record when the last write was cut at any byte, and reports the tail', () => {
    const files = new MemFiles();
    const store = new AuditStore(files);
    for (let i = 1; i <= 5; i++) store.append(rec(i));
    const full = files.read('audit.log') as Uint8Array;
    const before = new MemFiles();
    const s4 = new AuditStore(before);
    for (let i = 1; i <= 4; i++) s4.append(rec(i));
    const committed = before.size('audit.log');
    for (let cut = committed + 1; cut < full.length; cut++) {
      files.files.set('audit.log', full.subarray(0, cut));
      const r = store.readAll();
      expect(r.records.map((x) => x.serial)).toEqual([1, 2, 3, 4]);
      expect(r.problems).toEqual([
        { file: 'audit.log', offset: committed, bytes: cut - committed, reason: 'truncated' },
      ]);
    }
  });

  it('detects a corrupted record by its checksum', () => {
    const files = new MemFiles();
    const store = new AuditStore(files);
    for (let i = 1; i <= 3; i++) store.append(rec(i));
    const b = (files.read('audit.log') as Uint8Array).slice();
    b[b.length - 3] = (b[b.length - 3] as number) ^ 0xff;
    files.files.set('audit.log', b);
    const r = store.readAll();
    expect(r.records.map((x) => x.serial)).toEqual([1, 2]);
    expect(r.problems[0]?.reason).toBe('checksum mismatch');
  });

  it('rotates past the size bound and keeps the newest files, records still in order', () => {
    const files = new MemFiles();
    const store = new AuditStore(files, { maxBytes: 400, keep: 2 });
    for (let i = 1; i <= 40; i++) store.append(rec(i));
    expect([...files.files.keys()].sort()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    for (const b of files.files.values()) expect(b.length).toBeLessThanOrEqual(400);
    const serials = store.readAll().records.map((x) => x.serial);
    expect(serials.at(-1)).toBe(40);
    expect(serials).toEqual([...serials].sort((a, b) => a - b));
    expect(serials.length).toBeLessThan(40); // the oldest file was dropped
  });
});
