/**
 * The verifier's helper prototype table: a table of known prototypes and program-type rules, a
 * cross-check against the maps layer's string-typed prototypes, and a differential run against the
 * real kernel: `call N; r0 = 0; exit` for every (program type, helper id), whose verifier log tells
 * whether `get_func_proto` found a prototype, whether it is GPL-only, whether it might sleep, and
 * whether its first argument is used.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpfAttr } from '../../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../../src/kernel/attr/commands.js';
import { BPF_ATTR_SIZE, PROG_LOAD_ATTR as LA } from '../../../src/kernel/attr/layout.js';
import { KernelHost } from '../../../src/kernel/backend/kernel-host.js';
import { MAP_HELPER_PROTOS } from '../../../src/maps/helper-protos.js';
import { BPF_PROG_TYPE as T } from '../../../src/progs/types.js';
import { BPF_ATTACH as ATTACH } from '../../../src/uapi/bpf-attach-types.js';
import { BPF_FUNC } from '../../../src/uapi/bpf-helpers.js';
import { ARG, argTypeName, RET, retTypeName } from '../../../src/verifier/env/arg-types.js';
import { funcProto, helperIdMax, helperName } from '../../../src/verifier/env/helper-protos.js';
import type { FuncProtoContext } from '../../../src/verifier/env/types.js';
import { TYPE_FLAG as F } from '../../../src/verifier/reg-state.js';
import { BUN, bunWorks, kernelUnavailable, ROOT as REPO } from '../../kernel/backend/env.js';

const ROOT: FuncProtoContext = { expectedAttachType: 0, bpfCapable: true, perfmonCapable: true };
const at = (eat: number, extra: Partial<FuncProtoContext> = {}): FuncProtoContext => ({
  ...ROOT,
  expectedAttachType: eat,
  ...extra,
});

describe('arg-types', () => {
  it('has the 6.18 enum values', () => {
    expect(ARG.ARG_PTR_TO_DYNPTR).toBe(23);
    expect(ARG.ARG_PTR_TO_UNINIT_MEM).toBe(F.MEM_UNINIT | F.MEM_WRITE | 4);
    expect(ARG.ARG_PTR_TO_STACK_OR_NULL).toBe(F.PTR_MAYBE_NULL | 19);
    expect(RET.RET_PTR_TO_RINGBUF_MEM_OR_NULL).toBe(F.PTR_MAYBE_NULL | F.MEM_RINGBUF | 6);
    expect(RET.RET_PTR_TO_BTF_ID_TRUSTED).toBe(F.PTR_TRUSTED | 8);
    expect(argTypeName(ARG.ARG_PTR_TO_MEM | F.MEM_RDONLY)).toBe('ARG_PTR_TO_MEM | MEM_RDONLY');
    expect(retTypeName(RET.RET_PTR_TO_MAP_VALUE_OR_NULL)).toBe('RET_PTR_TO_MAP_VALUE | PTR_MAYBE_NULL');
  });
});

describe('helperName / helperIdMax', () => {
  it.each([
    [1, 'bpf_map_lookup_elem'],
    [12, 'bpf_tail_call'],
    [211, 'bpf_cgrp_storage_delete'],
    [0, undefined],
    [212, undefined],
    [-1, undefined],
  ])('helperName(%i) = %s', (id, name) => expect(helperName(id)).toBe(name));
  it('__BPF_FUNC_MAX_ID is 212', () => expect(helperIdMax()).toBe(212));
});

/** [descr, prog type, helper, ctx, expected: [retType, argTypes, gplOnly] | undefined]. */
type Case = [string, number, string, FuncProtoContext, [number, number[], boolean] | undefined];
const A = ARG;
const cases: Case[] = [
  [
    'map_lookup_elem everywhere',
    T.SOCKET_FILTER,
    'map_lookup_elem',
    ROOT,
    [RET.RET_PTR_TO_MAP_VALUE_OR_NULL, [A.ARG_CONST_MAP_PTR, A.ARG_PTR_TO_MAP_KEY], false],
  ],
  [
    'skb_store_bytes in tc',
    T.SCHED_CLS,
    'skb_store_bytes',
    ROOT,
    [
      RET.RET_INTEGER,
      [A.ARG_PTR_TO_CTX, A.ARG_ANYTHING, A.ARG_PTR_TO_MEM | F.MEM_RDONLY, A.ARG_CONST_SIZE, A.ARG_ANYTHING],
      false,
    ],
  ],
  ['no skb_store_bytes in socket filters', T.SOCKET_FILTER, 'skb_store_bytes', ROOT, undefined],
  [
    'sk_lookup_tcp in tc returns a socket',
    T.SCHED_CLS,
    'sk_lookup_tcp',
    ROOT,
    [
      RET.RET_PTR_TO_SOCKET_OR_NULL,
      [
        A.ARG_PTR_TO_CTX,
        A.ARG_PTR_TO_MEM | F.MEM_RDONLY,
        A.ARG_CONST_SIZE_OR_ZERO,
        A.ARG_ANYTHING,
        A.ARG_ANYTHING,
      ],
      false,
    ],
  ],
  [
    'perf_event_output is GPL-only',
    T.XDP,
    'perf_event_output',
    ROOT,
    [
      RET.RET_INTEGER,
      [
        A.ARG_PTR_TO_CTX,
        A.ARG_CONST_MAP_PTR,
        A.ARG_ANYTHING,
        A.ARG_PTR_TO_MEM | F.MEM_RDONLY,
        A.ARG_CONST_SIZE_OR_ZERO,
      ],
      true,
    ],
  ],
  [
    'trace_printk needs CAP_PERFMON',
    T.SOCKET_FILTER,
    'trace_printk',
    at(0, { perfmonCapable: false }),
    undefined,
  ],
  [
    'loop needs CAP_BPF',
    T.SOCKET_FILTER,
    'loop',
    at(0, { bpfCapable: false, perfmonCapable: false }),
    undefined,
  ],
  [
    'ktime_get_ns needs nothing',
    T.SOCKET_FILTER,
    'ktime_get_ns',
    at(0, { bpfCapable: false, perfmonCapable: false }),
    [RET.RET_INTEGER, [], false],
  ],
  [
    'no get_current_comm in cgroup_sock without CAP_PERFMON',
    T.CGROUP_SOCK,
    'get_current_comm',
    at(2, { perfmonCapable: false }),
    undefined,
  ],
  ['per_cpu_ptr needs CAP_PERFMON', T.SCHED_CLS, 'per_cpu_ptr', at(0, { perfmonCapable: false }), undefined],
  [
    'current_task_under_cgroup with CAP_BPF only',
    T.CGROUP_SOCK,
    'current_task_under_cgroup',
    at(2, { perfmonCapable: false }),
    [RET.RET_INTEGER, [A.ARG_CONST_MAP_PTR, A.ARG_ANYTHING], false],
  ],
  ['bind only for connect4/6', T.CGROUP_SOCK_ADDR, 'bind', at(ATTACH.CGROUP_INET4_BIND), undefined],
  [
    'bind in connect4',
    T.CGROUP_SOCK_ADDR,
    'bind',
    at(ATTACH.CGROUP_INET4_CONNECT),
    [RET.RET_INTEGER, [A.ARG_PTR_TO_CTX, A.ARG_PTR_TO_MEM | F.MEM_RDONLY, A.ARG_CONST_SIZE], false],
  ],
  ['no get_retval in cgroup_skb', T.CGROUP_SKB, 'get_retval', at(ATTACH.CGROUP_INET_INGRESS), undefined],
  [
    'sk_assign in sk_lookup takes a socket or NULL',
    T.SK_LOOKUP,
    'sk_assign',
    at(ATTACH.SK_LOOKUP),
    [RET.RET_INTEGER, [A.ARG_PTR_TO_CTX, A.ARG_PTR_TO_SOCKET_OR_NULL, A.ARG_ANYTHING], false],
  ],
  [
    'strtol writes a u64',
    T.SOCKET_FILTER,
    'strtol',
    ROOT,
    [
      RET.RET_INTEGER,
      [
        A.ARG_PTR_TO_MEM | F.MEM_RDONLY,
        A.ARG_CONST_SIZE,
        A.ARG_ANYTHING,
        A.ARG_PTR_TO_FIXED_SIZE_MEM | F.MEM_UNINIT | F.MEM_WRITE | F.MEM_ALIGNED,
      ],
      false,
    ],
  ],
  [
    'get_stackid in kprobes',
    T.KPROBE,
    'get_stackid',
    ROOT,
    [RET.RET_INTEGER, [A.ARG_PTR_TO_CTX, A.ARG_CONST_MAP_PTR, A.ARG_ANYTHING], true],
  ],
  ['no probe_write_user under lockdown=integrity', T.KPROBE, 'probe_write_user', ROOT, undefined],
  [
    'probe_write_user without lockdown',
    T.KPROBE,
    'probe_write_user',
    at(0, { lockdown: 'none' }),
    [RET.RET_INTEGER, [A.ARG_ANYTHING, A.ARG_PTR_TO_MEM | F.MEM_RDONLY, A.ARG_CONST_SIZE], true],
  ],
  ['sysctl helpers only in cgroup_sysctl', T.CGROUP_SOCK, 'sysctl_get_name', at(2), undefined],
  ['no helpers for LIRC_MODE2 here', T.LIRC_MODE2, 'map_lookup_elem', ROOT, undefined],
];

describe('funcProto table', () => {
  it.each(cases)('%s', (_d, type, helper, ctx, want) => {
    const id = BPF_FUNC[helper as keyof typeof BPF_FUNC];
    const got = funcProto(type, id, ctx);
    if (want === undefined) {
      expect(got).toBeUndefined();
      return;
    }
    expect(got).toBeDefined();
    expect(got?.name).toBe(`bpf_${helper}`);
    expect(got?.retType).toBe(want[0]);
    expect(got?.argTypes).toEqual([0, 1, 2, 3, 4].map((i) => want[1][i] ?? 0));
    expect(got?.gplOnly).toBe(want[2]);
  });

  it('task_storage_get picks the recursion-checked variant for fentry', () => {
    const id = BPF_FUNC.task_storage_get;
    expect(funcProto(T.TRACING, id, at(ATTACH.TRACE_FENTRY))?.name).toBe('bpf_task_storage_get');
    expect(funcProto(T.SYSCALL, BPF_FUNC.get_task_stack, at(0, { sleepable: true }))?.mightSleep).toBe(true);
    expect(funcProto(T.SYSCALL, BPF_FUNC.get_task_stack, at(0))?.mightSleep).toBe(false);
  });

  it('agrees with the maps layer prototypes (src/maps/helper-protos.ts)', () => {
    const argName = (t: number): string =>
      argTypeName(t)
        .replace('ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE', 'ARG_PTR_TO_UNINIT_MEM')
        .replace('ARG_PTR_TO_STACK | PTR_MAYBE_NULL', 'ARG_PTR_TO_STACK_OR_NULL')
        .replace(
          'ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE',
          'ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE',
        );
    const retName = (t: number): string =>
      t === RET.RET_PTR_TO_MAP_VALUE_OR_NULL
        ? 'RET_PTR_TO_MAP_VALUE_OR_NULL'
        : t === RET.RET_PTR_TO_RINGBUF_MEM_OR_NULL
          ? 'RET_PTR_TO_RINGBUF_MEM_OR_NULL'
          : retTypeName(t);
    expect(MAP_HELPER_PROTOS.size).toBeGreaterThan(10);
    for (const [id, m] of MAP_HELPER_PROTOS) {
      const progType = m.name === 'perf_event_output' ? T.KPROBE : T.SOCKET_FILTER;
      const v = funcProto(progType, id, ROOT);
      expect(v?.name, m.name).toBe(`bpf_${m.name}`);
      expect(v?.gplOnly, m.name).toBe(m.gplOnly);
      expect(retName(v?.retType ?? -1), m.name).toBe(m.ret);
      const used = (v?.argTypes ?? []).filter((t) => t !== 0).map(argName);
      expect(used, m.name).toEqual([...m.args]);
    }
  });
});

// ---- differential test against the real kernel ----

const noKernel = await kernelUnavailable();

/** [prog type, expected attach type, prog flags]: every type that loads without attach BTF. */
const CONFIGS: [number, number, number][] = [
  [T.SOCKET_FILTER, 0, 0],
  [T.KPROBE, 0, 0],
  [T.SCHED_CLS, 0, 0],
  [T.SCHED_ACT, 0, 0],
  [T.TRACEPOINT, 0, 0],
  [T.XDP, 0, 0],
  [T.PERF_EVENT, 0, 0],
  [T.CGROUP_SKB, ATTACH.CGROUP_INET_INGRESS, 0],
  [T.CGROUP_SOCK, 2, 0],
  [T.CGROUP_SOCK, 12, 0],
  [T.LWT_IN, 0, 0],
  [T.LWT_OUT, 0, 0],
  [T.LWT_XMIT, 0, 0],
  [T.SOCK_OPS, 0, 0],
  [T.SK_SKB, 0, 0],
  [T.CGROUP_DEVICE, 6, 0],
  [T.SK_MSG, 0, 0],
  [T.RAW_TRACEPOINT, 0, 0],
  [T.CGROUP_SOCK_ADDR, ATTACH.CGROUP_INET4_BIND, 0],
  [T.CGROUP_SOCK_ADDR, ATTACH.CGROUP_INET6_CONNECT, 0],
  [T.CGROUP_SOCK_ADDR, ATTACH.CGROUP_UDP4_RECVMSG, 0],
  [T.CGROUP_SOCK_ADDR, ATTACH.CGROUP_UNIX_GETSOCKNAME, 0],
  [T.CGROUP_SOCK_ADDR, ATTACH.CGROUP_UNIX_SENDMSG, 0],
  [T.LWT_SEG6LOCAL, 0, 0],
  [T.SK_REUSEPORT, 39, 0],
  [T.FLOW_DISSECTOR, 0, 0],
  [T.CGROUP_SYSCTL, 18, 0],
  [T.RAW_TRACEPOINT_WRITABLE, 0, 0],
  [T.CGROUP_SOCKOPT, ATTACH.CGROUP_GETSOCKOPT, 0],
  [T.CGROUP_SOCKOPT, ATTACH.CGROUP_SETSOCKOPT, 0],
  [T.SK_LOOKUP, ATTACH.SK_LOOKUP, 0],
  [T.SYSCALL, 0, BPF_F_SLEEPABLE()],
  [T.NETFILTER, 45, 0],
];

function BPF_F_SLEEPABLE(): number {
  return 1 << 4;
}

/** What the kernel said about `call N`: the line after the call in the level-1 log. */
function callVerdict(log: string): string {
  const lines = log.split('\n');
  const i = lines.findIndex((l) => /^\d+: \(85\) call /.test(l));
  return i < 0 ? `? ${log.slice(-200)}` : (lines[i + 1] ?? '');
}

function load(
  host: KernelHost,
  type: number,
  eat: number,
  flags: number,
  id: number,
  license: string,
): string {
  const insns = new Uint8Array(24);
  const dv = new DataView(insns.buffer);
  insns[0] = 0x85; // call imm
  dv.setInt32(4, id, true);
  insns[8] = 0xb7; // r0 = 0
  insns[16] = 0x95; // exit
  const alloc = (b: Uint8Array): number => {
    const a = host.alloc(b.length);
    host.write(a, b);
    return a;
  };
  const code = alloc(insns);
  const lic = alloc(new TextEncoder().encode(`${license}\0`));
  const LOG = 1 << 16;
  const logAddr = host.alloc(LOG);
  const attr = new BpfAttr()
    .set(LA.prog_type, type)
    .set(LA.insn_cnt, 3)
    .set(LA.insns, code)
    .set(LA.license, lic)
    .set(LA.log_level, 1)
    .set(LA.log_size, LOG)
    .set(LA.log_buf, logAddr)
    .set(LA.prog_flags, flags)
    .set(LA.expected_attach_type, eat);
  const attrAddr = alloc(attr.bytes);
  const ret = host.bpf(BPF_CMD.PROG_LOAD, attrAddr, BPF_ATTR_SIZE);
  const bytes = host.read(logAddr, LOG);
  const end = bytes.indexOf(0);
  const log = new TextDecoder().decode(bytes.subarray(0, end < 0 ? LOG : end));
  if (ret >= 0) host.close(ret);
  for (const a of [code, lic, logAddr, attrAddr]) host.free(a);
  return ret >= 0 ? 'loaded' : callVerdict(log);
}

/**
 * What our table predicts the kernel prints after `call N` with r1 = ctx and r2..r5 uninitialized:
 * the lookup and flag checks first, then `check_func_arg` on r1 (only ARG_PTR_TO_CTX[_OR_NULL] and
 * ARG_ANYTHING accept a context pointer) and on r2 (`R2 !read_ok` when it is used).
 */
function predict(type: number, eat: number, flags: number, id: number, gpl: boolean): string {
  const ctx = at(eat, { sleepable: (flags & BPF_F_SLEEPABLE()) !== 0 });
  if (id < 0 || id >= helperIdMax()) return 'invalid';
  const proto = funcProto(type, id, ctx);
  if (proto === undefined) return 'none';
  if (!gpl && proto.gplOnly) return 'gpl';
  if (proto.restricted === true) return 'restricted';
  if (proto.mightSleep && !ctx.sleepable) return 'sleep';
  const [a1, a2] = proto.argTypes;
  if (a1 === 0) return 'accepted';
  const base1 = a1 & 0xff;
  if (base1 !== A.ARG_PTR_TO_CTX && base1 !== A.ARG_ANYTHING) return 'R1 rejected';
  return a2 === 0 ? 'accepted' : 'R2 !read_ok';
}

/** Classifies the kernel's verdict into the same buckets. */
function classify(v: string): string {
  if (v.startsWith('program of this type cannot use helper')) return 'none';
  if (v.startsWith('invalid func') || v.startsWith('unknown func')) return 'invalid';
  if (v.startsWith('cannot call GPL-restricted function')) return 'gpl';
  if (v.startsWith('helper call is not allowed in probe')) return 'restricted';
  if (v.startsWith('helper call might sleep')) return 'sleep';
  if (v.startsWith('R1 ')) return 'R1 rejected';
  if (v.startsWith('R2 !read_ok')) return 'R2 !read_ok';
  // `call` accepted: the program loaded, failed later (the exit code range, after `r0 = 0`), or was
  // refused by a per-helper check after the arguments (get_func_ip outside kprobes and fentry).
  if (v === 'loaded' || /^1: \(b7\) r0 = 0/.test(v) || / not supported for program type /.test(v))
    return 'accepted';
  return `? ${v}`;
}

describe.skipIf(noKernel !== undefined)(
  `helper availability agrees with the real kernel${noKernel === undefined ? '' : ` (skipped: ${noKernel})`}`,
  () => {
    it.each(CONFIGS)(
      'prog type %i, expected attach type %i, flags %i',
      async (type, eat, flags) => {
        const host = await KernelHost.open();
        try {
          const diffs: string[] = [];
          let available = 0;
          for (let id = 0; id <= helperIdMax(); id++) {
            for (const license of ['GPL', 'Proprietary']) {
              const gpl = license === 'GPL';
              const got = classify(load(host, type, eat, flags, id, license));
              const want = predict(type, eat, flags, id, gpl);
              if (got !== want)
                diffs.push(`${helperName(id) ?? id} (${license}): kernel ${got}, table ${want}`);
              if (gpl && got !== 'none' && got !== 'invalid') available++;
            }
          }
          expect(diffs).toEqual([]);
          expect(available).toBeGreaterThan(50);
        } finally {
          host.dispose();
        }
      },
      60_000,
    );
  },
);

// ---- the same without CAP_PERFMON / CAP_SYS_ADMIN (CAP_BPF and CAP_NET_ADMIN kept) ----

const capsh = spawnSync('capsh', ['--help']).status === 0;
const whyNoCaps = noKernel ?? (!bunWorks ? 'bun unavailable' : !capsh ? 'capsh unavailable' : undefined);

/** A Bun script that prints, per config, the verdict line after `call N` for every helper id. */
function childScript(configs: readonly (readonly [number, number])[]): string {
  const src = (p: string): string => JSON.stringify(resolve(REPO, p));
  return `
import { KernelHost } from ${src('src/kernel/backend/kernel-host.ts')};
import { BpfAttr } from ${src('src/kernel/attr/codec.ts')};
import { BPF_CMD } from ${src('src/kernel/attr/commands.ts')};
import { PROG_LOAD_ATTR as LA, BPF_ATTR_SIZE } from ${src('src/kernel/attr/layout.ts')};
const host = await KernelHost.open();
const alloc = (b) => { const a = host.alloc(b.length); host.write(a, b); return a; };
const out = {};
for (const [type, eat] of ${JSON.stringify(configs)}) {
  const row = [];
  for (let id = 0; id < ${helperIdMax()}; id++) {
    const insns = new Uint8Array(24);
    insns[0] = 0x85; new DataView(insns.buffer).setInt32(4, id, true); insns[8] = 0xb7; insns[16] = 0x95;
    const code = alloc(insns), lic = alloc(new TextEncoder().encode('GPL\\0'));
    const logAddr = host.alloc(65536);
    const attr = new BpfAttr().set(LA.prog_type, type).set(LA.insn_cnt, 3).set(LA.insns, code)
      .set(LA.license, lic).set(LA.log_level, 1).set(LA.log_size, 65536).set(LA.log_buf, logAddr)
      .set(LA.expected_attach_type, eat);
    const attrAddr = alloc(attr.bytes);
    const ret = host.bpf(BPF_CMD.PROG_LOAD, attrAddr, BPF_ATTR_SIZE);
    const bytes = host.read(logAddr, 65536);
    if (ret >= 0) host.close(ret);
    for (const a of [code, lic, logAddr, attrAddr]) host.free(a);
    row.push(ret >= 0 ? 'loaded' : new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0))));
  }
  out[type + '/' + eat] = row;
}
host.dispose();
console.log(JSON.stringify(out));
`;
}

describe.skipIf(whyNoCaps !== undefined)(
  `capability conditions agree with the real kernel${whyNoCaps === undefined ? '' : ` (skipped: ${whyNoCaps})`}`,
  () => {
    it('CAP_BPF without CAP_PERFMON: the same helpers are refused', () => {
      const configs: [number, number][] = [
        [T.SOCKET_FILTER, 0],
        [T.SCHED_CLS, 0],
        [T.XDP, 0],
        [T.CGROUP_SKB, 0],
        [T.CGROUP_SOCK, 2],
        [T.SOCK_OPS, 0],
        [T.SK_SKB, 0],
        [T.CGROUP_DEVICE, 6],
        [T.CGROUP_SOCK_ADDR, ATTACH.CGROUP_INET4_CONNECT],
        [T.CGROUP_SYSCTL, 18],
        [T.CGROUP_SOCKOPT, ATTACH.CGROUP_SETSOCKOPT],
        [T.SK_LOOKUP, ATTACH.SK_LOOKUP],
        [T.NETFILTER, 45],
      ];
      const dir = mkdtempSync(join(tmpdir(), 'bpfsim-caps-'));
      try {
        const script = join(dir, 'child.ts');
        writeFileSync(script, childScript(configs));
        const r = spawnSync(
          'capsh',
          ['--drop=cap_sys_admin,cap_perfmon', '--', '-c', `"${BUN}" "${script}"`],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 28,
          },
        );
        expect(r.status, r.stderr).toBe(0);
        const logs = JSON.parse(r.stdout) as Record<string, string[]>;
        const diffs: string[] = [];
        let refused = 0;
        for (const [type, eat] of configs) {
          const row = logs[`${type}/${eat}`] ?? [];
          expect(row).toHaveLength(helperIdMax());
          row.forEach((log, id) => {
            const kernelHas = !log.includes('program of this type cannot use helper');
            const ctx = at(eat, { perfmonCapable: false, sysAdminCapable: false });
            const tableHas = funcProto(type, id, ctx) !== undefined;
            if (kernelHas !== tableHas)
              diffs.push(`${type}/${eat} ${helperName(id) ?? id}: kernel ${kernelHas}`);
            if (!kernelHas && funcProto(type, id, ROOT) !== undefined) refused++;
          });
        }
        expect(diffs).toEqual([]);
        // trace_printk, probe_read_kernel, skc_to_* ... really are refused without CAP_PERFMON.
        expect(refused).toBeGreaterThan(200);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  },
);
