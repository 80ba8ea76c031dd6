/**
 * Exact binomial and multinomial draws from the seeded `Rng`, for the bootstrap in uncertainty.ts.
 *
 * A bootstrap resample of N battles is a multinomial draw of N over the distinct outcomes
 * (pair, result), with probabilities their observed shares; drawing it as a chain of binomials
 * costs O(distinct outcomes) per round instead of O(N). The binomial sampler is Hörmann's BTRS
 * ("The generation of binomial random variates", J. Stat. Comput. Simul. 46, 1993): transformed
 * rejection with a squeeze, O(1) expected time; for a small mean it counts geometric waiting times.
 */
import { Rng } from "../nn/random.js";

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
  const alpha = (2.83 + 5.1 / b) * spq;
  const r = p / q;
  const logR = Math.log(r);
  const m = Math.floor((n + 1) * p); // the mode
  const logFm = stirlingTail(m) + stirlingTail(n - m);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k; // the squeeze: inside the hat for sure
    // Exact test: log(v · hat) ≤ log(f(k) / f(m)), with log k! by Stirling plus its remainder.
    const lhs = Math.log((v * alpha) / (a / (us * us) + b));
    const rhs =
      (m + 0.5) * Math.log(m + 1) + (n - m + 0.5) * Math.log(n - m + 1) -
      (k + 0.5) * Math.log(k + 1) - (n - k + 0.5) * Math.log(n - k + 1) +
      (k - m) * logR + logFm - stirlingTail(k) - stirlingTail(n - k);
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
