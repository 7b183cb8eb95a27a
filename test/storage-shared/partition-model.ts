/**
 * A model test for any {@link Partition} (the storage interface's seam): random inserts,
 * updates, deletes and aborted transactions against a Map model, checking scans, index range
 * scans (ASC/DESC parts, NOCASE, partial predicate), unique enforcement, maxRowid and check().
 * The memory engine runs it in test/storage-memory.test.ts; the paged engine can run the same.
 * Uses table id 1 and index ids 2–3 of a fresh partition.
 */
import assert from 'node:assert/strict';
import type { IndexDef, Partition, Value } from '../../src/storage/api.js';
import { HeliosError } from '../../src/errors.js';
import { compareKeys } from '../../src/storage/memory/key-order.js';
import { rng } from '../sql/helpers.js';

export function runPartitionModel(p: Partition, seed: number, steps = 300): void {
  const r = rng(seed);
  const setup = p.begin();
  setup.createTable({ id: 1, columns: ['integer', 'text'] });
  const ixA: IndexDef = { id: 2, table: 1, parts: [{ column: 0, desc: true, collation: 'binary' }, { column: 1, desc: false, collation: 'nocase' }], unique: false };
  const ixU: IndexDef = { id: 3, table: 1, parts: [{ column: 1, desc: false, collation: 'binary' }], unique: true, predicate: (row) => row[0] !== null && (row[0] as bigint) > 5n };
  setup.createIndex(ixA);
  setup.createIndex(ixU);
  setup.commit();
  const model = new Map<bigint, Value[]>();
  const vals = (): Value[] => [r() < 0.1 ? null : BigInt(Math.floor(r() * 10)), ['a', 'A', 'b', 'B', 'c', 'x'][Math.floor(r() * 6)]!];
  for (let step = 0; step < steps; step++) {
    const txn = p.begin();
    const shadow = new Map(model);
    for (let k = 0; k < 5; k++) {
      const id = BigInt(Math.floor(r() * 40));
      const op = Math.floor(r() * 3);
      try {
        if (op === 0) { const row = vals(); txn.insert(1, id, row); shadow.set(id, row); }
        else if (op === 1 && shadow.has(id)) { const row = vals(); txn.update(1, id, row); shadow.set(id, row); }
        else { assert.equal(txn.delete(1, id), shadow.delete(id)); }
      } catch (e) {
        assert.ok(e instanceof HeliosError && e.code === 'CONSTRAINT', String(e));
      }
    }
    if (r() < 0.3) txn.abort(); else { txn.commit(); model.clear(); for (const [k, v] of shadow) model.set(k, v); }
    const check = p.begin();
    const scanned: [bigint, Value[]][] = [];
    const cur = check.scan(1);
    for (let b = cur.nextBatch(); b; b = cur.nextBatch()) for (let i = 0; i < b.length; i++) scanned.push([b.rowid(i), [b.value(i, 0), b.value(i, 1)]]);
    const want = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    assert.deepEqual(scanned, want);
    // Index order is the model sorted by (key, rowid); unique index holds no duplicates among indexed rows.
    const entries = check.indexScan(2).next(1000);
    const expected = want.map(([id, row]) => ({ rowid: id, key: row })).sort((x, y) => compareKeys(ixA.parts, x.key, y.key) || (x.rowid < y.rowid ? -1 : 1));
    assert.deepEqual(entries.map((e) => e.rowid), expected.map((e) => e.rowid));
    const lo = BigInt(Math.floor(r() * 10));
    const ranged = check.indexScan(2, { lo: { values: [lo], inclusive: true }, reverse: true }).next(1000);
    assert.deepEqual(ranged.map((e) => e.rowid), expected.filter((e) => compareKeys(ixA.parts, e.key, [lo]) >= 0).map((e) => e.rowid).reverse());
    const uniq = want.filter(([, row]) => ixU.predicate!(row)).map(([, row]) => row[1]);
    assert.equal(new Set(uniq).size, uniq.length);
    assert.deepEqual(check.indexLookup(3, ['a']).length, want.filter(([, row]) => ixU.predicate!(row) && row[1] === 'a').length);
    assert.equal(check.maxRowid(1), want.length ? want[want.length - 1]![0] : null);
    check.commit();
    p.check();
  }
}
