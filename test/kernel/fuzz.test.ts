/**
 * Every field of every modelled command's attr is fuzzed: bpf() answers with a value or -errno and
 * never throws, and after closing every fd and unpinning, no object and no charge remain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRaw, insn } from '../../src/isa/insn.js';
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../src/kernel/attr/commands.js';
import {
  type AttrField,
  BPF_ATTR_SIZE,
  ID_ATTR,
  INFO_ATTR,
  MAP_BATCH_ATTR,
  MAP_CREATE_ATTR,
  MAP_ELEM_ATTR,
  OBJ_ATTR,
  PROG_LOAD_ATTR,
  TEST_RUN_ATTR,
} from '../../src/kernel/attr/layout.js';
import { errnoName } from '../../src/uapi/errno.js';
import { put, setup } from './helpers.js';

const C = BPF_CMD;
const LAYOUT: [number, Record<string, AttrField>][] = [
  [C.MAP_CREATE, MAP_CREATE_ATTR],
  [C.MAP_LOOKUP_ELEM, MAP_ELEM_ATTR],
  [C.MAP_UPDATE_ELEM, MAP_ELEM_ATTR],
  [C.MAP_DELETE_ELEM, MAP_ELEM_ATTR],
  [C.MAP_GET_NEXT_KEY, MAP_ELEM_ATTR],
  [C.MAP_LOOKUP_AND_DELETE_ELEM, MAP_ELEM_ATTR],
  [C.MAP_FREEZE, MAP_ELEM_ATTR],
  [C.MAP_LOOKUP_BATCH, MAP_BATCH_ATTR],
  [C.MAP_LOOKUP_AND_DELETE_BATCH, MAP_BATCH_ATTR],
  [C.MAP_UPDATE_BATCH, MAP_BATCH_ATTR],
  [C.MAP_DELETE_BATCH, MAP_BATCH_ATTR],
  [C.PROG_LOAD, PROG_LOAD_ATTR],
  [C.PROG_TEST_RUN, TEST_RUN_ATTR],
  [C.OBJ_PIN, OBJ_ATTR],
  [C.OBJ_GET, OBJ_ATTR],
  [C.OBJ_GET_INFO_BY_FD, INFO_ATTR],
  [C.PROG_GET_NEXT_ID, ID_ATTR],
  [C.MAP_GET_NEXT_ID, ID_ATTR],
  [C.PROG_GET_FD_BY_ID, ID_ATTR],
  [C.MAP_GET_FD_BY_ID, ID_ATTR],
];

/** A field value: a small number, an fd, a flag pattern, a pointer into prepared memory, or junk. */
const valueArb = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 16, 64, 168, 4096, 0xffffffff, 0x7fffffff),
  fc.integer({ min: 0, max: 40 }),
  fc.constantFrom('ptr', 'ptr+', 'path', 'insns', 'license'),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);

const caseArb = fc.record({
  cmd: fc.oneof(fc.constantFrom(...LAYOUT.map(([c]) => c)), fc.integer({ min: 0, max: 40 })),
  /** Start from a valid attr for the command (then mutate a few fields), or from zeros. */
  template: fc.boolean(),
  fields: fc.array(fc.tuple(fc.nat(40), valueArb), { maxLength: 3 }),
  size: fc.constantFrom(BPF_ATTR_SIZE, BPF_ATTR_SIZE, BPF_ATTR_SIZE, 0, 16, 32, 80, 96, 152, 200),
  uid: fc.constantFrom(0, 0, 1000),
});

type Ptrs = { buf: number; path: string | number; insns: number; license: number; out: number };

/** A valid attr for each command, with fds 3 (hash), 4 (array), 5 (xdp program). */
function template(cmd: number, p: Ptrs): BpfAttr {
  const a = new BpfAttr();
  switch (cmd) {
    case C.MAP_CREATE:
      return a
        .set(MAP_CREATE_ATTR.map_type, 1)
        .set(MAP_CREATE_ATTR.key_size, 4)
        .set(MAP_CREATE_ATTR.value_size, 8)
        .set(MAP_CREATE_ATTR.max_entries, 4);
    case C.PROG_LOAD:
      return a
        .set(PROG_LOAD_ATTR.prog_type, 1)
        .set(PROG_LOAD_ATTR.insn_cnt, 4)
        .set(PROG_LOAD_ATTR.insns, p.insns)
        .set(PROG_LOAD_ATTR.license, p.license);
    case C.PROG_TEST_RUN:
      return a
        .set(TEST_RUN_ATTR.prog_fd, 5)
        .set(TEST_RUN_ATTR.data_in, p.buf)
        .set(TEST_RUN_ATTR.data_size_in, 64)
        .set(TEST_RUN_ATTR.data_out, p.out)
        .set(TEST_RUN_ATTR.data_size_out, 256);
    case C.OBJ_PIN:
      return a.set(OBJ_ATTR.pathname, p.path as number).set(OBJ_ATTR.bpf_fd, 3);
    case C.OBJ_GET:
      return a.set(OBJ_ATTR.pathname, p.path as number);
    case C.OBJ_GET_INFO_BY_FD:
      return a.set(INFO_ATTR.bpf_fd, 5).set(INFO_ATTR.info_len, 232).set(INFO_ATTR.info, p.out);
    case C.MAP_GET_FD_BY_ID:
    case C.PROG_GET_FD_BY_ID:
      return a.set(ID_ATTR.map_id, 1);
    case C.MAP_LOOKUP_BATCH:
    case C.MAP_LOOKUP_AND_DELETE_BATCH:
    case C.MAP_UPDATE_BATCH:
    case C.MAP_DELETE_BATCH:
      return a
        .set(MAP_BATCH_ATTR.map_fd, 3)
        .set(MAP_BATCH_ATTR.keys, p.buf)
        .set(MAP_BATCH_ATTR.values, p.out)
        .set(MAP_BATCH_ATTR.count, 4);
    default:
      return a.set(MAP_ELEM_ATTR.map_fd, 3).set(MAP_ELEM_ATTR.key, p.buf).set(MAP_ELEM_ATTR.value, p.out);
  }
}

describe('fuzzing every attr field', () => {
  it('never throws, answers a value or a known -errno, and leaks nothing (both profiles)', () => {
    fc.assert(
      fc.property(
        fc.array(caseArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('6.18' as const, '4.x' as const),
        (cases, profile) => {
          const { kernel, task } = setup({ unprivilegedBpfDisabled: 0, profile, memoryLimit: 1 << 20 });
          task.setrlimit(8, 1 << 16, 1 << 16);
          const user = kernel.spawn({ uid: 1000 });
          task.createMap({ type: 'hash', keySize: 4, valueSize: 8, maxEntries: 8 });
          task.createMap({ type: 'array', keySize: 4, valueSize: 8, maxEntries: 8 });
          task.loadProgram({
            type: 'xdp',
            insns: encodeRaw([insn(0xb7, 0, 0, 0, 2), insn(0x95, 0, 0, 0, 0)]),
          });
          for (const t of [task, user]) {
            const buf = put(
              t,
              Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff),
            );
            const path = put(t, new TextEncoder().encode('/sys/fs/bpf/fz\0'));
            const insns = put(
              t,
              encodeRaw([
                insn(0x18, 1, 1, 0, 3),
                insn(0, 0, 0, 0, 0),
                insn(0xb7, 0, 0, 0, 0),
                insn(0x95, 0, 0, 0, 0),
              ]),
            );
            const license = put(t, new TextEncoder().encode('GPL\0'));
            const out = t.mmap(4096);
            for (const c of cases) {
              if ((c.uid === 0) !== (t === task)) continue;
              const layout: Record<string, AttrField> =
                LAYOUT.find(([cmd]) => cmd === c.cmd)?.[1] ?? MAP_ELEM_ATTR;
              const names = Object.keys(layout);
              const attr = c.template ? template(c.cmd, { buf, path, insns, license, out }) : new BpfAttr();
              for (const [i, v] of c.fields) {
                const f = layout[names[i % names.length] as string] as AttrField;
                const val =
                  v === 'ptr'
                    ? buf
                    : v === 'ptr+'
                      ? buf + 4090
                      : v === 'path'
                        ? path
                        : v === 'insns'
                          ? insns
                          : v === 'license'
                            ? license
                            : v;
                if (f.size === 16) attr.setBytes(f, new TextEncoder().encode(String(val).slice(0, 16)));
                else attr.set(f, typeof val === 'bigint' ? val : BigInt(val));
              }
              const a = put(t, attr.bytes);
              const ret = t.bpf(c.cmd, a, c.size);
              expect(Number.isInteger(ret)).toBe(true);
              if (ret < 0)
                expect(
                  errnoName(-ret) ?? { 77: 'EBADFD', 524: 'ENOTSUPP' }[-ret],
                  `errno ${-ret}`,
                ).toBeDefined();
            }
          }
          task.exit();
          user.exit();
          const root = kernel.spawn();
          for (const { path } of kernel.bpffs.pinned()) root.unlink(path);
          expect(kernel.maps.size).toBe(0);
          expect(kernel.progs.size).toBe(0);
          expect(kernel.chargedBytes()).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
