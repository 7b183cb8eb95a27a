/**
 * IdTable (the shard client's in-flight requests by sequential id) against a Map model: ids
 * handed out in order and wrapping like the client's, most answered soon, some stuck long enough
 * to collide with far younger ids (growth, then the spill map), deletes during iteration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdTable } from '../../src/coordinator/id-table.js';
import { rng } from '../helpers/prng.js';

test('IdTable behaves as a Map of the live ids, through growth, spills and id wrap-around', () => {
  for (const start of [1, 0x7fff_fffe - 5000]) {
    const r = rng(start);
    const t = new IdTable<string>(4);
    const model = new Map<number, string>();
    let next = start;
    const live: number[] = [];
    for (let step = 0; step < 200_000; step++) {
      const x = r();
      if (x < 0.5 || live.length === 0) {
        const id = next;
        next = next >= 0x7fff_fffe ? 1 : next + 1;
        t.set(id, `v${id}`);
        model.set(id, `v${id}`);
        live.push(id);
      } else if (x < 0.98) {
        // Most requests are answered soon: take one of the newest.
        const k = Math.max(0, live.length - 1 - Math.floor(r() * 8));
        const id = live.splice(k, 1)[0]!;
        assert.equal(t.delete(id), true);
        model.delete(id);
      } else {
        const id = live[Math.floor(r() * live.length)]!; // a random one, old ones included
        assert.equal(t.get(id), model.get(id));
        assert.equal(t.get(id + 1_000_003), model.get(id + 1_000_003));
      }
      assert.equal(t.size, model.size);
    }
    assert.deepEqual(new Map(t.entries()), model);
    for (const [id] of t.entries()) if (id % 2 === 0) t.delete(id); // deleting while iterating a snapshot
    for (const id of model.keys()) if (id % 2 === 0) model.delete(id);
    assert.deepEqual(new Map(t.entries()), model);
    assert.equal(t.delete(-5), false);
    t.clear();
    assert.equal(t.size, 0);
    assert.deepEqual(t.entries(), []);
  }
});
