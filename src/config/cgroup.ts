/**
 * The CPU limit of the container, the default for `[performance] worker_threads`.
 *
 * A container limited to 2 CPUs on a 64-core host still reports 64 from `os.availableParallelism()`
 * (that follows the affinity mask, not the CFS quota). Starting 64 shards there would have them
 * fight over 2 CPUs' worth of time slices, each throttled every period. So the quota wins:
 *
 *   1. cgroup v2: `cpu.max` holds "<quota> <period>" in µs, or "max <period>" for no limit;
 *      2 CPUs = "200000 100000". A fractional limit rounds up (1.5 CPUs → 2 shards).
 *   2. cgroup v1: `cpu.cfs_quota_us` / `cpu.cfs_period_us` under the `cpu` controller's
 *      mount (`cpu,cpuacct` or `cpu`); a quota of -1 means no limit.
 *   3. Otherwise `os.availableParallelism()`.
 *
 * Each level of the process's cgroup path (from `/proc/self/cgroup`) may set a limit and the
 * tightest applies, so the walk goes from the process's own cgroup up to the mount root. Inside a
 * container with a private cgroup namespace that path is just "/", the root itself.
 * The result is also capped by `availableParallelism()`: a quota of 8 CPUs on a 2-core machine
 * still runs at most 2 threads at once. Unreadable or malformed files count as "no limit" —
 * a missing hint must not stop the database from starting.
 */

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

/** Everything the detection reads, injectable so tests can fake any machine. */
export interface CpuProbe {
  /** Where the cgroup file system is mounted (`/sys/fs/cgroup`). */
  readonly cgroupRoot: string;
  /** The text of `/proc/self/cgroup` ("" when unknown: only the mount root is consulted). */
  readonly selfCgroup: string;
  /** CPUs this process may run on (`os.availableParallelism()`). */
  readonly parallelism: number;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** CPUs granted by a quota over a period, rounded up; Infinity for no limit or nonsense. */
function cpusOf(quota: number, period: number): number {
  if (!(quota > 0) || !(period > 0)) return Infinity;
  return Math.ceil(quota / period);
}

/** `dir`, then each parent of `rel` within it, up to `dir` itself ("/a/b" → root/a/b, root/a, root). */
function levels(root: string, rel: string): string[] {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const out: string[] = [];
  for (let n = parts.length; n >= 0; n--) out.push(join(root, ...parts.slice(0, n)));
  return out;
}

/** The cgroup path of the process for a v1 controller (`cpu`) or v2 (controller ''). */
function selfPath(selfCgroup: string, controller: string): string {
  for (const line of selfCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (m === null) continue;
    const controllers = m[1]!.split(',');
    if (controller === '' ? m[1] === '' : controllers.includes(controller)) return m[2]!;
  }
  return '/';
}

/** v2 limit in CPUs (Infinity: none found). */
function cgroupV2(p: CpuProbe): { found: boolean; cpus: number } {
  let found = false;
  let cpus = Infinity;
  for (const dir of levels(p.cgroupRoot, selfPath(p.selfCgroup, ''))) {
    const text = read(join(dir, 'cpu.max'));
    if (text === undefined) continue;
    found = true;
    const m = /^\s*(max|\d+)\s+(\d+)\s*$/.exec(text);
    if (m === null || m[1] === 'max') continue;
    cpus = Math.min(cpus, cpusOf(Number(m[1]), Number(m[2])));
  }
  return { found, cpus };
}

/** v1 limit in CPUs (Infinity: none found). */
function cgroupV1(p: CpuProbe): number {
  let cpus = Infinity;
  const rel = selfPath(p.selfCgroup, 'cpu');
  for (const mount of ['cpu,cpuacct', 'cpu', 'cpuacct,cpu']) {
    for (const dir of levels(join(p.cgroupRoot, mount), rel)) {
      const quota = read(join(dir, 'cpu.cfs_quota_us'));
      const period = read(join(dir, 'cpu.cfs_period_us'));
      if (quota === undefined || period === undefined) continue;
      if (!/^\s*-?\d+\s*$/.test(quota) || !/^\s*\d+\s*$/.test(period)) continue;
      cpus = Math.min(cpus, cpusOf(Number(quota), Number(period)));
    }
  }
  return cpus;
}

/** The CPU limit for a probed machine: at least 1, at most `parallelism`. */
export function cpuLimitOf(p: CpuProbe): number {
  const v2 = cgroupV2(p);
  // A host with cgroup v2 has no v1 cpu controller mounted; only fall back when v2 is absent.
  const cpus = v2.found ? v2.cpus : cgroupV1(p);
  const parallelism = Math.max(1, Math.floor(p.parallelism));
  return Number.isFinite(cpus) ? Math.max(1, Math.min(cpus, parallelism)) : parallelism;
}

/**
 * The container's CPU limit (see the module doc). With `cgroupRoot` given (tests), only that
 * directory tree is read — not `/proc/self/cgroup`, whose path belongs to the real machine.
 */
export function detectCpuLimit(cgroupRoot?: string): number {
  return cpuLimitOf({
    cgroupRoot: cgroupRoot ?? DEFAULT_CGROUP_ROOT,
    selfCgroup: cgroupRoot === undefined ? (read('/proc/self/cgroup') ?? '') : '',
    parallelism: availableParallelism(),
  });
}
