/**
 * The gRPC listening socket, owned here rather than by grpc-js so that `max_connections` can be
 * enforced at accept: a plain `net.Server` accepts each TCP connection, asks the shared
 * {@link ConnectionGate}, and hands it either to grpc-js (through its public
 * `createConnectionInjector`, which runs TLS and HTTP/2 exactly as `bindAsync` would) or to a
 * small HTTP/2 "refusal" server that answers every call on it with RESOURCE_EXHAUSTED (the
 * contract's status for "overloaded") and then closes the connection with GOAWAY.
 *
 * Why not just close the socket: a gRPC client would see a bare connection failure and retry in a
 * tight loop; a status with a message tells its user what happened. Refused connections are
 * bounded (each is destroyed after {@link REFUSAL_LINGER_MS}) and counted by the gate until
 * they close, so a flood of them cannot grow without bound.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import type { ConnectionGate } from './connection-gate.js';
import { refusalMessage } from './connection-gate.js';

export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

export interface GrpcListenOptions {
  host: string;
  port: number;
  tls?: TlsFiles;
  gate?: ConnectionGate;
}

/** How long a refused connection may stay open (to read its status) before it is destroyed. */
export const REFUSAL_LINGER_MS = 2000;

export interface GrpcListener {
  readonly port: number;
  /**
   * Stops accepting. Resolves once every accepted connection has closed: the caller shuts the
   * grpc-js server down (which ends the admitted ones) at the same time, then calls
   * {@link destroyRemaining} for sockets grpc-js does not know yet (a TLS handshake never finished).
   */
  close(): Promise<void>;
  /** Destroys every accepted socket still open (the end of a shutdown's grace period). */
  destroyRemaining(): void;
}

export async function listenGrpc(server: grpc.Server, o: GrpcListenOptions): Promise<GrpcListener> {
  const tls = o.tls ? { cert: readFileSync(o.tls.certPath), key: readFileSync(o.tls.keyPath) } : undefined;
  const creds = tls ? grpc.ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }], false) : grpc.ServerCredentials.createInsecure();
  const injector = server.createConnectionInjector(creds);
  const refusal = o.gate ? refusalServer(o.gate.limit, tls) : null;
  const gate = o.gate;

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    socket.on('error', () => undefined); // resets from clients are theirs; the session reports the rest
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (!gate) {
      injector.injectConnection(socket);
      return;
    }
    const admitted = gate.opened();
    socket.once('close', () => gate.closed());
    if (admitted) injector.injectConnection(socket);
    else {
      setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
      refusal!.emit('connection', socket);
    }
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(o.port, o.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  tcp.on('error', () => undefined); // accept errors (EMFILE) are transient; the server keeps listening
  const addr = tcp.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        refusal?.close();
      }),
    destroyRemaining: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** An HTTP/2 server (TLS when the listener is) that refuses every gRPC call, then says GOAWAY. */
function refusalServer(limit: number, tls: { cert: Buffer; key: Buffer } | undefined): http2.Http2Server | http2.Http2SecureServer {
  const message = refusalMessage(limit);
  const s = tls ? http2.createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: false }) : http2.createServer();
  s.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(grpc.status.RESOURCE_EXHAUSTED),
        'grpc-message': grpcMessage(message),
      },
      { endStream: true },
    );
    stream.session?.close();
  });
  s.on('sessionError', () => undefined);
  s.on('tlsClientError', () => undefined);
  return s;
}

/** The gRPC spec's percent-encoding for grpc-message: only '%' and bytes outside 0x20–0x7E. */
function grpcMessage(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += b < 0x20 || b > 0x7e || b === 0x25 ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  return out;
}
