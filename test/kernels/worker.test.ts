/**
 * Shards are worker_threads: every backend must load inside workers (the native addon once per
 * thread, context-aware) and scan a shared memory that another thread wrote — the real setup
 * of a buffer pool. Two workers scan the same shared column and must give the main thread's
 * answers.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createKernels, SumAccumulator } from '../../src/kernels/index.js';

const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  import(workerData.kernelsUrl).then(({ createKernels, SumAccumulator }) => {
    const { memory, backend, col, rows } = workerData;
    const k = createKernels({ memory, scratch: { byteOffset: 1 << 20, byteLength: 1 << 18 }, backend });
    const sel = k.compare(col, rows, '>', 10n);
    const acc = new SumAccumulator();
    k.sum(col, rows, sel, acc);
    parentPort.postMessage({ backend: k.backend, selected: k.popcount(sel), sum: acc.sum() });
  });
`;

test('kernels load in worker threads and scan a shared memory written by another thread', async () => {
  const memory = new WebAssembly.Memory({ initial: 24, maximum: 64, shared: true });
  const rows = 1000;
  const col = { kind: 'i64' as const, byteOffset: 0, nullBitmapOffset: rows * 8 };
  const dv = new DataView(memory.buffer);
  for (let i = 0; i < rows; i++) dv.setBigInt64(8 * i, BigInt(i % 37) - 5n, true);
  for (let b = 0; b < rows / 8; b++) dv.setUint8(rows * 8 + b, b % 3 === 0 ? 0x81 : 0);
  const main = createKernels({ memory, scratch: { byteOffset: 1 << 20, byteLength: 1 << 18 }, backend: 'none' });
  const sel = main.compare(col, rows, '>', 10n);
  const acc = new SumAccumulator();
  main.sum(col, rows, sel, acc);
  const want = { selected: main.popcount(sel), sum: acc.sum() };
  assert.ok(want.selected > 0);

  const kernelsUrl = new URL('../../src/kernels/index.js', import.meta.url).href;
  for (const backend of ['wasm', 'auto'] as const) {
    const workers = [0, 1].map(() => new Worker(WORKER, { eval: true, workerData: { kernelsUrl, memory, backend, col, rows } }));
    const answers = await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0] as Record<string, unknown>));
    await Promise.all(workers.map((w) => w.terminate()));
    for (const a of answers) {
      assert.equal(a['selected'], want.selected, `${String(a['backend'])} in a worker`);
      assert.equal(a['sum'], want.sum, `${String(a['backend'])} in a worker`);
    }
  }
});
