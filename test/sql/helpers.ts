/** Shared test helpers: a fresh engine over the memory partition, a seeded RNG, and value printing. */
import Database from 'better-sqlite3';
import type { Value } from '../../src/storage/api.js';
import { SqlEngine, type EngineOptions, type SqlSession } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';

export function openSession(opts: EngineOptions = {}): SqlSession {
  return new SqlEngine(openMemoryPartition(0), opts).session();
}

/** better-sqlite3 as the oracle: integers as bigint, like our engine. */
export function openOracle(): Database.Database {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  return db;
}

export function oracleRows(db: Database.Database, sql: string, params: unknown[] = []): Value[][] {
  const st = db.prepare(sql);
  if (!st.reader) { st.run(...params); return []; }
  return (st.raw(true).all(...params) as unknown[][]).map((r) => r.map((v) => (Buffer.isBuffer(v) ? new Uint8Array(v) : (v as Value))));
}

export { rng } from '../helpers/prng.js';

/** The seed from $name: a number, or "random" for a fresh one; CI uses `fallback` for stable runs. */
export function seedFromEnv(name: string, fallback: number): number {
  const s = process.env[name];
  if (s === 'random') return Math.floor(Math.random() * 2 ** 31);
  return s !== undefined ? Number(s) : fallback;
}

export function show(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0.0r' : `${v}r`;
  if (typeof v === 'string') return JSON.stringify(v);
  return `x'${Buffer.from(v).toString('hex')}'`;
}
