// Online Elo: one update by hand, order dependence, incremental = batch, bad input.
import { describe, expect, it } from "vitest";
import { type Battle, BattleTable } from "../../lib/elo/battles.js";
import { eloUpdate, expectedScore, onlineElo } from "../../lib/elo/online.js";
import { simulateBattles } from "../../lib/elo/simulate.js";

describe("onlineElo", () => {
  it("equal ratings give an expected score of ½; 400 points give 10:1 odds", () => {
    expect(expectedScore(1000, 1000)).toBe(0.5);
    expect(expectedScore(1400, 1000)).toBeCloseTo(10 / 11, 15);
  });

  it("a single battle moves each side by K/2 from equal ratings", () => {
    const r = onlineElo([{ modelA: "x", modelB: "y", winner: "model_a" }]);
    expect(r.get("x")).toBe(1002);
    expect(r.get("y")).toBe(998);
    // hand computation for unequal ratings: E = 1/(1+10^(-200/400)) = 0.759746926647958
    const [ra, rb] = eloUpdate(1200, 1000, 0, { k: 32 });
    expect(ra).toBeCloseTo(1200 - 32 * 0.759746926647958, 10);
    expect(rb).toBeCloseTo(1000 + 32 * 0.759746926647958, 10);
  });

  it("both kinds of tie score ½ and conserve the total", () => {
    const battles: Battle[] = [
      { modelA: "x", modelB: "y", winner: "model_a" },
      { modelA: "x", modelB: "y", winner: "tie" },
      { modelA: "y", modelB: "x", winner: "tie (bothbad)" },
    ];
    const r = onlineElo(battles);
    expect(r.get("x")! + r.get("y")!).toBeCloseTo(2000, 12);
    const allTies = onlineElo(Array.from({ length: 20 }, () => ({ modelA: "p", modelB: "q", winner: "tie" as const })));
    expect(allTies.get("p")).toBe(1000);
    expect(allTies.get("q")).toBe(1000);
  });

  it("depends on the order: reversed battles give different ratings", () => {
    const t = simulateBattles({ a: 1100, b: 1000, c: 900 }, 300, { seed: 3, tieRate: 0.1 });
    const fwd = onlineElo(t), rev = onlineElo(t.reversed());
    const maxDiff = Math.max(...["a", "b", "c"].map((m) => Math.abs(fwd.get(m)! - rev.get(m)!)));
    expect(maxDiff).toBeGreaterThan(1);
  });

  it("incremental equals batch: continuing from saved ratings gives the same result", () => {
    const t = simulateBattles({ a: 1100, b: 1000, c: 900, d: 950 }, 200, { seed: 9, tieRate: 0.2 });
    const all = onlineElo(t);
    const half = Array.from(t).slice(0, 120), rest = Array.from(t).slice(120);
    const resumed = onlineElo(rest, { start: onlineElo(half) });
    for (const [m, r] of all) expect(resumed.get(m)).toBe(r);
  });

  it("objects and tables give the same ratings, deterministic under a seed", () => {
    const t = simulateBattles({ a: 1100, b: 1000, c: 900 }, 100, { seed: 1 });
    const sorted = (m: Map<string, number>) => [...m].sort((x, y) => x[0].localeCompare(y[0]));
    expect(sorted(onlineElo([...t]))).toEqual(sorted(onlineElo(t)));
    expect([...onlineElo(simulateBattles({ a: 1100, b: 1000, c: 900 }, 100, { seed: 1 }))]).toEqual([...onlineElo(t)]);
  });

  it("rejects unknown outcomes, missing models and self-play, naming the battle", () => {
    expect(() => onlineElo([{ modelA: "x", modelB: "y", winner: "draw" as never }])).toThrow(/battle 0: unknown outcome "draw"/);
    expect(() => onlineElo([{ modelA: "x", modelB: "y", winner: "tie" }, { modelA: "x", modelB: "", winner: "tie" }])).toThrow(/battle 1: missing model_b/);
    expect(() => onlineElo([{ modelA: "x", modelB: "x", winner: "tie" }])).toThrow(/against itself/);
    expect(() => new BattleTable(["a"], new Int32Array(1), new Int32Array(2), new Uint8Array(1))).toThrow(/differ in length/);
  });
});
