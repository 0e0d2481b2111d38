/**
 * Tests of src/uapi/bpf-helpers.ts (kept beside the disassembler that prints these names).
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BPF_FUNC,
  BPF_FUNC_MAX_ID,
  BPF_FUNC_NAMES,
  funcIdName,
  helperId,
  helperName,
} from '../../src/uapi/bpf-helpers.js';

const HEADER = '/usr/include/linux/bpf.h';

describe('helper ids (include/uapi/linux/bpf.h ___BPF_FUNC_MAPPER)', () => {
  it('has the 212 helpers of Linux 6.18, ending with the cgroup storage pair', () => {
    expect(BPF_FUNC_NAMES.length).toBe(BPF_FUNC_MAX_ID);
    expect(BPF_FUNC.map_lookup_elem).toBe(1);
    expect(BPF_FUNC.tail_call).toBe(12);
    expect(BPF_FUNC.cgrp_storage_get).toBe(210);
    expect(BPF_FUNC.cgrp_storage_delete).toBe(211);
  });
  it('names as func_id_name prints them', () => {
    expect(funcIdName(1)).toBe('bpf_map_lookup_elem');
    expect(funcIdName(212)).toBe('unknown');
    expect(funcIdName(-1)).toBe('unknown');
    expect(helperName(130)).toBe('ringbuf_output');
    expect(helperId('bpf_ringbuf_output')).toBe(130);
    expect(helperId('ringbuf_output')).toBe(130);
    expect(helperId('nope')).toBeUndefined();
  });
  it.skipIf(!existsSync(HEADER))(`agrees with the installed ${HEADER} (skipped: no linux-libc-dev)`, () => {
    const text = readFileSync(HEADER, 'utf8');
    const start = text.search(/#define __?_?BPF_FUNC_MAPPER\(FN/);
    const body = text.slice(start, text.indexOf('/* */', start));
    const names = [...body.matchAll(/FN\((\w+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(200);
    expect(BPF_FUNC_NAMES.slice(0, names.length)).toEqual(names);
  });
});
