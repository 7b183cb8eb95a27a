/**
 * Name resolution (the binder's state): a {@link Scope} is one SELECT's FROM clause — its sources
 * laid out side by side in one row array — with a link to the enclosing query's scope for
 * correlated references. Resolving a column yields where it lives at run time: `depth` scopes
 * out, slot `index` of that scope's row.
 */
import type { Value } from '../storage/api.js';
import { sqlError } from '../errors.js';
import type { Expr } from './ast.js';
import type { TableInfo } from './catalog.js';
import type { Affinity, CollationName } from './value.js';

/** The run-time state an expression sees: the current row of each enclosing scope. */
export interface Env { row: Value[]; readonly outer: Env | null; agg: Value[] | null }

export interface ScopeColumn { readonly name: string; readonly aff: Affinity; readonly coll: CollationName }

export interface ScopeSource {
  /** Alias or table name, lower-cased. */
  readonly name: string;
  readonly columns: ScopeColumn[];
  /** Slot of column 0 in the scope's row. */
  readonly offset: number;
  /** Slot of the rowid (tables only). */
  readonly rowidSlot: number | null;
  readonly table?: TableInfo;
  /** Position in the FROM list. */
  readonly pos: number;
  /** Columns merged by USING/NATURAL into an earlier source: unqualified names skip them here. */
  readonly hiddenNames: Set<string>;
  /**
   * used[c] is set when an expression compiled against any scope resolved column c of this
   * source (or a `*` expanded it): the executor decodes only those columns from storage.
   */
  readonly used: boolean[];
}

export interface Resolved { readonly depth: number; readonly slot: number; readonly aff: Affinity; readonly coll: CollationName; readonly source: ScopeSource; readonly column: number }

export class Scope {
  readonly sources: ScopeSource[] = [];
  width = 0;
  /** Set when an expression compiled in this scope (or a nested one) reads an enclosing scope. */
  correlated = false;
  /** Result-column aliases usable in WHERE/GROUP BY/HAVING (SQLite extension). */
  aliases = new Map<string, Expr>();
  /** Collects the FROM positions referenced while compiling one WHERE conjunct. */
  usedSources: Set<number> | null = null;

  /** Set on a trigger's NEW/OLD scope: RAISE() is allowed below it. */
  inTrigger = false;

  constructor(readonly parent: Scope | null) {}

  withinTrigger(): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (s.inTrigger) return true;
    return false;
  }

  addSource(name: string, columns: ScopeColumn[], table?: TableInfo): ScopeSource {
    const offset = this.width;
    this.width += columns.length;
    let rowidSlot: number | null = null;
    if (table) rowidSlot = this.width++;
    const s: ScopeSource = { name: name.toLowerCase(), columns, offset, rowidSlot, pos: this.sources.length, hiddenNames: new Set(), used: columns.map(() => false), ...(table ? { table } : {}) };
    this.sources.push(s);
    return s;
  }

  /** Finds a column; undefined when no scope has it (the caller then tries aliases). */
  resolve(table: string | undefined, name: string): Resolved | undefined {
    const n = name.toLowerCase();
    const t = table?.toLowerCase();
    let scope: Scope | null = this;
    let depth = 0;
    while (scope) {
      const r = scope.resolveHere(t, n, table, name);
      if (r) {
        if (depth > 0) {
          let s: Scope | null = this;
          for (let d = 0; d < depth && s; d++, s = s.parent) s.correlated = true;
        } else if (this.usedSources) this.usedSources.add(r.source.pos);
        return { ...r, depth };
      }
      scope = scope.parent;
      depth++;
    }
    return undefined;
  }

  private resolveHere(t: string | undefined, n: string, table: string | undefined, name: string): Omit<Resolved, 'depth'> | undefined {
    let found: Omit<Resolved, 'depth'> | undefined;
    for (const s of this.sources) {
      if (t !== undefined && s.name !== t) continue;
      if (t === undefined && s.hiddenNames.has(n)) continue;
      const i = s.columns.findIndex((c) => c.name.toLowerCase() === n);
      let r: Omit<Resolved, 'depth'> | undefined;
      if (i >= 0) {
        const c = s.columns[i]!;
        s.used[i] = true;
        r = { slot: s.offset + i, aff: c.aff, coll: c.coll, source: s, column: i };
      } else if (s.rowidSlot !== null && (n === 'rowid' || n === 'oid' || n === '_rowid_')) {
        r = { slot: s.rowidSlot, aff: 'integer', coll: 'BINARY', source: s, column: -1 };
      }
      if (!r) continue;
      if (found) throw sqlError(`ambiguous column name: ${table ? table + '.' : ''}${name}`);
      found = r;
    }
    return found;
  }

  hasSource(name: string): boolean {
    const n = name.toLowerCase();
    for (let s: Scope | null = this; s; s = s.parent) if (s.sources.some((x) => x.name === n)) return true;
    return false;
  }
}
