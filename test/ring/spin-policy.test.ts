/**
 * The shard's adaptive spin: full budget while spins find work, nothing after repeated empty
 * spins (busy cores), and a periodic quarter-budget probe to notice when cores free up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROBE_EVERY, SpinPolicy } from '../../src/ring/spin-policy.js';

test('hits keep the full budget; misses halve it down to zero; zero probes every PROBE_EVERY sleeps', () => {
  const p = new SpinPolicy(0.05);
  assert.equal(p.next(), 0.05);
  p.record(true);
  assert.equal(p.next(), 0.05);
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) {
    const b = p.next();
    seen.push(b);
    if (b > 0) p.record(false);
  }
  assert.deepEqual(seen, [0.05, 0.025, 0.0125, 0.00625, 0], 'halved until 1/16, then off');
  // seen[4] was the first sleep without a spin; a probe comes every PROBE_EVERY sleeps.
  const untilProbe = (): [number, number] => {
    for (let n = 1; ; n++) {
      const b = p.next();
      if (b > 0) return [n, b];
    }
  };
  assert.deepEqual(untilProbe(), [PROBE_EVERY - 1, 0.05 / 4]);
  p.record(false);
  assert.deepEqual(untilProbe(), [PROBE_EVERY, 0.05 / 4], 'a missed probe stays off until the next one');
  p.record(true);
  assert.equal(p.next(), 0.05, 'a hit restores the full budget');
});

test('a zero maximum never spins', () => {
  const p = new SpinPolicy(0);
  for (let i = 0; i < 3 * PROBE_EVERY; i++) assert.equal(p.next(), 0);
});
