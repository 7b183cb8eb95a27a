/**
 * The bank test (CI-sized): concurrent clients move money between accounts with atomic
 * `/v1/batch` transfers and interactive `/v1/tx` transfers (read, check, write, commit) while a
 * reader sums every balance throughout; then the process is
 * SIGKILLed mid-run and restarted with other `worker_threads`, twice. The sum never changes,
 * every acknowledged transfer is in the ledger, nothing else is, and no transfer is half applied.
 * The long version with many kill rounds: `npm run stress:bank` (test/stress/bank-kill.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';
import { createBank, newTransferLog, runTransfers, verifyBank } from '../helpers/bank.js';
import { rng } from '../helpers/prng.js';

const seed = Number(process.env['BANK_SEED'] ?? Date.now() % 100000);
const bank = { accounts: 40, opening: 100 };

test(`bank: atomic transfers keep the total, the ledger and every balance right, across SIGKILL (seed ${seed})`, async () => {
  const rand = rng(seed);
  const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-bank-'));
  let s: ServerProcess | undefined;
  let id = 0;
  const log = newTransferLog();
  try {
    s = await spawnServer({ dataDir: dir, workerThreads: 2 });
    await waitReady(s);
    await createBank(s, bank);

    // A quiet run first: every answer arrives, so the ledger must equal the acknowledged set.
    const until = Date.now() + 2000;
    const quiet = await runTransfers(s, { ...bank, clients: 3, interactiveClients: 2, rand, nextId: () => ++id, stop: () => Date.now() > until }, log);
    assert.ok(log.acked.size > 20, `transfers went through (${log.acked.size})`);
    assert.ok((log.refused.get('CONSTRAINT') ?? 0) > 0, 'some transfers overdrew and were refused whole');
    assert.ok(quiet.reads > 5, `the reader checked the total while transfers ran (${quiet.reads} reads)`);
    assert.equal(log.unknown.size, 0);
    assert.ok((log.interactive ?? 0) > 5, `interactive transfers committed (${log.interactive ?? 0})`);
    const first = await verifyBank(s, bank, log);
    assert.equal(first.ledger, log.acked.size, 'nothing but the acknowledged transfers is in the ledger');

    // Then kill the process while transfers are in flight, and restart with another thread count.
    for (const threads of [1, 3]) {
      let stopped = false;
      const running = runTransfers(s, { ...bank, clients: 3, interactiveClients: 2, rand, nextId: () => ++id, stop: () => stopped }, log);
      await new Promise((r) => setTimeout(r, 300 + rand() * 500));
      assert.equal(await s.stop('SIGKILL'), 'SIGKILL');
      stopped = true;
      await running;
      s = await spawnServer({ dataDir: dir, workerThreads: threads });
      await waitReady(s);
      await verifyBank(s, bank, log);
    }
    console.log(`# bank seed ${seed}: ${log.acked.size} acknowledged (${log.interactive ?? 0} interactive), ${log.unknown.size} unanswered, refused ${JSON.stringify(Object.fromEntries(log.refused))}`);
  } finally {
    if (s) await s.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
