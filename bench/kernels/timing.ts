/**
 * Timing and provenance for the kernel bench: a best-of-N throughput measurement and the
 * machine/version record every results file carries.
 */
import { cpus, totalmem, platform, arch, release, loadavg } from 'node:os';

/**
 * Bytes per second of each of `fns`, which each process `bytes` bytes per call. The candidates
 * are timed in interleaved rounds (round 1: a, b, c; round 2: a, b, c; ...) and each keeps its
 * best round, so a burst of load from the machine's other tenants hits all of them alike and
 * the ratios between them stay meaningful. Each round of a candidate lasts about `minMs`.
 */
export function throughputs(fns: (() => void)[], bytes: number, minMs: number, rounds = 5): number[] {
  const calls = fns.map((fn) => {
    fn(); // warm-up: compile, fault pages in
    let n = 1;
    for (;;) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (ms >= minMs / 4) return Math.max(1, Math.ceil((n * minMs) / Math.max(ms, 1e-3)));
      n *= 4;
    }
  });
  const best = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < calls[k]!; i++) fn();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      best[k] = Math.max(best[k]!, (bytes * calls[k]!) / s);
    });
  }
  return best;
}

export function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch}`,
    node: process.version,
    v8: process.versions.v8,
    // Other tenants of the machine: on a loaded box absolute GB/s drop; the ratios hold better.
    loadavg1m: Number(loadavg()[0]!.toFixed(2)),
  };
}
