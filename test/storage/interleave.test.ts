import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryFileIO, createBufferPool, openPartition } from '../../src/storage/index.js';
import { randInt, rng, seedFrom } from './helpers.js';

// Several transactions open at once on one partition (the shard interleaves them; its lock
// manager keeps their rows disjoint): each abort must undo exactly its own writes, even when the
// trees were split and merged underneath by the others.
test('interleaved transactions on disjoint rows: aborts undo exactly their own writes', () => {
  const seed = seedFrom('interleave');
  const r = rng(seed);
  const io = new MemoryFileIO();
  const pool = createBufferPool({ bytes: 128 * 1024, pageSize: 1024 });
  let p = openPartition(0, { dir: '/i', walMode: 'sync', fileIO: io }, pool);
  const setup = p.begin();
  setup.createTable({ id: 1, columns: ['integer', 'text'] });
  setup.createIndex({ id: 2, table: 1, parts: [{ column: 1, desc: false, collation: 'nocase' }], unique: false });
  setup.commit();
  const committed = new Map<bigint, string>();
  const W = 6;
  for (let round = 0; round < 40; round++) {
    const txns = Array.from({ length: W }, () => p.begin());
    const mine = Array.from({ length: W }, () => new Map<bigint, string | null>());
    for (let step = 0; step < 300; step++) {
      // checkpoints while every writer has uncommitted work (taken out and put back around it)
      if (r() < 0.01) p.checkpoint();
      const w = randInt(r, W);
      // writer w owns rowids congruent to w mod W
      const rowid = BigInt(randInt(r, 200) * W + w);
      const t = txns[w]!;
      const cur = mine[w]!.has(rowid) ? mine[w]!.get(rowid)! : (committed.get(rowid) ?? null);
      const text = `V${round}-${step}-${'z'.repeat(randInt(r, 40))}`;
      if (cur === null) t.insert(1, rowid, [BigInt(step), text]);
      else if (r() < 0.5) t.update(1, rowid, [BigInt(step), text]);
      else {
        t.delete(1, rowid);
        mine[w]!.set(rowid, null);
        continue;
      }
      mine[w]!.set(rowid, text);
    }
    for (let w = 0; w < W; w++) {
      if (r() < 0.5) {
        txns[w]!.commit();
        for (const [k, v] of mine[w]!) if (v === null) committed.delete(k);
        else committed.set(k, v);
      } else txns[w]!.abort();
    }
    p.sync();
    if (round % 10 === 9) {
      p.closeFiles();
      io.powerLoss(r);
      p = openPartition(0, { dir: '/i', walMode: 'sync', fileIO: io }, pool);
    }
    const t = p.begin();
    assert.equal(t.rowCount(1), committed.size, `round ${round}: row count`);
    for (const [k, v] of committed) assert.equal(t.get(1, k)?.[1], v, `round ${round}: row ${k}`);
    const viaIndex = t.indexScan(2).next(100000).length;
    assert.equal(viaIndex, committed.size, 'index entries match the rows');
    t.abort();
    p.check();
  }
  p.close();
});
