/**
 * Row → partition: a stable hash of the shard-key value, modulo the partition count fixed when
 * the database was created (src/coordinator/partition-meta.ts).
 *
 * The hash is over a canonical form of the value, so values SQLite compares as equal land
 * together: an INTEGER and a REAL with the same exact integer value (1 and 1.0, -0.0 and 0)
 * hash alike. The caller applies the shard-key column's affinity first, as an equality
 * comparison with that column would ('1' into an INTEGER column is the integer 1).
 *
 * IMPORTANT: this function decides where every row of every database lives. Changing it (or
 * the canonical form) re-partitions nothing and makes existing rows unreachable by key: it is
 * part of the on-disk format. FNV-1a (32-bit) over the canonical text, chosen for being simple
 * to restate exactly in any language; it is not a bottleneck next to a ring round trip.
 */
import type { Value } from '../storage/api.js';

const I64_LIMIT = 2 ** 63;

/** The canonical text of a value for hashing: equal-comparing numbers give equal texts. */
export function canonicalKey(v: Value): string {
  if (v === null) return 'n';
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < I64_LIMIT) return `i${BigInt(v)}`;
    return `r${v}`;
  }
  if (typeof v === 'string') return `t${v}`;
  return `b${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), 0x01000193);
    h = Math.imul(h ^ (c >>> 8), 0x01000193);
  }
  return h >>> 0;
}

/** The partition (0 … partitions-1) that owns rows whose shard key is `v`. */
export function partitionOf(v: Value, partitions: number): number {
  if (partitions <= 1) return 0;
  return fnv1a(canonicalKey(v)) % partitions;
}
