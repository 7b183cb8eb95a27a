/** The memory partition through the shared partition model test. Seeded: MEM_SEED=<n> or "random". */
import { test } from 'node:test';
import { MemoryPartition } from '../src/storage/memory/index.js';
import { seedFromEnv } from './sql/helpers.js';
import { runPartitionModel } from './storage-shared/partition-model.js';

test('memory partition matches a Map model under random operations', () => {
  const seed = seedFromEnv('MEM_SEED', 99);
  console.log(`MEM_SEED=${seed}`);
  runPartitionModel(new MemoryPartition(0), seed);
});
