/**
 * `db.transaction(async (tx) => …)`: an interactive, serializable transaction of the embedded
 * database (src/coordinator/interactive-txns.ts does the work; the same transactions as REST
 * `/v1/tx`). The callback's statements run inside the transaction; it commits when the callback
 * returns and rolls back when it throws (the error is rethrown as it was).
 *
 * Retries: with `retries: n`, a SERIALIZATION_FAILURE (a deadlock victim, a lock-wait timeout,
 * a commit that lost a shard) re-runs the whole callback in a new transaction, up to n more
 * times, after a short random backoff. The default is 0 (no retry): the callback may do things
 * outside the database that must not happen twice; set `retries` when it does not.
 */
import { HeliosError } from '../errors.js';
import type { Core } from './core.js';
import type { ExecResult, Row } from './database.js';
import { rowObjects, toExecResult, toValues, type IntegerMode, type SqlParams } from './values.js';

export interface TransactionOptions {
  /** Rolled back when idle this long between statements (default `[transactions] default_timeout_ms`). */
  timeoutMs?: number;
  /** Re-run the callback this many times on SERIALIZATION_FAILURE (default 0). */
  retries?: number;
}

/** The handle a transaction callback gets. Usable only until the callback's promise settles. */
export class Transaction {
  private ended = false;

  /** @internal */
  constructor(private readonly core: Core, private readonly id: string, private readonly integers: IntegerMode) {}

  /** Runs one statement inside the transaction. */
  async execute(sql: string, params?: SqlParams): Promise<ExecResult> {
    if (this.ended) throw new HeliosError('TX_NOT_FOUND', 'this transaction has ended: use the tx of a running db.transaction callback');
    if (typeof sql !== 'string') throw new HeliosError('BAD_REQUEST', `sql: expected a string, got ${typeof sql}`);
    return toExecResult(await this.core.coordinator.txExec(this.id, sql, toValues(params)), this.integers);
  }

  /** Rows as objects keyed by column name. */
  async query<T extends object = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    return rowObjects<T>(await this.execute(sql, params));
  }

  async queryRow<T extends object = Row>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  /** @internal */
  end(): void {
    this.ended = true;
  }
}

/** Runs `fn` in a transaction (see the module doc); the Database wraps it in its in-flight tracking. */
export async function runTransaction<T>(core: Core, integers: IntegerMode, fn: (tx: Transaction) => Promise<T>, o: TransactionOptions): Promise<T> {
  const retries = o.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0) throw new HeliosError('BAD_REQUEST', `retries: expected a non-negative integer, got ${String(retries)}`);
  for (let attempt = 0; ; attempt++) {
    const id = core.coordinator.txns.begin(o.timeoutMs);
    const tx = new Transaction(core, id, integers);
    let out: T;
    try {
      try {
        out = await fn(tx);
      } catch (e) {
        tx.end();
        await core.coordinator.txRollback(id).catch(() => undefined); // already rolled back by the server: fine
        throw e;
      }
      tx.end();
      await core.coordinator.txCommit(id);
      return out;
    } catch (e) {
      if (attempt < retries && e instanceof HeliosError && e.code === 'SERIALIZATION_FAILURE') {
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
        continue;
      }
      throw e;
    }
  }
}
