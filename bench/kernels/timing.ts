/**
 * Timing and provenance for the kernel bench: a best-of-N throughput measurement and the
 * machine/version record every results file carries.
 */
import { cpus, totalmem, platform, arch, release } from 'node:os';

/**
 * Bytes per second of `fn`, which processes `bytes` bytes per call: calls it in rounds of at
 * least `minMs` and keeps the best round of `rounds` (the least disturbed by the other tenants
 * of a shared machine).
 */
export function throughput(fn: () => void, bytes: number, minMs: number, rounds = 3): number {
  fn(); // warm-up: compile, fault pages in
  let calls = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= minMs / 4) { calls = Math.max(1, Math.ceil((calls * minMs) / Math.max(ms, 1e-3))); break; }
    calls *= 4;
  }
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, (bytes * calls) / s);
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
  };
}
