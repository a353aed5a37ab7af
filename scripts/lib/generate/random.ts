/**
 * The seeded random source of the synthetic data generator. Every draw the generator makes comes from here, so
 * the same options and seed always give the same files.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "small fast chaotic" PRNG): 128 bits of state, fast in JavaScript's
 * 32-bit integer arithmetic and statistically sound for simulation. It is not cryptographic, which does not matter
 * here. Independent streams are derived by hashing a label path (seed → "day" → 17), so drawing more numbers in
 * one part of the output (say, a new scenario on day 3) does not shift what another part (day 4) produces.
 */
import { createHash } from "node:crypto";

const UINT32 = 4294967296;

/** Upper-case hex of every byte value, so a GUID is four table look-ups per 32 bits. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));

function hex32(x: number): string {
  return HEX[x >>> 24] + HEX[(x >>> 16) & 255] + HEX[(x >>> 8) & 255] + HEX[x & 255];
}

/** A log-normal distribution given by its median and 90th percentile, the way timings are usually reported. */
export interface Percentiles {
  readonly median: number;
  readonly p90: number;
}

/** z-score of the 90th percentile of the standard normal distribution. */
const Z90 = 1.2815515655446004;

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(private readonly key: string) {
    const digest = createHash("sha256").update(key).digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    // sfc32's first outputs are correlated with the seed; the reference implementation discards a few.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** The root stream of a generation run. */
  static fromSeed(seed: number): Random {
    return new Random(`gp2gp-synthetic:${seed}`);
  }

  /** An independent stream for a named part of the output; the same labels always give the same stream. */
  fork(...labels: readonly (string | number)[]): Random {
    return new Random(`${this.key}/${labels.join("/")}`);
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / UINT32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max]. */
  intBetween(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Uniform on a log scale: as likely to fall in [1 min, 2 min) as in [1 h, 2 h). */
  logUniform(min: number, max: number): number {
    return Math.exp(this.uniform(Math.log(min), Math.log(max)));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Cannot pick from an empty list");
    return items[this.int(items.length)];
  }

  /** Standard normal draw (Box–Muller; the second value is not cached, to keep the stream position simple). */
  normal(): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Log-normal draw with the given median and sigma of the underlying normal. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Log-normal draw matching a reported median and 90th percentile. */
  fromPercentiles(p: Percentiles): number {
    return this.logNormal(p.median, Math.log(p.p90 / p.median) / Z90);
  }

  /**
   * A count with mean `mean`: Poisson for small means (Knuth), the normal approximation for large ones, where
   * Knuth's method would be slow and the difference is invisible.
   */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** An upper-case, UUID-shaped message id (version 4 layout), as GP2GP systems send. */
  guid(): string {
    const h = hex32(this.uint32()) + hex32(this.uint32()) + hex32(this.uint32()) + hex32(this.uint32());
    const variant = "89AB"[parseInt(h[16], 16) & 3];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** A Fisher–Yates shuffled copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
}

/**
 * Repeated sampling from a fixed discrete distribution: cumulative weights and a binary search, so picking one of
 * 6,300 practices costs 13 comparisons.
 */
export class WeightedTable<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new Error(`A weighted table needs one weight per item (${items.length} items, ${weights.length} weights)`);
    }
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`Weight ${w} of item ${i} is not a finite non-negative number`);
      sum += w;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new Error("A weighted table needs at least one positive weight");
    this.total = sum;
  }

  /** A table from a record of weights, e.g. `{ EMIS: 0.55, TPP: 0.35 }`; keys keep their insertion order. */
  static fromRecord<K extends string | number>(record: Readonly<Record<K, number>>, parse: (key: string) => K): WeightedTable<K> {
    const entries = Object.entries(record) as [string, number][];
    return new WeightedTable(
      entries.map(([k]) => parse(k)),
      entries.map(([, w]) => w),
    );
  }

  sample(rng: Random): T {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }

  get size(): number {
    return this.items.length;
  }
}
