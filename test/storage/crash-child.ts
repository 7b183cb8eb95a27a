/**
 * Crash-test child: `node dist/test/storage/crash-child.js <dir> <sync|async> <seed>`.
 * Each batch opens several bank transfers at once (on disjoint accounts, as the shard's lock
 * manager would ensure), sometimes runs and aborts a junk transaction beside them, sometimes
 * checkpoints while they are open, then commits them in order, syncs once (group commit) and
 * prints `ACK k`. Some batches checkpoint or vacuum. Runs until killed; HELIOS_FAILPOINTS may make
 * it SIGKILL itself at a durability edge.
 */
import type { StorageTxn } from '../../src/storage/api.js';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { ACCOUNTS, T_ACC, T_LOG, applyTransfer, setup, transfer } from './bank.js';
import { rng } from './helpers.js';

const [dir, mode, seedArg] = process.argv.slice(2);
// `node --test dist/test/` runs every .js under test/ as a test file: without arguments this is
// that run, not a crash round, so do nothing.
if (!dir || !seedArg) process.exit(0);
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
  const want = 1 + Math.floor(r() * 16);
  const open: StorageTxn[] = [];
  const busy = new Set<number>();
  for (let i = 0; i < want; i++) {
    const x = transfer(seed, k);
    if (busy.has(x.from) || busy.has(x.to)) break;
    busy.add(x.from);
    busy.add(x.to);
    const t = p.begin();
    applyTransfer(t, seed, k);
    open.push(t);
    k++;
    if (r() < 0.1) {
      // a transaction that aborts, interleaved with the open ones, on a free account
      let a = 1 + Math.floor(r() * ACCOUNTS);
      while (busy.has(a)) a = (a % ACCOUNTS) + 1;
      const j = p.begin();
      const row = j.get(T_ACC, BigInt(a))!;
      j.update(T_ACC, BigInt(a), [(row[0] as bigint) + 1_000_000n, row[1]!]);
      j.insert(T_LOG, BigInt(-k), [0n, 0n, 0n, new Uint8Array(3000)]);
      if (r() < 0.3) p.checkpoint();
      j.abort();
    }
    if (r() < 0.03) p.checkpoint(); // with transfers still uncommitted
  }
  for (const t of open) t.commit();
  p.sync();
  process.stdout.write(`ACK ${k - 1}\n`);
  const d = r();
  if (d < 0.01) p.checkpoint();
  else if (d < 0.012) p.vacuum();
}
