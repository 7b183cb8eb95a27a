import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFileIO, armFailpoint, createBufferPool, disarmFailpoints, openPartition } from '../../src/storage/index.js';

const pool = createBufferPool({ bytes: 256 * 1024, pageSize: 4096 });
const big = (i: number): string => `row ${i} `.repeat(3);
const blob = (i: number): Uint8Array => new Uint8Array(i % 50 === 0 ? 3000 : 20).fill(i & 0xff);

function fill(io: MemoryFileIO) {
  const p = openPartition(0, { dir: '/v', walMode: 'sync', fileIO: io }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer', 'text', 'blob'] });
  t.createIndex({ id: 2, table: 1, parts: [{ column: 1, desc: true, collation: 'binary' }], unique: false });
  t.createIndex({ id: 3, table: 1, parts: [{ column: 0, desc: false, collation: 'binary' }], unique: false, predicate: (r) => (r[0] as bigint) % 3n === 0n });
  for (let i = 0; i < 6000; i++) t.insert(1, BigInt(i), [BigInt(i), big(i), blob(i)]);
  t.commit();
  const d = p.begin();
  for (let i = 0; i < 6000; i++) if (i % 10 !== 0) d.delete(1, BigInt(i));
  d.commit();
  p.sync();
  return p;
}

function verify(p: ReturnType<typeof openPartition>): void {
  const t = p.begin();
  assert.equal(t.rowCount(1), 600);
  for (let i = 0; i < 6000; i += 10) assert.deepEqual(t.get(1, BigInt(i)), [BigInt(i), big(i), blob(i)]);
  assert.equal(t.indexLookup(2, [big(120)]).length, 1);
  assert.equal(t.indexLookup(3, [30n]).length, 1);
  t.abort();
  p.check();
}

test('VACUUM rebuilds a partition compactly and returns free pages to the file system', () => {
  const io = new MemoryFileIO();
  let p = fill(io);
  p.checkpoint();
  const s0 = p.stats();
  assert.ok(s0.freePages > 100, 'the deletes freed pages');
  assert.equal(io.bytes('/v/p0.db')!.length, s0.pages * 4096);
  p.vacuum();
  const s1 = p.stats();
  assert.equal(s1.freePages, 0);
  assert.ok(s1.pages <= s0.pages - s0.freePages, `${s1.pages} pages after, ${s0.pages} (${s0.freePages} free) before`);
  assert.equal(io.bytes('/v/p0.db')!.length, s1.pages * 4096, 'the file shrank to its live pages');
  verify(p);
  // still writable, predicates still bound, and durable across reopen
  const t = p.begin();
  t.insert(1, 7n, [9n, 'seven', null]);
  t.commit();
  p.close();
  p = openPartition(0, { dir: '/v', walMode: 'sync', fileIO: io }, pool);
  p.bindIndexPredicate(3, (r) => (r[0] as bigint) % 3n === 0n);
  const r = p.begin();
  assert.deepEqual(r.get(1, 7n), [9n, 'seven', null]);
  assert.deepEqual(r.indexLookup(3, [9n]), [7n]);
  r.abort();
  p.check();
  p.close();
});

test('a crash in the middle of VACUUM leaves the old, complete partition', () => {
  const io = new MemoryFileIO();
  const p = fill(io);
  armFailpoint('vacuum.before-rename', () => {
    throw new Error('crash');
  });
  try {
    assert.throws(() => p.vacuum());
  } finally {
    disarmFailpoints();
  }
  io.powerLoss(() => 0.7);
  const q = openPartition(0, { dir: '/v', walMode: 'sync', fileIO: io }, pool);
  q.bindIndexPredicate(3, (r) => (r[0] as bigint) % 3n === 0n);
  verify(q);
  q.vacuum();
  verify(q);
  q.close();
});

test('long index keys spill to overflow pages; keys sharing too long a prefix are refused cleanly', () => {
  const io = new MemoryFileIO();
  const p = openPartition(0, { dir: '/long', walMode: 'sync', fileIO: io }, pool);
  const t = p.begin();
  t.createTable({ id: 1, columns: ['text'] });
  t.createIndex({ id: 2, table: 1, parts: [{ column: 0, desc: false, collation: 'binary' }], unique: true });
  const key = (i: number): string => `${String(i).padStart(5, '0')}:${'x'.repeat(1500 + (i % 7) * 900)}`;
  for (let i = 0; i < 400; i++) t.insert(1, BigInt(i), [key((i * 37) % 400)]);
  const at123 = [...Array(400).keys()].find((i) => (i * 37) % 400 === 123)!;
  assert.deepEqual(t.indexLookup(2, [key(123)]), [BigInt(at123)]);
  const all = t.indexScan(2).next(1000);
  assert.equal(all.length, 400);
  for (let i = 0; i < 400; i++) assert.equal(all[i]!.key[0], key(i));
  for (let i = 0; i < 400; i += 3) t.delete(1, BigInt(i));
  t.commit();
  p.check();
  // a duplicate long value in a non-unique index: the entries differ only after 3000+ bytes
  const u = p.begin();
  u.createTable({ id: 3, columns: ['text'] });
  u.createIndex({ id: 4, table: 3, parts: [{ column: 0, desc: false, collation: 'binary' }], unique: false });
  u.insert(3, 1n, ['y'.repeat(3000)]);
  assert.throws(() => u.insert(3, 2n, ['y'.repeat(3000)]), (e: Error) => /shares its first \d+ bytes/.test(e.message));
  assert.equal(u.rowCount(3), 1, 'the refused insert left nothing behind');
  u.commit();
  p.check();
  p.close();
});
