import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  inheritSeccomp,
  prctlGetSeccomp,
  prctlSetSeccomp,
  type SeccompArgs,
  type SeccompTask,
  seccompDecide,
  sysSeccomp,
} from '../../src/seccomp/attach.js';
import { jump, type SockFilter, stmt } from '../../src/seccomp/cbpf/filter.js';
import { OP } from '../../src/seccomp/cbpf/opcodes.js';
import { detachListener, type SeccompFilterNode } from '../../src/seccomp/chain.js';
import { SECCOMP_FILTER_FLAG as F, SECCOMP_MODE, SECCOMP_OP } from '../../src/seccomp/uapi.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { seccompOracle } from './kernel-oracle.js';

/** A minimal thread for the tests: an fd table with a limit and a shared thread list. */
class Thread implements SeccompTask {
  noNewPrivs = false;
  mode: SeccompTask['mode'] = SECCOMP_MODE.DISABLED;
  filter: SeccompFilterNode | undefined = undefined;
  specMitigated = false;
  exiting = false;
  nextFd = 3;
  fdLimit = 1024;
  listeners = new Map<number, SeccompFilterNode>();
  constructor(
    readonly tid: number,
    readonly group: Thread[] = [],
    readonly capSysAdmin = false,
  ) {
    group.push(this);
  }
  threads(): Iterable<SeccompTask> {
    return this.group;
  }
  getUnusedFd(): number {
    return this.nextFd < this.fdLimit ? this.nextFd++ : -ERRNO.EMFILE;
  }
  putUnusedFd(fd: number): void {
    if (fd === this.nextFd - 1) this.nextFd--;
  }
  installListener(fd: number, filter: SeccompFilterNode): void {
    this.listeners.set(fd, filter);
  }
}

const ALLOW: SockFilter[] = [stmt(OP.RET_K, 0x7fff0000)];
const fprog = (filter: readonly SockFilter[] | null, len = filter?.length ?? 0) => ({ len, filter });
const setFilter = (t: SeccompTask, flags: number, f: readonly SockFilter[] | null = ALLOW, len?: number) =>
  sysSeccomp(t, { op: SECCOMP_OP.SET_MODE_FILTER, flags, fprog: fprog(f, len) }).ret;
const nnp = (tid = 100, group: Thread[] = []) => {
  const t = new Thread(tid, group);
  t.noNewPrivs = true;
  return t;
};
const sc = (nr: number, arch = 0xc000003e) => ({ nr, arch, instructionPointer: 0n, args: [] });

describe('seccomp(2) SET_MODE_FILTER', () => {
  it('needs no_new_privs or CAP_SYS_ADMIN (EACCES)', () => {
    expect(setFilter(new Thread(1), 0)).toBe(-ERRNO.EACCES);
    expect(setFilter(new Thread(1, [], true), 0)).toBe(0);
    expect(setFilter(nnp(), 0)).toBe(0);
  });

  it('checks in the kernel order: flags, flag combinations, length, privileges, the program', () => {
    const t = new Thread(1);
    // Unknown flag beats everything else.
    expect(setFilter(t, 1 << 6, [])).toBe(-ERRNO.EINVAL);
    // TSYNC + NEW_LISTENER without TSYNC_ESRCH, before the EACCES check.
    expect(setFilter(t, F.TSYNC | F.NEW_LISTENER)).toBe(-ERRNO.EINVAL);
    expect(setFilter(t, F.WAIT_KILLABLE_RECV)).toBe(-ERRNO.EINVAL);
    // Length 0 is EINVAL before EACCES; a bad program after EACCES.
    expect(setFilter(t, 0, [])).toBe(-ERRNO.EINVAL);
    expect(setFilter(t, 0, [stmt(OP.LD_W_ABS, 2), stmt(OP.RET_A, 0)])).toBe(-ERRNO.EACCES);
    t.noNewPrivs = true;
    expect(setFilter(t, 0, [stmt(OP.LD_W_ABS, 2), stmt(OP.RET_A, 0)])).toBe(-ERRNO.EINVAL);
    // NULL fprog pointer: EFAULT; NULL filter pointer: EINVAL; short user buffer: EFAULT.
    expect(sysSeccomp(t, { op: SECCOMP_OP.SET_MODE_FILTER, flags: 0, fprog: undefined }).ret).toBe(
      -ERRNO.EFAULT,
    );
    expect(setFilter(t, 0, null, 1)).toBe(-ERRNO.EINVAL);
    expect(setFilter(t, 0, ALLOW, 2)).toBe(-ERRNO.EFAULT);
    expect(t.mode).toBe(SECCOMP_MODE.DISABLED);
  });

  it('attaches newest first and switches the task to filter mode', () => {
    const t = nnp();
    expect(setFilter(t, 0, [stmt(OP.RET_K, 0x50001)])).toBe(0);
    expect(setFilter(t, 0, [stmt(OP.RET_K, 0x50002)])).toBe(0);
    expect(t.mode).toBe(SECCOMP_MODE.FILTER);
    expect(prctlGetSeccomp(t)).toBe(SECCOMP_MODE.FILTER);
    expect(seccompDecide(t, sc(0))).toMatchObject({ mode: 'filter', action: 'ERRNO', data: 2 });
    expect(t.specMitigated).toBe(true);
    const u = nnp();
    setFilter(u, F.SPEC_ALLOW | F.LOG);
    expect(u.specMitigated).toBe(false);
    expect(u.filter?.log).toBe(true);
  });

  it('returns a listener fd for NEW_LISTENER, EBUSY for a second one, and gives the fd back on failure', () => {
    const t = nnp();
    expect(setFilter(t, F.NEW_LISTENER)).toBe(3);
    expect(t.listeners.get(3)?.hasListener).toBe(true);
    expect(setFilter(t, F.NEW_LISTENER | F.WAIT_KILLABLE_RECV)).toBe(-ERRNO.EBUSY);
    expect(setFilter(t, F.NEW_LISTENER)).toBe(-ERRNO.EBUSY);
    expect(t.nextFd).toBe(4);
    expect(setFilter(t, 0)).toBe(0);
    // Closing the listener fd detaches it: a new listener is allowed again.
    const first = t.listeners.get(3);
    if (first === undefined) throw new Error('no listener');
    expect(first.refs).toBe(2);
    detachListener(first);
    expect([first.hasListener, first.refs]).toEqual([false, 1]);
    expect(setFilter(t, F.NEW_LISTENER)).toBe(4);
    const full = nnp();
    full.fdLimit = 3;
    expect(setFilter(full, F.NEW_LISTENER)).toBe(-ERRNO.EMFILE);
  });

  it('refuses filter mode on a strict-mode task (EINVAL)', () => {
    const t = nnp();
    expect(sysSeccomp(t, { op: SECCOMP_OP.SET_MODE_STRICT, flags: 0 }).ret).toBe(0);
    expect(setFilter(t, 0)).toBe(-ERRNO.EINVAL);
    expect(sysSeccomp(t, { op: SECCOMP_OP.SET_MODE_STRICT, flags: 0 }).ret).toBe(0);
  });

  it('ENOMEM past MAX_INSNS_PER_PATH', () => {
    const big = [...Array<SockFilter>(4095).fill(stmt(OP.LD_W_ABS, 0)), stmt(OP.RET_K, 0x7fff0000)];
    const t = nnp();
    for (let i = 0; i < 7; i++) expect(setFilter(t, 0, big)).toBe(0);
    expect(setFilter(t, 0, big)).toBe(-ERRNO.ENOMEM);
  });
});

describe('TSYNC', () => {
  it('syncs every thread of the group to the caller filter and sets no_new_privs on them', () => {
    const group: Thread[] = [];
    const a = nnp(10, group);
    const b = new Thread(11, group);
    expect(setFilter(a, F.TSYNC, [stmt(OP.RET_K, 0x50007)])).toBe(0);
    expect(b.filter).toBe(a.filter);
    expect(b.mode).toBe(SECCOMP_MODE.FILTER);
    expect(b.noNewPrivs).toBe(true);
    expect(seccompDecide(b, sc(0))).toMatchObject({ action: 'ERRNO', data: 7 });
  });

  it('fails with the tid of a thread whose chain has diverged, or ESRCH with TSYNC_ESRCH', () => {
    const group: Thread[] = [];
    const a = nnp(10, group);
    const b = nnp(11, group);
    expect(setFilter(b, 0)).toBe(0); // b has a filter a does not have
    expect(setFilter(a, F.TSYNC)).toBe(11);
    expect(setFilter(a, F.TSYNC | F.TSYNC_ESRCH)).toBe(-ERRNO.ESRCH);
    expect(a.mode).toBe(SECCOMP_MODE.DISABLED);
    // With a listener, TSYNC_ESRCH is required and the listener fd is given back on failure.
    expect(setFilter(a, F.TSYNC | F.TSYNC_ESRCH | F.NEW_LISTENER)).toBe(-ERRNO.ESRCH);
    expect(a.nextFd).toBe(3);
  });

  it('skips exiting threads and threads whose filter is an ancestor of the caller filter', () => {
    const group: Thread[] = [];
    const a = nnp(10, group);
    const b = new Thread(11, group);
    expect(setFilter(a, F.TSYNC)).toBe(0); // b now shares a's filter
    expect(setFilter(a, F.TSYNC, [stmt(OP.RET_K, 0x50001)])).toBe(0); // b's filter is an ancestor
    const c = nnp(12, group);
    c.mode = SECCOMP_MODE.STRICT;
    expect(setFilter(a, F.TSYNC)).toBe(12);
    (c as { exiting: boolean }).exiting = true;
    expect(setFilter(a, F.TSYNC)).toBe(0);
    expect(b.filter).toBe(a.filter);
  });
});

describe('other operations', () => {
  it('SET_MODE_STRICT takes no flags or arguments', () => {
    const t = new Thread(1);
    expect(sysSeccomp(t, { op: SECCOMP_OP.SET_MODE_STRICT, flags: 1 }).ret).toBe(-ERRNO.EINVAL);
    expect(sysSeccomp(t, { op: SECCOMP_OP.SET_MODE_STRICT, flags: 0, nonNull: true }).ret).toBe(
      -ERRNO.EINVAL,
    );
    expect(sysSeccomp(t, { op: SECCOMP_OP.SET_MODE_STRICT, flags: 0 }).ret).toBe(0);
  });

  it('strict mode allows read, write, exit, rt_sigreturn and kills on anything else', () => {
    const t = new Thread(1);
    expect(prctlSetSeccomp(t, SECCOMP_MODE.STRICT, undefined)).toBe(0);
    for (const nr of [0, 1, 60, 15])
      expect(seccompDecide(t, sc(nr))).toEqual({ mode: 'strict', action: 'ALLOW' });
    for (const nr of [2, 39, 231]) expect(seccompDecide(t, sc(nr)).action).toBe('KILL_STRICT');
    // i386: read 3, write 4, exit 1, sigreturn 119.
    for (const nr of [3, 4, 1, 119]) expect(seccompDecide(t, sc(nr, 0x40000003)).action).toBe('ALLOW');
    expect(seccompDecide(t, sc(0, 0x40000003)).action).toBe('KILL_STRICT');
  });

  it('GET_ACTION_AVAIL knows the eight actions (data bits make it unknown)', () => {
    const t = new Thread(1);
    const avail = (action: number | undefined, flags = 0) =>
      sysSeccomp(t, { op: SECCOMP_OP.GET_ACTION_AVAIL, flags, action } as SeccompArgs).ret;
    for (const a of [0x80000000, 0, 0x30000, 0x50000, 0x7fc00000, 0x7ff00000, 0x7ffc0000, 0x7fff0000])
      expect(avail(a)).toBe(0);
    expect(avail(0x50001)).toBe(-ERRNO.EOPNOTSUPP);
    expect(avail(0x10000)).toBe(-ERRNO.EOPNOTSUPP);
    expect(avail(0x7fff0000, 1)).toBe(-ERRNO.EINVAL);
    expect(avail(undefined)).toBe(-ERRNO.EFAULT);
  });

  it('GET_NOTIF_SIZES: 80, 24, 64', () => {
    expect(sysSeccomp(new Thread(1), { op: SECCOMP_OP.GET_NOTIF_SIZES, flags: 0 })).toEqual({
      ret: 0,
      sizes: { seccomp_notif: 80, seccomp_notif_resp: 24, seccomp_data: 64 },
    });
    expect(sysSeccomp(new Thread(1), { op: SECCOMP_OP.GET_NOTIF_SIZES, flags: 2 }).ret).toBe(-ERRNO.EINVAL);
    expect(sysSeccomp(new Thread(1), { op: 4, flags: 0 }).ret).toBe(-ERRNO.EINVAL);
  });

  it('prctl(PR_SET_SECCOMP): filter mode has no flags, other modes are EINVAL', () => {
    const t = nnp();
    expect(prctlSetSeccomp(t, 3, undefined)).toBe(-ERRNO.EINVAL);
    expect(prctlSetSeccomp(t, SECCOMP_MODE.FILTER, fprog(ALLOW))).toBe(0);
    expect(prctlSetSeccomp(t, SECCOMP_MODE.STRICT, undefined)).toBe(-ERRNO.EINVAL);
  });

  it('fork shares the chain and the mode', () => {
    const parent = nnp(1);
    setFilter(parent, 0, [
      stmt(OP.LD_W_ABS, 0),
      jump(OP.JEQ_K, 39, 0, 1),
      stmt(OP.RET_K, 0x50005),
      ALLOW[0] as SockFilter,
    ]);
    const child = new Thread(2);
    inheritSeccomp(parent, child);
    expect(child.filter).toBe(parent.filter);
    expect(parent.filter?.refs).toBe(2);
    expect(seccompDecide(child, sc(39))).toMatchObject({ action: 'ERRNO', data: 5 });
    expect(seccompDecide(child, sc(40))).toMatchObject({ action: 'ALLOW' });
  });
});

const oracle = seccompOracle();

describe.skipIf(!oracle.available)(
  `seccomp(2) errors against the real kernel${oracle.available ? '' : ` (skipped: ${oracle.reason})`}`,
  () => {
    // kernel-run sets no_new_privs, installs every -f with the same flags, and reports the
    // first failure's errno or the last return value.
    const CASES: Array<{ name: string; flags: number; filters: SockFilter[][] }> = [
      { name: 'plain', flags: 0, filters: [ALLOW] },
      { name: 'unknown flag 0x40', flags: 0x40, filters: [ALLOW] },
      { name: 'unknown flag with bad filter', flags: 0x80, filters: [[stmt(OP.LD_W_ABS, 1)]] },
      { name: 'TSYNC', flags: F.TSYNC, filters: [ALLOW] },
      { name: 'TSYNC|NEW_LISTENER', flags: F.TSYNC | F.NEW_LISTENER, filters: [ALLOW] },
      {
        name: 'TSYNC|NEW_LISTENER|TSYNC_ESRCH',
        flags: F.TSYNC | F.NEW_LISTENER | F.TSYNC_ESRCH,
        filters: [ALLOW],
      },
      { name: 'WAIT_KILLABLE_RECV alone', flags: F.WAIT_KILLABLE_RECV, filters: [ALLOW] },
      {
        name: 'WAIT_KILLABLE_RECV|NEW_LISTENER',
        flags: F.WAIT_KILLABLE_RECV | F.NEW_LISTENER,
        filters: [ALLOW],
      },
      { name: 'LOG|SPEC_ALLOW', flags: F.LOG | F.SPEC_ALLOW, filters: [ALLOW] },
      { name: 'second listener', flags: F.NEW_LISTENER, filters: [ALLOW, ALLOW] },
      { name: 'bad filter with bad combination', flags: F.WAIT_KILLABLE_RECV, filters: [[stmt(0xff, 0)]] },
    ];
    it('same return value or errno for flags and their combinations', async () => {
      if (!oracle.available) return;
      await Promise.all(
        CASES.map(async (c) => {
          const r = await oracle.kernelRun({ filters: c.filters, flags: c.flags, loadOnly: true });
          const t = nnp();
          let ret = 0;
          for (const f of c.filters) {
            ret = setFilter(t, c.flags, f);
            if (ret < 0) break;
          }
          if (ret < 0)
            expect([r.result, -(r.fields.errno ?? 0)], `${c.name}: ${r.line}`).toEqual(['LOAD_FAILED', ret]);
          else if (ret === 0)
            expect([r.result, r.fields.last_ret], `${c.name}: ${r.line}`).toEqual(['LOADED', 0]);
          // A listener fd: the kernel's number depends on the fds kernel-run has open.
          else
            expect([r.result, (r.fields.last_ret ?? -1) > 0], `${c.name}: ${r.line}`).toEqual([
              'LOADED',
              true,
            ]);
        }),
      );
    });

    it('prctl(PR_SET_SECCOMP) loads the same filters', async () => {
      if (!oracle.available) return;
      const r = await oracle.kernelRun({ filters: [ALLOW], prctl: true, loadOnly: true });
      expect(r.result).toBe('LOADED');
      expect(prctlSetSeccomp(nnp(), SECCOMP_MODE.FILTER, fprog(ALLOW))).toBe(0);
    });
  },
);

/** A small C program asking the kernel the questions seccomp(2) answers without loading a filter. */
const OPS_C = String.raw`#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>
static long sc(unsigned op, unsigned flags, void *a) { long r = syscall(__NR_seccomp, op, flags, a); return r < 0 ? -errno : r; }
int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "strict")) {
    /* strict NR: fork, enter strict mode, make syscall NR with bad args, report */
    long nr = strtol(argv[2], NULL, 0);
    pid_t pid = fork();
    if (pid == 0) {
      if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0)) _exit(100);
      long r = syscall(nr, -1L, 0L, 0L);
      (void)r;
      syscall(__NR_exit, 42); /* exit is allowed in strict mode */
      _exit(43);
    }
    int st; waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) printf("strict nr=%ld killed sig=%d\n", nr, WTERMSIG(st));
    else printf("strict nr=%ld exited code=%d\n", nr, WEXITSTATUS(st));
    return 0;
  }
  uint32_t acts[] = {0x80000000u, 0, 0x30000, 0x50000, 0x7fc00000, 0x7ff00000, 0x7ffc0000, 0x7fff0000, 0x50001, 0x10000, 0x7ffe0000};
  for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++)
    printf("avail 0x%08x %ld\n", acts[i], sc(SECCOMP_GET_ACTION_AVAIL, 0, &acts[i]));
  printf("avail-flags %ld\n", sc(SECCOMP_GET_ACTION_AVAIL, 1, &acts[0]));
  printf("avail-null %ld\n", sc(SECCOMP_GET_ACTION_AVAIL, 0, NULL));
  struct seccomp_notif_sizes sz;
  long r = sc(SECCOMP_GET_NOTIF_SIZES, 0, &sz);
  printf("sizes %ld %u %u %u\n", r, sz.seccomp_notif, sz.seccomp_notif_resp, sz.seccomp_data);
  printf("sizes-flags %ld\n", sc(SECCOMP_GET_NOTIF_SIZES, 1, &sz));
  printf("op4 %ld\n", sc(4, 0, NULL));
  printf("strict-flags %ld\n", sc(SECCOMP_SET_MODE_STRICT, 1, NULL));
  printf("strict-args %ld\n", sc(SECCOMP_SET_MODE_STRICT, 0, &sz));
  printf("prctl-mode3 %d\n", prctl(PR_SET_SECCOMP, 3, 0, 0, 0) < 0 ? -errno : 0);
  printf("filter-null %ld\n", sc(SECCOMP_SET_MODE_FILTER, 0, NULL));
  return 0;
}
`;

describe.skipIf(!oracle.available)(
  `seccomp(2) operations and strict mode against the real kernel${oracle.available ? '' : ` (skipped: ${oracle.reason})`}`,
  () => {
    it('GET_ACTION_AVAIL, GET_NOTIF_SIZES, bad operations and flags', () => {
      if (!oracle.available) return;
      const out = execFileSync(oracle.buildC('seccomp-ops', OPS_C), { encoding: 'utf8' });
      const t = new Thread(1);
      const got = new Map(
        out
          .trim()
          .split('\n')
          .map((l) => [l.split(' ').slice(0, -1).join(' '), l]),
      );
      const line = (key: string) => got.get(key) ?? '';
      for (const a of [
        0x80000000, 0, 0x30000, 0x50000, 0x7fc00000, 0x7ff00000, 0x7ffc0000, 0x7fff0000, 0x50001, 0x10000,
        0x7ffe0000,
      ]) {
        const key = `avail 0x${a.toString(16).padStart(8, '0')}`;
        expect(line(key), key).toBe(
          `${key} ${sysSeccomp(t, { op: SECCOMP_OP.GET_ACTION_AVAIL, flags: 0, action: a }).ret}`,
        );
      }
      expect(line('avail-flags')).toBe(`avail-flags ${sysSeccomp(t, { op: 2, flags: 1, action: 0 }).ret}`);
      expect(line('avail-null')).toBe(
        `avail-null ${sysSeccomp(t, { op: 2, flags: 0, action: undefined }).ret}`,
      );
      const sizes = sysSeccomp(t, { op: SECCOMP_OP.GET_NOTIF_SIZES, flags: 0 });
      expect(out).toContain(
        `sizes ${sizes.ret} ${sizes.sizes?.seccomp_notif} ${sizes.sizes?.seccomp_notif_resp} ${sizes.sizes?.seccomp_data}\n`,
      );
      expect(out).toContain(`sizes-flags ${sysSeccomp(t, { op: 3, flags: 1 }).ret}\n`);
      expect(out).toContain(`op4 ${sysSeccomp(t, { op: 4, flags: 0 }).ret}\n`);
      expect(out).toContain(`strict-flags ${sysSeccomp(t, { op: 0, flags: 1 }).ret}\n`);
      expect(out).toContain(`strict-args ${sysSeccomp(t, { op: 0, flags: 0, nonNull: true }).ret}\n`);
      expect(out).toContain(`prctl-mode3 ${prctlSetSeccomp(t, 3, undefined)}\n`);
      expect(out).toContain(`filter-null ${sysSeccomp(t, { op: 1, flags: 0, fprog: undefined }).ret}\n`);
    });

    it('strict mode: read, write, exit pass; anything else is SIGKILL', () => {
      if (!oracle.available) return;
      const bin = oracle.buildC('seccomp-ops', OPS_C);
      for (const nr of [0, 1, 60, 39, 2, 231]) {
        const out = execFileSync(bin, ['strict', String(nr)], { encoding: 'utf8' });
        const t = new Thread(1);
        prctlSetSeccomp(t, SECCOMP_MODE.STRICT, undefined);
        const d = seccompDecide(t, sc(nr));
        if (d.action === 'KILL_STRICT') expect(out, `nr ${nr}`).toBe(`strict nr=${nr} killed sig=9\n`);
        else expect(out, `nr ${nr}`).toMatch(/exited code=/);
      }
    });
  },
);
