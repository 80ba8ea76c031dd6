/**
 * Bradley–Terry solvers on the list of played pairs (i < j): O(pairs) per gradient, O(n³/6) per
 * factorisation. Internal to lib/elo (bradleyTerry.ts fits with them, uncertainty.ts bootstraps).
 *
 * Everything a solver needs from the data comes from ONE pass over the pairs, `evaluate`: the
 * gradient g of ℓ, optionally the system matrix A (minus the Hessian, positive definite) and the
 * log-likelihood. Solvers:
 * - `newtonFit`: Newton's method as notebooks/04_elo_rankings.ipynb teaches it — θ ← θ + t·A⁻¹g
 *   with a fresh factorisation every iteration, t halved while the likelihood would drop.
 * - `fastNewtonFit`: the named fast path — the same steps from a log-odds start, reusing a
 *   factorisation while steps shrink fast, with an a-posteriori stopping bound.
 * - `chordFit`: Newton steps with one fixed inverse (the bootstrap's resamples).
 * - `mmFit`: Hunter's minorise–maximise iteration.
 */
import { choleskyInPlace, choleskySolveInPlace, matVec } from "./linalg.js";
import { type WinMatrix } from "./winMatrix.js";

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

export interface SolverResult {
  theta: Float64Array;
  iterations: number;
  converged: boolean;
}

/** log σ(x) without overflow. */
function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
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
 * The one pass over the pairs: the gradient g of ℓ(θ) into `g` ([n]); if `system` ([n*n]) is given,
 * A = L + (prior curvature on the diagonal) + (11ᵀ/n when prior = 0), with L the Laplacian with
 * weights n_ij p_ij (1 − p_ij); and, if `withLL`, the log-likelihood ℓ(θ) plus the prior's virtual
 * ties, prior · ½ (log σ(θ_i) + log σ(−θ_i)) (else 0 is returned). One division per pair for
 * p_ij = γ_i / (γ_i + γ_j), plus one log for the likelihood.
 */
export function evaluate(p: Pairs, theta: Float64Array, prior: number, g: Float64Array, system: Float64Array | null = null, withLL = false): number {
  const n = p.n;
  g.fill(0);
  if (system) system.fill(prior > 0 ? 0 : 1 / n);
  let ll = 0;
  const gamma = strengths(theta);
  for (let k = 0; k < p.i.length; k++) {
    const i = p.i[k]!, j = p.j[k]!;
    const wij = p.wij[k]!, wji = p.wji[k]!;
    const gi = gamma[i]!;
    const pij = gi / (gi + gamma[j]!); // σ(θ_i − θ_j) = γ_i / (γ_i + γ_j), the model's equation
    if (withLL) {
      const d = theta[i]! - theta[j]!;
      // log σ(d); log σ(−d) = log σ(d) − d. An underflowed γ (p_ij = 0) takes the exact form.
      const logP = pij > 0 ? Math.log(pij) : logSigmoid(d);
      ll += wij * logP + wji * (logP - d);
    }
    const games = wij + wji;
    const r = wij - games * pij; // observed minus expected wins of i over j
    g[i]! += r;
    g[j]! -= r;
    if (system) {
      const h = games * pij * (1 - pij);
      system[i * n + i]! += h;
      system[j * n + j]! += h;
      system[i * n + j]! -= h;
      system[j * n + i]! -= h;
    }
  }
  if (prior > 0) {
    for (let i = 0; i < n; i++) {
      const t = theta[i]!;
      const s = 1 / (1 + Math.exp(-t));
      g[i]! += prior * (0.5 - s);
      if (system) system[i * n + i]! += prior * s * (1 - s);
      if (withLL) ll += 0.5 * prior * (2 * logSigmoid(t) - t); // ½·prior·(log σ(t) + log σ(−t))
    }
  }
  return ll;
}

/** ℓ(θ) plus the prior's virtual ties (one `evaluate` pass; `scratch` [n] receives the gradient). */
export function logLikelihood(p: Pairs, theta: Float64Array, prior: number, scratch = new Float64Array(p.n)): number {
  return evaluate(p, theta, prior, scratch, null, true);
}

/**
 * Newton's method, the readable way (the default fit): from θ = 0, each iteration solves A·step = g
 * with a fresh Cholesky factorisation of the system matrix and moves θ by t·step, halving t while
 * the likelihood would drop (ℓ is concave, so a small enough step along a Newton direction always
 * gains). Stops when no θ moves by more than `tolTheta`. Modifies and returns `theta`.
 */
export function newtonFit(p: Pairs, prior: number, theta: Float64Array, tolTheta: number, maxIter: number): SolverResult {
  const n = p.n;
  const g = new Float64Array(n), system = new Float64Array(n * n), trial = new Float64Array(n), scratch = new Float64Array(n);
  for (let it = 1; it <= maxIter; it++) {
    const ll = evaluate(p, theta, prior, g, system, true);
    if (!choleskyInPlace(system, n)) throw new Error("newtonFit: system matrix not positive definite (is the comparison graph connected?)");
    const step = choleskySolveInPlace(system, n, g);
    let t = 1;
    for (let halvings = 0; halvings < 40; halvings++) {
      for (let i = 0; i < n; i++) trial[i] = theta[i]! + t * step[i]!;
      if (logLikelihood(p, trial, prior, scratch) >= ll - 1e-12 * Math.abs(ll)) break;
      t /= 2;
    }
    let maxStep = 0;
    for (let i = 0; i < n; i++) {
      theta[i]! += t * step[i]!;
      maxStep = Math.max(maxStep, Math.abs(t * step[i]!));
    }
    if (maxStep < tolTheta) return { theta, iterations: it, converged: true };
  }
  return { theta, iterations: maxIter, converged: false };
}

// The fast path and the other solvers.

/**
 * A starting point close to the MLE when many pairs are played: θ_i = Σ_j ℓ_ij / (opponents + 1),
 * where ℓ_ij ≈ log((w_ij + ½) / (w_ji + ½)) is the smoothed log-odds of i against j: the
 * least-squares fit of θ_i − θ_j = ℓ_ij, exact for a complete design. Only a start, so the log is
 * the Padé form 2z(15 − 4z²)/(15 − 9z²) of 2·atanh(z), z = (w_ij − w_ji)/(w_ij + w_ji + 1): exact to
 * 1e-3 for odds up to 3:1, and it caps lopsided pairs at ±3.7 instead of growing without bound.
 * Saves Newton one or two iterations at the cost of a few flops per pair.
 */
export function logOddsStart(p: Pairs): Float64Array {
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
 * The fast path (used by bootstrapRatings and by `method: "fast-newton"`): the same Newton steps as
 * `newtonFit`, from the log-odds start, globalised by step halving while steps are large (> 0.1 in θ, about 17 rating
 * points) and sped up near the optimum by reusing the last factorisation for as long as the steps
 * keep shrinking at least fourfold (Shamanskii's variant: a reused step is one pass over the pairs
 * plus two triangular solves, O(pairs + n²), instead of O(n³/6)). Modifies and returns `theta`.
 */
export function fastNewtonFit(p: Pairs, prior: number, theta: Float64Array, tolTheta: number, maxIter: number): SolverResult {
  const n = p.n;
  const g = new Float64Array(n), trial = new Float64Array(n), gTrial = new Float64Array(n);
  const factor = new Float64Array(n * n);
  let factorValid = false;
  let previousStep = Infinity;
  for (let it = 1; it <= maxIter; it++) {
    const fresh: boolean = !factorValid;
    if (fresh) {
      evaluate(p, theta, prior, g, factor);
      if (!choleskyInPlace(factor, n)) throw new Error("fastNewtonFit: system matrix not positive definite (is the comparison graph connected?)");
    } else {
      evaluate(p, theta, prior, g);
    }
    const step = choleskySolveInPlace(factor, n, g);
    let maxStep = 0;
    for (let i = 0; i < n; i++) maxStep = Math.max(maxStep, Math.abs(step[i]!));
    let t = 1;
    if (fresh && maxStep > 0.1) {
      // Far from the optimum: halve until the likelihood does not drop (it is concave, so a
      // small enough step along a Newton direction always gains). Near it, no likelihood is needed.
      const ll = logLikelihood(p, theta, prior, gTrial);
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
 * (including divergence) instead of throwing, so the caller can fall back to `fastNewtonFit`.
 */
export function chordFit(p: Pairs, prior: number, theta: Float64Array, tolTheta: number, maxIter: number, inverse: Float64Array): SolverResult {
  const n = p.n;
  const g = new Float64Array(n), step = new Float64Array(n);
  let previousStep = Infinity;
  for (let it = 1; it <= maxIter; it++) {
    evaluate(p, theta, prior, g);
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

