/**
 * The data directory lock: one owner at a time, in this process or another; a LOCK left by a
 * dead process (or by an earlier life of our own pid) is taken over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDataDir } from '../../src/storage/index.js';

const dirLockModule = fileURLToPath(new URL('../../src/storage/io/dir-lock.js', import.meta.url));

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-lock-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a second open in the same process is refused until the first releases', withDir((dir) => {
  const lock = lockDataDir(dir);
  assert.equal(readFileSync(lock.file, 'utf8').trim(), String(process.pid));
  assert.throws(() => lockDataDir(dir), (e: Error & { code?: string }) => e.code === 'UNAVAILABLE' && /already open in this process/.test(e.message));
  lock.release();
  lock.release(); // idempotent
  assert.equal(existsSync(lock.file), false, 'release removes the LOCK');
  lockDataDir(dir).release();
}));

test('a directory locked by another live process is refused, naming the process and the file', withDir(async (dir) => {
  const script = `import(${JSON.stringify(dirLockModule)}).then((m) => { m.lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setTimeout(() => {}, 60000); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => (d.toString().includes('locked') ? resolve() : undefined));
      child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
    assert.throws(
      () => lockDataDir(dir),
      (e: Error & { code?: string }) => e.code === 'UNAVAILABLE' && e.message.includes(`in use by process ${child.pid}`) && e.message.includes(path.join(dir, 'LOCK')),
    );
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // Its owner was killed: the LOCK it left is stale and taken over.
  const lock = lockDataDir(dir);
  assert.equal(readFileSync(lock.file, 'utf8').trim(), String(process.pid));
  lock.release();
}));

test('a stale LOCK (dead pid, or our own pid from an earlier life) is taken over', withDir((dir) => {
  const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
  writeFileSync(path.join(dir, 'LOCK'), `${dead}\n`);
  lockDataDir(dir).release();
  writeFileSync(path.join(dir, 'LOCK'), `${process.pid}\n`); // a container restarting as the same pid
  lockDataDir(dir).release();
  writeFileSync(path.join(dir, 'LOCK'), 'garbage');
  lockDataDir(dir).release();
}));
