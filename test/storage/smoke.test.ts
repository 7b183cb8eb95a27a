import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { rmDir, tmpDir } from './helpers.js';

test('a committed row survives close and reopen', () => {
  const dir = tmpDir('smoke');
  try {
    const pool = createBufferPool({ bytes: 1 << 20, pageSize: 4096 });
    let p = openPartition(0, { dir, walMode: 'sync' }, pool);
    const t = p.begin();
    t.createTable({ id: 1, columns: ['integer', 'real', 'text', 'blob', 'any'] });
    for (let i = 1n; i <= 1000n; i++) t.insert(1, i, [i * 10n, Number(i) / 2, `row ${i}`, new Uint8Array([1, 2, 3]), i % 2n ? 'x' : 5n]);
    t.commit();
    p.sync();
    p.check();
    p.close();
    p = openPartition(0, { dir, walMode: 'sync' }, pool);
    const r = p.begin();
    assert.equal(r.rowCount(1), 1000);
    assert.deepEqual(r.get(1, 7n), [70n, 3.5, 'row 7', new Uint8Array([1, 2, 3]), 'x']);
    assert.equal(r.maxRowid(1), 1000n);
    let n = 0;
    const c = r.scan(1);
    for (let b = c.nextBatch(); b; b = c.nextBatch()) {
      for (let i = 0; i < b.length; i++) assert.equal(b.rowid(i), BigInt(++n));
    }
    c.close();
    assert.equal(n, 1000);
    r.commit();
    p.check();
    p.close();
  } finally {
    rmDir(dir);
  }
});
