import { describe, expect, it } from "vitest";
import { jevonsOutcome, jevonsScenarios, jevonsThreshold } from "../../lib/hardware/jevons.js";

describe("Jevons' paradox, constant-elasticity demand", () => {
  it("by hand: 10× efficiency at ε = 2, 1, 0.5", () => {
    // price 10^-1 = 0.1; tokens 0.1^-2 = 100; GPU-hours 100/10 = 10; spend 0.1 · 100 = 10
    const e2 = jevonsOutcome(10, 2);
    expect(e2.pricePerToken).toBeCloseTo(0.1, 12);
    expect(e2.tokens).toBeCloseTo(100, 9);
    expect(e2.gpuHours).toBeCloseTo(10, 9);
    expect(e2.spend).toBeCloseTo(10, 9);
    expect(jevonsOutcome(10, 1).gpuHours).toBeCloseTo(1, 12);                 // 10^(1−1)
    expect(jevonsOutcome(10, 0.5).gpuHours).toBeCloseTo(Math.sqrt(10) / 10, 12); // 10^(0.5−1) = 0.316228
  });

  it("partial pass-through: half the savings passed on moves the threshold to ε = 2", () => {
    // 4× efficiency, pass-through 0.5: price 4^-0.5 = 0.5; at ε = 2 tokens 0.5^-2 = 4; GPU-hours 4/4 = 1
    expect(jevonsOutcome(4, 2, { passThrough: 0.5 }).gpuHours).toBeCloseTo(1, 12);
    expect(jevonsThreshold({ passThrough: 0.5 })).toBe(2);
    expect(jevonsThreshold()).toBe(1);
  });

  it("GPU-hours rise with efficiency iff ε > 1, and the grid has one row per pair", () => {
    const rows = jevonsScenarios([1, 2, 5, 10, 45], [0.5, 1, 1.5, 2]);
    expect(rows).toHaveLength(20);
    for (const eps of [0.5, 1.5, 2]) {
      const hrs = rows.filter((r) => r.elasticity === eps).map((r) => r.gpuHours);
      for (let i = 1; i < hrs.length; i++) {
        if (eps > 1) expect(hrs[i]!).toBeGreaterThan(hrs[i - 1]!);
        else expect(hrs[i]!).toBeLessThan(hrs[i - 1]!);
      }
    }
  });

  it("refuses impossible inputs", () => {
    expect(() => jevonsOutcome(0, 1)).toThrow(/efficiency must be a finite number > 0/);
    expect(() => jevonsOutcome(2, -1)).toThrow(/elasticity must be a finite number >= 0/);
    expect(() => jevonsOutcome(2, 1, { passThrough: 1.5 })).toThrow(/passThrough must be in \(0, 1\]/);
  });
});
