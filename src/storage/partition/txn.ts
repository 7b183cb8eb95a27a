/**
 * A transaction on a paged partition. Writes go straight into the trees (visible at once, to
 * every transaction on the partition — isolation is the shard's lock manager's job); each one
 * records its redo operations (the WAL record written at commit) and an undo closure (run, newest
 * first, by abort). Checks that can fail (duplicate rowid, unique key, bad value) run before
 * anything changes, so a failed call leaves no trace. A failure in the middle of a change (an I/O
 * error, corruption) poisons the partition: it refuses further work until reopened.
 */
import { HeliosError, constraintError } from '../../errors.js';
import type { IndexCursor, IndexDef, IndexRange, Row, Rowid, RowidRange, StorageTxn, TableCursor, TableDef, Value } from '../api.js';
import { checkValue } from '../btree/cell-codec.js';
import { PaxTableCursor } from '../btree/table-cursor.js';
import { encodeEntry, rowidOfEntry, encodePrefix, hasNull, prefixSuccessor } from '../keys/key-codec.js';
import { ByteWriter, type Op, writeOp, writeRowPut } from '../wal/wal-ops.js';
import { type Undo, UndoLog } from './apply.js';
import type { IndexMeta, TableMeta } from './catalog.js';
import { PagedIndexCursor } from './index-cursor.js';
import type { PagedPartition } from './partition.js';

interface KeyedEntry {
  readonly ix: IndexMeta;
  readonly entry: Uint8Array;
  readonly prefixLen: number;
  readonly values: readonly Value[];
}

const NO_ENTRIES: KeyedEntry[] = [];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class PagedTxn implements StorageTxn {
  state: 'active' | 'prepared' | 'done' = 'active';
  /** Ran DDL: checkpoints wait for it to end (see PagedPartition.canCheckpoint). */
  ddl = false;
  gid = '';
  /**
   * Redo operations, encoded as they happen (the WAL record's body at commit). Allocated on the
   * first write: most transactions of a read-mostly workload never write, and a zero-filled
   * Buffer per transaction was the largest cost of an empty begin/commit.
   */
  get redo(): ByteWriter {
    return (this.redoWriter ??= new ByteWriter(256));
  }
  private redoWriter: ByteWriter | undefined;
  redoOps = 0;
  readonly undo: Undo = new UndoLog();
  private readonly deferred: (() => void)[] = [];
  private readonly cursors = new Set<{ close(): void }>();

  constructor(private readonly p: PagedPartition, readonly id: bigint) {}

  private active(): void {
    this.p.live();
    if (this.state !== 'active') throw new HeliosError('INTERNAL', `storage: transaction ${this.id} is ${this.state}, not active`);
  }

  /** Runs a change; a failure inside poisons the partition (the change may be half done). */
  private change(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      throw this.p.poison(e, `transaction ${this.id}`);
    }
  }

  private op(op: Op): void {
    this.p.applier.apply(op, this.undo);
    this.log(op);
  }

  private log(op: Op): void {
    writeOp(this.redo, op);
    this.redoOps++;
  }

  // --- DDL ---
  createTable(def: TableDef): void {
    this.active();
    this.ddl = true;
    if (this.p.catalog.tables.has(def.id)) throw new HeliosError('INTERNAL', `storage: table ${def.id} already exists in partition ${this.p.id}`);
    this.change(() => this.op({ k: 'createTable', id: def.id, columns: [...def.columns] }));
  }

  dropTable(table: number): void {
    this.active();
    this.ddl = true;
    const cat = this.p.catalog;
    const t = cat.table(table);
    this.change(() => {
      cat.removeTable(table);
      this.undo.fn(() => {
        cat.addTable(t);
        for (const i of t.indexes) cat.indexes.set(i.id, i);
      });
      this.deferred.push(() => this.p.applier.destroyTable(t));
      this.log({ k: 'dropTable', id: table });
    });
  }

  createIndex(def: IndexDef): void {
    this.active();
    this.ddl = true;
    const cat = this.p.catalog;
    const t = cat.table(def.table);
    if (cat.indexes.has(def.id)) throw new HeliosError('INTERNAL', `storage: index ${def.id} already exists in partition ${this.p.id}`);
    for (const part of def.parts) {
      if (part.column < 0 || part.column >= t.columns.length) throw new HeliosError('INTERNAL', `storage: index ${def.id} names column ${part.column}; table ${def.table} has ${t.columns.length}`);
    }
    const mark = this.undo.length;
    const redoMark = this.redo.len;
    const redoOpsMark = this.redoOps;
    this.change(() => {
      this.op({ k: 'createIndex', id: def.id, table: def.table, parts: def.parts.map((x) => ({ ...x })), unique: def.unique, partial: def.predicate !== undefined });
      cat.index(def.id).predicate = def.predicate;
    });
    const ix = cat.index(def.id);
    let conflict: HeliosError | null = null;
    this.change(() => {
      const cur = new PaxTableCursor(t.tree);
      try {
        for (let b = cur.nextBatch(); b && !conflict; b = cur.nextBatch()) {
          const rows: [bigint, Row][] = [];
          for (let i = 0; i < b.length; i++) {
            const row: Value[] = [];
            for (let c = 0; c < t.columns.length; c++) row.push(b.value(i, c));
            rows.push([b.rowid(i), row]);
          }
          for (const [rowid, row] of rows) {
            let e: KeyedEntry | null;
            try {
              e = this.entryFor(ix, rowid, row);
              if (e) ix.tree.checkSize(e.entry);
            } catch (err) {
              conflict = HeliosError.from(err);
              break;
            }
            if (!e) continue;
            conflict = this.uniqueConflict(e, rowid);
            if (conflict) break;
            this.op({ k: 'idxPut', index: ix.id, entry: e.entry });
          }
        }
      } finally {
        cur.close();
      }
      if (conflict) {
        // roll back just this statement: the index disappears as if never created
        this.undo.rollBack((op) => this.p.applier.apply(op, null), mark);
        this.redo.len = redoMark;
        this.redoOps = redoOpsMark;
      }
    });
    if (conflict) throw conflict;
  }

  dropIndex(index: number): void {
    this.active();
    this.ddl = true;
    const cat = this.p.catalog;
    const ix = cat.index(index);
    this.change(() => {
      cat.removeIndex(index);
      this.undo.fn(() => cat.addIndex(ix));
      this.deferred.push(() => ix.tree.destroy());
      this.log({ k: 'dropIndex', id: index });
    });
  }

  // --- rows ---
  get(table: number, rowid: Rowid): Row | undefined {
    this.p.live();
    return this.p.catalog.table(table).tree.get(rowid);
  }

  readInto(table: number, rowid: Rowid, columns: readonly number[], out: Value[], offset: number): boolean {
    this.p.live();
    return this.p.catalog.table(table).tree.readInto(rowid, columns, out, offset);
  }

  private checkRow(t: TableMeta, row: readonly Value[]): void {
    if (row.length !== t.columns.length) throw new HeliosError('INTERNAL', `storage: row has ${row.length} values but table ${t.id} has ${t.columns.length} columns`);
    for (const v of row) checkValue(v);
  }

  private entryFor(ix: IndexMeta, rowid: bigint, row: readonly Value[]): KeyedEntry | null {
    if (ix.partial) {
      if (!ix.predicate) throw new HeliosError('INTERNAL', `storage: partial index ${ix.id} has no predicate bound since the partition was reopened (bindIndexPredicate)`);
      if (!ix.predicate(row)) return null;
    }
    const values = ix.parts.map((p) => row[p.column]!);
    const { entry, prefixLen } = encodeEntry(values, ix.parts, rowid);
    return { ix, entry, prefixLen, values };
  }

  private entries(t: TableMeta, rowid: bigint, row: readonly Value[]): KeyedEntry[] {
    const out: KeyedEntry[] = [];
    for (const ix of t.indexes) {
      const e = this.entryFor(ix, rowid, row);
      if (e) out.push(e);
    }
    return out;
  }

  private uniqueConflict(e: KeyedEntry, _rowid: bigint): HeliosError | null {
    if (!e.ix.unique || hasNull(e.values)) return null;
    if (!e.ix.tree.hasOther(e.entry, e.prefixLen)) return null;
    return constraintError('unique', `UNIQUE constraint failed: index ${e.ix.id} already holds this key`);
  }

  insert(table: number, rowid: Rowid, row: readonly Value[]): void {
    this.active();
    const t = this.p.catalog.table(table);
    this.checkRow(t, row);
    let es: KeyedEntry[] = NO_ENTRIES;
    if (t.indexes.length > 0) {
      es = this.entries(t, rowid, row);
      for (const e of es) e.ix.tree.checkSize(e.entry);
    }
    // One descent per tree: the row goes in only when its rowid is absent, each UNIQUE entry only
    // when its key is free. A conflict found on the way rolls this call's steps back (undo log
    // from `mark`), so the failed call leaves nothing behind.
    const mark = this.undo.length;
    const redoMark = this.redo.len;
    const opsMark = this.redoOps;
    let conflict: HeliosError | null = null;
    try {
      if (!t.tree.insertNew(rowid, row)) {
        throw constraintError('primary_key', `PRIMARY KEY constraint failed: rowid ${rowid} already exists in table ${table}`);
      }
      t.rows++;
      this.undo.rowDel(table, rowid);
      writeRowPut(this.redo, table, rowid, row);
      this.redoOps++;
      for (const e of es) {
        if (!e.ix.unique || hasNull(e.values)) {
          this.op({ k: 'idxPut', index: e.ix.id, entry: e.entry });
          continue;
        }
        const r = e.ix.tree.insertUnique(e.entry, e.prefixLen);
        if (r === 'conflict') {
          conflict = constraintError('unique', `UNIQUE constraint failed: index ${e.ix.id} already holds this key`);
          break;
        }
        if (r === 'inserted') this.undo.op({ k: 'idxDel', index: e.ix.id, entry: e.entry });
        this.log({ k: 'idxPut', index: e.ix.id, entry: e.entry });
      }
      if (conflict) {
        this.undo.rollBack((op) => this.p.applier.apply(op, null), mark);
        this.redo.len = redoMark;
        this.redoOps = opsMark;
      }
    } catch (e) {
      throw this.p.poison(e, `transaction ${this.id}`);
    }
    if (conflict) throw conflict;
  }

  update(table: number, rowid: Rowid, row: readonly Value[]): void {
    this.active();
    const t = this.p.catalog.table(table);
    this.checkRow(t, row);
    const old = t.tree.get(rowid);
    if (!old) throw new HeliosError('INTERNAL', `storage: update of absent rowid ${rowid} in table ${table}`);
    const before = this.entries(t, rowid, old);
    const after = this.entries(t, rowid, row);
    const gone = before.filter((b) => !after.some((a) => a.ix === b.ix && sameBytes(a.entry, b.entry)));
    const added = after.filter((a) => !before.some((b) => a.ix === b.ix && sameBytes(a.entry, b.entry)));
    for (const e of added) {
      const c = this.uniqueConflict(e, rowid);
      if (c) throw c;
      e.ix.tree.checkSize(e.entry);
    }
    this.change(() => {
      for (const e of gone) this.op({ k: 'idxDel', index: e.ix.id, entry: e.entry });
      this.op({ k: 'rowPut', table, rowid, row: [...row] });
      for (const e of added) this.op({ k: 'idxPut', index: e.ix.id, entry: e.entry });
    });
  }

  delete(table: number, rowid: Rowid): boolean {
    this.active();
    const t = this.p.catalog.table(table);
    const old = t.tree.get(rowid);
    if (!old) return false;
    const es = this.entries(t, rowid, old);
    this.change(() => {
      for (const e of es) this.op({ k: 'idxDel', index: e.ix.id, entry: e.entry });
      this.op({ k: 'rowDel', table, rowid });
    });
    return true;
  }

  maxRowid(table: number): Rowid | null {
    this.p.live();
    return this.p.catalog.table(table).tree.maxRowid();
  }

  rowCount(table: number): number {
    this.p.live();
    return this.p.catalog.table(table).rows;
  }

  scan(table: number, range?: RowidRange): TableCursor {
    this.p.live();
    const t = this.p.catalog.table(table);
    const holder: { close(): void } = { close: () => cur.close() };
    const cur = new PaxTableCursor(t.tree, range, () => this.cursors.delete(holder));
    this.cursors.add(holder);
    return cur;
  }

  indexScan(index: number, range?: IndexRange): IndexCursor {
    this.p.live();
    return new PagedIndexCursor(this.p.catalog.index(index), range);
  }

  indexLookup(index: number, values: readonly Value[]): Rowid[] {
    this.p.live();
    const ix = this.p.catalog.index(index);
    const prefix = encodePrefix(values, ix.parts);
    const out: Rowid[] = [];
    let after: Uint8Array | null = null;
    for (;;) {
      const got = ix.tree.read({ from: after ? null : prefix, after, stop: prefixSuccessor(prefix), reverse: false, max: 256 });
      for (const e of got) out.push(rowidOfEntry(e, ix.parts.length));
      if (got.length < 256) return out;
      after = got[got.length - 1]!;
    }
  }

  // --- end of life ---
  prepare(gid: string): void {
    this.active();
    if (gid.length === 0 || this.p.prepared.has(gid)) throw new HeliosError('INTERNAL', `storage: bad or duplicate 2PC gid '${gid}'`);
    this.p.logPrepare(this, gid);
    this.gid = gid;
    this.state = 'prepared';
    this.p.prepared.set(gid, this);
  }

  commit(): bigint {
    this.p.live();
    if (this.state === 'done') throw new HeliosError('INTERNAL', `storage: transaction ${this.id} already ended`);
    const lsn = this.p.logCommit(this);
    this.change(() => {
      for (const d of this.deferred) d();
    });
    this.finish();
    return lsn;
  }

  abort(): void {
    if (this.state === 'done') return;
    this.p.live();
    this.closeCursors();
    this.change(() => {
      this.undo.rollBack((op) => this.p.applier.apply(op, null));
    });
    if (this.state === 'prepared') this.p.logAbort(this);
    this.finish();
  }

  private closeCursors(): void {
    for (const c of [...this.cursors]) c.close();
    this.cursors.clear();
  }

  private finish(): void {
    this.closeCursors();
    if (this.state === 'prepared') this.p.prepared.delete(this.gid);
    this.state = 'done';
    this.undo.clear();
    this.p.ended(this);
  }
}
