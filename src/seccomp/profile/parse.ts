/**
 * @fileoverview Parses and validates a seccomp profile: an OCI `linux.seccomp` object, a whole
 * OCI config.json, or a Docker/moby profile. Every problem is one `SeccompProfileError` naming the
 * profile and the field. Models runtime-spec schema/defs-linux.json plus the checks runc
 * (libcontainer/specconv SetupSeccomp) and moby (seccomp_linux.go setupSeccomp) make on load.
 */
import { findArch } from '../syscalls/arches.js';
import { JsonSyntaxError, type JsonValue, parseJson } from './json.js';
import {
  type ProfileArchMap,
  type ProfileArg,
  type ProfileCondition,
  type ProfileSyscall,
  SECCOMP_ACTIONS,
  SECCOMP_OPERATORS,
  SECCOMP_PROFILE_FLAGS,
  type SeccompActionName,
  type SeccompOperator,
  type SeccompProfile,
  SeccompProfileError,
  type SeccompProfileFlag,
} from './types.js';

type Obj = { [key: string]: JsonValue };
const U64_MAX = (1n << 64n) - 1n;

function isObj(v: JsonValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'bigint';
}

function show(v: JsonValue | undefined): string {
  if (typeof v === 'bigint') return v.toString();
  const text = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Parses profile text. `source` names the profile in errors (usually its path). Accepts a bare
 * seccomp object or a config.json holding one at `linux.seccomp`.
 */
export function parseProfile(text: string, source = 'profile'): SeccompProfile {
  let root: JsonValue;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new SeccompProfileError(source, '', e.message);
    throw e;
  }
  return profileFromJson(root, source);
}

/** Validates an already parsed JSON value as a profile (see `parseProfile`). */
export function profileFromJson(root: JsonValue, source = 'profile'): SeccompProfile {
  const err = (field: string, detail: string): never => {
    throw new SeccompProfileError(source, field, detail);
  };
  if (!isObj(root)) return err('', 'expected a JSON object');
  let top: Obj = root;
  let prefix = '';
  if (isObj(root.linux) || (root.ociVersion !== undefined && root.defaultAction === undefined)) {
    const sec = isObj(root.linux) ? root.linux.seccomp : undefined;
    if (!isObj(sec)) return err('linux.seccomp', 'missing: this config.json has no seccomp section');
    top = sec;
    prefix = 'linux.seccomp.';
  }
  const f = (name: string) => prefix + name;

  const str = (v: JsonValue | undefined, field: string): string =>
    typeof v === 'string' ? v : err(field, `expected a string, got ${show(v)}`);
  const u32 = (v: JsonValue | undefined, field: string): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff
      ? v
      : err(field, `expected an unsigned 32-bit integer, got ${show(v)}`);
  const u64 = (v: JsonValue | undefined, field: string): bigint => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) return v;
    return err(field, `expected an unsigned 64-bit integer, got ${show(v)}`);
  };
  const strList = (v: JsonValue | undefined, field: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return err(field, `expected an array of strings, got ${show(v)}`);
    return v.map((x, i) => str(x, `${field}[${i}]`));
  };
  const action = (v: JsonValue | undefined, field: string): SeccompActionName => {
    if (v === undefined) return err(field, 'missing (required)');
    const s = str(v, field);
    if (!(SECCOMP_ACTIONS as readonly string[]).includes(s))
      return err(field, `unknown action "${s}" (one of ${SECCOMP_ACTIONS.join(', ')})`);
    return s as SeccompActionName;
  };
  const archName = (v: JsonValue | undefined, field: string): string => {
    const s = str(v, field);
    if (findArch(s) === undefined) return err(field, `unknown architecture "${s}"`);
    return s;
  };
  const condition = (v: JsonValue | undefined, field: string): ProfileCondition | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) return err(field, `expected an object, got ${show(v)}`);
    const c: ProfileCondition = {};
    if (v.caps !== undefined && v.caps !== null) c.caps = strList(v.caps, `${field}.caps`);
    if (v.arches !== undefined && v.arches !== null) {
      c.arches = strList(v.arches, `${field}.arches`);
      c.arches.forEach((a, i) => {
        if (findArch(a) === undefined) err(`${field}.arches[${i}]`, `unknown architecture "${a}"`);
      });
    }
    if (v.minKernel !== undefined && v.minKernel !== null && v.minKernel !== '') {
      const k = str(v.minKernel, `${field}.minKernel`);
      if (!/^\d+\.\d+$/.test(k)) err(`${field}.minKernel`, `expected "MAJOR.MINOR", got "${k}"`);
      c.minKernel = k;
    }
    return c;
  };

  const defaultAction = action(top.defaultAction, f('defaultAction'));
  const profile: SeccompProfile = { source, defaultAction, architectures: [], syscalls: [] };
  if (top.defaultErrnoRet !== undefined && top.defaultErrnoRet !== null)
    profile.defaultErrnoRet = u32(top.defaultErrnoRet, f('defaultErrnoRet'));

  if (top.architectures !== undefined && top.architectures !== null) {
    const list = strList(top.architectures, f('architectures'));
    profile.architectures = list.map((a, i) => archName(a, `${f('architectures')}[${i}]`));
  }
  if (top.archMap !== undefined && top.archMap !== null) {
    if (profile.architectures.length > 0)
      err(f('archMap'), "'architectures' and 'archMap' cannot both be given");
    if (!Array.isArray(top.archMap)) return err(f('archMap'), `expected an array, got ${show(top.archMap)}`);
    profile.archMap = top.archMap.map((m, i): ProfileArchMap => {
      const field = `${f('archMap')}[${i}]`;
      if (!isObj(m)) return err(field, `expected an object, got ${show(m)}`);
      const architecture = archName(m.architecture, `${field}.architecture`);
      const subs = strList(m.subArchitectures, `${field}.subArchitectures`);
      for (const [j, s] of subs.entries()) archName(s, `${field}.subArchitectures[${j}]`);
      return { architecture, subArchitectures: subs };
    });
  }
  if (top.flags !== undefined && top.flags !== null) {
    profile.flags = strList(top.flags, f('flags')).map((fl, i): SeccompProfileFlag => {
      if (!(SECCOMP_PROFILE_FLAGS as readonly string[]).includes(fl))
        return err(
          `${f('flags')}[${i}]`,
          `unknown flag "${fl}" (one of ${SECCOMP_PROFILE_FLAGS.join(', ')})`,
        );
      return fl as SeccompProfileFlag;
    });
  }
  if (top.listenerPath !== undefined && top.listenerPath !== null && top.listenerPath !== '')
    profile.listenerPath = str(top.listenerPath, f('listenerPath'));
  if (top.listenerMetadata !== undefined && top.listenerMetadata !== null && top.listenerMetadata !== '') {
    profile.listenerMetadata = str(top.listenerMetadata, f('listenerMetadata'));
    if (profile.listenerPath === undefined)
      err(f('listenerMetadata'), 'listenerMetadata requires listenerPath');
  }

  const calls = top.syscalls;
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) return err(f('syscalls'), `expected an array, got ${show(calls)}`);
    for (const [idx, c] of calls.entries()) {
      const field = `${f('syscalls')}[${idx}]`;
      if (!isObj(c)) return err(field, `expected an object, got ${show(c)}`);
      let names = strList(c.names, `${field}.names`);
      if (c.name !== undefined && c.name !== null && c.name !== '') {
        if (names.length > 0) err(`${field}.name`, "'name' and 'names' cannot both be given");
        names = [str(c.name, `${field}.name`)];
      }
      if (names.length === 0) err(`${field}.names`, 'must list at least one syscall name');
      names.forEach((n, i) => {
        if (n === '') err(`${field}.names[${i}]`, 'empty syscall name');
      });
      const sc: ProfileSyscall = {
        index: idx,
        names,
        action: action(c.action, `${field}.action`),
        args: [],
      };
      if (c.errnoRet !== undefined && c.errnoRet !== null) sc.errnoRet = u32(c.errnoRet, `${field}.errnoRet`);
      if (typeof c.comment === 'string') sc.comment = c.comment;
      const inc = condition(c.includes, `${field}.includes`);
      if (inc !== undefined) sc.includes = inc;
      const exc = condition(c.excludes, `${field}.excludes`);
      if (exc !== undefined) sc.excludes = exc;
      if (c.args !== undefined && c.args !== null) {
        if (!Array.isArray(c.args)) return err(`${field}.args`, `expected an array, got ${show(c.args)}`);
        sc.args = c.args.map((a, j): ProfileArg => {
          const af = `${field}.args[${j}]`;
          if (!isObj(a)) return err(af, `expected an object, got ${show(a)}`);
          if (a.index === undefined) return err(`${af}.index`, 'missing (required)');
          const index = u32(a.index, `${af}.index`);
          if (index > 5) err(`${af}.index`, `argument index ${index} out of range (0..5)`);
          if (a.value === undefined) return err(`${af}.value`, 'missing (required)');
          const value = u64(a.value, `${af}.value`);
          const valueTwo =
            a.valueTwo === undefined || a.valueTwo === null ? 0n : u64(a.valueTwo, `${af}.valueTwo`);
          if (a.op === undefined) return err(`${af}.op`, 'missing (required)');
          const op = str(a.op, `${af}.op`);
          if (!(SECCOMP_OPERATORS as readonly string[]).includes(op))
            err(`${af}.op`, `unknown operator "${op}" (one of ${SECCOMP_OPERATORS.join(', ')})`);
          return { index, value, valueTwo, op: op as SeccompOperator };
        });
      }
      profile.syscalls.push(sc);
    }
  }
  return profile;
}
