/**
 * Another thread's read-only view of a shared buffer pool (BufferPool.attach, ViewTable): it
 * reads the same rows the owner does, refuses pages that are not resident and values over its
 * limit instead of loading them, and its sequence lock tells a read that overlapped the owner's
 * writes. The coordinator's point reads (src/shard/page-reads.ts) rest on these.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { BufferPool, MemoryFileIO, NeedsOwner, ViewTable, createBufferPool, openPartition, type Value } from '../../src/storage/index.js';
import { randInt, randomValue, rng, rowEq, seedFrom, show } from './helpers.js';

function partitionWithRows(seed: number, rows: number, poolBytes = 4 * 1024 * 1024) {
  const r = rng(seed);
  const pool = createBufferPool({ bytes: poolBytes, pageSize: 4096, shared: true });
  const p = openPartition(0, { dir: `/view-${seed}`, walMode: 'sync', fileIO: new MemoryFileIO() }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer', 'text', 'real', 'blob', 'any'] });
  const want = new Map<bigint, Value[]>();
  for (let i = 0; i < rows; i++) {
    const rowid = BigInt(randInt(r, rows * 4)) - BigInt(rows);
    if (want.has(rowid)) continue;
    const row = [randomValue(r, 0.03), randomValue(r, 0.03), randomValue(r), randomValue(r, 0.03), randomValue(r)];
    t.insert(1, rowid, row);
    want.set(rowid, row);
  }
  t.commit();
  return { pool, p, want, r };
}

test('a view reads every row as the owner does (overflow values included) and nothing that is absent', () => {
  const seed = seedFrom('pool-view-rows');
  const { pool, p, want, r } = partitionWithRows(seed, 3000);
  const view = BufferPool.attach(pool.sharedBlock()!);
  const table = new ViewTable(view, p.tableLocation(1)!);
  const s = view.readBegin();
  assert.ok(s >= 0, 'the owner is not writing');
  for (const [rowid, row] of want) assert.ok(rowEq(table.get(rowid), row), `rowid ${rowid}: ${show(table.get(rowid))} vs ${show(row)} (seed ${seed})`);
  for (let i = 0; i < 500; i++) {
    const rowid = BigInt(randInt(r, 1e6)) + 100_000n;
    assert.equal(table.get(rowid), undefined);
  }
  assert.ok(view.readValid(s), 'nothing was written meanwhile');
});

test('the sequence lock: -1 while the owner writes; a read spanning a write is invalid', () => {
  const { pool } = partitionWithRows(1, 10);
  const view = BufferPool.attach(pool.sharedBlock()!);
  const s = view.readBegin();
  assert.ok(s >= 0);
  pool.writeBegin();
  assert.equal(view.readBegin(), -1, 'the owner is inside a write');
  pool.writeBegin(); // nested: stays odd
  assert.equal(view.readBegin(), -1);
  pool.writeEnd();
  assert.equal(view.readValid(s), false, 'a write happened since s');
  const s2 = view.readBegin();
  assert.ok(s2 > s);
  assert.ok(view.readValid(s2));
});

test('a view refuses non-resident pages and large values rather than loading them; it never writes', () => {
  const seed = seedFrom('pool-view-evict');
  // A pool far smaller than the data: most pages are out of memory.
  const { pool, p, want } = partitionWithRows(seed, 4000, 32 * 4096);
  const view = BufferPool.attach(pool.sharedBlock()!);
  const table = new ViewTable(view, p.tableLocation(1)!);
  let read = 0;
  let refused = 0;
  for (const [rowid, row] of want) {
    try {
      const got = table.get(rowid);
      assert.ok(rowEq(got, row), `rowid ${rowid} (seed ${seed})`);
      read++;
    } catch (e) {
      assert.ok(e instanceof NeedsOwner, `only NeedsOwner, got ${String(e)}`);
      refused++;
    }
  }
  assert.ok(refused > 0 && read > 0, `some rows refused (${refused}), some read (${read})`);
  assert.throws(() => view.create(), /read-only/);
  assert.throws(() => view.markDirty(), /read-only/);

  const big = createBufferPool({ bytes: 8 * 1024 * 1024, pageSize: 4096, shared: true });
  const bp = openPartition(0, { dir: '/view-big', walMode: 'sync', fileIO: new MemoryFileIO() }, big);
  const t = bp.begin();
  t.createTable({ id: 1, columns: ['text'] });
  t.insert(1, 1n, ['x'.repeat(200_000)]);
  t.insert(1, 2n, ['y'.repeat((1 << 20) + 1)]);
  t.commit();
  const bigTable = new ViewTable(BufferPool.attach(big.sharedBlock()!), bp.tableLocation(1)!);
  assert.equal((bigTable.get(1n)![0] as string).length, 200_000, 'an overflow value under the limit is read');
  assert.throws(() => bigTable.get(2n), (e: unknown) => e instanceof NeedsOwner && /overflow value/.test(e.message));
});

test('a pool shared with another thread: the worker reads rows through its own view', async () => {
  const { pool, p, want } = partitionWithRows(7, 500);
  const [rowid, row] = [...want][123]!;
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.storage).then(({ BufferPool, ViewTable }) => {
      const view = BufferPool.attach(workerData.block);
      const s = view.readBegin();
      const got = new ViewTable(view, workerData.loc).get(workerData.rowid);
      parentPort.postMessage({ got, valid: view.readValid(s) });
    });`;
  const storage = new URL('../../src/storage/index.js', import.meta.url).href;
  const w = new Worker(src, { eval: true, workerData: { block: pool.sharedBlock(), loc: p.tableLocation(1), rowid, storage } });
  const msg = await new Promise<{ got: Value[]; valid: boolean }>((res, rej) => { w.once('message', res); w.once('error', rej); });
  await w.terminate();
  assert.ok(msg.valid);
  assert.ok(rowEq(msg.got.map((v) => (v instanceof Uint8Array ? new Uint8Array(v) : v)), row), `${show(msg.got)} vs ${show(row)}`);
});
