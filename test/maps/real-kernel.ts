/**
 * @fileoverview Test helper: the host's real bpf(2) through koffi, for differential tests of the map
 * types. Attr layouts as include/uapi/linux/bpf.h (MAP_CREATE 96 bytes, element commands 32 bytes,
 * as /work/shared/tools/kernel-oracle/bpf_oracle.py uses them). `kernel.available` is false (with a
 * reason) when not root on Linux or koffi is missing, and the tests skip visibly.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const SYS_BPF = 321;
const SYS_SCHED_SETAFFINITY = 203;
const CMD = {
  MAP_CREATE: 0,
  LOOKUP: 1,
  UPDATE: 2,
  DELETE: 3,
  GET_NEXT_KEY: 4,
  LOOKUP_AND_DELETE: 21,
} as const;

interface Koffi {
  load(name: string): { func(decl: string): (...args: unknown[]) => number | bigint };
  alloc(type: string, n: number): bigint;
  view(ptr: bigint, len: number): ArrayBuffer;
  errno(): number;
}

/** The map_create fields the tests use. */
export interface RealMapAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags?: number;
  mapExtra?: bigint;
  innerMapFd?: number;
}

class RealKernel {
  available = false;
  reason = '';
  possibleCpus = 0;
  private syscall: ((...args: unknown[]) => number | bigint) | undefined;
  private koffi: Koffi | undefined;
  private scratch = 0n;
  private view: Uint8Array = new Uint8Array(0);
  private static readonly SCRATCH = 1 << 20;

  constructor() {
    try {
      if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('needs Linux x86_64');
      if (process.getuid?.() !== 0) throw new Error('needs root');
      const require = createRequire(import.meta.url);
      const koffi = require('koffi') as Koffi;
      const libc = koffi.load('libc.so.6');
      this.syscall = libc.func('long syscall(long nr, ...)');
      this.koffi = koffi;
      this.scratch = koffi.alloc('uint8_t', RealKernel.SCRATCH);
      this.view = new Uint8Array(koffi.view(this.scratch, RealKernel.SCRATCH));
      this.possibleCpus = parsePossible(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
      // LRU maps hand out elements per CPU: run every bpf() of this thread on CPU 0.
      this.view.fill(0, 0, 128);
      this.view[0] = 1;
      this.sys(SYS_SCHED_SETAFFINITY, 0, 128, this.scratch);
      const probe = this.createMap({ mapType: 2, keySize: 4, valueSize: 4, maxEntries: 1 });
      if (probe.fd < 0) throw new Error(`bpf(BPF_MAP_CREATE) failed with ${probe.fd}`);
      this.close(probe.fd);
      this.available = true;
    } catch (e) {
      this.reason = (e as Error).message;
    }
  }

  private sys(nr: number, a: number, b: number, c: bigint): number {
    const r = Number(this.syscall!(nr, 'long', a, 'long', b, 'uint64_t', c));
    return r < 0 ? -this.koffi!.errno() : r;
  }

  private bpf(cmd: number, size: number): number {
    const r = Number(this.syscall!(SYS_BPF, 'int', cmd, 'uint64_t', this.scratch, 'uint', size));
    return r < 0 ? -this.koffi!.errno() : r;
  }

  /** BPF_MAP_CREATE: the fd (or -errno) and fdinfo memlock. */
  createMap(a: RealMapAttr): { fd: number; memlock?: number } {
    const dv = new DataView(this.view.buffer, 0, 128);
    this.view.fill(0, 0, 128);
    dv.setUint32(0, a.mapType, true);
    dv.setUint32(4, a.keySize, true);
    dv.setUint32(8, a.valueSize, true);
    dv.setUint32(12, a.maxEntries, true);
    dv.setUint32(16, a.mapFlags ?? 0, true);
    dv.setUint32(20, a.innerMapFd ?? 0, true);
    dv.setBigUint64(64, a.mapExtra ?? 0n, true);
    const fd = this.bpf(CMD.MAP_CREATE, 96);
    if (fd < 0) return { fd };
    return { fd, memlock: this.memlock(fd) };
  }

  memlock(fd: number): number | undefined {
    const m = /memlock:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  }

  private elem(
    cmd: number,
    fd: number,
    key: Uint8Array | undefined,
    value: Uint8Array | undefined,
    outLen: number,
    flags: number,
  ): { ret: number; out: Uint8Array } {
    const KEY = 256;
    const VAL = 4096;
    if (key) this.view.set(key, KEY);
    if (value) this.view.set(value, VAL);
    else this.view.fill(0, VAL, VAL + outLen);
    const dv = new DataView(this.view.buffer, 0, 32);
    this.view.fill(0, 0, 32);
    dv.setUint32(0, fd, true);
    dv.setBigUint64(8, key ? this.scratch + BigInt(KEY) : 0n, true);
    if (cmd !== CMD.DELETE) dv.setBigUint64(16, this.scratch + BigInt(VAL), true);
    dv.setBigUint64(24, BigInt(flags), true);
    const ret = this.bpf(cmd, 32);
    return { ret, out: this.view.slice(VAL, VAL + outLen) };
  }

  /** BPF_MAP_LOOKUP_ELEM with the value buffer pre-filled (bloom filter membership test). */
  lookupWithValue(fd: number, value: Uint8Array): number {
    return this.elem(CMD.LOOKUP, fd, undefined, value, value.length, 0).ret;
  }

  update(fd: number, key: Uint8Array | undefined, value: Uint8Array, flags: number): number {
    return this.elem(CMD.UPDATE, fd, key, value, value.length, flags).ret;
  }
  lookup(fd: number, key: Uint8Array | undefined, valueLen: number): Uint8Array | number {
    const r = this.elem(CMD.LOOKUP, fd, key, undefined, valueLen, 0);
    return r.ret < 0 ? r.ret : r.out;
  }
  delete(fd: number, key: Uint8Array | undefined): number {
    return this.elem(CMD.DELETE, fd, key, undefined, 0, 0).ret;
  }
  getNextKey(fd: number, key: Uint8Array | undefined, keyLen: number): Uint8Array | number {
    const r = this.elem(CMD.GET_NEXT_KEY, fd, key, undefined, keyLen, 0);
    return r.ret < 0 ? r.ret : r.out;
  }
  lookupAndDelete(fd: number, key: Uint8Array | undefined, valueLen: number): Uint8Array | number {
    const r = this.elem(CMD.LOOKUP_AND_DELETE, fd, key, undefined, valueLen, 0);
    return r.ret < 0 ? r.ret : r.out;
  }
  /**
   * BPF_MAP_LOOKUP_BATCH (24) / LOOKUP_AND_DELETE_BATCH (25) with a u32 bucket cursor: the return
   * value, the count written back, the out_batch cursor, and the keys/values copied out.
   */
  batch(
    fd: number,
    del: boolean,
    inBatch: number | undefined,
    maxCount: number,
    keyLen: number,
    valueLen: number,
  ): { ret: number; count: number; outBatch: number; keys: Uint8Array; values: Uint8Array } {
    const IN = 256;
    const OUT = 264;
    const KEYS = 4096;
    const VALS = 4096 + 64 * 1024;
    const dv = new DataView(this.view.buffer);
    this.view.fill(0, 0, 64);
    dv.setUint32(IN, inBatch ?? 0, true);
    dv.setUint32(OUT, 0xeeeeeeee, true);
    dv.setBigUint64(0, inBatch === undefined ? 0n : this.scratch + BigInt(IN), true);
    dv.setBigUint64(8, this.scratch + BigInt(OUT), true);
    dv.setBigUint64(16, this.scratch + BigInt(KEYS), true);
    dv.setBigUint64(24, this.scratch + BigInt(VALS), true);
    dv.setUint32(32, maxCount, true);
    dv.setUint32(36, fd, true);
    const ret = this.bpf(del ? 25 : 24, 56);
    const count = dv.getUint32(32, true);
    return {
      ret,
      count,
      outBatch: dv.getUint32(OUT, true),
      keys: this.view.slice(KEYS, KEYS + count * keyLen),
      values: this.view.slice(VALS, VALS + count * valueLen),
    };
  }

  /** BPF_PROG_LOAD of raw instructions (GPL): the fd, or -errno with the verifier log. */
  loadProg(raw: Uint8Array, progType = 1): { fd: number; log: string } {
    const INSNS = 8192;
    const LIC = 4096;
    const LOG = 256 * 1024;
    const LOG_SIZE = 64 * 1024;
    this.view.set(raw, INSNS);
    this.view.set(new TextEncoder().encode('GPL\0'), LIC);
    this.view.fill(0, LOG, LOG + 16);
    const dv = new DataView(this.view.buffer);
    this.view.fill(0, 0, 152);
    dv.setUint32(0, progType, true);
    dv.setUint32(4, raw.length / 8, true);
    dv.setBigUint64(8, this.scratch + BigInt(INSNS), true);
    dv.setBigUint64(16, this.scratch + BigInt(LIC), true);
    dv.setUint32(24, 1, true);
    dv.setUint32(28, LOG_SIZE, true);
    dv.setBigUint64(32, this.scratch + BigInt(LOG), true);
    const fd = this.bpf(5, 152);
    const logBytes = this.view.subarray(LOG, LOG + LOG_SIZE);
    const end = logBytes.indexOf(0);
    return { fd, log: new TextDecoder().decode(logBytes.subarray(0, end < 0 ? LOG_SIZE : end)) };
  }

  /** BPF_PROG_TEST_RUN once on `data`: the syscall result and the program's 32-bit return value. */
  testRun(progFd: number, data: Uint8Array): { ret: number; retval: number } {
    const DATA = 4096;
    this.view.set(data, DATA);
    const dv = new DataView(this.view.buffer);
    this.view.fill(0, 0, 80);
    dv.setUint32(0, progFd, true);
    dv.setUint32(8, data.length, true);
    dv.setBigUint64(16, this.scratch + BigInt(DATA), true);
    dv.setUint32(32, 1, true);
    const ret = this.bpf(10, 80);
    return { ret, retval: dv.getUint32(4, true) };
  }

  /** All keys by the GET_NEXT_KEY chain from NULL. */
  keys(fd: number, keyLen: number): string[] {
    const out: string[] = [];
    let k = this.getNextKey(fd, undefined, keyLen);
    while (typeof k !== 'number' && out.length < 100000) {
      out.push(hex(k));
      k = this.getNextKey(fd, k, keyLen);
    }
    return out;
  }
  close(fd: number): void {
    this.syscall!(3, 'int', fd);
  }
}

function parsePossible(s: string): number {
  let n = 0;
  for (const part of s.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a! + 1;
  }
  return n;
}

/** Hex of bytes, for readable comparisons. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** The host kernel (one per test file). */
export const kernel = new RealKernel();
