/**
 * Point reads answered from the shards' pages (src/coordinator/point-reads.ts) with real shard
 * workers: the bytes are exactly the shard's in every reply format; reads stay right while
 * writers change the rows, while a transaction holds a row, across DDL that moves a table's
 * root, with a pool too small to hold the data, and across a shard's restart. Each test also
 * checks that reads were in fact served from the pages, so none can pass by always falling back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator } from '../../src/coordinator/index.js';
import { createLogger } from '../../src/log.js';
import { encodeExecuteRequest } from '../../src/shard/grpc-codec.js';
import { rowProtoReply } from '../../src/shard/row-proto.js';
import type { ReplyFormat } from '../../src/shard/fragment-protocol.js';
import type { Value } from '../../src/storage/api.js';
import { rng } from '../helpers/prng.js';

async function open(dir: string, cacheBytes = 16 * 1024 * 1024): Promise<Coordinator> {
  const c = new Coordinator({
    shards: 2,
    partitions: 8,
    storage: { dataDir: dir, walMode: 'async', cacheBytes, pageSize: 4096, asyncSyncIntervalMs: 5, checkpointWalBytes: 64 << 20, logLevel: 'warn', simd: 'auto' },
    log: createLogger('warn'),
    onFatal: (reason) => assert.fail(reason),
    shardKeys: {},
  });
  await c.start();
  return c;
}

const GET = 'SELECT * FROM t WHERE id = ?';
const text = (b: Uint8Array | unknown): string => Buffer.from(b as Uint8Array).toString('hex');

/** The statement's reply with page reads on and off (the shard answers), as comparable text. */
async function both(c: Coordinator, sql: string, params: Value[], reply: ReplyFormat): Promise<[string, string]> {
  c.router.pageReads = true;
  const fromPages = await c.execEncoded(sql, params, reply);
  c.router.pageReads = false;
  const fromShard = await c.execEncoded(sql, params, reply);
  c.router.pageReads = true;
  return [text(fromPages), text(fromShard)];
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
}

describe('point reads from shared pages', () => {
  let dir: string;
  let c: Coordinator;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'helios-point-reads-'));
    c = await open(dir);
    await c.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, a)', []);
    const r = rng(42);
    for (let id = 1; id <= 400; id++) {
      const s = id % 50 === 0 ? 'long '.repeat(2000) : id % 7 === 0 ? null : `name-${id}-é✓`;
      const big = id % 11 === 0 ? 2n ** 60n + BigInt(id) : BigInt(id * 3 - 500);
      const real = id % 13 === 0 ? -0 : (r() - 0.5) * 1e9;
      const blob = id % 5 === 0 ? null : new Uint8Array([id & 255, 0, 255, (id * 7) & 255]);
      const any: Value = id % 3 === 0 ? 'x' : id % 3 === 1 ? 2.5 : BigInt(id);
      await c.exec('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', [BigInt(id), big, real, s, blob, any]);
    }
  });
  after(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every reply format is byte for byte the shard\'s, found or not', async () => {
    const proto = rowProtoReply([
      { column: 'id', number: 1, scalar: 'int64' }, { column: 'i', number: 2, scalar: 'int64' }, { column: 'r', number: 3, scalar: 'double' },
      { column: 's', number: 4, scalar: 'string' }, { column: 'b', number: 5, scalar: 'bytes' }, { column: 'a', number: 6, scalar: 'string' },
    ]);
    for (let p = 1; p <= 16; p++) await c.execEncoded(GET, [BigInt(p)], 'row-json'); // every partition located
    await until(() => c.router.pointReads!.stats.located >= 8, 'every partition located');
    const before = c.router.pointReads!.stats.read;
    let asked = 0;
    for (const id of [...Array(410).keys()].map((i) => BigInt(i + 1)).concat([0n, -5n, 2n ** 62n])) {
      for (const reply of ['row-json', 'json', 'proto', proto] as ReplyFormat[]) {
        const [pages, shard] = await both(c, GET, [id], reply);
        assert.equal(pages, shard, `id ${id}, ${JSON.stringify(reply)}`);
        asked++;
      }
    }
    assert.ok(c.router.pointReads!.stats.read - before >= asked * 0.9, `most reads came from the pages (${c.router.pointReads!.stats.read - before} of ${asked})`);
    const r = await c.exec('select * from T as x where X.ID = 50', []);
    assert.equal(r.rows[0]![0], 50n, 'other spellings of the same statement read right');
  });

  test('execEncodedNow: the same bytes synchronously when the row is at hand, else undefined', async () => {
    let now = 0;
    for (let id = 1n; id <= 40n; id++) {
      const sync = c.execEncodedNow(GET, [id], 'row-json');
      const viaPromise = await c.execEncoded(GET, [id], 'row-json');
      if (sync !== undefined) {
        now++;
        assert.equal(text(sync), text(viaPromise), `id ${id}`);
      }
    }
    assert.ok(now >= 36, `answered synchronously: ${now} of 40`);
    assert.equal(c.execEncodedNow('SELECT s FROM t WHERE id = ?', [1n], 'row-json'), undefined, 'not a SELECT *');
    assert.equal(c.execEncodedNow('SELEC nonsense', [], 'row-json'), undefined, 'an error is left to execEncoded');
    assert.equal(text(c.execEncodedNow(GET, [100_000n], 'row-json')), '', 'an absent row: no bytes');
    const before = c.router.pointReads!.stats.read;
    const viaShard = await c.execEncoded(GET, [7n], 'row-json', undefined, true);
    assert.equal(c.router.pointReads!.stats.read, before, 'pagesTried: the pages are not read a second time');
    assert.equal(text(viaShard), text(c.execEncodedNow(GET, [7n], 'row-json')), 'and the shard gives the same bytes');
  });

  test('execProtoNow (gRPC Execute): the same bytes synchronously, else undefined; execProto told pagesTried reads no pages', async () => {
    let now = 0;
    for (let id = 1n; id <= 40n; id++) {
      const body = encodeExecuteRequest(GET, [id]);
      const sync = c.execProtoNow(body);
      const viaPromise = await c.execProto(body);
      if (sync !== undefined) {
        now++;
        assert.equal(text(sync), text(viaPromise), `id ${id}`);
      }
    }
    assert.ok(now >= 36, `answered synchronously: ${now} of 40`);
    assert.equal(c.execProtoNow(new Uint8Array([0x0a, 0x7f, 0x01])), undefined, 'garbage is left to execProto, which reports it');
    await assert.rejects(c.execProto(new Uint8Array([0x0a, 0x7f, 0x01])), (e: Error & { code?: string }) => e.code === 'BAD_REQUEST');
    assert.equal(c.execProtoNow(encodeExecuteRequest('SELECT s FROM t WHERE id = ?', [1n])), undefined, 'not a SELECT *');
    const before = c.router.pointReads!.stats.read;
    const body = encodeExecuteRequest(GET, [9n]);
    const viaShard = await c.execProto(body, undefined, undefined, true);
    assert.equal(c.router.pointReads!.stats.read, before, 'pagesTried: the pages are not read a second time');
    assert.equal(text(viaShard), text(c.execProtoNow(body)), 'and the shard gives the same bytes');
  });

  test('statements that are not a plain rowid SELECT * go to the shard', async () => {
    const before = { ...c.router.pointReads!.stats };
    const shapes: [string, Value[]][] = [
      ['SELECT id, s FROM t WHERE id = ?', [3n]],
      ['SELECT * FROM t WHERE id = ? LIMIT 0', [3n]],
      ['SELECT * FROM t WHERE id = ?', ['3']],
      ['SELECT * FROM t WHERE id = 3.0', []],
      ['SELECT DISTINCT * FROM t WHERE id = 3', []],
    ];
    for (const [sql, params] of shapes) {
      const [pages, shard] = await both(c, sql, params, 'json');
      assert.equal(pages, shard, sql);
    }
    assert.equal(c.router.pointReads!.stats.read, before.read, 'none was read from the pages');
  });

  test('reads during concurrent writes see only whole, committed rows', async () => {
    await c.exec('CREATE TABLE pair (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER, pad TEXT)', []);
    for (let id = 1; id <= 64; id++) await c.exec('INSERT INTO pair VALUES (?, 0, 0, ?)', [BigInt(id), 'p'.repeat(id * 10)]);
    const r = rng(7);
    let stop = false;
    const writers = Array.from({ length: 4 }, async () => {
      for (let n = 1; !stop; n++) {
        const id = BigInt(1 + Math.floor(r() * 64));
        // Both columns in one statement, and a growing pad that moves rows between pages.
        await c.exec('UPDATE pair SET x = ?, y = ?, pad = ? WHERE id = ?', [BigInt(n), BigInt(-n), 'q'.repeat(Math.floor(r() * 900)), id]);
      }
    });
    const before = c.router.pointReads!.stats.read;
    let reads = 0;
    const deadline = Date.now() + 1500;
    while (Date.now() < deadline) {
      const ids = Array.from({ length: 16 }, () => 1 + Math.floor(r() * 64));
      const batch = await Promise.all(ids.map((id) => c.execEncoded('SELECT * FROM pair WHERE id = ?', [BigInt(id)], 'row-json')));
      for (const [i, b] of batch.entries()) {
        const row = JSON.parse(Buffer.from(b as Uint8Array).toString()) as { id: number; x: number; y: number };
        assert.equal(row.id, ids[i], 'the row asked for');
        assert.equal(row.x + row.y, 0, `a torn or half-written row: ${JSON.stringify(row)}`);
        reads++;
      }
    }
    stop = true;
    await Promise.all(writers);
    const fromPages = c.router.pointReads!.stats.read - before;
    assert.ok(fromPages > 0, `some of the ${reads} reads came from the pages (${fromPages})`);
  });

  test('a row an open transaction wrote is not read from the pages until it commits', async () => {
    // The DDL of the tests above made the table's location stale: read until it is located again.
    let fromPages = false;
    for (let i = 0; i < 200 && !fromPages; i++) {
      const before = c.router.pointReads!.stats.read;
      await c.execEncoded(GET, [9n], 'row-json');
      fromPages = c.router.pointReads!.stats.read === before + 1;
      if (!fromPages) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(fromPages, 'row 9 is read from the pages while nobody holds it');
    const id = c.txBegin(null);
    await c.txExec(id, "UPDATE t SET s = 'uncommitted' WHERE id = 9", []);
    let settled = false;
    const read = c.execEncoded(GET, [9n], 'row-json').then((b) => ((settled = true), JSON.parse(Buffer.from(b as Uint8Array).toString()) as { s: string }));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'the read waits for the writer');
    await c.txRollback(id);
    assert.equal((await read).s, 'name-9-é✓', 'and then sees the committed value');
  });

  test('DDL that rewrites a table (ADD COLUMN) or replaces it: reads follow', async () => {
    await c.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, v TEXT)', []);
    for (let id = 1; id <= 40; id++) await c.exec('INSERT INTO d VALUES (?, ?)', [BigInt(id), `v${id}`]);
    const get = async (id: number) => JSON.parse(Buffer.from((await c.execEncoded('SELECT * FROM d WHERE id = ?', [BigInt(id)], 'row-json')) as Uint8Array).toString()) as Record<string, unknown>;
    for (let id = 1; id <= 40; id++) await get(id);
    await c.exec("ALTER TABLE d ADD COLUMN w TEXT DEFAULT 'dflt'", []);
    for (let id = 1; id <= 40; id++) assert.deepEqual(await get(id), { id, v: `v${id}`, w: 'dflt' });
    await c.exec('DROP TABLE d', []);
    await c.exec('CREATE TABLE d (id INTEGER PRIMARY KEY, n REAL)', []);
    for (let id = 1; id <= 40; id++) await c.exec('INSERT INTO d VALUES (?, ?)', [BigInt(id), id / 4]);
    const before = c.router.pointReads!.stats.read;
    for (let round = 0; round < 3; round++) for (let id = 1; id <= 40; id++) assert.deepEqual(await get(id), { id, n: id / 4 });
    assert.ok(c.router.pointReads!.stats.read > before, 'the new table is read from the pages');
    // VACUUM rewrites every partition's file and re-registers it with the pool under a new owner id.
    await c.exec('DELETE FROM d WHERE id > 20', []);
    await c.exec('VACUUM', []);
    const afterVacuum = c.router.pointReads!.stats.read;
    for (let round = 0; round < 3; round++) {
      for (let id = 1; id <= 40; id++) {
        const body = Buffer.from((await c.execEncoded('SELECT * FROM d WHERE id = ?', [BigInt(id)], 'row-json')) as Uint8Array).toString();
        if (id <= 20) assert.deepEqual(JSON.parse(body), { id, n: id / 4 });
        else assert.equal(body, '', `row ${id} was deleted`);
      }
    }
    assert.ok(c.router.pointReads!.stats.read > afterVacuum, 'read from the pages after VACUUM');
  });

  test('a shard restart: the old pages are dropped at once and the new shard is read', async () => {
    const client = (c as unknown as { supervisor: { clients: { pages: unknown; worker: { terminate(): Promise<number> } }[] } }).supervisor.clients[1]!;
    const old = client.pages;
    assert.ok(old, 'the shard sent its pool');
    const pr = c.router.pointReads!;
    assert.ok(pr.locatedOn(1) > 0, 'partition 1 (on shard 1) has located tables');
    await client.worker.terminate();
    assert.equal(client.pages, undefined, 'dropped when the worker exited');
    assert.equal(pr.locatedOn(1), 0, 'and so are the locations holding its pool');
    assert.ok(pr.locatedOn(0) > 0, 'shard 0\'s are kept');
    await until(() => client.pages !== undefined && client.pages !== old, 'the restarted shard sent its new pool');
    await c.router.resolveInDoubt([1, 3, 5, 7]);
    const before = c.router.pointReads!.stats.read;
    for (let round = 0; round < 3; round++) {
      for (let id = 1; id <= 40; id++) {
        const [pages, shard] = await both(c, GET, [BigInt(id)], 'row-json');
        assert.equal(pages, shard);
      }
    }
    assert.ok(c.router.pointReads!.stats.read > before, 'reads come from the new shard\'s pages');
  });
});

test('a buffer pool smaller than the data: reads of evicted pages go to the shard and stay right', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'helios-point-reads-small-'));
  const c = await open(dir, 256 * 1024);
  try {
    await c.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)', []);
    const ids = [...Array(3000).keys()].map((i) => BigInt(i + 1));
    for (let i = 0; i < ids.length; i += 100) {
      await c.exec(`INSERT INTO t VALUES ${ids.slice(i, i + 100).map((id) => `(${id}, '${'r'.repeat(400)}${id}')`).join(',')}`, []);
    }
    const r = rng(3);
    for (let n = 0; n < 1500; n++) {
      const id = ids[Math.floor(r() * ids.length)]!;
      const body = JSON.parse(Buffer.from((await c.execEncoded(GET, [id], 'row-json')) as Uint8Array).toString()) as { id: number; s: string };
      assert.equal(body.s, `${'r'.repeat(400)}${id}`);
    }
    const st = c.router.pointReads!.stats;
    assert.ok(st.missed > 0 && st.read > 0, `some reads missed the pool (${st.missed}), some were served (${st.read})`);
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
