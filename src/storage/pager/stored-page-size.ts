/**
 * The page size a database was created with. Every partition's header (page 0) records its page
 * size, and a shard's buffer pool has one frame size for all the partitions it serves, so the pool
 * must be made at the size their files already have. As with SQLite's `page_size`, the configured
 * size (`[storage] page_size_kb`) applies when a database is created; an existing database keeps
 * its own, so changing the setting never makes a data directory unreadable.
 */
import * as path from 'node:path';
import { HeliosError } from '../../errors.js';
import type { FileIO } from '../io/file-io.js';
import { guardIo } from '../io/io-errors.js';
import { H, MAGIC } from './page-format.js';
import { corrupt } from './pager.js';

/** Page sizes the pager and the buffer pool accept. */
export function validPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 1024 && n <= 65536 && (n & (n - 1)) === 0;
}

/**
 * The page size recorded by the existing data files of `partitions` in `dir`, or undefined when
 * none exists yet (a new database). Files that disagree are an error naming both: one data
 * directory has one page size.
 */
export function storedPageSize(io: FileIO, dir: string, partitions: readonly number[]): number | undefined {
  let first: { size: number; file: string } | undefined;
  const head = new Uint8Array(H.PAGE_SIZE + 4);
  const dv = new DataView(head.buffer);
  for (const id of partitions) {
    const file = path.join(dir, `p${id}.db`);
    // A data file appears complete (written aside and renamed), so an existing one has a header.
    if (!io.exists(file)) continue;
    const fh = guardIo(file, 'open', () => io.open(file, false));
    let n: number;
    try {
      n = guardIo(file, 'read', () => fh.read(head, 0, head.length, 0));
    } finally {
      fh.close();
    }
    if (n < head.length || new TextDecoder().decode(head.subarray(H.MAGIC, H.MAGIC + 8)) !== MAGIC) {
      throw corrupt(file, 'not a HeliosDB data file (bad magic in page 0)');
    }
    const size = dv.getUint32(H.PAGE_SIZE, true);
    if (!validPageSize(size)) throw corrupt(file, `page 0 records a page size of ${size} bytes`);
    if (first !== undefined && first.size !== size) {
      throw new HeliosError(
        'INTERNAL',
        `'${file}' has ${size}-byte pages but '${first.file}' has ${first.size}-byte pages: all partitions of a data directory must share one page size`,
      );
    }
    first ??= { size, file };
  }
  return first?.size;
}
