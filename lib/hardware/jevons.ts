/**
 * Jevons' paradox as a constant-elasticity demand model: make compute `efficiency` times cheaper
 * per token, pass that on to the price, and see how many more tokens people buy and what happens
 * to the total GPU-hours spent on them.
 *
 * Taught in notebooks/05b_scaling_and_jevons.ipynb ("Jevons' paradox").
 *
 * W. S. Jevons, The Coal Question (1865), ch. VII: "It is wholly a confusion of ideas to suppose
 * that the economical use of fuel is equivalent to a diminished consumption. The very contrary is
 * the truth." Watt's more efficient engine made steam power cheap enough to use everywhere, and
 * Britain's coal use rose.
 *
 * The model, everything relative to today (= 1):
 *   price per token      P = efficiency^(−passThrough)       (passThrough = 1: all savings passed on)
 *   tokens demanded      Q = P^(−ε)                          (constant price elasticity ε)
 *   GPU-hours            H = Q / efficiency = efficiency^(passThrough·ε − 1)
 * With full pass-through, ε > 1 means efficiency INCREASES total GPU demand (Jevons), ε = 1 leaves it
 * unchanged, ε < 1 decreases it. Spending on tokens is P·Q = efficiency^(passThrough·(ε − 1)).
 */
import { requireFraction, requireNonNegative, requirePositive } from "./validate.js";

/** One scenario's outcome, relative to the baseline (efficiency 1). */
export interface JevonsOutcome {
  efficiency: number;
  elasticity: number;
  passThrough: number;
  pricePerToken: number;
  tokens: number;
  gpuHours: number;
  spend: number;
}

/** The constant-elasticity model for one (efficiency, elasticity) pair. */
export function jevonsOutcome(efficiency: number, elasticity: number, opts: { passThrough?: number } = {}): JevonsOutcome {
  requirePositive("jevonsOutcome", "efficiency", efficiency);
  requireNonNegative("jevonsOutcome", "elasticity", elasticity);
  const passThrough = opts.passThrough ?? 1;
  requireFraction("jevonsOutcome", "passThrough", passThrough);
  const pricePerToken = Math.pow(efficiency, -passThrough);
  const tokens = Math.pow(pricePerToken, -elasticity);
  return {
    efficiency, elasticity, passThrough, pricePerToken, tokens,
    gpuHours: tokens / efficiency,
    spend: pricePerToken * tokens,
  };
}

/** Every combination of efficiencies × elasticities (rows in elasticity-major order). */
export function jevonsScenarios(efficiencies: readonly number[], elasticities: readonly number[],
  opts: { passThrough?: number } = {}): JevonsOutcome[] {
  const rows: JevonsOutcome[] = [];
  for (const e of elasticities) for (const x of efficiencies) rows.push(jevonsOutcome(x, e, opts));
  return rows;
}

/** The elasticity above which efficiency raises GPU-hours: ε* = 1 / passThrough. */
export function jevonsThreshold(opts: { passThrough?: number } = {}): number {
  const passThrough = opts.passThrough ?? 1;
  requireFraction("jevonsThreshold", "passThrough", passThrough);
  return 1 / passThrough;
}
