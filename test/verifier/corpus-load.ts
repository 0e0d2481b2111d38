/**
 * Loads one verifier-corpus case through a SyscallHost (the emulator or the real kernel): creates
 * the maps its fixups name (one map per fixup kind, as test_verifier.c does), fills their initial
 * values, patches the map fds into the instructions, and loads with the case's program type, flags
 * and expected attach type.
 */

import { hexToBytes } from '../../src/isa/insn.js';
import { mapTypeNumber } from '../../src/kernel/api/map.js';
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../src/kernel/attr/commands.js';
import { BPF_ATTR_SIZE, MAP_ELEM_ATTR as E, MAP_CREATE_ATTR as M } from '../../src/kernel/attr/layout.js';
import { loadWithLog } from '../../src/kernel/host-load.js';
import type { SyscallHost } from '../../src/kernel/syscall-host.js';
import { progTypeNumber } from '../../src/progs/types.js';
import { errnoName } from '../../src/uapi/errno.js';

/** The corpus fields this loader reads. */
export interface CorpusLoadCase {
  readonly insns_hex: string;
  readonly prog_type: string;
  readonly prog_flags?: number;
  readonly expected_attach_type?: number;
  readonly maps: readonly {
    insn: number;
    fixup: string;
    map: {
      type: string;
      key_size: number;
      value_size: number;
      max_entries: number;
      flags: number;
      init?: Record<string, string>;
    };
  }[];
}

/** What a load answered. */
export interface CorpusLoadResult {
  readonly verdict: 'accept' | 'reject';
  readonly errno: string | null;
  readonly log: string;
}

function withAttr<T>(host: SyscallHost, attr: BpfAttr, fn: (addr: number) => T): T {
  const addr = host.alloc(BPF_ATTR_SIZE);
  host.write(addr, attr.bytes);
  try {
    return fn(addr);
  } finally {
    host.free(addr);
  }
}

/** Loads `c`; undefined when the case cannot be expressed here (unknown type, bad map spec). */
export function loadCorpusCase(
  host: SyscallHost,
  c: CorpusLoadCase,
  level = 1,
): CorpusLoadResult | undefined {
  const type = progTypeNumber(c.prog_type);
  const raw = hexToBytes(c.insns_hex);
  if (type === undefined || raw === undefined) return undefined;
  const fds = new Map<string, number>();
  const opened: number[] = [];
  try {
    for (const m of c.maps) {
      let fd = fds.get(m.fixup);
      if (fd === undefined) {
        let mt: number;
        try {
          mt = mapTypeNumber(m.map.type);
        } catch {
          return undefined;
        }
        const attr = new BpfAttr()
          .set(M.map_type, mt)
          .set(M.key_size, m.map.key_size)
          .set(M.value_size, m.map.value_size)
          .set(M.max_entries, m.map.max_entries ?? 1)
          .set(M.map_flags, m.map.flags ?? 0);
        fd = withAttr(host, attr, (a) => host.bpf(BPF_CMD.MAP_CREATE, a, BPF_ATTR_SIZE));
        if (fd < 0) return undefined;
        opened.push(fd);
        fds.set(m.fixup, fd);
        for (const [k, v] of Object.entries(m.map.init ?? {})) {
          const kb = hexToBytes(k);
          const vb = hexToBytes(v);
          if (!kb || !vb) continue;
          const ka = host.alloc(kb.length);
          const va = host.alloc(vb.length);
          host.write(ka, kb);
          host.write(va, vb);
          const ua = new BpfAttr().set(E.map_fd, fd).set(E.key, ka).set(E.value, va);
          withAttr(host, ua, (a) => host.bpf(BPF_CMD.MAP_UPDATE_ELEM, a, BPF_ATTR_SIZE));
          host.free(ka);
          host.free(va);
        }
      }
      const at = m.insn * 8 + 4;
      new DataView(raw.buffer, raw.byteOffset).setInt32(at, fd, true);
    }
    const { ret, log } = loadWithLog(host, raw, type, level, 'GPL', {
      progFlags: c.prog_flags,
      expectedAttachType: c.expected_attach_type,
    });
    return {
      verdict: ret >= 0 ? 'accept' : 'reject',
      errno: ret >= 0 ? null : (errnoName(-ret) ?? String(-ret)),
      log,
    };
  } finally {
    for (const fd of opened) host.close(fd);
  }
}
