/**
 * The Node.js flags the server runs with. V8 reads them only when the process starts, so they
 * are written out in every launch command: package.json `start`, the Dockerfile's ENTRYPOINT,
 * the CLI's shebang and bench/api. test/node-flags.test.ts keeps those copies in step with
 * this list.
 *
 * Why these flags (docs/api.md, "The p99 tail"; measured with `perf sched` on the 2-core machine):
 * - `--v8-pool-size=1`: V8 starts 4 background threads for GC and compilation. With one
 *   coordinator and a shard per core, the process already has more runnable threads than cores.
 *   When the main thread joined a parallel scavenge, its helpers could wait up to 6 ms for a
 *   core, and the whole pause waited with them. With one helper, REST GET at half the peak had
 *   p999 4.7–5.5 ms instead of 9–13 ms, max 7–10 ms instead of 15–20 ms, and p99 1.7–2.1 ms
 *   instead of 2.1–2.8 ms. Closed-loop throughput did not change beyond the noise.
 * - `--max-semi-space-size=16`: a young generation twice V8's default. Per request objects die
 *   young, and a larger nursery means half as many scavenges. It also promotes less, so
 *   mark-compacts come less often.
 * A library user who embeds the database chooses their own process's flags; these are only a
 * recommendation for them.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--v8-pool-size=1', '--max-semi-space-size=16'];
