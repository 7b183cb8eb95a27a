/**
 * The markdown report of the API load bench: every measured number (median of the rounds),
 * the ratios, and the issue's aims checked against them.
 */
import { SERVER_NODE_FLAGS } from '../../src/node-flags.js';
import os from 'node:os';
import type { LoadResult } from './load-tools.js';

export type Target = 'constant' | 'ours' | 'reencode' | 'ring' | 'peer' | 'grpcjs' | 'http2';

/** Paced runs of one case: ours, and the constant-answer server at the same offered rate. */
export interface PacedRuns {
  runs: LoadResult[];
  reference: LoadResult[];
}

export interface CaseResult {
  id: string;
  title: string;
  rowsPerReply: number | undefined;
  byTarget: Map<Target, LoadResult[]>;
  /**
   * Ours paced at half its peak; `reference`: the constant-answer server at the same offered
   * rate; `bursty` (gRPC): the same in h2load's many-streams-per-connection shape.
   */
  half: (PacedRuns & { offered: number; bursty?: PacedRuns }) | undefined;
}

export interface ReportInput {
  when: string;
  cpu: string;
  versions: Record<string, string>;
  rows: number;
  rounds: number;
  seconds: number;
  loadAvg: number[][];
  cases: CaseResult[];
  load: { restConnections: number; grpcClients: number; grpcStreams: number; grpcPacedClients: number };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

interface Summary {
  rps: number;
  cpu: number;
  p50: number;
  p99: number;
  errors: number;
  all: number[];
}

function summarize(runs: LoadResult[] | undefined): Summary | undefined {
  if (!runs?.length) return undefined;
  return { rps: median(runs.map((r) => r.rps)), cpu: median(runs.map((r) => r.cpuUsPerReq ?? NaN)), p50: median(runs.map((r) => r.p50Ms)), p99: median(runs.map((r) => r.p99Ms)), errors: runs.reduce((a, r) => a + r.errors, 0), all: runs.map((r) => r.rps) };
}

const TARGET_NAME: Record<Target, string> = {
  constant: 'constant answer (ceiling)',
  ours: '**HeliosDB-Lite**',
  reencode: 'HeliosDB-Lite, re-encode in coordinator',
  ring: 'HeliosDB-Lite, point reads through the ring',
  peer: 'fastify + pg + PostgreSQL',
  grpcjs: 'bare @grpc/grpc-js answering a constant (no HeliosDB code)',
  http2: 'bare node:http2 answering a constant gRPC frame (no grpc-js)',
};

const f0 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const f2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}x`);

export function renderReport(r: ReportInput): string {
  const out: string[] = [];
  const get = (id: string, t: Target) => summarize(r.cases.find((c) => c.id === id)?.byTarget.get(t));
  out.push(`# API load bench (issue #6) — ${r.when}`, '');
  out.push(`Machine: ${r.cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, shared with other jobs.`);
  out.push(`Load average (1/5/15 min) at start, each round, end: ${r.loadAvg.map((l) => l.map((x) => x.toFixed(2)).join('/')).join(' · ')}.`);
  out.push(`Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  out.push('');
  out.push(`Setup: \`orders\` with ${r.rows.toLocaleString('en-US')} rows in both databases; HeliosDB-Lite with 2 shards (worker_threads = 2), wal_mode sync; PostgreSQL as initdb makes it (fsync on, synchronous_commit on), fastify in one process with a pg.Pool of 10. `
    + `REST load: wrk -t1 -c${r.load.restConnections} (4 for the large result), random ids in 1..${r.rows} from a Lua script. gRPC load: h2load -t1 -c${r.load.grpcClients} -m${r.load.grpcStreams} (-c2 -m2 for the large result) with gRPC framing, one fixed request (h2load sends one body file). `
    + `${r.seconds} s per run after a warm-up pass; ${r.rounds} interleaved rounds (constant, ours, re-encode, peer back to back per case); the table shows medians. Load tools, servers and PostgreSQL share the same ${r.cpu.split(' x')[1] ?? '?'} cores. Ours, constant and re-encode run with the product's Node flags (\`${SERVER_NODE_FLAGS.join(' ')}\`, src/node-flags.ts); the peer with Node's defaults.`);
  out.push('');
  out.push('## Requests/s and latency (median of rounds)', '');
  out.push('"server CPU": user + system time of the server\'s threads (and, for the peer, of PostgreSQL\'s processes) per answered request — the number that the other jobs on this machine disturb least. "ours ÷ this": HeliosDB-Lite\'s req/s over this target\'s.', '');
  out.push('| case | target | req/s | rows/s | p50 ms | p99 ms | server CPU µs/req | errors | ours ÷ this | all rounds req/s |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const c of r.cases) {
    const ours = summarize(c.byTarget.get('ours'));
    for (const [t, runs] of c.byTarget) {
      const s = summarize(runs)!;
      out.push(`| ${c.title} | ${TARGET_NAME[t]} | ${f0(s.rps)} | ${c.rowsPerReply ? f0(s.rps * c.rowsPerReply) : ''} | ${f2(s.p50)} | ${f2(s.p99)} | ${c.rowsPerReply ? f0(s.cpu) : s.cpu.toFixed(1)} | ${s.errors} | ${t === 'ours' ? '' : ratio(ours?.rps, s.rps)} | ${s.all.map((x) => f0(x)).join(', ')} |`);
    }
  }
  out.push('');
  const halves = r.cases.filter((c) => c.half);
  if (halves.length) {
    out.push('## HeliosDB-Lite at half its peak', '');
    out.push('Offered load = half the median closed-loop req/s above. REST: wrk with exponentially distributed think times per connection (its `delay()` hook; a first unreported run measures the latency, which is taken off the think time), so the 32 connections together offer about that rate instead of running flat out. Latency is measured from sending each request (no coordinated-omission correction).', '');
    out.push(`gRPC: h2load \`--rps\` over ${r.load.grpcPacedClients} connections with one call in flight each (-c${r.load.grpcPacedClients} -m1), as each wrk connection has one. "bursty": the same offered rate in the closed-loop shape (-c${r.load.grpcClients} -m${r.load.grpcStreams} --rps). h2load's rate timer has libev's 1 ms resolution, so in that shape every tick releases a whole millisecond's calls together, a queue any server must work through — compare the constant-answer server's p99 in both shapes.`, '');
    out.push('| case | offered req/s | achieved req/s | p50 ms | p99 ms | p99 of each round | constant-answer server, same offered rate: p50 / p99 ms | bursty shape, p99 ms: ours / constant |', '|---|---|---|---|---|---|---|---|');
    for (const c of halves) {
      const s = summarize(c.half!.runs)!;
      const ref = summarize(c.half!.reference)!;
      const b = c.half!.bursty;
      const bursty = b ? `${f2(summarize(b.runs)!.p99)} / ${f2(summarize(b.reference)!.p99)}` : '';
      out.push(`| ${c.title} | ${f0(c.half!.offered)} | ${f0(s.rps)} | ${f2(s.p50)} | ${f2(s.p99)} | ${c.half!.runs.map((x) => f2(x.p99Ms)).join(', ')} | ${f2(ref.p50)} / ${f2(ref.p99)} | ${bursty} |`);
    }
    out.push('');
  }
  out.push('## The issue\'s aims', '');
  out.push('| aim | measured | met |', '|---|---|---|');
  const aim = (what: string, value: number | undefined, text: string, ok: boolean | undefined) => out.push(`| ${what} | ${value === undefined || !Number.isFinite(value) ? '–' : text} | ${ok === undefined ? '–' : ok ? 'yes' : '**no**'} |`);
  for (const [id, name] of [['rest-get', 'REST GET /v1/orders/{id}'], ['rest-sql', 'REST POST /v1/sql point read'], ['grpc-exec', 'gRPC Execute point read'], ['grpc-get', 'gRPC GetOrder']] as const) {
    const o = get(id, 'ours');
    const c = get(id, 'constant');
    if (!o || !c) continue;
    aim(`${name} ≥ 60% of the constant-answer ceiling`, o.rps / c.rps, `${((100 * o.rps) / c.rps).toFixed(0)}% (by server CPU per request: ${((100 * c.cpu) / o.cpu).toFixed(0)}%)`, o.rps / c.rps >= 0.6);
  }
  const peerGet = get('rest-get', 'peer');
  for (const [id, name, peerId] of [['rest-get', 'REST GET /v1/orders/{id}', 'rest-get'], ['rest-sql', 'REST POST /v1/sql point read', 'rest-sql'], ['grpc-exec', 'gRPC Execute point read (peer: its REST GET)', 'rest-get'], ['grpc-get', 'gRPC GetOrder (peer: its REST GET)', 'rest-get']] as const) {
    const o = get(id, 'ours');
    const p = peerId === 'rest-get' ? peerGet : get(peerId, 'peer');
    if (!o || !p) continue;
    // For gRPC, how far the stack alone gets: grpc-js and node:http2 answering a constant.
    const floors = (['grpcjs', 'http2'] as const).map((t) => [t, get(id, t)] as const).filter(([, x]) => x !== undefined);
    const floorText = floors.length ? `; with no HeliosDB code at all, ${floors.map(([t, x]) => `${t === 'grpcjs' ? 'bare grpc-js' : 'bare node:http2'} ${(x!.rps / p.rps).toFixed(2)}×`).join(', ')}` : '';
    aim(`${name} ≥ 3× the peer stack`, o.rps / p.rps, `${(o.rps / p.rps).toFixed(2)}× (by server CPU per request: ${(p.cpu / o.cpu).toFixed(2)}×${floorText})`, o.rps / p.rps >= 3);
  }
  for (const c of halves) {
    const s = summarize(c.half!.runs)!;
    const ref = summarize(c.half!.reference)!;
    const b = c.half!.bursty;
    const burstyText = b ? `; bursty shape: ${summarize(b.runs)!.p99.toFixed(2)} ms, constant ${summarize(b.reference)!.p99.toFixed(2)} ms` : '';
    aim(`p99 < 2 ms at half the peak: ${c.title}`, s.p99, `${s.p99.toFixed(2)} ms (constant-answer server at the same rate: ${ref.p99.toFixed(2)} ms${burstyText})`, s.p99 < 2);
  }
  for (const id of ['grpc-large', 'rest-large']) {
    const c = r.cases.find((x) => x.id === id);
    const o = get(id, 'ours');
    if (!c || !o) continue;
    aim(`streaming > 300k rows/s (${c.title}; one large Execute; the streaming Query is measured by npm run bench:api-query)`, o.rps * c.rowsPerReply!, `${f0(o.rps * c.rowsPerReply!)} rows/s`, o.rps * c.rowsPerReply! > 300_000);
  }
  out.push('');
  const versus = (heading: string, intro: string, a: string, b: string, other: Target) => {
    out.push(`## ${heading}`, '', intro, '');
    out.push(`| case | ${a} req/s | ${b} req/s | ${a} ÷ ${b} | ${a} CPU µs/req | ${b} CPU µs/req | ${a} p99 ms | ${b} p99 ms |`, '|---|---|---|---|---|---|---|---|');
    for (const c of r.cases) {
      const w = get(c.id, 'ours');
      const wo = get(c.id, other);
      if (!w || !wo) continue;
      out.push(`| ${c.title} | ${f0(w.rps)} | ${f0(wo.rps)} | ${ratio(w.rps, wo.rps)} | ${w.cpu.toFixed(1)} | ${wo.cpu.toFixed(1)} | ${f2(w.p99)} | ${f2(wo.p99)} |`);
    }
    out.push('');
  };
  versus('Point reads from the shards\' pages', '"pages": the coordinator answers a point SELECT by rowid from the serving shard\'s buffer pool in shared memory, under the row\'s key lock and the pool\'s sequence lock (the product; docs/sharding.md). "ring": the same server with HELIOS_PAGE_READS=0, every point read a round trip to its shard.', 'pages', 'ring', 'ring');
  versus('Encode once', '"with": the shard encodes the reply (JSON or protobuf) and the coordinator forwards the bytes (the product). "without": the same shards, but the coordinator decodes the shard\'s values and encodes the reply itself (bench-only ReencodingCoordinator).', 'with', 'without', 'reencode');
  return out.join('\n');
}
