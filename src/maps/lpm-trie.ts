/**
 * @fileoverview BPF_MAP_TYPE_LPM_TRIE: longest-prefix-match lookups on `{ u32 prefixlen; u8 data[] }`
 * keys (data big-endian, e.g. IPv4/IPv6 addresses).
 *
 * Models kernel/bpf/lpm_trie.c (Linux 6.14+): `trie_alloc`'s checks (BPF_F_NO_PREALLOC required),
 * the binary trie of real and intermediate nodes (`trie_update_elem` replaces a node by a new one,
 * inserts intermediate nodes; `trie_check_add_elem`: -ENOENT for BPF_EXIST on a new key, -ENOSPC
 * when full), `trie_delete_elem`'s pruning, `trie_get_next_key`'s post-order walk and
 * `trie_mem_usage` (entries * (sizeof(lpm_trie_node) + data_size + value_size)).
 */
import { ERRNO } from '../uapi/errno.js';
import { ValueArena } from './arena.js';
import type { BpfMap, MapAttr, MapEnv, MapTypeOps } from './ops.js';
import { guardAlloc, readU32, writeU32 } from './ops.js';
import { BPF_F, BPF_F_ACCESS_MASK, BPF_UPDATE, bpfMapFlagsAccessOk, KMALLOC_MAX_SIZE } from './uapi.js';

const LPM_TREE_NODE_FLAG_IM = 1;
/** sizeof(struct lpm_trie_node): two child pointers, prefixlen, flags. */
export const SIZEOF_LPM_TRIE_NODE = 24;
const LPM_DATA_SIZE_MAX = 256;
const LPM_DATA_SIZE_MIN = 1;
const LPM_VAL_SIZE_MAX = KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - SIZEOF_LPM_TRIE_NODE;
const LPM_KEY_SIZE_MAX = 4 + LPM_DATA_SIZE_MAX;
const LPM_KEY_SIZE_MIN = 4 + LPM_DATA_SIZE_MIN;
/** Models lpm_trie.c `LPM_CREATE_FLAG_MASK`. */
export const LPM_CREATE_FLAG_MASK = BPF_F.NO_PREALLOC | BPF_F.NUMA_NODE | BPF_F_ACCESS_MASK;

const NIL = -1;
/** The root pointer lives in a pseudo slot so `*slot` updates are uniform. */
const ROOT = -2;

function clz8(x: number): number {
  return Math.clz32(x) - 24;
}

/** An allocated LPM trie. Models `struct lpm_trie`. */
export class LpmTrie implements BpfMap {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra = 0n;
  readonly sysValueSize: number;
  readonly arena: ValueArena;
  readonly dataSize: number;
  readonly maxPrefixlen: number;
  private root = NIL;
  private nEntries = 0;
  private child0: Int32Array;
  private child1: Int32Array;
  private prefixlen: Uint32Array;
  private flags: Uint8Array;
  private data: Uint8Array;
  private cap: number;
  private readonly limit: number;
  private freeList: number[] = [];
  private highWater = 0;

  constructor(attr: MapAttr) {
    this.mapType = attr.mapType;
    this.keySize = attr.keySize;
    this.valueSize = attr.valueSize;
    this.maxEntries = attr.maxEntries;
    this.mapFlags = attr.mapFlags;
    this.sysValueSize = attr.valueSize;
    this.dataSize = attr.keySize - 4;
    this.maxPrefixlen = this.dataSize * 8;
    // entries, intermediate nodes (fewer than entries) and one node being replaced
    this.limit = 2 * attr.maxEntries + 2;
    this.cap = Math.min(this.limit, 64);
    this.child0 = new Int32Array(this.cap);
    this.child1 = new Int32Array(this.cap);
    this.prefixlen = new Uint32Array(this.cap);
    this.flags = new Uint8Array(this.cap);
    this.data = new Uint8Array(this.cap * this.dataSize);
    this.arena = new ValueArena(attr.valueSize, this.limit);
  }

  /** Models `trie_mem_usage`. */
  memUsage(): number {
    return (SIZEOF_LPM_TRIE_NODE + this.dataSize + this.valueSize) * this.nEntries;
  }

  count(): number {
    return this.nEntries;
  }

  storageBytes(): number {
    const arrays = [this.child0, this.child1, this.prefixlen, this.flags, this.data];
    return arrays.reduce((n, a) => n + a.byteLength, 0) + 4 * this.freeList.length + this.arena.byteLength();
  }

  free(): void {
    this.root = NIL;
    this.nEntries = 0;
  }

  private grow(): void {
    const cap = Math.min(this.cap * 2, this.limit);
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.child0 = g32(this.child0);
    this.child1 = g32(this.child1);
    const p = new Uint32Array(cap);
    p.set(this.prefixlen);
    this.prefixlen = p;
    const f = new Uint8Array(cap);
    f.set(this.flags);
    this.flags = f;
    const d = new Uint8Array(cap * this.dataSize);
    d.set(this.data);
    this.data = d;
    this.cap = cap;
  }

  /** Models `lpm_trie_node_alloc`. */
  private nodeAlloc(): number {
    const n = this.freeList.pop();
    if (n !== undefined) return n;
    if (this.highWater >= this.cap) this.grow();
    return this.highWater++;
  }

  private getSlot(slot: number): number {
    if (slot === ROOT) return this.root;
    return slot >= 0 ? this.child0[slot]! : this.child1[-slot - 3]!;
  }

  private setSlot(slot: number, v: number): void {
    if (slot === ROOT) this.root = v;
    else if (slot >= 0) this.child0[slot] = v;
    else this.child1[-slot - 3] = v;
  }

  /** The slot (pointer location) of `node->child[bit]`. */
  private childSlot(node: number, bit: number): number {
    return bit ? -node - 3 : node;
  }

  private child(node: number, bit: number): number {
    return bit ? this.child1[node]! : this.child0[node]!;
  }

  /** Models `extract_bit` on a key's data (at `off`). */
  private static bit(buf: Uint8Array, off: number, index: number): number {
    return (buf[off + (index >>> 3)]! >> (7 - (index & 7))) & 1;
  }

  /** Models `longest_prefix_match`: min(common prefix bits, node prefixlen, key prefixlen). */
  private lpm(node: number, key: Uint8Array, keyOff: number, keyPrefixlen: number): number {
    const limit = Math.min(this.prefixlen[node]!, keyPrefixlen);
    const ds = this.dataSize;
    const base = node * ds;
    let n = 0;
    for (let i = 0; i < ds && n < limit; i++) {
      const diff = this.data[base + i]! ^ key[keyOff + 4 + i]!;
      if (diff) {
        n += clz8(diff);
        break;
      }
      n += 8;
    }
    return Math.min(n, limit);
  }

  /** Models `trie_lookup_elem`: the node of the longest matching prefix, or NIL. */
  private lookupNode(key: Uint8Array, off: number): number {
    const kp = readU32(key, off);
    if (kp > this.maxPrefixlen) return NIL;
    let found = NIL;
    for (let node = this.root; node !== NIL; ) {
      const m = this.lpm(node, key, off, kp);
      if (m === this.maxPrefixlen) return node;
      if (m < this.prefixlen[node]!) break;
      if (!(this.flags[node]! & LPM_TREE_NODE_FLAG_IM)) found = node;
      node = this.child(node, LpmTrie.bit(key, off + 4, this.prefixlen[node]!));
    }
    return found;
  }

  lookup(key: Uint8Array, out?: Uint8Array): Uint8Array | number {
    const n = this.lookupNode(key, 0);
    if (n === NIL) return -ERRNO.ENOENT;
    const dst = out ?? new Uint8Array(this.valueSize);
    const o = this.arena.offsetOf(n);
    dst.set(this.arena.chunkOf(n).subarray(o, o + this.valueSize));
    return dst;
  }

  progLookup(keyBuf: Uint8Array, keyOff: number, _cpu: number): number {
    const n = this.lookupNode(keyBuf, keyOff);
    return n === NIL ? -1 : this.arena.loc(n, 0);
  }

  /** Models `trie_check_add_elem`. */
  private checkAdd(flags: number): number {
    if (flags === BPF_UPDATE.EXIST) return -ERRNO.ENOENT;
    if (this.nEntries === this.maxEntries) return -ERRNO.ENOSPC;
    this.nEntries++;
    return 0;
  }

  update(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.progUpdate(key, 0, value, 0, flags, 0);
  }

  /** Models `trie_update_elem`. */
  progUpdate(
    key: Uint8Array,
    off: number,
    val: Uint8Array,
    valOff: number,
    flags: number,
    _cpu: number,
  ): number {
    if (flags > BPF_UPDATE.EXIST) return -ERRNO.EINVAL;
    const kp = readU32(key, off);
    if (kp > this.maxPrefixlen) return -ERRNO.EINVAL;
    const nn = this.nodeAlloc();
    this.flags[nn] = 0;
    this.arena.chunkOf(nn).set(val.subarray(valOff, valOff + this.valueSize), this.arena.offsetOf(nn));
    this.prefixlen[nn] = kp;
    this.child0[nn] = NIL;
    this.child1[nn] = NIL;
    this.data.set(key.subarray(off + 4, off + 4 + this.dataSize), nn * this.dataSize);

    let slot = ROOT;
    let node: number;
    let matchlen = 0;
    while ((node = this.getSlot(slot)) !== NIL) {
      matchlen = this.lpm(node, key, off, kp);
      if (this.prefixlen[node] !== matchlen || this.prefixlen[node] === kp) break;
      slot = this.childSlot(node, LpmTrie.bit(key, off + 4, this.prefixlen[node]!));
    }
    let ret = 0;
    if (node === NIL) {
      ret = this.checkAdd(flags);
      if (!ret) this.setSlot(slot, nn);
    } else if (this.prefixlen[node] === matchlen) {
      if (!(this.flags[node]! & LPM_TREE_NODE_FLAG_IM)) {
        if (flags === BPF_UPDATE.NOEXIST) ret = -ERRNO.EEXIST;
      } else {
        ret = this.checkAdd(flags);
      }
      if (!ret) {
        this.child0[nn] = this.child0[node]!;
        this.child1[nn] = this.child1[node]!;
        this.setSlot(slot, nn);
        this.freeList.push(node);
      }
    } else {
      ret = this.checkAdd(flags);
      if (!ret) {
        if (matchlen === kp) {
          const nb = LpmTrie.bit(this.data, node * this.dataSize, matchlen);
          this.setSlot(this.childSlot(nn, nb), node);
          this.setSlot(slot, nn);
        } else {
          const im = this.nodeAlloc();
          this.flags[im] = LPM_TREE_NODE_FLAG_IM;
          this.prefixlen[im] = matchlen;
          this.data.copyWithin(im * this.dataSize, node * this.dataSize, (node + 1) * this.dataSize);
          if (LpmTrie.bit(key, off + 4, matchlen)) {
            this.child0[im] = node;
            this.child1[im] = nn;
          } else {
            this.child0[im] = nn;
            this.child1[im] = node;
          }
          this.setSlot(slot, im);
        }
      }
    }
    if (ret) this.freeList.push(nn);
    return ret;
  }

  delete(key: Uint8Array): number {
    return this.progDelete(key, 0);
  }

  /** Models `trie_delete_elem`. */
  progDelete(key: Uint8Array, off: number): number {
    const kp = readU32(key, off);
    if (kp > this.maxPrefixlen) return -ERRNO.EINVAL;
    let trim = ROOT;
    let trim2 = trim;
    let parent = NIL;
    let node: number;
    let matchlen = 0;
    while ((node = this.getSlot(trim)) !== NIL) {
      matchlen = this.lpm(node, key, off, kp);
      if (this.prefixlen[node] !== matchlen || this.prefixlen[node] === kp) break;
      parent = node;
      trim2 = trim;
      trim = this.childSlot(node, LpmTrie.bit(key, off + 4, this.prefixlen[node]!));
    }
    if (
      node === NIL ||
      this.prefixlen[node] !== kp ||
      this.prefixlen[node] !== matchlen ||
      this.flags[node]! & LPM_TREE_NODE_FLAG_IM
    )
      return -ERRNO.ENOENT;
    this.nEntries--;
    const c0 = this.child0[node]!;
    const c1 = this.child1[node]!;
    if (c0 !== NIL && c1 !== NIL) {
      this.flags[node]! |= LPM_TREE_NODE_FLAG_IM;
      return 0;
    }
    if (parent !== NIL && this.flags[parent]! & LPM_TREE_NODE_FLAG_IM && c0 === NIL && c1 === NIL) {
      this.setSlot(trim2, node === this.child0[parent] ? this.child1[parent]! : this.child0[parent]!);
      this.freeList.push(parent, node);
      return 0;
    }
    this.setSlot(trim, c0 !== NIL ? c0 : c1);
    this.freeList.push(node);
    return 0;
  }

  /** Models `trie_get_next_key` (post-order: more specific prefixes first). */
  getNextKey(key: Uint8Array | undefined): Uint8Array | number {
    if (this.root === NIL) return -ERRNO.ENOENT;
    let searchRoot = this.root;
    const kp = key ? readU32(key, 0) : 0;
    if (key && kp <= this.maxPrefixlen) {
      const after = this.postorderAfter(key, kp);
      if (after.next !== undefined) return after.next < 0 ? -ERRNO.ENOENT : this.keyOf(after.next);
      searchRoot = after.searchRoot;
    }
    // find_leftmost: the leftmost non-intermediate node (intermediate nodes have two children)
    let next = NIL;
    for (let node = searchRoot; node !== NIL; ) {
      if (this.flags[node]! & LPM_TREE_NODE_FLAG_IM) {
        node = this.child0[node]!;
      } else {
        next = node;
        node = this.child0[node]!;
        if (node === NIL) node = this.child1[next]!;
      }
    }
    return this.keyOf(next);
  }

  /**
   * The part of `trie_get_next_key` after an exact match of `key`: either the next node in post-order
   * (`next`, -1 for none) or the subtree whose leftmost node comes next (`searchRoot`, the whole trie
   * when `key` is not in it).
   */
  private postorderAfter(key: Uint8Array, kp: number): { next?: number; searchRoot: number } {
    const stack: number[] = [];
    let node = this.root;
    let matchlen = 0;
    while (node !== NIL) {
      stack.push(node);
      matchlen = this.lpm(node, key, 0, kp);
      if (this.prefixlen[node] !== matchlen || this.prefixlen[node] === kp) break;
      node = this.child(node, LpmTrie.bit(key, 4, this.prefixlen[node]!));
    }
    if (node === NIL || this.prefixlen[node] !== matchlen || this.flags[node]! & LPM_TREE_NODE_FLAG_IM)
      return { searchRoot: this.root };
    let sp = stack.length - 1;
    node = stack[sp]!;
    while (sp > 0) {
      const parent = stack[sp - 1]!;
      if (this.child0[parent] === node) {
        const right = this.child1[parent]!;
        if (right !== NIL) return { searchRoot: right };
      }
      if (!(this.flags[parent]! & LPM_TREE_NODE_FLAG_IM)) return { next: parent, searchRoot: NIL };
      node = parent;
      sp--;
    }
    return { next: -1, searchRoot: NIL };
  }

  private keyOf(node: number): Uint8Array {
    const k = new Uint8Array(this.keySize);
    writeU32(k, 0, this.prefixlen[node]!);
    k.set(this.data.subarray(node * this.dataSize, (node + 1) * this.dataSize), 4);
    return k;
  }
}

/** Models `trie_alloc`'s attribute checks (the kernel has no separate alloc_check for LPM tries). */
function trieAllocCheck(attr: MapAttr, _env: MapEnv): number {
  if (
    attr.maxEntries === 0 ||
    !(attr.mapFlags & BPF_F.NO_PREALLOC) ||
    attr.mapFlags & ~LPM_CREATE_FLAG_MASK ||
    !bpfMapFlagsAccessOk(attr.mapFlags) ||
    attr.keySize < LPM_KEY_SIZE_MIN ||
    attr.keySize > LPM_KEY_SIZE_MAX ||
    attr.valueSize < 1 ||
    attr.valueSize > LPM_VAL_SIZE_MAX
  )
    return -ERRNO.EINVAL;
  return 0;
}

/** Models lpm_trie.c `trie_map_ops`. */
export const trieOps: MapTypeOps = {
  name: 'lpm_trie',
  allocCheck: trieAllocCheck,
  alloc: (attr) => guardAlloc(() => new LpmTrie(attr)),
  memUsageEstimate: () => 0,
};
