/**
 * A table tree read through another thread's pool view ({@link ReadOnlyPool}): the same descent
 * and row decoding the owner runs, over pages it does not own. Nothing is pinned or written; a
 * page that is not resident throws {@link NeedsOwner}. The caller validates the read with the
 * view's sequence counter (see buffer-pool.ts): between its two checks the pages may be torn.
 */
import { HeliosError } from '../../errors.js';
import type { ColumnKind, Row } from '../api.js';
import type { BufferPool, ReadOnlyPool } from '../buffer/buffer-pool.js';
import { TableTree } from './table-tree.js';

/** Where a table's tree lives in a shard's pool (PagedPartition.tableLocation). */
export interface TableLocation {
  readonly owner: number;
  readonly root: number;
  readonly columns: readonly ColumnKind[];
}

const readOnly = (): never => {
  throw new HeliosError('INTERNAL', 'a table read through a pool view cannot allocate or free pages');
};

export class ViewTable {
  private readonly tree: TableTree;

  constructor(readonly view: ReadOnlyPool, readonly location: TableLocation) {
    const pool: BufferPool = view;
    this.tree = new TableTree({ pool, owner: location.owner, allocPage: readOnly, freePage: readOnly }, location.columns, location.root);
  }

  /** The row with `rowid`, or undefined when absent (as of the pages now: validate after). */
  get(rowid: bigint): Row | undefined {
    return this.tree.get(rowid);
  }
}
