/**
 * Lock modes, their compatibility matrix and the names of lockable resources.
 *
 * Resources form a hierarchy — partition → table → row / index key — and a transaction takes an
 * intention lock (IS, IX) on every ancestor before it locks a node in S or X (Gray's multiple
 * granularity locking). That is what prevents phantoms without predicate locks: a scan takes S on
 * the whole table, which conflicts with the IX every writer of that table must hold first, so no
 * row can appear in (or vanish from) a scanned table until the scanner ends.
 *
 * ```
 *  held →     IS   IX   S    SIX  X
 *  asked IS   yes  yes  yes  yes  no
 *        IX   yes  yes  no   no   no
 *        S    yes  no   yes  no   no
 *        SIX  yes  no   no   no   no
 *        X    no   no   no   no   no
 * ```
 * A request by a transaction that already holds the resource asks for the supremum of the two
 * modes ({@link supremum}): S then IX becomes SIX (scan a table, then update some of its rows).
 */
import type { Rowid } from '../../storage/api.js';

export type LockMode = 'IS' | 'IX' | 'S' | 'SIX' | 'X';

const ORDER: Record<LockMode, number> = { IS: 0, IX: 1, S: 2, SIX: 3, X: 4 };
/** COMPAT[a][b]: may one transaction hold a while another holds b. Index order as {@link ORDER}. */
const COMPAT: readonly (readonly boolean[])[] = [
  [true, true, true, true, false],
  [true, true, false, false, false],
  [true, false, true, false, false],
  [true, false, false, false, false],
  [false, false, false, false, false],
];

export function compatible(a: LockMode, b: LockMode): boolean {
  return COMPAT[ORDER[a]]![ORDER[b]]!;
}

/** The weakest mode at least as strong as both (the lattice IS < IX, S < SIX < X). */
export function supremum(a: LockMode, b: LockMode): LockMode {
  if (a === b) return a;
  if ((a === 'IX' && b === 'S') || (a === 'S' && b === 'IX')) return 'SIX';
  return ORDER[a] >= ORDER[b] ? a : b;
}

/** True when holding `held` already grants everything `asked` would. */
export function covers(held: LockMode, asked: LockMode): boolean {
  return supremum(held, asked) === held;
}

/** True for the modes that only a writer takes (used to tell a read-only participant). */
export function isWriteMode(m: LockMode): boolean {
  return m === 'IX' || m === 'SIX' || m === 'X';
}

/**
 * A lockable resource. Keys are strings so one Map holds them all; every key starts with its
 * partition (`p<N>`), which lets a participant release or inspect one partition's locks.
 */
export interface Resource {
  readonly key: string;
  readonly partition: number;
  /**
   * Keep its entry when nobody holds or waits for it: for the few, hot resources (partitions,
   * tables) whose entries would otherwise be created and dropped by every statement.
   */
  readonly persistent?: boolean;
}

export const partitionResource = (partition: number): Resource => ({ key: `p${partition}`, partition });
export const tableResource = (partition: number, table: number): Resource => ({ key: `p${partition}/t${table}`, partition });
export const rowResource = (partition: number, table: number, rowid: Rowid): Resource => ({
  key: `p${partition}/t${table}/r${rowid}`,
  partition,
});
/**
 * One key of an index (for equality probes of a UNIQUE index, including probes that find
 * nothing: the lock is on the key, not on a row, so an insert of that key must wait).
 * `key` is any injective string encoding of the key values (e.g. the storage key bytes in hex).
 */
export const indexKeyResource = (partition: number, index: number, key: string): Resource => ({
  key: `p${partition}/i${index}/k${key}`,
  partition,
});

/** One step of a lock plan: take `mode` on `resource`. */
export interface LockStep {
  readonly resource: Resource;
  readonly mode: LockMode;
}

/**
 * The lock plans of the SQL access paths, ancestors first. The executor asks for one of these per
 * statement (or per row it touches) before it reads or writes.
 */
export const lockPlans = {
  /** Read one row by rowid (also when it does not exist: the rowid is locked, so no phantom insert). */
  pointRead: (p: number, table: number, rowid: Rowid): LockStep[] => [
    { resource: partitionResource(p), mode: 'IS' },
    { resource: tableResource(p, table), mode: 'IS' },
    { resource: rowResource(p, table, rowid), mode: 'S' },
  ],
  /** Insert, update or delete one row by rowid (the executor adds index-key locks for UNIQUE keys it writes). */
  pointWrite: (p: number, table: number, rowid: Rowid): LockStep[] => [
    { resource: partitionResource(p), mode: 'IX' },
    { resource: tableResource(p, table), mode: 'IX' },
    { resource: rowResource(p, table, rowid), mode: 'X' },
  ],
  /** Equality probe of a UNIQUE index (found or not). */
  uniqueProbe: (p: number, table: number, index: number, key: string): LockStep[] => [
    { resource: partitionResource(p), mode: 'IS' },
    { resource: tableResource(p, table), mode: 'IS' },
    { resource: indexKeyResource(p, index, key), mode: 'S' },
  ],
  /** Writing a UNIQUE index key (the old and the new key of an update both get one). */
  uniqueKeyWrite: (p: number, table: number, index: number, key: string): LockStep[] => [
    { resource: partitionResource(p), mode: 'IX' },
    { resource: tableResource(p, table), mode: 'IX' },
    { resource: indexKeyResource(p, index, key), mode: 'X' },
  ],
  /** Any scan (full, rowid range, index range): the whole table in S — no phantoms. */
  scan: (p: number, table: number): LockStep[] => [
    { resource: partitionResource(p), mode: 'IS' },
    { resource: tableResource(p, table), mode: 'S' },
  ],
  /** A scan that will update or delete some of the rows it reads (UPDATE/DELETE … WHERE by scan). */
  scanForWrite: (p: number, table: number): LockStep[] => [
    { resource: partitionResource(p), mode: 'IX' },
    { resource: tableResource(p, table), mode: 'SIX' },
  ],
  /** DDL on a table, or a bulk rewrite: the table alone. */
  exclusiveTable: (p: number, table: number): LockStep[] => [
    { resource: partitionResource(p), mode: 'IX' },
    { resource: tableResource(p, table), mode: 'X' },
  ],
  /** Everything in the partition (an in-doubt transaction found at recovery). */
  exclusivePartition: (p: number): LockStep[] => [{ resource: partitionResource(p), mode: 'X' }],
};
