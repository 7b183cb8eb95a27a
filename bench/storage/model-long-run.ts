/**
 * Long model-based run (not part of CI): `node dist/bench/storage/model-long-run.js --ops 2000000
 * [--seed N] [--rounds K]`. Each round uses a fresh seed unless --seed is given.
 */
import { drive } from '../../test/storage/model.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ops = arg('ops', 1_000_000);
const rounds = arg('rounds', 1);
for (let k = 0; k < rounds; k++) {
  const seed = arg('seed', (Date.now() + k * 7919) >>> 0);
  console.log(`round ${k}: seed ${seed}, ${ops} ops`);
  const t0 = Date.now();
  const r = drive({ seed, ops, progress: 100000 });
  console.log(`round ${k}: ok in ${((Date.now() - t0) / 1000).toFixed(1)} s (${r.reopens} reopens, ${r.checks} checks)`);
}
