/**
 * Scaling laws: the Chinchilla parametric loss L(N, D) = E + A/N^α + B/D^β, the compute-optimal
 * split of a FLOP budget C ≈ 6·N·D between parameters N and tokens D, "what does 10× compute buy?",
 * and least-squares power-law fitters that the notebook runs on the project's own measured runs.
 *
 * Taught in notebooks/05b_scaling_and_jevons.ipynb ("Scaling laws").
 *
 * Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", section 3.3, eq. (2) for
 * L̂(N, D), eq. (4) for the closed-form optimum N_opt(C) = G·(C/6)^a, D_opt(C) = G⁻¹·(C/6)^b with
 * G = (αA / (βB))^(1/(α+β)), a = β/(α+β), b = α/(α+β).
 */
import { requireInteger, requirePositive } from "./validate.js";

/** The five numbers of a Chinchilla-style fit, with where they come from. */
export interface ChinchillaFit {
  E: number; A: number; B: number; alpha: number; beta: number;
  source: string;
}

/** Hoffmann et al. 2022, section 3.3 (approach 3): E = 1.69, A = 406.4, B = 410.7, α = 0.34, β = 0.28. */
export const CHINCHILLA_HOFFMANN_2022: ChinchillaFit = {
  E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28,
  source: "Hoffmann et al. 2022 (arXiv 2203.15556), section 3.3, approach 3",
};

/**
 * Besiroglu et al. 2024, "Chinchilla Scaling: A replication attempt" (arXiv 2404.10102), refit of
 * approach 3 on data read off the original paper's figure: E = 1.8172, A = 482.01, B = 2085.43,
 * α = 0.3478, β = 0.3658. Its optimum (≈20 tokens per parameter) agrees with Chinchilla's
 * approaches 1 and 2, which the original approach-3 numbers do not.
 */
export const CHINCHILLA_BESIROGLU_2024: ChinchillaFit = {
  E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658,
  source: "Besiroglu et al. 2024 (arXiv 2404.10102), Table 1",
};

/** L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2), in nats per token. */
export function chinchillaLoss(params: number, tokens: number, fit: ChinchillaFit = CHINCHILLA_HOFFMANN_2022): number {
  requirePositive("chinchillaLoss", "params", params);
  requirePositive("chinchillaLoss", "tokens", tokens);
  return fit.E + fit.A / Math.pow(params, fit.alpha) + fit.B / Math.pow(tokens, fit.beta);
}

/** The compute-optimal model for a budget. */
export interface ComputeOptimal {
  flops: number;
  params: number;
  tokens: number;
  tokensPerParam: number;
  loss: number;
}

/** N_opt and D_opt for a budget of `flops` ≈ 6·N·D (Hoffmann et al. 2022, eq. 4). */
export function computeOptimal(flops: number, fit: ChinchillaFit = CHINCHILLA_HOFFMANN_2022): ComputeOptimal {
  requirePositive("computeOptimal", "flops", flops);
  const s = fit.alpha + fit.beta;
  const G = Math.pow((fit.alpha * fit.A) / (fit.beta * fit.B), 1 / s);
  const params = G * Math.pow(flops / 6, fit.beta / s);
  const tokens = (flops / 6) / params;  // = G⁻¹ · (C/6)^(α/(α+β)), and 6·N·D = C exactly
  return { flops, params, tokens, tokensPerParam: tokens / params, loss: chinchillaLoss(params, tokens, fit) };
}

/** What multiplying the compute budget by `factor` buys, both runs compute-optimal. */
export interface ComputeMultiplierEffect {
  before: ComputeOptimal;
  after: ComputeOptimal;
  /** after.params / before.params = factor^(β/(α+β)). */
  paramsRatio: number;
  /** after.tokens / before.tokens = factor^(α/(α+β)). */
  tokensRatio: number;
  /** (after.loss − E) / (before.loss − E) = factor^(−αβ/(α+β)): the reducible loss shrinks by this. */
  reducibleLossRatio: number;
}

/** "What does 10× compute buy?" for any factor. */
export function computeMultiplierEffect(flops: number, factor: number,
  fit: ChinchillaFit = CHINCHILLA_HOFFMANN_2022): ComputeMultiplierEffect {
  requirePositive("computeMultiplierEffect", "factor", factor);
  const before = computeOptimal(flops, fit);
  const after = computeOptimal(flops * factor, fit);
  return {
    before, after,
    paramsRatio: after.params / before.params,
    tokensRatio: after.tokens / before.tokens,
    reducibleLossRatio: (after.loss - fit.E) / (before.loss - fit.E),
  };
}

/** y ≈ coefficient · x^exponent (exponent is negative for a falling loss curve). */
export interface PowerLawFit {
  coefficient: number;
  exponent: number;
  /** Irreducible part c in y ≈ c + a·x^b; 0 for `fitPowerLaw`. */
  offset: number;
  /** R² of log(y − offset) against log x. */
  r2: number;
  /** Sum of squared residuals in y itself. */
  sse: number;
}

function checkXY(fn: string, x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) throw new Error(`${fn}: x and y need the same length; got ${x.length} and ${y.length}`);
  if (x.length < 2) throw new Error(`${fn}: need at least 2 points; got ${x.length}`);
  x.forEach((v, i) => requirePositive(fn, `x[${i}]`, v));
  y.forEach((v, i) => requirePositive(fn, `y[${i}]`, v));
  if (new Set(x).size < 2) throw new Error(`${fn}: x needs at least two distinct values`);
}

/** Ordinary least squares of log y on log x: log y = log a + b·log x. */
function logLogOls(x: readonly number[], y: readonly number[], offset: number): PowerLawFit {
  const lx = x.map(Math.log);
  const ly = y.map((v) => Math.log(v - offset));
  const n = lx.length;
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = ly.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
    syy += (ly[i]! - my) ** 2;
  }
  const exponent = sxy / sxx;
  const coefficient = Math.exp(my - exponent * mx);
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += (ly[i]! - (my + exponent * (lx[i]! - mx))) ** 2;
  const r2 = syy === 0 ? 1 : 1 - ssRes / syy;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - (offset + coefficient * Math.pow(x[i]!, exponent))) ** 2;
  return { coefficient, exponent, offset, r2, sse };
}

/** Fit y ≈ a · x^b by least squares in log-log space (a straight line on a log-log plot). */
export function fitPowerLaw(x: readonly number[], y: readonly number[]): PowerLawFit {
  checkXY("fitPowerLaw", x, y);
  return logLogOls(x, y, 0);
}

/**
 * Fit y ≈ c + a · x^b with an irreducible floor c in [0, min y): for each candidate c the exponent
 * comes from the log-log line of (y − c); c is chosen to minimise the squared error in y itself,
 * by a grid search then golden-section refinement. Needs at least 3 points (3 unknowns).
 */
export function fitPowerLawWithOffset(x: readonly number[], y: readonly number[],
  opts: { gridSize?: number } = {}): PowerLawFit {
  checkXY("fitPowerLawWithOffset", x, y);
  if (x.length < 3) throw new Error(`fitPowerLawWithOffset: need at least 3 points for 3 unknowns; got ${x.length}`);
  const gridSize = opts.gridSize ?? 200;
  requireInteger("fitPowerLawWithOffset", "gridSize", gridSize, 2);
  const hi = Math.min(...y) * (1 - 1e-9);
  const at = (c: number) => logLogOls(x, y, c);
  let best = at(0);
  let bestI = 0;
  for (let i = 1; i < gridSize; i++) {
    const f = at((hi * i) / gridSize);
    if (f.sse < best.sse) { best = f; bestI = i; }
  }
  // Golden-section search on the bracket around the best grid point.
  let lo = (hi * Math.max(0, bestI - 1)) / gridSize;
  let up = (hi * Math.min(gridSize - 1, bestI + 1)) / gridSize;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60 && up - lo > 1e-12 * Math.max(1, hi); it++) {
    const c1 = up - g * (up - lo), c2 = lo + g * (up - lo);
    if (at(c1).sse < at(c2).sse) up = c2; else lo = c1;
  }
  const refined = at((lo + up) / 2);
  return refined.sse < best.sse ? refined : best;
}

/** Evaluate a fitted power law at x. */
export function evalPowerLaw(fit: PowerLawFit, x: number): number {
  return fit.offset + fit.coefficient * Math.pow(x, fit.exponent);
}
