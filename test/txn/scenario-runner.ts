/**
 * Runs a golden 2PC scenario (test/txn/scenarios/*.txt) against {@link SimCluster} and returns
 * its transcript: each command echoed with `>` followed by the protocol events it caused
 * (messages, decision-log records, client outcomes, recovery), and `check` prints the committed
 * state and asserts the invariants (money is conserved; every transaction's history rows are in
 * all of its partitions or in none; every acknowledged commit is present; nothing in doubt).
 *
 * Commands (one per line, `#` comments are copied to the transcript):
 *   cluster partitions=N shards=N accounts=N
 *   begin NAME                        a client transaction
 *   write NAME pP ACCT DELTA          adds DELTA to account ACCT of partition P (row X lock)
 *   resume NAME pP [ACCT DELTA]       performs a parked write (or sum) after its wakeup
 *   sum NAME pP                       sums partition P's balances (table S lock)
 *   commit NAME pP pQ …               one partition: one phase; more: two-phase commit
 *   rollback NAME pP …
 *   deliver shard S [N]               delivers up to N (all) queued messages to shard S, one batch
 *   deliver coord [N]                 delivers up to N (all) messages to the coordinator
 *   settle                            delivers everything until quiet
 *   tick MS                           advances the clock (timeouts, resends)
 *   crash process | crash shard S
 *   check
 */
import assert from 'node:assert/strict';
import { HeliosError } from '../../src/errors.js';
import type { TxnId } from '../../src/shard/txn/index.js';
import { rng } from '../storage/helpers.js';
import { fmtTxn, SimCluster, START } from './sim-cluster.js';

export function runScenario(text: string, seed = 1): string {
  const out: string[] = [];
  let sim: SimCluster | null = null;
  const names = new Map<string, TxnId>();
  const need = (): SimCluster => {
    if (!sim) throw new Error('scenario: `cluster` must come first');
    return sim;
  };
  const txn = (name: string): TxnId => {
    const t = names.get(name);
    if (t === undefined) throw new Error(`scenario: unknown transaction ${name}`);
    return t;
  };
  const part = (s: string): number => {
    if (!/^p\d+$/.test(s)) throw new Error(`scenario: bad partition '${s}'`);
    return Number(s.slice(1));
  };
  const show = (r: unknown): string => (r instanceof HeliosError ? `error ${r.code}` : String(r));

  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    out.push(`> ${line}`);
    const [cmd, ...a] = line.split(/\s+/);
    const before = sim ? sim.trace.length : 0;
    let result: string | null = null;
    switch (cmd) {
      case 'cluster': {
        const o = Object.fromEntries(a.map((kv) => kv.split('=') as [string, string]));
        sim = new SimCluster({ partitions: Number(o['partitions']), shards: Number(o['shards']), accounts: Number(o['accounts']), rand: rng(seed) });
        break;
      }
      case 'begin': {
        const t = need().begin();
        names.set(a[0]!, t);
        result = `${a[0]} = ${fmtTxn(t)}`;
        break;
      }
      case 'write':
        result = show(need().write(txn(a[0]!), part(a[1]!), Number(a[2]), BigInt(a[3]!)));
        break;
      case 'resume': // the statement whose locks were granted by a wakeup: a write, or a sum without ACCT
        result = show(a[2] === undefined ? need().sumOf(txn(a[0]!), part(a[1]!)) : need().applyWrite(txn(a[0]!), part(a[1]!), Number(a[2]), BigInt(a[3]!)));
        break;
      case 'sum':
        result = show(need().scanSum(txn(a[0]!), part(a[1]!)));
        break;
      case 'commit': // the partitions named are documentation; the session knows what was touched
        need().commit(txn(a[0]!));
        break;
      case 'rollback':
        need().rollback(txn(a[0]!));
        break;
      case 'deliver':
        if (a[0] === 'shard') need().deliverToShard(Number(a[1]), a[2] === undefined ? Infinity : Number(a[2]));
        else need().deliverToCoord(a[1] === undefined ? Infinity : Number(a[1]));
        break;
      case 'settle':
        need().settle();
        break;
      case 'tick':
        need().tick(Number(a[0]));
        break;
      case 'crash':
        if (a[0] === 'process') need().crashProcess();
        else need().crashShard(Number(a[1]));
        break;
      case 'check':
        result = check(need());
        break;
      default:
        throw new Error(`scenario: unknown command '${line}'`);
    }
    if (sim) for (const t of sim.trace.slice(before)) out.push(t);
    if (result !== null) out.push(`  = ${result}`);
  }
  return out.join('\n') + '\n';
}

/** Prints the committed state and asserts the all-or-nothing invariants. */
export function check(sim: SimCluster): string {
  const snap = sim.snapshot();
  const { partitions, accounts } = sim.opts;
  assert.equal(snap.sum, START * BigInt(partitions * accounts), 'money was created or destroyed');
  const lines: string[] = [];
  for (const [t, rows] of snap.history) {
    const wrote = sim.wrote.get(t);
    assert.ok(wrote, `history row of unknown transaction ${fmtTxn(t)}`);
    assert.deepEqual([...rows.keys()].sort(), [...wrote].sort(), `transaction ${fmtTxn(t)} is only partly applied`);
    assert.notEqual(sim.outcomes.get(t)?.committed, false, `transaction ${fmtTxn(t)} was reported aborted but is applied`);
  }
  for (const [t, o] of sim.outcomes) {
    if (o.committed && (sim.wrote.get(t)?.size ?? 0) > 0) assert.ok(snap.history.has(t), `acknowledged transaction ${fmtTxn(t)} is missing`);
  }
  assert.deepEqual(sim.inDoubt(), [], 'transactions still in doubt');
  lines.push(`balances ${snap.balances.map((b, p) => `p${p}:[${b.join(',')}]`).join(' ')} sum=${snap.sum}`);
  lines.push(`  applied ${[...snap.history.keys()].map(fmtTxn).join(' ') || '(none)'}`);
  return lines.join('\n');
}
