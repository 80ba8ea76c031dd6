// Bradley–Terry: Newton = MM, order independence, recovery, and every way the MLE can fail to exist.
import { describe, expect, it } from "vitest";
import { type Battle } from "../../lib/elo/battles.js";
import { NoMleError, bradleyTerry, fitBradleyTerry, mleProblem } from "../../lib/elo/bradleyTerry.js";
import { ladderSkills, simulateBattles } from "../../lib/elo/simulate.js";
import { winMatrix } from "../../lib/elo/winMatrix.js";

const b = (modelA: string, modelB: string, winner: Battle["winner"]): Battle => ({ modelA, modelB, winner });

function noMle(fn: () => unknown): NoMleError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NoMleError) return e;
    throw e;
  }
  throw new Error("expected NoMleError");
}

describe("bradleyTerry", () => {
  it("Newton and MM agree to 0.01 rating points on 12 models", () => {
    const t = simulateBattles(ladderSkills(12), 5000, { seed: 4, tieRate: 0.15 });
    const newton = bradleyTerry(t), mm = bradleyTerry(t, { method: "mm", tol: 1e-8 });
    for (const [m, r] of newton) expect(Math.abs(mm.get(m)! - r)).toBeLessThan(0.01);
  });

  it("the fast path equals plain Newton (to 1e-6 rating points), with and without a prior", () => {
    const t = simulateBattles(ladderSkills(12), 5000, { seed: 5, tieRate: 0.1 });
    for (const prior of [0, 2]) {
      const plain = fitBradleyTerry(winMatrix(t), { prior, tol: 1e-9 });
      const fast = fitBradleyTerry(winMatrix(t), { prior, tol: 1e-9, method: "fast-newton" });
      expect(fast.method).toBe("fast-newton");
      for (let i = 0; i < plain.models.length; i++) expect(Math.abs(fast.ratings[i]! - plain.ratings[i]!)).toBeLessThan(1e-6);
      expect(fast.logLikelihood).toBeCloseTo(plain.logLikelihood, 8);
    }
  });

  it("an unknown solver is an error that names the option", () => {
    const t = simulateBattles(ladderSkills(3), 100, { seed: 1 });
    expect(() => fitBradleyTerry(winMatrix(t), { method: "lbfgs" as never })).toThrow(/fitBradleyTerry: options.method must be one of "newton", "fast-newton", "mm"; got "lbfgs"/);
  });

  it("does not depend on the order of the battles", () => {
    const t = simulateBattles(ladderSkills(6), 800, { seed: 2, tieRate: 0.1 });
    const fwd = bradleyTerry(t), rev = bradleyTerry(t.reversed());
    for (const [m, r] of fwd) expect(Math.abs(rev.get(m)! - r)).toBeLessThan(1e-9);
  });

  it("mean rating is `init`; an anchor pins one model instead", () => {
    const t = simulateBattles(ladderSkills(5), 500, { seed: 8 });
    const r = [...bradleyTerry(t, { init: 1500 }).values()];
    expect(r.reduce((s, x) => s + x, 0) / r.length).toBeCloseTo(1500, 9);
    const anchored = bradleyTerry(t, { anchor: { model: "model-003", rating: 1234 } });
    expect(anchored.get("model-003")).toBeCloseTo(1234, 9);
    expect(() => bradleyTerry(t, { anchor: { model: "nobody", rating: 1 } })).toThrow(/"nobody" is not among/);
  });

  it("recovers simulated skills (within 25 points with 40k battles among 8 models)", () => {
    const skills = ladderSkills(8, 1300, 900);
    const r = bradleyTerry(simulateBattles(skills, 40_000, { seed: 12 }), { anchor: { model: "model-001", rating: 1300 } });
    for (const [m, s] of skills) expect(Math.abs(r.get(m)! - s)).toBeLessThan(25);
  });

  it("a single battle: no MLE, and the error names both models", () => {
    const e = noMle(() => bradleyTerry([b("x", "y", "model_a")]));
    expect(e.problem.unbeaten).toEqual([["x"]]);
    expect(e.problem.winless).toEqual([["y"]]);
    expect(e.message).toMatch(/"x" never lost/);
    expect(e.message).toMatch(/"y" never won/);
    expect(e.message).toMatch(/prior/);
    // the remedy works and keeps the order right
    const r = bradleyTerry([b("x", "y", "model_a")], { prior: 1 });
    expect(r.get("x")!).toBeGreaterThan(r.get("y")!);
    expect(Number.isFinite(r.get("x")!)).toBe(true);
  });

  it("all ties: every model rated `init` exactly", () => {
    const r = bradleyTerry([b("x", "y", "tie"), b("y", "z", "tie (bothbad)"), b("z", "x", "tie")]);
    for (const v of r.values()) expect(v).toBeCloseTo(1000, 9);
  });

  it("an unbeaten model is named, with its record", () => {
    const battles = [b("champ", "x", "model_a"), b("y", "champ", "model_b"), b("x", "y", "model_a"), b("y", "x", "model_a"), b("champ", "y", "tie")];
    // champ tied once, so it has half a loss: the MLE exists
    expect(() => bradleyTerry(battles)).not.toThrow();
    const strict = battles.slice(0, 4);
    const e = noMle(() => bradleyTerry(strict));
    expect(e.problem.kind).toBe("unbeaten-or-winless");
    expect(e.problem.unbeaten).toEqual([["champ"]]);
    expect(e.message).toMatch(/"champ" never lost \(2 wins, 0 losses/);
  });

  it("a group that never lost to outsiders is named as a group", () => {
    const battles = [b("a", "b", "model_a"), b("b", "a", "model_a"), b("a", "c", "model_a"), b("b", "c", "model_a"), b("c", "d", "model_a"), b("d", "c", "model_a")];
    const e = noMle(() => bradleyTerry(battles));
    expect(e.problem.unbeaten).toEqual([["a", "b"]]);
    expect(e.problem.winless).toEqual([["c", "d"]]);
    expect(e.message).toMatch(/\[a, b\] never lost/);
  });

  it("two disconnected groups: no MLE, the groups are listed, a prior fixes it", () => {
    const battles = [b("a", "b", "model_a"), b("b", "a", "model_a"), b("c", "d", "model_a"), b("d", "c", "tie")];
    const e = noMle(() => bradleyTerry(battles));
    expect(e.problem.kind).toBe("disconnected");
    expect(e.problem.components).toEqual([["a", "b"], ["c", "d"]]);
    expect(mleProblem(winMatrix(battles))?.kind).toBe("disconnected");
    const r = bradleyTerry(battles, { prior: 1 });
    expect(r.get("c")!).toBeGreaterThan(r.get("d")!);
  });

  it("no battles at all is an error, not NaN", () => {
    expect(() => bradleyTerry([])).toThrow(/no battles/);
  });

  it("reports its solver, iterations and log-likelihood", () => {
    const fit = fitBradleyTerry(winMatrix(simulateBattles(ladderSkills(4), 300, { seed: 1 })));
    expect(fit.method).toBe("newton");
    expect(fit.converged).toBe(true);
    expect(fit.logLikelihood).toBeLessThan(0);
    expect(Math.abs(fit.theta.reduce((s, x) => s + x, 0))).toBeLessThan(1e-12);
  });

  it("skill-independent ties compress the fitted scale toward the middle", () => {
    const skills = { hi: 1200, lo: 1000 };
    const clean = bradleyTerry(simulateBattles(skills, 20_000, { seed: 3 }));
    const tied = bradleyTerry(simulateBattles(skills, 20_000, { seed: 3, tieRate: 0.5 }));
    const gap = (m: Map<string, number>) => m.get("hi")! - m.get("lo")!;
    expect(gap(clean)).toBeGreaterThan(180);
    expect(gap(tied)).toBeLessThan(0.6 * gap(clean));
  });
});
