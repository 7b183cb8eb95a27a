/**
 * The partition count of a database, fixed when it is created. Rows are placed by
 * `hash(shard key) mod partitions` (partition-hash.ts), so the count cannot change without
 * moving every row: it is written once, to `<data dir>/partitions.json`, when the data dir is
 * first opened, and later starts use the stored value. A different configured value is not an
 * error (the configuration may be shared by databases of different ages): it is logged as a
 * warning and ignored. A data dir without the file but with partition files from an older
 * version is assumed to have been created with the configured count.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { HeliosError } from '../errors.js';
import type { Logger } from '../log.js';

const FILE = 'partitions.json';

export function resolvePartitionCount(dataDir: string, configured: number, log: Logger): number {
  const file = path.join(dataDir, FILE);
  if (existsSync(file)) {
    let stored: unknown;
    try {
      stored = (JSON.parse(readFileSync(file, 'utf8')) as { partitions?: unknown }).partitions;
    } catch (e) {
      throw new HeliosError('INTERNAL', `${file} is unreadable (${(e as Error).message}); it records the database's partition count and must not be edited`);
    }
    if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 1) throw new HeliosError('INTERNAL', `${file} holds no valid partition count`);
    if (stored !== configured) log.warn({ stored, configured }, `[storage] partitions = ${configured} is ignored: this database was created with ${stored} partitions, and the count cannot change without moving every row`);
    return stored;
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ partitions: configured })}\n`);
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, file);
  const dfd = openSync(dataDir, 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
  return configured;
}
