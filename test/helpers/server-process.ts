/**
 * Test helper: runs the real `heliosdb serve` CLI as a child process on free ports (0) and a
 * temporary data directory, the way users and the acceptance tests do, and waits for its
 * `listening` line. `stop()` sends SIGTERM and returns the exit code; the data dir is removed.
 */
import { SERVER_NODE_FLAGS } from '../../src/node-flags.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface ServerProcess {
  proc: ChildProcess;
  ports: { rest: number; grpc: number; metrics: number | null };
  dataDir: string;
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** SIGTERM, wait for exit; resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  url(p: string): string;
}

export interface SpawnOptions {
  /** TOML text written to a temp file and passed with --config. */
  toml?: string;
  env?: Record<string, string>;
  workerThreads?: number;
  /** Reuse an existing data dir (restart tests); otherwise a fresh temp dir. */
  dataDir?: string;
  keepData?: boolean;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...SERVER_NODE_FLAGS, CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function spawnServer(o: SpawnOptions = {}): Promise<ServerProcess> {
  const dataDir = o.dataDir ?? mkdtempSync(path.join(tmpdir(), 'heliosdb-test-'));
  const args = ['serve'];
  if (o.toml !== undefined) {
    const f = path.join(dataDir, 'test-config.toml');
    writeFileSync(f, o.toml);
    args.push('--config', f);
  }
  const env: Record<string, string> = {
    HELIOSDB_PATH: path.join(dataDir, 'db'),
    HELIOSDB_REST_PORT: '0',
    HELIOSDB_GRPC_PORT: '0',
    HELIOSDB_METRICS_PORT: '0',
    HELIOSDB_LOG_LEVEL: 'info',
    ...(o.workerThreads ? { HELIOSDB_WORKER_THREADS: String(o.workerThreads) } : {}),
    ...o.env,
  };
  const proc = spawn(process.execPath, [...SERVER_NODE_FLAGS, CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buf = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((res) => proc.on('exit', (code, sig) => res(code ?? sig ?? -1)));
  const listening = new Promise<ServerProcess['ports']>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          lines.push(j);
          if (j['msg'] === 'listening') resolve({ rest: j['rest'] as number, grpc: j['grpc'] as number, metrics: j['metrics'] as number | null });
        } catch {
          lines.push({ raw: line });
        }
      }
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening; stderr: ${stderr}; stdout: ${JSON.stringify(lines)}`)));
    setTimeout(() => reject(new Error('server did not print its listening line within 20 s')), 20_000).unref();
  });
  const ports = await listening;
  return {
    proc,
    ports,
    dataDir,
    lines,
    stderr: () => stderr,
    url: (p) => `http://127.0.0.1:${ports.rest}${p}`,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await exited;
      if (!o.keepData && !o.dataDir) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Polls `GET /ready` until 200 (shards recovered) or the deadline. */
export async function waitReady(s: ServerProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(s.url('/ready'));
      if (r.status === 200) return;
    } catch {
      /* not accepting yet */
    }
    if (Date.now() > deadline) throw new Error('server not ready in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
