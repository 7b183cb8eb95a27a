/**
 * Protocol Buffers wire format, the little of it the shard needs to read `heliosdb.v1` requests
 * and write responses directly (encode once: the coordinator forwards these bytes to grpc-js
 * untouched). Varints, 64-bit fixed, length-delimited fields; no reflection, no allocation per
 * field beyond the output buffer.
 *
 * Reading is strict: a truncated varint or length, an unknown wire type, or a field that runs
 * past the end throws BAD_REQUEST ("garbage protobuf"), never a RangeError.
 */
import { badRequest } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** A growable output buffer with protobuf field writers. */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** A 64-bit two's-complement varint (int64 fields; negative numbers take 10 bytes). */
  varint64(v: bigint): void {
    this.ensure(10);
    let u = BigInt.asUintN(64, v);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int64(field: number, v: bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint64(v);
  }

  bool(field: number, v: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v ? 1 : 0);
  }

  double(field: number, v: number): void {
    this.tag(field, WIRE_I64);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(field: number, v: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  string(field: number, v: string): void {
    // Worst case 3 bytes per UTF-16 unit; encodeInto avoids an intermediate array.
    this.tag(field, WIRE_LEN);
    const max = v.length * 3;
    const lenBytes = max < 128 ? 1 : max < 16384 ? 2 : max < 2097152 ? 3 : 5;
    this.ensure(lenBytes + max);
    const start = this.pos + lenBytes;
    const { written } = textEncoder.encodeInto(v, this.buf.subarray(start));
    this.writeLengthBefore(start, lenBytes, written);
  }

  /** Writes a length-delimited sub-message produced by `body`. */
  message(field: number, body: (w: ProtoWriter) => void): void {
    this.tag(field, WIRE_LEN);
    const lenBytes = 5; // reserve, then compact
    this.ensure(lenBytes);
    const start = this.pos + lenBytes;
    this.pos = start;
    body(this);
    const len = this.pos - start;
    this.writeLengthBefore(start, lenBytes, len);
  }

  /** Puts `len` as a varint in front of `[start, start+len)`, moving the body if the varint is shorter than reserved. */
  private writeLengthBefore(start: number, reserved: number, len: number): void {
    const need = len < 128 ? 1 : len < 16384 ? 2 : len < 2097152 ? 3 : len < 268435456 ? 4 : 5;
    const at = start - reserved;
    if (need !== reserved) this.buf.copyWithin(at + need, start, start + len);
    let v = len;
    let p = at;
    for (let i = 0; i < need - 1; i++) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p++] = v;
    this.pos = p + len;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** A cursor over protobuf bytes. */
export class ProtoReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw badRequest('malformed protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw badRequest('malformed protobuf: varint longer than 10 bytes');
  }

  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw badRequest('malformed protobuf: truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    throw badRequest('malformed protobuf: varint longer than 10 bytes');
  }

  /** Reads a tag: [field number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    // A tag is a uint32. A longer varint would lose its low bits in a double and could read as
    // a valid wire type (0 or 2): a garbage message would then decode as an empty one.
    if (t > 0xffff_ffff) throw badRequest('malformed protobuf: a field tag beyond 32 bits');
    const field = Math.floor(t / 8);
    if (field === 0) throw badRequest('malformed protobuf: field number 0');
    return [field, t & 7];
  }

  double(): number {
    if (this.pos + 8 > this.end) throw badRequest('malformed protobuf: truncated double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's extent, as a sub-reader. */
  sub(): ProtoReader {
    const len = this.varint();
    if (this.pos + len > this.end) throw badRequest('malformed protobuf: length-delimited field runs past the end');
    const r = new ProtoReader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  bytes(): Uint8Array {
    const r = this.sub();
    return new Uint8Array(this.buf.subarray(r.pos, r.end)); // a plain copy, even when buf is a Buffer
  }

  string(): string {
    const r = this.sub();
    try {
      return textDecoder.decode(this.buf.subarray(r.pos, r.end));
    } catch {
      throw badRequest('malformed protobuf: a string field is not valid UTF-8');
    }
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_I64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.sub();
        return;
      case WIRE_I32:
        this.advance(4);
        return;
      default:
        throw badRequest(`malformed protobuf: unsupported wire type ${wire}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw badRequest('malformed protobuf: truncated fixed-width field');
    this.pos += n;
  }
}
