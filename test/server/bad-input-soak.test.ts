/**
 * A bad-input soak on a spawned server: a few thousand malformed requests of every kind — broken
 * JSON, wrong shapes and types, unknown fields, bodies over max_request_size_mb, wrong media
 * types, unknown routes and tables, bad ids and page tokens, garbage protobuf to the static and
 * the generated gRPC methods, clients that vanish mid-request — each checked against the
 * contract's status and error code, interleaved with good requests that must keep succeeding.
 * After a warm-up, the server's resident memory (VmRSS) may grow by at most RSS_BOUND_MB.
 *
 * SOAK_REQUESTS (default 3000) and SOAK_SEED (printed) reproduce or lengthen a run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { spawnServer, waitReady, type ServerProcess } from '../helpers/server-process.js';
import { prng } from '../ring/fixtures/prng.js';

const REQUESTS = Number(process.env['SOAK_REQUESTS'] ?? 3000);
const SEED = Number(process.env['SOAK_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
/**
 * Allowed RSS growth after warm-up. Measured on this machine: V8's heap settles ~30 MiB above the
 * warm-up level and stays there — +32 MiB after 10,000 and +30 MiB after 30,000 malformed-JSON
 * requests — so the growth does not scale with the run. A leak of 16 KiB per bad request (a
 * retained body, a listener per connection) would add ~37 MiB over the default run and more with
 * SOAK_REQUESTS; smaller leaks need a long run (SOAK_REQUESTS=30000) to stand out.
 */
const RSS_BOUND_MB = 48;
const CONCURRENCY = 16;
/** SOAK_ONLY=<kind> (e.g. "garbage protobuf") runs one kind of bad request: to find a leak's source. */
const ONLY = process.env['SOAK_ONLY'];
const MAX_BODY = 1024 * 1024; // max_request_size_mb = 1

interface Reply {
  status: number;
  body: string;
}
interface Expect {
  status: number;
  code: string;
}
interface Case {
  kind: string;
  run(): Promise<void>;
}

let s: ServerProcess;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
let grpcClient: grpc.Client;

function rest(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, fresh = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.ports.rest, method, path, agent: fresh ? false : agent, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };

function check(kind: string, r: Reply, want: Expect): void {
  let code: string | undefined;
  try {
    code = (JSON.parse(r.body) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  assert.equal(r.status, want.status, `${kind}: status ${r.status}, body ${r.body.slice(0, 200)}`);
  assert.equal(code, want.code, `${kind}: body ${r.body.slice(0, 200)}`);
}

function grpcRaw(path: string, bytes: Buffer): Promise<grpc.ServiceError | null> {
  const id = (b: Buffer) => b;
  return new Promise((resolve) => grpcClient.makeUnaryRequest(path, id, id, bytes, { deadline: Date.now() + 10_000 }, (e) => resolve(e)));
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

before(async () => {
  s = await spawnServer({ workerThreads: 1, toml: '[api]\nmax_request_size_mb = 1\n'});
  await waitReady(s);
  const ddl = await rest('POST', '/v1/sql', JSON.stringify({ sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)' }), json);
  assert.equal(ddl.status, 200, ddl.body);
  grpcClient = new grpc.Client(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createInsecure());
});

after(async () => {
  grpcClient?.close();
  agent.destroy();
  if (s) assert.equal(await s.stop(), 0, s.stderr());
});

test(`bad-input soak: ${REQUESTS} requests, RSS growth after warm-up under ${RSS_BOUND_MB} MiB`, { timeout: 120_000 }, async () => {
  console.log(`# SOAK_SEED=${SEED} SOAK_REQUESTS=${REQUESTS}`);
  const rand = prng(SEED);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const garbageProto = () => Buffer.concat([Buffer.from([0xff]), Buffer.from(Array.from({ length: int(40) }, () => int(256)))]);
  const valid = JSON.stringify({ sql: 'SELECT id, name FROM items WHERE qty > ?', params: [1] });
  let goodId = 0;
  const counts = new Map<string, number>();

  const cases: (() => Case)[] = [
    () => ({ kind: 'malformed JSON', run: async () => check('malformed JSON', await rest('POST', pick(['/v1/sql', '/v1/batch', '/v1/items']), valid.slice(0, 1 + int(valid.length - 2)), json), { status: 400, code: 'BAD_REQUEST' }) }),
    () => {
      const [path, body] = pick([
        ['/v1/sql', '{}'], ['/v1/sql', '[]'], ['/v1/sql', '"SELECT 1"'], ['/v1/sql', 'null'], ['/v1/sql', '{"sql": 5}'],
        ['/v1/sql', '{"sql": "SELECT 1", "params": "x"}'], ['/v1/batch', '{"statements": 5}'], ['/v1/batch', '{"statements": [5]}'],
        ['/v1/batch', '{"statements": [], "transaction": "yes"}'], ['/v1/items', '[1, 2]'], ['/v1/items', '"row"'],
      ] as const);
      return { kind: 'wrong shape', run: async () => check(`wrong shape ${body}`, await rest('POST', path, body, json), { status: 400, code: 'BAD_REQUEST' }) };
    },
    () => {
      const body = pick(['{"sql": "SELECT ?", "params": [[1]]}', '{"sql": "SELECT ?", "params": [{"x": 1}]}', '{"sql": "SELECT :a", "params": {"a": [1]}}', '{"sql": "SELECT ?", "params": [{"base64": 5}]}']);
      return { kind: 'wrong types', run: async () => check(`wrong types ${body}`, await rest('POST', '/v1/sql', body, json), { status: 400, code: 'BAD_REQUEST' }) };
    },
    () => {
      const [path, body] = pick([
        ['/v1/sql', `{"sql": "SELECT 1", "x${int(1000)}": 1}`], ['/v1/batch', '{"statements": [{"sql": "SELECT 1", "bogus": true}]}'],
        ['/v1/items', `{"name": "a", "nope${int(1000)}": 1}`],
      ] as const);
      return { kind: 'unknown field', run: async () => check(`unknown field ${body}`, await rest('POST', path, body, json), { status: 400, code: 'BAD_REQUEST' }) };
    },
    () => ({
      kind: 'oversized body',
      run: async () => {
        const body = Buffer.alloc(MAX_BODY + 1 + int(4096), 0x20);
        check('oversized body', await rest('POST', pick(['/v1/sql', '/v1/batch', '/v1/items']), body, json, true), { status: 413, code: 'PAYLOAD_TOO_LARGE' });
      },
    }),
    () => ({ kind: 'wrong media type', run: async () => check('wrong media type', await rest('POST', '/v1/sql', valid, { 'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) }), { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }) }),
    () => {
      const [method, path] = pick([['GET', `/nope/${int(1e6)}`], ['POST', `/v2/sql`], ['DELETE', `/v1/nope_${int(1e6)}/1`], ['GET', `/v1/nope_${int(1e6)}`], ['PUT', '/v1/sql']] as const);
      return { kind: 'unknown route/table', run: async () => check(`unknown ${method} ${path}`, await rest(method, path), { status: 404, code: 'NOT_FOUND' }) };
    },
    () => ({ kind: 'unknown table in SQL', run: async () => check('unknown table in SQL', await rest('POST', '/v1/sql', JSON.stringify({ sql: `SELECT * FROM nope_${int(1e6)}` }), json), { status: 400, code: 'SQL_ERROR' }) }),
    () => ({ kind: 'SQL syntax', run: async () => check('SQL syntax', await rest('POST', '/v1/sql', JSON.stringify({ sql: pick(['SELEC 1', 'SELECT * FORM items', 'INSERT INTO', ')(', 'SELECT 1 +']) }), json), { status: 400, code: 'SQL_SYNTAX' }) }),
    () => {
      const path = pick([`/v1/items/abc${int(100)}`, '/v1/items?page_size=-1', '/v1/items?page_token=garbage', '/v1/items?order_by=nope%20sideways']);
      return { kind: 'bad id/query', run: async () => check(`bad ${path}`, await rest('GET', path), { status: 400, code: 'BAD_REQUEST' }) };
    },
    () => {
      const path = pick(['/heliosdb.v1.Database/Execute', '/heliosdb.v1.Database/Batch', '/items.ItemService/GetItem', '/items.ItemService/CreateItem', '/items.ItemService/ListItems', '/items.ItemService/UpdateItem', '/items.ItemService/DeleteItem']);
      return {
        kind: 'garbage protobuf',
        run: async () => {
          const e = await grpcRaw(path, garbageProto());
          assert.equal(e?.code, grpc.status.INVALID_ARGUMENT, `garbage to ${path}: ${e?.code} ${e?.details}`);
        },
      };
    },
    () => ({
      kind: 'disconnect mid-request',
      run: async () => {
        await new Promise<void>((resolve) => {
          const sock = net.connect(s.ports.rest, '127.0.0.1', () => {
            sock.write(`POST /v1/sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1000 + int(100_000)}\r\n\r\n{"sql": "SELE`);
            setTimeout(() => sock.destroy(), int(5));
          });
          sock.on('error', () => undefined);
          sock.on('close', () => resolve());
        });
      },
    }),
    () => ({
      kind: 'gRPC call cancelled',
      run: async () => {
        const id = (b: Buffer) => b;
        await new Promise<void>((resolve) => {
          const call = grpcClient.makeUnaryRequest('/heliosdb.v1.Database/Execute', id, id, Buffer.from([0x0a, 0x08, ...Buffer.from('SELECT 1')]), () => resolve());
          setImmediate(() => call.cancel());
        });
      },
    }),
  ];

  const good = async (): Promise<void> => {
    const name = `item-${++goodId}`;
    const ins = await rest('POST', '/v1/sql', JSON.stringify({ sql: 'INSERT INTO items (name, qty) VALUES (?, ?)', params: [name, goodId] }), json);
    assert.equal(ins.status, 200, ins.body);
    const id = (JSON.parse(ins.body) as { last_insert_id: number }).last_insert_id;
    const row = await rest('GET', `/v1/items/${id}`);
    assert.equal(row.status, 200, row.body);
    assert.deepEqual(JSON.parse(row.body), { id, name, qty: goodId });
    const count = await new Promise<grpc.ServiceError | null>((resolve) => grpcClient.makeUnaryRequest('/heliosdb.v1.Database/Execute', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0x08, ...Buffer.from('SELECT 1')]), (e) => resolve(e)));
    assert.equal(count, null);
  };

  const warmup = Math.floor(REQUESTS / 5);
  let rssAfterWarmup = 0;
  const t0 = Date.now();
  for (let done = 0; done < REQUESTS; ) {
    const batch: Promise<void>[] = [];
    for (let i = 0; i < CONCURRENCY && done < REQUESTS; i++, done++) {
      if (done % 25 === 0) batch.push(good());
      // Oversized bodies cost a MiB each: one in ten picks of that case is plenty.
      let c = pick(cases)();
      while ((c.kind === 'oversized body' && rand() < 0.9) || (ONLY !== undefined && c.kind !== ONLY)) c = pick(cases)();
      counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
      batch.push(c.run());
    }
    await Promise.all(batch);
    if (rssAfterWarmup === 0 && done >= warmup) {
      await new Promise((r) => setTimeout(r, 200));
      rssAfterWarmup = rssMb(s.proc.pid!);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  const rssEnd = rssMb(s.proc.pid!);
  console.log(`# ${REQUESTS} bad requests + ${goodId} good rounds in ${Date.now() - t0} ms; RSS after warm-up ${rssAfterWarmup.toFixed(1)} MiB, at end ${rssEnd.toFixed(1)} MiB`);
  console.log(`# by kind: ${JSON.stringify(Object.fromEntries(counts))}`);
  if (ONLY === undefined) for (const f of cases) assert.ok((counts.get(f().kind) ?? 0) > 0, `case ${f().kind} was exercised`);
  assert.ok(rssEnd - rssAfterWarmup < RSS_BOUND_MB, `RSS grew ${(rssEnd - rssAfterWarmup).toFixed(1)} MiB after warm-up (bound ${RSS_BOUND_MB})`);
  // Still healthy at the end.
  await good();
  assert.equal((await rest('GET', '/ready')).status, 200);

  // Every connection the soak opened — answered, refused, aborted mid-request — was given back
  // to max_connections: once the clients hang up, the server counts none open.
  agent.destroy();
  grpcClient.close();
  // 8 s: undici (the global fetch in waitReady) keeps an idle connection for 4 s.
  const deadline = Date.now() + 8000;
  let open = -1;
  while (Date.now() < deadline) {
    open = await openConnections(s.ports.metrics!);
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(open, 0, 'open connections after every client hung up');
});

/** `heliosdb_open_connections` from the metrics port (which is not itself counted). */
async function openConnections(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const m = /^heliosdb_open_connections (\d+)$/m.exec(text);
  assert.ok(m, 'heliosdb_open_connections is exported');
  return Number(m[1]);
}
