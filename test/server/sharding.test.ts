/**
 * A partitioned database through the real server (16 partitions, the default):
 *  - point statements route to one partition (EXPLAIN names it) and rows spread over all of
 *    them; rowids increase across partitions; last_insert_id is the inserted row's;
 *  - restarts with another worker_threads (3 → 1 → 2) and another configured partition count
 *    open the same data: same rows, nothing lost or duplicated; AUTOINCREMENT never reuses an id;
 *  - a SIGKILL at each 2PC step (HELIOS_FAULT) leaves a multi-partition INSERT all-or-nothing
 *    (none before the decision is logged, all after it), and every acknowledged commit survives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';

type Body = Record<string, unknown>;

async function sql(s: ServerProcess, q: string, params: unknown[] = []): Promise<Body> {
  const r = await fetch(s.url('/v1/sql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: q, params }) });
  const body = (await r.json()) as Body;
  if (r.status !== 200) throw new Error(`${q}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

const rowsOf = (b: Body) => b['rows'] as unknown[][];

async function start(dir: string, workerThreads: number, env: Record<string, string> = {}, toml?: string): Promise<ServerProcess> {
  const s = await spawnServer({ dataDir: dir, workerThreads, env, ...(toml ? { toml } : {}) });
  await waitReady(s);
  return s;
}

test('rows spread over every partition, point statements hit one, restarts with other worker_threads keep every row once', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-shards-'));
  let s: ServerProcess | undefined;
  try {
    s = await start(dir, 3);
    await sql(s, 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, n INTEGER)');
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await sql(s, 'INSERT INTO t (name, n) VALUES (?, ?)', [`p${i}`, i]);
      ids.push(r['last_insert_id'] as number);
    }
    assert.deepEqual(ids, ids.map((_, i) => i + 1), 'rowids increase across partitions, and last_insert_id is the row');
    const values = Array.from({ length: 160 }, (_, i) => `('m${i}', ${40 + i})`).join(', ');
    const multi = await sql(s, `INSERT INTO t (name, n) VALUES ${values}`);
    assert.equal(multi['rows_affected'], 160);
    assert.equal(multi['last_insert_id'], 200);
    const metrics = await (await fetch(`http://127.0.0.1:${s.ports.metrics}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    assert.ok(metric('heliosdb_txn_single_partition_total') >= 40, 'the 40 point INSERTs were single-partition');
    assert.ok(metric('heliosdb_txn_multi_partition_total') >= 2 && metric('heliosdb_2pc_commits_total') >= 2, 'CREATE TABLE and the 160-row INSERT committed with 2PC');
    assert.ok(metric('heliosdb_2pc_prepares_total') >= 32);
    const parts = new Set<string>();
    for (let id = 1; id <= 200; id++) {
      const plan = rowsOf(await sql(s, 'EXPLAIN SELECT name FROM t WHERE id = ?', [id])).map((r) => r[0] as string);
      assert.match(plan[0]!, /^ROUTE ONE PARTITION \(\d+ of 16\)$/);
      parts.add(plan[0]!);
    }
    assert.equal(parts.size, 16, 'the 200 rows live in all 16 partitions');
    // Point SELECT * by id: answered from the shards' pages once each partition is located.
    for (let round = 0; round < 3; round++) {
      for (let id = 1; id <= 50; id++) assert.equal(rowsOf(await sql(s, 'SELECT * FROM t WHERE id = ?', [id]))[0]![0], id);
      await new Promise((r) => setTimeout(r, 20));
    }
    const after = await (await fetch(`http://127.0.0.1:${s.ports.metrics}/metrics`)).text();
    const pages = Number(/^heliosdb_point_reads_total\{outcome="pages"\} (\S+)$/m.exec(after)?.[1] ?? NaN);
    assert.ok(pages >= 50, `point reads answered from the shards' pages: ${pages}`);
    assert.match(rowsOf(await sql(s, 'EXPLAIN SELECT count(*) FROM t'))[0]![0] as string, /^ROUTE ALL PARTITIONS/);
    const expected = rowsOf(await sql(s, 'SELECT id, name, n FROM t ORDER BY id'));
    assert.equal(expected.length, 200);
    await sql(s, 'DELETE FROM t WHERE id = 200');
    for (const [threads, toml] of [[1, undefined], [2, '[storage]\npartitions = 4\n']] as const) {
      assert.equal(await s.stop(), 0);
      s = await start(dir, threads, {}, toml);
      const got = rowsOf(await sql(s, 'SELECT id, name, n FROM t ORDER BY id'));
      assert.deepEqual(got, expected.slice(0, 199), `worker_threads ${threads}: the same rows, once each`);
      assert.deepEqual(rowsOf(await sql(s, 'SELECT count(*), count(DISTINCT id) FROM t')), [[199, 199]]);
      if (toml) assert.ok(s.lines.some((l) => typeof l['msg'] === 'string' && /created with 16 partitions/.test(l['msg'] as string)), 'a changed partition count is ignored with a warning');
    }
    const again = await sql(s, 'INSERT INTO t (name, n) VALUES (?, ?)', ['after', 0]);
    assert.equal(again['last_insert_id'], 201, 'AUTOINCREMENT never reuses the deleted id 200 after restarts');
    assert.equal(await s.stop(), 0);
  } finally {
    await s?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [point, committed] of [['2pc:after-prepare', false], ['2pc:after-decision', true], ['2pc:mid-commit', true]] as const) {
  test(`SIGKILL at ${point}: the multi-partition INSERT is ${committed ? 'all there' : 'gone'}, acknowledged commits survive`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-2pc-'));
    let s: ServerProcess | undefined;
    try {
      s = await start(dir, 2);
      await sql(s, 'CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance INTEGER NOT NULL)');
      assert.equal(await s.stop(), 0);
      s = await start(dir, 2, { HELIOS_FAULT: `${point}:1` });
      for (let i = 1; i <= 20; i++) await sql(s, 'INSERT INTO acct VALUES (?, ?, 100)', [i, `single${i}`]); // acknowledged, one partition each
      const values = Array.from({ length: 30 }, (_, i) => `(${1000 + i}, 'batch', 7)`).join(', ');
      await assert.rejects(sql(s, `INSERT INTO acct VALUES ${values}`), 'the process died mid-commit');
      assert.equal(await s.stop(), 'SIGKILL');
      s = await start(dir, 3);
      assert.deepEqual(rowsOf(await sql(s, "SELECT count(*), sum(balance) FROM acct WHERE owner LIKE 'single%'")), [[20, 2000]], 'every acknowledged commit survived');
      const batch = rowsOf(await sql(s, "SELECT count(*) FROM acct WHERE owner = 'batch'"))[0]![0];
      assert.equal(batch, committed ? 30 : 0, 'all or nothing');
      // The in-doubt partitions were resolved before ready: they take writes again.
      await sql(s, `INSERT INTO acct VALUES ${Array.from({ length: 30 }, (_, i) => `(${2000 + i}, 'later', 1)`).join(', ')}`);
      assert.deepEqual(rowsOf(await sql(s, "SELECT count(*) FROM acct WHERE owner = 'later'")), [[30]]);
      assert.equal(await s.stop(), 0);
    } finally {
      await s?.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a shard that dies before its 2PC COMMIT is restarted and settled from the decision log; the committed INSERT is whole', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-2pc-shard-'));
  let s: ServerProcess | undefined;
  try {
    s = await start(dir, 2);
    await sql(s, 'CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT NOT NULL)');
    assert.equal(await s.stop(), 0);
    s = await start(dir, 2, { HELIOS_FAULT: 'shard:before-commit:1' });
    // Both shards die at their first COMMIT, after the decision was logged: the client's commit stands.
    const r = await sql(s, `INSERT INTO acct VALUES ${Array.from({ length: 30 }, (_, i) => `(${i + 1}, 'batch')`).join(', ')}`);
    assert.equal(r['rows_affected'], 30);
    let count: unknown;
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        count = rowsOf(await sql(s, 'SELECT count(*) FROM acct'))[0]![0];
        if (count === 30) break;
      } catch {
        /* UNAVAILABLE while a shard restarts or a partition is fenced */
      }
      assert.ok(Date.now() < deadline, `the in-doubt partitions were settled (count ${String(count)})`);
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(s.lines.some((l) => l['msg'] === 'in-doubt transactions settled after a shard restart' && Number(l['committed']) > 0));
    assert.equal(await s.stop(), 0);
    s = await start(dir, 1);
    assert.deepEqual(rowsOf(await sql(s, 'SELECT count(*), min(id), max(id) FROM acct')), [[30, 1, 30]]);
    assert.equal(await s.stop(), 0);
  } finally {
    await s?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
