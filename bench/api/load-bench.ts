/**
 * Issue #6's API load bench, in one run: HeliosDB-Lite's servers under wrk (REST) and h2load
 * (gRPC unary) side by side with
 *
 *   constant  the same REST/gRPC server code (startServer) over a coordinator that answers fixed
 *             bytes captured from ours — no ring, no shard: the ceiling of this stack here;
 *   peer      fastify + node-postgres + PostgreSQL (Debian's), same schema and rows;
 *   reencode  ours with "encode once" off: the shard's values are decoded in the main thread and
 *             the reply encoded again there (bench-coordinators.ts);
 *   ring      ours with point reads from the shards' pages off (HELIOS_PAGE_READS=0): every
 *             point read makes the ring round trip to its shard, as before they existed;
 *   grpcjs    (gRPC point reads) @grpc/grpc-js alone answering the same bytes — no HeliosDB code;
 *   http2     (gRPC point reads) node:http2 alone, gRPC framing by hand (bare-grpc-server.ts):
 *             the floors under any grpc-js server, and under any gRPC server in Node, here.
 *
 * Ours, constant, reencode and ring run with the product's Node flags (src/node-flags.ts, as `npm start`
 * and the Docker image launch it); the peer runs with Node's defaults, as a typical deployment does.
 *
 * Every case runs each target back to back, `rounds` times interleaved; the report takes the
 * median, with the server CPU per request. Then ours runs paced at half its median peak for the
 * p99 aim, beside the constant server at the same offered rate; gRPC also in h2load's bursty
 * shape (see GRPC_PACED_CLIENTS). Writes
 * bench/results/api.md. Needs bench/api/setup.sh install (wrk, h2load, PostgreSQL) and root
 * (the PostgreSQL cluster runs as the postgres user).
 *
 * Run: npm run bench:api-load -- [--rounds 3] [--seconds 5] [--rows 100000] [--only id,id]
 *      [--cpu-prof DIR] (profile ours' main thread) [--no-write]
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { encodeExecuteRequest } from '../../src/shard/grpc-codec.js';
import type { CatalogSchema } from '../../src/coordinator/index.js';
import type { ConstantAnswers } from './bench-coordinators.js';
import { SERVER_NODE_FLAGS } from '../../src/node-flags.js';
import { cpuMs, freePort, postgresPids, sh, spawnServer, startPostgres, waitReady, type ServerProcess } from './bench-processes.js';
import { loadHelios, loadPostgres } from './bench-dataset.js';
import { grpcFrame, h2load, toolVersions, wrk, type LoadResult, type WrkRequest } from './load-tools.js';
import { median, renderReport, type CaseResult, type Target } from './load-report.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('rounds', '3'));
const SECONDS = Number(arg('seconds', '5'));
const ROWS = Number(arg('rows', '100000'));
const ONLY = arg('only', '') ? new Set(arg('only', '').split(',')) : null;
const CPU_PROF = arg('cpu-prof', '');
const WRITE = !process.argv.includes('--no-write');
const LARGE_ROWS = 10_000;
const GRPC_ID = Math.min(4242, ROWS);
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const BENCH_SERVER = fileURLToPath(new URL('./bench-server.js', import.meta.url));
const PEER = fileURLToPath(new URL('./peer-server.js', import.meta.url));
const BARE_GRPC = fileURLToPath(new URL('./bare-grpc-server.js', import.meta.url));


/** How a paced run offers its load: `bursty` is h2load's many-streams shape (gRPC only). */
interface Pace {
  rps: number;
  latencyMs: number;
  bursty?: boolean;
}

interface Case {
  id: string;
  title: string;
  targets: Target[];
  /** Rows in each reply (streaming cases report rows/s). */
  rowsPerReply?: number;
  /** Point-read cases get the paced half-peak run. */
  halfPeak?: boolean;
  /** gRPC: the half-peak run is repeated in h2load's bursty shape, for comparison. */
  bursty?: boolean;
  run(s: Servers, target: Target, pace?: Pace): Promise<LoadResult>;
}

interface Servers {
  byTarget: Map<Target, ServerProcess>;
  tmp: string;
  grpcBodies: Map<string, { file: string; replyBytes: number }>;
}

const REST_CONNECTIONS = 32;
const GRPC_CLIENTS = 4;
const GRPC_STREAMS = 8;
/**
 * gRPC paced at half the peak: 8 connections with one call in flight each, as wrk's REST
 * connections have. h2load's --rps timer runs on libev, whose epoll wait has 1 ms resolution: each
 * tick releases a whole millisecond's calls on every connection at once. With 8 streams per
 * connection that is a burst of ~R/1000 calls (13 at 13k/s) every millisecond, which any server
 * must queue: raw node:http2 answering a constant measured p99 2.8 ms that way at 13k/s, 0.29 ms
 * with one stream per connection. The bursty shape is still measured and shown beside.
 */
const GRPC_PACED_CLIENTS = 8;

/**
 * Waits until the server's processes use under 10% of a core: calls a load tool gave up on
 * (timeouts, closed connections) still run on the server, and must not be charged to the next
 * run. Returns the seconds waited.
 */
async function settle(pids: () => number[], maxMs = 60_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const before = cpuMs(pids());
    await new Promise((r) => setTimeout(r, 250));
    if (cpuMs(pids()) - before < 25 || Date.now() - start > maxMs) return (Date.now() - start) / 1000;
  }
}

/** Runs one load and charges the server's CPU time to it (the load tools' own is not counted). */
async function measured(s: Servers, t: Target, load: () => Promise<LoadResult>): Promise<LoadResult> {
  const server = s.byTarget.get(t)!;
  const pids = server.pids();
  const before = cpuMs(pids);
  const r = await load();
  const cpuUsPerReq = ((cpuMs(pids) - before) * 1000) / Math.max(1, r.requests);
  const waited = await settle(() => server.pids());
  if (r.requests === 0 || r.errors > 0 || waited > 2) console.error(`${server.name}: ${r.requests} answered, ${r.errors} errors; the server went idle ${waited.toFixed(1)} s after the run`);
  return { ...r, cpuUsPerReq };
}

function restCase(id: string, title: string, targets: Target[], req: WrkRequest, extra: Partial<Case> = {}, connections = REST_CONNECTIONS): Case {
  return {
    id, title, targets, ...extra,
    run: (s, t, pace) => measured(s, t, () => wrk({ url: `http://127.0.0.1:${s.byTarget.get(t)!.rest}`, req, rows: ROWS, connections, seconds: SECONDS, tmpDir: s.tmp, ...(pace ? { paceRps: pace.rps, paceLatencyMs: pace.latencyMs } : {}) })),
  };
}

function grpcCase(id: string, title: string, targets: Target[], path: string, extra: Partial<Case> = {}, clients = GRPC_CLIENTS, streams = GRPC_STREAMS): Case {
  return {
    id, title, targets, ...extra,
    run: (s, t, pace) => {
      const b = s.grpcBodies.get(id)!;
      const smooth = pace !== undefined && !pace.bursty;
      return measured(s, t, () => h2load({
        url: `http://127.0.0.1:${s.byTarget.get(t)!.grpc}${path}`, bodyFile: b.file, replyBytes: b.replyBytes,
        clients: smooth ? GRPC_PACED_CLIENTS : clients, streams: smooth ? 1 : streams, seconds: SECONDS, tmpDir: s.tmp, ...(pace ? { rps: pace.rps } : {}),
      }));
    },
  };
}

const sqlBody = (sql: string, idParam: boolean) => (idParam ? `'{"sql":"${sql}","params":[' .. id .. ']}'` : `'{"sql":"${sql}"}'`);
const POINT_SQL = 'SELECT * FROM orders WHERE id = ?';
// A rowid range, not `LIMIT n`: on a partitioned table a LIMIT without ORDER BY is pushed down as
// "each partition's first n rows by rowid" (pushdown.ts), so with 16 partitions and 100k rows
// `LIMIT 10000` ships the whole table to the coordinator (~0.6 s a call here): under 4
// connections every call outlived wrk's 5 s timeout and the abandoned calls kept the shards
// busy into the next cases. The WHERE is pushed down whole, so each partition ships only its
// share of the 10,000 rows — the same rows and the same bytes.
const LARGE_SQL = `SELECT * FROM orders WHERE id <= ${LARGE_ROWS}`;

const CASES: Case[] = [
  restCase('rest-get', 'REST GET /v1/orders/{id} (random id)', ['constant', 'ours', 'ring', 'peer'], { method: 'GET', pathExpr: '"/v1/orders/" .. id' }, { halfPeak: true }),
  restCase('rest-sql', 'REST POST /v1/sql point SELECT (random id)', ['constant', 'ours', 'ring', 'reencode', 'peer'], { method: 'POST', pathExpr: '"/v1/sql"', bodyExpr: sqlBody(POINT_SQL, true) }, { halfPeak: true }),
  restCase('rest-insert', 'REST POST /v1/orders (insert, durable commit)', ['constant', 'ours', 'peer'], { method: 'POST', pathExpr: '"/v1/orders"', bodyExpr: `'{"customer_id":' .. id .. ',"total_price":12.5,"quantity":3}'` }),
  grpcCase('grpc-exec', `gRPC Database/Execute point SELECT (id ${GRPC_ID})`, ['constant', 'ours', 'ring', 'reencode', 'grpcjs', 'http2'], '/heliosdb.v1.Database/Execute', { halfPeak: true, bursty: true }),
  grpcCase('grpc-get', `gRPC OrderService/GetOrder (id ${GRPC_ID})`, ['constant', 'ours', 'ring', 'reencode', 'grpcjs', 'http2'], '/orders.OrderService/GetOrder', { halfPeak: true, bursty: true }),
  grpcCase('grpc-large', `gRPC Database/Execute, ${LARGE_ROWS}-row result`, ['constant', 'ours', 'reencode'], '/heliosdb.v1.Database/Execute', { rowsPerReply: Math.min(LARGE_ROWS, ROWS) }, 2, 2),
  restCase('rest-large', `REST POST /v1/sql, ${LARGE_ROWS}-row result`, ['constant', 'ours', 'reencode', 'peer'], { method: 'POST', pathExpr: '"/v1/sql"', bodyExpr: sqlBody(LARGE_SQL, false) }, { rowsPerReply: Math.min(LARGE_ROWS, ROWS) }, 4),
];

/** One raw unary call (bytes in, bytes out) — to capture replies for the constant server. */
function rawUnary(port: number, path: string, message: Uint8Array): Promise<Buffer> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 256 << 20 });
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(message), (err, res) => {
      client.close();
      if (err || !res) reject(err ?? new Error('no reply'));
      else resolve(res);
    });
  });
}

async function postJson(port: number, path: string, body: unknown): Promise<Buffer> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const bytes = Buffer.from(await r.arrayBuffer());
  if (!r.ok) throw new Error(`${path}: ${r.status} ${bytes.toString()}`);
  return bytes;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function heliosConfig(dir: string, dataDir: string): string {
  const file = join(dir, `heliosdb-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, `[database]\npath = ${JSON.stringify(dataDir)}\n\n[api]\nbind_address = "127.0.0.1"\nrest_port = 0\ngrpc_port = 0\n\n[performance]\nworker_threads = 2\n\n[observability]\nmetrics_port = 0\n`);
  return file;
}

async function versions(pgVersion: string): Promise<Record<string, string>> {
  const pkg = (name: string) => (JSON.parse(readFileSync(fileURLToPath(new URL(`../../../node_modules/${name}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;
  const tools = await toolVersions();
  return {
    node: process.version, PostgreSQL: pgVersion, wrk: tools.wrk, h2load: tools.h2load,
    fastify: pkg('fastify'), pg: pkg('pg'), 'hyper-express': pkg('hyper-express'), '@grpc/grpc-js': pkg('@grpc/grpc-js'),
  };
}

async function main(): Promise<void> {
  const cases = CASES.filter((c) => !ONLY || ONLY.has(c.id));
  const tmp = mkdtempSync(join(os.tmpdir(), 'heliosdb-api-load-'));
  const stops: (() => Promise<void>)[] = [];
  const loadAvg: number[][] = [os.loadavg()];
  try {
    // PostgreSQL + the peer.
    const pgPort = await freePort();
    // Its own temp dir: the cluster runs as the postgres user, who cannot enter `tmp` (mode 700).
    const pgDir = mkdtempSync(join(os.tmpdir(), 'heliosdb-api-pg-'));
    stops.push(async () => rmSync(pgDir, { recursive: true, force: true }));
    const pgc = await startPostgres(pgDir, pgPort);
    stops.push(pgc.stop);
    console.log(`loading ${ROWS} rows into ${pgc.version} …`);
    await loadPostgres(pgPort, ROWS);
    const peerNode = await spawnServer('peer', [PEER], { PGHOST: '127.0.0.1', PGPORT: String(pgPort) });
    const peer: ServerProcess = { ...peerNode, pids: () => [peerNode.pid, ...postgresPids(pgDir)] };
    stops.push(peer.stop);

    // Ours: load, copy the data directory for the re-encoding variant.
    const dataDir = join(tmp, 'helios');
    let ours = await spawnServer('ours', [...SERVER_NODE_FLAGS, CLI, 'serve', '--config', heliosConfig(tmp, dataDir)], {});
    await waitReady(ours.rest);
    console.log(`loading ${ROWS} rows into HeliosDB-Lite …`);
    await loadHelios(ours.rest, ROWS);
    await ours.stop();
    cpSync(dataDir, join(tmp, 'helios-reencode'), { recursive: true });
    cpSync(dataDir, join(tmp, 'helios-ring'), { recursive: true });
    ours = await spawnServer('ours', [...SERVER_NODE_FLAGS, ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []), CLI, 'serve', '--config', heliosConfig(tmp, dataDir)], {});
    stops.push(() => ours.stop());
    await waitReady(ours.rest);
    const reencode = await spawnServer('reencode', [...SERVER_NODE_FLAGS, BENCH_SERVER, 'reencode', '--config', heliosConfig(tmp, join(tmp, 'helios-reencode'))], {});
    stops.push(reencode.stop);
    await waitReady(reencode.rest);
    const ring = await spawnServer('ring', [...SERVER_NODE_FLAGS, CLI, 'serve', '--config', heliosConfig(tmp, join(tmp, 'helios-ring'))], { HELIOS_PAGE_READS: '0' });
    stops.push(ring.stop);
    await waitReady(ring.rest);

    // Requests for h2load, and the replies the constant server will give.
    const execPoint = encodeExecuteRequest(POINT_SQL, [BigInt(GRPC_ID)]);
    const execLarge = encodeExecuteRequest(LARGE_SQL, []);
    const getOrder = new Uint8Array([0x08, ...varint(GRPC_ID)]);
    const protoPoint = await rawUnary(ours.grpc, '/heliosdb.v1.Database/Execute', execPoint);
    const protoLarge = await rawUnary(ours.grpc, '/heliosdb.v1.Database/Execute', execLarge);
    const orderReply = await rawUnary(ours.grpc, '/orders.OrderService/GetOrder', getOrder);
    const largeJsonRequest = Buffer.from(JSON.stringify({ sql: LARGE_SQL }));
    const answers: ConstantAnswers = {
      json: { point: (await postJson(ours.rest, '/v1/sql', { sql: POINT_SQL, params: [GRPC_ID] })).toString('base64'), large: (await postJson(ours.rest, '/v1/sql', { sql: LARGE_SQL })).toString('base64'), largeRequest: largeJsonRequest.toString('base64') },
      proto: { point: protoPoint.toString('base64'), large: protoLarge.toString('base64'), largeRequest: Buffer.from(execLarge).toString('base64') },
      schema: await catalogOf(ours),
    };
    const answersFile = join(tmp, 'answers.json');
    writeFileSync(answersFile, JSON.stringify(answers));
    const constant = await spawnServer('constant', [...SERVER_NODE_FLAGS, BENCH_SERVER, 'constant', answersFile, '--config', heliosConfig(tmp, join(tmp, 'constant'))], {});
    stops.push(constant.stop);
    await waitReady(constant.rest);
    const bareReplies = join(tmp, 'bare-replies.json');
    writeFileSync(bareReplies, JSON.stringify({ '/heliosdb.v1.Database/Execute': protoPoint.toString('base64'), '/orders.OrderService/GetOrder': orderReply.toString('base64') }));
    const grpcjs = await spawnServer('grpcjs', [...SERVER_NODE_FLAGS, BARE_GRPC, 'grpc-js', bareReplies], {});
    stops.push(grpcjs.stop);
    const http2 = await spawnServer('http2', [...SERVER_NODE_FLAGS, BARE_GRPC, 'http2', bareReplies], {});
    stops.push(http2.stop);

    const grpcBodies = new Map<string, { file: string; replyBytes: number }>();
    const body = (id: string, msg: Uint8Array, reply: Buffer) => {
      const file = join(tmp, `${id}.grpc`);
      writeFileSync(file, grpcFrame(msg));
      grpcBodies.set(id, { file, replyBytes: 5 + reply.byteLength });
    };
    body('grpc-exec', execPoint, protoPoint);
    body('grpc-get', getOrder, orderReply);
    body('grpc-large', execLarge, protoLarge);
    const s: Servers = { byTarget: new Map([['constant', constant], ['ours', ours], ['reencode', reencode], ['ring', ring], ['peer', peer], ['grpcjs', grpcjs], ['http2', http2]]), tmp, grpcBodies };

    // Warm-up (JIT, pools), then interleaved rounds.
    for (const c of cases) for (const t of c.targets) await c.run(s, t).catch((e: Error) => console.error(`warm-up ${c.id}/${t}: ${e.message}`));
    const results = new Map<string, LoadResult[]>();
    for (let r = 0; r < ROUNDS; r++) {
      loadAvg.push(os.loadavg());
      for (const c of cases) {
        for (const t of c.targets) {
          const res = await c.run(s, t);
          const key = `${c.id}/${t}`;
          results.set(key, [...(results.get(key) ?? []), res]);
          console.log(`round ${r + 1} ${key}: ${res.rps.toFixed(0)} req/s p50 ${res.p50Ms.toFixed(2)} ms p99 ${res.p99Ms.toFixed(2)} ms${res.errors ? ` ERRORS ${res.errors}` : ''}`);
        }
      }
    }
    // Half the peak: ours paced at half its median closed-loop rate, and the constant-answer
    // server at the same offered rate, back to back: what p99 the machine itself allows then.
    const half = new Map<string, NonNullable<CaseResult['half']>>();
    for (const c of cases.filter((x) => x.halfPeak)) {
      const offered = median(results.get(`${c.id}/ours`)!.map((x) => x.rps)) / 2;
      // wrk's think time comes on top of each request's latency: a first, unreported run
      // measures that latency (its p50), which the reported runs take off the think time.
      const latencyMs = (await c.run(s, 'ours', { rps: offered, latencyMs: 0 })).p50Ms;
      const h: NonNullable<CaseResult['half']> = { offered, runs: [], reference: [], ...(c.bursty ? { bursty: { runs: [], reference: [] } } : {}) };
      for (let r = 0; r < ROUNDS; r++) {
        h.reference.push(await c.run(s, 'constant', { rps: offered, latencyMs }));
        const res = await c.run(s, 'ours', { rps: offered, latencyMs });
        h.runs.push(res);
        console.log(`half-peak ${c.id}: offered ${offered.toFixed(0)}/s got ${res.rps.toFixed(0)}/s p50 ${res.p50Ms.toFixed(2)} ms p99 ${res.p99Ms.toFixed(2)} ms (constant p99 ${h.reference.at(-1)!.p99Ms.toFixed(2)} ms)`);
        if (h.bursty) {
          h.bursty.reference.push(await c.run(s, 'constant', { rps: offered, latencyMs, bursty: true }));
          const b = await c.run(s, 'ours', { rps: offered, latencyMs, bursty: true });
          h.bursty.runs.push(b);
          console.log(`half-peak ${c.id}, bursty: p99 ${b.p99Ms.toFixed(2)} ms (constant p99 ${h.bursty.reference.at(-1)!.p99Ms.toFixed(2)} ms)`);
        }
      }
      half.set(c.id, h);
    }
    loadAvg.push(os.loadavg());

    const caseResults: CaseResult[] = cases.map((c) => ({
      id: c.id, title: c.title, rowsPerReply: c.rowsPerReply,
      byTarget: new Map(c.targets.map((t) => [t, results.get(`${c.id}/${t}`)!])),
      half: half.get(c.id),
    }));
    const md = renderReport({
      when: new Date().toISOString(), cpu: `${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}`, versions: await versions(pgc.version),
      rows: ROWS, rounds: ROUNDS, seconds: SECONDS, loadAvg, cases: caseResults,
      load: { restConnections: REST_CONNECTIONS, grpcClients: GRPC_CLIENTS, grpcStreams: GRPC_STREAMS, grpcPacedClients: GRPC_PACED_CLIENTS },
    });
    process.stdout.write(`\n${md}`);
    if (WRITE) writeFileSync(fileURLToPath(new URL('../../../bench/results/api.md', import.meta.url)), md);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => console.error(`stop: ${e.message}`));
    if (CPU_PROF) console.log(`CPU profile of ours' main thread in ${CPU_PROF}`);
    await sh('rm', ['-rf', tmp]).catch(() => rmSync(tmp, { recursive: true, force: true }));
  }
}

async function catalogOf(ours: ServerProcess): Promise<CatalogSchema> {
  // /v1/schema is the catalog in the contract's JSON; map it back to the shard's CatalogSchema.
  const j = (await (await fetch(`http://127.0.0.1:${ours.rest}/v1/schema`)).json()) as {
    version: string;
    tables: { name: string; columns: { name: string; type: string; nullable: boolean; default: string | null; primary_key: boolean; auto_increment: boolean; field_number: number }[]; primary_key: string[]; indexes: { name: string; columns: string[]; unique: boolean }[] }[];
  };
  return {
    version: j.version,
    tables: j.tables.map((t) => ({
      name: t.name, primaryKey: t.primary_key, indexes: t.indexes,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, default: c.default, primaryKey: c.primary_key, autoIncrement: c.auto_increment, fieldNumber: c.field_number })),
    })),
  };
}

await main();
