/**
 * Applies the WAL's primitive operations to a partition's trees, optionally recording how to
 * undo each one. Transactions (forward, with undo), recovery (redo, no undo) and in-doubt 2PC
 * transactions found at recovery (redo with undo) all go through here, so the three can never
 * disagree about what an operation does.
 *
 * Redo is idempotent per operation (a put replaces, a delete of an absent row is a no-op), which
 * keeps recovery correct even if a record were applied to a state that already contains it.
 */
import type { Row } from '../api.js';
import type { PageStore } from '../btree/btree.js';
import { IndexTree } from '../btree/index-tree.js';
import { TableTree } from '../btree/table-tree.js';
import { ByteReader, ByteWriter, type Op, readOp, writeOp, writeRowDel } from '../wal/wal-ops.js';
import type { Catalog, IndexMeta, TableMeta } from './catalog.js';

/**
 * A transaction's undo log: inverse operations encoded compactly as bytes (a 100k-row insert
 * keeps 100k small records, not 100k closures for the garbage collector to promote), plus
 * closures for the rare DDL steps that bytes cannot express.
 */
export class UndoLog {
  // Both allocated on the first undo entry: a transaction that only reads never needs them.
  private wBuf: ByteWriter | undefined;
  private fnMap: Map<number, () => void> | undefined;
  private offs: number[] = [];

  private get w(): ByteWriter {
    return (this.wBuf ??= new ByteWriter(256));
  }
  private get fns(): Map<number, () => void> {
    return (this.fnMap ??= new Map());
  }

  get length(): number {
    return this.offs.length;
  }
  op(op: Op): void {
    this.offs.push(this.w.len);
    writeOp(this.w, op);
  }
  rowDel(table: number, rowid: bigint): void {
    this.offs.push(this.w.len);
    writeRowDel(this.w, table, rowid);
  }
  fn(f: () => void): void {
    this.fns.set(this.offs.length, f);
    this.offs.push(-1);
  }
  /** Undoes entries newest first down to `mark` (0 = all), forgetting them. */
  rollBack(apply: (op: Op) => void, mark = 0): void {
    for (let i = this.offs.length - 1; i >= mark; i--) {
      const at = this.offs[i]!;
      if (at < 0) {
        this.fns.get(i)!();
        this.fns.delete(i);
      } else {
        apply(readOp(new ByteReader(this.w.buf, at, this.w.len)));
        this.w.len = at;
      }
    }
    this.offs.length = mark;
  }
  clear(): void {
    if (this.offs.length === 0) return;
    this.offs = [];
    this.fnMap?.clear();
    if (this.wBuf) this.wBuf.len = 0;
  }
}

export type Undo = UndoLog;

export class Applier {
  constructor(readonly store: PageStore, readonly catalog: Catalog) {}

  apply(op: Op, undo: Undo | null): void {
    const cat = this.catalog;
    switch (op.k) {
      case 'rowPut': {
        const t = cat.table(op.table);
        const old = t.tree.put(op.rowid, op.row);
        if (!old) t.rows++;
        if (undo) {
          const { table, rowid } = op;
          undo.op(old ? { k: 'rowPut', table, rowid, row: old } : { k: 'rowDel', table, rowid });
        }
        return;
      }
      case 'rowDel': {
        const t = cat.table(op.table);
        const old: Row | undefined = t.tree.delete(op.rowid);
        if (!old) return;
        t.rows--;
        if (undo) {
          const { table, rowid } = op;
          undo.op({ k: 'rowPut', table, rowid, row: old });
        }
        return;
      }
      case 'idxPut': {
        const ix = cat.index(op.index);
        if (ix.tree.insert(op.entry) && undo) undo.op({ k: 'idxDel', index: op.index, entry: op.entry });
        return;
      }
      case 'idxDel': {
        const ix = cat.index(op.index);
        if (ix.tree.delete(op.entry) && undo) undo.op({ k: 'idxPut', index: op.index, entry: op.entry });
        return;
      }
      case 'createTable': {
        const root = TableTree.create(this.store, op.columns);
        const meta: TableMeta = { id: op.id, columns: op.columns, tree: new TableTree(this.store, op.columns, root), rows: 0, indexes: [] };
        cat.addTable(meta);
        if (undo) undo.fn(() => this.destroyTable(cat.removeTable(op.id)));
        return;
      }
      case 'dropTable':
        this.destroyTable(cat.removeTable(op.id));
        return;
      case 'createIndex': {
        const root = IndexTree.create(this.store);
        const meta: IndexMeta = { id: op.id, table: op.table, parts: op.parts, unique: op.unique, partial: op.partial, predicate: undefined, tree: new IndexTree(this.store, root) };
        cat.addIndex(meta);
        if (undo) undo.fn(() => cat.removeIndex(op.id).tree.destroy());
        return;
      }
      case 'dropIndex':
        cat.removeIndex(op.id).tree.destroy();
        return;
    }
  }

  destroyTable(t: TableMeta): void {
    for (const i of t.indexes) i.tree.destroy();
    t.tree.destroy();
  }
}
