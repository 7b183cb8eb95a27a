/**
 * The long bank run: the bank workload (test/helpers/bank.ts) for BANK_ROUNDS rounds (default
 * 20), each SIGKILLing the server after a random time while transfers are in flight and
 * restarting it with a random `worker_threads` (1–4) and WAL mode, checking every invariant after
 * each restart. Not part of CI (it runs for minutes): `npm run stress:bank`.
 *   BANK_SEED=<n>  reproduce a run      BANK_ROUNDS=<n>  rounds      BANK_CLIENTS=<n>  batch clients
 *   BANK_INTERACTIVE=<n>  interactive (/v1/tx) transfer clients (default 4)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';
import { createBank, newTransferLog, runTransfers, verifyBank } from '../helpers/bank.js';
import { rng } from '../helpers/prng.js';

const seed = Number(process.env['BANK_SEED'] ?? Date.now() % 1_000_000);
const rounds = Number(process.env['BANK_ROUNDS'] ?? 20);
const clients = Number(process.env['BANK_CLIENTS'] ?? 8);
const interactiveClients = Number(process.env['BANK_INTERACTIVE'] ?? 4);
const bank = { accounts: 200, opening: 1000 };

async function main(): Promise<void> {
  const rand = rng(seed);
  const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-bank-kill-'));
  const log = newTransferLog();
  let id = 0;
  let s: ServerProcess | undefined;
  console.log(`bank-kill: seed ${seed}, ${rounds} rounds, ${clients} batch + ${interactiveClients} interactive clients, data ${dir}`);
  try {
    s = await spawnServer({ dataDir: dir, workerThreads: 2 });
    await waitReady(s);
    await createBank(s, bank);
    for (let round = 1; round <= rounds; round++) {
      let stopped = false;
      const running = runTransfers(s, { ...bank, clients, interactiveClients, rand, nextId: () => ++id, stop: () => stopped }, log);
      await new Promise((r) => setTimeout(r, 500 + rand() * 2500));
      await s.stop('SIGKILL');
      stopped = true;
      const { reads } = await running;
      const threads = 1 + Math.floor(rand() * 4);
      const walMode = rand() < 0.5 ? 'sync' : 'async';
      s = await spawnServer({ dataDir: dir, workerThreads: threads, env: { HELIOSDB_WAL_MODE: walMode } });
      await waitReady(s);
      const { ledger } = await verifyBank(s, bank, log);
      console.log(
        `round ${round}: restarted with ${threads} threads (${walMode}); ledger ${ledger}, acknowledged ${log.acked.size}, ` +
          `unanswered ${log.unknown.size}, refused ${JSON.stringify(Object.fromEntries(log.refused))}, ${reads} consistent reads`,
      );
    }
    console.log(`bank-kill: all ${rounds} rounds kept every invariant (seed ${seed})`);
  } finally {
    if (s) await s.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bank-kill FAILED (seed ${seed}):`, e);
  process.exit(1);
});
