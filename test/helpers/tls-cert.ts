/**
 * Test helper: a fresh self-signed certificate for 127.0.0.1/localhost, made with the `openssl`
 * command (Debian package `openssl`; `.ci/run` installs it). Node can parse certificates but not
 * issue them, hence the command.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCert {
  dir: string;
  certPath: string;
  keyPath: string;
  /** The certificate's PEM, which is also its own CA (self-signed). */
  cert: Buffer;
}

export function makeSelfSignedCert(dir = mkdtempSync(path.join(tmpdir(), 'heliosdb-tls-'))): TestCert {
  const certPath = path.join(dir, 'server.crt');
  const keyPath = path.join(dir, 'server.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { dir, certPath, keyPath, cert: readFileSync(certPath) };
}
