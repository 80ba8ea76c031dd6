/**
 * Seeded pseudo-random numbers in plain JavaScript (no tensors), so that every generator,
 * simulation and shuffle in SeekLab is reproducible from one integer seed.
 *
 * Introduced in notebooks/00_welcome.ipynb; used by the lessons' data generators and simulations.
 *
 * The one seeding convention: a function takes one integer `seed`; each named part that needs
 * its own stream draws from `new Rng(deriveSeed(seed, "part"))` — never `seed + 17` or
 * `seed * 1009 + e` — so that adding a part leaves the others' numbers unchanged.
 * The generator is mulberry32 (32-bit state, period 2^32): tiny, fast and good enough for
 * teaching and tests; it is not cryptographic.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng(seed): seed must be a finite number; got ${seed}`);
    this.state = Math.floor(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int(n): n must be a positive integer; got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  intBetween(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new Error(`Rng.intBetween(lo, hi): need integers with lo <= hi; got ${lo}, ${hi}`);
    }
    return lo + this.int(hi - lo + 1);
  }

  /** Standard normal by Box–Muller. */
  normal(mean = 0, std = 1): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element chosen uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick(items): items is empty");
    return items[this.int(items.length)]!;
  }

  /** A new array with the items in a uniformly random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A Float32Array of `n` normal draws. */
  normals(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }
}

/**
 * A child seed for a named part (e.g. `deriveSeed(seed, "wkvA")`), so that adding a weight to a
 * module does not change the numbers of the others. FNV-1a over the name, mixed with the seed.
 */
export function deriveSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ (Math.floor(seed) >>> 0)) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
