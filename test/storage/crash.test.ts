import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KILL_POINTS, crashRound } from './crash.js';
import { rmDir, seedFrom, tmpDir } from './helpers.js';

// CI size: 20 SIGKILL rounds per WAL mode, alternating random-time kills and failpoint kills at
// every durability edge. Longer: `node dist/bench/storage/crash-long-run.js --rounds 300`.
for (const mode of ['sync', 'async'] as const) {
  test(`SIGKILL at random moments and at durability edges loses no acknowledged commit (${mode})`, async () => {
    const seed = seedFrom(`crash ${mode}`);
    const dir = tmpDir(`crash-${mode}`);
    try {
      let last = 0;
      const firedPoints = new Set<string>();
      const rounds = Number(process.env['HELIOS_CRASH_ROUNDS'] ?? 20);
      for (let i = 0; i < rounds; i++) {
        const fp = i % 2 === 0 ? '' : KILL_POINTS[1 + ((i >> 1) % (KILL_POINTS.length - 1))]!;
        const res = await crashRound(dir, mode, seed, i, fp);
        console.log(`# round ${i}: acked ${res.acked}, recovered ${res.recovered}, killed by ${res.killedBy}`);
        if (res.killedBy.startsWith('failpoint')) firedPoints.add(res.killedBy);
        assert.ok(res.recovered >= last, 'a later round saw fewer commits than an earlier one');
        last = res.recovered;
      }
      assert.ok(last > 0, 'the children committed nothing');
      assert.ok(firedPoints.size >= 3, `too few failpoints fired: ${[...firedPoints].join(', ')}`);
    } finally {
      rmDir(dir);
    }
  });
}
