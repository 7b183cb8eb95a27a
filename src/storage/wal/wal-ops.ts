/**
 * The operations a WAL record carries: logical row writes plus the physical index entries they
 * produced (so recovery never has to evaluate a partial index's predicate), and DDL.
 * The same primitives form each transaction's undo log (in memory, inverted).
 *
 * ```
 * CREATE_TABLE 01 u32 id · u16 n · n × u8 kind
 * DROP_TABLE   02 u32 id
 * CREATE_INDEX 03 u32 id · u32 table · u8 unique · u8 partial · u16 n · n × (u16 column · u8 desc · u8 collation)
 * DROP_INDEX   04 u32 id
 * ROW_PUT      05 u32 table · i64 rowid · u16 n · n × cell (cell-codec; tag 0 = NULL)
 * ROW_DEL      06 u32 table · i64 rowid
 * IDX_PUT      07 u32 index · u32 len · entry bytes
 * IDX_DEL      08 u32 index · u32 len · entry bytes
 * ```
 */
import { HeliosError } from '../../errors.js';
import type { Collation, ColumnKind, IndexKeyPart, Row, Value } from '../api.js';
import { TAG_BLOB, TAG_INT, TAG_NULL, TAG_REAL, TAG_TEXT, decodeText } from '../btree/cell-codec.js';

export type Op =
  | { k: 'createTable'; id: number; columns: ColumnKind[] }
  | { k: 'dropTable'; id: number }
  | { k: 'createIndex'; id: number; table: number; parts: IndexKeyPart[]; unique: boolean; partial: boolean }
  | { k: 'dropIndex'; id: number }
  | { k: 'rowPut'; table: number; rowid: bigint; row: Row }
  | { k: 'rowDel'; table: number; rowid: bigint }
  | { k: 'idxPut'; index: number; entry: Uint8Array }
  | { k: 'idxDel'; index: number; entry: Uint8Array };

const KINDS: ColumnKind[] = ['integer', 'real', 'text', 'blob', 'any'];
const COLLS: Collation[] = ['binary', 'nocase', 'rtrim'];

export class ByteWriter {
  buf: Buffer;
  dv: DataView;
  len = 0;
  constructor(size = 256) {
    this.buf = Buffer.alloc(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.len, v, true);
    this.len += 4;
  }
  i64(v: bigint): void {
    this.ensure(8);
    this.dv.setBigInt64(this.len, v, true);
    this.len += 8;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.dv.setBigUint64(this.len, v, true);
    this.len += 8;
  }
  f64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.len, v, true);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  value(v: Value): void {
    if (v === null) this.u8(TAG_NULL);
    else if (typeof v === 'bigint') {
      this.u8(TAG_INT);
      this.i64(v);
    } else if (typeof v === 'number') {
      this.u8(TAG_REAL);
      this.f64(v);
    } else if (typeof v === 'string') {
      // encode in place: at most 3 bytes per UTF-16 unit
      this.ensure(5 + 3 * v.length);
      this.buf[this.len] = TAG_TEXT;
      const written = this.buf.write(v, this.len + 5, 'utf8');
      this.dv.setUint32(this.len + 1, written, true);
      this.len += 5 + written;
    } else {
      this.u8(TAG_BLOB);
      this.u32(v.length);
      this.bytes(v);
    }
  }
}

/** ROW_PUT without building an {@link Op} (the insert hot path). */
export function writeRowPut(w: ByteWriter, table: number, rowid: bigint, row: readonly Value[]): void {
  w.u8(5);
  w.u32(table);
  w.i64(rowid);
  w.u16(row.length);
  for (let i = 0; i < row.length; i++) w.value(row[i]!);
}

export function writeRowDel(w: ByteWriter, table: number, rowid: bigint): void {
  w.u8(6);
  w.u32(table);
  w.i64(rowid);
}

export function writeOp(w: ByteWriter, op: Op): void {
  switch (op.k) {
    case 'createTable':
      w.u8(1);
      w.u32(op.id);
      w.u16(op.columns.length);
      for (const c of op.columns) w.u8(KINDS.indexOf(c));
      return;
    case 'dropTable':
      w.u8(2);
      w.u32(op.id);
      return;
    case 'createIndex':
      w.u8(3);
      w.u32(op.id);
      w.u32(op.table);
      w.u8(op.unique ? 1 : 0);
      w.u8(op.partial ? 1 : 0);
      w.u16(op.parts.length);
      for (const p of op.parts) {
        w.u16(p.column);
        w.u8(p.desc ? 1 : 0);
        w.u8(COLLS.indexOf(p.collation));
      }
      return;
    case 'dropIndex':
      w.u8(4);
      w.u32(op.id);
      return;
    case 'rowPut':
      w.u8(5);
      w.u32(op.table);
      w.i64(op.rowid);
      w.u16(op.row.length);
      for (const v of op.row) w.value(v);
      return;
    case 'rowDel':
      w.u8(6);
      w.u32(op.table);
      w.i64(op.rowid);
      return;
    case 'idxPut':
    case 'idxDel':
      w.u8(op.k === 'idxPut' ? 7 : 8);
      w.u32(op.index);
      w.u32(op.entry.length);
      w.bytes(op.entry);
      return;
  }
}

export class ByteReader {
  readonly dv: DataView;
  constructor(readonly buf: Uint8Array, public pos: number, readonly end: number) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.end) throw new HeliosError('INTERNAL', 'WAL record body is shorter than its operations say');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.dv.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    // A copy, as a plain Uint8Array: the source may be a reused Buffer (whose slice is a view).
    const b = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }
  value(): Value {
    const tag = this.u8();
    switch (tag) {
      case TAG_NULL:
        return null;
      case TAG_INT:
        return this.i64();
      case TAG_REAL: {
        this.need(8);
        const v = this.dv.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case TAG_TEXT:
        return decodeText(this.bytes(this.u32()));
      case TAG_BLOB:
        return this.bytes(this.u32());
      default:
        throw new HeliosError('INTERNAL', `WAL record holds an unknown value tag ${tag}`);
    }
  }
}

export function readOp(r: ByteReader): Op {
  const k = r.u8();
  switch (k) {
    case 1: {
      const id = r.u32();
      const n = r.u16();
      const columns: ColumnKind[] = [];
      for (let i = 0; i < n; i++) columns.push(KINDS[r.u8()] ?? 'any');
      return { k: 'createTable', id, columns };
    }
    case 2:
      return { k: 'dropTable', id: r.u32() };
    case 3: {
      const id = r.u32();
      const table = r.u32();
      const unique = r.u8() === 1;
      const partial = r.u8() === 1;
      const n = r.u16();
      const parts: IndexKeyPart[] = [];
      for (let i = 0; i < n; i++) parts.push({ column: r.u16(), desc: r.u8() === 1, collation: COLLS[r.u8()] ?? 'binary' });
      return { k: 'createIndex', id, table, parts, unique, partial };
    }
    case 4:
      return { k: 'dropIndex', id: r.u32() };
    case 5: {
      const table = r.u32();
      const rowid = r.i64();
      const n = r.u16();
      const row: Value[] = [];
      for (let i = 0; i < n; i++) row.push(r.value());
      return { k: 'rowPut', table, rowid, row };
    }
    case 6:
      return { k: 'rowDel', table: r.u32(), rowid: r.i64() };
    case 7:
    case 8: {
      const index = r.u32();
      const entry = r.bytes(r.u32());
      return { k: k === 7 ? 'idxPut' : 'idxDel', index, entry };
    }
    default:
      throw new HeliosError('INTERNAL', `WAL record holds an unknown operation ${k}`);
  }
}
