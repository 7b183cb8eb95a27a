/** The memory partition through the shared partition model test. Seeded: MEM_SEED=<n> or "random". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPartition } from '../src/storage/memory/index.js';
import { seedFromEnv } from './sql/helpers.js';
import { runPartitionModel } from './storage-shared/partition-model.js';

test('memory partition matches a Map model under random operations', () => {
  const seed = seedFromEnv('MEM_SEED', 99);
  console.log(`MEM_SEED=${seed}`);
  runPartitionModel(new MemoryPartition(0), seed);
});

test('memory loadRows equals inserting row by row, fails whole on a duplicate, and aborts to empty', () => {
  const p = new MemoryPartition(0);
  const setup = p.begin();
  setup.createTable({ id: 1, columns: ['integer', 'text'] });
  setup.createIndex({ id: 2, table: 1, parts: [{ column: 1, desc: false, collation: 'nocase' }], unique: false });
  setup.createIndex({ id: 3, table: 1, parts: [{ column: 0, desc: true, collation: 'binary' }], unique: true, predicate: (r) => r[0] !== 7n });
  setup.commit();
  const rows = [[5n, 50n, 'b'], [1n, 10n, 'B'], [9n, null, 'a'], [3n, 7n, null], [2n, 7n, 'c']];
  const bulk = p.begin();
  bulk.loadRows!(1, rows);
  const snapshot = (t: ReturnType<MemoryPartition['begin']>) => {
    const out: unknown[] = [];
    const c = t.scan(1);
    for (let b = c.nextBatch(); b; b = c.nextBatch()) for (let i = 0; i < b.length; i++) out.push([b.rowid(i), b.value(i, 0), b.value(i, 1)]);
    c.close();
    const ix = (id: number) => t.indexScan(id).next(100).map((e) => [e.rowid, ...e.key]);
    return { rows: out, ix2: ix(2), ix3: ix(3) };
  };
  const loaded = snapshot(bulk);
  p.check();
  bulk.abort();
  const empty = p.begin();
  assert.deepEqual(snapshot(empty), { rows: [], ix2: [], ix3: [] });
  for (const r of rows) empty.insert(1, r[0] as bigint, r.slice(1));
  assert.deepEqual(loaded, snapshot(empty));
  empty.abort();
  const dup = p.begin();
  assert.throws(() => dup.loadRows!(1, [[1n, 1n, 'x'], [1n, 2n, 'y']]), /PRIMARY KEY/);
  assert.throws(() => dup.loadRows!(1, [[1n, 1n, 'x'], [2n, 1n, 'y']]), /UNIQUE/);
  assert.deepEqual(snapshot(dup), { rows: [], ix2: [], ix3: [] });
  dup.abort();
});
