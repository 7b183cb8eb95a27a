// On-disk formats are a promise to every existing database: these golden bytes fail loudly when
// an encoding changes by accident. A deliberate change bumps FORMAT_VERSION (or the WAL version)
// and updates the goldens in the same commit. Each golden was checked by hand against the layout
// comments in wal-ops.ts and key-codec.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IndexKeyPart } from '../../src/storage/api.js';
import { encodeEntry, encodePrefix } from '../../src/storage/keys/key-codec.js';
import { FORMAT_VERSION } from '../../src/storage/pager/page-format.js';
import { ByteWriter, ByteReader, readOp, writeOp, type Op } from '../../src/storage/wal/wal-ops.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('WAL operation encoding is stable (golden bytes) and round-trips', () => {
  const ops: Op[] = [
    { k: 'createTable', id: 7, columns: ['integer', 'real', 'text', 'blob', 'any'] },
    { k: 'rowPut', table: 7, rowid: -2n, row: [null, 5n, -0, 'hé', new Uint8Array([0, 255])] },
    { k: 'rowDel', table: 7, rowid: 9n },
    { k: 'createIndex', id: 8, table: 7, parts: [{ column: 2, desc: true, collation: 'nocase' }], unique: true, partial: false },
    { k: 'idxPut', index: 8, entry: new Uint8Array([1, 2, 3]) },
  ];
  const w = new ByteWriter(16);
  for (const op of ops) writeOp(w, op);
  assert.equal(
    hex(w.buf.subarray(0, w.len)),
    '01' + '07000000' + '0500' + '0001020304' +
      '05' + '07000000' + 'feffffffffffffff' + '0500' + '00' + '010500000000000000' + '020000000000000080' + '030300000068c3a9' + '040200000000ff' +
      '06' + '07000000' + '0900000000000000' +
      '03' + '08000000' + '07000000' + '01' + '00' + '0100' + '0200' + '01' + '01' +
      '07' + '08000000' + '03000000' + '010203',
  );
  const r = new ByteReader(w.buf, 0, w.len);
  const back: Op[] = [];
  while (r.pos < r.end) back.push(readOp(r));
  assert.deepEqual(back, ops);
});

test('index key encoding is stable (golden bytes)', () => {
  const parts: IndexKeyPart[] = [
    { column: 0, desc: false, collation: 'binary' },
    { column: 1, desc: true, collation: 'nocase' },
  ];
  // 2^53+1: nearest double 2^53 (c340…), remainder +1 (8001); 'Ab\0' folded to 'ab', 00 escaped,
  // terminated, all inverted (DESC); rowid 42 sign-flipped; suffix INTEGER (00), other (03).
  assert.equal(hex(encodeEntry([2n ** 53n + 1n, 'Ab\0'], parts, 42n).entry), '10c3400000000000008001' + 'df9e9dff00ffff' + '800000000000002a' + '0003');
  assert.equal(hex(encodePrefix([null, new Uint8Array([7])], [parts[0]!, { column: 1, desc: false, collation: 'binary' }])), '05' + '30070000');
  assert.equal(FORMAT_VERSION, 1);
});
