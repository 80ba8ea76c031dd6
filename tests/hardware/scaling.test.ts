import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Rng } from "../../lib/random.js";
import {
  CHINCHILLA_BESIROGLU_2024, CHINCHILLA_HOFFMANN_2022, chinchillaLoss, computeMultiplierEffect, computeOptimal,
  evalPowerLaw, fitPowerLaw, fitPowerLawWithOffset, type ChinchillaFit,
} from "../../lib/hardware/scaling.js";

const unit: ChinchillaFit = { E: 1, A: 1, B: 1, alpha: 0.5, beta: 0.5, source: "test" };

describe("Chinchilla parametric loss and compute-optimal allocation", () => {
  it("loss by hand", () => {
    // 1 + 1/100^0.5 + 1/10000^0.5 = 1 + 0.1 + 0.01
    expect(chinchillaLoss(100, 10000, unit)).toBeCloseTo(1.11, 12);
    // Hoffmann fit at Chinchilla itself (70B params, 1.4T tokens):
    // (7e10)^0.34 = e^(24.971761·0.34) = e^8.490399 = 4,867.7; (1.4e12)^0.28 = e^(27.967493·0.28) = e^7.830898 = 2,517.2
    // 1.69 + 406.4/4,867.7 + 410.7/2,517.2 = 1.69 + 0.083489 + 0.163159 = 1.936648
    expect(chinchillaLoss(7e10, 1.4e12)).toBeCloseTo(1.936648, 5);
  });

  it("compute-optimal N and D by hand (eq. 4) and by brute force", () => {
    // symmetric fit, C = 600: G = 1, N = (C/6)^0.5 = 10, D = 100/10 = 10
    const o = computeOptimal(600, unit);
    expect(o.params).toBeCloseTo(10, 12);
    expect(o.tokens).toBeCloseTo(10, 12);
    // A = 4, B = 1, α = β = 1: L = 4/N + N/100 with N·D = 100 → dL/dN = −4/N² + 1/100 = 0 → N = 20, D = 5
    const o2 = computeOptimal(600, { ...unit, A: 4, alpha: 1, beta: 1 });
    expect(o2.params).toBeCloseTo(20, 12);
    expect(o2.tokens).toBeCloseTo(5, 12);
    // Hoffmann fit at C = 1e24: G = (0.34·406.4 / (0.28·410.7))^(1/0.62) = 1.201572^1.612903 = 1.344727;
    // (1e24/6)^(0.28/0.62) = e^(53.470283 · 0.451613) = 3.071057e10; N = 4.129735e10
    const h = computeOptimal(1e24);
    expect(h.params / 4.129735e10).toBeCloseTo(1, 4);
    expect(6 * h.params * h.tokens).toBeCloseTo(1e24, -12);
    // brute force: no N on a fine log grid along 6·N·D = C does better
    for (const fit of [CHINCHILLA_HOFFMANN_2022, CHINCHILLA_BESIROGLU_2024]) {
      const best = computeOptimal(1e23, fit);
      for (let k = -40; k <= 40; k++) {
        const n = best.params * Math.pow(10, k / 40);
        expect(chinchillaLoss(n, 1e23 / 6 / n, fit)).toBeGreaterThanOrEqual(best.loss - 1e-12);
      }
    }
    // the replication's optimum is about 20 tokens per parameter; the original approach-3 fit's is not
    expect(computeOptimal(1e24, CHINCHILLA_BESIROGLU_2024).tokensPerParam).toBeGreaterThan(10);
    expect(computeOptimal(1e24, CHINCHILLA_BESIROGLU_2024).tokensPerParam).toBeLessThan(30);
  });

  it("10× compute: N × 10^(β/(α+β)), D × 10^(α/(α+β)), reducible loss × 10^(−αβ/(α+β))", () => {
    const m = computeMultiplierEffect(1e24, 10);
    expect(m.paramsRatio).toBeCloseTo(Math.pow(10, 0.28 / 0.62), 9);          // 2.82887
    expect(m.tokensRatio).toBeCloseTo(Math.pow(10, 0.34 / 0.62), 9);          // 3.53498
    expect(m.reducibleLossRatio).toBeCloseTo(Math.pow(10, -0.34 * 0.28 / 0.62), 9); // 0.70219
  });

  it("refuses impossible inputs", () => {
    expect(() => chinchillaLoss(-1, 10)).toThrow(/params must be a finite number > 0/);
    expect(() => computeOptimal(0)).toThrow(/flops must be a finite number > 0/);
  });
});

describe("power-law fitters", () => {
  it("recover a pure power law exactly, and from 3%-noisy data", () => {
    const x = [1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6];
    const exact = fitPowerLaw(x, x.map((v) => 7 * Math.pow(v, -0.25)));
    expect(exact.exponent).toBeCloseTo(-0.25, 12);
    expect(exact.coefficient).toBeCloseTo(7, 9);
    expect(exact.r2).toBeCloseTo(1, 12);
    const rng = new Rng(7);
    const xs = Array.from({ length: 30 }, (_, i) => Math.pow(10, 3 + (4 * i) / 29));
    const noisy = xs.map((v) => 7 * Math.pow(v, -0.25) * Math.exp(rng.normal(0, 0.03)));
    const f = fitPowerLaw(xs, noisy);
    expect(Math.abs(f.exponent + 0.25)).toBeLessThan(0.02);
    expect(f.r2).toBeGreaterThan(0.95);
  });

  it("with an irreducible floor: recovers c, a, b from noisy y = 1.7 + 40·x^-0.35", () => {
    const rng = new Rng(11);
    const xs = Array.from({ length: 25 }, (_, i) => Math.pow(10, 2 + (5 * i) / 24));
    const truth = (v: number) => 1.7 + 40 * Math.pow(v, -0.35);
    const ys = xs.map((v) => truth(v) * (1 + rng.normal(0, 0.005)));
    const f = fitPowerLawWithOffset(xs, ys);
    expect(Math.abs(f.exponent + 0.35)).toBeLessThan(0.05);
    expect(Math.abs(f.offset - 1.7)).toBeLessThan(0.1);
    for (const v of xs) expect(Math.abs(evalPowerLaw(f, v) / truth(v) - 1)).toBeLessThan(0.02);
    // a plain power law through the same data misreads the exponent (the floor flattens the curve)
    expect(Math.abs(fitPowerLaw(xs, ys).exponent + 0.35)).toBeGreaterThan(0.1);
  });

  it("refuses bad data", () => {
    expect(() => fitPowerLaw([1], [2])).toThrow(/at least 2 points/);
    expect(() => fitPowerLaw([1, 2], [2])).toThrow(/same length/);
    expect(() => fitPowerLaw([1, 2], [2, -1])).toThrow(/y\[1\] must be a finite number > 0/);
    expect(() => fitPowerLaw([3, 3], [2, 1])).toThrow(/two distinct values/);
    expect(() => fitPowerLawWithOffset([1, 2], [2, 1])).toThrow(/at least 3 points/);
  });
});

describe("against the NumPy oracle (tests/reference/hardware_reference.py)", () => {
  const ref = JSON.parse(readFileSync(new URL("../reference/fixtures/hardware_reference.json", import.meta.url), "utf8"));

  it("plain power law equals numpy.polyfit in log-log space (to 1e-9)", () => {
    const f = fitPowerLaw(ref.plain.x, ref.plain.y);
    expect(f.exponent).toBeCloseTo(ref.plain.exponent, 9);
    expect(f.coefficient / ref.plain.coefficient).toBeCloseTo(1, 9);
  });

  it("the floor fit is at least as good as a 200,000-point grid search over the floor", () => {
    const f = fitPowerLawWithOffset(ref.offset.x, ref.offset.y);
    // golden-section refinement may beat the grid slightly, never lose to it (beyond rounding)
    expect(f.sse).toBeLessThanOrEqual(ref.offset.sse * (1 + 1e-6));
    expect(Math.abs(f.offset - ref.offset.offset)).toBeLessThan(1e-3);
    expect(f.exponent).toBeCloseTo(ref.offset.exponent, 2);
  });

  it("closed-form compute optimum equals numpy's brute-force minimum along 6·N·D = C", () => {
    for (const o of ref.chinchilla) {
      const c = computeOptimal(o.flops, CHINCHILLA_HOFFMANN_2022);
      // the grid has 2e6 log-spaced points over 8 decades: spacing 1e-5 in log10 N
      expect(Math.abs(Math.log10(c.params / o.params))).toBeLessThan(2e-5);
      expect(c.loss).toBeCloseTo(o.loss, 9);
    }
  });
});
