/**
 * The in-memory storage engine (see memory-partition.ts): the model implementation of
 * `src/storage/api.ts`, used by the SQL layer's tests and as the oracle for the paged engine.
 * May import only `src/storage/api.ts` and `src/errors.ts`.
 */
import type { Partition } from '../api.js';
import { MemoryPartition } from './memory-partition.js';

export { MemoryPartition };

export function openMemoryPartition(id: number): Partition {
  return new MemoryPartition(id);
}
