/**
 * check_map_func_compatibility: a table of (map type, helper) verdicts, and a differential run on the
 * real kernel, which passes real maps of several types to map-taking helpers in a cgroup_skb program
 * and looks for "cannot pass map_type %d into func %s#%d" in the verifier log.
 */
import { describe, expect, it } from 'vitest';
import { BpfAttr } from '../../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../../src/kernel/attr/commands.js';
import {
  BPF_ATTR_SIZE,
  PROG_LOAD_ATTR as LA,
  MAP_CREATE_ATTR as MA,
} from '../../../src/kernel/attr/layout.js';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { BPF_MAP_TYPE as M } from '../../../src/maps/uapi.js';
import { BPF_PROG_TYPE as T } from '../../../src/progs/types.js';
import { BPF_FUNC as H } from '../../../src/uapi/bpf-helpers.js';
import {
  checkMapFuncCompatibility,
  HELPER_ALLOWED_MAPS,
  MAP_ALLOWED_HELPERS,
} from '../../../src/verifier/env/map-helper-compat.js';
import { kernelUnavailable } from '../../kernel/backend/env.js';

const SOCKET_FILTER = { progType: T.SOCKET_FILTER, expectedAttachType: 0 };
const KPROBE = { progType: T.KPROBE, expectedAttachType: 0 };
const SOCK_OPS = { progType: T.SOCK_OPS, expectedAttachType: 0 };

describe('checkMapFuncCompatibility', () => {
  it.each([
    ['hash + map_lookup_elem', SOCKET_FILTER, M.HASH, H.map_lookup_elem, true],
    ['prog_array + map_lookup_elem', SOCKET_FILTER, M.PROG_ARRAY, H.map_lookup_elem, false],
    ['prog_array + tail_call', SOCKET_FILTER, M.PROG_ARRAY, H.tail_call, true],
    ['hash + tail_call', SOCKET_FILTER, M.HASH, H.tail_call, false],
    ['ringbuf + ringbuf_output', SOCKET_FILTER, M.RINGBUF, H.ringbuf_output, true],
    ['array + ringbuf_output', SOCKET_FILTER, M.ARRAY, H.ringbuf_output, false],
    ['ringbuf + map_lookup_elem', SOCKET_FILTER, M.RINGBUF, H.map_lookup_elem, false],
    ['queue + map_pop_elem', SOCKET_FILTER, M.QUEUE, H.map_pop_elem, true],
    ['bloom + map_pop_elem', SOCKET_FILTER, M.BLOOM_FILTER, H.map_pop_elem, false],
    ['bloom + map_peek_elem', SOCKET_FILTER, M.BLOOM_FILTER, H.map_peek_elem, true],
    ['array + map_lookup_percpu_elem', SOCKET_FILTER, M.ARRAY, H.map_lookup_percpu_elem, false],
    ['percpu_array + map_lookup_percpu_elem', SOCKET_FILTER, M.PERCPU_ARRAY, H.map_lookup_percpu_elem, true],
    ['sockmap + map_update_elem in socket filter', SOCKET_FILTER, M.SOCKMAP, H.map_update_elem, true],
    ['sockmap + map_update_elem in kprobe', KPROBE, M.SOCKMAP, H.map_update_elem, false],
    ['sockhash + map_delete_elem in sock_ops', SOCK_OPS, M.SOCKHASH, H.map_delete_elem, true],
    ['sockhash + map_update_elem in sock_ops', SOCK_OPS, M.SOCKHASH, H.map_update_elem, false],
    ['cpumap + map_lookup_elem', SOCKET_FILTER, M.CPUMAP, H.map_lookup_elem, false],
    ['devmap + map_lookup_elem', SOCKET_FILTER, M.DEVMAP, H.map_lookup_elem, true],
    ['sockmap + sk_select_reuseport', SOCKET_FILTER, M.SOCKMAP, H.sk_select_reuseport, true],
  ])('%s', (_d, prog, mapType, func, ok) => {
    expect(checkMapFuncCompatibility(prog, mapType, func).ok).toBe(ok);
  });

  it('prints the kernel messages', () => {
    expect(checkMapFuncCompatibility(SOCKET_FILTER, M.HASH, H.tail_call)).toEqual({
      ok: false,
      log: ['cannot pass map_type 1 into func bpf_tail_call#12'],
    });
    expect(checkMapFuncCompatibility(KPROBE, M.SOCKMAP, H.map_update_elem)).toEqual({
      ok: false,
      log: [
        'cannot update sockmap in this context',
        'cannot pass map_type 15 into func bpf_map_update_elem#2',
      ],
    });
  });

  it('both halves of the table agree where they overlap', () => {
    for (const [func, maps] of HELPER_ALLOWED_MAPS)
      for (const m of maps) {
        const allowed = MAP_ALLOWED_HELPERS.get(m);
        if (allowed !== undefined) expect(allowed, `map ${m} func ${func}`).toContain(func);
      }
  });
});

// ---- differential test against the real kernel ----

const noKernel = await kernelUnavailable();

/** [map type, key size, value size, max entries]: maps that need no BTF. */
const MAPS: [number, number, number, number][] = [
  [M.HASH, 4, 8, 4],
  [M.ARRAY, 4, 8, 4],
  [M.PROG_ARRAY, 4, 4, 4],
  [M.PERF_EVENT_ARRAY, 4, 4, 4],
  [M.PERCPU_ARRAY, 4, 8, 4],
  [M.STACK_TRACE, 4, 64, 4],
  [M.CGROUP_ARRAY, 4, 4, 4],
  [M.LRU_HASH, 4, 8, 4],
  [M.DEVMAP, 4, 4, 4],
  [M.QUEUE, 0, 8, 4],
  [M.STACK, 0, 8, 4],
  [M.RINGBUF, 0, 0, 4096],
  [M.BLOOM_FILTER, 0, 8, 4],
  [M.CGROUP_STORAGE, 8, 8, 0],
];

/** Helpers of cgroup_skb whose map argument is r1 (r2, r3 = 0) or, for tail_call, r2 (r1 = ctx). */
const FUNCS = [
  H.map_lookup_elem,
  H.perf_event_read,
  H.ringbuf_query,
  H.get_local_storage,
  H.current_task_under_cgroup,
  H.map_lookup_percpu_elem,
  H.tail_call,
  H.map_peek_elem,
];

function insn(code: number, dst: number, src: number, off: number, imm: number): number[] {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  b[0] = code;
  b[1] = (src << 4) | dst;
  dv.setInt16(2, off, true);
  dv.setInt32(4, imm, true);
  return [...b];
}

function program(mapFd: number, func: number): Uint8Array {
  const ldMap = (reg: number): number[] => [...insn(0x18, reg, 1, 0, mapFd), ...insn(0, 0, 0, 0, 0)];
  const body =
    func === H.tail_call
      ? [...ldMap(2), ...insn(0xb7, 3, 0, 0, 0)]
      : [
          ...insn(0x7a, 10, 0, -8, 0), // *(u64 *)(r10 - 8) = 0
          ...ldMap(1),
          ...insn(0xbf, 2, 10, 0, 0), // r2 = r10
          ...insn(0x07, 2, 0, 0, -8), // r2 += -8
          ...insn(0xb7, 3, 0, 0, 0),
        ];
  return new Uint8Array([
    ...body,
    ...(func === H.map_lookup_elem ||
    func === H.map_lookup_percpu_elem ||
    func === H.map_peek_elem ||
    func === H.tail_call
      ? []
      : insn(0xb7, 2, 0, 0, 0)), // r2 = 0 for (map, flags) helpers
    ...insn(0x85, 0, 0, 0, func),
    ...insn(0xb7, 0, 0, 0, 1),
    ...insn(0x95, 0, 0, 0, 0),
  ]);
}

function withAttr(host: KernelHost, attr: BpfAttr, cmd: number): number {
  const a = host.alloc(BPF_ATTR_SIZE);
  host.write(a, attr.bytes);
  const r = host.bpf(cmd, a, BPF_ATTR_SIZE);
  host.free(a);
  return r;
}

function loadLog(host: KernelHost, raw: Uint8Array): string {
  const code = host.alloc(raw.length);
  host.write(code, raw);
  const lic = host.alloc(4);
  host.write(lic, new TextEncoder().encode('GPL\0'));
  const LOG = 1 << 16;
  const logAddr = host.alloc(LOG);
  const r = withAttr(
    host,
    new BpfAttr()
      .set(LA.prog_type, T.CGROUP_SKB)
      .set(LA.insn_cnt, raw.length / 8)
      .set(LA.insns, code)
      .set(LA.license, lic)
      .set(LA.log_level, 1)
      .set(LA.log_size, LOG)
      .set(LA.log_buf, logAddr),
    BPF_CMD.PROG_LOAD,
  );
  const bytes = host.read(logAddr, LOG);
  for (const a of [code, lic, logAddr]) host.free(a);
  if (r >= 0) host.close(r);
  const end = bytes.indexOf(0);
  return r >= 0 ? '' : new TextDecoder().decode(bytes.subarray(0, end < 0 ? LOG : end));
}

describe.skipIf(noKernel !== undefined)(
  `map/helper compatibility agrees with the real kernel${noKernel === undefined ? '' : ` (skipped: ${noKernel})`}`,
  () => {
    it('cgroup_skb: every (map type, helper) pair the kernel judges', async () => {
      const host = await KernelHost.open();
      const prog = { progType: T.CGROUP_SKB, expectedAttachType: 0 };
      const diffs: string[] = [];
      let judged = 0;
      try {
        for (const [type, key, value, max] of MAPS) {
          const fd = withAttr(
            host,
            new BpfAttr()
              .set(MA.map_type, type)
              .set(MA.key_size, key)
              .set(MA.value_size, value)
              .set(MA.max_entries, max),
            BPF_CMD.MAP_CREATE,
          );
          expect(fd, `map type ${type}`).toBeGreaterThanOrEqual(0);
          try {
            for (const func of FUNCS) {
              const log = loadLog(host, program(fd, func));
              const refused = log.includes(`cannot pass map_type ${type} into func`);
              // Reached the check: refused there, or passed it (loaded, or failed after the call).
              const passed = log === '' || /^\d+: \(b7\) r0 = 1/m.test(log);
              if (!refused && !passed) continue;
              judged++;
              const want = checkMapFuncCompatibility(prog, type, func).ok;
              if (want === refused) diffs.push(`map type ${type} func ${func}: kernel refused=${refused}`);
            }
          } finally {
            host.close(fd);
          }
        }
      } finally {
        host.dispose();
      }
      expect(diffs).toEqual([]);
      expect(judged).toBeGreaterThan(60);
    }, 60_000);
  },
);
