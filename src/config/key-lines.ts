/**
 * Where each key of a TOML document is written: a map from dotted key to 1-based line.
 *
 * smol-toml returns values without positions, yet an error that says "line 12" saves the user a
 * search. So this file re-reads the text with a small scanner that knows just enough TOML to
 * follow keys: table headers (`[a.b]`, `[[a.b]]`), dotted and quoted keys, and values it has to
 * step over without being fooled — the four string forms (a `key = 1` inside a multi-line string
 * is not a key), arrays and inline tables, both of which it descends into so that
 * `methods = [{ name = "x" }]` locates `api.methods[0].name` just like `[[api.methods]]` does.
 *
 * It runs only on text smol-toml already accepted, so it need not diagnose anything; on input it
 * does not understand it stops early and simply knows fewer lines (never throws, never loops).
 * {@link KeyLines.lineOf} falls back to the nearest enclosing key that is written, so a missing
 * `api.tls.cert_path` points at the `[api.tls]` header.
 */

/** A key path: table keys as strings, array positions as numbers. */
export type KeyPath = readonly (string | number)[];

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** `api.methods[0].name`; a key that is not bare is quoted: `schema.shard_keys."my.table"`. */
export function formatKey(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += (out === '' ? '' : '.') + (BARE_KEY.test(seg) ? seg : JSON.stringify(seg));
  }
  return out;
}

export class KeyLines {
  private readonly lines = new Map<string, number>();

  /** Records the first place a key appears (a later `[[x]]` element gets its own indexed key). */
  set(path: KeyPath, line: number): void {
    const k = formatKey(path);
    if (!this.lines.has(k)) this.lines.set(k, line);
  }

  /** The key's line, else its nearest written ancestor's, else undefined. */
  lineOf(path: KeyPath): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(formatKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

/** Scans `text` (valid TOML) and returns where each key is. */
export function locateKeys(text: string): KeyLines {
  const out = new KeyLines();
  try {
    new Scanner(text, out).document();
  } catch (e) {
    // Only our own bail-out lands here; keep what was found so far.
    if (!(e instanceof StopScan)) throw e;
  }
  return out;
}

class StopScan extends Error {}

class Scanner {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  /** Last element index of each array of tables, by concrete key ("api.methods" → 2). */
  private readonly arrayTables = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly out: KeyLines,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  private lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) throw new StopScan();
    this.pos++;
  }

  /** Skips spaces and tabs; with `newlines`, also line breaks and comments. */
  private skip(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t') this.pos++;
      else if (newlines && (c === '\n' || c === '\r')) this.pos++;
      else if (newlines && c === '#') this.skipComment();
      else return;
    }
  }

  private skipComment(): void {
    while (this.pos < this.text.length && this.peek() !== '\n') this.pos++;
  }

  document(): void {
    let table: KeyPath = [];
    for (;;) {
      this.skip(true);
      if (this.pos >= this.text.length) return;
      if (this.peek() === '[') table = this.header();
      else this.keyValue(table);
      // The rest of the line can hold only a comment.
      this.skip(false);
      if (this.peek() === '#') this.skipComment();
    }
  }

  private header(): KeyPath {
    const line = this.lineAt(this.pos);
    this.pos++;
    const isArray = this.peek() === '[';
    if (isArray) this.pos++;
    this.skip(false);
    const keys = this.key();
    this.skip(false);
    this.expect(']');
    if (isArray) this.expect(']');

    // Resolve through earlier arrays of tables: in `[[a]] … [a.b]`, `a` means a's last element.
    const concrete: (string | number)[] = [];
    keys.forEach((k, i) => {
      concrete.push(k);
      const name = formatKey(concrete);
      const last = this.arrayTables.get(name);
      if (i < keys.length - 1) {
        if (last !== undefined) concrete.push(last);
      } else if (isArray) {
        const index = last === undefined ? 0 : last + 1;
        this.arrayTables.set(name, index);
        this.out.set(concrete, line);
        concrete.push(index);
      }
    });
    this.out.set(concrete, line);
    return concrete;
  }

  /** `key = value` (at top level or inside an inline table), recorded under `table`. */
  private keyValue(table: KeyPath): void {
    const line = this.lineAt(this.pos);
    const keys = this.key();
    const path = [...table];
    for (const k of keys) {
      path.push(k);
      this.out.set(path, line);
    }
    this.skip(false);
    this.expect('=');
    this.skip(false);
    this.value(path);
  }

  /** A dotted key: bare or quoted parts separated by dots. */
  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skip(false);
      const c = this.peek();
      if (c === '"' || c === "'") parts.push(this.quotedKey(c));
      else {
        const start = this.pos;
        while (/[A-Za-z0-9_-]/.test(this.peek())) this.pos++;
        if (this.pos === start) throw new StopScan();
        parts.push(this.text.slice(start, this.pos));
      }
      this.skip(false);
      if (this.peek() !== '.') return parts;
      this.pos++;
    }
  }

  private quotedKey(quote: string): string {
    const start = this.pos;
    this.string();
    const raw = this.text.slice(start, this.pos);
    if (quote === "'") return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      // TOML escapes JSON lacks (\e, \UXXXXXXXX): keep the raw text; only the line is at stake.
      return raw.slice(1, -1);
    }
  }

  private value(path: KeyPath): void {
    const c = this.peek();
    if (c === '"' || c === "'") this.string();
    else if (c === '[') this.array(path);
    else if (c === '{') this.inlineTable(path);
    else {
      // A scalar: number, boolean or date-time (which may contain one space).
      const start = this.pos;
      while (this.pos < this.text.length && !/[,\]}#\r\n]/.test(this.peek())) this.pos++;
      if (this.pos === start) throw new StopScan();
    }
  }

  private array(path: KeyPath): void {
    this.pos++;
    for (let i = 0; ; i++) {
      this.skip(true);
      if (this.peek() === ']') break;
      const element = [...path, i];
      this.out.set(element, this.lineAt(this.pos));
      this.value(element);
      this.skip(true);
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']') throw new StopScan();
    }
    this.pos++;
  }

  private inlineTable(path: KeyPath): void {
    this.pos++;
    for (;;) {
      this.skip(true); // TOML 1.1 allows newlines in inline tables; smol-toml decides if legal.
      if (this.peek() === '}') break;
      this.keyValue(path);
      this.skip(true);
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') throw new StopScan();
    }
    this.pos++;
  }

  /** Steps over any of the four string forms, the cursor on its opening quote. */
  private string(): void {
    const q = this.peek();
    const multi = this.peek(1) === q && this.peek(2) === q;
    const escapes = q === '"';
    this.pos += multi ? 3 : 1;
    for (;;) {
      if (this.pos >= this.text.length) throw new StopScan();
      const c = this.peek();
      if (escapes && c === '\\') {
        this.pos += 2;
      } else if (c === q) {
        if (!multi) {
          this.pos++;
          return;
        }
        if (this.peek(1) === q && this.peek(2) === q) {
          // Up to two quotes may sit right before the closing three: `""""a""""` style.
          this.pos += 3;
          for (let extra = 0; extra < 2 && this.peek() === q; extra++) this.pos++;
          return;
        }
        this.pos++;
      } else {
        if (!multi && c === '\n') throw new StopScan();
        this.pos++;
      }
    }
  }
}
