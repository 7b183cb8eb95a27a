/**
 * Long SIGKILL run (not CI): `node dist/bench/storage/crash-long-run.js --rounds 300 [--mode async]`.
 */
import { KILL_POINTS, crashRound } from '../../test/storage/crash.js';
import { rmDir, tmpDir } from '../../test/storage/helpers.js';

const arg = (n: string, d: string): string => {
  const i = process.argv.indexOf(`--${n}`);
  return i >= 0 ? process.argv[i + 1]! : d;
};
const rounds = Number(arg('rounds', '300'));
const mode = arg('mode', 'sync') as 'sync' | 'async';
const seed = Number(arg('seed', String(Date.now() >>> 0)));
const dir = tmpDir('crash-run');
console.log(`crash run: ${rounds} rounds, ${mode}, seed ${seed}, dir ${dir}`);
let last = 0;
try {
  for (let i = 0; i < rounds; i++) {
    const fp = i % 3 === 0 ? KILL_POINTS[1 + (i % (KILL_POINTS.length - 1))]! : '';
    const r = await crashRound(dir, mode, seed, i, fp);
    if (r.recovered < last) throw new Error(`round ${i}: recovered ${r.recovered} transfers, an earlier round had ${last}`);
    last = r.recovered;
    if (i % 10 === 0 || i === rounds - 1) console.log(`round ${i}: acked ${r.acked}, recovered ${r.recovered} (${r.killedBy})`);
  }
  console.log('ok');
} finally {
  rmDir(dir);
}
