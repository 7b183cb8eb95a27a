/**
 * SQLite's sum()/total()/avg() state (`SumCtx` and `sumStep` in SQLite's func.c, 3.43+), so the
 * executor gets SQLite's answers whether a batch went through a kernel or row by row:
 * - While every input is an INTEGER the sum is exact (i64) with checked addition, in row order.
 * - The first REAL input, or the first overflow, switches to a Kahan–Babuška–Neumaier (KBN)
 *   compensated double sum. sum() then raises "integer overflow" if an overflow happened and no
 *   REAL arrived after it; total() and avg() always answer REAL.
 *
 * Kernel batches enter through {@link SumAccumulator.addIntegerBatch} and
 * {@link SumAccumulator.addRealLanes}:
 * - INTEGER batches: the kernel returns the exact sums of the batch's positive and of its
 *   negative values. Every running sum inside the batch lies between `acc + neg` and
 *   `acc + pos`, so when both fit in i64 no step could have overflowed and the exact total is
 *   SQLite's answer. Otherwise the caller replays the batch row by row ({@link stepInteger}).
 * - REAL batches (the one documented deviation from SQLite): a batch is summed in 8 compensated
 *   lanes (row i of the batch in lane i mod 8; each step adds the exact rounding error of s + x
 *   to c — Knuth's TwoSum, which yields the same error term as KBN's branch), then the lanes are
 *   folded into this state in lane order (KBN-add each lane's s, then add each lane's c to the
 *   error term). Every backend computes the lanes with the same IEEE operations, so results are
 *   bit-identical across backends; they can differ from SQLite's strictly sequential KBN in the
 *   last bits, and they depend on how rows are split into batches (pages), never on the backend.
 */
import { HeliosError } from '../errors.js';
import { I64_MAX, I64_MIN } from './constants.js';

/** |i| at or above 2^52 is split before the KBN add, as SQLite does, so no bits are lost. */
const SPLIT = 4503599627370496n;

/** A SumAccumulator's state as plain data (for a partial aggregate crossing a ring). */
export interface SumData {
  readonly count: number;
  readonly iSum: bigint;
  readonly rSum: number;
  readonly rErr: number;
  readonly approx: boolean;
  readonly overflow: boolean;
}

export class SumAccumulator {
  /** Number of non-NULL inputs. */
  count = 0;
  private iSum = 0n;
  private rSum = 0;
  private rErr = 0;
  /** A REAL input or an overflow switched to the KBN double sum. */
  private approx = false;
  /** The INTEGER sum overflowed (and no REAL input arrived since). */
  private overflow = false;

  /** True while the exact INTEGER fast path applies (no REAL input, no overflow yet). */
  get exact(): boolean {
    return !this.approx;
  }

  /** sumStep for an INTEGER value. */
  stepInteger(v: bigint): void {
    this.count++;
    if (!this.approx) {
      const x = this.iSum + v;
      if (x >= I64_MIN && x <= I64_MAX) { this.iSum = x; return; }
      this.overflow = true;
      this.init(this.iSum);
      this.approx = true;
    }
    this.kbnStepInt(v);
  }

  /** sumStep for a REAL value (never NaN: SQLite stores NaN as NULL, so the caller skips it). */
  stepReal(r: number): void {
    this.count++;
    if (!this.approx) {
      this.init(this.iSum);
      this.approx = true;
    } else {
      this.overflow = false;
    }
    this.kbnStep(r);
  }

  /**
   * Adds a batch of `n` INTEGER values whose positive ones sum to `pos` and negative ones to
   * `neg`, exactly, when that provably matches row-by-row stepping. Returns false (and changes
   * nothing) when the caller must step the batch's rows instead.
   */
  addIntegerBatch(pos: bigint, neg: bigint, n: number): boolean {
    if (this.approx) return false;
    if (this.iSum + pos > I64_MAX || this.iSum + neg < I64_MIN) return false;
    this.iSum += pos + neg;
    this.count += n;
    return true;
  }

  /**
   * Folds a batch's 8 KBN lanes (`lanes[at..]` = s[0..7], c[0..7]) of `n` REAL values into the
   * sum. `at` lets the caller pass a view of the kernels' result area without copying it.
   */
  addRealLanes(lanes: Float64Array, n: number, at = 0): void {
    if (n === 0) return;
    this.count += n;
    if (!this.approx) {
      this.init(this.iSum);
      this.approx = true;
    } else {
      this.overflow = false;
    }
    for (let l = 0; l < 8; l++) this.kbnStep(lanes[at + l]!);
    for (let l = 0; l < 8; l++) this.rErr += lanes[at + 8 + l]!;
  }

  toData(): SumData {
    return { count: this.count, iSum: this.iSum, rSum: this.rSum, rErr: this.rErr, approx: this.approx, overflow: this.overflow };
  }

  static fromData(d: SumData): SumAccumulator {
    const a = new SumAccumulator();
    a.count = d.count;
    a.iSum = d.iSum;
    a.rSum = d.rSum;
    a.rErr = d.rErr;
    a.approx = d.approx;
    a.overflow = d.overflow;
    return a;
  }

  /**
   * Merges another partial sum (another shard's or partition's) into this one, as if its inputs
   * came after this one's. Exact for everything but one corner that no merge can reproduce: when
   * both parts are still exact INTEGER sums, only the *combined total* is checked for i64
   * overflow — SQLite checks every running sum in rowid order, and rows of different partitions
   * interleave in that order, which the parts no longer know (likewise an overflowed part is
   * taken as overflowing after this part too). A part with a REAL input makes the result REAL
   * and clears an earlier overflow, as a later REAL does in SQLite. The REAL values fold in as
   * KBN steps of the part's (rSum, rErr), so the last bits depend on how the rows were split.
   */
  merge(other: SumAccumulator): void {
    if (other.count === 0) return;
    if (!other.approx) {
      if (!this.approx) {
        const x = this.iSum + other.iSum;
        if (x >= I64_MIN && x <= I64_MAX) { this.iSum = x; this.count += other.count; return; }
        this.overflow = true;
        this.init(this.iSum);
        this.approx = true;
      }
      this.kbnStepInt(other.iSum);
      this.count += other.count;
      return;
    }
    // `other` is approximate: it overflowed with no REAL input (other.overflow), or it saw a REAL.
    // SQLite keeps an overflow only while no REAL follows it, and flags one only while exact.
    if (!this.approx) {
      this.init(this.iSum);
      this.approx = true;
      this.overflow = other.overflow;
    } else {
      this.overflow = this.overflow && other.overflow;
    }
    this.kbnStep(other.rSum);
    if (Number.isFinite(other.rErr)) this.rErr += other.rErr; else this.rErr = other.rErr;
    this.count += other.count;
  }

  /** sum(): NULL for no input, INTEGER while exact, else REAL; throws on integer overflow. */
  sum(): bigint | number | null {
    if (this.count === 0) return null;
    if (!this.approx) return this.iSum;
    if (this.overflow) throw new HeliosError('SQL_ERROR', 'integer overflow');
    return this.real();
  }

  /** total(): always REAL, 0.0 for no input. */
  total(): number {
    return this.approx ? this.real() : Number(this.iSum);
  }

  /** avg(): NULL for no input, else REAL. */
  avg(): number | null {
    if (this.count === 0) return null;
    return (this.approx ? this.real() : Number(this.iSum)) / this.count;
  }

  private real(): number {
    return Number.isFinite(this.rErr) ? this.rSum + this.rErr : this.rSum;
  }

  /** kahanBabuskaNeumaierInit */
  private init(i: bigint): void {
    if (i <= -SPLIT || i >= SPLIT) {
      const small = i % 16384n; // truncating, like C's %
      this.rSum = Number(i - small);
      this.rErr = Number(small);
    } else {
      this.rSum = Number(i);
      this.rErr = 0;
    }
  }

  /** kahanBabuskaNeumaierStepInt64 */
  private kbnStepInt(i: bigint): void {
    if (i <= -SPLIT || i >= SPLIT) {
      const small = i % 16384n;
      this.kbnStep(Number(i - small));
      this.kbnStep(Number(small));
    } else {
      this.kbnStep(Number(i));
    }
  }

  /** kahanBabuskaNeumaierStep */
  private kbnStep(r: number): void {
    const s = this.rSum;
    const t = s + r;
    if (Math.abs(s) > Math.abs(r)) this.rErr += (s - t) + r;
    else this.rErr += (r - t) + s;
    this.rSum = t;
  }
}
