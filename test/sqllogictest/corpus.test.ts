/**
 * The sqllogictest corpus (../shared/sqllogictest, or $SLT_DIR) through the project's runner:
 * prints "<file>: N passed, N failed" per file and "TOTAL: N passed, N failed", requires
 * select1–3 to pass completely, and fails when any file's pass count drops below the committed
 * baseline (baseline.json — a ratchet: raise it with UPDATE_SLT_BASELINE=1 after an improvement).
 * It runs on the paged storage the server uses (real files in a temp dir) with the scan kernels
 * over the partition's pool memory — once per backend over the whole corpus: 'none' (the scalar
 * reference), 'wasm', and the native 'avx2'/'avx512' when the addon loads on this CPU — and on
 * the in-memory partition the unit tests use (no kernels: the plain scalar executor). Every run
 * must meet the baseline, and every kernel run must have evaluated conjuncts with the kernels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSltFile } from './slt-runner.js';
import { createBufferPool, openPartition, type Partition } from '../../src/storage/index.js';
import { createKernels, type Kernels } from '../../src/kernels/index.js';
import type { SqlEngine } from '../../src/sql/index.js';
import { openMemoryPartition } from '../../src/storage/memory/index.js';
import { listTests } from '../helpers/slt-files.js';

interface Opened { partition: Partition; kernels?: Kernels; dispose(): void }

interface StorageUnderTest {
  name: string;
  /** A fresh partition per corpus file (and kernels over its pool), and how to dispose of it. */
  open(): Opened;
  /** The corpus files this run covers (default: all). */
  covers?: (name: string) => boolean;
}

type KernelBackend = 'none' | 'wasm' | 'avx2' | 'avx512';

/** Whether `createKernels` gives this backend itself on this machine (not a fallback). */
function backendAvailable(b: KernelBackend): boolean {
  const pool = createBufferPool({ bytes: 1024 * 1024 });
  return createKernels({ memory: pool.memory, scratch: pool.scratch, backend: b }).backend === b;
}

function pagedWithKernels(backend: KernelBackend, covers?: (name: string) => boolean): StorageUnderTest {
  return {
    name: `paged storage, kernels '${backend}'`,
    ...(covers ? { covers } : {}),
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'heliosdb-slt-'));
      const pool = createBufferPool({ bytes: 32 * 1024 * 1024 });
      const partition = openPartition(0, { dir, walMode: 'async' }, pool);
      const kernels = createKernels({ memory: pool.memory, scratch: pool.scratch, backend });
      assert.equal(kernels.backend, backend);
      return { partition, kernels, dispose: () => { partition.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  };
}

const STORAGES: StorageUnderTest[] = [
  pagedWithKernels('none'),
  ...(backendAvailable('wasm') ? [pagedWithKernels('wasm')] : []),
  ...(['avx2', 'avx512'] as const).filter(backendAvailable).map((b) => pagedWithKernels(b)),
  { name: 'memory partition', open: () => ({ partition: openMemoryPartition(0), dispose: () => {} }) },
];

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const corpus = process.env.SLT_DIR ?? resolve(repoRoot, '../shared/sqllogictest');
const baselinePath = resolve(repoRoot, 'test/sqllogictest/baseline.json');


for (const storage of STORAGES) test(`sqllogictest corpus on the ${storage.name}`, { skip: !existsSync(corpus) && `corpus not found at ${corpus}` }, () => {
  const baseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as { total: number; files: Record<string, number> };
  const files = listTests(corpus).filter((f) => storage.covers?.(relative(corpus, f)) ?? true);
  assert.ok(files.length > 0, 'the corpus has .test files');
  let passed = 0;
  let failed = 0;
  let kernelConjuncts = 0;
  let kernelAggBatches = 0;
  const perFile: Record<string, number> = {};
  const regressions: string[] = [];
  for (const f of files) {
    const name = relative(corpus, f);
    let opened: Opened | undefined;
    const r = runSltFile(f, {
      maxFailures: 3,
      openPartition: () => (opened = storage.open()).partition,
      get engineOptions() { return opened?.kernels ? { kernels: opened.kernels } : {}; },
      onEngine: (e: SqlEngine) => { kernelConjuncts += e.kernelStats.kernelConjuncts; kernelAggBatches += e.kernelStats.aggregateBatches; },
    });
    opened?.dispose();
    console.log(`${name}: ${r.passed} passed, ${r.failed} failed`);
    for (const x of r.failures) console.log(`  ${x.split('\n')[0]!.slice(0, 200)}`);
    passed += r.passed;
    failed += r.failed;
    perFile[name] = r.passed;
    if (/^select[123]\.test$/.test(name)) assert.equal(r.failed, 0, `${name} must pass completely`);
    const floor = baseline.files[name];
    if (floor !== undefined && r.passed < floor) regressions.push(`${name}: ${r.passed} < baseline ${floor}`);
  }
  console.log(`TOTAL (${storage.name}): ${passed} passed, ${failed} failed; kernel conjuncts ${kernelConjuncts}, kernel-aggregated batches ${kernelAggBatches}`);
  if (storage.name.includes('kernels')) assert.ok(kernelConjuncts > 1000, `the kernels evaluated conjuncts (${kernelConjuncts})`);
  if (process.env.UPDATE_SLT_BASELINE === '1' && storage === STORAGES[0]) {
    writeFileSync(baselinePath, JSON.stringify({ total: passed, files: perFile }, null, 2) + '\n');
  }
  assert.deepEqual(regressions, [], 'pass counts fell below the baseline');
  if (storage.covers) return; // a subset: the per-file floors above are what applies
  assert.ok(passed >= baseline.total, `total passes ${passed} fell below the baseline ${baseline.total}`);
  assert.ok(passed / (passed + failed) >= 0.99, 'at least 99% of the corpus passes');
});
