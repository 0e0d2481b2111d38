/**
 * @fileoverview The virtual clock behind `ktime_get_ns()` and `jiffies`.
 *
 * Models kernel/time/timekeeping.c `ktime_get_ns` and the `jiffies` counter (HZ=1000) with a clock
 * that advances only when the simulation says so, so that the same scenario gives the same
 * durations on every run.
 */

/** Ticks per second of `jiffies` (CONFIG_HZ). */
export const HZ = 1000;

/** A monotonic virtual clock in nanoseconds; models `ktime_get_ns` and `jiffies`. */
export class VirtualClock {
  private ns: bigint;

  constructor(startNs: bigint = 1_000_000_000n) {
    this.ns = startNs;
  }

  /** Models `ktime_get_ns()` (CLOCK_MONOTONIC in ns). */
  ktimeGetNs(): bigint {
    return this.ns;
  }

  /** Models `jiffies`: monotonic time in 1/HZ ticks. */
  jiffies(): bigint {
    return this.ns / BigInt(1_000_000_000 / HZ);
  }

  /** Moves time forward by `ns` nanoseconds (never backward). */
  advance(ns: bigint | number): void {
    const d = typeof ns === 'bigint' ? ns : BigInt(Math.max(0, Math.floor(ns)));
    if (d > 0n) this.ns += d;
  }
}
