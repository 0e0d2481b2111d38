/**
 * A small fake SyscallHost for executor tests: a bump allocator over a byte array for user memory,
 * and bpf()/close()/fdinfo answered by the same deterministic rules as the fake in
 * oracle_attrs.py, recording every call with its attr bytes and the buffers its pointers lead to.
 */
import type { SyscallHost, SysctlResult } from '../../../src/kernel/syscall-host.js';

export interface RecordedCall {
  cmd?: number;
  size?: number;
  attr?: string;
  blobs?: Record<string, string>;
  close?: number;
}

const PTRS: Record<number, [number, string][]> = {
  1: [
    [8, 'key'],
    [16, 'out'],
  ],
  2: [
    [8, 'key'],
    [16, 'value'],
  ],
  3: [[8, 'key']],
  4: [
    [8, 'key'],
    [16, 'out'],
  ],
  21: [
    [8, 'key'],
    [16, 'out'],
  ],
  5: [
    [8, 'insns'],
    [16, 'cstr'],
    [32, 'out'],
    [120, 'fd4'],
  ],
  10: [
    [16, 'data_in'],
    [24, 'out'],
    [48, 'ctx_in'],
    [56, 'out'],
  ],
};

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export class FakeHost implements SyscallHost {
  readonly name = 'fake';
  constructor(readonly possibleCpus = 2) {}

  readonly calls: RecordedCall[] = [];
  readonly live = new Map<number, number>();
  private readonly mem = new Uint8Array(64 << 20);
  private top = 0x1000;
  private nextFd = 3;
  private readonly maps = new Map<number, [number, number]>();
  sysctlAnswer: SysctlResult = { ret: 0, value: '2' };
  rlimits = new Map<number, [number, number]>([[8, [8388608, 8388608]]]);
  lastSysctl: [string, string | undefined] | undefined;

  alloc(size: number): number {
    const a = this.top;
    this.top += (Math.max(size, 1) + 7) & ~7;
    if (this.top > this.mem.length) throw new RangeError('fake user memory exhausted');
    this.mem.fill(0, a, this.top);
    this.live.set(a, size);
    return a;
  }

  free(addr: number): void {
    if (!this.live.delete(addr)) throw new Error(`free of unknown address ${addr}`);
    if (this.live.size === 0) this.top = 0x1000;
  }

  write(addr: number, bytes: Uint8Array): void {
    this.mem.set(bytes, addr);
  }

  read(addr: number, len: number): Uint8Array {
    return this.mem.slice(addr, addr + len);
  }

  bpf(cmd: number, attrAddr: number, size: number): number {
    const attrLen = this.live.get(attrAddr) ?? size;
    const raw = this.read(attrAddr, attrLen);
    const dv = new DataView(raw.buffer);
    const blobs: Record<string, string> = {};
    for (const [off, kind] of PTRS[cmd] ?? []) {
      if (off + 8 > raw.length) continue;
      const p = Number(dv.getBigUint64(off, true));
      if (p === 0) continue;
      raw.fill(0xff, off, off + 8);
      const u32 = (o: number): number => (o + 4 <= raw.length ? dv.getUint32(o, true) : 0);
      const [ks, vs] = this.maps.get(u32(0)) ?? [0, 0];
      const n: Record<string, number> = {
        key: ks,
        value: vs,
        insns: u32(4) * 8,
        fd4: 4,
        data_in: u32(8),
        ctx_in: u32(40),
      };
      if (kind === 'cstr') {
        let e = p;
        while (this.mem[e] !== 0) e++;
        blobs[String(off)] = hex(this.mem.subarray(p, e));
      } else if (kind !== 'out') blobs[String(off)] = hex(this.read(p, n[kind] ?? 0));
    }
    this.calls.push({ cmd, size, attr: hex(raw), blobs });
    if (cmd === 0 || cmd === 5) {
      const fd = this.nextFd++;
      if (cmd === 0) this.maps.set(fd, [dv.getUint32(4, true), dv.getUint32(8, true)]);
      return fd;
    }
    if (cmd === 4) return -2;
    if (cmd === 10) new DataView(this.mem.buffer).setUint32(attrAddr + 4, 7, true);
    return 0;
  }

  close(fd: number): number {
    this.calls.push({ close: fd });
    return 0;
  }

  getrlimit(resource: number): { ret: number; soft: number; hard: number } {
    const l = this.rlimits.get(resource);
    return l === undefined ? { ret: -22, soft: 0, hard: 0 } : { ret: 0, soft: l[0], hard: l[1] };
  }

  setrlimit(resource: number, soft: number, hard: number): number {
    const l = this.rlimits.get(resource);
    if (l !== undefined && hard > l[1] && l[1] !== -1) return -1;
    if (soft > hard && hard !== -1) return -22;
    this.rlimits.set(resource, [soft, hard]);
    return 0;
  }

  sysctl(path: string, write?: string): SysctlResult {
    this.lastSysctl = [path, write];
    return this.sysctlAnswer;
  }

  fdinfo(fd: number): Record<string, string> | number {
    return {
      pos: '0',
      memlock: String(4096 + fd),
      prog_tag: 'c20ce4deddbd0d08',
      verified_insns: '2',
      map_type: '2',
      key_size: '4',
      value_size: '8',
    };
  }
}
