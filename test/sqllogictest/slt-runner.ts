/**
 * Runs sqllogictest files against a fresh HeliosDB SQL engine over the memory partition and
 * counts records passed/failed, formatting results like SQLite's own runner: I as "%lld" of
 * the value's integer, R as "%.3f", T as text with "(empty)" for '' and '@' for bytes outside
 * printable ASCII, NULL as "NULL"; rowsort/valuesort on those strings; MD5 over "value\n" when
 * the result has more values than the hash threshold.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Partition, Value } from '../../src/storage/api.js';
import { SqlEngine, splitStatements, type EngineOptions } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { toInteger, toReal, toText } from '../../src/sql/value.js';
import { parseSlt } from './slt-format.js';

export interface FileResult { passed: number; failed: number; failures: string[] }

function fmtReal(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : x < 0 ? '-Inf' : 'NaN';
  // SQLite's printf produces at most 16 significant digits; later digits print as 0.
  const s = x.toFixed(3);
  if (s.replace(/[-.]/g, '').replace(/^0+/, '').length <= 16) return s;
  const p = x.toPrecision(16);
  const m = /^(-?)(\d)(?:\.(\d+))?e\+(\d+)$/.exec(p);
  if (m) {
    const digits = m[2]! + (m[3] ?? '');
    const exp = Number(m[4]);
    return m[1] + (exp + 1 >= digits.length ? digits.padEnd(exp + 1, '0') + '.000' : digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1).padEnd(3, '0').slice(0, 3));
  }
  const [ip, fp = ''] = p.split('.');
  return `${ip}.${fp.padEnd(3, '0').slice(0, 3)}`;
}

export function formatValue(v: Value, type: string): string {
  if (v === null) return 'NULL';
  switch (type) {
    case 'I': return toInteger(v)!.toString();
    case 'R': return fmtReal(toReal(v)!);
    default: {
      const s = toText(v)!;
      if (s === '') return '(empty)';
      let out = '';
      for (const ch of Buffer.from(s, 'utf8')) out += ch < 0x20 || ch > 0x7e ? '@' : String.fromCharCode(ch);
      return out;
    }
  }
}

function cmpStr(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

export interface RunOptions {
  maxFailures?: number;
  /** The storage to run on (default: a fresh memory partition); the paged engine plugs in here. */
  openPartition?: () => Partition;
  /** Options for the engine (e.g. the scan kernels over the paged partition's pool memory). */
  engineOptions?: EngineOptions;
  /** Sees the engine after the file ran (e.g. to read its kernel counters). */
  onEngine?: (engine: SqlEngine) => void;
}

export function runSltText(text: string, opts: RunOptions = {}): FileResult {
  const records = parseSlt(text);
  const engine = new SqlEngine((opts.openPartition ?? (() => openMemoryPartition(0)))(), opts.engineOptions ?? {});
  const session = engine.session();
  const res: FileResult = { passed: 0, failed: 0, failures: [] };
  const fail = (line: number, msg: string): void => {
    res.failed++;
    if (res.failures.length < (opts.maxFailures ?? 20)) res.failures.push(`line ${line}: ${msg}`);
  };
  let threshold = 0;
  for (const r of records) {
    if (r.kind === 'hash-threshold') { threshold = r.value; continue; }
    if (r.kind === 'halt') break;
    if (r.kind === 'statement') {
      let ok = true;
      let err = '';
      try { for (const one of splitStatements(r.sql)) session.execute(one); } catch (e) { ok = false; err = (e as Error).message; }
      if (ok !== r.expectError) res.passed++;
      else fail(r.line, r.expectError ? `expected an error: ${r.sql}` : `${err}: ${r.sql}`);
      continue;
    }
    let rows: Value[][];
    try {
      rows = session.execute(r.sql).rows;
    } catch (e) {
      fail(r.line, `${(e as Error).message}: ${r.sql}`);
      continue;
    }
    const ncols = r.types.length;
    let strRows = rows.map((row) => row.map((v, i) => formatValue(v, r.types[i] ?? 'T')));
    if (rows.length > 0 && rows[0]!.length !== ncols) { fail(r.line, `expected ${ncols} columns, got ${rows[0]!.length}: ${r.sql}`); continue; }
    if (r.sort === 'rowsort') strRows = strRows.sort((a, b) => { for (let i = 0; i < a.length; i++) { const c = cmpStr(a[i]!, b[i]!); if (c) return c; } return 0; });
    let values = strRows.flat();
    if (r.sort === 'valuesort') values = values.sort(cmpStr);
    const hashed = /^(\d+) values hashing to ([0-9a-f]{32})$/.exec(r.expected[0] ?? '');
    let ok: boolean;
    let got: string;
    if (hashed || (threshold > 0 && values.length > threshold)) {
      const h = createHash('md5');
      for (const v of values) h.update(v + '\n');
      got = `${values.length} values hashing to ${h.digest('hex')}`;
      ok = r.expected.length === 1 && r.expected[0] === got;
    } else {
      // Expected values may be one per line or a row per line separated by spaces/tabs.
      const exp = r.expected.flatMap((l) => (ncols > 1 && l.split(/\s+/).length === ncols && values.length !== r.expected.length ? l.split(/\s+/) : [l]));
      ok = exp.length === values.length && exp.every((v, i) => v === values[i]);
      got = values.join(' ');
    }
    if (ok) res.passed++;
    else fail(r.line, `wrong result: ${r.sql}\n  expected: ${r.expected.slice(0, 8).join(' ')}\n  got:      ${got.slice(0, 200)}`);
  }
  opts.onEngine?.(engine);
  return res;
}

export function runSltFile(path: string, opts: RunOptions = {}): FileResult {
  return runSltText(readFileSync(path, 'utf8'), opts);
}
