/**
 * Bench-only: gRPC servers with none of HeliosDB-Lite's code, answering each unary call with
 * fixed reply bytes captured from ours — what the gRPC stack alone costs on this machine.
 *
 *   node dist/bench/api/bare-grpc-server.js grpc-js REPLIES.json
 *       @grpc/grpc-js with one passthrough handler per path: no metrics, no deadline or
 *       cancellation bookkeeping, no src/net — the floor under any grpc-js server.
 *   node dist/bench/api/bare-grpc-server.js http2 REPLIES.json
 *       node:http2 writing the gRPC frame and trailers by hand, no grpc-js at all: the floor under
 *       any gRPC server in Node (it checks nothing a real server must: deadlines, sizes, codecs).
 *
 * REPLIES.json maps a path (`/heliosdb.v1.Database/Execute`) to its reply message, base64.
 * Prints `{"msg":"listening","rest":0,"grpc":PORT}` like the other bench servers; stops on SIGTERM.
 */
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';

const [kind, file] = process.argv.slice(2);
if ((kind !== 'grpc-js' && kind !== 'http2') || !file) {
  process.stderr.write('usage: bare-grpc-server.js grpc-js|http2 REPLIES.json\n');
  process.exit(2);
}
const replies = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>).map(([path, b64]) => [path, Buffer.from(b64, 'base64')]));
const listening = (port: number): void => void process.stdout.write(`${JSON.stringify({ msg: 'listening', rest: 0, grpc: port })}\n`);

if (kind === 'grpc-js') {
  const server = new grpc.Server();
  const bytes = (b: Buffer): Buffer => b;
  for (const [path, reply] of replies) {
    const method = { path, requestStream: false, responseStream: false, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes };
    server.addService({ [path]: method }, { [path]: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, reply) });
  }
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    listening(port);
  });
  process.once('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
} else {
  const framed = new Map([...replies].map(([path, msg]) => {
    const f = Buffer.alloc(5 + msg.length);
    f.writeUInt32BE(msg.length, 1);
    msg.copy(f, 5);
    return [path, f];
  }));
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const reply = framed.get(String(headers[':path']));
    stream.on('data', () => {});
    stream.on('end', () => {
      if (reply === undefined) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(reply);
    });
  });
  server.listen(0, '127.0.0.1', () => listening((server.address() as AddressInfo).port));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
