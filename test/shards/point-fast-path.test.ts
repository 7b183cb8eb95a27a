/**
 * The router's point fast path (an auto-commit statement on one key, its lock free now) must keep
 * the locking rules of the general path: a point read of a key an open transaction wrote waits
 * for its commit and then sees it; other keys answer meanwhile; errors are the general path's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localRouter } from './harness.js';
import { InteractiveTxns } from '../../src/coordinator/interactive-txns.js';

test('a point read waits for the transaction holding its key, then sees its commit; other keys do not wait', async () => {
  const { router } = await localRouter(4, 2);
  await router.execute([{ sql: 'CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)', params: [] }], 'one');
  await router.execute([{ sql: 'INSERT INTO acct VALUES (1, 100), (2, 200), (3, 300), (4, 400)', params: [] }], 'one');
  const txns = new InteractiveTxns(router, { defaultTimeoutMs: 30_000, maxConcurrent: 10 });
  const id = txns.begin();
  await txns.execute(id, { sql: 'UPDATE acct SET balance = 333 WHERE id = ?', params: [3n] });

  let settled = false;
  const blocked = router.executeOne({ sql: 'SELECT balance FROM acct WHERE id = ?', params: [3n] }).then((r) => ((settled = true), r));
  const other = await router.executeOne({ sql: 'SELECT balance FROM acct WHERE id = ?', params: [4n] });
  assert.deepEqual(other, { columns: ['balance'], rows: [[400n]], rowsAffected: 0, lastInsertId: null });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(settled, false, 'the read of key 3 waits for the writer');
  const write = await router.executeOne({ sql: 'UPDATE acct SET balance = balance + 1 WHERE id = ?', params: [2n] });
  assert.equal((write as { rowsAffected: number }).rowsAffected, 1, 'a point write to a free key runs');

  await txns.commit(id);
  assert.deepEqual(((await blocked) as { rows: unknown[] }).rows, [[333n]], 'it then reads the committed value');
  assert.equal(router.locks.counts().resources, 0, 'every lock released');
});

test('errors on the fast path are the general path\'s', async () => {
  const { router } = await localRouter(4, 2);
  await router.execute([{ sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)', params: [] }], 'one');
  await assert.rejects(router.executeOne({ sql: 'SELECT * FROM nope WHERE id = 1', params: [] }), { code: 'SQL_ERROR' });
  await router.executeOne({ sql: "INSERT INTO t VALUES (1, 'a')", params: [] });
  await assert.rejects(router.executeOne({ sql: 'UPDATE t SET v = NULL WHERE id = 1', params: [] }), { code: 'CONSTRAINT', message: /NOT NULL constraint failed: t\.v/ });
  await assert.rejects(router.executeOne({ sql: 'SELEC 1', params: [] }), { code: 'SQL_SYNTAX' });
  assert.equal(router.locks.counts().resources, 0, 'a failed statement leaves no lock behind');
});
