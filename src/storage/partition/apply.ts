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
import type { Op } from '../wal/wal-ops.js';
import type { Catalog, IndexMeta, TableMeta } from './catalog.js';

export type Undo = (() => void)[];

export class Applier {
  constructor(readonly store: PageStore, readonly catalog: Catalog) {}

  apply(op: Op, undo: Undo | null): void {
    const cat = this.catalog;
    switch (op.k) {
      case 'rowPut': {
        const t = cat.table(op.table);
        const old = t.tree.delete(op.rowid);
        t.tree.insert(op.rowid, op.row);
        if (!old) t.rows++;
        if (undo) {
          const { table, rowid } = op;
          undo.push(old ? () => this.apply({ k: 'rowPut', table, rowid, row: old }, null) : () => this.apply({ k: 'rowDel', table, rowid }, null));
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
          undo.push(() => this.apply({ k: 'rowPut', table, rowid, row: old }, null));
        }
        return;
      }
      case 'idxPut': {
        const ix = cat.index(op.index);
        if (ix.tree.insert(op.entry) && undo) undo.push(() => ix.tree.delete(op.entry));
        return;
      }
      case 'idxDel': {
        const ix = cat.index(op.index);
        if (ix.tree.delete(op.entry) && undo) undo.push(() => ix.tree.insert(op.entry));
        return;
      }
      case 'createTable': {
        const root = TableTree.create(this.store, op.columns);
        const meta: TableMeta = { id: op.id, columns: op.columns, tree: new TableTree(this.store, op.columns, root), rows: 0, indexes: [] };
        cat.addTable(meta);
        if (undo) undo.push(() => this.destroyTable(cat.removeTable(op.id)));
        return;
      }
      case 'dropTable':
        this.destroyTable(cat.removeTable(op.id));
        return;
      case 'createIndex': {
        const root = IndexTree.create(this.store);
        const meta: IndexMeta = { id: op.id, table: op.table, parts: op.parts, unique: op.unique, partial: op.partial, predicate: undefined, tree: new IndexTree(this.store, root) };
        cat.addIndex(meta);
        if (undo) undo.push(() => cat.removeIndex(op.id).tree.destroy());
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
