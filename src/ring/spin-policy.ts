/**
 * How long an idle shard polls before it sleeps: adaptive, like an adaptive mutex. Pure (the
 * shell reports outcomes; no clock here), so its rules are testable on their own.
 *
 * Why adaptive: measured on the shared 2-core machine (docs/ring.md), a fixed 50 µs spin
 * cut a single request's round trip from ~35–50 µs to ~3 µs when cores were free. When other
 * processes kept the cores busy, though, the spinning shard took CPU from the coordinator that
 * was about to send the next request: mean round trip ~42 µs against ~15 µs without spinning.
 * In that case most spins end empty. So a spin that finds work keeps the full budget, an empty
 * one halves it, and at 1/16 of the maximum the shard stops spinning. It then probes again
 * with a quarter budget every {@link PROBE_EVERY} sleeps, in case the load has changed.
 */
export const PROBE_EVERY = 32;

export class SpinPolicy {
  private budget: number;
  private sleepsSinceProbe = 0;

  /** `maxMs`: the largest budget (0 never spins). */
  constructor(private readonly maxMs: number) {
    this.budget = maxMs;
  }

  /** The spin budget (ms) for the next idle wait. */
  next(): number {
    if (this.budget > 0 || this.maxMs === 0) return this.budget;
    if (++this.sleepsSinceProbe < PROBE_EVERY) return 0;
    this.sleepsSinceProbe = 0;
    return this.maxMs / 4;
  }

  /** Reports a spin that ran for the budget `next()` gave: `hit` if work arrived during it. */
  record(hit: boolean): void {
    if (hit) {
      this.budget = this.maxMs;
      return;
    }
    this.budget /= 2;
    if (this.budget <= this.maxMs / 16) this.budget = 0;
  }
}
