/**
 * On-disk page basics shared by every page type.
 *
 * ```
 * every page:   [0..4) crc32 of bytes [4..pageSize), seeded with the page number
 *               [4]    page type
 * header page (page 0):
 *   8  "HELIOSDB" magic          40 u64 checkpoint LSN (last WAL record in the file)
 *   16 u32 format version        48 u64 next transaction id
 *   20 u32 page size             56 u32 first catalog page (0 = none)
 *   24 u32 partition id          60 u32 catalog bytes
 *   28 u32 page count            64 u32 first free-list trunk page (0 = none)
 *   32 u32 free page count
 * ```
 * Seeding the checksum with the page number also catches a page written to the wrong place.
 */
import { crc32 } from 'node:zlib';

export const FORMAT_VERSION = 1;
export const MAGIC = 'HELIOSDB';

export const PageType = {
  HEADER: 1,
  TABLE_LEAF: 2,
  TABLE_INTERIOR: 3,
  INDEX_LEAF: 4,
  INDEX_INTERIOR: 5,
  OVERFLOW: 6,
  FREE_TRUNK: 7,
  CATALOG: 8,
} as const;

export const H = {
  MAGIC: 8,
  VERSION: 16,
  PAGE_SIZE: 20,
  PARTITION: 24,
  PAGE_COUNT: 28,
  FREE_COUNT: 32,
  CKPT_LSN: 40,
  NEXT_TXN: 48,
  CATALOG_PAGE: 56,
  CATALOG_BYTES: 60,
  FREE_TRUNK: 64,
} as const;

export function pageChecksum(page: Uint8Array, pageNo: number): number {
  return crc32(page.subarray(4), pageNo);
}

export function sealPage(page: Uint8Array, pageNo: number): void {
  const c = pageChecksum(page, pageNo);
  page[0] = c & 0xff;
  page[1] = (c >>> 8) & 0xff;
  page[2] = (c >>> 16) & 0xff;
  page[3] = (c >>> 24) & 0xff;
}

export function pageChecksumOk(page: Uint8Array, pageNo: number): boolean {
  const stored = (page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24)) >>> 0;
  return stored === pageChecksum(page, pageNo);
}
