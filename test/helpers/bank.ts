/**
 * The bank workload, driven through the contract's REST API only (as the acceptance tests do).
 * Accounts hold money; clients move it with atomic `/v1/batch` transfers (debit, credit and a
 * ledger row in one transaction; a CHECK (balance >= 0) makes an overdraft abort the whole
 * transfer) and with interactive `/v1/tx` transfers (read both balances, check in the client,
 * write both computed balances and the ledger row, commit; retried on SERIALIZATION_FAILURE —
 * a lost update would break the per-account check below). The invariants a serializable, atomic, durable database must keep:
 *   - the total never changes, including as seen by a concurrent reader (no money in flight);
 *   - every acknowledged transfer is in the ledger;
 *   - nothing else is, except transfers whose answer was lost (the process died mid-request);
 *   - each balance equals its opening balance plus the ledger's credits minus its debits
 *     (so no transfer was applied in part).
 * Used by test/server/bank.test.ts (CI-sized) and test/stress/bank-kill.ts (long, with SIGKILL).
 */
import assert from 'node:assert/strict';
import type { ServerProcess } from './server-process.js';

export interface BankOptions {
  accounts: number;
  opening: number;
}

export interface TransferLog {
  /** Transfers the server answered 200. */
  acked: Map<number, Transfer>;
  /** Transfers sent whose answer never arrived (connection died with the process). */
  unknown: Map<number, Transfer>;
  /** Transfers answered with an error (no effect allowed), by error code. */
  refused: Map<string, number>;
  /** How many of the acknowledged transfers were interactive. */
  interactive?: number;
}

export interface Transfer {
  id: number;
  src: number;
  dst: number;
  amount: number;
}

export function newTransferLog(): TransferLog {
  return { acked: new Map(), unknown: new Map(), refused: new Map() };
}

type Json = Record<string, unknown>;

export async function post(s: ServerProcess, route: string, body: unknown): Promise<{ status: number; body: Json }> {
  const r = await fetch(s.url(route), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Json };
}

export async function createBank(s: ServerProcess, o: BankOptions): Promise<void> {
  const ddl = [
    'CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))',
    'CREATE TABLE ledger (transfer_id INTEGER PRIMARY KEY, src INTEGER NOT NULL, dst INTEGER NOT NULL, amount INTEGER NOT NULL)',
  ];
  for (const sql of ddl) {
    const r = await post(s, '/v1/sql', { sql });
    assert.equal(r.status, 200, `${sql}: ${JSON.stringify(r.body)}`);
  }
  const statements = [];
  for (let id = 1; id <= o.accounts; id++) statements.push({ sql: 'INSERT INTO accounts (id, balance) VALUES (?, ?)', params: [id, o.opening] });
  const r = await post(s, '/v1/batch', { statements, transaction: true });
  assert.equal(r.status, 200, `opening balances: ${JSON.stringify(r.body)}`);
}

/** One atomic transfer through `/v1/batch`; records its outcome in `log`. Returns false once the server is gone. */
export async function transfer(s: ServerProcess, t: Transfer, log: TransferLog): Promise<boolean> {
  const statements = [
    // Credit before debit: an overdraft then fails on the second statement, after the credit
    // was applied, so only a real rollback keeps the books right.
    { sql: 'UPDATE accounts SET balance = balance + ? WHERE id = ?', params: [t.amount, t.dst] },
    { sql: 'UPDATE accounts SET balance = balance - ? WHERE id = ?', params: [t.amount, t.src] },
    { sql: 'INSERT INTO ledger (transfer_id, src, dst, amount) VALUES (?, ?, ?, ?)', params: [t.id, t.src, t.dst, t.amount] },
  ];
  let r: { status: number; body: Json };
  try {
    r = await post(s, '/v1/batch', { statements, transaction: true });
  } catch {
    log.unknown.set(t.id, t);
    return false;
  }
  if (r.status === 200) {
    const results = r.body['results'] as { rows_affected: number }[];
    assert.deepEqual(results.map((x) => x.rows_affected), [1, 1, 1], `transfer ${t.id} touched exactly its two accounts and one ledger row`);
    log.acked.set(t.id, t);
  } else {
    const code = String((r.body['error'] as Json | undefined)?.['code']);
    // An overdraft is the expected refusal; a retryable conflict or overload is allowed too.
    assert.ok(['CONSTRAINT', 'SERIALIZATION_FAILURE', 'UNAVAILABLE'].includes(code), `transfer ${t.id} failed with ${r.status} ${JSON.stringify(r.body)}`);
    log.refused.set(code, (log.refused.get(code) ?? 0) + 1);
  }
  return true;
}

/**
 * One interactive transfer through `/v1/tx`: reads both balances, refuses an overdraft itself,
 * writes the computed balances and the ledger row, commits. Retried on SERIALIZATION_FAILURE (and
 * TX_NOT_FOUND: rolled back by the server) as a client would, with a random backoff. A transfer
 * whose commit was sent but not answered is unknown; one that died earlier never committed.
 * Returns false once the server is gone.
 */
export async function interactiveTransfer(s: ServerProcess, t: Transfer, log: TransferLog, rand: () => number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let committing = false;
    let fail: Json | null = null;
    try {
      const begin = await post(s, '/v1/tx', {});
      if (begin.status !== 201) {
        fail = begin.body;
      } else {
        const tx = begin.body['tx_id'] as string;
        const step = async (sql: string, params: unknown[]): Promise<Json | null> => {
          const r = await post(s, `/v1/tx/${tx}/sql`, { sql, params });
          if (r.status === 200) return r.body;
          fail = r.body;
          return null;
        };
        const balance = async (id: number): Promise<number | null> => {
          const r = await step('SELECT balance FROM accounts WHERE id = ?', [id]);
          return r === null ? null : (r['rows'] as number[][])[0]![0]!;
        };
        const src = await balance(t.src);
        const dst = src === null ? null : await balance(t.dst);
        if (src !== null && dst !== null) {
          if (src < t.amount) {
            await post(s, `/v1/tx/${tx}/rollback`, {});
            log.refused.set('OVERDRAFT', (log.refused.get('OVERDRAFT') ?? 0) + 1);
            return true;
          }
          if ((await step('UPDATE accounts SET balance = ? WHERE id = ?', [src - t.amount, t.src])) !== null
            && (await step('UPDATE accounts SET balance = ? WHERE id = ?', [dst + t.amount, t.dst])) !== null
            && (await step('INSERT INTO ledger (transfer_id, src, dst, amount) VALUES (?, ?, ?, ?)', [t.id, t.src, t.dst, t.amount])) !== null) {
            committing = true;
            const c = await post(s, `/v1/tx/${tx}/commit`, {});
            if (c.status === 200) {
              log.acked.set(t.id, t);
              log.interactive = (log.interactive ?? 0) + 1;
              return true;
            }
            fail = c.body;
          }
        }
      }
    } catch {
      if (committing) log.unknown.set(t.id, t);
      return false;
    }
    const code = String((fail?.['error'] as Json | undefined)?.['code']);
    assert.ok(['SERIALIZATION_FAILURE', 'TX_NOT_FOUND', 'UNAVAILABLE'].includes(code), `interactive transfer ${t.id} failed with ${JSON.stringify(fail)}`);
    log.refused.set(`tx:${code}`, (log.refused.get(`tx:${code}`) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, rand() * 2 ** Math.min(attempt, 6)));
  }
  throw new Error(`interactive transfer ${t.id} did not commit in 100 attempts`);
}

/** The total as one consistent read sees it; null when the server is gone. */
export async function readTotal(s: ServerProcess): Promise<{ total: number; accounts: number } | null> {
  try {
    const r = await post(s, '/v1/sql', { sql: 'SELECT SUM(balance), COUNT(*) FROM accounts' });
    if (r.status !== 200) return null;
    const [total, accounts] = (r.body['rows'] as [number, number][])[0]!;
    return { total, accounts };
  } catch {
    return null;
  }
}

/**
 * Checks the invariants after a run (the server is up and quiet): ledger ⊇ acked, ledger ⊆
 * acked ∪ unknown, and every balance = opening + credits − debits by the ledger.
 */
export async function verifyBank(s: ServerProcess, o: BankOptions, log: TransferLog): Promise<{ ledger: number }> {
  const total = await readTotal(s);
  assert.deepEqual(total, { total: o.accounts * o.opening, accounts: o.accounts }, 'the total and the number of accounts never change');
  const ledgerRes = await post(s, '/v1/sql', { sql: 'SELECT transfer_id, src, dst, amount FROM ledger ORDER BY transfer_id' });
  assert.equal(ledgerRes.status, 200);
  const ledger = ledgerRes.body['rows'] as [number, number, number, number][];
  const inLedger = new Set<number>();
  const expected = new Map<number, number>();
  for (let id = 1; id <= o.accounts; id++) expected.set(id, o.opening);
  for (const [id, src, dst, amount] of ledger) {
    inLedger.add(id);
    const sent = log.acked.get(id) ?? log.unknown.get(id);
    assert.ok(sent, `ledger row ${id} belongs to a transfer that was acknowledged or whose answer was lost`);
    assert.deepEqual([src, dst, amount], [sent.src, sent.dst, sent.amount], `ledger row ${id} is the transfer that was sent`);
    expected.set(src, expected.get(src)! - amount);
    expected.set(dst, expected.get(dst)! + amount);
  }
  for (const id of log.acked.keys()) assert.ok(inLedger.has(id), `acknowledged transfer ${id} is in the ledger`);
  const balRes = await post(s, '/v1/sql', { sql: 'SELECT id, balance FROM accounts ORDER BY id' });
  assert.equal(balRes.status, 200);
  for (const [id, balance] of balRes.body['rows'] as [number, number][]) {
    assert.equal(balance, expected.get(id), `account ${id}'s balance is its opening balance plus the ledger's credits minus its debits`);
  }
  return { ledger: ledger.length };
}

/**
 * Runs `clients` transfer loops and one reader that checks the total throughout, until `stop()`
 * says so or the server goes away. Transfer ids are unique across runs via `nextId`.
 */
export async function runTransfers(
  s: ServerProcess,
  o: BankOptions & { clients: number; interactiveClients?: number; rand: () => number; nextId: () => number; stop: () => boolean },
  log: TransferLog,
): Promise<{ reads: number }> {
  const want = o.accounts * o.opening;
  let reads = 0;
  const client = async (interactive: boolean) => {
    while (!o.stop()) {
      const src = 1 + Math.floor(o.rand() * o.accounts);
      let dst = 1 + Math.floor(o.rand() * (o.accounts - 1));
      if (dst >= src) dst++;
      // Mostly small amounts; one in ten up to twice the opening balance, which can overdraw
      // and must then abort whole.
      const amount = 1 + Math.floor(o.rand() * (o.rand() < 0.1 ? o.opening * 2 : o.opening / 4));
      const t = { id: o.nextId(), src, dst, amount };
      if (!(await (interactive ? interactiveTransfer(s, t, log, o.rand) : transfer(s, t, log)))) return;
    }
  };
  const reader = async () => {
    while (!o.stop()) {
      const t = await readTotal(s);
      if (t === null) return;
      assert.equal(t.total, want, 'a concurrent read never sees money in flight');
      reads++;
    }
  };
  await Promise.all([...Array.from({ length: o.clients }, () => client(false)), ...Array.from({ length: o.interactiveClients ?? 0 }, () => client(true)), reader()]);
  return { reads };
}
