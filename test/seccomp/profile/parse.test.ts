/**
 * Profile parsing and validation: every OCI field, 64-bit values kept exact, config.json input,
 * and one-line errors naming the profile and the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../../src/seccomp/profile/json.js';
import { parseProfile } from '../../../src/seccomp/profile/parse.js';
import { SeccompProfileError } from '../../../src/seccomp/profile/types.js';

const ok = (o: unknown) => parseProfile(JSON.stringify(o), 'p.json');
const errOf = (text: string): string => {
  try {
    parseProfile(text, 'profile.json');
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompProfileError);
    return (e as Error).message;
  }
  throw new Error('no error');
};
const bad = (o: unknown) => errOf(JSON.stringify(o));

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact and agrees with JSON.parse elsewhere', () => {
    expect(parseJson('{"v": 18446744073709551615}')).toEqual({ v: 18446744073709551615n });
    expect(parseJson('[9007199254740993, 1.5, -2, "a\\u0041\\n"]')).toEqual([
      9007199254740993n,
      1.5,
      -2,
      'aA\n',
    ]);
    // "__proto__" is an own key, as JSON.parse makes it, never the object's prototype.
    const proto = parseJson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect((proto as { polluted?: unknown }).polluted).toBeUndefined();
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const ours = parseJson(text);
        // Safe values round-trip exactly as JSON.parse reads them.
        const safe = JSON.stringify(ours, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
        expect(JSON.parse(safe)).toEqual(JSON.parse(text));
      }),
      { numRuns: 200 },
    );
  });

  it('names the position of a syntax error', () => {
    expect(errOf('{\n  "defaultAction": "SCMP_ACT_ALLOW",\n}')).toMatch(
      /^profile\.json: malformed JSON at line 3 column 1/,
    );
    expect(errOf('')).toMatch(/malformed JSON at line 1 column 1: unexpected end of input/);
  });
});

describe('parseProfile', () => {
  it('reads every OCI field', () => {
    const p = ok({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      listenerPath: '/run/seccomp.sock',
      listenerMetadata: 'meta',
      syscalls: [
        {
          names: ['personality'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
        },
        { names: ['getpid'], action: 'SCMP_ACT_TRACE', errnoRet: 77 },
      ],
    });
    expect(p.defaultErrnoRet).toBe(38);
    expect(p.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    expect(p.flags).toEqual(['SECCOMP_FILTER_FLAG_LOG']);
    expect(p.listenerPath).toBe('/run/seccomp.sock');
    expect(p.listenerMetadata).toBe('meta');
    expect(p.syscalls[0]?.args[0]).toEqual({ index: 0, value: 8n, valueTwo: 0n, op: 'SCMP_CMP_EQ' });
    expect(p.syscalls[1]?.errnoRet).toBe(77);
  });

  it('keeps u64 argument values exact', () => {
    const p = parseProfile(
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO","args":[{"index":5,"value":18446744073709551615,"valueTwo":9007199254740993,"op":"SCMP_CMP_MASKED_EQ"}]}]}',
      'p.json',
    );
    expect(p.syscalls[0]?.args[0]?.value).toBe(0xffffffffffffffffn);
    expect(p.syscalls[0]?.args[0]?.valueTwo).toBe(9007199254740993n);
  });

  it('reads the seccomp section of a whole config.json, and flags absent vs empty', () => {
    const p = ok({ ociVersion: '1.2.0', linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', flags: [] } } });
    expect(p.flags).toEqual([]);
    expect(ok({ defaultAction: 'SCMP_ACT_ALLOW' }).flags).toBeUndefined();
    expect(bad({ ociVersion: '1.2.0', linux: {} })).toBe(
      'profile.json: linux.seccomp: missing: this config.json has no seccomp section',
    );
  });

  it('accepts moby fields: archMap, legacy name, comment, includes/excludes', () => {
    const p = ok({
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
      syscalls: [
        {
          name: 'acct',
          action: 'SCMP_ACT_ALLOW',
          comment: 'c',
          includes: { caps: ['CAP_SYS_PACCT'], minKernel: '4.8' },
        },
        { names: ['x'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['s390x'] } },
      ],
    });
    expect(p.archMap).toEqual([{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }]);
    expect(p.syscalls[0]?.names).toEqual(['acct']);
    expect(p.syscalls[0]?.includes).toEqual({ caps: ['CAP_SYS_PACCT'], minKernel: '4.8' });
    expect(p.syscalls[1]?.excludes).toEqual({ arches: ['s390x'] });
  });

  it('reports each kind of mistake with the profile path and field', () => {
    const base = { defaultAction: 'SCMP_ACT_ALLOW' };
    const call = (c: object) => ({ ...base, syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW' }, c] });
    expect(bad({})).toBe('profile.json: defaultAction: missing (required)');
    expect(bad({ defaultAction: 'SCMP_ACT_NOPE' })).toMatch(
      /^profile\.json: defaultAction: unknown action "SCMP_ACT_NOPE"/,
    );
    expect(bad({ ...base, defaultErrnoRet: -1 })).toMatch(
      /^profile\.json: defaultErrnoRet: expected an unsigned 32-bit integer/,
    );
    expect(bad({ ...base, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_VAX'] })).toBe(
      'profile.json: architectures[1]: unknown architecture "SCMP_ARCH_VAX"',
    );
    expect(bad({ ...base, architectures: ['SCMP_ARCH_X86'], archMap: [] })).toMatch(
      /archMap: 'architectures' and 'archMap'/,
    );
    expect(bad({ ...base, flags: ['SECCOMP_FILTER_FLAG_BOGUS'] })).toMatch(
      /^profile\.json: flags\[0\]: unknown flag/,
    );
    expect(bad({ ...base, listenerMetadata: 'x' })).toBe(
      'profile.json: listenerMetadata: listenerMetadata requires listenerPath',
    );
    expect(bad(call({ names: [], action: 'SCMP_ACT_ALLOW' }))).toBe(
      'profile.json: syscalls[1].names: must list at least one syscall name',
    );
    expect(bad(call({ names: ['b'], action: 'SCMP_ACT_FOO' }))).toMatch(
      /^profile\.json: syscalls\[1\]\.action: unknown action "SCMP_ACT_FOO"/,
    );
    expect(bad(call({ names: ['b'] }))).toBe('profile.json: syscalls[1].action: missing (required)');
    const arg = (a: object) =>
      call({ names: ['b'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, a] });
    expect(bad(arg({ index: 0, value: 1, op: 'SCMP_CMP_FOO' }))).toMatch(
      /^profile\.json: syscalls\[1\]\.args\[1\]\.op: unknown operator "SCMP_CMP_FOO"/,
    );
    expect(bad(arg({ index: 6, value: 1, op: 'SCMP_CMP_EQ' }))).toBe(
      'profile.json: syscalls[1].args[1].index: argument index 6 out of range (0..5)',
    );
    expect(bad(arg({ index: 0, op: 'SCMP_CMP_EQ' }))).toBe(
      'profile.json: syscalls[1].args[1].value: missing (required)',
    );
    expect(bad(arg({ index: 0, value: -5, op: 'SCMP_CMP_EQ' }))).toMatch(
      /args\[1\]\.value: expected an unsigned 64-bit integer, got -5/,
    );
    expect(
      errOf(
        '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551616,"op":"SCMP_CMP_EQ"}]}]}',
      ),
    ).toMatch(/args\[0\]\.value: expected an unsigned 64-bit integer, got 18446744073709551616/);
    expect(bad(call({ name: 'x', names: ['y'], action: 'SCMP_ACT_ALLOW' }))).toMatch(
      /syscalls\[1\]\.name: 'name' and 'names'/,
    );
    expect(bad(call({ names: ['b'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: 'five' } }))).toMatch(
      /syscalls\[1\]\.includes\.minKernel: expected "MAJOR\.MINOR"/,
    );
    expect(bad([1, 2])).toBe('profile.json: expected a JSON object');
  });

  it('never throws anything but SeccompProfileError on arbitrary JSON', () => {
    // "__proto__" is an own key, as JSON.parse makes it, never the object's prototype.
    const proto = parseJson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect((proto as { polluted?: unknown }).polluted).toBeUndefined();
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [v] }), 'p');
        } catch (e) {
          expect(e).toBeInstanceOf(SeccompProfileError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
