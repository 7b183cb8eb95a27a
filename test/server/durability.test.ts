/**
 * Durability through the whole server: clients insert rows over REST; the process is killed with
 * SIGKILL while inserts are in flight; after a restart (also with another worker_threads) every
 * acknowledged row is there, whole, and nothing else appeared. Both WAL modes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';

const seed = Number(process.env['DURABILITY_SEED'] ?? Date.now() % 100000);
let state = seed;
const rand = () => ((state = (state * 48271) % 2147483647) / 2147483647);

async function sql(s: ServerProcess, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(s.url('/v1/sql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

for (const walMode of ['sync', 'async'] as const) {
  test(`SIGKILL during inserts loses no acknowledged commit (${walMode}, seed ${seed})`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), `heliosdb-dur-${walMode}-`));
    const env = { HELIOSDB_WAL_MODE: walMode };
    let s: ServerProcess | undefined;
    try {
      s = await spawnServer({ dataDir: dir, workerThreads: 2, env });
      await waitReady(s);
      assert.equal((await sql(s, { sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, n INTEGER NOT NULL)' })).status, 200);
      const acked = new Set<number>();
      const attempted = new Set<number>();
      for (let round = 0; round < 3; round++) {
        // Four concurrent writers; kill after a random delay while they run.
        let next = round * 1_000_000;
        let stop = false;
        const writer = async () => {
          while (!stop) {
            const id = next++;
            attempted.add(id);
            try {
              const r = await sql(s!, { sql: 'INSERT INTO t (id, payload, n) VALUES (?, ?, ?)', params: [id, `row-${id}-`.repeat(1 + (id % 7)), id * 3] });
              if (r.status === 200) acked.add(id);
            } catch {
              return; // connection died with the process
            }
          }
        };
        const writers = [writer(), writer(), writer(), writer()];
        await new Promise((r) => setTimeout(r, 150 + rand() * 400));
        assert.equal(await s.stop('SIGKILL'), 'SIGKILL');
        stop = true;
        await Promise.all(writers);
        const threads = [3, 1, 2][round]!;
        s = await spawnServer({ dataDir: dir, workerThreads: threads, env });
        await waitReady(s);
        const res = await sql(s, { sql: 'SELECT id, payload, n FROM t ORDER BY id' });
        assert.equal(res.status, 200, `the table survived: ${JSON.stringify(res.body)}`);
        const rows = res.body['rows'] as [number, string, number][];
        const present = new Set(rows.map((r) => r[0]));
        for (const id of acked) assert.ok(present.has(id), `acknowledged row ${id} survived SIGKILL (round ${round}, worker_threads ${threads})`);
        for (const [id, payload, n] of rows) {
          assert.ok(attempted.has(id), `row ${id} was never written`);
          assert.equal(payload, `row-${id}-`.repeat(1 + (id % 7)), `row ${id} is whole`);
          assert.equal(n, id * 3);
        }
        assert.ok(acked.size > 0, 'some inserts were acknowledged before the kill');
      }
      assert.equal(await s.stop(), 0);
    } finally {
      await s?.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the schema survives a restart: partial and DESC indexes, ADD COLUMN, AUTOINCREMENT, defaults', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-schema-'));
  let s: ServerProcess | undefined;
  try {
    s = await spawnServer({ dataDir: dir, workerThreads: 2 });
    await waitReady(s);
    const ddl = [
      "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL, status TEXT DEFAULT 'pending', created_at INTEGER DEFAULT (strftime('%s','now')))",
      'CREATE INDEX idx_cust_created ON orders (customer_id, created_at DESC)',
      "CREATE INDEX idx_pending ON orders (customer_id) WHERE status = 'pending'",
      'INSERT INTO orders (customer_id) VALUES (1), (2)',
      "INSERT INTO orders (customer_id, status) VALUES (1, 'shipped')",
      'DELETE FROM orders WHERE id = 3',
      'ALTER TABLE orders ADD COLUMN note TEXT',
    ];
    for (const q of ddl) assert.equal((await sql(s, { sql: q })).status, 200, q);
    assert.equal(await s.stop(), 0);
    s = await spawnServer({ dataDir: dir, workerThreads: 1 });
    await waitReady(s);
    // Writes after the restart maintain the partial index (its predicate is re-attached).
    const ins = await sql(s, { sql: "INSERT INTO orders (customer_id, note) VALUES (1, 'after restart')" });
    assert.equal(ins.status, 200, JSON.stringify(ins.body));
    assert.equal(ins.body['last_insert_id'], 4, 'AUTOINCREMENT never reuses the deleted id 3');
    const pending = await sql(s, { sql: "SELECT id FROM orders WHERE customer_id = 1 AND status = 'pending' ORDER BY id" });
    assert.deepEqual(pending.body['rows'], [[1], [4]]);
    const all = await sql(s, { sql: 'SELECT id, status, note, typeof(created_at) FROM orders ORDER BY customer_id, id' });
    assert.deepEqual(all.body['rows'], [[1, 'pending', null, 'integer'], [4, 'pending', 'after restart', 'integer'], [2, 'pending', null, 'integer']]);
    const viaIndex = await sql(s, { sql: 'SELECT id FROM orders WHERE customer_id = 1 ORDER BY created_at DESC, id DESC' });
    assert.deepEqual(viaIndex.body['rows'], [[4], [1]], 'the DESC index still orders rows after the restart');
    assert.equal(await s.stop(), 0);
  } finally {
    await s?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
