/**
 * The processes the API load bench starts and always stops: servers that print a
 * `{"msg":"listening",...}` line (ours, the bench-server variants, the peer), and the
 * throw-away PostgreSQL cluster (through bench/api/setup.sh).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const SETUP_SH = fileURLToPath(new URL('../../../bench/api/setup.sh', import.meta.url));

export interface ServerProcess {
  name: string;
  pid: number;
  /** The processes whose CPU time counts as this server's (the peer adds PostgreSQL's). */
  pids(): number[];
  rest: number;
  grpc: number;
  stop(): Promise<void>;
}

/** Spawns `node ARGS` and resolves once it prints its listening line (or rejects if it exits). */
export async function spawnServer(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const proc: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000); // for the error message; keeps draining the pipe
  };
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ports = await new Promise<{ rest: number; grpc?: number }>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      keep(d);
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (!l.includes('"listening"')) continue;
        proc.stdout!.off('data', onData);
        proc.stdout!.on('data', keep);
        resolve(JSON.parse(l) as { rest: number; grpc?: number });
      }
    };
    proc.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`${name} exited with ${code} before listening:\n${tail}`)));
  });
  return {
    name,
    pid: proc.pid!,
    pids: () => [proc.pid!],
    rest: ports.rest,
    grpc: ports.grpc ?? 0,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function waitReady(restPort: number, path = '/ready'): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${restPort}${path}`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${restPort}: ${path} not ready after 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export function sh(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** A PostgreSQL cluster in `dir` on `port` (initdb + pg_ctl as the postgres user); returns its version line. */
export async function startPostgres(dir: string, port: number): Promise<{ version: string; stop: () => Promise<void> }> {
  const version = (await sh(SETUP_SH, ['start-pg', dir, String(port)])).trim();
  return { version, stop: async () => void (await sh(SETUP_SH, ['stop-pg', dir])) };
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux x86-64 and arm64

/** CPU time (user + system, every thread) the processes have used so far, ms. Gone processes count 0. */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    } catch {
      /* exited */
    }
  }
  return ticks * TICK_MS;
}

/** The postmaster of the cluster in `dir` and its children (backends, walwriter, checkpointer…). */
export function postgresPids(dir: string): number[] {
  const master = Number(readFileSync(`${dir}/postmaster.pid`, 'utf8').split('\n')[0]);
  const out = [master];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === master) out.push(Number(e));
    } catch {
      /* exited */
    }
  }
  return out;
}
