/**
 * RowBatch.dictionary (the GROUP BY path's way to read a TEXT/BLOB/untyped key column without
 * decoding every row) against RowBatch.value on random pages: same value per row, equal codes
 * exactly for byte-identical stored values (so 1 and 1.0, 'a' and 'A' stay apart: grouping by
 * SQL equality is the caller's), -1 for NULL, forward and reverse scans, ranges starting
 * mid-page; null for fixed-width columns and for batches holding an overflow cell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../src/storage/api.js';
import { MemoryFileIO, createBufferPool, openPartition } from '../../src/storage/index.js';
import { randInt, randomValue, rng, seedFrom, show, valueEq } from './helpers.js';

/** The stored identity of a value: its type and bytes (what the dictionary may merge on). */
function identity(v: Value): string {
  if (v instanceof Uint8Array) return `b${[...v].join(',')}`;
  if (typeof v === 'number') return `r${Object.is(v, -0) ? '-0' : v}`;
  return `${typeof v}:${String(v)}`;
}

test('RowBatch.dictionary codes every row as value() reads it', () => {
  const seed = seedFrom('batch-dictionary');
  const r = rng(seed);
  const pool = createBufferPool({ bytes: 2 * 1024 * 1024, pageSize: 4096 });
  const p = openPartition(0, { dir: '/dict', walMode: 'sync', fileIO: new MemoryFileIO() }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['text', 'integer', 'blob'] });
  const small: Value[] = ['new', 'paid', 'New', '', 'shipped', 1n, 1, -0, 0, new Uint8Array([1, 2]), new Uint8Array([]), null, 'é'];
  const N = 3000;
  for (let i = 0; i < N; i++) {
    const a = r() < 0.8 ? small[randInt(r, small.length)]! : randomValue(r, 0.01);
    t.insert(1, BigInt(i), [a, BigInt(randInt(r, 5)), r() < 0.5 ? small[randInt(r, small.length)]! : randomValue(r, 0)]);
  }
  t.commit();
  const txn = p.begin();
  let coded = 0;
  for (const range of [{}, { reverse: true }, { lo: { rowid: 1237n, inclusive: true } }, { lo: { rowid: 5n, inclusive: false }, hi: { rowid: 2001n, inclusive: true }, reverse: true }]) {
    const c = txn.scan(1, range);
    for (let b = c.nextBatch(); b; b = c.nextBatch()) {
      assert.equal(b.dictionary!(1, new Int32Array(b.length)), null, 'a fixed-width column has no dictionary');
      for (const col of [0, 2]) {
        const codes: Int32Array = new Int32Array(b.length + 3).fill(99);
        const values = b.dictionary!(col, codes);
        if (values === null) continue; // an overflow cell in this batch (tested below)
        coded++;
        const byIdentity = new Map<string, number>();
        for (let i = 0; i < b.length; i++) {
          const want = b.value(i, col);
          const code: number = codes[i]!;
          if (want === null) { assert.equal(code, -1, `row ${i}: NULL is -1 (seed ${seed})`); continue; }
          assert.ok(code >= 0 && code < values.length, `row ${i}: code ${code} in range`);
          assert.ok(valueEq(values[code]!, want), `row ${i} col ${col}: ${show(values[code])} vs ${show(want)} (seed ${seed})`);
          const id = identity(want);
          const prev = byIdentity.get(id);
          if (prev === undefined) byIdentity.set(id, code);
          else assert.equal(code, prev, `row ${i}: byte-identical values share a code`);
        }
        assert.equal(new Set(byIdentity.values()).size, values.length, 'one code per distinct stored value, none unused');
        assert.equal(codes[b.length], 99, 'nothing written past the batch');
      }
    }
    c.close();
  }
  assert.ok(coded > 20, `batches coded: ${coded}`);
  txn.abort();
  p.close();
});

test('RowBatch.dictionary refuses a batch holding a value in overflow pages', () => {
  const pool = createBufferPool({ bytes: 1024 * 1024, pageSize: 4096 });
  const p = openPartition(0, { dir: '/dict2', walMode: 'sync', fileIO: new MemoryFileIO() }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['text'] });
  t.insert(1, 1n, ['short']);
  t.insert(1, 2n, ['x'.repeat(20000)]);
  t.commit();
  const txn = p.begin();
  const c = txn.scan(1);
  const b = c.nextBatch()!;
  assert.equal(b.length, 2);
  assert.equal(b.dictionary!(0, new Int32Array(2)), null);
  assert.equal((b.value(1, 0) as string).length, 20000);
  c.close();
  txn.abort();
  p.close();
});
