/**
 * Bradley–Terry: "Elo without order". Each model i has a strength θ_i and
 *     P(i beats j) = σ(θ_i − θ_j) = 1 / (1 + e^−(θ_i − θ_j)),
 * fitted by maximum likelihood to all battles at once, so the order of the battles is irrelevant.
 * Ratings are reported on the Elo scale: R_i = scale / ln(base) · θ_i + init (mean `init`, or one
 * model pinned by `anchor`). This is the model Chatbot Arena fits (by logistic regression).
 *
 * Taught in notebooks/04_elo_rankings.ipynb ("Bradley–Terry as Elo without order", "the fit").
 * The log-likelihood depends on the battles only through the win matrix w (winMatrix.ts):
 *     ℓ(θ) = Σ_{i≠j} w_ij · log σ(θ_i − θ_j),
 * so every iteration costs O(models²). Three solvers, which must agree (tests/elo), in
 * bradleyTerrySolvers.ts:
 * - "newton" (default): θ ← θ + (L + 11ᵀ/n)⁻¹ g, where g_i = W_i − Σ_j n_ij p_ij is the gradient
 *   and L the Laplacian with weights n_ij p_ij (1 − p_ij) (minus the Hessian); the rank-one
 *   term fixes the one free direction (adding a constant to every θ). Quadratic convergence,
 *   with step halving when a step would lower the likelihood.
 * - "fast-newton": the same steps, named as the fast path (a log-odds start, a reused
 *   factorisation near the optimum); what the bootstrap uses.
 * - "mm": Hunter's (2004) minorise–maximise update γ_i ← W_i / Σ_j n_ij / (γ_i + γ_j), γ = e^θ.
 *   Simple and monotone, but only linearly convergent.
 * Here W_i = Σ_j w_ij (total wins, ties as halves) and n_ij = w_ij + w_ji (games between i and j).
 *
 * The maximum likelihood exists only if the "took at least half a point from" graph is strongly
 * connected (mleExistence.ts). Otherwise the fit throws a `NoMleError` that names the models. The
 * remedy is explicit: `prior: c` lets each model play c virtual tied games against a reference
 * player fixed at θ = 0 (rating `init`), which keeps every strength finite and pulls
 * weakly-measured ones toward the middle.
 */
import { type Battles } from "./battles.js";
import { fastNewtonFit, logLikelihood, logOddsStart, mmFit, newtonFit, pairsOf } from "./bradleyTerrySolvers.js";
import { NoMleError, mleProblem } from "./mleExistence.js";
import { checkBradleyTerryOptions, checkRatingScale } from "./options.js";
import { type WinMatrix, winMatrix } from "./winMatrix.js";

export { type MleProblem, NoMleError, mleProblem } from "./mleExistence.js";

export interface RatingScale {
  /** Rating points per factor of `base` in the odds. Default 400. */
  scale?: number;
  /** Default 10. */
  base?: number;
  /** Mean rating (unless `anchor` is given). Default 1000. */
  init?: number;
  /** Pin one model's rating instead of fixing the mean. */
  anchor?: { model: string; rating: number };
}

export interface BradleyTerryOptions extends RatingScale {
  /** Solver. Default "newton" (readable); "fast-newton" is the named fast path. */
  method?: "newton" | "fast-newton" | "mm";
  /** Stop when no rating moves by more than this many rating points in one iteration. Default 1e-6. */
  tol?: number;
  /** Default 100 (newton) or 100000 (mm). */
  maxIter?: number;
  /** Virtual tied games per model against a reference rated `init`; 0 (default) = pure MLE. */
  prior?: number;
}

export interface BradleyTerryFit {
  models: string[];
  /** [n] on the Elo scale. */
  ratings: Float64Array;
  /** [n] natural-log strengths, centred to mean 0. */
  theta: Float64Array;
  method: "newton" | "fast-newton" | "mm";
  iterations: number;
  /** Always true on return: a fit that does not converge throws. */
  converged: boolean;
  logLikelihood: number;
}

/**
 * Bradley–Terry ratings on the Elo scale.
 * @returns rating per model, in the order models first appear.
 * @throws NoMleError when the maximum likelihood does not exist (and `prior` is 0).
 */
export function bradleyTerry(battles: Battles | WinMatrix, opts: BradleyTerryOptions = {}): Map<string, number> {
  checkBradleyTerryOptions("bradleyTerry", opts);
  const fit = fitBradleyTerry(isWinMatrix(battles) ? battles : winMatrix(battles), opts);
  return new Map(fit.models.map((m, i) => [m, fit.ratings[i]!]));
}

export function isWinMatrix(x: unknown): x is WinMatrix {
  return typeof x === "object" && x !== null && (x as WinMatrix).wins instanceof Float64Array && Array.isArray((x as WinMatrix).models);
}

/** The full fit: ratings, strengths, solver, iterations and log-likelihood. */
export function fitBradleyTerry(m: WinMatrix, opts: BradleyTerryOptions = {}): BradleyTerryFit {
  checkBradleyTerryOptions("fitBradleyTerry", opts);
  const n = m.models.length;
  if (n === 0) throw new Error("bradleyTerry: no battles");
  const prior = opts.prior ?? 0;
  if (!(prior >= 0)) throw new Error(`bradleyTerry: prior must be >= 0; got ${prior}`);
  if (prior === 0) {
    const problem = mleProblem(m);
    if (problem) throw new NoMleError(problem);
  }
  const method = opts.method ?? "newton";
  const pairs = pairsOf(m);
  const tolTheta = (opts.tol ?? 1e-6) / pointsPerNat(opts);
  const result =
    method === "newton" ? newtonFit(pairs, prior, new Float64Array(n), tolTheta, opts.maxIter ?? 100)
    : method === "fast-newton" ? fastNewtonFit(pairs, prior, logOddsStart(pairs), tolTheta, opts.maxIter ?? 100)
    : method === "mm" ? mmFit(pairs, prior, tolTheta, opts.maxIter ?? 100_000)
    : badMethod(method);
  if (!result.converged) {
    throw new Error(`bradleyTerry (${method}): not converged to ${opts.tol ?? 1e-6} rating points after ${result.iterations} iterations; raise maxIter or tol`);
  }
  const theta = centred(result.theta);
  return {
    models: m.models.slice(),
    ratings: toRatings(theta, m.models, opts),
    theta,
    method,
    iterations: result.iterations,
    converged: true,
    get logLikelihood() {
      return logLikelihood(pairs, theta, 0); // on demand: a pass over the pairs that most callers skip
    },
  };
}

function badMethod(method: unknown): never {
  throw new Error(`bradleyTerry: opts.method must be "newton", "fast-newton" or "mm"; got ${JSON.stringify(method)}`);
}

/** Rating points per unit of θ: scale / ln(base) (≈ 173.7 for Arena's 400 and 10). */
export function pointsPerNat(opts: { scale?: number; base?: number } = {}): number {
  checkRatingScale("pointsPerNat", opts);
  return (opts.scale ?? 400) / Math.log(opts.base ?? 10);
}

/** θ (any gauge) → Elo-scale ratings with mean `init`, or `anchor.model` at `anchor.rating`. */
export function toRatings(theta: Float64Array, models: readonly string[], opts: RatingScale = {}): Float64Array {
  const k = pointsPerNat(opts);
  let shift: number;
  if (opts.anchor) {
    const a = models.indexOf(opts.anchor.model);
    if (a < 0) throw new Error(`anchor model "${opts.anchor.model}" is not among the ${models.length} rated models`);
    shift = opts.anchor.rating - k * theta[a]!;
  } else {
    let mean = 0;
    for (const t of theta) mean += t;
    shift = (opts.init ?? 1000) - (k * mean) / theta.length;
  }
  return theta.map((t) => k * t + shift);
}

function centred(theta: Float64Array): Float64Array {
  let mean = 0;
  for (const t of theta) mean += t;
  mean /= theta.length;
  return theta.map((t) => t - mean);
}

