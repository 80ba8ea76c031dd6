// lib/elo against the independent NumPy reference (tests/reference/elo_reference.py, fixture
// tests/reference/fixtures/elo_reference.json). Tolerances are stated next to each comparison.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BattleTable } from "../../lib/elo/battles.js";
import { bradleyTerry, fitBradleyTerry } from "../../lib/elo/bradleyTerry.js";
import { onlineElo } from "../../lib/elo/online.js";
import { bootstrapRatings, sandwichRatings } from "../../lib/elo/uncertainty.js";
import { winMatrix, winMatrixRows } from "../../lib/elo/winMatrix.js";
import { assertClose } from "../helpers/close.js";

const ref = JSON.parse(readFileSync(new URL("../reference/fixtures/elo_reference.json", import.meta.url), "utf8"));
const models: string[] = ref.models;

function table(rows: number[][]): BattleTable {
  return new BattleTable(models, Int32Array.from(rows, (r) => r[0]!), Int32Array.from(rows, (r) => r[1]!), Uint8Array.from(rows, (r) => r[2]!));
}
const battles = table(ref.battles);
const inOrder = (m: Map<string, number>) => models.map((name) => m.get(name)!);

describe("lib/elo vs NumPy reference", () => {
  it("online Elo is identical on a fixed sequence (Arena constants and custom ones)", () => {
    // Same arithmetic in the same order: equal to the last few ulps (1e-9 rating points).
    assertClose(inOrder(onlineElo(battles)), ref.online_elo, { atol: 1e-9, what: "online Elo", labels: models });
    assertClose(inOrder(onlineElo(battles, { k: 32, scale: 200, init: 1500 })), ref.online_elo_k32_scale200, { atol: 1e-9, what: "online Elo k32", labels: models });
    assertClose(inOrder(onlineElo(battles.reversed())), ref.online_elo_reversed, { atol: 1e-9, what: "online Elo reversed", labels: models });
  });

  it("the win matrix matches exactly", () => {
    const rows = winMatrixRows(winMatrix(battles));
    rows.forEach((row, i) => assertClose(row, ref.win_matrix[i], { atol: 0, what: `win matrix row ${i}`, labels: models }));
  });

  it("Bradley–Terry is within 0.01 rating points (Newton and MM, anchor, prior, other scales)", () => {
    assertClose(inOrder(bradleyTerry(battles)), ref.bt_ratings, { atol: 0.01, what: "BT newton", labels: models });
    assertClose(inOrder(bradleyTerry(battles, { method: "mm", tol: 1e-8 })), ref.bt_mm_ratings, { atol: 0.01, what: "BT mm", labels: models });
    assertClose(inOrder(bradleyTerry(battles, { anchor: { model: "delta", rating: 1200 } })), ref.bt_anchor_ratings, { atol: 0.01, what: "BT anchor", labels: models });
    assertClose(inOrder(bradleyTerry(battles, { prior: 2 })), ref.bt_prior2_ratings, { atol: 0.01, what: "BT prior 2", labels: models });
    assertClose(inOrder(bradleyTerry(battles, { scale: 1, base: Math.E, init: 0 })), ref.bt_base_e_scale1, { atol: 1e-4, what: "BT natural units", labels: models });
  });

  it("Newton converges in a handful of iterations; MM in tens", () => {
    const newton = fitBradleyTerry(winMatrix(battles));
    const mm = fitBradleyTerry(winMatrix(battles), { method: "mm" });
    expect(newton.iterations).toBeLessThanOrEqual(10);
    expect(mm.iterations).toBeGreaterThan(newton.iterations);
  });

  it("sandwich half-widths match the reference to 1e-6 relative", () => {
    const rows = sandwichRatings(battles);
    const half = models.map((m) => { const r = rows.find((x) => x.model === m)!; return (r.upper - r.lower) / 2; });
    assertClose(half, ref.sandwich_halfwidth, { atol: 1e-6 * 50, what: "sandwich half-width", labels: models });
  });

  it("bootstrap percentiles agree with NumPy's bootstrap up to Monte Carlo noise", () => {
    // Different random streams, so only statistically: with 4000 NumPy and 2000 TypeScript rounds
    // on 3000 battles each 2.5/97.5 percentile is within 25% of the interval's half-width.
    const large = table(ref.large.battles);
    const rows = bootstrapRatings(large, { rounds: 2000, seed: 5 });
    models.forEach((m, i) => {
      const r = rows.find((x) => x.model === m)!;
      const half = (ref.large.upper[i] - ref.large.lower[i]) / 2;
      expect(Math.abs(r.lower - ref.large.lower[i]), `${m} lower`).toBeLessThan(0.25 * half);
      expect(Math.abs(r.upper - ref.large.upper[i]), `${m} upper`).toBeLessThan(0.25 * half);
      // and the bootstrap agrees with the closed-form sandwich width to 20%
      expect(Math.abs(half - ref.large.sandwich_halfwidth[i]) / ref.large.sandwich_halfwidth[i], `${m} vs sandwich`).toBeLessThan(0.2);
    });
  });
});
