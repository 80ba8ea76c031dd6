// The binomial/multinomial sampler behind the bootstrap: exact distribution, not an approximation.
import { describe, expect, it } from "vitest";
import { Rng } from "../../lib/random.js";
import { MultinomialSampler, binomial, multinomial } from "../../lib/elo/sampling.js";

function binomialPmf(n: number, p: number): number[] {
  const out: number[] = [];
  let logC = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    out.push(Math.exp(logC + k * Math.log(p) + (n - k) * Math.log1p(-p)));
  }
  return out;
}

describe("binomial", () => {
  // Total-variation distance between 100k draws and the exact pmf; sampling noise alone is < 0.01
  // for these supports, a wrong constant in the rejection step shows up as several times that.
  for (const [n, p] of [[30, 0.1], [200, 0.3], [1000, 0.45], [500, 0.9], [5000, 0.02]] as const) {
    it(`matches the exact pmf for n=${n}, p=${p}`, () => {
      const rng = new Rng(n + Math.round(p * 1000));
      const draws = 100_000;
      const hist = new Float64Array(n + 1);
      let sum = 0, sumSq = 0, bad = 0;
      for (let i = 0; i < draws; i++) {
        const k = binomial(rng, n, p);
        if (!(Number.isInteger(k) && k >= 0 && k <= n)) bad++;
        hist[k]!++; sum += k; sumSq += k * k;
      }
      expect(bad).toBe(0);
      const pmf = binomialPmf(n, p);
      let tv = 0;
      for (let k = 0; k <= n; k++) tv += Math.abs(hist[k]! / draws - pmf[k]!) / 2;
      expect(tv).toBeLessThan(0.015);
      const mean = sum / draws, variance = sumSq / draws - mean * mean;
      expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt((n * p * (1 - p)) / draws));
      expect(Math.abs(variance / (n * p * (1 - p)) - 1)).toBeLessThan(0.03);
    });
  }

  it("handles the edges", () => {
    const rng = new Rng(1);
    expect(binomial(rng, 0, 0.3)).toBe(0);
    expect(binomial(rng, 10, 0)).toBe(0);
    expect(binomial(rng, 10, 1)).toBe(10);
  });
});

describe("multinomial", () => {
  it("sums to n and has the right means", () => {
    const rng = new Rng(3);
    const weights = [5, 0, 1, 3, 1];
    const out = new Float64Array(5), mean = new Float64Array(5);
    for (let r = 0; r < 20_000; r++) {
      multinomial(rng, 100, weights, out);
      expect(out.reduce((s, x) => s + x, 0)).toBe(100);
      out.forEach((x, k) => (mean[k]! += x / 20_000));
    }
    expect(mean[1]).toBe(0);
    weights.forEach((w, k) => expect(Math.abs(mean[k]! - (100 * w) / 10)).toBeLessThan(0.15));
  });
});

describe("MultinomialSampler (Poissonised, table-driven)", () => {
  it("gives each category the exact Binomial(n, p_k) marginal, sums to n, and is negatively correlated", () => {
    const weights = [300, 1, 0, 120, 79.5, 2000, 300];
    const mass = weights.reduce((s, w) => s + w, 0);
    const n = 5000, rounds = 40_000;
    const sampler = new MultinomialSampler(n, weights);
    const rng = new Rng(11);
    const out = new Float64Array(weights.length);
    const hist = new Float64Array(n + 1); // category 0
    const mean = new Float64Array(weights.length);
    let cross = 0, badSum = 0;
    for (let r = 0; r < rounds; r++) {
      sampler.draw(rng, out);
      if (out.reduce((s, x) => s + x, 0) !== n) badSum++;
      hist[out[0]!]!++;
      out.forEach((x, k) => (mean[k]! += x / rounds));
      cross += (out[0]! * out[3]!) / rounds;
    }
    expect(badSum).toBe(0);
    expect(mean[2]).toBe(0);
    weights.forEach((w, k) => {
      const m = (n * w) / mass, sd = Math.sqrt(m * (1 - w / mass));
      expect(Math.abs(mean[k]! - m), `mean of category ${k}`).toBeLessThan(5 * sd / Math.sqrt(rounds) + 1e-9);
    });
    const pmf = binomialPmf(n, weights[0]! / mass);
    let tv = 0;
    for (let k = 0; k <= n; k++) tv += Math.abs(hist[k]! / rounds - pmf[k]!) / 2;
    expect(tv).toBeLessThan(0.03); // noise ≈ 0.02 for 40k draws over ~70 values
    // Cov(X_0, X_3) = −n p_0 p_3 for a multinomial (independent Poissons would give 0)
    const cov = cross - mean[0]! * mean[3]!;
    const want = (-n * weights[0]! * weights[3]!) / mass ** 2;
    expect(Math.abs(cov - want)).toBeLessThan(0.25 * Math.abs(want));
  });

  it("is deterministic under a seed and falls back to the chain of binomials for small n", () => {
    const weights = Array.from({ length: 40 }, (_, k) => 5 + ((k * 37) % 23));
    const n = 20_000;
    const fast = new MultinomialSampler(n, weights);
    const a = new Float64Array(40), b = new Float64Array(40);
    fast.draw(new Rng(3), a);
    fast.draw(new Rng(3), b);
    expect(Array.from(a)).toEqual(Array.from(b));
    const small = new MultinomialSampler(10, [1, 2, 3]); // n < 1000: falls back to the chain
    const o = new Float64Array(3);
    small.draw(new Rng(1), o);
    expect(o.reduce((s, x) => s + x, 0)).toBe(10);
  });
});
