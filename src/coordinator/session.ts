/**
 * One gRPC `Session` stream (proto/heliosdb/v1/database.proto): requests are handled strictly
 * in arrival order, each answered with a response carrying its `request_id`, so a client may
 * pipeline. `begin` opens an interactive transaction (interactive-txns.ts) that the following
 * `execute`s join until `commit` / `rollback`; with none open, `execute` is an auto-commit
 * statement. Errors are answered in-stream (`Error{code, message}`), never by failing the stream.
 * When the stream ends or is cancelled, {@link Session.close} rolls the open transaction back.
 *
 * After the server rolled the transaction back (a failed multi-partition statement, a deadlock,
 * a timeout, a shard restart) the session still counts it open: the pipelined statements behind
 * it fail (they must not run auto-commit), `commit` fails, and `rollback` answers ok.
 *
 *   SessionRequest  { uint64 request_id = 1; oneof op { Statement execute = 2; Begin begin = 3;
 *                     Commit commit = 4; Rollback rollback = 5; } }     Begin { uint32 timeout_ms = 1; }
 *   SessionResponse { uint64 request_id = 1; oneof result { ExecuteResponse execute = 2;
 *                     Error error = 3; bool ok = 4; } }                 Error { string code = 1; string message = 2; }
 */
import { badRequest, HeliosError, sqlError } from '../errors.js';
import { encodeExecuteResponse, readStatement, type StatementMsg } from '../shard/grpc-codec.js';
import { ProtoReader, ProtoWriter, WIRE_LEN, WIRE_VARINT } from '../shard/protobuf-wire.js';
import type { ExecResult } from '../sql/index.js';
import type { InteractiveTxns } from './interactive-txns.js';

type Op =
  | { kind: 'execute'; st: StatementMsg }
  | { kind: 'begin'; timeoutMs: number | undefined }
  | { kind: 'commit' }
  | { kind: 'rollback' };

/** What a session needs of the coordinator. */
export interface SessionHost {
  readonly txns: InteractiveTxns;
  /** One auto-commit statement, answered as an encoded ExecuteResponse. */
  autoCommit(st: StatementMsg): Promise<Uint8Array>;
}

export class Session {
  private tx: string | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly host: SessionHost) {}

  /** Handles one SessionRequest (after every earlier one); resolves to its SessionResponse. */
  handle(bytes: Uint8Array): Promise<Uint8Array> {
    const late = this.closed;
    const run = this.chain.then(() => this.answer(bytes, late));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The stream ended: roll back the open transaction (after the request in flight). */
  close(): Promise<void> {
    this.closed = true;
    const done = this.chain.then(async () => {
      const tx = this.tx;
      this.tx = null;
      if (tx !== null && this.host.txns.has(tx)) await this.host.txns.rollback(tx).catch(() => undefined);
    });
    this.chain = done;
    return done;
  }

  private async answer(bytes: Uint8Array, late: boolean): Promise<Uint8Array> {
    let id = 0n;
    try {
      const req = decodeRequest(bytes);
      id = req.id;
      if (late) throw new HeliosError('UNAVAILABLE', 'the session is closed');
      return respond(id, await this.run(req.op));
    } catch (e) {
      return respond(id, HeliosError.from(e));
    }
  }

  private async run(op: Op): Promise<Uint8Array | true> {
    const txns = this.host.txns;
    switch (op.kind) {
      case 'begin':
        if (this.tx !== null) throw sqlError('a transaction is already open in this session: commit or roll it back first');
        this.tx = txns.begin(op.timeoutMs);
        return true;
      case 'commit': {
        if (this.tx === null) throw sqlError('cannot commit - no transaction is open in this session');
        const tx = this.tx;
        this.tx = null;
        await txns.commit(tx);
        return true;
      }
      case 'rollback': {
        if (this.tx === null) throw sqlError('cannot rollback - no transaction is open in this session');
        const tx = this.tx;
        this.tx = null;
        if (txns.has(tx)) await txns.rollback(tx);
        return true; // already rolled back by the server: the client's intent holds
      }
      case 'execute':
        if (op.st.txId !== '') throw badRequest('Session: a statement carries no tx_id (the session\'s own transaction applies)');
        if (this.tx === null) return this.host.autoCommit(op.st);
        return encodeExecuteResponse(await txns.execute(this.tx, op.st) as ExecResult);
    }
  }
}

function decodeRequest(bytes: Uint8Array): { id: bigint; op: Op } {
  const r = new ProtoReader(bytes);
  let id = 0n;
  let op: Op | undefined;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_VARINT) id = r.varint64();
    else if (field === 2 && wire === WIRE_LEN) op = { kind: 'execute', st: readStatement(r.sub()) };
    else if (field === 3 && wire === WIRE_LEN) {
      const b = r.sub();
      let timeoutMs: number | undefined;
      while (!b.done) {
        const [f, w] = b.tag();
        if (f === 1 && w === WIRE_VARINT) timeoutMs = b.varint();
        else b.skip(w);
      }
      op = { kind: 'begin', timeoutMs: timeoutMs === 0 ? undefined : timeoutMs };
    } else if (field === 4 && wire === WIRE_LEN) {
      r.sub();
      op = { kind: 'commit' };
    } else if (field === 5 && wire === WIRE_LEN) {
      r.sub();
      op = { kind: 'rollback' };
    } else r.skip(wire);
  }
  if (!op) throw badRequest('SessionRequest: one of execute, begin, commit or rollback is required');
  return { id, op };
}

function respond(id: bigint, result: Uint8Array | true | HeliosError): Uint8Array {
  const w = new ProtoWriter();
  if (id !== 0n) w.int64(1, id);
  if (result === true) w.bool(4, true);
  else if (result instanceof HeliosError) {
    w.message(3, (m) => {
      m.string(1, result.code);
      m.string(2, result.message);
    });
  } else w.bytes(2, result);
  return w.finish();
}
