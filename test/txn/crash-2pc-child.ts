/**
 * Child process of the 2PC SIGKILL test: runs cross-partition transfers on real files (paged
 * partitions with fdatasync, the decision log on node:fs) and SIGKILLs itself at one step of
 * transfer `killAt`. It reports on stdout, synchronously (a SIGKILL drops buffered output):
 *   WROTE <txn> <p> <p>   before asking to commit
 *   ACK <txn>             once the commit was acknowledged to the client
 * Usage: node crash-2pc-child.js <dir> <step> <killAt> <fresh 0|1>
 */
import { writeSync } from 'node:fs';
import { rng } from '../storage/helpers.js';
import { SimCluster } from './sim-cluster.js';

const [dir, step, killAtArg, freshArg] = process.argv.slice(2);
if (!dir || !['before-prepare', 'after-some-prepares', 'after-decision-logged', 'during-commit'].includes(step ?? '')) {
  throw new Error('usage: crash-2pc-child.js <dir> <step> <killAt> <fresh 0|1>');
}
const killAt = Number(killAtArg);
const say = (s: string): void => {
  writeSync(1, s + '\n');
};
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const sim = new SimCluster({ partitions: 2, shards: 2, accounts: 2, rand: rng(killAt), dir, fresh: freshArg === '1' });
sim.settle(); // recovery traffic of an earlier life
for (let k = 1; k <= killAt; k++) {
  const t = sim.begin();
  const amount = BigInt(k);
  if (sim.write(t, 0, 1 + (k % 2), -amount) !== 'ok' || sim.write(t, 1, 1 + (k % 2), amount) !== 'ok') throw new Error('child: write failed');
  say(`WROTE ${t} 0 1`);
  sim.commit(t);
  const last = k === killAt;
  if (last && step === 'before-prepare') die();
  sim.deliverToShard(0);
  if (last && step === 'after-some-prepares') die();
  sim.deliverToShard(1);
  sim.deliverToCoord();
  if (sim.outcomes.get(t)?.committed) say(`ACK ${t}`);
  if (last && step === 'after-decision-logged') die();
  sim.deliverToShard(0);
  if (last && step === 'during-commit') die();
  sim.settle();
}
say('DONE');
