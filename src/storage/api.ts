/**
 * The storage interface: what the SQL executor (and the shard) may use of a partition's storage.
 * The SQL layer never touches pages; it sees tables and indexes as ordered collections of rows
 * and keys through this file's types. Two implementations exist:
 *   - `src/storage/memory/` — a plain in-memory engine (the test model and a unit-test backend);
 *   - the paged engine (pager, buffer pool in WebAssembly.Memory, B+trees with PAX leaves, WAL).
 * Shared tests run against both (style: "a seam wherever two implementations exist").
 *
 * Storage knows nothing of SQL: no expressions, no catalog, no names. Tables and indexes are
 * numbered; a partial index's predicate is a function the SQL layer hands in.
 *
 * Values are SQLite's five storage classes, each with one JS representation:
 *   NULL → null, INTEGER → bigint (full 64-bit), REAL → number, TEXT → string, BLOB → Uint8Array.
 * A column's {@link ColumnKind} is a layout hint only (SQLite columns are dynamically typed): a
 * value of any class stored in any column must read back exactly as written (e.g. a TEXT value
 * in an INTEGER column, -0.0, NaN is never stored — the SQL layer turns NaN into NULL).
 */

export type Value = null | bigint | number | string | Uint8Array;
export type Row = Value[];
export type Rowid = bigint;

/** Layout hint for a column: fixed-width i64/f64 arrays for 'integer'/'real' in PAX leaves. */
export type ColumnKind = 'integer' | 'real' | 'text' | 'blob' | 'any';

export type Collation = 'binary' | 'nocase' | 'rtrim';

export interface TableDef {
  /** Unique within the partition; chosen by the caller (the SQL catalog). */
  readonly id: number;
  /** The row's columns (the rowid is separate and not among them). */
  readonly columns: readonly ColumnKind[];
}

export interface IndexKeyPart {
  /** Position of the column in the table's rows. */
  readonly column: number;
  readonly desc: boolean;
  readonly collation: Collation;
}

export interface IndexDef {
  readonly id: number;
  readonly table: number;
  readonly parts: readonly IndexKeyPart[];
  /**
   * UNIQUE: no two entries may have equal key parts, except that keys containing a NULL never
   * conflict (SQLite semantics). Equality follows the parts' collations.
   */
  readonly unique: boolean;
  /** Partial index: only rows for which this returns true are indexed. Must be pure. */
  readonly predicate?: (row: readonly Value[]) => boolean;
}

/**
 * Key ordering (index keys and range bounds) is SQLite's: NULL < INTEGER and REAL (compared
 * numerically with each other, exactly, also beyond 2^53) < TEXT (by the part's collation) <
 * BLOB (memcmp). Each part is reversed when `desc`. Entries with equal key parts are ordered by
 * rowid ascending.
 */
export interface KeyBound {
  /** A prefix of the index's key parts (length 1..parts.length). */
  readonly values: readonly Value[];
  readonly inclusive: boolean;
}

export interface IndexRange {
  /** Lower bound in index order (for a DESC part, "lower" means the larger value). */
  readonly lo?: KeyBound;
  readonly hi?: KeyBound;
  /** Iterate from hi to lo. */
  readonly reverse?: boolean;
}

export interface RowidRange {
  readonly lo?: { readonly rowid: Rowid; readonly inclusive: boolean };
  readonly hi?: { readonly rowid: Rowid; readonly inclusive: boolean };
  readonly reverse?: boolean;
}

/**
 * A view of consecutive rows of a table, in rowid order (reverse order when the scan is
 * reversed). IMPORTANT: valid only until the cursor that produced it is advanced or the
 * transaction writes; copy what must outlive that.
 */
export interface RowBatch {
  readonly length: number;
  rowid(i: number): Rowid;
  value(i: number, column: number): Value;
  /**
   * When column `column` is stored as a fixed-width array on this batch's page and every value
   * in the batch is NULL or of that width's class, its location in the buffer pool's memory, for
   * the scan kernels (no copy). Otherwise null and the caller uses {@link value}.
   */
  fixedColumn(column: number): FixedColumnView | null;
  /**
   * Dictionary-codes column `column` over the batch without decoding every row: fills
   * `codes[0 … length)` with, per row, the index in the returned array of its value — rows whose
   * stored values are byte-identical (same type and bytes) share one code and one decoded value;
   * NULL rows get -1. Null when the batch cannot (a value in overflow pages, or not supported):
   * use {@link value}. Optional: a batch without it is read with {@link value}.
   */
  dictionary?(column: number, codes: Int32Array): Value[] | null;
}

export interface FixedColumnView {
  readonly kind: 'i64' | 'f64';
  readonly memory: WebAssembly.Memory;
  /** Byte offset of element 0 (8-byte aligned) in `memory`. */
  readonly byteOffset: number;
  /** Byte offset of a bitmap with bit i set when row i is NULL (LSB first). */
  readonly nullBitmapOffset: number;
}

export interface TableCursor {
  /** The next batch of rows, or null at the end. Batches are never empty. */
  nextBatch(): RowBatch | null;
  close(): void;
}

export interface IndexEntry {
  readonly rowid: Rowid;
  /** The indexed values as stored (after collation folding they may not equal the row's). */
  readonly key: readonly Value[];
}

export interface IndexCursor {
  /** Up to `max` next entries, or an empty array at the end. */
  next(max: number): IndexEntry[];
  close(): void;
}

/** A write conflicts with a constraint storage enforces (duplicate rowid, unique index). */
export type StorageConstraintKind = 'primary_key' | 'unique';

/**
 * One transaction on one partition. Several may be open on a partition at once (interleaved on
 * the shard's thread). Each sees its own writes; an abort undoes exactly its writes. Storage does
 * NOT isolate open transactions from each other: the shard's lock manager does.
 * Every method throws a HeliosError (CONSTRAINT for a duplicate rowid or unique key, INTERNAL for
 * corruption/I/O) and a failed call leaves no partial effect.
 */
export interface StorageTxn {
  readonly id: bigint;

  createTable(def: TableDef): void;
  dropTable(table: number): void;
  /** Creates the index and fills it from the table's rows (fails with CONSTRAINT on duplicates). */
  createIndex(def: IndexDef): void;
  dropIndex(index: number): void;

  get(table: number, rowid: Rowid): Row | undefined;
  /**
   * {@link get} for the executor's joins and index probes: decodes only `columns` of the row
   * into `out[offset + c]` (other slots are left as they are) and returns false when the row does
   * not exist. Skipping the columns a query never reads saves their decoding (TEXT, BIGINT).
   */
  readInto(table: number, rowid: Rowid, columns: readonly number[], out: Value[], offset: number): boolean;
  /** Inserts a new row; CONSTRAINT('primary_key') when the rowid exists. Maintains indexes. */
  insert(table: number, rowid: Rowid, row: readonly Value[]): void;
  /**
   * Optional bulk path: inserts `rows` (each `[rowid, ...columns]`, in any order) into a table
   * that is empty, with the effect and errors of inserting them one by one (and none of them on
   * an error). The in-memory engine has it so the coordinator's scratch copy of fetched rows
   * costs O(n log n) instead of one sorted-array insert per row.
   */
  loadRows?(table: number, rows: readonly (readonly Value[])[]): void;
  /** Replaces an existing row (throws INTERNAL when absent). Maintains indexes. */
  update(table: number, rowid: Rowid, row: readonly Value[]): void;
  /** Deletes a row; returns false when absent. Maintains indexes. */
  delete(table: number, rowid: Rowid): boolean;
  /** The largest rowid in the table, or null when it is empty. */
  maxRowid(table: number): Rowid | null;
  rowCount(table: number): number;

  scan(table: number, range?: RowidRange): TableCursor;
  indexScan(index: number, range?: IndexRange): IndexCursor;
  /** The rowids of entries whose key equals `values` exactly (unique-index probe). */
  indexLookup(index: number, values: readonly Value[]): Rowid[];

  /** 2PC: durably log this transaction's writes with a PREPARE record under `gid`. */
  prepare(gid: string): void;
  /**
   * Appends the commit to the WAL and makes the writes visible; durable only after the
   * partition's {@link Partition.sync} (the shard calls it once per batch: group commit).
   * Returns the commit's log sequence number.
   */
  commit(): bigint;
  abort(): void;
}

export interface PartitionStats {
  readonly pages: number;
  readonly freePages: number;
  readonly walBytes: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
}

export interface Partition {
  readonly id: number;
  begin(): StorageTxn;
  /** Transactions found PREPAREd at recovery (2PC in-doubt), by gid. */
  preparedTransactions(): Map<string, StorageTxn>;
  /**
   * Re-attaches a partial index's predicate after the partition was reopened (a function cannot
   * be persisted). Until it is bound, writes to that index's table throw INTERNAL. Engines that
   * never reopen (the in-memory one) need not implement it.
   */
  bindIndexPredicate?(index: number, predicate: (row: readonly Value[]) => boolean): void;
  /**
   * Makes every commit appended so far durable according to the WAL mode ('sync': fdatasync
   * before returning; 'async': written to the OS, fdatasync on a timer). Returns the highest
   * durable LSN.
   */
  sync(): bigint;
  checkpoint(): void;
  vacuum(): void;
  /** Full consistency check (B-tree order, free list, WAL chain); throws INTERNAL on damage. */
  check(): void;
  stats(): PartitionStats;
  close(): void;
}

export interface StorageOptions {
  /** Directory holding the partition's files (created if missing). */
  readonly dir: string;
  readonly walMode: 'sync' | 'async';
  /** For 'async': how often the WAL is fdatasync'ed. */
  readonly asyncSyncIntervalMs?: number;
  readonly pageSize?: number;
}
