/**
 * Opaque page tokens for List (AIP-158). A token carries the sort key of the last row returned
 * (keyset pagination, see keyset.ts) and a digest of the query it belongs to, and is signed:
 *
 *     base64url(JSON {"v":1,"q":<query digest>,"k":[<key values>]}) "." base64url(HMAC-SHA256[0..16))
 *
 * The HMAC key is the server's ({@link PageTokens}); a token that was altered, truncated, signed
 * by another key, or replayed with a different filter or order_by is INVALID_ARGUMENT
 * (BAD_REQUEST). Tokens do not expire; a key made per process (the default) makes them die with
 * the process, a configured key keeps them valid across restarts.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../../errors.js';
import type { ApiValue } from './types.js';

const MAC_BYTES = 16;

type Encoded = null | { i: string } | { r: number | string } | { t: string } | { b: string };

function encodeValue(v: ApiValue): Encoded {
  if (v === null) return null;
  if (typeof v === 'bigint') return { i: v.toString() };
  if (typeof v === 'number') return { r: Number.isFinite(v) ? v : String(v) };
  if (typeof v === 'string') return { t: v };
  return { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
}

function decodeValue(e: unknown): ApiValue {
  if (e === null) return null;
  if (typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (typeof o['i'] === 'string' && /^-?\d+$/.test(o['i'])) return BigInt(o['i']);
    if (typeof o['r'] === 'number') return o['r'];
    if (o['r'] === 'Infinity' || o['r'] === '-Infinity' || o['r'] === 'NaN') return Number(o['r']);
    if (typeof o['t'] === 'string') return o['t'];
    if (typeof o['b'] === 'string') return new Uint8Array(Buffer.from(o['b'], 'base64'));
  }
  throw badRequest('page_token is malformed');
}

/** A digest that ties a token to the query it continues (everything but page_size). */
export function queryDigest(parts: unknown): string {
  const json = JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
  return createHash('sha256').update(json).digest('base64url').slice(0, 16);
}

export class PageTokens {
  private readonly key: Buffer;

  /** `key`: the HMAC key; random per process when omitted. */
  constructor(key?: Uint8Array) {
    this.key = key ? Buffer.from(key) : randomBytes(32);
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, MAC_BYTES);
  }

  encode(digest: string, key: readonly ApiValue[]): string {
    const payload = Buffer.from(JSON.stringify({ v: 1, q: digest, k: key.map(encodeValue) })).toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  /** The key values of a token made by {@link encode} for the same query digest. */
  decode(token: string, digest: string, keyLength: number): ApiValue[] {
    const dot = token.indexOf('.');
    const payload = dot < 0 ? '' : token.slice(0, dot);
    const sig = Buffer.from(dot < 0 ? '' : token.slice(dot + 1), 'base64url');
    const want = this.mac(payload);
    if (payload === '' || sig.length !== want.length || !timingSafeEqual(sig, want)) {
      throw badRequest('page_token is not valid: it was not issued by this server or was modified');
    }
    let body: { v?: unknown; q?: unknown; k?: unknown };
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof body;
    } catch {
      throw badRequest('page_token is malformed');
    }
    if (body.v !== 1 || !Array.isArray(body.k)) throw badRequest('page_token is malformed');
    if (body.q !== digest) throw badRequest('page_token belongs to a different query: keep filters and order_by unchanged between pages');
    if (body.k.length !== keyLength) throw badRequest('page_token is malformed');
    return body.k.map(decodeValue);
  }
}
