/**
 * Exact binomial and multinomial draws from the seeded `Rng`, for the bootstrap in uncertainty.ts
 * (notebooks/04_elo_rankings.ipynb, section 6).
 *
 * A bootstrap resample of N battles is a multinomial draw of N over the distinct outcomes
 * (pair, result), with probabilities their observed shares; drawing it as a chain of binomials
 * costs O(distinct outcomes) per round instead of O(N). The binomial sampler is Hörmann's BTRS
 * ("The generation of binomial random variates", J. Stat. Comput. Simul. 46, 1993): transformed
 * rejection with a squeeze, O(1) expected time; for a small mean it counts geometric waiting times.
 */
import { Rng } from "../random.js";

/** fc(k) = log k! − [(k + ½) log(k + 1) − (k + 1) + ½ log 2π]: the Stirling series' remainder. */
function stirlingTail(k: number): number {
  if (k < STIRLING_TABLE.length) return STIRLING_TABLE[k]!;
  const k1 = k + 1, k1sq = k1 * k1;
  return (1 / 12 - (1 / 360 - 1 / 1260 / k1sq) / k1sq) / k1;
}

// Exact values for small k, where the asymptotic series above is not accurate enough.
const STIRLING_TABLE: number[] = (() => {
  const out: number[] = [];
  let logFact = 0;
  for (let k = 0; k < 10; k++) {
    if (k > 0) logFact += Math.log(k);
    out.push(logFact - ((k + 0.5) * Math.log(k + 1) - (k + 1) + 0.5 * Math.log(2 * Math.PI)));
  }
  return out;
})();

/** One Binomial(n, p) draw. n: a non-negative integer; p in [0, 1]. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  if (n * p < 10) return binomialWaiting(rng, n, p);
  return binomialBtrs(rng, n, p);
}

/** Count successes as geometric waiting times: expected n·p + 1 uniforms. */
function binomialWaiting(rng: Rng, n: number, p: number): number {
  const logQ = Math.log1p(-p);
  let total = 0, count = 0;
  for (;;) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    total += Math.ceil(Math.log(u) / logQ);
    if (total > n) return count;
    count++;
  }
}

/** BTRS for p ≤ ½ and n·p ≥ 10. */
function binomialBtrs(rng: Rng, n: number, p: number): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  let alpha = 0, logR = 0, mode = 0; // for the exact test, computed when first needed
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k; // the squeeze: inside the hat for sure
    if (alpha === 0) {
      alpha = (2.83 + 5.1 / b) * spq;
      logR = Math.log(p / q);
      const m = Math.floor((n + 1) * p); // the mode
      // the mode's part of log(f(k) / f(m)), constant within this call
      mode = (m + 0.5) * Math.log(m + 1) + (n - m + 0.5) * Math.log(n - m + 1) - m * logR + stirlingTail(m) + stirlingTail(n - m);
    }
    // Exact test: log(v · hat) ≤ log(f(k) / f(m)), with log k! by Stirling plus its remainder.
    const lhs = Math.log((v * alpha) / (a / (us * us) + b));
    const rhs = mode - (k + 0.5) * Math.log(k + 1) - (n - k + 0.5) * Math.log(n - k + 1) + k * logR - stirlingTail(k) - stirlingTail(n - k);
    if (lhs <= rhs) return k;
  }
}

/**
 * One Multinomial(n, weights / Σweights) draw as a chain of binomials.
 * @param weights [categories] non-negative (counts or probabilities)
 * @param out [categories] receives the counts (sums to n)
 */
export function multinomial(rng: Rng, n: number, weights: ArrayLike<number>, out: Float64Array | Int32Array): void {
  let mass = 0;
  for (let k = 0; k < weights.length; k++) mass += weights[k]!;
  let left = n;
  for (let k = 0; k < weights.length; k++) {
    const w = weights[k]!;
    if (left === 0 || w <= 0) { out[k] = 0; continue; }
    const x = w >= mass ? left : binomial(rng, left, w / mass);
    out[k] = x;
    left -= x;
    mass -= w;
  }
}

/**
 * The same Multinomial(n, weights / Σweights) draw, fast when it is drawn many times with the same
 * weights (the bootstrap): Poissonisation with tables. Draw X_k ~ Poisson(μ·p_k) independently with
 * μ = n − 4√n; given their sum S = s, X is exactly Multinomial(s, p), so adding n − s further items
 * drawn one by one from p (Walker's alias table, O(1) each) gives exactly Multinomial(n, p); the
 * rare S > n (probability ~3e-5) is redrawn. Each Poisson draw is one uniform and a guide-table
 * lookup in that rate's CDF, built once per distinct weight (bootstrap weights are counts, so there
 * are few). Falls back to `multinomial` when n is small or the tables would be too large.
 */
export class MultinomialSampler {
  private readonly weights: Float64Array;
  // Per category: where its rate's table starts in the flat arrays (−1 for weight 0), its length
  // and the smallest value it covers. All tables live in two flat typed arrays, so a draw touches
  // nothing but typed arrays.
  private readonly start: Int32Array;
  private readonly length: Int32Array;
  private readonly lo: Int32Array;
  private cdf = new Float64Array(0); // all tables' CDFs, back to back
  private guide = new Int32Array(0); // all tables' guide entries (same offsets and lengths)
  private readonly aliasProb: Float64Array;
  private readonly alias: Int32Array;
  private readonly useTables: boolean;

  constructor(readonly n: number, weights: ArrayLike<number>, opts: { maxTableEntries?: number } = {}) {
    const k = weights.length;
    this.weights = Float64Array.from(weights);
    let mass = 0;
    for (const w of this.weights) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`MultinomialSampler: weights must be finite and >= 0; got ${w}`);
      mass += w;
    }
    if (!(mass > 0) && n > 0) throw new Error("MultinomialSampler: all weights are 0");
    const mu = n - 4 * Math.sqrt(n);
    this.start = new Int32Array(k).fill(-1);
    this.length = new Int32Array(k);
    this.lo = new Int32Array(k);
    this.aliasProb = new Float64Array(k);
    this.alias = new Int32Array(k);
    this.useTables = n >= 1000 && k > 0;
    if (!this.useTables) return;
    // Poisson CDF tables, one per distinct weight.
    const byWeight = new Map<number, number>();
    const tables: { lo: number; cdf: Float64Array; guide: Int32Array; start: number }[] = [];
    const maxEntries = opts.maxTableEntries ?? 4_000_000;
    let entries = 0;
    for (let c = 0; c < k; c++) {
      const w = this.weights[c]!;
      if (w === 0) continue;
      let t = byWeight.get(w);
      if (t === undefined) {
        const table = poissonTable((mu * w) / mass);
        if (entries + table.cdf.length > maxEntries) { this.useTables = false; return; }
        t = tables.length;
        tables.push({ ...table, start: entries });
        entries += table.cdf.length;
        byWeight.set(w, t);
      }
      const table = tables[t]!;
      this.start[c] = table.start;
      this.length[c] = table.cdf.length;
      this.lo[c] = table.lo;
    }
    this.cdf = new Float64Array(entries);
    this.guide = new Int32Array(entries);
    for (const t of tables) { this.cdf.set(t.cdf, t.start); this.guide.set(t.guide, t.start); }
    buildAlias(this.weights, mass, this.aliasProb, this.alias);
  }

  /** One draw into `out` ([categories]; sums to n). */
  draw(rng: Rng, out: Float64Array | Int32Array): void {
    if (!this.useTables) return multinomial(rng, this.n, this.weights, out);
    const k = this.weights.length;
    const { start, length, lo, cdf, guide } = this;
    for (;;) {
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const s = start[c]!;
        if (s < 0) { out[c] = 0; continue; }
        const u = rng.next();
        let i = s + guide[s + Math.floor(u * length[c]!)]!;
        while (cdf[i]! <= u) i++; // the table's last CDF entry is 1 > u: always stops inside it
        const x = lo[c]! + i - s;
        out[c] = x;
        sum += x;
      }
      if (sum > this.n) continue; // rare: redraw everything (keeps the result exact)
      for (let extra = this.n - sum; extra > 0; extra--) {
        const x = rng.next() * k;
        const c = Math.floor(x);
        out[x - c < this.aliasProb[c]! ? c : this.alias[c]!]!++;
      }
      return;
    }
  }
}

/** log(k!) by Stirling's series plus its tabulated remainder (exact to rounding). */
function logFactorial(k: number): number {
  return (k + 0.5) * Math.log(k + 1) - (k + 1) + 0.5 * Math.log(2 * Math.PI) + stirlingTail(k);
}

/**
 * Poisson(λ) CDF over the values whose probability is at least 1e-18 of the mode's (the rest
 * cannot change a double), normalised so the last entry is exactly 1, with a guide table:
 * guide[g] = first index whose CDF exceeds g / guide.length.
 */
function poissonTable(lambda: number): { lo: number; cdf: Float64Array; guide: Int32Array } {
  const mode = Math.floor(lambda);
  const logPmf = (x: number) => x * Math.log(lambda) - lambda - logFactorial(x);
  const top = logPmf(mode);
  let lo = mode, hi = mode;
  while (lo > 0 && logPmf(lo - 1) - top > -41.4) lo--; // e^−41.4 ≈ 1e-18
  while (logPmf(hi + 1) - top > -41.4) hi++;
  const cdf = new Float64Array(hi - lo + 1);
  let total = 0;
  for (let x = lo; x <= hi; x++) {
    total += Math.exp(logPmf(x) - top);
    cdf[x - lo] = total;
  }
  for (let i = 0; i < cdf.length; i++) cdf[i]! /= total;
  cdf[cdf.length - 1] = 1;
  const guide = new Int32Array(cdf.length);
  let i = 0;
  for (let g = 0; g < guide.length; g++) {
    while (cdf[i]! <= g / guide.length) i++;
    guide[g] = i;
  }
  return { lo, cdf, guide };
}

/** Vose's alias method: category c is kept with probability prob[c], else alias[c] is taken. */
function buildAlias(weights: Float64Array, mass: number, prob: Float64Array, alias: Int32Array): void {
  const k = weights.length;
  const scaled = Float64Array.from(weights, (w) => (w * k) / mass);
  const small: number[] = [], large: number[] = [];
  scaled.forEach((s, c) => (s < 1 ? small : large).push(c));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!, l = large.pop()!;
    prob[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l]! < 1 ? small : large).push(l);
  }
  for (const c of [...small, ...large]) { prob[c] = 1; alias[c] = c; } // leftovers are 1 up to rounding
}
