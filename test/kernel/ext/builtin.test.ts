/**
 * The extension host inside a kernel: the bloom filter map type and the audit logger come in
 * through it, and so can other map types.
 */
import { describe, expect, it } from 'vitest';
import type { AuditStorage } from '../../../src/kernel/audit/store.js';
import { AuditStore } from '../../../src/kernel/audit/store.js';
import { Kernel } from '../../../src/kernel/kernel.js';
import { NR } from '../../../src/kernel/syscall-entry.js';
import { mapTypeOps } from '../../../src/maps/registry.js';
import { BPF_MAP_TYPE } from '../../../src/maps/uapi.js';
import { filterFor, installFilter } from '../helpers.js';

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
    if (b !== undefined) this.files.set(to, b);
    this.files.delete(from);
  }
  remove(name: string): void {
    this.files.delete(name);
  }
}

describe('built-in extensions', () => {
  it('bring the bloom filter map type into BPF_MAP_CREATE', () => {
    const kernel = new Kernel();
    expect(kernel.mapTypes.has(BPF_MAP_TYPE.BLOOM_FILTER)).toBe(true);
    const task = kernel.spawn({ uid: 0, caps: 'all' });
    const m = task.createMap({ type: 'bloom_filter', keySize: 0, valueSize: 4, maxEntries: 16 });
    // BPF_MAP_LOOKUP_ELEM on a bloom filter tests the value it is given (here: all zero bytes).
    expect(m.lookup(null)).toBeUndefined();
    m.update(null, 0);
    expect(m.lookup(null)).toBeDefined();
  });

  it('let an extension add a map type the kernel did not have', () => {
    const SPARE = 200; // a map type number Linux does not use
    const withIt = new Kernel({
      extensions: [
        [
          'spare-array',
          (host) => {
            host.registerMapType(
              SPARE,
              mapTypeOps(BPF_MAP_TYPE.ARRAY) as NonNullable<ReturnType<typeof mapTypeOps>>,
            );
            return { name: 'spare-array' };
          },
        ],
      ],
    });
    const create = (k: Kernel) => () =>
      k.spawn({ uid: 0, caps: 'all' }).createMap({ type: SPARE, keySize: 4, valueSize: 4, maxEntries: 1 });
    expect(create(withIt)().type).toBe(SPARE);
    expect(create(new Kernel())).toThrow(/EINVAL/);
  });

  it('keep every audit record in the store the kernel was given', () => {
    const files = new MemFiles();
    const kernel = new Kernel({ auditStorage: files });
    const task = kernel.spawn({ uid: 0, caps: 'all' });
    expect(installFilter(task, filterFor(NR.getuid, 0x80000000))).toBe(0);
    task.syscall(NR.getuid);
    const { records, problems } = new AuditStore(files).readAll();
    expect(problems).toEqual([]);
    expect(records.map((r) => r.text)).toEqual(kernel.auditLog.map((r) => r.text));
    expect(records[0]?.text).toMatch(/ syscall=102 compat=0 ip=0x0 code=0x80000000$/);
  });
});
