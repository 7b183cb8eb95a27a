/**
 * Statement atomicity inside an explicit transaction. The storage transaction has no
 * savepoints, so each statement runs against this wrapper, which records the inverse of every
 * write; when the statement fails, {@link UndoTxn.rollbackStatement} replays them backwards and
 * the transaction is exactly as before the statement.
 */
import type { IndexDef, Row, Rowid, StorageTxn, TableDef, Value } from '../storage/api.js';

export class UndoTxn {
  private log: (() => void)[] = [];
  /** Definitions of the live indexes, so a dropped one can be re-created on undo. */
  constructor(readonly txn: StorageTxn, private readonly indexDefs: (id: number) => IndexDef | undefined, private readonly tableIndexes: (table: number) => IndexDef[]) {}

  insert(table: number, rowid: Rowid, row: readonly Value[]): void {
    this.txn.insert(table, rowid, row);
    this.log.push(() => { this.txn.delete(table, rowid); });
  }
  update(table: number, rowid: Rowid, row: readonly Value[]): void {
    const old = this.txn.get(table, rowid);
    this.txn.update(table, rowid, row);
    if (old) this.log.push(() => this.txn.update(table, rowid, old));
  }
  delete(table: number, rowid: Rowid): boolean {
    const old = this.txn.get(table, rowid);
    const ok = this.txn.delete(table, rowid);
    if (ok && old) this.log.push(() => this.txn.insert(table, rowid, old));
    return ok;
  }
  createTable(def: TableDef): void {
    this.txn.createTable(def);
    this.log.push(() => this.txn.dropTable(def.id));
  }
  createIndex(def: IndexDef): void {
    this.txn.createIndex(def);
    this.log.push(() => this.txn.dropIndex(def.id));
  }
  dropIndex(id: number): void {
    const def = this.indexDefs(id);
    this.txn.dropIndex(id);
    if (def) this.log.push(() => this.txn.createIndex(def));
  }
  dropTable(def: TableDef): void {
    const rows: [Rowid, Row][] = [];
    const cur = this.txn.scan(def.id);
    for (let b = cur.nextBatch(); b; b = cur.nextBatch()) {
      for (let i = 0; i < b.length; i++) rows.push([b.rowid(i), def.columns.map((_, c) => b.value(i, c))]);
    }
    cur.close();
    const ixs = this.tableIndexes(def.id);
    this.txn.dropTable(def.id);
    this.log.push(() => {
      this.txn.createTable(def);
      for (const [id, r] of rows) this.txn.insert(def.id, id, r);
      for (const ix of ixs) this.txn.createIndex(ix);
    });
  }

  /** Forgets the recorded writes (the statement succeeded). */
  commitStatement(): void { this.log = []; }
  /** Reverses the statement's writes. */
  rollbackStatement(): void {
    const log = this.log;
    this.log = [];
    for (let i = log.length - 1; i >= 0; i--) log[i]!();
  }
}
