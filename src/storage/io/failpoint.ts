/**
 * Named failpoints at the engine's durability edges (after the WAL write, before its fdatasync,
 * between the double-write and the in-place checkpoint writes, …). A failpoint is a no-op unless
 * armed, so the production cost is one Map lookup on an empty map.
 *
 * Armed two ways: in-process with {@link armFailpoint} (the action runs: throw, or any callback),
 * or for crash tests through the environment, `HELIOS_FAILPOINTS="wal.after-write=kill"`, where
 * `kill` SIGKILLs the process at that instant (`kill@3` on the third hit).
 */
type Action = () => void;

const armed = new Map<string, Action>();

/** Every failpoint name the engine declares, so tests and docs cannot drift from the code. */
export const FAILPOINTS = [
  'wal.after-write',
  'wal.before-fsync',
  'wal.after-fsync',
  'checkpoint.after-dw-write',
  'checkpoint.after-dw-sync',
  'checkpoint.mid-data-write',
  'checkpoint.after-data-sync',
  'checkpoint.after-wal-truncate',
  'vacuum.before-rename',
] as const;
export type FailpointName = (typeof FAILPOINTS)[number];

export function failpoint(name: FailpointName): void {
  if (armed.size === 0) return;
  const a = armed.get(name);
  if (a) a();
}

export function armFailpoint(name: FailpointName, action: Action): void {
  armed.set(name, action);
}

export function disarmFailpoints(): void {
  armed.clear();
}

function fromEnv(): void {
  const spec = typeof process !== 'undefined' ? process.env['HELIOS_FAILPOINTS'] : undefined;
  if (!spec) return;
  for (const item of spec.split(',')) {
    const [name, action] = item.split('=');
    if (!name || !action) continue;
    const [verb, nth] = action.split('@');
    let hits = 0;
    const want = nth ? Number(nth) : 1;
    if (verb === 'kill') {
      armed.set(name, () => {
        if (++hits >= want) {
          process.stderr.write(`failpoint ${name}: SIGKILL\n`);
          process.kill(process.pid, 'SIGKILL');
        }
      });
    }
  }
}
fromEnv();
