/**
 * FrameHeader ⇄ FlatBuffers bytes (schema: proto/ring/frame-header.fbs; generated reader and
 * builder: `frame-header-generated.ts`, regenerate with `npm run gen:ring`).
 *
 * Why not call the generated Builder per frame: it costs ~220 ns per header (vtable search,
 * bigint default comparison, growth checks), while the whole round trip budget is ~1 µs. Every
 * header has the same six scalar fields, so with `forceDefaults` the Builder always emits the
 * same bytes except for the field values. {@link HeaderEncoder} asks the real Builder for that
 * layout once (a template), then per frame copies the template's words and stores the six
 * values at the offsets the generated reader found in it. The result is byte-for-byte the
 * Builder's output (test/ring/header-codec.test.ts checks it), so any FlatBuffers reader reads
 * it. {@link HeaderDecoder} reads fields directly when a header has the template's shape
 * (root offset and vtable identical) and falls back to the generated accessors for any other
 * valid FlatBuffer (e.g. one written without forceDefaults, which omits zero fields).
 */
import * as flatbuffers from 'flatbuffers';
import { HeliosError } from '../errors.js';
import { FrameHeader as FbFrameHeader } from './frame-header-generated.js';
import type { FrameHeader } from './types.js';

const U32 = 0xffff_ffff;
const U16 = 0xffff;
const U64 = (1n << 64n) - 1n;

/** The largest encoded header the ring accepts (the template is 48 bytes). */
export const MAX_HEADER_BYTES = 64;

/**
 * Checks the header's ranges so the encoder never truncates silently. A bad value is a bug in
 * the caller (the shard protocol owns these numbers), hence INTERNAL with the field named.
 */
export function checkHeader(h: FrameHeader, payload: Uint8Array): void {
  if (!isU(h.requestId, U32)) throw badField('requestId', h.requestId, 'u32');
  if (!isU(h.kind, U16)) throw badField('kind', h.kind, 'u16');
  if (!isU(h.flags, U16)) throw badField('flags', h.flags, 'u16');
  if (!isU(h.statementId, U32)) throw badField('statementId', h.statementId, 'u32');
  if (typeof h.txnId !== 'bigint' || h.txnId < 0n || h.txnId > U64) throw badField('txnId', h.txnId, 'u64 bigint');
  if (!(payload instanceof Uint8Array)) {
    throw new HeliosError('INTERNAL', 'ring frame: payload must be a Uint8Array');
  }
  if (payload.length > U32) {
    throw new HeliosError('INTERNAL', `ring frame: payload of ${payload.length} bytes exceeds the u32 length field`);
  }
}

const isU = (v: unknown, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

const badField = (name: string, v: unknown, type: string): HeliosError =>
  new HeliosError('INTERNAL', `ring frame header: ${name} = ${String(v)} is not a ${type}`);

/** The generated Builder path: the reference encoding (a fresh copy of the bytes). */
export function encodeWithBuilder(
  b: flatbuffers.Builder, h: FrameHeader, payloadLength: number, forceDefaults: boolean,
): Uint8Array {
  b.clear();
  b.forceDefaults(forceDefaults);
  FbFrameHeader.startFrameHeader(b);
  FbFrameHeader.addRequestId(b, h.requestId);
  FbFrameHeader.addKind(b, h.kind);
  FbFrameHeader.addFlags(b, h.flags);
  FbFrameHeader.addTxnId(b, h.txnId);
  FbFrameHeader.addStatementId(b, h.statementId);
  FbFrameHeader.addPayloadLength(b, payloadLength);
  b.finish(FbFrameHeader.endFrameHeader(b));
  return b.asUint8Array().slice();
}

/** The template every fast-path header shares, and where each field sits in it. */
interface Layout {
  words: Uint32Array;
  byteLength: number;
  requestId: number; kind: number; flags: number; txnId: number; statementId: number; payloadLength: number;
}

function makeLayout(): Layout {
  const bytes = encodeWithBuilder(new flatbuffers.Builder(128), { requestId: 0, kind: 0, txnId: 0n, statementId: 0, flags: 0 }, 0, true);
  const bb = new flatbuffers.ByteBuffer(bytes);
  const table = bb.readInt32(0);
  // The generated accessors read field N through vtable slot 4 + 2N; ask the buffer the same.
  const at = (slot: number): number => {
    const o = bb.__offset(table, slot);
    if (o === 0) throw new HeliosError('INTERNAL', `FrameHeader template lacks vtable slot ${slot}`);
    return table + o;
  };
  const layout: Layout = {
    words: new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2),
    byteLength: bytes.length,
    requestId: at(4), kind: at(6), flags: at(8), txnId: at(10), statementId: at(12), payloadLength: at(14),
  };
  if (bytes.length % 8 !== 0 || bytes.length > MAX_HEADER_BYTES || layout.txnId % 8 !== 0) {
    throw new HeliosError('INTERNAL', `FrameHeader template of ${bytes.length} bytes is not 8-aligned`);
  }
  return layout;
}

const LAYOUT = makeLayout();

/** Writes headers straight into a ring's data area (no intermediate buffer). */
export class HeaderEncoder {
  /** Bytes every header takes (a multiple of 8). */
  readonly byteLength = LAYOUT.byteLength;

  /**
   * Writes `h` at `off` (8-aligned) of the data area whose views are `words` and `view`.
   * Little-endian stores, as FlatBuffers requires on any host.
   */
  encodeInto(words: Uint32Array, view: DataView, off: number, h: FrameHeader, payloadLength: number): void {
    const t = LAYOUT.words;
    const w = off >>> 2;
    for (let i = 0; i < t.length; i++) words[w + i] = t[i]!;
    view.setUint32(off + LAYOUT.requestId, h.requestId, true);
    view.setUint16(off + LAYOUT.kind, h.kind, true);
    view.setUint16(off + LAYOUT.flags, h.flags, true);
    view.setBigUint64(off + LAYOUT.txnId, h.txnId, true);
    view.setUint32(off + LAYOUT.statementId, h.statementId, true);
    view.setUint32(off + LAYOUT.payloadLength, payloadLength, true);
  }
}

/** Reads headers in place from a ring's data area. */
export class HeaderDecoder {
  private readonly bb: flatbuffers.ByteBuffer;
  private readonly view: DataView;
  private readonly words: Uint32Array;
  private readonly table = new FbFrameHeader();
  /** The payload length of the last decoded header. */
  payloadLength = 0;

  constructor(data: Uint8Array) {
    this.bb = new flatbuffers.ByteBuffer(data);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.words = new Uint32Array(data.buffer, data.byteOffset, data.byteLength >>> 2);
  }

  /** Decodes the `length`-byte FlatBuffer at `off` (8-aligned) in the data area. */
  decode(off: number, length: number): FrameHeader {
    if (length === LAYOUT.byteLength && this.hasTemplateShape(off)) {
      const v = this.view;
      this.payloadLength = v.getUint32(off + LAYOUT.payloadLength, true);
      return {
        requestId: v.getUint32(off + LAYOUT.requestId, true),
        kind: v.getUint16(off + LAYOUT.kind, true),
        txnId: v.getBigUint64(off + LAYOUT.txnId, true),
        statementId: v.getUint32(off + LAYOUT.statementId, true),
        flags: v.getUint16(off + LAYOUT.flags, true),
      };
    }
    this.bb.setPosition(off);
    const t = FbFrameHeader.getRootAsFrameHeader(this.bb, this.table);
    this.payloadLength = t.payloadLength();
    return { requestId: t.requestId(), kind: t.kind(), txnId: t.txnId(), statementId: t.statementId(), flags: t.flags() };
  }

  /**
   * True when the bytes at `off` have the template's root offset, vtable and table offset,
   * i.e. every word outside the field values matches. Field words hold only values, so they
   * are skipped.
   */
  private hasTemplateShape(off: number): boolean {
    const t = LAYOUT.words;
    const w = off >>> 2;
    for (let i = 0; i < SHAPE_WORDS.length; i++) {
      const k = SHAPE_WORDS[i]!;
      if (this.words[w + k] !== t[k]) return false;
    }
    return true;
  }
}

/** Indices of template words that hold no field value (root offset, vtable, soffset, padding). */
const SHAPE_WORDS: number[] = (() => {
  const valueBytes = new Set<number>();
  const mark = (pos: number, size: number): void => { for (let i = 0; i < size; i++) valueBytes.add(pos + i); };
  mark(LAYOUT.requestId, 4); mark(LAYOUT.kind, 2); mark(LAYOUT.flags, 2);
  mark(LAYOUT.txnId, 8); mark(LAYOUT.statementId, 4); mark(LAYOUT.payloadLength, 4);
  const out: number[] = [];
  for (let k = 0; k < LAYOUT.words.length; k++) {
    if (![0, 1, 2, 3].some((i) => valueBytes.has(k * 4 + i))) out.push(k);
  }
  return out;
})();
