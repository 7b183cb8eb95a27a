/**
 * Crash-test child: `node dist/test/storage/crash-child.js <dir> <sync|async> <seed>`.
 * Commits bank transfers in batches (one sync per batch = group commit) and prints `ACK k` after
 * each batch's sync returns, until it is killed. Some attempts abort; some batches checkpoint or
 * vacuum. HELIOS_FAILPOINTS may make it SIGKILL itself at a durability edge.
 */
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { T_LOG, applyTransfer, setup } from './bank.js';
import { rng } from './helpers.js';

const [dir, mode, seedArg] = process.argv.slice(2);
const seed = Number(seedArg);
const pool = createBufferPool({ bytes: 192 * 1024, pageSize: 4096 });
const p = openPartition(0, { dir: dir!, walMode: mode === 'async' ? 'async' : 'sync', asyncSyncIntervalMs: 5, checkpointWalBytes: 96 * 1024 }, pool);
setup(p);
const t0 = p.begin();
let k = t0.rowCount(T_LOG) + 1;
t0.abort();
const r = rng((seed + k) >>> 0);
process.stdout.write(`START ${k}\n`);
for (;;) {
  const batch = 1 + Math.floor(r() * 16);
  for (let i = 0; i < batch; i++) {
    const t = p.begin();
    applyTransfer(t, seed, k);
    if (r() < 0.1) {
      t.abort();
      continue;
    }
    t.commit();
    k++;
  }
  p.sync();
  process.stdout.write(`ACK ${k - 1}\n`);
  const d = r();
  if (d < 0.01) p.checkpoint();
  else if (d < 0.012) p.vacuum();
}
