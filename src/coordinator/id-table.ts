/**
 * In-flight requests by their sequential id (shard-client.ts): a power-of-two array indexed by
 * `id & mask`. Ids are handed out in order, so live ids map to distinct slots until more are in
 * flight than there are slots; a taken slot doubles the array. A Map did the same work with an
 * insert and a delete per request. The Map lives in V8's old generation, and each rehash of a
 * long-lived Map allocates its new table there too, which fed the main thread's mark-compacts
 * (docs/api.md, "The p99 tail"). This array is reallocated only when it grows.
 *
 * Growth stops at {@link MAX_SLOTS}: an id whose slot is still taken by one that is far older
 * (a request stuck until its timeout while many others came and went) goes to a small Map.
 */
const MAX_SLOTS = 1 << 16;

export class IdTable<T> {
  private ids: Int32Array;
  private values: (T | undefined)[];
  private count = 0;
  private readonly spill = new Map<number, T>();

  constructor(capacity = 256) {
    const n = 1 << Math.ceil(Math.log2(Math.max(2, capacity)));
    this.ids = new Int32Array(n).fill(-1);
    this.values = new Array<T | undefined>(n).fill(undefined);
  }

  get size(): number {
    return this.count + this.spill.size;
  }

  get(id: number): T | undefined {
    const i = id & (this.ids.length - 1);
    if (this.ids[i] === id) return this.values[i];
    return this.spill.size > 0 ? this.spill.get(id) : undefined;
  }

  /** Adds `id` (ids are non-negative int32, not already present). */
  set(id: number, v: T): void {
    let i = id & (this.ids.length - 1);
    while (this.ids[i] !== -1) {
      if (this.ids.length >= MAX_SLOTS || !this.grow()) {
        this.spill.set(id, v);
        return;
      }
      i = id & (this.ids.length - 1);
    }
    this.ids[i] = id;
    this.values[i] = v;
    this.count++;
  }

  delete(id: number): boolean {
    const i = id & (this.ids.length - 1);
    if (this.ids[i] !== id) return this.spill.size > 0 && this.spill.delete(id);
    this.ids[i] = -1;
    this.values[i] = undefined;
    this.count--;
    return true;
  }

  /** Every entry (a snapshot: deleting while iterating is allowed). */
  entries(): [number, T][] {
    const out: [number, T][] = [...this.spill];
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== -1) out.push([this.ids[i]!, this.values[i]!]);
    return out;
  }

  clear(): void {
    this.ids.fill(-1);
    this.values.fill(undefined);
    this.count = 0;
    this.spill.clear();
  }

  /** Doubles the array until every live id has a slot of its own, up to MAX_SLOTS; false if that is not enough. */
  private grow(): boolean {
    for (let n = this.ids.length * 2; n <= MAX_SLOTS; n *= 2) {
      const ids = new Int32Array(n).fill(-1);
      const values = new Array<T | undefined>(n).fill(undefined);
      let ok = true;
      for (let i = 0; i < this.ids.length && ok; i++) {
        const id = this.ids[i]!;
        if (id === -1) continue;
        const j = id & (n - 1);
        if (ids[j] !== -1) ok = false;
        else {
          ids[j] = id;
          values[j] = this.values[i];
        }
      }
      if (ok) {
        this.ids = ids;
        this.values = values;
        return true;
      }
    }
    return false;
  }
}
