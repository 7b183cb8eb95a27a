/**
 * The in-process SQL engine over one {@link Partition}: {@link SqlEngine} owns the catalog and
 * the plan cache (compiled statements by SQL text, invalidated by schema version), and hands
 * out {@link SqlSession}s — one per client connection — that run statements in auto-commit
 * mode or inside BEGIN … COMMIT. A failed statement leaves no effect: in auto-commit its storage
 * transaction aborts; inside a transaction its writes are undone through {@link UndoTxn}.
 */
import type { Kernels } from '../kernels/index.js';
import { newKernelStats, type KernelContext, type KernelStats } from './kernel-filter.js';
import type { Partition, StorageTxn, Value } from '../storage/api.js';
import { HeliosError, sqlError } from '../errors.js';
import type { Statement } from './ast.js';
import { Catalog, SCHEMA_TABLE, SEQUENCE_TABLE } from './catalog.js';
import { ijdFromUnixMs } from './date-functions.js';
import { alterTable, createIndex, createTable, createTrigger, createView, drop } from './ddl.js';
import { compileDelete, compileInsert, compileUpdate, type CompiledStatement, type ExecRuntime, type InsertHooks } from './dml.js';
import { indexDefOf } from './index-predicate.js';
import { runPragma } from './introspection.js';
import { ROLLBACK_TRANSACTION } from './compile-expr.js';
import { parse } from './parser.js';
import { byteOffset } from './lexer.js';
import { QueryCompiler, combineRoutes, describeRoute } from './select.js';
import type { Route } from './access-path.js';
import { UndoTxn } from './undo-txn.js';
import type { Runtime } from './compile-expr.js';
import { openQueryCursor, type CursorOptions, type QueryCursor } from './query-cursor.js';

export type Params = Value[] | Record<string, Value>;
export type { Route, InsertHooks };
export type { PlannedRow } from './dml.js';
export interface ExecResult { columns: string[]; rows: Value[][]; rowsAffected: number; lastInsertId: bigint | null }

export interface EngineOptions {
  /** The clock for 'now' (ms since 1970); injectable for tests. */
  readonly now?: () => number;
  /** Source of random() values; injectable for tests. */
  readonly random?: () => bigint;
  readonly planCacheSize?: number;
  /** Rows a recursive CTE may produce before it fails (default 10 million). */
  readonly maxRecursiveRows?: number;
  /**
   * The shard's scan kernels over the buffer pool's memory (paged storage): WHERE filters and
   * aggregates of table scans run with SIMD over fixed-width column pages. Without them (the
   * memory partition, unit tests) the scalar path runs.
   */
  readonly kernels?: Kernels;
  /**
   * Checked at every batch boundary of a running statement: throws (a HeliosError CANCELLED or
   * DEADLINE_EXCEEDED) when the request the statement belongs to was cancelled or ran out of
   * time. The statement then fails as any failing statement does: no partial effect.
   */
  readonly interrupt?: () => void;
}

interface CacheEntry { version: number; stmt: Statement; params: string[]; compiled: CompiledStatement | null; rt: ExecRuntime }

const READ_ONLY = new Set(['select']);
const CACHEABLE = new Set(['select', 'insert', 'update', 'delete']);

function defaultRandom(): bigint {
  const hi = BigInt(Math.floor(Math.random() * 0x100000000));
  const lo = BigInt(Math.floor(Math.random() * 0x100000000));
  return BigInt.asIntN(64, (hi << 32n) | lo);
}

export class SqlEngine {
  readonly catalog = new Catalog();
  private readonly cache = new Map<string, CacheEntry>();
  readonly now: () => number;
  readonly random: () => bigint;
  private readonly cacheSize: number;
  private readonly maxRecursiveRows: number | undefined;
  /** How often the scan kernels ran (tests read it to prove they were used). */
  readonly kernelStats: KernelStats = newKernelStats();
  private readonly kernelCx: KernelContext | undefined;
  private readonly interrupt: (() => void) | undefined;

  constructor(readonly partition: Partition, opts: EngineOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? defaultRandom;
    this.cacheSize = opts.planCacheSize ?? 512;
    this.maxRecursiveRows = opts.maxRecursiveRows;
    this.kernelCx = opts.kernels ? { k: opts.kernels, stats: this.kernelStats } : undefined;
    this.interrupt = opts.interrupt;
    const txn = partition.begin();
    try {
      try {
        txn.rowCount(SCHEMA_TABLE);
      } catch {
        txn.createTable({ id: SCHEMA_TABLE, columns: ['text', 'text', 'text', 'integer', 'text'] });
        txn.createTable({ id: SEQUENCE_TABLE, columns: ['integer'] });
      }
      this.catalog.load(txn);
      txn.commit();
      // A partial index's predicate is a function storage cannot persist: re-attach each one.
      for (const t of this.catalog.tables.values()) {
        for (const ix of t.indexes) {
          const def = indexDefOf(t, ix);
          if (def.predicate) partition.bindIndexPredicate?.(ix.id, def.predicate);
        }
      }
    } catch (e) {
      txn.abort();
      throw e;
    }
  }

  session(): SqlSession {
    return new Session(this);
  }

  /**
   * The plan of a statement without running it: where it runs ({@link Route}: one partition by a
   * rowid given as a literal or parameter, or all) and the EXPLAIN lines. The coordinator caches
   * this by SQL text to route requests.
   */
  plan(sql: string): { route: Route; explain: string[]; params: number } {
    const { stmt, params } = parse(sql);
    if (!CACHEABLE.has(stmt.kind)) return { route: { kind: 'all' }, explain: [], params: params.length };
    const rt: ExecRuntime = { txn: null!, w: null!, params: [], gen: 0, lastInsertId: null, fn: null!, ...this.runtimeExtras() };
    const c = compileStatement(new QueryCompiler(sql, this.catalog, rt), stmt);
    return { route: c.route, explain: c.explain, params: params.length };
  }

  /** @internal what every statement's runtime carries from the engine's options. */
  runtimeExtras(): Pick<Runtime, 'maxRecursiveRows' | 'kernels' | 'interrupt'> {
    return { ...(this.maxRecursiveRows ? { maxRecursiveRows: this.maxRecursiveRows } : {}), ...(this.kernelCx ? { kernels: this.kernelCx } : {}), ...(this.interrupt ? { interrupt: this.interrupt } : {}) };
  }

  /**
   * Opens a resumable cursor over one query (auto-commit reads, no session state): see
   * src/sql/query-cursor.ts for which plans stream and which run to completion first.
   * IMPORTANT: storage does not isolate it from writes between two `next` calls; the caller
   * keeps writers away from the partition while the cursor is open.
   */
  openCursor(sql: string, params: Params | undefined, opts: CursorOptions = {}): QueryCursor {
    if (typeof sql !== 'string') throw sqlError('SQL must be a string');
    const { stmt, params: names } = parse(sql);
    try {
      return openQueryCursor(this, sql, stmt, bindParams(names, params), opts);
    } catch (e) {
      throw toHelios(e, sql);
    }
  }

  /** @internal the cached parse/compile state of a statement text. */
  entry(sql: string): CacheEntry {
    let e = this.cache.get(sql);
    if (e && e.version !== this.catalog.version) { e.compiled = null; e.version = this.catalog.version; }
    if (!e) {
      const { stmt, params } = parse(sql);
      const rt: ExecRuntime = { txn: null!, w: null!, params: [], gen: 0, lastInsertId: null, fn: null!, ...this.runtimeExtras() };
      e = { version: this.catalog.version, stmt, params, compiled: null, rt };
      if (CACHEABLE.has(stmt.kind)) {
        if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(sql, e);
      }
    }
    return e;
  }
}

export interface SqlSession {
  /**
   * Runs one statement; auto-commit unless inside BEGIN … COMMIT. `hooks` (a partitioned
   * database's router only) plan or supply an INSERT's rows: see {@link InsertHooks}.
   */
  execute(sql: string, params?: Params, hooks?: InsertHooks): ExecResult;
  inTransaction(): boolean;
  /**
   * 2PC phase one for the open transaction (BEGIN …): durably logs its writes under `gid`
   * ({@link StorageTxn.prepare}). Afterwards only COMMIT or {@link rollback} may follow.
   */
  prepare(gid: string): void;
  /** The open transaction's storage transaction (null outside BEGIN … COMMIT). */
  storageTxn(): StorageTxn | null;
  /** Rolls back the open transaction; a no-op outside one. */
  rollback(): void;
}

/** Binds a statement's parameters by position or name (values normalised to SQL values). */
export function bindParams(names: string[], given: Params | undefined): Value[] {
  const norm = (v: unknown, i: number): Value => {
    if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : Number.isNaN(v) ? null : v;
    if (typeof v === 'boolean') return v ? 1n : 0n;
    if (v === undefined || v === null) return null;
    if (typeof v === 'bigint') {
      if (v > 9223372036854775807n || v < -9223372036854775808n) throw sqlError(`parameter ${i + 1} is outside the 64-bit integer range`);
      return v;
    }
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return v;
    throw sqlError(`parameter ${i + 1} has an unsupported type (${typeof v}); use null, bigint, number, string, boolean or Uint8Array`);
  };
  if (given === undefined) {
    if (names.length > 0) throw sqlError(`statement expects ${names.length} parameter(s), none given`);
    return [];
  }
  if (given === null || typeof given !== 'object') throw sqlError('parameters must be an array or an object');
  if (Array.isArray(given)) {
    if (given.length !== names.length) throw sqlError(`statement expects ${names.length} parameter(s), ${given.length} given`);
    return given.map((v, i) => norm(v, i));
  }
  const out: Value[] = [];
  const used = new Set<string>();
  for (const [i, n] of names.entries()) {
    if (n === '') throw sqlError(`parameter ?${i + 1} is positional but named parameters were given`);
    const bare = n.slice(1);
    const key = n in given ? n : bare in given ? bare : undefined;
    if (key === undefined) throw sqlError(`missing value for parameter ${n}`);
    used.add(key);
    out.push(norm(given[key], i));
  }
  for (const k of Object.keys(given)) if (!used.has(k)) throw sqlError(`unknown parameter ${k}`);
  return out;
}

class Session implements SqlSession {
  private txn: StorageTxn | null = null;
  private lastInsertId: bigint | null = null;
  private lastChanges = 0;
  private gen = 0;

  constructor(private readonly engine: SqlEngine) {}

  inTransaction(): boolean { return this.txn !== null; }

  prepare(gid: string): void {
    if (!this.txn) throw sqlError('cannot prepare - no transaction is active');
    this.txn.prepare(gid);
  }

  storageTxn(): StorageTxn | null { return this.txn; }

  rollback(): void {
    if (!this.txn) return;
    const t = this.txn;
    this.txn = null;
    t.abort();
    this.reloadCatalog();
  }

  private reloadCatalog(): void {
    const t = this.engine.partition.begin();
    try { this.engine.catalog.load(t); } finally { t.commit(); }
  }

  execute(sql: string, params?: Params, hooks?: InsertHooks): ExecResult {
    if (typeof sql !== 'string') throw sqlError('SQL must be a string');
    const e = this.engine.entry(sql);
    const stmt = e.stmt;
    const bound = bindParams(e.params, params);
    switch (stmt.kind) {
      case 'begin':
        if (this.txn) throw sqlError('cannot start a transaction within a transaction');
        this.txn = this.engine.partition.begin();
        return this.result([], [], 0);
      case 'commit': {
        if (!this.txn) throw sqlError('cannot commit - no transaction is active');
        const t = this.txn;
        this.txn = null;
        t.commit();
        return this.result([], [], 0);
      }
      case 'rollback':
        if (!this.txn) throw sqlError('cannot rollback - no transaction is active');
        this.rollback();
        return this.result([], [], 0);
      case 'vacuum':
        if (this.txn) throw sqlError('cannot VACUUM from within a transaction');
        this.engine.partition.vacuum();
        return this.result([], [], 0);
      case 'reindex':
        // Indexes are always consistent here; REINDEX only checks that its target exists.
        if (stmt.name && !this.engine.catalog.table(stmt.name) && !this.engine.catalog.indexes.has(stmt.name.toLowerCase()) && !['binary', 'nocase', 'rtrim'].includes(stmt.name.toLowerCase())) {
          throw sqlError(`unable to identify the object to be reindexed: ${stmt.name}`);
        }
        return this.result([], [], 0);
      case 'analyze':
        return this.result([], [], 0);
      case 'pragma': {
        const r = runPragma(this.engine.catalog, this.engine.partition, stmt.name, stmt.arg);
        return this.result(r.columns, r.rows, 0);
      }
      default:
        if (!hooks) return this.run(e, stmt, bound, sql);
        e.rt.insertHooks = hooks;
        try { return this.run(e, stmt, bound, sql); } finally { e.rt.insertHooks = undefined; }
    }
  }

  private result(columns: string[], rows: Value[][], n: number): ExecResult {
    return { columns, rows, rowsAffected: n, lastInsertId: null };
  }

  private run(e: CacheEntry, stmt: Statement, params: Value[], sql: string): ExecResult {
    const auto = this.txn === null;
    const txn = this.txn ?? this.engine.partition.begin();
    const cat = this.engine.catalog;
    const w = new UndoTxn(txn, (id) => {
      for (const t of cat.tables.values()) for (const ix of t.indexes) if (ix.id === id) return indexDefOf(t, ix);
      return undefined;
    }, (tid) => {
      for (const t of cat.tables.values()) if (t.id === tid) return t.indexes.map((ix) => indexDefOf(t, ix));
      return [];
    });
    const versionBefore = cat.version;
    const rt = e.rt;
    rt.txn = txn;
    rt.w = w;
    rt.params = params;
    rt.gen = ++this.gen;
    rt.lastInsertId = null; // per statement: the result names only a row this statement inserted
    const nowIjd = ijdFromUnixMs(this.engine.now());
    const session = this;
    rt.fn = {
      now: nowIjd,
      random: this.engine.random,
      lastInsertId: () => session.lastInsertId ?? 0n,
      changes: () => BigInt(session.lastChanges),
    };
    try {
      const out = this.dispatch(e, stmt, sql, rt);
      if (auto) txn.commit(); else w.commitStatement();
      if (out.changes !== undefined) this.lastChanges = out.changes;
      if (rt.lastInsertId !== null) this.lastInsertId = rt.lastInsertId;
      return { columns: out.columns, rows: out.rows, rowsAffected: out.changes ?? 0, lastInsertId: rt.lastInsertId };
    } catch (err) {
      try {
        if (auto) txn.abort();
        else if ((err as Record<symbol, unknown>)?.[ROLLBACK_TRANSACTION]) { this.txn = null; txn.abort(); }
        else w.rollbackStatement();
      } finally {
        if (cat.version !== versionBefore || stmt.kind.startsWith('create') || stmt.kind === 'drop' || stmt.kind === 'alterTable') {
          if (auto || this.txn === null) this.reloadCatalog(); else cat.load(txn);
        }
      }
      throw toHelios(err, sql);
    }
  }

  private dispatch(e: CacheEntry, stmt: Statement, sql: string, rt: ExecRuntime): { columns: string[]; rows: Value[][]; changes?: number } {
    const cat = this.engine.catalog;
    if (READ_ONLY.has(stmt.kind) || stmt.kind === 'insert' || stmt.kind === 'update' || stmt.kind === 'delete') {
      if (!e.compiled || e.version !== cat.version) {
        e.compiled = compileStatement(new QueryCompiler(sql, cat, rt), stmt);
        e.version = cat.version;
      }
      const r = e.compiled.run();
      return stmt.kind === 'select' ? { columns: r.columns, rows: r.rows } : { columns: r.columns, rows: r.rows, changes: r.rowsAffected };
    }
    const qc = new QueryCompiler(sql, cat, rt);
    switch (stmt.kind) {
      case 'createTable': createTable(qc, cat, stmt); break;
      case 'createIndex': createIndex(qc, cat, stmt); break;
      case 'createView': createView(qc, cat, stmt); break;
      case 'drop': drop(qc, cat, stmt); break;
      case 'alterTable': alterTable(qc, cat, stmt); break;
      case 'createTrigger': createTrigger(qc, cat, stmt); break;
      case 'explain': {
        const c = compileStatement(qc, stmt.stmt);
        return { columns: ['detail'], rows: [describeRoute(c.route), ...c.explain].map((d) => [d]) };
      }
      default: throw sqlError(`cannot execute ${stmt.kind} here`);
    }
    return { columns: [], rows: [], changes: 0 };
  }
}

function compileStatement(qc: QueryCompiler, stmt: Statement): CompiledStatement {
  switch (stmt.kind) {
    case 'select': {
      const q = qc.compileSelect(stmt, null);
      return { columns: q.columns, explain: [...qc.explain], route: combineRoutes(qc.routes), run: () => ({ columns: q.columns, rows: q.run(null), rowsAffected: 0 }) };
    }
    case 'insert': return compileInsert(qc, stmt);
    case 'update': return compileUpdate(qc, stmt);
    case 'delete': return compileDelete(qc, stmt);
    default: throw sqlError(`EXPLAIN of ${stmt.kind} is not supported`);
  }
}

/** Wraps anything thrown; SQL_ERROR offsets (UTF-16 indexes into the text) become byte offsets. */
export function toHelios(err: unknown, sql: string): HeliosError {
  if (err instanceof HeliosError) {
    if (err.code === 'SQL_ERROR' && err.offset !== undefined && err.offset <= sql.length) {
      return new HeliosError(err.code, err.message, { offset: byteOffset(sql, err.offset) });
    }
    return err;
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) return sqlError('statement too complex (nesting too deep)');
  return HeliosError.from(err);
}
