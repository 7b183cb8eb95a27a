/**
 * The bound on concurrent gRPC calls per connection (`maxConcurrentStreams`, HTTP/2
 * SETTINGS_MAX_CONCURRENT_STREAMS): with a bound of 2, six slow streaming calls on one
 * connection never run more than two at a time on the server, and all six complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Database } from '../../src/index.js';
import { greeterClient, greeterDefinition } from './grpc-helpers.js';

test('concurrent gRPC streams per connection are bounded; calls beyond the bound wait, then complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-streams-'));
  const db = await Database.open({ database: { path: join(dir, 'db') }, api: { rest_port: 0, grpc_port: 0 }, performance: { worker_threads: 1 }, observability: { log_level: 'warn', metrics_enabled: false } });
  let active = 0;
  let peak = 0;
  let client: grpc.Client | undefined;
  try {
    const serving = await db.serve({
      rest: false,
      maxConcurrentStreams: 2,
      grpcServices: [
        {
          definition: greeterDefinition()['demo.Greeter'] as grpc.ServiceDefinition,
          implementation: {
            Count: async (call: grpc.ServerWritableStream<{ upto: number; delay_ms: number }, unknown>) => {
              active++;
              peak = Math.max(peak, active);
              for (let n = 1; n <= call.request.upto; n++) {
                await new Promise((r) => setTimeout(r, call.request.delay_ms));
                call.write({ n });
              }
              active--;
              call.end();
            },
          },
        },
      ],
    });
    client = greeterClient(`127.0.0.1:${serving.ports.grpc}`);
    const c = client as unknown as { Count(req: object): grpc.ClientReadableStream<{ n: number }> };
    const runs = Array.from({ length: 6 }, () =>
      new Promise<number[]>((resolve, reject) => {
        const got: number[] = [];
        const s = c.Count({ upto: 3, delay_ms: 30 });
        s.on('data', (m: { n: number }) => got.push(m.n));
        s.on('end', () => resolve(got));
        s.on('error', reject);
      }),
    );
    const results = await Promise.all(runs);
    assert.deepEqual(results, Array.from({ length: 6 }, () => [1, 2, 3]));
    assert.equal(peak, 2, `at most 2 calls ran at once (peak ${peak})`);
  } finally {
    client?.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
