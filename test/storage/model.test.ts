import { test } from 'node:test';
import { drive } from './model.js';
import { seedFrom } from './helpers.js';

// CI size; the long run is `node dist/bench/storage/model-long-run.js --ops 2000000`.
test('tables and indexes equal an in-memory model through random writes, scans, aborts, checkpoints, reopens and vacuums (1 KiB pages, tiny pool)', () => {
  const seed = seedFrom('storage model');
  drive({ seed, ops: Number(process.env['HELIOS_MODEL_OPS'] ?? 30000) });
});
