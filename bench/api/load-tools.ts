/**
 * The load generators of the API load bench, as child processes written in C so the client
 * costs as little CPU as possible on a machine it shares with the server:
 *
 *   wrk (HTTP/1.1)   a Lua script builds each request (random ids, JSON bodies) and, in done(),
 *                    prints one JSON line with requests, duration, p50/p99 (µs) and errors. With
 *                    `paceRps`, each connection waits an exponentially distributed think time
 *                    (wrk's delay() hook) so the connections together offer about that many
 *                    requests/s — the paced run for "p99 at half the peak load".
 *   h2load (HTTP/2)  gRPC unary calls: POST with content-type application/grpc, te: trailers and
 *                    a body file holding one length-prefixed message (gRPC framing). `rps` uses
 *                    h2load's per-client request rate. p50/p99 come from its --log-file (one line
 *                    per request: start, status, duration µs). h2load counts HTTP 2xx only, but
 *                    a gRPC error has no DATA, so `dataBytes` = requests × reply size proves every
 *                    call returned the expected reply (checked by the runner).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Non-2xx answers, socket errors and timeouts. */
  errors: number;
  /** Server CPU time (all its threads and processes) per answered request, µs; set by the runner. */
  cpuUsPerReq?: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface WrkRequest {
  method: 'GET' | 'POST';
  /** Lua expression for the path; may use `id` (random in 1..rows). */
  pathExpr: string;
  /** Lua expression for the JSON body (POST); may use `id`. */
  bodyExpr?: string;
}

function wrkScript(r: WrkRequest, rows: number, meanDelayMs: number): string {
  const headers = r.bodyExpr ? '{["Content-Type"] = "application/json"}' : 'nil';
  return `
math.randomseed(${Math.floor(Math.random() * 1e9)})
local rows = ${rows}
request = function()
  local id = math.random(1, rows)
  return wrk.format("${r.method}", ${r.pathExpr}, ${headers}, ${r.bodyExpr ?? 'nil'})
end
${meanDelayMs > 0 ? `-- wrk truncates delay() to whole milliseconds (script_delay casts to an integer for its
-- ms timer), which cut the mean think time by ~0.5 ms and offered well above the rate asked
-- for; rounding up with the fraction's probability keeps the mean exact.
delay = function()
  local d = -math.log(1 - math.random()) * ${meanDelayMs}
  local whole = math.floor(d)
  if math.random() < d - whole then whole = whole + 1 end
  return whole
end` : ''}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
`;
}

export interface WrkOptions {
  url: string;
  req: WrkRequest;
  rows: number;
  connections: number;
  seconds: number;
  /** Offered load for a paced run; omitted = closed loop, as fast as the server answers. */
  paceRps?: number;
  /** Paced run: the expected latency, taken off each think time so the offered rate holds. */
  paceLatencyMs?: number;
  tmpDir: string;
}

export async function wrk(o: WrkOptions): Promise<LoadResult> {
  const meanDelayMs = o.paceRps ? Math.max(0.01, (o.connections * 1000) / o.paceRps - (o.paceLatencyMs ?? 0)) : 0;
  const script = join(o.tmpDir, `wrk-${process.pid}-${Date.now()}.lua`);
  writeFileSync(script, wrkScript(o.req, o.rows, meanDelayMs));
  const out = await run('wrk', ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '-s', script, o.url], (o.seconds + 30) * 1000);
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  const j = JSON.parse(line.slice(8)) as { requests: number; duration_us: number; p50_us: number; p99_us: number; errors: number };
  return { rps: j.requests / (j.duration_us / 1e6), p50Ms: j.p50_us / 1000, p99Ms: j.p99_us / 1000, requests: j.requests, errors: j.errors };
}

export interface H2Options {
  /** http://host:port/package.Service/Method */
  url: string;
  /** One gRPC-framed request message (5-byte prefix + message). */
  bodyFile: string;
  /** The framed size of the expected reply message (5 + its length), to check every call succeeded. */
  replyBytes: number;
  clients: number;
  streams: number;
  seconds: number;
  /** Total requests/s across the clients (h2load --rps per client); omitted = closed loop. */
  rps?: number;
  tmpDir: string;
}

export async function h2load(o: H2Options): Promise<LoadResult & { dataBytes: number }> {
  const log = join(o.tmpDir, `h2-${process.pid}-${Date.now()}.log`);
  const args = ['-t1', `-c${o.clients}`, `-m${o.streams}`, `-D${o.seconds}`, '-d', o.bodyFile,
    '-H', 'content-type: application/grpc', '-H', 'te: trailers', `--log-file=${log}`];
  if (o.rps) args.push(`--rps=${Math.max(1, Math.round(o.rps / o.clients))}`);
  const out = await run('h2load', [...args, o.url], (o.seconds + 40) * 1000);
  const m = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const fin = /finished in ([\d.]+)s, ([\d.]+) req\/s/.exec(out);
  const traffic = /traffic: .*?, .*?\(\d+\) headers.*?, .*?\((\d+)\) data/.exec(out);
  if (!m || !fin || !traffic) throw new Error(`cannot read h2load output:\n${out}`);
  // Lines of calls still open when the run ended carry status 0: only finished calls count.
  const durations = readFileSync(log, 'utf8').split('\n').filter((l) => l.split('\t')[1] === '200').map((l) => Number(l.split('\t')[2])).sort((a, b) => a - b);
  const q = (p: number) => (durations.length ? durations[Math.min(durations.length - 1, Math.floor(p * durations.length))]! / 1000 : NaN);
  const succeeded = Number(m[3]);
  const dataBytes = Number(traffic[1]);
  // A call that failed has no DATA; calls cut off at the end may add a few bytes, so the check
  // is one-sided: fewer reply bytes than successes × reply size means failures.
  const wrongReplies = Math.max(0, succeeded - Math.floor(dataBytes / o.replyBytes));
  return {
    rps: Number(fin[2]),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    requests: succeeded,
    errors: Number(m[4]) + Number(m[5]) + Number(m[6]) + (Number(m[1]) - Number(m[2])) + wrongReplies,
    dataBytes,
  };
}

/** A gRPC length-prefixed message (uncompressed). */
export function grpcFrame(message: Uint8Array): Buffer {
  const f = Buffer.alloc(5 + message.byteLength);
  f.writeUInt32BE(message.byteLength, 1);
  Buffer.from(message.buffer, message.byteOffset, message.byteLength).copy(f, 5);
  return f;
}

export async function toolVersions(): Promise<{ wrk: string; h2load: string }> {
  // `wrk -v` prints its version and exits 1.
  const w = await new Promise<string>((resolve) => execFile('wrk', ['-v'], (_e, stdout, stderr) => resolve(`${stdout}${stderr}`)));
  return { wrk: /wrk (\S+)/.exec(w)?.[1] ?? w.split('\n')[0]!, h2load: (await run('h2load', ['--version'], 5000)).trim() };
}
