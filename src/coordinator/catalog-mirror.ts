/**
 * The coordinator's copy of the catalog, and the scratch space where fan-out queries run.
 *
 * A {@link SqlEngine} over an in-memory partition holds the same schema as every partition
 * (rebuilt from partition 0's system-table rows at start and after every DDL). Its tables are always
 * empty, except inside {@link CatalogMirror.withRows}: the router loads the rows it fetched
 * from every partition into a transaction, runs the statement there — with the full SQL engine,
 * so every query shape the engine supports is answered exactly as on one partition — and rolls
 * the transaction back. The same path plans INSERTs (InsertHooks.plan), so VALUES and
 * INSERT … SELECT sources are evaluated once, here.
 *
 * The cost is memory and time proportional to the tables a fan-out statement reads (all their
 * rows cross the rings); docs/sharding.md lists the cheaper strategies still to add.
 */
import { HeliosError } from '../errors.js';
import type { Value } from '../storage/api.js';
import { openMemoryPartition } from '../storage/memory/index.js';
import { SqlEngine, type EngineOptions, type SqlSession } from '../sql/index.js';
import { SCHEMA_TABLE, SEQUENCE_TABLE, type Catalog } from '../sql/catalog.js';
import { columnKind } from '../sql/table-writer.js';
import { indexDefOf } from '../sql/index-predicate.js';
import { checkInterrupt, type CallContext } from './call-context.js';

export class CatalogMirror {
  private engine: SqlEngine;
  private session: SqlSession;
  /** Bumped per rebuild: the schema version the generated APIs see. */
  generation = 0;

  /** The caller of the synchronous run in progress ({@link withRows}, {@link scratch}), for the engines' interrupt hook. */
  private running: CallContext | undefined;

  constructor() {
    this.engine = new SqlEngine(openMemoryPartition(0), this.options());
    this.session = this.engine.session();
  }

  /** The engines' interrupt hook (EngineOptions.interrupt) stops a fan-out query or central write at its caller's deadline. */
  private options(): EngineOptions {
    return { interrupt: () => checkInterrupt(this.running) };
  }

  get catalog(): Catalog {
    return this.engine.catalog;
  }

  /**
   * Rebuilds the schema from a partition's system-table rows (`[rowid, type, name, tbl_name, id, sql]`):
   * the rows are copied and the catalog loaded from them exactly as an engine loads its own
   * (replaying the DDL texts would not do: after ALTER TABLE … RENAME an index's or view's text
   * may still name the old table), then an empty storage table and index is made for each.
   */
  rebuild(schemaRows: readonly Value[][]): void {
    const partition = openMemoryPartition(0);
    const txn = partition.begin();
    txn.createTable({ id: SCHEMA_TABLE, columns: ['text', 'text', 'text', 'integer', 'text'] });
    txn.createTable({ id: SEQUENCE_TABLE, columns: ['integer'] });
    for (const r of schemaRows) txn.insert(SCHEMA_TABLE, r[0] as bigint, r.slice(1));
    txn.commit();
    const engine = new SqlEngine(partition, this.options());
    const t2 = partition.begin();
    for (const t of engine.catalog.tables.values()) {
      t2.createTable({ id: t.id, columns: t.columns.map((c) => columnKind(c.aff)) });
      for (const ix of t.indexes) t2.createIndex(indexDefOf(t, ix));
    }
    t2.commit();
    this.engine = engine;
    this.session = engine.session();
    this.generation++;
  }

  /** Applies DDL that every partition just ran (inside a transaction not yet committed). */
  applyDdl(sql: string): void {
    this.session.execute(sql);
  }

  /** Parses and plans through the mirror's engine without data (EXPLAIN at the coordinator). */
  explain(sql: string): string[] {
    return this.engine.plan(sql).explain;
  }

  /**
   * Runs `fn` on a session whose transaction holds `rows` (table name → `[rowid, ...columns]`
   * rows), then discards them. Synchronous: nothing else can see the rows.
   */
  withRows<T>(rows: ReadonlyMap<string, readonly Value[][]>, fn: (s: SqlSession) => T, cx?: CallContext): T {
    if (rows.size > 0) return this.scratch(rows, fn, cx);
    const outer = this.running;
    this.running = cx;
    try {
      return fn(this.session);
    } finally {
      this.running = outer;
    }
  }

  /**
   * {@link withRows} that always opens the scratch transaction, so `fn` may write (DDL included):
   * the central write path (central-write.ts) runs a write here and reads back what it changed
   * through `s.storageTxn()`. Everything is rolled back when `fn` returns.
   */
  scratch<T>(rows: ReadonlyMap<string, readonly Value[][]>, fn: (s: SqlSession) => T, cx?: CallContext): T {
    const s = this.session;
    const outer = this.running;
    s.execute('BEGIN');
    this.running = cx;
    try {
      const txn = s.storageTxn()!;
      for (const [name, list] of rows) {
        const t = this.engine.catalog.table(name);
        if (!t) throw new HeliosError('INTERNAL', `catalog mirror: no table ${name}`);
        if (txn.loadRows) txn.loadRows(t.id, list);
        else for (const r of list) txn.insert(t.id, r[0] as bigint, r.slice(1));
      }
      return fn(s);
    } finally {
      if (s.inTransaction()) s.rollback();
      this.running = outer;
    }
  }
}
