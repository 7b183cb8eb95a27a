/**
 * Developer tool: `node dist/test/sqllogictest/slt-cli.js <file.test>...` runs files and prints
 * the first failures of each. Without arguments it does nothing (node --test also loads it).
 */
import { runSltFile } from './slt-runner.js';

const files = process.argv.slice(2);
for (const f of files) {
  const t0 = performance.now();
  const r = runSltFile(f, { maxFailures: Number(process.env.SLT_MAX_FAILURES ?? 10) });
  console.log(`${f}: ${r.passed} passed, ${r.failed} failed (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const x of r.failures) console.log('  ' + x);
}
