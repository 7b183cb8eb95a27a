/**
 * Writing one row of a table the way SQLite does: column affinity, NOT NULL and CHECK
 * constraints, rowid assignment (INTEGER PRIMARY KEY, AUTOINCREMENT's high-water mark in the
 * sequence table), and uniqueness conflicts resolved by ABORT/FAIL/ROLLBACK (error), IGNORE
 * (skip) or REPLACE (delete the conflicting rows first). Index maintenance is storage's job.
 */
import type { IndexDef, Rowid, TableDef, Value } from '../storage/api.js';
import { constraintError, sqlError } from '../errors.js';
import type { ConflictAction } from './ast.js';
import { SEQUENCE_TABLE, type IndexInfo, type TableInfo } from './catalog.js';
import type { CExpr } from './compile-expr.js';
import type { Env } from './scope.js';
import type { UndoTxn } from './undo-txn.js';
import { MAX_I64, applyAffinity, truth, type Affinity } from './value.js';

export const columnKind = (aff: Affinity): TableDef['columns'][number] =>
  aff === 'integer' ? 'integer' : aff === 'real' ? 'real' : aff === 'text' ? 'text' : 'any';

/** The rows' index keys: NULL-containing keys never conflict. */
function indexKey(ix: IndexInfo, row: Value[]): Value[] | null {
  const key = ix.parts.map((p) => row[p.column]!);
  return key.some((v) => v === null) ? null : key;
}

export interface Conflict { readonly kind: 'primary_key' | 'unique'; readonly rowids: Rowid[]; readonly index: IndexInfo | null }

export class TableWriter {
  constructor(
    readonly table: TableInfo,
    private readonly checks: { expr: CExpr; text: string }[],
    private readonly predicates: Map<number, (row: readonly Value[]) => boolean>,
  ) {}

  /** Applies affinities in place and fills the rowid column; returns the rowid to use (null = assign). */
  prepareRow(row: Value[]): Rowid | null {
    const cols = this.table.columns;
    for (let i = 0; i < cols.length; i++) row[i] = applyAffinity(row[i]!, cols[i]!.aff);
    const rc = this.table.rowidColumn;
    if (rc < 0) return null;
    const v = row[rc]!;
    if (v === null) return null;
    if (typeof v !== 'bigint') throw sqlError('datatype mismatch');
    return v;
  }

  /** A value assigned to the rowid itself (UPDATE t SET rowid = …). */
  prepareRowid(v: Value): Rowid {
    const n = applyAffinity(v, 'integer');
    if (typeof n !== 'bigint') throw sqlError('datatype mismatch');
    return n;
  }

  assignRowid(w: UndoTxn, row: Value[]): Rowid {
    const t = this.table;
    let max = w.txn.maxRowid(t.id) ?? 0n;
    if (t.autoincrement) {
      const seq = w.txn.get(SEQUENCE_TABLE, BigInt(t.id));
      if (seq && typeof seq[0] === 'bigint' && seq[0] > max) max = seq[0];
    }
    if (max >= MAX_I64) throw sqlError('database or disk is full (rowid space exhausted)');
    const id = max + 1n;
    if (t.rowidColumn >= 0) row[t.rowidColumn] = id;
    return id;
  }

  noteRowid(w: UndoTxn, rowid: Rowid): void {
    const t = this.table;
    if (!t.autoincrement) return;
    const key = BigInt(t.id);
    const seq = w.txn.get(SEQUENCE_TABLE, key);
    if (!seq) w.insert(SEQUENCE_TABLE, key, [rowid]);
    else if (typeof seq[0] !== 'bigint' || seq[0] < rowid) w.update(SEQUENCE_TABLE, key, [rowid]);
  }

  /** NOT NULL and CHECK; returns false when the row is to be skipped (OR IGNORE). */
  checkRow(row: Value[], rowid: Rowid, or: ConflictAction): boolean {
    const cols = this.table.columns;
    for (let i = 0; i < cols.length; i++) {
      if (cols[i]!.notNull && row[i] === null) {
        if (or === 'IGNORE') return false;
        throw constraintError('not_null', `NOT NULL constraint failed: ${this.table.name}.${cols[i]!.name}`);
      }
    }
    if (this.checks.length) {
      const env: Env = { row: [...row, rowid], outer: null, agg: null };
      for (const c of this.checks) {
        if (truth(c.expr.ev(env)) === false) {
          if (or === 'IGNORE') return false;
          throw constraintError('check', `CHECK constraint failed: ${c.text}`);
        }
      }
    }
    return true;
  }

  /** Rows other than `self` that the row would collide with. */
  conflicts(w: UndoTxn, row: Value[], rowid: Rowid, self: Rowid | null): Conflict[] {
    const out: Conflict[] = [];
    if (rowid !== self && w.txn.get(this.table.id, rowid)) out.push({ kind: 'primary_key', rowids: [rowid], index: null });
    for (const ix of this.table.indexes) {
      if (!ix.unique) continue;
      const pred = this.predicates.get(ix.id);
      if (pred && !pred(row)) continue;
      const key = indexKey(ix, row);
      if (!key) continue;
      const ids = w.txn.indexLookup(ix.id, key).filter((id) => id !== self);
      if (ids.length) out.push({ kind: 'unique', rowids: ids, index: ix });
    }
    return out;
  }

  conflictError(c: Conflict): Error {
    const t = this.table;
    if (c.kind === 'primary_key') {
      const name = t.rowidColumn >= 0 ? `${t.name}.${t.columns[t.rowidColumn]!.name}` : `${t.name}.rowid`;
      return constraintError('primary_key', `UNIQUE constraint failed: ${name}`);
    }
    const cols = c.index!.parts.map((p) => `${t.name}.${t.columns[p.column]!.name}`).join(', ');
    return constraintError(c.index!.auto && c.index!.name.includes('_pk') ? 'primary_key' : 'unique', `UNIQUE constraint failed: ${cols}`);
  }

  /** Deletes the rows a REPLACE displaces. */
  removeConflicts(w: UndoTxn, cs: Conflict[]): number {
    let n = 0;
    const done = new Set<Rowid>();
    for (const c of cs) for (const id of c.rowids) if (!done.has(id)) { done.add(id); if (w.delete(this.table.id, id)) n++; }
    return n;
  }
}

export type { IndexDef };
