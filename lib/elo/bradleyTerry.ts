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
 * so every iteration costs O(models²). Two solvers, which must agree (tests/elo):
 * - "newton" (default): θ ← θ + (L + 11ᵀ/n)⁻¹ g, where g_i = W_i − Σ_j n_ij p_ij is the gradient
 *   and L the Laplacian with weights n_ij p_ij (1 − p_ij) (minus the Hessian); the rank-one
 *   term fixes the one free direction (adding a constant to every θ). Quadratic convergence,
 *   with step halving when a step would lower the likelihood.
 * - "mm": Hunter's (2004) minorise–maximise update γ_i ← W_i / Σ_j n_ij / (γ_i + γ_j), γ = e^θ.
 *   Simple and monotone, but only linearly convergent.
 * Here W_i = Σ_j w_ij (total wins, ties as halves) and n_ij = w_ij + w_ji (games between i and j).
 *
 * The maximum likelihood exists only if the "took at least half a point from" graph is strongly
 * connected (Zermelo 1929, Ford 1957). Otherwise the fit throws a `NoMleError` that names the
 * models (unbeaten, winless, or in separate groups). The remedy is explicit: `prior: c` lets each
 * model play c virtual tied games against a reference player fixed at θ = 0 (rating `init`),
 * which keeps every strength finite and pulls weakly-measured ones toward the middle.
 */
import { type Battles } from "./battles.js";
import { choleskyInPlace, choleskySolveInPlace, matVec } from "./linalg.js";
import { type WinMatrix, winMatrix } from "./winMatrix.js";

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
  /** Solver. Default "newton". */
  method?: "newton" | "mm";
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
  method: "newton" | "mm";
  iterations: number;
  /** Always true on return: a fit that does not converge throws. */
  converged: boolean;
  logLikelihood: number;
}

/** Why the maximum-likelihood estimate does not exist. */
export interface MleProblem {
  kind: "disconnected" | "unbeaten-or-winless";
  /** Groups of models with no games between groups (kind "disconnected"). */
  components: string[][];
  /** Groups that never lost a point to any model outside the group. */
  unbeaten: string[][];
  /** Groups that never won a point from any model outside the group. */
  winless: string[][];
  message: string;
}

export class NoMleError extends Error {
  constructor(readonly problem: MleProblem) {
    super(problem.message);
    this.name = "NoMleError";
  }
}

/**
 * Bradley–Terry ratings on the Elo scale.
 * @returns rating per model, in the order models first appear.
 * @throws NoMleError when the maximum likelihood does not exist (and `prior` is 0).
 */
export function bradleyTerry(battles: Battles | WinMatrix, opts: BradleyTerryOptions = {}): Map<string, number> {
  const fit = fitBradleyTerry(isWinMatrix(battles) ? battles : winMatrix(battles), opts);
  return new Map(fit.models.map((m, i) => [m, fit.ratings[i]!]));
}

export function isWinMatrix(x: unknown): x is WinMatrix {
  return typeof x === "object" && x !== null && (x as WinMatrix).wins instanceof Float64Array && Array.isArray((x as WinMatrix).models);
}

/** The full fit: ratings, strengths, solver, iterations and log-likelihood. */
export function fitBradleyTerry(m: WinMatrix, opts: BradleyTerryOptions = {}): BradleyTerryFit {
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
  const result = method === "newton"
    ? newtonFit(pairs, prior, logOddsStart(pairs), tolTheta, opts.maxIter ?? 100)
    : mmFit(pairs, prior, tolTheta, opts.maxIter ?? 100_000);
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

/** Rating points per unit of θ: scale / ln(base) (≈ 173.7 for Arena's 400 and 10). */
export function pointsPerNat(opts: { scale?: number; base?: number } = {}): number {
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

// ---------------------------------------------------------------------------------------------
// Solvers on the list of played pairs (i < j): O(pairs) per gradient, O(n³/6) per factorisation.

/** Played pairs of a win matrix. wij = wins of i over j (ties as halves), wji the reverse. */
export interface Pairs {
  n: number;
  i: Int32Array; // [pairs]
  j: Int32Array; // [pairs]
  wij: Float64Array; // [pairs]
  wji: Float64Array; // [pairs]
}

export function pairsOf(m: WinMatrix): Pairs {
  const n = m.models.length;
  let count = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (m.wins[i * n + j]! + m.wins[j * n + i]! > 0) count++;
  const p: Pairs = { n, i: new Int32Array(count), j: new Int32Array(count), wij: new Float64Array(count), wji: new Float64Array(count) };
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = m.wins[i * n + j]!, b = m.wins[j * n + i]!;
      if (a + b > 0) { p.i[k] = i; p.j[k] = j; p.wij[k] = a; p.wji[k] = b; k++; }
    }
  }
  return p;
}

/** log σ(x) without overflow. */
function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** ℓ(θ) plus the prior's virtual ties: prior · ½ (log σ(θ_i) + log σ(−θ_i)). */
export function logLikelihood(p: Pairs, theta: Float64Array, prior: number): number {
  let ll = 0;
  for (let k = 0; k < p.i.length; k++) {
    const d = theta[p.i[k]!]! - theta[p.j[k]!]!;
    const logP = logSigmoid(d); // log σ(−d) = log σ(d) − d
    ll += p.wij[k]! * logP + p.wji[k]! * (logP - d);
  }
  if (prior > 0) for (const t of theta) ll += 0.5 * prior * (logSigmoid(t) + logSigmoid(-t));
  return ll;
}

/**
 * γ_i = e^(θ_i − max θ) ∈ (0, 1], so that σ(θ_i − θ_j) = γ_i / (γ_i + γ_j) costs one division per
 * pair instead of one exp (Bradley and Terry's own parametrisation). Shifting by the maximum keeps
 * every γ finite; a model more than ~700 nats (~120,000 rating points) below the best underflows to
 * γ = 0 and simply gets probability 0 against everyone above it.
 */
function strengths(theta: Float64Array): Float64Array {
  let max = -Infinity;
  for (const t of theta) if (t > max) max = t;
  const gamma = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) gamma[i] = Math.exp(theta[i]! - max);
  return gamma;
}

/**
 * Gradient g of ℓ and, if `hess` is given, the positive-definite system matrix
 * A = L + (prior curvature on the diagonal) + (11ᵀ/n when prior = 0). g: [n], hess: [n*n].
 */
export function gradientAndSystem(p: Pairs, theta: Float64Array, prior: number, g: Float64Array, hess?: Float64Array): void {
  const n = p.n;
  g.fill(0);
  if (hess) hess.fill(prior > 0 ? 0 : 1 / n);
  const gamma = strengths(theta);
  for (let k = 0; k < p.i.length; k++) {
    const i = p.i[k]!, j = p.j[k]!;
    const games = p.wij[k]! + p.wji[k]!;
    const gi = gamma[i]!;
    const pij = gi / (gi + gamma[j]!); // σ(θ_i − θ_j) = γ_i / (γ_i + γ_j), the model's equation
    const r = p.wij[k]! - games * pij; // observed minus expected wins of i over j
    g[i]! += r;
    g[j]! -= r;
    if (hess) {
      const h = games * pij * (1 - pij);
      hess[i * n + i]! += h;
      hess[j * n + j]! += h;
      hess[i * n + j]! -= h;
      hess[j * n + i]! -= h;
    }
  }
  if (prior > 0) {
    for (let i = 0; i < n; i++) {
      const s = 1 / (1 + Math.exp(-theta[i]!));
      g[i]! += prior * (0.5 - s);
      if (hess) hess[i * n + i]! += prior * s * (1 - s);
    }
  }
}

export interface SolverResult {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * One pass over the pairs: the gradient into `g`, the system matrix into `hess` if given (as in
 * gradientAndSystem), and the log-likelihood if `withLL` (else 0). One exp per pair, plus one
 * log1p for the likelihood.
 */
function evaluate(p: Pairs, theta: Float64Array, prior: number, g: Float64Array, hess: Float64Array | null, withLL: boolean): number {
  const n = p.n;
  g.fill(0);
  if (hess) hess.fill(prior > 0 ? 0 : 1 / n);
  let ll = 0;
  const gamma = strengths(theta);
  for (let k = 0; k < p.i.length; k++) {
    const i = p.i[k]!, j = p.j[k]!;
    const wij = p.wij[k]!, wji = p.wji[k]!;
    const gi = gamma[i]!;
    const pij = gi / (gi + gamma[j]!); // σ(θ_i − θ_j): a division, no exp per pair
    if (withLL) {
      const d = theta[i]! - theta[j]!;
      const logP = Math.log(pij); // log σ(d); log σ(−d) = log σ(d) − d
      ll += wij * logP + wji * (logP - d);
    }
    const games = wij + wji;
    const r = wij - games * pij;
    g[i]! += r;
    g[j]! -= r;
    if (hess) {
      // Only the diagonal and the lower triangle: choleskyInPlace reads nothing else.
      const h = games * pij * (1 - pij);
      hess[i * n + i]! += h;
      hess[j * n + j]! += h;
      hess[j * n + i]! -= h; // i < j
    }
  }
  if (prior > 0) {
    for (let i = 0; i < n; i++) {
      const t = theta[i]!;
      const s = 1 / (1 + Math.exp(-t));
      g[i]! += prior * (0.5 - s);
      if (hess) hess[i * n + i]! += prior * s * (1 - s);
      if (withLL) ll += 0.5 * prior * (2 * logSigmoid(t) - t); // ½·prior·(log σ(t) + log σ(−t))
    }
  }
  return ll;
}

/**
 * A starting point close to the MLE when many pairs are played: θ_i = Σ_j ℓ_ij / (opponents + 1),
 * where ℓ_ij ≈ log((w_ij + ½) / (w_ji + ½)) is the smoothed log-odds of i against j: the
 * least-squares fit of θ_i − θ_j = ℓ_ij, exact for a complete design. Only a start, so the log is
 * the Padé form 2z(15 − 4z²)/(15 − 9z²) of 2·atanh(z), z = (w_ij − w_ji)/(w_ij + w_ji + 1): exact to
 * 1e-3 for odds up to 3:1, and it caps lopsided pairs at ±3.7 instead of growing without bound.
 * Saves Newton one or two iterations at the cost of a few flops per pair.
 */
function logOddsStart(p: Pairs): Float64Array {
  const theta = new Float64Array(p.n), degree = new Float64Array(p.n).fill(1);
  for (let k = 0; k < p.i.length; k++) {
    const a = p.wij[k]!, b = p.wji[k]!;
    const z = (a - b) / (a + b + 1);
    const z2 = z * z;
    const l = (2 * z * (15 - 4 * z2)) / (15 - 9 * z2);
    theta[p.i[k]!]! += l;
    theta[p.j[k]!]! -= l;
    degree[p.i[k]!]!++;
    degree[p.j[k]!]!++;
  }
  for (let i = 0; i < p.n; i++) theta[i]! /= degree[i]!;
  return theta;
}

/**
 * How far θ still is from the fixed point after a step of size `step` (max-norm), given the step
 * before it. A step below the tolerance is its own bound; when the steps shrink linearly with ratio
 * ρ = step / previous < ½, the steps still to come sum to at most step · ρ / (1 − ρ) (the usual
 * a-posteriori bound for a contraction), which saves the one confirming iteration.
 */
function remainingError(step: number, previous: number): number {
  if (!Number.isFinite(previous)) return step; // no history: no rate to extrapolate from
  const rho = step / previous;
  return rho < 0.5 ? Math.min(step, (step * rho) / (1 - rho)) : step;
}

/**
 * Newton's method, globalised by step halving while steps are large (> 0.1 in θ, about 17 rating
 * points) and sped up near the optimum by reusing the last factorisation for as long as the steps
 * keep shrinking at least fourfold (Shamanskii's variant: a reused step is one pass over the pairs
 * plus two triangular solves, O(pairs + n²), instead of O(n³/6)). Modifies and returns `theta`.
 */
export function newtonFit(p: Pairs, prior: number, theta: Float64Array, tolTheta: number, maxIter: number): SolverResult {
  const n = p.n;
  const g = new Float64Array(n), trial = new Float64Array(n), gTrial = new Float64Array(n);
  const factor = new Float64Array(n * n);
  let factorValid = false;
  let previousStep = Infinity;
  for (let it = 1; it <= maxIter; it++) {
    const fresh: boolean = !factorValid;
    if (fresh) {
      evaluate(p, theta, prior, g, factor, false);
      if (!choleskyInPlace(factor, n)) throw new Error("bradleyTerry (newton): system matrix not positive definite (is the comparison graph connected?)");
    } else {
      evaluate(p, theta, prior, g, null, false);
    }
    const step = choleskySolveInPlace(factor, n, g);
    let maxStep = 0;
    for (let i = 0; i < n; i++) maxStep = Math.max(maxStep, Math.abs(step[i]!));
    let t = 1;
    if (fresh && maxStep > 0.1) {
      // Far from the optimum: halve until the likelihood does not drop (it is concave, so a
      // small enough step along a Newton direction always gains). Near it, no likelihood is needed.
      const ll = logLikelihood(p, theta, prior);
      for (let halvings = 0; halvings < 40; halvings++) {
        for (let i = 0; i < n; i++) trial[i] = theta[i]! + t * step[i]!;
        if (evaluate(p, trial, prior, gTrial, null, true) >= ll - 1e-12 * Math.abs(ll)) break;
        t /= 2;
      }
    }
    for (let i = 0; i < n; i++) theta[i]! += t * step[i]!;
    maxStep *= t;
    if (remainingError(maxStep, fresh ? Infinity : previousStep) < tolTheta) return { theta, iterations: it, converged: true };
    // Keep the factor only near the optimum, and only while it keeps paying off.
    factorValid = fresh ? maxStep <= 0.1 : maxStep <= 0.25 * previousStep;
    previousStep = maxStep;
  }
  return { theta, iterations: maxIter, converged: false };
}

/**
 * The chord method: Newton steps that all use one fixed inverse system matrix `inverse` ([n*n])
 * instead of a fresh factorisation, so a step is one pass over the pairs plus a matrix–vector
 * product. It converges linearly, fast when `inverse` comes from nearby data (the bootstrap uses
 * the full-data matrix for every resample). Modifies and returns `theta`; reports non-convergence
 * (including divergence) instead of throwing, so the caller can fall back to `newtonFit`.
 */
export function chordFit(p: Pairs, prior: number, theta: Float64Array, tolTheta: number, maxIter: number, inverse: Float64Array): SolverResult {
  const n = p.n;
  const g = new Float64Array(n), step = new Float64Array(n);
  let previousStep = Infinity;
  for (let it = 1; it <= maxIter; it++) {
    gradientAndSystem(p, theta, prior, g);
    matVec(inverse, n, g, step);
    let maxStep = 0;
    for (let i = 0; i < n; i++) {
      theta[i]! += step[i]!;
      maxStep = Math.max(maxStep, Math.abs(step[i]!));
    }
    if (remainingError(maxStep, previousStep) < tolTheta) return { theta, iterations: it, converged: true };
    if (!(maxStep < 20)) break; // diverging (or NaN)
    previousStep = maxStep;
  }
  return { theta, iterations: maxIter, converged: false };
}

/** Hunter's MM iteration; with a prior the reference player is a fixed opponent at γ = 1. */
export function mmFit(p: Pairs, prior: number, tolTheta: number, maxIter: number): SolverResult {
  const n = p.n;
  const wins = new Float64Array(n).fill(prior / 2);
  for (let k = 0; k < p.i.length; k++) {
    wins[p.i[k]!]! += p.wij[k]!;
    wins[p.j[k]!]! += p.wji[k]!;
  }
  let gamma = new Float64Array(n).fill(1);
  let next = new Float64Array(n);
  const den = new Float64Array(n);
  for (let it = 1; it <= maxIter; it++) {
    den.fill(0);
    for (let k = 0; k < p.i.length; k++) {
      const i = p.i[k]!, j = p.j[k]!;
      const c = (p.wij[k]! + p.wji[k]!) / (gamma[i]! + gamma[j]!);
      den[i]! += c;
      den[j]! += c;
    }
    let logMean = 0;
    for (let i = 0; i < n; i++) {
      next[i] = wins[i]! / (den[i]! + (prior > 0 ? prior / (gamma[i]! + 1) : 0));
      logMean += Math.log(next[i]!);
    }
    // Without a prior only ratios matter: rescale to geometric mean 1 (θ mean 0).
    const norm = prior > 0 ? 1 : Math.exp(logMean / n);
    let maxStep = 0;
    for (let i = 0; i < n; i++) {
      next[i]! /= norm;
      maxStep = Math.max(maxStep, Math.abs(Math.log(next[i]!) - Math.log(gamma[i]!)));
    }
    [gamma, next] = [next, gamma];
    if (maxStep < tolTheta) return { theta: gamma.map(Math.log), iterations: it, converged: true };
  }
  return { theta: gamma.map(Math.log), iterations: maxIter, converged: false };
}

// ---------------------------------------------------------------------------------------------
// Existence of the maximum likelihood.

/** Null when the MLE exists; otherwise what blocks it, naming the models. */
export function mleProblem(m: WinMatrix): MleProblem | null {
  const n = m.models.length;
  if (stronglyConnectedFast(m)) return null;
  const names = (group: number[]) => group.map((i) => m.models[i]!);
  const played = (i: number, j: number) => m.wins[i * n + j]! + m.wins[j * n + i]! > 0;
  const components = connectedComponents(n, played);
  const remedy = "Remedy: pass { prior: 1 } (every model plays one virtual tied game against a reference rated `init`), which keeps all ratings finite";
  if (components.length > 1) {
    const list = components.map((c) => `[${names(c).join(", ")}]`).join(" | ");
    return {
      kind: "disconnected",
      components: components.map(names),
      unbeaten: [],
      winless: [],
      message: `Bradley–Terry has no maximum-likelihood estimate: the comparison graph splits into ${components.length} groups with no battles between them: ${list}. Ratings in different groups are not comparable. ${remedy}; ratings across groups are then comparable only through the prior.`,
    };
  }
  // Edge i → j when i took at least half a point from j.
  const sccs = stronglyConnectedComponents(n, (i, j) => m.wins[i * n + j]! > 0);
  if (sccs.length === 1) return null;
  const compOf = new Int32Array(n);
  sccs.forEach((c, ci) => c.forEach((i) => (compOf[i] = ci)));
  const hasIn = new Array<boolean>(sccs.length).fill(false), hasOut = new Array<boolean>(sccs.length).fill(false);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (compOf[i] !== compOf[j] && m.wins[i * n + j]! > 0) { hasOut[compOf[i]!] = true; hasIn[compOf[j]!] = true; }
    }
  }
  const unbeaten = sccs.filter((_, c) => !hasIn[c]);
  const winless = sccs.filter((_, c) => !hasOut[c]);
  const describe = (group: number[], what: "lost" | "won") => {
    if (group.length === 1) {
      const i = group[0]!;
      let w = 0, l = 0;
      for (let j = 0; j < n; j++) { w += m.wins[i * n + j]!; l += m.wins[j * n + i]!; }
      return `"${m.models[i]}" never ${what} (${w} wins, ${l} losses, ties counted as halves)`;
    }
    return `the group [${names(group).join(", ")}] never ${what} against any model outside it`;
  };
  const parts = [...unbeaten.map((g) => describe(g, "lost")), ...winless.map((g) => describe(g, "won"))];
  return {
    kind: "unbeaten-or-winless",
    components: [],
    unbeaten: unbeaten.map(names),
    winless: winless.map(names),
    message: `Bradley–Terry has no maximum-likelihood estimate: ${parts.join("; ")}. Their ratings would run off to ±infinity. ${remedy}.`,
  };
}

/**
 * True when every model is reachable from model 0 along "took at least half a point from" edges
 * and along their reverses: the common case, checked in O(n²) without building anything.
 */
function stronglyConnectedFast(m: WinMatrix): boolean {
  const n = m.models.length;
  for (const forward of [true, false]) {
    const seen = new Uint8Array(n);
    const queue = new Int32Array(n);
    let head = 0, tail = 0;
    queue[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
      const i = queue[head++]!;
      for (let j = 0; j < n; j++) {
        if (!seen[j] && (forward ? m.wins[i * n + j]! : m.wins[j * n + i]!) > 0) { seen[j] = 1; queue[tail++] = j; }
      }
    }
    if (tail < n) return false;
  }
  return true;
}

function connectedComponents(n: number, edge: (i: number, j: number) => boolean): number[][] {
  const seen = new Uint8Array(n);
  const out: number[][] = [];
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    const comp = [s];
    seen[s] = 1;
    for (let q = 0; q < comp.length; q++) {
      const i = comp[q]!;
      for (let j = 0; j < n; j++) if (!seen[j] && edge(i, j)) { seen[j] = 1; comp.push(j); }
    }
    out.push(comp.sort((x, y) => x - y));
  }
  return out;
}

/** Tarjan's algorithm, iterative (no recursion depth limit on many models). */
function stronglyConnectedComponents(n: number, edge: (i: number, j: number) => boolean): number[][] {
  const index = new Int32Array(n).fill(-1), low = new Int32Array(n), onStack = new Uint8Array(n);
  const stack: number[] = [], out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]]; // (node, next neighbour to look at)
    index[root] = low[root] = counter++;
    stack.push(root); onStack[root] = 1;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const v = frame[0];
      let descended = false;
      while (frame[1] < n) {
        const w = frame[1]++;
        if (!edge(v, w)) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w); onStack[w] = 1;
          work.push([w, 0]);
          descended = true;
          break;
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
      }
      if (descended) continue;
      work.pop();
      if (work.length > 0) { const parent = work[work.length - 1]![0]; low[parent] = Math.min(low[parent]!, low[v]!); }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do { w = stack.pop()!; onStack[w] = 0; comp.push(w); } while (w !== v);
        out.push(comp.sort((x, y) => x - y));
      }
    }
  }
  return out;
}
