// Bootstrap and sandwich intervals, Arena ranks, the leaderboard helpers.
import { describe, expect, it } from "vitest";
import { NoMleError } from "../../lib/elo/bradleyTerry.js";
import { leaderboardTable, predictedWinRate, tiers } from "../../lib/elo/leaderboard.js";
import { ladderSkills, simulateBattles } from "../../lib/elo/simulate.js";
import { arenaRanks, bootstrapRatings, bootstrapSamples, normalQuantile, quantileSorted, sandwichRatings } from "../../lib/elo/uncertainty.js";

describe("bootstrapRatings", () => {
  const skills = ladderSkills(8, 1200, 950);
  const battles = simulateBattles(skills, 8000, { seed: 21, tieRate: 0.1 });

  it("recovers the true skills within the 95% intervals (anchored at the true top rating)", () => {
    // No ties here: skill-independent ties compress the fitted scale (a bias no interval covers).
    const noTies = simulateBattles(skills, 8000, { seed: 22 });
    const rows = bootstrapRatings(noTies, { rounds: 500, seed: 1, anchor: { model: "model-001", rating: 1200 } });
    // with an anchor the anchor's own interval is a point; every other true skill lies inside
    for (const row of rows) {
      if (row.model === "model-001") continue;
      const truth = skills.get(row.model)!;
      expect(truth, `${row.model}: ${row.lower}..${row.upper}`).toBeGreaterThanOrEqual(row.lower);
      expect(truth).toBeLessThanOrEqual(row.upper);
    }
  });

  it("is deterministic under a seed and different under another", () => {
    const a = bootstrapSamples(battles, { rounds: 50, seed: 7 });
    const b = bootstrapSamples(battles, { rounds: 50, seed: 7 });
    const c = bootstrapSamples(battles, { rounds: 50, seed: 8 });
    expect(Array.from(a.samples)).toEqual(Array.from(b.samples));
    expect(Array.from(a.samples)).not.toEqual(Array.from(c.samples));
  });

  it("rows are sorted by rating, carry games played, and bracket the median", () => {
    const rows = bootstrapRatings(battles, { rounds: 200, seed: 2 });
    expect(rows.map((r) => r.model)).toEqual([...skills.keys()]);
    expect(rows.reduce((s, r) => s + r.games, 0)).toBe(2 * battles.length);
    for (const r of rows) expect(r.lower <= r.median && r.median <= r.upper).toBe(true);
  });

  it("agrees with the sandwich interval to about 15%", () => {
    const boot = bootstrapRatings(battles, { rounds: 1000, seed: 3 });
    const sand = sandwichRatings(battles);
    for (const r of boot) {
      const s = sand.find((x) => x.model === r.model)!;
      expect(s.rating).toBeCloseTo(r.rating, 9);
      const wb = r.upper - r.lower, ws = s.upper - s.lower;
      expect(Math.abs(wb - ws) / ws, r.model).toBeLessThan(0.15);
    }
  });

  it("the sandwich interval with an anchor: zero width for the anchor, wider for the others", () => {
    const free = sandwichRatings(battles);
    const anchored = sandwichRatings(battles, { anchor: { model: "model-004", rating: 1000 } });
    const a = anchored.find((r) => r.model === "model-004")!;
    expect(a.rating).toBeCloseTo(1000, 9);
    expect(a.upper - a.lower).toBeLessThan(1e-6);
    const other = (rows: typeof free) => rows.find((r) => r.model === "model-008")!;
    expect(other(anchored).upper - other(anchored).lower).toBeGreaterThan(other(free).upper - other(free).lower);
  });

  it("online-Elo bootstrap runs too (replays resampled battles in random order)", () => {
    const rows = bootstrapRatings(simulateBattles(ladderSkills(4), 400, { seed: 5 }), { method: "elo", rounds: 30, seed: 1 });
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.upper).toBeGreaterThan(r.lower);
  });

  it("a resample without an MLE is reported, with the prior as remedy", () => {
    // 'rare' played twice, won once and lost once: some resamples see it unbeaten
    const t = simulateBattles({ a: 1000, b: 1000 }, 200, { seed: 1 });
    const extra = [...t, { modelA: "rare", modelB: "a", winner: "model_a" as const }, { modelA: "rare", modelB: "b", winner: "model_b" as const }];
    expect(() => bootstrapRatings(extra, { rounds: 200, seed: 1 })).toThrow(NoMleError);
    expect(() => bootstrapRatings(extra, { rounds: 50, seed: 1, prior: 1 })).not.toThrow();
  });
});

describe("ranks, tiers, win rates", () => {
  it("Arena's rank counts models whose lower bound is above this model's upper bound", () => {
    const rows = [{ lower: 10, upper: 20 }, { lower: 12, upper: 18 }, { lower: 0, upper: 11 }, { lower: -10, upper: -5 }];
    // the third (0..11) sits below the second's lower bound 12; the last below all three
    expect(arenaRanks(rows)).toEqual([1, 1, 2, 4]);
  });

  it("tiers split where intervals separate", () => {
    const row = (model: string, rating: number, half: number) => ({ model, rating, lower: rating - half, upper: rating + half, median: rating, rank: 0, games: 1 });
    expect(tiers([row("a", 100, 10), row("b", 95, 10), row("c", 60, 5), row("d", 58, 5)])).toEqual([["a", "b"], ["c", "d"]]);
  });

  it("predictedWinRate: ½ on the diagonal, complementary across it, 10:1 at 400 points", () => {
    const { models, p } = predictedWinRate(new Map([["x", 1400], ["y", 1000], ["z", 1000]]));
    expect(models).toEqual(["x", "y", "z"]);
    expect(p[0]![0]).toBe(0.5);
    expect(p[1]![2]).toBe(0.5);
    expect(p[0]![1]).toBeCloseTo(10 / 11, 14);
    expect(p[0]![1]! + p[1]![0]!).toBeCloseTo(1, 14);
    expect(() => predictedWinRate({ x: 1 }, { models: ["q"] })).toThrow(/no rating for "q"/);
  });

  it("leaderboardTable formats the interval as +/−", () => {
    const t = leaderboardTable([{ model: "m", rating: 1000.4, lower: 990, upper: 1012, median: 1000, rank: 1, games: 9 }]);
    expect(t.header).toEqual(["rank", "model", "rating", "95% CI", "games"]);
    expect(t.rows[0]).toEqual([1, "m", 1000, "+12 / −10", 9]);
  });

  it("quantiles interpolate like NumPy; the normal quantile is accurate", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.5758293035489, 8);
  });
});
