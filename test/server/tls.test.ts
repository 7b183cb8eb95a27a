/**
 * `[api.tls]`: the spawned server speaks TLS on both ports with a certificate made for the test
 * (openssl, self-signed). A grpc-js client trusting that certificate and an HTTPS request both
 * succeed; plaintext to either TLS port gets no answer; a bad certificate path or a file that is
 * not a certificate is a configuration error naming the key, exit 2, before any port opens.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { runCli, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { makeSelfSignedCert, type TestCert } from '../helpers/tls-cert.js';
import { databaseClient, unary, unaryError } from '../library/grpc-helpers.js';

interface Reply {
  status: number;
  body: string;
}

function request(mod: typeof http | typeof https, port: number, path: string, opts: https.RequestOptions = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', agent: false, headers: body === undefined ? {} : { 'content-type': 'application/json' }, timeout: 5000, ...opts }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('TLS on REST and gRPC', () => {
  let cert: TestCert;
  let s: ServerProcess;
  before(async () => {
    cert = makeSelfSignedCert();
    s = await spawnServer({ workerThreads: 1, toml: `[api.tls]\nenabled = true\ncert_path = "${cert.certPath}"\nkey_path = "${cert.keyPath}"\n` });
    // Ready over HTTPS (the helper's waitReady speaks plain HTTP).
    const deadline = Date.now() + 20_000;
    while ((await request(https, s.ports.rest, '/ready', { ca: cert.cert }).catch(() => ({ status: 0 }))).status !== 200) {
      if (Date.now() > deadline) throw new Error('not ready over HTTPS');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

  test('HTTPS with the CA succeeds; the certificate is checked (no CA → rejected)', async () => {
    const r = await request(https, s.ports.rest, '/v1/sql', { ca: cert.cert }, JSON.stringify({ sql: 'SELECT 40 + 2 AS answer' }));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { columns: ['answer'], rows: [[42]], rows_affected: 0, last_insert_id: null });
    await assert.rejects(request(https, s.ports.rest, '/health'), /self-signed|self signed/);
  });

  test('gRPC with the CA succeeds', async () => {
    const client = databaseClient(`127.0.0.1:${s.ports.grpc}`, grpc.credentials.createSsl(cert.cert), { 'grpc.ssl_target_name_override': 'localhost' });
    try {
      const r = await unary(client, 'Execute', { sql: 'SELECT 7 AS n' });
      assert.deepEqual(r['columns'], ['n']);
    } finally {
      client.close();
    }
  });

  test('plaintext to the TLS ports fails', async () => {
    await assert.rejects(request(http, s.ports.rest, '/health'));
    const plain = databaseClient(`127.0.0.1:${s.ports.grpc}`);
    try {
      const e = await unaryError(plain, 'Execute', { sql: 'SELECT 1' }, 3000);
      assert.ok(e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED, `got ${e.code} ${e.details}`);
    } finally {
      plain.close();
    }
  });

  // Last: shuts the server down.
  test('clients stuck before the TLS handshake do not hold up a clean shutdown', async () => {
    const stuck = [s.ports.rest, s.ports.grpc].map((port) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.on('error', () => undefined);
      return sock;
    });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    assert.equal(await s.stop(), 0);
    assert.ok(Date.now() - t0 < 8000, `shutdown took ${Date.now() - t0} ms`);
    for (const sock of stuck) sock.destroy();
  });
});

describe('TLS configuration errors', () => {
  test('a missing certificate or a file that is not one: exit 2 naming the key, no port opened', async () => {
    const cert = makeSelfSignedCert();
    try {
      const missing = join(cert.dir, 'missing.crt');
      const file = join(cert.dir, 'c.toml');
      writeFileSync(file, `[api]\nrest_port = 0\ngrpc_port = 0\n[api.tls]\nenabled = true\ncert_path = "${missing}"\nkey_path = "${cert.keyPath}"\n`);
      const r = await runCli(['serve', '--config', file]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /c\.toml:6: api\.tls\.cert_path: .*missing\.crt does not exist/);
      assert.doesNotMatch(r.stdout, /listening/);

      writeFileSync(file, `[api.tls]\nenabled = true\ncert_path = "${cert.keyPath}"\nkey_path = "${cert.keyPath}"\n`);
      const notCert = await runCli(['serve', '--config', file]);
      assert.equal(notCert.code, 2, notCert.stderr);
      assert.match(notCert.stderr, /api\.tls\.cert_path: expected a PEM certificate/);
    } finally {
      rmSync(cert.dir, { recursive: true, force: true });
    }
  });
});
