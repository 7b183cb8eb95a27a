/**
 * A configuration given as a JavaScript object (the embedded library's `Database.open({...})`)
 * rather than TOML text. The object has the TOML's sections and keys; this turns it into what
 * smol-toml would have returned for the same document, so it goes through the very same
 * validation and messages (`api.rest_port: expected an integer port …`).
 *
 * The one difference between the two worlds is numbers: TOML tells `8080` from `8080.0` and the
 * parser runs with `integersAsBigInt`, while a JS number is just a number. An integral JS number
 * becomes a TOML integer (bigint) and a fractional one a float, so `rest_port: 80.5` is rejected
 * as a float and `cache_size_mb: 256` passes. `undefined` (and `null`) mean "not set": spreading
 * partial objects (`{ ...base, api: undefined }`) must not turn into type errors.
 */

/** Converts a JS configuration object to the shape smol-toml returns (see the module doc). */
export function tomlShapeOf(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(tomlShapeOf);
  if (typeof value === 'object' && value !== null && isPlain(value)) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      out[k] = tomlShapeOf(v);
    }
    return out;
  }
  return value;
}

function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o) as unknown;
  return proto === Object.prototype || proto === null;
}
