/**
 * @fileoverview The audit store's files: `<state>/audit/audit.log` and its rotations, appended
 * with fsync so that a committed record survives a crash.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type AuditStorage, AuditStore } from '../../kernel/audit/store.js';

/** {@link AuditStorage} on a directory. */
export class AuditFiles implements AuditStorage {
  constructor(readonly dir: string) {}

  append(name: string, bytes: Uint8Array): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fd = openSync(join(this.dir, name), 'a', 0o600);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  read(name: string): Uint8Array | undefined {
    const p = join(this.dir, name);
    return existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined;
  }

  size(name: string): number {
    try {
      return statSync(join(this.dir, name)).size;
    } catch {
      return 0;
    }
  }

  rename(from: string, to: string): void {
    renameSync(join(this.dir, from), join(this.dir, to));
  }

  remove(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }
}

/** The audit store of a state directory (`<state>/audit`). */
export function auditStoreOf(stateDir: string): AuditStore {
  return new AuditStore(new AuditFiles(join(stateDir, 'audit')));
}
