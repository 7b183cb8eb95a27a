/**
 * Encode once for a concatenated fan-out: each partition writes its part of the response body
 * (its rows, already in the caller's wire format) and the coordinator splices the parts under
 * one header — the bytes {@link resultToJson} / {@link encodeExecuteResponse} would give for the
 * combined result, without the rows ever being decoded in the main thread.
 *
 * A part is: u32 length of a small JSON header (columns, rows affected, last insert id — the
 * fields the splice needs), the header, then the rows: for `json` the row arrays joined by
 * commas (what goes between `"rows":[` and `]`), for `proto` the repeated `rows` fields of an
 * ExecuteResponse (protobuf fields concatenate, so the parts' bytes simply follow each other).
 */
import type { Value } from '../storage/api.js';
import type { ExecResult } from '../sql/index.js';
import { HeliosError } from '../errors.js';
import { encodeRowsOnly, encodeResultTrailer, encodeColumnsOnly } from './grpc-codec.js';
import { rowsToJson, valueToJson } from './json-codec.js';

export type PartFormat = 'json' | 'proto';

interface PartHeader {
  readonly columns: readonly string[];
  readonly rowsAffected: number;
  /** As a decimal string (JSON has no bigint), or null. */
  readonly lastInsertId: string | null;
}

const utf8 = new TextEncoder();

/** One partition's part of the body, in `format`. */
export function encodeResultPart(r: ExecResult, format: PartFormat): Uint8Array {
  const header = utf8.encode(JSON.stringify({ columns: r.columns, rowsAffected: r.rowsAffected, lastInsertId: r.lastInsertId === null ? null : r.lastInsertId.toString() } satisfies PartHeader));
  const rows = format === 'json' ? utf8.encode(rowsToJson(r.rows)) : encodeRowsOnly(r.rows);
  const out = new Uint8Array(4 + header.length + rows.length);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  out.set(rows, 4 + header.length);
  return out;
}

/**
 * The whole response body from the partitions' parts, in partition order: columns of the first,
 * rows concatenated, rows affected summed, the last non-null insert id (as the router's
 * `combine` does with values).
 */
export function spliceResultParts(parts: readonly Uint8Array[], format: PartFormat): Uint8Array {
  if (parts.length === 0) throw new HeliosError('INTERNAL', 'result parts: none to splice');
  let columns: readonly string[] = [];
  let rowsAffected = 0;
  let lastInsertId: bigint | null = null;
  const bodies: Uint8Array[] = [];
  parts.forEach((part, i) => {
    const view = new DataView(part.buffer, part.byteOffset, part.byteLength);
    const n = part.byteLength >= 4 ? view.getUint32(0, true) : -1;
    if (n < 0 || 4 + n > part.byteLength) throw new HeliosError('INTERNAL', `result parts: part ${i} is truncated`);
    const h = JSON.parse(Buffer.from(part.buffer, part.byteOffset + 4, n).toString('utf8')) as PartHeader;
    if (i === 0) columns = h.columns;
    rowsAffected += h.rowsAffected;
    if (h.lastInsertId !== null) lastInsertId = BigInt(h.lastInsertId);
    const body = part.subarray(4 + n);
    if (body.byteLength > 0) bodies.push(body);
  });
  if (format === 'proto') return concat([encodeColumnsOnly(columns), ...bodies, encodeResultTrailer(rowsAffected, lastInsertId)]);
  const last = lastInsertId === null ? 'null' : valueToJson(lastInsertId as Value);
  const comma = utf8.encode(',');
  const joined: Uint8Array[] = [];
  bodies.forEach((b, i) => joined.push(...(i ? [comma, b] : [b])));
  return concat([utf8.encode(`{"columns":${JSON.stringify(columns)},"rows":[`), ...joined, utf8.encode(`],"rows_affected":${rowsAffected},"last_insert_id":${last}}`)]);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const out = Buffer.allocUnsafe(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
