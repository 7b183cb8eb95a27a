/**
 * VACUUM's copy step: every table and index of one partition rebuilt, in key order, into a fresh
 * partition (files `p<N>.vacuum.*`). Key-ordered inserts hit the B-tree's append path, so pages
 * come out full; the caller then checkpoints the copy and renames its data file over the live one
 * (rename is atomic, and the live WAL is empty after the checkpoint that precedes the copy).
 */
import type { Row, Value } from '../api.js';
import { PaxTableCursor } from '../btree/table-cursor.js';
import type { PagedPartition } from './partition.js';

export function copyPartition(src: PagedPartition, dst: PagedPartition): void {
  for (const t of src.catalog.tables.values()) {
    dst.applier.apply({ k: 'createTable', id: t.id, columns: [...t.columns] }, null);
    const to = dst.catalog.table(t.id);
    const cur = new PaxTableCursor(t.tree);
    try {
      for (let b = cur.nextBatch(); b; b = cur.nextBatch()) {
        const rows: [bigint, Row][] = [];
        for (let i = 0; i < b.length; i++) {
          const row: Value[] = new Array(t.columns.length);
          for (let c = 0; c < t.columns.length; c++) row[c] = b.value(i, c);
          rows.push([b.rowid(i), row]);
        }
        for (const [rowid, row] of rows) {
          to.tree.insert(rowid, row);
          to.rows++;
        }
      }
    } finally {
      cur.close();
    }
  }
  for (const ix of src.catalog.indexes.values()) {
    dst.applier.apply({ k: 'createIndex', id: ix.id, table: ix.table, parts: ix.parts.map((p) => ({ ...p })), unique: ix.unique, partial: ix.partial }, null);
    const to = dst.catalog.index(ix.id);
    let after: Uint8Array | null = null;
    for (;;) {
      const got = ix.tree.read({ from: null, after, stop: null, reverse: false, max: 1024 });
      for (const e of got) to.tree.insert(e);
      if (got.length < 1024) break;
      after = got[got.length - 1]!;
    }
  }
}
