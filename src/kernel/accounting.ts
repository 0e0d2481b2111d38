/**
 * @fileoverview Memory accounting of bpf objects, in the two kernel generations bpfsim models.
 *
 * - `6.18`: memcg accounting (kernel/bpf/syscall.c `bpf_map_kmalloc_node` & co. allocate with
 *   `__GFP_ACCOUNT`). RLIMIT_MEMLOCK is ignored; the task's memory cgroup has a configurable limit and
 *   an allocation past it fails with ENOMEM.
 * - `4.x`: the seed's `bpf_map_charge_memlock`/`bpf_prog_charge_memlock`: whole pages are charged to
 *   the user's `locked_vm` against RLIMIT_MEMLOCK, EPERM past the limit, uncharged on free.
 */
import { ERRNO } from '../uapi/errno.js';
import { PAGE_SIZE } from './user-memory.js';

/** The kernel generation whose accounting rules apply. */
export type KernelProfile = '6.18' | '4.x';

/** Models `struct user_struct`: per-uid accounting. */
export interface UserStruct {
  readonly uid: number;
  /** `locked_vm` in pages (4.x profile). */
  lockedVm: number;
}

/** What was charged for one object, to be returned on free. */
export interface Charge {
  readonly bytes: number;
  readonly pages: number;
  readonly user: UserStruct;
  readonly profile: KernelProfile;
}

/** The accounting state of one simulated kernel. */
export class Accounting {
  /** Bytes charged to the (single) memory cgroup, 6.18 profile. */
  memcgUsage = 0;

  constructor(
    readonly profile: KernelProfile,
    /** memcg `memory.max` in bytes (6.18); Infinity for none. */
    public memcgLimit: number = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Charges `bytes` for a new object. 6.18: memcg, -ENOMEM past the limit. 4.x: models
   * `bpf_map_charge_memlock`: `round_up(bytes, PAGE_SIZE)` pages to `user->locked_vm`, -EPERM when
   * it would exceed `memlockLimit` (RLIMIT_MEMLOCK in bytes, Infinity for RLIM_INFINITY).
   */
  charge(user: UserStruct, bytes: number, memlockLimit: number): Charge | number {
    const pages = Math.ceil(bytes / PAGE_SIZE);
    if (this.profile === '6.18') {
      if (this.memcgUsage + bytes > this.memcgLimit) return -ERRNO.ENOMEM;
      this.memcgUsage += bytes;
      return { bytes, pages, user, profile: this.profile };
    }
    const limitPages =
      memlockLimit === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : Math.floor(memlockLimit / PAGE_SIZE);
    if (user.lockedVm + pages > limitPages) return -ERRNO.EPERM;
    user.lockedVm += pages;
    return { bytes, pages, user, profile: this.profile };
  }

  /** Returns a charge (models `bpf_map_uncharge_memlock` / memcg uncharge on free). */
  uncharge(c: Charge): void {
    if (c.profile === '6.18') this.memcgUsage -= c.bytes;
    else c.user.lockedVm -= c.pages;
  }
}
