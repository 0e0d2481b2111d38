import { describe, expect, it } from 'vitest';
import { type CorpusCase, compareCorpus, isRunnable } from '../../../src/verifier/env/corpus.js';

function kase(
  name: string,
  verdict: 'accept' | 'reject' | 'skipped',
  errno: string | null,
  err: string | null,
): CorpusCase {
  return {
    name,
    source: 'linux-6.12:tools/testing/selftests/bpf/verifier/x.c',
    insns_hex: '',
    prog_type: 'socket_filter',
    maps: [],
    kernel_6_18: { verdict, errno, err_first: err },
  };
}

describe('compareCorpus', () => {
  it('counts verdict+errno agreement and the first error line in our log', () => {
    const cases = [
      kase('a', 'accept', null, null),
      kase('b', 'reject', 'EACCES', 'R2 !read_ok'),
      kase('c', 'reject', 'EINVAL', 'bad'),
    ];
    const r = compareCorpus(cases, [
      { verdict: 'accept', errno: null, log: '' },
      { verdict: 'reject', errno: 'EACCES', log: '0: (bf) r0 = r2\nR2 !read_ok\n' },
      { verdict: 'reject', errno: 'EACCES', log: 'other' },
    ]);
    expect(r.runnable).toBe(3);
    expect(r.verdictErrnoAgree).toBe(2);
    expect(r.errLineCases).toBe(2);
    expect(r.errLineAgree).toBe(1);
    expect(r.failing).toEqual(['c: kernel reject EINVAL, ours reject EACCES']);
    expect(r.perCategory.get('x.c')).toEqual({ runnable: 3, agree: 2 });
  });
  it('leaves out cases the kernel skipped; cases with maps run (the loader creates them)', () => {
    expect(isRunnable(kase('s', 'skipped', null, null))).toBe(false);
    expect(isRunnable({ ...kase('m', 'accept', null, null), maps: [{}] })).toBe(true);
    expect(isRunnable(kase('ok', 'accept', null, null))).toBe(true);
  });
});
