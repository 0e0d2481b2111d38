/**
 * @fileoverview Arguments of script steps made real: numbers and flag expressions evaluated,
 * strings and structs written to the task's memory (a scratch area, as a program's stack would
 * hold them) and passed by address, then decoded for display after the call (strace-like: what
 * the kernel wrote back into an ifreq, the bytes a read returned).
 */

import { errnoName } from '../../uapi/errno.js';
import { IFF, IFREQ_SIZE, ifrName, setIfrName } from '../net/netdev.js';
import { IFA, NLM_F, RTA, RTM } from '../net/netlink.js';
import { encodeSockaddr, formatSockaddr, readSockaddr } from '../net/sockaddr.js';
import { IFF_TUN_FLAGS } from '../net/tun.js';
import type { Task } from '../task.js';
import { constantValue, flagNames } from './constants.js';
import { type ArgSpec, ScriptError, type StructArg } from './script.js';

/** Size of the scratch area each task's arguments are written into. */
export const SCRATCH_SIZE = 1 << 16;

/** Variables of a running task script. */
export type Vars = Map<string, bigint>;

/** Evaluates `O_RDWR|O_CLOEXEC`, `0x10`, `-100`, `$fd`, `$fd+1`-free expressions of `|`-joined terms. */
export function evalExpr(expr: string, vars: Vars): bigint {
  let v = 0n;
  for (const raw of expr.split('|')) {
    const t = raw.trim();
    let x: bigint | undefined;
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) x = t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
    else if (t.startsWith('$')) x = vars.get(t.slice(1));
    else x = constantValue(t);
    if (x === undefined) throw new ScriptError(`unknown name "${t}" in "${expr}"`);
    v |= x;
  }
  return v;
}

const num = (v: number | string | undefined, vars: Vars): number =>
  v === undefined ? 0 : typeof v === 'number' ? v : Number(BigInt.asIntN(64, evalExpr(v, vars)));

function ipBytes(family: number, addr: string): Uint8Array {
  const enc = encodeSockaddr(family === 2 ? { family: 2, addr, port: 0 } : { family: 10, addr, port: 0 });
  return family === 2 ? enc.subarray(4, 8) : enc.subarray(8, 24);
}

function rtattr(type: number, payload: Uint8Array): Uint8Array {
  const len = 4 + payload.length;
  const b = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, len, true);
  dv.setUint16(2, type, true);
  b.set(payload, 4);
  return b;
}

const u32le = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Encodes an rtnetlink request (nlmsghdr + rtmsg or ifaddrmsg + attributes). */
function encodeNlmsg(
  n: Extract<StructArg, { nlmsg: unknown }>['nlmsg'],
  vars: Vars,
  pid: number,
): Uint8Array {
  const type = num(n.type, vars);
  const flags = num(n.flags, vars);
  const [addr, lenText] = (n.dst ?? '0.0.0.0/0').split('/');
  const family = (addr ?? '').includes(':') ? 10 : 2;
  const plen = Number(lenText ?? (family === 2 ? 32 : 128));
  let body: Uint8Array;
  const attrs: Uint8Array[] = [];
  if (type === RTM.NEWADDR || type === RTM.DELADDR) {
    body = new Uint8Array(8);
    body[0] = family;
    body[1] = plen;
    new DataView(body.buffer).setUint32(4, num(n.oif, vars), true);
    attrs.push(
      rtattr(IFA.LOCAL, ipBytes(family, addr ?? '')),
      rtattr(IFA.ADDRESS, ipBytes(family, addr ?? '')),
    );
  } else {
    body = new Uint8Array(12);
    body[0] = family;
    body[1] = plen;
    body[4] = n.table ?? 254;
    body[5] = 4; // RTPROT_STATIC
    body[6] = 253; // RT_SCOPE_LINK
    body[7] = 1; // RTN_UNICAST
    if (n.dst !== undefined) attrs.push(rtattr(RTA.DST, ipBytes(family, addr ?? '')));
    if (n.oif !== undefined) attrs.push(rtattr(RTA.OIF, u32le(num(n.oif, vars))));
    if (n.mtu !== undefined) attrs.push(rtattr(RTA.METRICS, rtattr(2, u32le(n.mtu))));
  }
  const payload = concat([body, ...attrs]);
  const hdr = new Uint8Array(16);
  const dv = new DataView(hdr.buffer);
  dv.setUint32(0, 16 + payload.length, true);
  dv.setUint16(4, type, true);
  dv.setUint16(6, flags, true);
  dv.setUint32(8, n.seq ?? 1, true);
  dv.setUint32(12, pid, true);
  return concat([hdr, payload]);
}

/** The bytes a struct argument starts as. */
function structBytes(a: StructArg, vars: Vars): Uint8Array {
  const enc = new TextEncoder();
  if ('str' in a) return concat([enc.encode(a.str), new Uint8Array(1)]);
  if ('buf' in a) return new Uint8Array(a.buf);
  if ('addr' in a) return new Uint8Array(a.addr);
  if ('text' in a) return enc.encode(a.text.replace(/\\r/g, '\r').replace(/\\n/g, '\n'));
  if ('hex' in a) return Uint8Array.from((a.hex.match(/../g) ?? []).map((h) => Number.parseInt(h, 16)));
  if ('int' in a) return u32le(num(a.int, vars));
  if ('ifreq' in a) {
    const b = new Uint8Array(IFREQ_SIZE);
    const dv = new DataView(b.buffer);
    setIfrName(b, a.ifreq.name ?? '');
    if (a.ifreq.flags !== undefined) dv.setUint16(16, num(a.ifreq.flags, vars), true);
    const i = a.ifreq.mtu ?? a.ifreq.qlen ?? a.ifreq.ifindex;
    if (i !== undefined) dv.setInt32(16, i, true);
    return b;
  }
  if ('sockaddr' in a) {
    const s = a.sockaddr;
    if (s.family === 'inet') return encodeSockaddr({ family: 2, addr: s.addr, port: s.port });
    if (s.family === 'inet6') return encodeSockaddr({ family: 10, addr: s.addr, port: s.port });
    if (s.family === 'unix') return encodeSockaddr({ family: 1, path: s.path });
    return encodeSockaddr({ family: 16, pid: s.pid ?? 0, groups: s.groups ?? 0 });
  }
  if ('nlmsg' in a) return encodeNlmsg(a.nlmsg, vars, 0);
  if ('argv' in a) return new Uint8Array(8 * (a.argv.length + 1));
  if ('clone_args' in a) {
    const b = new Uint8Array(88);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, BigInt(num(a.clone_args.flags, vars)), true);
    dv.setBigUint64(32, BigInt(num(a.clone_args.exit_signal ?? 0, vars)), true);
    return b;
  }
  throw new ScriptError(`unknown argument ${JSON.stringify(a)}`);
}

/** A materialised argument: its register value and how to show it after the call. */
export interface RealArg {
  readonly value: bigint;
  readonly struct?: { readonly spec: StructArg; readonly addr: number; readonly len: number };
  readonly text: string;
}

/** A bump allocator over a task's scratch area. */
export class Scratch {
  private off = 0;
  constructor(readonly base: number) {}

  /** Frees everything (each step starts again). */
  reset(): void {
    this.off = 0;
  }

  /** Copies `bytes` in; their address. */
  put(task: Task, bytes: Uint8Array): number {
    const addr = this.base + this.off;
    if (this.off + bytes.length > SCRATCH_SIZE)
      throw new ScriptError('arguments exceed the 64 KiB scratch area');
    task.mem.copyToUser(addr, bytes);
    this.off += (bytes.length + 15) & ~15;
    return addr;
  }
}

/** Makes one argument real; `lastLen` is the length of the step's previous struct (for `@len`). */
export function realArg(task: Task, scratch: Scratch, a: ArgSpec, vars: Vars, lastLen = 0): RealArg {
  if (typeof a === 'number') return { value: BigInt(Math.trunc(a)), text: String(a) };
  if (a === '@len') return { value: BigInt(lastLen), text: String(lastLen) };
  if (typeof a === 'string') {
    const v = evalExpr(a, vars);
    return { value: v, text: a.replace(/\$(\w+)/g, (m, name: string) => String(vars.get(name) ?? m)) };
  }
  const bytes = structBytes(a, vars);
  if ('argv' in a) {
    const dv = new DataView(bytes.buffer);
    a.argv.forEach((s, i) => {
      const p = scratch.put(task, concat([new TextEncoder().encode(s), new Uint8Array(1)]));
      dv.setBigUint64(8 * i, BigInt(p), true);
    });
  }
  const addr = scratch.put(task, bytes);
  return { value: BigInt(addr), struct: { spec: a, addr, len: bytes.length }, text: '' };
}

const quote = (s: string, max = 48): string => {
  const cut = s.length > max ? `${s.slice(0, max)}...` : s;
  let out = '';
  for (const ch of cut) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f || c === 0xfffd) out += `\\x${(c & 0xff).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
};

/** A netlink answer as strace shows it: `{NLMSG_ERROR, error=0}`, or undefined if not one. */
function nlAnswer(b: Uint8Array, ret: number): string | undefined {
  if (ret < 20) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) > ret || dv.getUint16(4, true) !== 2) return undefined;
  const err = dv.getInt32(16, true);
  return `{nlmsg_type=NLMSG_ERROR, seq=${dv.getUint32(8, true)}, error=${err === 0 ? 0 : `-${errnoName(-err) ?? -err}`}}`;
}

/** The integer the kernel left in an `int` argument or an `ifreq` union (for `capture`). */
export function capturedInt(task: Task, r: RealArg): bigint | undefined {
  const st = r.struct;
  if (st === undefined) return undefined;
  const off = 'ifreq' in st.spec ? 16 : 'int' in st.spec ? 0 : -1;
  if (off < 0) return undefined;
  const b = task.mem.copyFromUser(st.addr + off, 4);
  if (typeof b === 'number') return undefined;
  return BigInt(new DataView(b.buffer).getInt32(0, true));
}

/** The argument as shown after the call (structs read back from memory). */
export function showArg(task: Task, r: RealArg, ret: number, callName: string, tunRequest = false): string {
  if (r.struct === undefined) return r.text;
  const { spec, addr, len } = r.struct;
  const raw = task.mem.copyFromUser(addr, len);
  const b = typeof raw === 'number' ? new Uint8Array(len) : raw;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if ('str' in spec) return quote(spec.str);
  if ('text' in spec) return quote(new TextDecoder().decode(b));
  if ('hex' in spec) return `"${spec.hex.slice(0, 32)}${spec.hex.length > 32 ? '...' : ''}"`;
  if ('int' in spec) return `[${dv.getInt32(0, true)}]`;
  if ('buf' in spec) {
    if (ret <= 0 || !['read', 'recvfrom', 'pread64'].includes(callName)) return `0x${addr.toString(16)}`;
    return nlAnswer(b, ret) ?? quote(new TextDecoder().decode(b.subarray(0, ret)), 32);
  }
  if ('addr' in spec) {
    const fam = dv.getUint16(0, true);
    if (fam === 0) return `0x${addr.toString(16)}`;
    const a = readSockaddr(task, fam, addr, len);
    return typeof a === 'number' ? `0x${addr.toString(16)}` : `{${formatSockaddr(a)}}`;
  }
  if ('ifreq' in spec) {
    const name = ifrName(b);
    const q = spec.ifreq;
    const fields = [`ifr_name=${quote(name)}`];
    if (q.flags !== undefined || callName === 'ioctl') {
      const flags = dv.getUint16(16, true);
      const group: Readonly<Record<string, number>> = tunRequest ? IFF_TUN_FLAGS : IFF;
      if (q.mtu !== undefined) fields.push(`ifr_mtu=${dv.getInt32(16, true)}`);
      else if (q.qlen !== undefined) fields.push(`ifr_qlen=${dv.getInt32(16, true)}`);
      else if (q.ifindex !== undefined) fields.push(`ifr_ifindex=${dv.getInt32(16, true)}`);
      else fields.push(`ifr_flags=${flagNames(flags, group, 'IFF_')}`);
    }
    return `{${fields.join(', ')}}`;
  }
  if ('sockaddr' in spec) {
    const fam = dv.getUint16(0, true);
    const a = readSockaddr(task, fam, addr, len);
    return typeof a === 'number' ? `0x${addr.toString(16)}` : `{${formatSockaddr(a)}}`;
  }
  if ('nlmsg' in spec) {
    const t = num(spec.nlmsg.type, new Map());
    const f = num(spec.nlmsg.flags, new Map());
    const tn = Object.entries(RTM).find(([, v]) => v === t)?.[0];
    return `{nlmsg_type=${tn ? `RTM_${tn}` : t}, nlmsg_flags=${flagNames(f, NLM_F, 'NLM_F_')}${spec.nlmsg.dst ? `, dst=${spec.nlmsg.dst}` : ''}}`;
  }
  if ('argv' in spec) return `[${spec.argv.map((x) => quote(x)).join(', ')}]`;
  if ('clone_args' in spec) return `{flags=${String(spec.clone_args.flags)}}`;
  return `0x${addr.toString(16)}`;
}
