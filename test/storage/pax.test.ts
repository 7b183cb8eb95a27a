import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFileIO, SCRATCH_BYTES, createBufferPool, openPartition } from '../../src/storage/index.js';

test('the buffer pool reserves a kernel scratch region that no page frame overlaps', () => {
  const pool = createBufferPool({ bytes: 1 << 20, pageSize: 8192 });
  assert.equal(pool.scratch.byteOffset, 0);
  assert.ok(pool.scratch.byteLength >= 256 * 1024 && pool.scratch.byteLength >= SCRATCH_BYTES);
  for (let f = 0; f < pool.frameCount; f++) assert.ok(pool.offset(f) >= pool.scratch.byteLength);
  assert.ok(pool.offset(pool.frameCount - 1) + 8192 <= pool.memory.buffer.byteLength);
  assert.ok(pool.memory instanceof WebAssembly.Memory);
});

test('PAX leaves expose INTEGER and REAL columns as aligned arrays with LSB-first null bitmaps', () => {
  const pool = createBufferPool({ bytes: 512 * 1024, pageSize: 4096 });
  const p = openPartition(0, { dir: '/pax', walMode: 'sync', fileIO: new MemoryFileIO() }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer', 'real', 'text'] });
  const N = 5000;
  const val = (i: number): [bigint | null, number | null] => [i % 7 === 0 ? null : BigInt(i) * 3n - 2n ** 40n, i % 11 === 0 ? null : i === 5 ? -0 : i / 4];
  for (let i = 0; i < N; i++) t.insert(1, BigInt(i), [...val(i), `t${i}`]);
  t.insert(1, 100000n, ['not an integer', 1.5, 'x']); // an exception in the INTEGER column
  t.commit();
  const mem = () => pool.memory.buffer as ArrayBuffer;
  for (const lo of [undefined, 1234n]) {
    const c = t.scan(1, lo === undefined ? {} : { lo: { rowid: lo, inclusive: true } });
    let seen = 0;
    let views = 0;
    let first = true;
    void first;
    for (let b = c.nextBatch(); b; b = c.nextBatch()) {
      const v0 = b.fixedColumn(0);
      const v1 = b.fixedColumn(1);
      const hasException = b.rowid(b.length - 1) === 100000n;
      first = false;
      if (v0 && v1) {
        views++;
        assert.equal(v0.kind, 'i64');
        assert.equal(v1.kind, 'f64');
        assert.equal(v0.byteOffset % 8, 0);
        const i64 = new BigInt64Array(mem(), v0.byteOffset, b.length);
        const f64 = new Float64Array(mem(), v1.byteOffset, b.length);
        const n0 = new Uint8Array(mem(), v0.nullBitmapOffset, Math.ceil(b.length / 8));
        const n1 = new Uint8Array(mem(), v1.nullBitmapOffset, Math.ceil(b.length / 8));
        for (let i = 0; i < b.length; i++) {
          const [a, r] = val(Number(b.rowid(i)));
          assert.equal((n0[i >> 3]! >> (i & 7)) & 1, a === null ? 1 : 0);
          assert.equal((n1[i >> 3]! >> (i & 7)) & 1, r === null ? 1 : 0);
          if (a !== null) assert.equal(i64[i], a);
          if (r !== null) assert.ok(Object.is(f64[i], r));
        }
      } else {
        assert.ok(hasException || (b.length <= 8 && lo !== undefined), 'only the exception page and a cut first batch lack views');
      }
      for (let i = 0; i < b.length; i++) {
        const id = b.rowid(i);
        if (id === 100000n) assert.equal(b.value(i, 0), 'not an integer');
        else assert.deepEqual([b.value(i, 0), b.value(i, 1)], val(Number(id)));
      }
      seen += b.length;
    }
    c.close();
    assert.equal(seen, (lo === undefined ? N : N - 1234) + 1);
    assert.ok(views > 10);
  }
  p.check();
  p.close();
});

test('a cursor continues correctly when the table changes between batches', () => {
  const pool = createBufferPool({ bytes: 256 * 1024, pageSize: 1024 });
  const p = openPartition(0, { dir: '/cur', walMode: 'sync', fileIO: new MemoryFileIO() }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer'] });
  for (let i = 0; i < 2000; i += 2) t.insert(1, BigInt(i), [BigInt(i)]);
  const c = t.scan(1);
  const got: bigint[] = [];
  const ahead: bigint[] = [];
  for (let b = c.nextBatch(); b; b = c.nextBatch()) {
    const last = b.rowid(b.length - 1);
    for (let i = 0; i < b.length; i++) got.push(b.rowid(i));
    // splits and merges between batches: insert ahead, delete behind and ahead
    if (last < 1990n && !t.get(1, last + 1n)) {
      t.insert(1, last + 1n, [0n]);
      ahead.push(last + 1n);
    }
    if (last > 10n) t.delete(1, last - 10n);
    t.delete(1, last + 4n);
  }
  c.close();
  for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, 'strictly increasing, no repeats');
  assert.ok(ahead.length > 10 && ahead.every((x) => got.includes(x)), 'rows inserted just ahead of the cursor are seen');
  t.commit();
  p.check();
  p.close();
});

test('deleting the rows under an open cursor (its pinned leaf merged away) and checkpointing mid-scan are safe', () => {
  const pool = createBufferPool({ bytes: 64 * 1024, pageSize: 1024 });
  const p = openPartition(0, { dir: '/merge', walMode: 'sync', fileIO: new MemoryFileIO() }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer', 'text'] });
  for (let i = 0; i < 3000; i++) t.insert(1, BigInt(i), [BigInt(i), `v${i}`]);
  t.commit();
  const d = p.begin();
  const c = d.scan(1);
  const seen: bigint[] = [];
  const deleted = new Set<bigint>();
  for (let b = c.nextBatch(); b; b = c.nextBatch()) {
    for (let i = 0; i < b.length; i++) seen.push(b.rowid(i));
    const last = b.rowid(b.length - 1);
    // delete this batch's rows and a stretch ahead: the pinned leaf empties and merges away
    for (let k = last - 40n; k <= last + 25n; k++) if (k % 3n !== 0n && d.delete(1, k)) deleted.add(k);
    if (seen.length % 5 === 0) p.checkpoint();
  }
  c.close();
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!);
  const seenSet = new Set(seen);
  for (let k = 0n; k < 3000n; k++) if (!deleted.has(k)) assert.ok(seenSet.has(k), `row ${k} was skipped`);
  assert.ok(pool.orphaned > 0, 'the scan really had its pinned leaf freed under it');
  d.commit();
  p.check();
  assert.equal(p.begin().rowCount(1), 3000 - deleted.size);
  p.close();
});

test('appends pack leaves by the table\'s average row, not by the first row of each new leaf', () => {
  // The first row of every leaf is the shortest, so sizing a new leaf's slots from it alone
  // would leave most of each page's slot arrays empty once the heap fills.
  const pageSize = 4096;
  const pool = createBufferPool({ bytes: 2 * 1024 * 1024, pageSize });
  const p = openPartition(0, { dir: '/fill', walMode: 'sync', fileIO: new MemoryFileIO() }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer', 'text'] });
  const N = 20000;
  const text = (i: number): string => 'x'.repeat(i === 0 ? 1 : 1 + ((i * 7919) % 40));
  let heap = 0;
  for (let i = 0; i < N; i++) {
    t.insert(1, BigInt(i), [BigInt(i), text(i)]);
    heap += 5 + text(i).length; // a TEXT cell: tag, u32 length, bytes
  }
  t.commit();
  const counts: number[] = [];
  const c = t.scan(1, {});
  let prev = -1n;
  for (let b = c.nextBatch(); b; b = c.nextBatch()) {
    if (b.rowid(0) <= prev) assert.fail('one leaf per batch, in rowid order');
    prev = b.rowid(b.length - 1);
    counts.push(b.length);
  }
  assert.equal(counts.reduce((a, n) => a + n, 0), N);
  // Bytes a row takes in a PAX leaf: rowid 8 + INTEGER 8 + two bitmap bits + TEXT slot 2 + heap.
  const perRow = 8 + 8.25 + 2 + heap / N;
  const ideal = (pageSize - 32) / perRow;
  const full = counts.slice(0, -1);
  const mean = full.reduce((a, n) => a + n, 0) / full.length;
  assert.ok(mean >= 0.9 * ideal, `leaves hold ${mean.toFixed(1)} rows on average; the bytes allow ${ideal.toFixed(1)}`);
  p.close();
});
