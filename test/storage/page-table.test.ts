/**
 * The buffer pool's page table (open addressing, backward-shift deletion) against a Map, through
 * random inserts, updates and deletes at high load, with owners and page numbers chosen so that
 * probe runs are long and wrap around the end of the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageTable } from '../../src/storage/buffer/page-table.js';
import { randInt, rng, seedFrom } from './helpers.js';

test('PageTable agrees with a Map through churn at load factor one half', () => {
  const seed = seedFrom('page-table');
  const r = rng(seed);
  const frames = 100; // capacity 256
  const table = new PageTable(new ArrayBuffer(PageTable.bytesFor(frames)), frames, true);
  const model = new Map<string, number>();
  const keys: [number, number][] = [];
  for (let o = 0; o < 3; o++) for (let p = 0; p < 200; p++) keys.push([o, p]);
  for (let step = 0; step < 50_000; step++) {
    const [o, p] = keys[randInt(r, keys.length)]!;
    const k = `${o}/${p}`;
    if (model.has(k) && r() < 0.5) {
      table.delete(o, p);
      model.delete(k);
    } else if (model.size < frames || model.has(k)) {
      const f = randInt(r, frames);
      table.set(o, p, f);
      model.set(k, f);
    } else {
      table.delete(o, p); // absent: a no-op
    }
    if (step % 997 === 0 || step > 49_900) {
      for (const [oo, pp] of keys) assert.equal(table.get(oo, pp), model.get(`${oo}/${pp}`) ?? -1, `owner ${oo} page ${pp} at step ${step} (seed ${seed})`);
      assert.equal(table.size, model.size);
    }
  }
});

test('a torn or full-looking table cannot make a lookup loop', () => {
  const buf = new ArrayBuffer(PageTable.bytesFor(32));
  const table = new PageTable(buf, 32, true);
  new Int32Array(buf, 0, 64).fill(7); // every slot "taken" by owner 7, as a reader might see mid-write
  assert.equal(table.get(1, 1), -1);
});
