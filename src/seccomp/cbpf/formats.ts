/**
 * @fileoverview Other textual forms of a classic BPF filter: the `tcpdump -d` listing (libpcap
 * bpf_image, also what libseccomp's `bpf_dump` style readers expect), the `tcpdump -dd` style C
 * array of `struct sock_filter`, and JSON. Models libpcap bpf_image.c and
 * include/uapi/linux/filter.h `struct sock_filter` / `struct sock_fprog`.
 */
import { type SockFilter, sockFilter } from './filter.js';

/** libpcap's symbolic names of the Linux ancillary offsets (`SKF_AD_OFF + SKF_AD_*`). */
const ANCILLARY: readonly string[] = [
  'proto',
  'type',
  'ifidx',
  'nla',
  'nlan',
  'mark',
  'queue',
  'hatype',
  'rxhash',
  'cpu',
  'xor_x',
  'vlan_tci',
  'vlanp',
  'poff',
  'random',
  'vlan_tpid',
];

const s32 = (k: number) => k | 0;
const hex = (k: number) => `0x${(k >>> 0).toString(16)}`;

function absOperand(k: number): string {
  const off = (k - 0xfffff000) >>> 0;
  if (k >>> 0 >= 0xfffff000 && off < 64 && off % 4 === 0) return `[${ANCILLARY[off / 4]}]`;
  return `[${s32(k)}]`;
}

/** `[mnemonic, operand]` of one instruction, as libpcap bpf_image prints it. */
function image(insn: SockFilter, n: number): [string, string] {
  const { code, k } = insn;
  const table: Record<number, [string, string]> = {
    6: ['ret', `#${s32(k)}`],
    22: ['ret', ''],
    32: ['ld', absOperand(k)],
    40: ['ldh', absOperand(k)],
    48: ['ldb', absOperand(k)],
    128: ['ld', '#pktlen'],
    64: ['ld', `[x + ${s32(k)}]`],
    72: ['ldh', `[x + ${s32(k)}]`],
    80: ['ldb', `[x + ${s32(k)}]`],
    0: ['ld', `#${hex(k)}`],
    1: ['ldx', `#${hex(k)}`],
    177: ['ldxb', `4*([${s32(k)}]&0xf)`],
    96: ['ld', `M[${s32(k)}]`],
    97: ['ldx', `M[${s32(k)}]`],
    2: ['st', `M[${s32(k)}]`],
    3: ['stx', `M[${s32(k)}]`],
    5: ['ja', `${s32(n + 1 + k)}`],
    37: ['jgt', `#${hex(k)}`],
    53: ['jge', `#${hex(k)}`],
    21: ['jeq', `#${hex(k)}`],
    69: ['jset', `#${hex(k)}`],
    45: ['jgt', 'x'],
    61: ['jge', 'x'],
    29: ['jeq', 'x'],
    77: ['jset', 'x'],
    12: ['add', 'x'],
    28: ['sub', 'x'],
    44: ['mul', 'x'],
    60: ['div', 'x'],
    156: ['mod', 'x'],
    92: ['and', 'x'],
    76: ['or', 'x'],
    172: ['xor', 'x'],
    108: ['lsh', 'x'],
    124: ['rsh', 'x'],
    4: ['add', `#${s32(k)}`],
    20: ['sub', `#${s32(k)}`],
    36: ['mul', `#${s32(k)}`],
    52: ['div', `#${s32(k)}`],
    148: ['mod', `#${s32(k)}`],
    84: ['and', `#${hex(k)}`],
    68: ['or', `#${hex(k)}`],
    164: ['xor', `#${hex(k)}`],
    100: ['lsh', `#${s32(k)}`],
    116: ['rsh', `#${s32(k)}`],
    132: ['neg', ''],
    7: ['tax', ''],
    135: ['txa', ''],
  };
  return table[code] ?? ['unimp', hex(code)];
}

/**
 * The `tcpdump -d` listing: `(000) ld       [4]` and
 * `(001) jeq      #0xc000003e      jt 2\tjf 7`, one line per instruction. Models libpcap
 * bpf_image (`"(%03d) %-8s %-16s jt %d\tjf %d"` for conditional jumps, `"(%03d) %-8s %s"` else).
 */
export function formatTcpdump(filter: readonly SockFilter[]): string {
  return filter
    .map((insn, n) => {
      const [op, operand] = image(insn, n);
      const idx = String(n).padStart(3, '0');
      if ((insn.code & 0x07) === 0x05 && (insn.code & 0xf0) !== 0)
        return `(${idx}) ${op.padEnd(8)} ${operand.padEnd(16)} jt ${n + 1 + insn.jt}\tjf ${n + 1 + insn.jf}\n`;
      return `(${idx}) ${op.padEnd(8)} ${operand}\n`;
    })
    .join('');
}

/**
 * A C initializer of `struct sock_filter` (the `tcpdump -dd` line format) and the
 * `struct sock_fprog` that points to it, ready for `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)`.
 */
export function formatC(filter: readonly SockFilter[], name = 'filter'): string {
  const lines = filter.map(
    (i) =>
      `\t{ 0x${i.code.toString(16).padStart(2, '0')}, ${i.jt}, ${i.jf}, 0x${(i.k >>> 0).toString(16).padStart(8, '0')} },`,
  );
  return `struct sock_filter ${name}[] = {\n${lines.join('\n')}\n};\nstruct sock_fprog prog = {\n\t.len = ${filter.length},\n\t.filter = ${name},\n};\n`;
}

/** JSON: `[{"code":32,"jt":0,"jf":0,"k":4}, ...]`, one instruction per line (or indented with `pretty`). */
export function formatJson(filter: readonly SockFilter[], pretty = false): string {
  const plain = filter.map((i) => ({ code: i.code, jt: i.jt, jf: i.jf, k: i.k >>> 0 }));
  if (pretty) return `${JSON.stringify(plain, null, 2)}\n`;
  return `[${plain.map((i) => JSON.stringify(i)).join(',\n ')}]\n`;
}

/** Result of parsing the JSON form. */
export type ParseFilterResult = { ok: true; filter: SockFilter[] } | { ok: false; error: string };

/** Parses the JSON form; every field must be an integer in range (code u16, jt/jf u8, k u32). */
export function parseJsonFilter(text: string): ParseFilterResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `invalid JSON: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!Array.isArray(v)) return { ok: false, error: 'expected a JSON array of {code, jt, jf, k}' };
  const out: SockFilter[] = [];
  const limits = { code: 0xffff, jt: 0xff, jf: 0xff, k: 0xffffffff } as const;
  for (let i = 0; i < v.length; i++) {
    const o = v[i] as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null) return { ok: false, error: `insn ${i}: not an object` };
    for (const [f, max] of Object.entries(limits)) {
      const x = o[f];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > max)
        return { ok: false, error: `insn ${i}: '${f}' must be an integer in 0..${max}` };
    }
    out.push(sockFilter(o.code as number, o.jt as number, o.jf as number, o.k as number));
  }
  return { ok: true, filter: out };
}
