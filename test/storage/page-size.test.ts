/**
 * The page size is fixed when a database is created: a shard's pool takes the size its
 * partitions' files record, the configured size only for a new database, and files that disagree
 * are an error naming both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFileIO, createBufferPool, openPartition, shardPageSize } from '../../src/storage/index.js';
import { HeliosError } from '../../src/errors.js';

function create(io: MemoryFileIO, id: number, pageSize: number, rows: number): void {
  const p = openPartition(id, { dir: '/db', walMode: 'sync', fileIO: io }, createBufferPool({ bytes: 1 << 20, pageSize }));
  const t = p.begin();
  t.createTable({ id: 1, columns: ['integer', 'text'] });
  for (let i = 0; i < rows; i++) t.insert(1, BigInt(i), [BigInt(i), `row ${i}`]);
  t.commit();
  p.close();
}

test('a new database takes the configured page size', () => {
  const io = new MemoryFileIO();
  assert.equal(shardPageSize({ dir: '/db', partitions: [0, 1, 2], configured: 32768, io }), 32768);
});

test('an existing database keeps the page size it was created with, and its data reads back', () => {
  const io = new MemoryFileIO();
  create(io, 0, 8192, 3000);
  create(io, 2, 8192, 10);
  const heard: Record<string, unknown>[] = [];
  const size = shardPageSize({ dir: '/db', partitions: [0, 1, 2], configured: 32768, io, log: (_e, f) => heard.push(f) });
  assert.equal(size, 8192);
  assert.equal(heard.length, 1, 'the log says the setting did not apply');
  assert.deepEqual([heard[0]!['stored'], heard[0]!['configured']], [8192, 32768]);
  // The pool at the stored size opens the existing partition; partition 1 is new and joins it.
  const pool = createBufferPool({ bytes: 1 << 20, pageSize: size });
  const p0 = openPartition(0, { dir: '/db', walMode: 'sync', fileIO: io }, pool);
  const p1 = openPartition(1, { dir: '/db', walMode: 'sync', fileIO: io }, pool);
  const t = p0.begin();
  assert.deepEqual(t.get(1, 2999n), [2999n, 'row 2999']);
  t.abort();
  p0.check();
  p0.close();
  p1.close();
  assert.equal(shardPageSize({ dir: '/db', partitions: [1], configured: 65536, io }), 8192, 'the new partition was made at the shared size');
});

test('a pool of another size than the files is refused, naming the file and both sizes', () => {
  const io = new MemoryFileIO();
  create(io, 0, 8192, 1);
  assert.throws(
    () => openPartition(0, { dir: '/db', walMode: 'sync', fileIO: io }, createBufferPool({ bytes: 1 << 20, pageSize: 16384 })),
    (e: unknown) => e instanceof HeliosError && /p0\.db/.test(e.message) && /8192/.test(e.message) && /16384/.test(e.message),
  );
});

test('partitions of one data directory with different page sizes are an error naming both files', () => {
  const io = new MemoryFileIO();
  create(io, 0, 8192, 1);
  create(io, 1, 16384, 1);
  assert.throws(
    () => shardPageSize({ dir: '/db', partitions: [0, 1], configured: 32768, io }),
    (e: unknown) => e instanceof HeliosError && /p1\.db.*16384.*p0\.db.*8192/.test(e.message),
  );
  // Each alone is fine: a shard serving only one of them takes its size.
  assert.equal(shardPageSize({ dir: '/db', partitions: [1], configured: 32768, io }), 16384);
});

test('a file that is not a data file is reported as such, not guessed at', () => {
  const io = new MemoryFileIO();
  const fh = io.open('/db/p0.db', true);
  fh.write(new TextEncoder().encode('not a database, just some text here'), 0, 35, 0);
  fh.close();
  assert.throws(() => shardPageSize({ dir: '/db', partitions: [0], configured: 32768, io }), /p0\.db.*bad magic/);
});
