/**
 * @fileoverview A temporary memory cgroup for replaying a scenario under a memory limit on the
 * real kernel (bpf maps are charged to the creating task's memcg since Linux 5.11,
 * kernel/bpf/syscall.c `bpf_map_get_memcg`). The cgroup is created below the cgroup this process
 * is in, so the new limit only tightens the existing ones; v1 (`memory.limit_in_bytes`) and v2
 * (`memory.max`) hierarchies are supported. Node only.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { BackendUnavailableError } from './ffi.js';

/** A memory cgroup made for one replay. */
export interface Memcg {
  /** Its directory; a task enters it by writing its pid to `<path>/cgroup.procs`. */
  readonly path: string;
  /** Removes the cgroup (after every task in it has exited). */
  remove(): Promise<void>;
}

/** Parses a size: bytes, or with a K/M/G suffix (powers of 1024), e.g. `48M`. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (m === null) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] as string).toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

interface Hierarchy {
  mount: string;
  /** This process's cgroup path inside the hierarchy. */
  current: string;
  v2: boolean;
}

/** Finds the hierarchy holding the memory controller, from /proc/self/mountinfo and /proc/self/cgroup. */
function memoryHierarchy(): Hierarchy {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const cgroups = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  for (const line of mounts) {
    const [pre, post] = line.split(' - ');
    if (pre === undefined || post === undefined) continue;
    const mountPoint = pre.split(' ')[4];
    const [fstype, , superOpts] = post.split(' ');
    if (mountPoint === undefined) continue;
    if (fstype === 'cgroup' && (superOpts ?? '').split(',').includes('memory')) {
      const entry = cgroups.find((c) => c.split(':')[1]?.split(',').includes('memory'));
      const current = entry?.split(':').slice(2).join(':') ?? '/';
      return { mount: mountPoint, current, v2: false };
    }
  }
  for (const line of mounts) {
    const [pre, post] = line.split(' - ');
    if (pre === undefined || post === undefined || !post.startsWith('cgroup2 ')) continue;
    const mountPoint = pre.split(' ')[4];
    if (mountPoint === undefined) continue;
    const controllers = readFileSync(`${mountPoint}/cgroup.controllers`, 'utf8').split(/\s+/);
    if (!controllers.includes('memory')) continue;
    const entry = cgroups.find((c) => c.startsWith('0::'));
    return { mount: mountPoint, current: entry?.slice(3) ?? '/', v2: true };
  }
  throw new BackendUnavailableError('kernel backend: no memory cgroup controller is mounted');
}

/** Creates a memory cgroup limited to `limitBytes`; throws {@link BackendUnavailableError} when it cannot. */
export function createMemcg(limitBytes: number, name = `bpfsim-replay-${process.pid}`): Memcg {
  const h = memoryHierarchy();
  const path = `${h.mount}${h.current === '/' ? '' : h.current}/${name}`;
  try {
    mkdirSync(path);
  } catch (e) {
    throw new BackendUnavailableError(
      `kernel backend: cannot create memory cgroup ${path}: ${(e as Error).message}`,
    );
  }
  const limitFile = `${path}/${h.v2 ? 'memory.max' : 'memory.limit_in_bytes'}`;
  try {
    if (!existsSync(limitFile))
      throw new Error(`${limitFile} does not exist (memory controller not enabled there)`);
    writeFileSync(limitFile, String(limitBytes));
  } catch (e) {
    rmdirSync(path);
    throw new BackendUnavailableError(
      `kernel backend: cannot limit memory cgroup ${path}: ${(e as Error).message}`,
    );
  }
  return {
    path,
    async remove() {
      for (let attempt = 0; ; attempt++) {
        try {
          rmdirSync(path);
          return;
        } catch (e) {
          // The exited task may still be being reaped: retry for a second.
          if (attempt >= 50 || (e as { code?: string }).code !== 'EBUSY') throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },
  };
}

/** Moves the calling process into a cgroup (writes its pid to `cgroup.procs`). */
export function enterCgroup(path: string): void {
  writeFileSync(`${path}/cgroup.procs`, String(process.pid));
}
