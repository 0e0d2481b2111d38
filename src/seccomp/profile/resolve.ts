/**
 * @fileoverview Resolves a profile for one host: moby's `archMap`, `includes` / `excludes` (caps,
 * arches, minKernel) and legacy `name`, then runc's expansion into one rule per syscall name.
 * Models moby/profiles seccomp/seccomp_linux.go setupSeccomp and runc libcontainer/specconv
 * SetupSeccomp (as /work/shared/tools/seccomp-oracle/profile2lines.py reproduces them).
 */
import { findArch, type SeccompArch } from '../syscalls/arches.js';
import type { ProfileArg, SeccompActionName, SeccompProfile, SeccompProfileFlag } from './types.js';

/** Docker's default capability set (moby oci/caps/defaults.go DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** The host a profile is resolved for. */
export interface ResolveOptions {
  /** The native architecture (the one libseccomp's filter always contains). */
  arch: SeccompArch;
  /** The bounding capability set; `'all'` holds every capability. */
  caps: ReadonlySet<string> | 'all';
  /** Host kernel `[major, minor]` compared with `minKernel`. */
  kernel: readonly [number, number];
}

/** One rule for one syscall name (libcontainer configs.Syscall after specconv). */
export interface ResolvedRule {
  name: string;
  action: SeccompActionName;
  errnoRet?: number;
  args: ProfileArg[];
  /** Index of the profile `syscalls[]` entry it came from. */
  origin: number;
}

/** A profile resolved for one host: what runc hands to libseccomp. */
export interface ResolvedProfile {
  source: string;
  defaultAction: SeccompActionName;
  defaultErrnoRet?: number;
  /** Architectures of the filter: the native one first, then the listed ones, no duplicates. */
  arches: SeccompArch[];
  /** The architectures the profile lists (`architectures`, or archMap's entry): runc's stub covers only these. */
  listedArches: SeccompArch[];
  flags?: SeccompProfileFlag[];
  listenerPath?: string;
  listenerMetadata?: string;
  rules: ResolvedRule[];
  /** Profile entries skipped by includes/excludes, with the reason. */
  skipped: Array<{ origin: number; reason: string }>;
}

/**
 * Parses `--caps`: `docker-default`, `all`, `none`, or a comma-separated list (`CAP_` prefix
 * optional, case-insensitive). Throws for an empty item.
 */
export function parseCaps(spec: string): ReadonlySet<string> | 'all' {
  const s = spec.trim();
  if (s === 'docker-default' || s === 'default') return new Set(DOCKER_DEFAULT_CAPS);
  if (s === 'all') return 'all';
  if (s === 'none' || s === '') return new Set();
  const out = new Set<string>();
  for (const item of s.split(',')) {
    const c = item.trim().toUpperCase();
    if (!/^[A-Z_]+$/.test(c)) throw new Error(`bad capability name '${item}'`);
    out.add(c.startsWith('CAP_') ? c : `CAP_${c}`);
  }
  return out;
}

/** Parses `--kernel X.Y[.Z...]` into `[major, minor]`; throws on a malformed version. */
export function parseKernelVersion(v: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(v.trim());
  if (m === null) throw new Error(`bad kernel version '${v}' (expected MAJOR.MINOR)`);
  return [Number(m[1]), Number(m[2])];
}

function kernelAtLeast(host: readonly [number, number], min: string): boolean {
  const [a, b] = parseKernelVersion(min);
  return host[0] > a || (host[0] === a && host[1] >= b);
}

/** Resolves `profile` for the host described by `opts` (moby setupSeccomp + runc specconv). */
export function resolveProfile(profile: SeccompProfile, opts: ResolveOptions): ResolvedProfile {
  const native = opts.arch;
  const hasCap = (c: string) => opts.caps === 'all' || opts.caps.has(c);
  const arches: SeccompArch[] = [native];
  const listedArches: SeccompArch[] = [];
  const add = (name: string) => {
    const a = findArch(name);
    if (a === undefined) return;
    if (!arches.includes(a)) arches.push(a);
    if (!listedArches.includes(a)) listedArches.push(a);
  };
  profile.architectures.forEach(add);
  for (const m of profile.archMap ?? []) {
    if (findArch(m.architecture) === native) {
      add(m.architecture);
      m.subArchitectures.forEach(add);
      break;
    }
  }
  const out: ResolvedProfile = {
    source: profile.source,
    defaultAction: profile.defaultAction,
    arches,
    listedArches,
    rules: [],
    skipped: [],
  };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags !== undefined) out.flags = profile.flags;
  if (profile.listenerPath !== undefined) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata !== undefined) out.listenerMetadata = profile.listenerMetadata;
  for (const call of profile.syscalls) {
    const exc = call.excludes;
    const inc = call.includes;
    const skip = (reason: string) => out.skipped.push({ origin: call.index, reason });
    if (exc?.arches?.includes(native.go)) {
      skip(`excludes.arches has ${native.go}`);
      continue;
    }
    if (exc?.caps?.some(hasCap)) {
      skip('excludes.caps: a capability is present');
      continue;
    }
    if (exc?.minKernel !== undefined && kernelAtLeast(opts.kernel, exc.minKernel)) {
      skip(`excludes.minKernel: kernel >= ${exc.minKernel}`);
      continue;
    }
    if (inc?.arches !== undefined && inc.arches.length > 0 && !inc.arches.includes(native.go)) {
      skip(`includes.arches lacks ${native.go}`);
      continue;
    }
    if (inc?.caps !== undefined && inc.caps.length > 0 && !inc.caps.every(hasCap)) {
      skip('includes.caps: a capability is missing');
      continue;
    }
    if (inc?.minKernel !== undefined && !kernelAtLeast(opts.kernel, inc.minKernel)) {
      skip(`includes.minKernel: kernel < ${inc.minKernel}`);
      continue;
    }
    for (const name of call.names) {
      const r: ResolvedRule = { name, action: call.action, args: call.args, origin: call.index };
      if (call.errnoRet !== undefined) r.errnoRet = call.errnoRet;
      out.rules.push(r);
    }
  }
  return out;
}
