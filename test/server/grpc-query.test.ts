/**
 * gRPC `Query` (server streaming) on a real server with several shards and partitions, through
 * a grpc-js client: the columns come first, the rows equal Execute's (single partition, fan-out
 * concatenation, fan-out ORDER BY merge, the Execute path); ORDER BY / LIMIT / OFFSET fan-out
 * merges match better-sqlite3 on random data; a paused client holds back the shards (the chunk
 * counters stand still, memory stays flat); a cancelled call closes its shard cursors while other
 * calls go on; a deadline stops a long query on its shard, which answers the next point query
 * at once. Seed: GRPC_QUERY_SEED (a number or "random").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import Sqlite from 'better-sqlite3';
import { Database, type Serving } from '../../src/index.js';
import { databaseClient, unary, unaryError, type Msg } from '../library/grpc-helpers.js';
import { rng } from '../helpers/prng.js';

const SEED = process.env['GRPC_QUERY_SEED'] === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env['GRPC_QUERY_SEED'] ?? 20261124);

type Cell = string | number | null;
interface Wire { kind?: string; integer_value?: string; real_value?: number; text_value?: string; null_value?: boolean }

/** A Value message as a comparable cell (integers as decimal strings, as proto-loader gives them). */
function cell(v: Wire): Cell {
  if (v.integer_value !== undefined) return `i${v.integer_value}`;
  if (v.real_value !== undefined) return v.real_value;
  if (v.text_value !== undefined) return `t${v.text_value}`;
  return null;
}
const rowsOf = (m: Msg): Cell[][] => ((m['rows'] as { values?: Wire[] }[] | undefined) ?? []).map((r) => (r.values ?? []).map(cell));

/** better-sqlite3 values in the same form. */
function sqliteCell(v: unknown): Cell {
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return `t${v}`;
  return null;
}

interface QueryResult { messages: Msg[]; columns: string[]; rows: Cell[][] }

function query(client: grpc.Client, sql: string, params: Msg[] = [], opts: grpc.CallOptions = {}): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    const call = (client as unknown as { Query(req: Msg, md: grpc.Metadata, o: grpc.CallOptions): grpc.ClientReadableStream<Msg> }).Query({ sql, params }, new grpc.Metadata(), { deadline: Date.now() + 30_000, ...opts });
    const messages: Msg[] = [];
    call.on('data', (m: Msg) => messages.push(m));
    call.on('error', reject);
    call.on('end', () => resolve({ messages, columns: (messages[0]?.['columns'] as string[] | undefined) ?? [], rows: messages.flatMap(rowsOf) }));
  });
}

async function queryError(client: grpc.Client, sql: string, params: Msg[] = [], opts: grpc.CallOptions = {}): Promise<{ err: grpc.ServiceError; messages: number }> {
  let messages = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const call = (client as unknown as { Query(req: Msg, md: grpc.Metadata, o: grpc.CallOptions): grpc.ClientReadableStream<Msg> }).Query({ sql, params }, new grpc.Metadata(), { deadline: Date.now() + 30_000, ...opts });
      call.on('data', () => messages++);
      call.on('error', reject);
      call.on('end', () => resolve());
    });
  } catch (e) {
    return { err: e as grpc.ServiceError, messages };
  }
  assert.fail(`Query ${sql} should fail`);
}

async function execute(client: grpc.Client, sql: string, params: Msg[] = []): Promise<{ columns: string[]; rows: Cell[][] }> {
  const r = await unary(client, 'Execute', { sql, params }, 60_000);
  return { columns: (r['columns'] as string[] | undefined) ?? [], rows: rowsOf(r) };
}

// A collectable heap for the memory check, also without --expose-gc.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/**
 * Live JS heap plus Buffers/ArrayBuffers after full collections. One gc() is not enough: external
 * memory whose owners died in it is released by finalizers after it, so a single collection left
 * the reading ±30 MB off (measured), more than the bound checked below. Collect until two
 * readings agree within 1 MB (at most 6 rounds).
 */
const liveBytes = async (): Promise<number> => {
  const read = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    const now = read();
    if (Math.abs(now - last) < 1 << 20) return now;
    last = now;
  }
  return last;
};

const canon = (rows: Cell[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();
const int = (n: number | bigint): Msg => ({ integer_value: String(n) });

async function metric(serving: Serving, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${serving.ports.metrics}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

describe('gRPC Query on 8 partitions over 2 shards', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-query-'));
  let db: Database;
  let serving: Serving;
  let client: grpc.Client;
  const oracle = new Sqlite(':memory:');
  oracle.defaultSafeIntegers(true);
  const N = 3000;

  before(async () => {
    db = await Database.open({
      database: { path: join(dir, 'db') },
      storage: { partitions: 8 },
      performance: { worker_threads: 2 },
      api: { rest_port: 0, grpc_port: 0 },
      observability: { metrics_enabled: true, metrics_port: 0, log_level: 'error' },
    });
    serving = await db.serve();
    client = databaseClient(`127.0.0.1:${serving.ports.grpc}`);
    const ddl = ['CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)', 'CREATE INDEX t_a ON t (a)', 'CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, note TEXT)'];
    for (const s of ddl) {
      await execute(client, s);
      oracle.exec(s);
    }
    const r = rng(SEED);
    const ins = oracle.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
    for (let at = 1; at <= N; at += 250) {
      const vals: string[] = [];
      for (let i = at; i < at + 250 && i <= N; i++) {
        const a = r() < 0.1 ? null : BigInt(Math.floor(r() * 40) - 5);
        const b = r() < 0.1 ? null : `s${Math.floor(r() * 300)}`;
        const c = Math.round(r() * 1e6) / 100;
        ins.run(BigInt(i), a, b, c);
        vals.push(`(${i}, ${a === null ? 'NULL' : a}, ${b === null ? 'NULL' : `'${b}'`}, ${c})`);
      }
      await execute(client, `INSERT INTO t VALUES ${vals.join(',')}`);
    }
    await execute(client, 'INSERT INTO u (t_id, note) SELECT id, b FROM t WHERE id % 7 = 0');
  });

  after(async () => {
    client?.close();
    await db?.close();
    oracle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first message carries the columns; rows equal Execute on every route', async () => {
    const cases: [string, Msg[], boolean][] = [
      ['SELECT * FROM t WHERE id = ?', [int(77)], false],
      ['SELECT id, b FROM t WHERE id = 78 AND a > -100', [], false],
      ['SELECT * FROM t', [], false],
      ['SELECT id, a * 2 AS twice FROM t WHERE a >= ? AND c < 5000', [int(10)], false],
      ['SELECT id, c FROM t ORDER BY c DESC, id', [], true],
      ['SELECT a, count(*) AS n, sum(c) FROM t GROUP BY a ORDER BY a', [], true],
      ['SELECT t.id, u.note FROM t JOIN u ON u.t_id = t.id WHERE t.a < 3 ORDER BY t.id', [], true],
      ['SELECT DISTINCT b FROM t ORDER BY b', [], true],
      ['SELECT * FROM t WHERE id = -1', [], false],
    ];
    for (const [sql, params, ordered] of cases) {
      const q = await query(client, sql, params);
      const e = await execute(client, sql, params);
      assert.deepEqual(q.columns, e.columns, `${sql}: columns`);
      assert.ok(q.messages.length >= 1, `${sql}: at least the columns message`);
      for (const m of q.messages.slice(1)) assert.deepEqual((m['columns'] as string[] | undefined) ?? [], [], `${sql}: only the first message has columns`);
      if (ordered) assert.deepEqual(q.rows, e.rows, sql);
      else assert.deepEqual(canon(q.rows), canon(e.rows), sql);
    }
    const big = await query(client, 'SELECT * FROM t');
    assert.equal(big.rows.length, N);
  });

  test(`fan-out ORDER BY / LIMIT / OFFSET merges equal better-sqlite3 (seed ${SEED})`, async () => {
    const streamsBefore = await metric(serving, 'heliosdb_query_streams_total');
    const r = rng(SEED + 1);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    for (let i = 0; i < 40; i++) {
      const keys = [...new Set([pick(['a', 'b', 'c', 'a DESC', 'b DESC', 'c DESC', 'a NULLS LAST', 'b COLLATE NOCASE DESC', 'id % 10']), pick(['a', 'b DESC', 'c', ''])].filter(Boolean))];
      keys.push(pick(['id', 'id DESC'])); // a total order: ties never depend on the plan
      const where = pick(['', 'WHERE a > 10', 'WHERE b < \'s150\'', 'WHERE c BETWEEN 100 AND 6000', 'WHERE a IS NULL OR a = 3']);
      const limit = pick(['', 'LIMIT 0', 'LIMIT 1', 'LIMIT 17', 'LIMIT 500', 'LIMIT 5000', 'LIMIT -1']);
      const offset = limit === '' ? '' : pick(['', 'OFFSET 0', 'OFFSET 3', 'OFFSET 250', 'OFFSET 4000']);
      const cols = pick(['*', 'id, a', 'b, id, c * 2']);
      const sql = `SELECT ${cols} FROM t ${where} ORDER BY ${keys.join(', ')} ${limit} ${offset}`;
      const want = (oracle.prepare(sql).raw(true).all() as unknown[][]).map((row) => row.map(sqliteCell));
      const got = await query(client, sql);
      assert.deepEqual(got.rows, want, `${sql} (seed ${SEED})`);
    }
    // Parameters for LIMIT and OFFSET are pushed too.
    const got = await query(client, 'SELECT id FROM t ORDER BY c LIMIT ? OFFSET ?', [int(5), int(10)]);
    const want = (oracle.prepare('SELECT id FROM t ORDER BY c LIMIT 5 OFFSET 10').raw(true).all() as unknown[][]).map((row) => row.map(sqliteCell));
    assert.deepEqual(got.rows, want);
    // Every one of them streamed from per-partition cursors (none took the Execute path).
    assert.equal(await metric(serving, 'heliosdb_query_streams_total') - streamsBefore, 41);
    assert.equal(await metric(serving, 'heliosdb_query_streams_open'), 0);
    assert.equal(await metric(serving, 'heliosdb_shard_query_cursors_open'), 0);
  });

  test('errors: bad SQL, unknown tables and unknown transactions are the only status', async () => {
    const syntax = await queryError(client, 'SELEC * FROM t');
    assert.equal(syntax.err.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(syntax.messages, 0);
    const missing = await queryError(client, 'SELECT * FROM nope');
    assert.equal(missing.err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(missing.err.details, /no such table: nope/);
    assert.equal(missing.messages, 0);
    const single = await queryError(client, 'SELECT nope FROM t WHERE id = 1');
    assert.equal(single.err.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(single.messages, 0);
    const tx = await new Promise<grpc.ServiceError>((resolve) => {
      const call = (client as unknown as { Query(req: Msg): grpc.ClientReadableStream<Msg> }).Query({ sql: 'SELECT 1', tx_id: 'tx-1' });
      call.on('data', () => undefined);
      call.on('error', resolve);
    });
    assert.equal(tx.code, grpc.status.NOT_FOUND);
    assert.match(tx.details, /TX_NOT_FOUND/);
  });

  test('Query with a tx_id runs inside the interactive transaction: its own uncommitted writes, in messages', async () => {
    const rest = `http://127.0.0.1:${serving.ports.rest}`;
    const post = async (path: string, body?: unknown) => {
      const r = await fetch(`${rest}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
      return (await r.json()) as Record<string, unknown>;
    };
    await execute(client, 'CREATE TABLE txq (id INTEGER PRIMARY KEY, v TEXT)');
    await execute(client, "INSERT INTO txq VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const id = (await post('/v1/tx')).tx_id as string;
    await post(`/v1/tx/${id}/sql`, { sql: "INSERT INTO txq VALUES (4, 'uncommitted')" });
    const inTx = await new Promise<QueryResult>((resolve, reject) => {
      const call = (client as unknown as { Query(req: Msg): grpc.ClientReadableStream<Msg> }).Query({ sql: 'SELECT id, v FROM txq ORDER BY id', tx_id: id });
      const messages: Msg[] = [];
      call.on('data', (m: Msg) => messages.push(m));
      call.on('error', reject);
      call.on('end', () => resolve({ messages, columns: (messages[0]?.['columns'] as string[] | undefined) ?? [], rows: messages.flatMap(rowsOf) }));
    });
    assert.deepEqual(inTx.columns, ['id', 'v']);
    assert.deepEqual(inTx.rows, [['i1', 'ta'], ['i2', 'tb'], ['i3', 'tc'], ['i4', 'tuncommitted']]);
    await post(`/v1/tx/${id}/rollback`);
    assert.deepEqual((await query(client, 'SELECT id FROM txq ORDER BY id')).rows, [['i1'], ['i2'], ['i3']]);
  });

  test('a fan-out Execute past its deadline stops in the coordinator too (the catalog mirror checks it)', async () => {
    const slow = 'SELECT count(*) FROM t t1, t t2, u WHERE u.id <= 8 AND t1.c < t2.c + u.id';
    // Runs ~4.6 s to completion here; in the mirror (main thread) the deadline is read from the clock.
    const t0 = performance.now();
    const e = await unaryError(client, 'Execute', { sql: slow }, 300);
    const ms = performance.now() - t0;
    assert.equal(e.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(ms < 2000, `the call took ${Math.round(ms)} ms: the join went on past its deadline`);
    const p0 = performance.now();
    await execute(client, 'SELECT * FROM t WHERE id = 5');
    assert.ok(performance.now() - p0 < 1000, 'the main thread is free again');
  });

  test('a paused client holds back the shards: chunk requests stop, memory stays flat; then every row arrives', async () => {
    // Large enough that the fixed buffers (HTTP/2 windows, heap noise: ~5 MB here) stay well under a quarter of it.
    const rows = 120_000;
    await execute(client, 'CREATE TABLE big (id INTEGER PRIMARY KEY, pad TEXT)');
    await execute(client, `INSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ${rows}) SELECT x, hex(randomblob(150)) FROM c`);
    const resultBytes = rows * 310;
    const totalChunks = resultBytes / (64 * 1024);
    const chunks0 = await metric(serving, 'heliosdb_query_chunks_requested_total');
    const mem0 = await liveBytes();
    const call = (client as unknown as { Query(req: Msg, md: grpc.Metadata, o: grpc.CallOptions): grpc.ClientReadableStream<Msg> }).Query({ sql: 'SELECT * FROM big' }, new grpc.Metadata(), { deadline: Date.now() + 60_000 });
    const seen = new Set<string>();
    let messages = 0;
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (m: Msg) => {
        messages++;
        for (const r of rowsOf(m)) seen.add(String(r[0]));
        if (messages === 1) call.pause();
      });
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const chunks1 = await metric(serving, 'heliosdb_query_chunks_requested_total');
      await new Promise((r) => setTimeout(r, 1000));
      const chunks2 = await metric(serving, 'heliosdb_query_chunks_requested_total');
      const mem1 = await liveBytes();
      assert.equal(chunks2, chunks1, 'no chunk is requested while the client reads nothing');
      assert.ok(chunks1 - chunks0 < totalChunks / 4, `requested ${chunks1 - chunks0} chunks of ~${Math.round(totalChunks)} while paused`);
      assert.ok(seen.size < rows / 4, `the client got ${seen.size} rows before pausing`);
      assert.equal(await metric(serving, 'heliosdb_query_streams_open'), 1);
      // Server and client share this process: everything either side buffers shows here.
      assert.ok(mem1 - mem0 < resultBytes / 4, `live memory grew by ${mem1 - mem0} bytes for a ${resultBytes}-byte result`);
    } catch (e) {
      call.cancel();
      await done.catch(() => undefined);
      throw e;
    }
    call.resume();
    await done;
    assert.equal(seen.size, rows);
    assert.ok(messages > totalChunks / 2, `${messages} messages`);
    assert.equal(await metric(serving, 'heliosdb_query_streams_open'), 0);
    assert.equal(await metric(serving, 'heliosdb_shard_query_cursors_open'), 0);
  });

  test('a cancelled call closes its shard cursors; other calls go on', async () => {
    const call = (client as unknown as { Query(req: Msg): grpc.ClientReadableStream<Msg> }).Query({ sql: 'SELECT * FROM big ORDER BY pad' });
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    assert.ok((await metric(serving, 'heliosdb_shard_query_cursors_open')) > 0, 'the shards hold cursors mid-stream');
    const errored = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    call.cancel();
    assert.equal((await errored).code, grpc.status.CANCELLED);
    for (let i = 0; i < 100 && (await metric(serving, 'heliosdb_shard_query_cursors_open')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await metric(serving, 'heliosdb_shard_query_cursors_open'), 0, 'every cursor was closed');
    assert.equal(await metric(serving, 'heliosdb_query_streams_open'), 0);
    // Writers of the held partitions are free again, and reads go on.
    await execute(client, 'UPDATE big SET pad = \'x\' WHERE id = 1');
    assert.deepEqual((await query(client, 'SELECT pad FROM big WHERE id = 1')).rows, [['tx']]);
    assert.equal((await query(client, 'SELECT id FROM t')).rows.length, N);
  });
});

describe('deadlines and cancellation stop work on the shard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-query-deadline-'));
  let db: Database;
  let serving: Serving;
  let client: grpc.Client;
  // One partition: every statement runs on shard 0, so a long one occupies it.
  const LONG = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c';

  before(async () => {
    db = await Database.open({
      database: { path: join(dir, 'db') },
      storage: { partitions: 1 },
      performance: { worker_threads: 1 },
      api: { rest_port: 0, grpc_port: 0 },
      observability: { metrics_enabled: false, log_level: 'error' },
    });
    serving = await db.serve();
    client = databaseClient(`127.0.0.1:${serving.ports.grpc}`);
    await execute(client, 'CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT)');
    await execute(client, "INSERT INTO k VALUES (1, 'one')");
  });

  after(async () => {
    client?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Time until a point query answers: the shard is free again. */
  async function pointQueryMs(): Promise<number> {
    const t0 = performance.now();
    assert.deepEqual((await execute(client, 'SELECT v FROM k WHERE id = 1')).rows, [['tone']]);
    return performance.now() - t0;
  }

  test('Query past its deadline: DEADLINE_EXCEEDED, and the shard is free at once', async () => {
    const t0 = performance.now();
    const { err } = await queryError(client, LONG, [], { deadline: Date.now() + 300 });
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    const ms = await pointQueryMs();
    assert.ok(ms < 1000, `the point query after the deadline took ${Math.round(ms)} ms (the long query went on?)`);
    assert.ok(performance.now() - t0 < 2500);
  });

  test('Execute past its deadline and a cancelled Execute: stopped on the shard', async () => {
    const e = await unaryError(client, 'Execute', { sql: LONG }, 300);
    assert.equal(e.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok((await pointQueryMs()) < 1000);
    const cancelledCall = new Promise<grpc.ServiceError>((resolve) => {
      const c = (client as unknown as { Execute(req: Msg, cb: (e: grpc.ServiceError | null) => void): grpc.ClientUnaryCall }).Execute({ sql: LONG }, (err) => resolve(err!));
      setTimeout(() => c.cancel(), 200);
    });
    assert.equal((await cancelledCall).code, grpc.status.CANCELLED);
    assert.ok((await pointQueryMs()) < 1000);
  });

  test('a write stopped by its deadline leaves no effect', async () => {
    const e = await unaryError(client, 'Execute', { sql: `INSERT INTO k (v) ${LONG.replace('SELECT max(x) FROM c', 'SELECT x FROM c')}` }, 300);
    assert.equal(e.code, grpc.status.DEADLINE_EXCEEDED);
    assert.deepEqual((await execute(client, 'SELECT count(*) FROM k')).rows, [['i1']]);
  });
});


describe('a client that stops reading loses its call after the idle timeout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-query-idle-'));
  let db: Database;
  let serving: Serving;
  let client: grpc.Client;

  before(async () => {
    db = await Database.open({
      database: { path: join(dir, 'db') },
      storage: { partitions: 2 },
      performance: { worker_threads: 1 },
      transactions: { default_timeout_ms: 400 },
      api: { rest_port: 0, grpc_port: 0 },
      observability: { metrics_enabled: true, metrics_port: 0, log_level: 'error' },
    });
    serving = await db.serve();
    client = databaseClient(`127.0.0.1:${serving.ports.grpc}`);
    await execute(client, 'CREATE TABLE w (id INTEGER PRIMARY KEY, pad TEXT)');
    await execute(client, 'INSERT INTO w WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT x, hex(randomblob(100)) FROM c');
  });

  after(async () => {
    client?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('cursors closed, hold released (a write goes through), DEADLINE_EXCEEDED once the client reads again', async () => {
    const call = (client as unknown as { Query(req: Msg): grpc.ClientReadableStream<Msg> }).Query({ sql: 'SELECT * FROM w' });
    const failed = new Promise<grpc.ServiceError | null>((resolve) => {
      call.on('error', resolve);
      call.on('end', () => resolve(null));
    });
    await new Promise<void>((resolve) => call.once('data', () => {
      call.pause();
      resolve();
    }));
    assert.equal(await metric(serving, 'heliosdb_query_streams_open'), 1);
    for (let i = 0; i < 100 && (await metric(serving, 'heliosdb_query_streams_open')) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await metric(serving, 'heliosdb_query_streams_open'), 0, 'the idle stream was stopped');
    assert.equal(await metric(serving, 'heliosdb_shard_query_cursors_open'), 0);
    await execute(client, "UPDATE w SET pad = 'free' WHERE id = 2");
    call.on('data', () => undefined);
    call.resume();
    const err = await failed;
    assert.equal(err?.code, grpc.status.DEADLINE_EXCEEDED);
    assert.match(err.details, /read nothing/);
  });
});
