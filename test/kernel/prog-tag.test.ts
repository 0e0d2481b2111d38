import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { progDigest, tagHex } from '../../src/kernel/prog-tag.js';
import { sha256 } from '../../src/kernel/sha256.js';
import { hex } from './helpers.js';

const DIR = resolve(import.meta.dirname, '../../../shared/data/kernel-scenarios');
const have = existsSync(DIR);
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('sha256 (FIPS 180-4 test vectors)', () => {
  it('hashes the standard vectors', () => {
    const enc = new TextEncoder();
    expect(toHex(sha256(enc.encode('')))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(toHex(sha256(enc.encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(toHex(sha256(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });
  it('matches node:crypto on random inputs (property)', async () => {
    const { createHash } = await import('node:crypto');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        (b) => toHex(sha256(b)) === createHash('sha256').update(b).digest('hex'),
      ),
      { numRuns: 200 },
    );
  });
});

describe('bpf_prog_calc_tag', () => {
  it('ignores the map fd of BPF_LD_IMM64 pseudo map references', () => {
    const a = hex('18110000030000000000000000000000b7000000000000009500000000000000');
    const b = hex('18110000090000000000000000000000b7000000000000009500000000000000');
    expect(tagHex(progDigest(a).tag)).toBe(tagHex(progDigest(b).tag));
    const plain = hex('18010000030000000000000000000000b7000000000000009500000000000000');
    const plain2 = hex('18010000090000000000000000000000b7000000000000009500000000000000');
    expect(tagHex(progDigest(plain).tag)).not.toBe(tagHex(progDigest(plain2).tag));
  });
});

describe.skipIf(!have)(
  `prog_tag equals the 6.18 kernel's${have ? '' : ' (skipped: ../shared not found)'}`,
  () => {
    it('for every accepted load in the shared scenarios', () => {
      let n = 0;
      for (const name of ['basic', 'extra', 'ctx', 'memlock']) {
        const ins = readFileSync(`${DIR}/${name}.jsonl`, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        const outs = readFileSync(`${DIR}/${name}.out.jsonl`, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        ins.forEach((op, i) => {
          const out = outs[i];
          if (op.op !== 'prog_load' || !out?.prog_tag) return;
          const raw = hex(op.insns);
          // map_fixups put an fd in imm and set src_reg = BPF_PSEUDO_MAP_FD; the fd value must not matter.
          for (const [idx] of op.map_fixups ?? []) {
            raw[idx * 8 + 1] = (raw[idx * 8 + 1] as number) | 0x10;
            raw[idx * 8 + 4] = 42;
          }
          expect(tagHex(progDigest(raw).tag), `${name} seq ${out.seq}`).toBe(out.prog_tag);
          n++;
        });
      }
      expect(n).toBeGreaterThanOrEqual(8);
    });
  },
);
