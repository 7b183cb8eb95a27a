/**
 * The partition's catalog of tables and indexes: ids, column kinds, index parts, root pages and
 * row counts. Persisted as JSON in a chain of catalog pages at each checkpoint (roots never move,
 * so the catalog changes only with DDL); between checkpoints DDL lives in the WAL.
 *
 * A partial index's predicate is a function and cannot be persisted: after a reopen the SQL layer
 * binds it again ({@link PagedPartition.bindIndexPredicate}); until then writes to that table fail.
 */
import { HeliosError } from '../../errors.js';
import type { ColumnKind, IndexKeyPart, Value } from '../api.js';
import type { PageStore } from '../btree/btree.js';
import { IndexTree } from '../btree/index-tree.js';
import { TableTree } from '../btree/table-tree.js';

export interface TableMeta {
  readonly id: number;
  readonly columns: readonly ColumnKind[];
  readonly tree: TableTree;
  rows: number;
  readonly indexes: IndexMeta[];
}

export interface IndexMeta {
  readonly id: number;
  readonly table: number;
  readonly parts: readonly IndexKeyPart[];
  readonly unique: boolean;
  readonly partial: boolean;
  predicate: ((row: readonly Value[]) => boolean) | undefined;
  readonly tree: IndexTree;
}

interface Persisted {
  tables: { id: number; columns: ColumnKind[]; root: number; rows: number }[];
  indexes: { id: number; table: number; parts: IndexKeyPart[]; unique: boolean; partial: boolean; root: number }[];
}

export class Catalog {
  readonly tables = new Map<number, TableMeta>();
  readonly indexes = new Map<number, IndexMeta>();

  table(id: number): TableMeta {
    const t = this.tables.get(id);
    if (!t) throw new HeliosError('INTERNAL', `storage: no table ${id} in this partition`);
    return t;
  }
  index(id: number): IndexMeta {
    const i = this.indexes.get(id);
    if (!i) throw new HeliosError('INTERNAL', `storage: no index ${id} in this partition`);
    return i;
  }

  addTable(t: TableMeta): void {
    this.tables.set(t.id, t);
  }
  addIndex(i: IndexMeta): void {
    this.indexes.set(i.id, i);
    this.table(i.table).indexes.push(i);
  }
  removeIndex(id: number): IndexMeta {
    const i = this.index(id);
    this.indexes.delete(id);
    const t = this.tables.get(i.table);
    if (t) {
      const at = t.indexes.indexOf(i);
      if (at >= 0) t.indexes.splice(at, 1);
    }
    return i;
  }
  removeTable(id: number): TableMeta {
    const t = this.table(id);
    for (const i of [...t.indexes]) this.indexes.delete(i.id);
    this.tables.delete(id);
    return t;
  }

  serialize(): Uint8Array {
    const p: Persisted = { tables: [], indexes: [] };
    for (const t of this.tables.values()) p.tables.push({ id: t.id, columns: [...t.columns], root: t.tree.root, rows: t.rows });
    for (const i of this.indexes.values()) {
      p.indexes.push({ id: i.id, table: i.table, parts: i.parts.map((x) => ({ ...x })), unique: i.unique, partial: i.partial, root: i.tree.root });
    }
    return new TextEncoder().encode(JSON.stringify(p));
  }

  static load(bytes: Uint8Array, store: PageStore, file: string): Catalog {
    const c = new Catalog();
    if (bytes.length === 0) return c;
    let p: Persisted;
    try {
      p = JSON.parse(new TextDecoder().decode(bytes)) as Persisted;
    } catch {
      throw new HeliosError('INTERNAL', `storage corruption in '${file}': the catalog does not parse`);
    }
    for (const t of p.tables) {
      c.addTable({ id: t.id, columns: t.columns, tree: new TableTree(store, t.columns, t.root), rows: t.rows, indexes: [] });
    }
    for (const i of p.indexes) {
      c.addIndex({ id: i.id, table: i.table, parts: i.parts, unique: i.unique, partial: i.partial, predicate: undefined, tree: new IndexTree(store, i.root) });
    }
    return c;
  }
}
