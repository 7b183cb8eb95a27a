/**
 * The crash tests' workload: a bank. Transaction k (k = 1, 2, …) moves a deterministic amount
 * between two deterministic accounts and appends log row k (with a payload that is sometimes big
 * enough for overflow pages). So the state after the first m commits is computable, and a
 * recovered partition must equal exactly that state for some m >= the last acknowledged k:
 * every acknowledged commit is there, nothing half-applied is.
 */
import assert from 'node:assert/strict';
import type { StorageTxn } from '../../src/storage/api.js';
import type { PagedPartition } from '../../src/storage/index.js';
import { rng } from './helpers.js';

export const ACCOUNTS = 64;
export const START = 1000n;
export const T_ACC = 1;
export const T_LOG = 2;
export const IX_LOG_FROM = 3;
export const IX_ACC_NAME = 4;

export interface Transfer {
  from: number;
  to: number;
  amount: bigint;
  payload: Uint8Array;
}

export function transfer(seed: number, k: number): Transfer {
  const r = rng((seed ^ Math.imul(k, 0x9e3779b1)) >>> 0);
  const from = 1 + Math.floor(r() * ACCOUNTS);
  let to = 1 + Math.floor(r() * ACCOUNTS);
  if (to === from) to = (to % ACCOUNTS) + 1;
  const n = r() < 0.05 ? 2000 + Math.floor(r() * 20000) : Math.floor(r() * 64);
  const payload = new Uint8Array(n);
  for (let i = 0; i < n; i++) payload[i] = (k + i) & 0xff;
  return { from, to, amount: BigInt(1 + Math.floor(r() * 50)), payload };
}

export function setup(p: PagedPartition): void {
  const t = p.begin();
  try {
    t.rowCount(T_ACC);
    t.abort();
    return;
  } catch {
    // fresh partition
  }
  t.createTable({ id: T_ACC, columns: ['integer', 'text'] });
  t.createTable({ id: T_LOG, columns: ['integer', 'integer', 'integer', 'blob'] });
  t.createIndex({ id: IX_LOG_FROM, table: T_LOG, parts: [{ column: 0, desc: false, collation: 'binary' }], unique: false });
  t.createIndex({ id: IX_ACC_NAME, table: T_ACC, parts: [{ column: 1, desc: false, collation: 'nocase' }], unique: true });
  for (let a = 1; a <= ACCOUNTS; a++) t.insert(T_ACC, BigInt(a), [START, `Account ${a}`]);
  t.commit();
  p.sync();
}

/** Applies transfer k inside `t` (the caller commits or aborts). */
export function applyTransfer(t: StorageTxn, seed: number, k: number): void {
  const x = transfer(seed, k);
  const a = t.get(T_ACC, BigInt(x.from))!;
  const b = t.get(T_ACC, BigInt(x.to))!;
  t.update(T_ACC, BigInt(x.from), [(a[0] as bigint) - x.amount, a[1]!]);
  t.insert(T_LOG, BigInt(k), [BigInt(x.from), BigInt(x.to), x.amount, x.payload]);
  t.update(T_ACC, BigInt(x.to), [(b[0] as bigint) + x.amount, b[1]!]);
}

/** Checks the recovered state; returns m, the number of committed transfers found. */
export function verifyBank(p: PagedPartition, seed: number, acked: number): number {
  p.check();
  const t = p.begin();
  try {
    const m = t.rowCount(T_LOG);
    assert.ok(m >= acked, `lost acknowledged commits: ${m} transfers recovered, ${acked} acknowledged`);
    const max = t.maxRowid(T_LOG);
    assert.equal(max === null ? 0 : Number(max), m, 'log rows are not contiguous 1..m (a partial or phantom transaction)');
    const bal = new Array<bigint>(ACCOUNTS + 1).fill(START);
    for (let k = 1; k <= m; k++) {
      const x = transfer(seed, k);
      bal[x.from]! -= x.amount;
      bal[x.to]! += x.amount;
    }
    let sum = 0n;
    for (let a = 1; a <= ACCOUNTS; a++) {
      const row = t.get(T_ACC, BigInt(a));
      assert.ok(row, `account ${a} missing`);
      assert.equal(row[0], bal[a], `account ${a} balance after ${m} transfers`);
      sum += row[0] as bigint;
    }
    assert.equal(sum, START * BigInt(ACCOUNTS), 'money was created or destroyed');
    for (const k of [1, Math.ceil(m / 2), m]) {
      if (k < 1 || k > m) continue;
      const row = t.get(T_LOG, BigInt(k))!;
      const x = transfer(seed, k);
      assert.equal(row[0], BigInt(x.from));
      assert.deepEqual(row[3], x.payload, `payload of transfer ${k}`);
    }
    assert.equal(t.indexLookup(IX_ACC_NAME, ['ACCOUNT 7']).length, 1, 'nocase unique index lookup');
    return m;
  } finally {
    t.abort();
  }
}
