/**
 * Test helpers for gRPC over the library's listeners: a client of the built-in
 * `heliosdb.v1.Database` service and a small user service (`demo.Greeter`) defined from proto
 * text, the way a library user would bring their own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));
const LOADER: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [PROTO_DIR] };

export type Msg = Record<string, unknown>;
type Unary = (req: Msg, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Msg) => void) => void;

export function unary(client: grpc.Client, rpc: string, req: Msg, deadlineMs = 10_000): Promise<Msg> {
  return new Promise((resolve, reject) =>
    ((client as unknown as Record<string, Unary>)[rpc]!).call(client, req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (e, v) => (e ? reject(e) : resolve(v))),
  );
}

export async function unaryError(client: grpc.Client, rpc: string, req: Msg, deadlineMs?: number): Promise<grpc.ServiceError> {
  try {
    await unary(client, rpc, req, deadlineMs);
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error(`${rpc} should have failed`);
}

export function databaseClient(address: string, creds = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): grpc.Client {
  const def = protoLoader.loadSync('heliosdb/v1/database.proto', LOADER);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { heliosdb: { v1: { Database: grpc.ServiceClientConstructor } } };
  return new pkg.heliosdb.v1.Database(address, creds, options);
}

const GREETER_PROTO = `syntax = "proto3";
package demo;
service Greeter {
  rpc Hello(HelloRequest) returns (HelloReply);
  rpc Count(CountRequest) returns (stream CountReply);
}
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; int64 orders = 2; }
message CountRequest { int32 upto = 1; int32 delay_ms = 2; }
message CountReply { int32 n = 1; }
`;

/** The user service's package definition (written to a temp .proto, as a user's file would be). */
export function greeterDefinition(): protoLoader.PackageDefinition {
  const dir = mkdtempSync(join(tmpdir(), 'heliosdb-proto-'));
  try {
    writeFileSync(join(dir, 'greeter.proto'), GREETER_PROTO);
    return protoLoader.loadSync('greeter.proto', { ...LOADER, includeDirs: [dir] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function greeterClient(address: string, creds = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): grpc.Client {
  const pkg = grpc.loadPackageDefinition(greeterDefinition()) as unknown as { demo: { Greeter: grpc.ServiceClientConstructor } };
  return new pkg.demo.Greeter(address, creds, options);
}
