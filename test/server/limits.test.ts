/**
 * Limits of the contract's listeners on a spawned server: `[database] max_connections` (REST and
 * gRPC together; a connection over it gets 503 UNAVAILABLE with Retry-After on REST and
 * RESOURCE_EXHAUSTED on gRPC, while connections already open keep working, and a freed slot is
 * reused), and `max_request_size_mb` on gRPC (RESOURCE_EXHAUSTED, server unharmed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { databaseClient, unary, unaryError } from '../library/grpc-helpers.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, agent: http.Agent | false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, timeout: 5000 }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('max_connections', () => {
  let s: ServerProcess;
  const agents: http.Agent[] = [];
  const clients: grpc.Client[] = [];
  before(async () => {
    s = await spawnServer({ workerThreads: 1, toml: '[database]\nmax_connections = 3\n' });
    // Ready, over connections that close after each answer (no pooled socket may hold a slot).
    const deadline = Date.now() + 20_000;
    while ((await get(s.ports.rest, '/ready', false).catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) throw new Error('not ready');
      await sleep(50);
    }
    await sleep(200);
  });
  after(async () => {
    for (const a of agents) a.destroy();
    for (const c of clients) c.close();
    if (s) assert.equal(await s.stop(), 0);
  });

  test('over the limit: REST 503 UNAVAILABLE + Retry-After, gRPC RESOURCE_EXHAUSTED; open ones keep working; a freed slot is reused', async () => {
    const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const b = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(a, b);
    assert.equal((await get(s.ports.rest, '/health', a)).status, 200);
    assert.equal((await get(s.ports.rest, '/health', b)).status, 200);
    const c = databaseClient(`127.0.0.1:${s.ports.grpc}`);
    clients.push(c);
    assert.deepEqual((await unary(c, 'Execute', { sql: 'SELECT 1 AS one' }))['columns'], ['one']);

    // A fourth connection, over REST and over gRPC.
    const refused = await get(s.ports.rest, '/health', false);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '1');
    const body = JSON.parse(refused.body) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'UNAVAILABLE');
    assert.match(body.error.message, /max_connections = 3/);
    // Its own connection: grpc-js clients in one process otherwise share C's.
    const d = databaseClient(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    clients.push(d);
    const e = await unaryError(d, 'Execute', { sql: 'SELECT 1' });
    assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED, `${e.code} ${e.details}`);
    assert.match(e.details, /max_connections = 3/);
    d.close();

    // The three that were in keep working, repeatedly.
    for (let i = 0; i < 3; i++) {
      assert.equal((await get(s.ports.rest, '/health', a)).status, 200);
      assert.equal((await get(s.ports.rest, '/health', b)).status, 200);
      assert.deepEqual((await unary(c, 'Execute', { sql: 'SELECT 2 AS two' }))['columns'], ['two']);
    }

    // Free a slot: a new connection gets in once the server has seen the close.
    a.destroy();
    const deadline = Date.now() + 5000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await get(s.ports.rest, '/health', false)).status;
      if (status !== 200) await sleep(50);
    }
    assert.equal(status, 200, 'a freed slot is available again');
    const metrics = await (await fetch(`http://127.0.0.1:${s.ports.metrics}/metrics`)).text();
    assert.match(metrics, /^heliosdb_connections_refused_total 2$/m);
    assert.match(metrics, /^heliosdb_open_connections [0-9]+$/m);
  });
});

describe('max_request_size_mb on gRPC', () => {
  let s: ServerProcess;
  before(async () => {
    s = await spawnServer({ workerThreads: 1, toml: '[api]\nmax_request_size_mb = 1\n' });
  });
  after(async () => {
    if (s) assert.equal(await s.stop(), 0);
  });

  test('a message over the limit is RESOURCE_EXHAUSTED; the next call succeeds', async () => {
    const c = databaseClient(`127.0.0.1:${s.ports.grpc}`);
    try {
      // Wait for readiness over gRPC itself.
      for (let i = 0; ; i++) {
        const e = await unary(c, 'Execute', { sql: 'SELECT 1' }).then(() => null, (err: grpc.ServiceError) => err);
        if (!e) break;
        assert.ok(i < 200 && e.code === grpc.status.UNAVAILABLE, `${e.code} ${e.details}`);
        await sleep(50);
      }
      const big = `SELECT '${'x'.repeat(1024 * 1024 + 10)}' AS v`;
      const e = await unaryError(c, 'Execute', { sql: big });
      assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED, `${e.code} ${e.details}`);
      const small = `SELECT length('${'x'.repeat(512 * 1024)}') AS n`;
      const r = await unary(c, 'Execute', { sql: small });
      assert.deepEqual((r['rows'] as { values: { integer_value: string }[] }[])[0]!.values[0]!.integer_value, String(512 * 1024));
    } finally {
      c.close();
    }
  });
});
