/**
 * SQLite's aggregate functions: count(*), count, sum, total, avg, min, max, group_concat
 * (and string_agg). Each is a small state machine: step over the group's rows, then final.
 * DISTINCT is applied by the caller (one key set per aggregate call).
 */
import type { Value } from '../storage/api.js';
import { SumAccumulator } from '../kernels/index.js';
import { applyAffinity, compareValues, realToText, toReal, toText, type CollationName } from './value.js';

export interface AggState { step(args: Value[]): void; final(): Value }
export type AggFactory = (coll: CollationName) => AggState;

/**
 * sum/total/avg: SQLite's state machine (exact INTEGER sum with its "integer overflow" rule, then
 * Kahan–Babuška–Neumaier over REALs) — the kernels' {@link SumAccumulator}, so the scalar path
 * and the kernel path (kernel-aggregate.ts) share one definition and can be fed in any mix.
 */
export class Sum implements AggState {
  readonly acc = new SumAccumulator();
  constructor(private readonly mode: 'sum' | 'total' | 'avg') {}
  step(args: Value[]): void {
    let v = args[0]!;
    if (v === null) return;
    if (typeof v === 'string' || v instanceof Uint8Array) v = applyAffinity(v, 'numeric') as Exclude<Value, null>;
    if (typeof v === 'bigint') this.acc.stepInteger(v);
    else this.acc.stepReal(typeof v === 'number' ? v : toReal(v)!);
  }
  final(): Value {
    if (this.mode === 'total') return this.acc.total();
    if (this.mode === 'avg') return this.acc.avg();
    return this.acc.sum();
  }
}

export class Count implements AggState {
  private n = 0n;
  constructor(private readonly star: boolean) {}
  step(args: Value[]): void { if (this.star || args[0] !== null) this.n++; }
  /** Adds a count computed elsewhere (the kernels' popcount / COUNT(col) over a batch). */
  add(n: number): void { this.n += BigInt(n); }
  final(): Value { return this.n; }
}

export class MinMax implements AggState {
  private best: Value = null;
  constructor(private readonly sign: number, private readonly coll: CollationName) {}
  step(args: Value[]): void {
    const v = args[0]!;
    if (v === null) return;
    if (this.best === null || compareValues(v, this.best, this.coll) * this.sign > 0) this.best = v;
  }
  final(): Value { return this.best; }
}

class GroupConcat implements AggState {
  private parts: string[] = [];
  private seps: string[] = [];
  private any = false;
  step(args: Value[]): void {
    const v = args[0]!;
    if (v === null) return;
    if (this.any) this.seps.push(args.length > 1 ? (args[1] === null ? '' : toText(args[1]!)!) : ',');
    this.any = true;
    this.parts.push(typeof v === 'number' ? realToText(v) : toText(v)!);
  }
  final(): Value {
    if (!this.any) return null;
    let s = this.parts[0]!;
    for (let i = 1; i < this.parts.length; i++) s += this.seps[i - 1]! + this.parts[i]!;
    return s;
  }
}

export interface AggDef { readonly min: number; readonly max: number; readonly make: AggFactory }

export const AGGREGATES: Record<string, AggDef> = {
  count: { min: 0, max: 1, make: () => new Count(false) },
  sum: { min: 1, max: 1, make: () => new Sum('sum') },
  total: { min: 1, max: 1, make: () => new Sum('total') },
  avg: { min: 1, max: 1, make: () => new Sum('avg') },
  min: { min: 1, max: 1, make: (c) => new MinMax(-1, c) },
  max: { min: 1, max: 1, make: (c) => new MinMax(1, c) },
  group_concat: { min: 1, max: 2, make: () => new GroupConcat() },
  string_agg: { min: 2, max: 2, make: () => new GroupConcat() },
};

export const countStar = (): AggState => new Count(true);

/** min/max with one argument are aggregates; with more they are scalar functions. */
export function isAggregateCall(name: string, nargs: number, star: boolean): boolean {
  if (star) return name === 'count';
  const d = AGGREGATES[name];
  if (!d) return false;
  if ((name === 'min' || name === 'max') && nargs !== 1) return false;
  return true;
}
