/**
 * The SIGKILL crash harness shared by the CI test and the long script: spawn the child, collect
 * its acknowledgements, kill it at a random moment (or let a failpoint kill it), reopen, verify.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBufferPool, openPartition } from '../../src/storage/index.js';
import { verifyBank } from './bank.js';
import { rng } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

export const KILL_POINTS = [
  '',
  'wal.after-write=kill@7',
  'wal.before-fsync=kill@5',
  'wal.after-fsync=kill@9',
  'checkpoint.after-dw-write=kill',
  'checkpoint.after-dw-sync=kill',
  'checkpoint.mid-data-write=kill',
  'checkpoint.after-data-sync=kill',
  'checkpoint.after-wal-truncate=kill',
  'vacuum.before-rename=kill',
];

export interface RoundResult {
  acked: number;
  recovered: number;
  killedBy: string;
}

export async function crashRound(dir: string, mode: 'sync' | 'async', seed: number, round: number, failpoints: string): Promise<RoundResult> {
  const r = rng((seed + round * 31337) >>> 0);
  const env: NodeJS.ProcessEnv = { ...process.env, HELIOS_FAILPOINTS: failpoints };
  delete env['NODE_TEST_CONTEXT']; // the child is a plain program, not a test file
  const child = spawn(process.execPath, [CHILD, dir, mode, String(seed)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let acked = 0;
  let buf = '';
  let err = '';
  let started = false;
  const delay = 30 + Math.floor(r() * 300);
  let timer: NodeJS.Timeout | null = null;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('ACK ')) acked = Math.max(acked, Number(line.slice(4)));
      if (line.startsWith('START') && !started) {
        started = true;
        timer = setTimeout(() => child.kill('SIGKILL'), delay);
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((res) => child.on('exit', (c, sig) => res(sig === 'SIGKILL' ? -9 : c)));
  if (timer) clearTimeout(timer);
  if (code !== -9) throw new Error(`crash child exited with ${code} instead of being killed:\n${err}`);
  const pool = createBufferPool({ bytes: 1 << 20, pageSize: 4096 });
  const p = openPartition(0, { dir, walMode: mode }, pool);
  try {
    const recovered = verifyBank(p, seed, acked);
    const fired = /failpoint (\S+): SIGKILL/.exec(err);
    return { acked, recovered, killedBy: fired ? `failpoint ${fired[1]}` : `timer ${delay} ms` };
  } finally {
    p.closeFiles();
  }
}
