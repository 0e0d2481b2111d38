/**
 * @fileoverview The extensions every bpfsim kernel starts with, registered through the extension
 * host like any other: the bloom filter map type (kernel/bpf/bloom_filter.c, which Linux builds in
 * through bpf_types.h) and, when the kernel is given storage for it, the audit logger that keeps
 * every audit record in a crash-safe store (the role of auditd and of the audit-log extension of
 * seed 003).
 */
import { mapTypeOps } from '../../maps/registry.js';
import { BPF_MAP_TYPE } from '../../maps/uapi.js';
import { type AuditStorage, AuditStore } from '../audit/store.js';
import type { ExtensionConstructor } from './host.js';

/** Registers the bloom filter map type. */
export const bloomFilterExtension: ExtensionConstructor = (host) => {
  const ops = mapTypeOps(BPF_MAP_TYPE.BLOOM_FILTER);
  if (ops === undefined) throw new Error('bloom filter ops missing');
  host.registerMapType(BPF_MAP_TYPE.BLOOM_FILTER, ops);
  return { name: 'bloom-filter' };
};

/** The audit logger: appends every audit record to an {@link AuditStore} on `storage`. */
export function auditLoggerExtension(storage: AuditStorage): ExtensionConstructor {
  return (host) => {
    const store = new AuditStore(storage);
    host.registerAuditSink({ write: (r) => store.append(r) });
    return { name: 'audit-logger' };
  };
}
