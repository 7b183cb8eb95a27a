/**
 * SIGKILL at each step of two-phase commit, on real files: a child process commits transfers
 * across two partitions (two shards) and kills itself before PREPARE, after one PREPARE, after
 * the decision is logged, or after the first COMMIT; then a second life kills itself again at
 * another step on the same files; the parent finally reopens everything (partitions recover,
 * in-doubt transactions inquire, the decision log resends) and checks all-or-nothing, that every
 * acknowledged commit is present, that money is conserved and that nothing stays in doubt.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { txnId, type TxnId } from '../../src/shard/txn/index.js';
import { rmDir, rng, tmpDir } from '../storage/helpers.js';
import { check } from './scenario-runner.js';
import { SimCluster } from './sim-cluster.js';

const KILL_STEPS = ['before-prepare', 'after-some-prepares', 'after-decision-logged', 'during-commit'] as const;
const CHILD = fileURLToPath(new URL('./crash-2pc-child.js', import.meta.url));

function life(dir: string, step: string, killAt: number, fresh: boolean): { wrote: TxnId[]; acked: TxnId[] } {
  const r = spawnSync(process.execPath, [CHILD, dir, step, String(killAt), fresh ? '1' : '0'], { encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', `child should die at ${step}: status ${r.status}, stderr ${r.stderr}`);
  const wrote: TxnId[] = [];
  const acked: TxnId[] = [];
  for (const line of r.stdout.split('\n')) {
    const [kind, id] = line.split(' ');
    if (kind === 'WROTE') wrote.push(txnId(BigInt(id!)));
    if (kind === 'ACK') acked.push(txnId(BigInt(id!)));
  }
  return { wrote, acked };
}

for (const [i, step] of KILL_STEPS.entries()) {
  test(`SIGKILL ${step} (then again at ${KILL_STEPS[(i + 1) % 4]}): all-or-nothing after restart`, () => {
    const dir = tmpDir(`txn-crash-${step}`);
    try {
      const a = life(dir, step, 3, true);
      const b = life(dir, KILL_STEPS[(i + 1) % 4]!, 2, false);
      const sim = new SimCluster({ partitions: 2, shards: 2, accounts: 2, rand: rng(1), dir, fresh: false });
      for (const t of [...a.wrote, ...b.wrote]) sim.wrote.set(t, new Set([0, 1]));
      for (const t of [...a.acked, ...b.acked]) sim.outcomes.set(t, { committed: true });
      for (let k = 0; k < 5; k++) {
        sim.settle();
        sim.tick(1000);
      }
      const expectAcked = step === 'after-decision-logged' || step === 'during-commit' ? 3 : 2;
      assert.equal(a.acked.length, expectAcked, `first life acked ${a.acked.length}`);
      check(sim);
      const applied = sim.snapshot().history;
      for (const t of a.acked) assert.ok(applied.has(t));
      if (step === 'before-prepare' || step === 'after-some-prepares') assert.ok(!applied.has(a.wrote[2]!), 'the unacknowledged transfer must be rolled back');
    } finally {
      rmDir(dir);
    }
  });
}
