// lib/capstone/results.ts: the committed results load, have the schema, and their ratings
// are exactly what the library computes from the committed battles — and what NumPy computes
// (tests/reference/capstone_reference.py, Hunter's MM: a different solver from the library's Newton).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadCapstoneBattles, loadCapstoneResults, rateEntrants, CAPSTONE_RATING } from "../../lib/capstone/results.js";
import { buildBattles, BATTLES_HEADER } from "../../lib/capstone/battles.js";
import { wilsonInterval } from "../../lib/reasoning/vote.js";
import { assertClose } from "../helpers/close.js";

const ref = JSON.parse(readFileSync(new URL("../reference/fixtures/capstone_reference.json", import.meta.url), "utf8"));

const REQUIRED = [
  "name", "kind", "totalParams", "activeParams", "trainFlops", "trainSeconds", "kvElementsPerToken",
  "tokensPerAnswer", "accuracy", "accuracyLow", "accuracyHigh", "elo", "eloLow", "eloHigh",
];

describe("capstone results", () => {
  it("results.json has the issue's schema", async () => {
    const r = await loadCapstoneResults();
    expect(typeof r.command).toBe("string");
    expect(Array.isArray(r.seeds) && r.seeds.every((s) => typeof s === "number")).toBe(true);
    expect(r.heldOut).toBeGreaterThanOrEqual(500);
    expect(r.entrants.length).toBeGreaterThanOrEqual(2);
    for (const e of r.entrants) {
      for (const k of REQUIRED) expect(e, `${e.name}.${k}`).toHaveProperty(k);
      for (const k of REQUIRED.slice(2)) expect(Number.isFinite((e as unknown as Record<string, number>)[k]), `${e.name}.${k}`).toBe(true);
      expect(e.accuracyLow).toBeLessThanOrEqual(e.accuracy);
      expect(e.accuracyHigh).toBeGreaterThanOrEqual(e.accuracy);
      expect(e.eloLow).toBeLessThanOrEqual(e.eloHigh);
      expect(e.activeParams).toBeLessThanOrEqual(e.totalParams);
      // accuracy and its Wilson interval from the count of right answers
      const w = wilsonInterval(Math.round(e.accuracy * r.heldOut), r.heldOut);
      assertClose([e.accuracy, e.accuracyLow, e.accuracyHigh], [w.p, w.lo, w.hi], { atol: 1e-12, what: `${e.name} accuracy` });
    }
    const names = r.entrants.map((e) => e.name);
    for (const need of ["dense", "mini-V3", "mini-V3+GRPO", "mini-V3+SFT", "mini-R1", "student-distilled", "student-gt", "sc@1", "sc@4", "sc@16"]) expect(names).toContain(need);
    expect(r.entrants.filter((e) => e.kind === "ladder").length).toBeGreaterThanOrEqual(6);
    const dense = r.entrants.find((e) => e.name === "dense")!;
    const v3 = r.entrants.find((e) => e.name === "mini-V3")!;
    expect(v3.activeParams).toBe(dense.activeParams);
    expect(v3.totalParams).toBeGreaterThan(dense.totalParams);
  });

  it("battles.csv: one row per pair per problem, the issue's header, each entrant's wins match its accuracy", async () => {
    const [r, battles] = await Promise.all([loadCapstoneResults(), loadCapstoneBattles()]);
    const text = readFileSync(new URL("../../datasets/capstone/battles.csv", import.meta.url), "utf8");
    expect(text.split("\n", 1)[0]).toBe(BATTLES_HEADER);
    const n = r.entrants.length;
    expect(battles.length).toBe(((n * (n - 1)) / 2) * r.heldOut);
    // Rebuild the battles from each entrant's right answers, read back from its battles: identical file.
    const problems = [...new Set(battles.map((b) => b.problem))];
    expect(problems.length).toBe(r.heldOut);
    const names = r.entrants.map((e) => e.name);
    const right = new Map(names.map((m) => [m, new Map<string, boolean>()]));
    for (const b of battles) {
      const bothRight = b.winner === "tie";
      right.get(b.modelA)!.set(b.problem, b.winner === "model_a" || bothRight);
      right.get(b.modelB)!.set(b.problem, b.winner === "model_b" || bothRight);
    }
    const table = names.map((m) => problems.map((p) => right.get(m)!.get(p)!));
    expect(buildBattles(names, table, problems)).toEqual(battles);
    r.entrants.forEach((e, i) => expect(table[i]!.filter(Boolean).length / r.heldOut, e.name).toBeCloseTo(e.accuracy, 12));
  });

  it("the committed elo values are reproduced from the committed battles.csv", async () => {
    const [r, battles] = await Promise.all([loadCapstoneResults(), loadCapstoneBattles()]);
    const rated = new Map(rateEntrants(battles).map((x) => [x.name, x]));
    for (const e of r.entrants) {
      const x = rated.get(e.name)!;
      // Same library, same data, same seed: equal to rounding (1e-9 rating points).
      assertClose([x.elo, x.eloLow, x.eloHigh], [e.elo, e.eloLow, e.eloHigh], { atol: 1e-9, what: `${e.name} elo` });
    }
    expect(r.rating).toMatchObject({ scale: 400, base: 10, init: 1000, prior: 0, resample: "problem" });
    const mean = r.entrants.reduce((s, e) => s + e.elo, 0) / r.entrants.length;
    expect(mean).toBeCloseTo(CAPSTONE_RATING.init, 6);
  });

  it("Bradley–Terry agrees with NumPy's MM solver within 0.01 points (a seeded table, and the committed battles)", async () => {
    const t = ref.table;
    const rated = rateEntrants(buildBattles(t.names, t.correct, t.problems), { rounds: 50 });
    assertClose(rated.map((x) => x.elo), rated.map((x) => t.bt[x.name]), { atol: 0.01, what: "BT, seeded table", labels: rated.map((x) => x.name) });
    expect(ref.committed, "re-run tests/reference/capstone_reference.py after regenerating datasets/capstone/").toBeDefined();
    const r = await loadCapstoneResults();
    expect(ref.committed.battles).toBe((await loadCapstoneBattles()).length);
    assertClose(r.entrants.map((e) => e.elo), r.entrants.map((e) => ref.committed.bt[e.name]), { atol: 0.01, what: "BT, committed battles", labels: r.entrants.map((e) => e.name) });
  });

  it("the problem bootstrap resamples whole problems: intervals hold the fit and are wider than the battle bootstrap's", () => {
    const t = ref.table;
    const battles = buildBattles(t.names, t.correct, t.problems);
    const byProblem = rateEntrants(battles, { rounds: 300 });
    const byBattle = rateEntrants(battles, { rounds: 300, resample: "battle" });
    byProblem.forEach((r, i) => {
      expect(r.eloLow).toBeLessThanOrEqual(r.elo);
      expect(r.eloHigh).toBeGreaterThanOrEqual(r.elo);
      expect(r.elo).toBe(byBattle[i]!.elo); // same point estimate
    });
    // 10 battles share each problem's answers: treating them as independent understates the spread.
    const width = (rows: typeof byProblem) => rows.reduce((s, r) => s + r.eloHigh - r.eloLow, 0);
    expect(width(byProblem)).toBeGreaterThan(1.5 * width(byBattle));
    expect(() => rateEntrants(battles, { resample: "vote" as "battle" })).toThrow(/options.resample must be "problem" or "battle"/);
    expect(() => rateEntrants(battles.map(({ problem: _p, ...b }) => b))).toThrow(/needs each battle's problem; battle 0 has undefined/);
  });

  it("loaders name the file they could not read", async () => {
    await expect(loadCapstoneBattles("/nonexistent/battles.csv")).rejects.toThrow(/loadCapstoneBattles: cannot read \/nonexistent\/battles.csv/);
    expect(() => rateEntrants([])).toThrow(/rateEntrants: battles must be a non-empty array/);
  });
});
