/**
 * Honest uncertainty for a leaderboard: bootstrap percentiles, the closed-form sandwich interval,
 * and ranks that respect both (Chatbot Arena's rule).
 *
 * Taught in notebooks/04_elo_rankings.ipynb ("bootstrap intervals", "ranks that respect
 * uncertainty"). The bootstrap resamples N battles with replacement; since Bradley–Terry only sees
 * counts, a resample is a multinomial draw over the distinct outcomes (pair, result), done in
 * O(distinct outcomes) rather than O(N) (sampling.ts: `multinomial` is the readable chain of
 * binomials, `MultinomialSampler` the exact table-driven version the bootstrap uses). Each resample is then
 * fitted by Newton's method warm-started at the full-data fit with the full-data system matrix
 * (chord steps, O(pairs + n²) each), falling back to fresh Newton steps if that stalls.
 */
import { Rng } from "../random.js";
import { type Battles, BattleTable, toBattleTable } from "./battles.js";
import {
  type BradleyTerryOptions, NoMleError, fitBradleyTerry, mleProblem, pointsPerNat, toRatings,
} from "./bradleyTerry.js";
import { type Pairs, chordFit, evaluate, fastNewtonFit } from "./bradleyTerrySolvers.js";
import { inverseSpd } from "./linalg.js";
import { type EloOptions, onlineEloArray } from "./online.js";
import { MultinomialSampler } from "./sampling.js";
import { winMatrix } from "./winMatrix.js";
import { checkBootstrapOptions, checkSandwichOptions } from "./options.js";

export interface LeaderboardRow {
  model: string;
  /** Point estimate on all battles (Bradley–Terry fit, or online Elo in the given order). */
  rating: number;
  /** Lower end of the interval (2.5th bootstrap percentile for a 95% level). */
  lower: number;
  /** Upper end of the interval. */
  upper: number;
  /** Bootstrap median (the point estimate itself for the sandwich interval). */
  median: number;
  /** 1 + the number of models whose lower bound is above this model's upper bound. */
  rank: number;
  /** Battles this model played. */
  games: number;
}

export interface BootstrapOptions extends Omit<BradleyTerryOptions, "method" | "maxIter">, Omit<EloOptions, "start" | "init" | "scale" | "base"> {
  /** Resamples. Default 1000. */
  rounds?: number;
  /** Default 0. */
  seed?: number;
  /** Convergence of each resample's fit, in rating points. Default 0.01 (the percentiles' own
   *  Monte Carlo error, about a point at 1,000 rounds, is a hundred times larger); the point
   *  estimate uses fitBradleyTerry's default. */
  tol?: number;
  /** Rating method refitted on each resample. Default "bt". */
  method?: "bt" | "elo";
  /** Interval coverage. Default 0.95 (2.5th–97.5th percentiles). */
  level?: number;
}

/** Distinct outcomes per played pair (i < j): wins of i, wins of j, ties (both kinds). */
export interface PairOutcomes {
  models: string[];
  i: Int32Array; // [pairs]
  j: Int32Array; // [pairs]
  winI: Float64Array; // [pairs]
  winJ: Float64Array; // [pairs]
  ties: Float64Array; // [pairs]
  /** Battles per model. [n] */
  games: Float64Array;
  total: number;
}

export function pairOutcomes(battles: Battles): PairOutcomes {
  const t = toBattleTable(battles);
  const n = t.models.length;
  const counts = new Float64Array(n * n * 3); // [winner-ordered pair (lo, hi), result]
  const games = new Float64Array(n);
  for (let k = 0; k < t.length; k++) {
    let i = t.a[k]!, j = t.b[k]!, o = t.outcome[k]!;
    games[i]!++; games[j]!++;
    if (i > j) { [i, j] = [j, i]; if (o < 2) o = 1 - o; } // store as (lo, hi); swap who won
    counts[(i * n + j) * 3 + (o < 2 ? o : 2)]!++;
  }
  const is: number[] = [], js: number[] = [], wi: number[] = [], wj: number[] = [], ti: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const base = (i * n + j) * 3;
      if (counts[base]! + counts[base + 1]! + counts[base + 2]! === 0) continue;
      is.push(i); js.push(j); wi.push(counts[base]!); wj.push(counts[base + 1]!); ti.push(counts[base + 2]!);
    }
  }
  return {
    models: t.models.slice(), i: Int32Array.from(is), j: Int32Array.from(js),
    winI: Float64Array.from(wi), winJ: Float64Array.from(wj), ties: Float64Array.from(ti), games, total: t.length,
  };
}

/** Pairs (ties as half wins each way) from outcome counts; `scale` multiplies every count. */
function pairsFrom(po: PairOutcomes): Pairs {
  const wij = new Float64Array(po.i.length), wji = new Float64Array(po.i.length);
  for (let k = 0; k < po.i.length; k++) {
    wij[k] = po.winI[k]! + 0.5 * po.ties[k]!;
    wji[k] = po.winJ[k]! + 0.5 * po.ties[k]!;
  }
  return { n: po.models.length, i: po.i, j: po.j, wij, wji };
}

export interface BootstrapSamples {
  models: string[];
  rounds: number;
  /** [rounds * n] row-major: samples[r*n + i] = rating of model i in round r. */
  samples: Float64Array;
}

/**
 * Ratings refitted on `rounds` seeded resamples of the battles.
 * With method "bt" each resample is a multinomial draw over the distinct outcomes; with "elo" it
 * is N battles drawn with replacement in random order, each replayed by online Elo.
 */
export function bootstrapSamples(battles: Battles, opts: BootstrapOptions = {}): BootstrapSamples {
  checkBootstrapOptions("bootstrapSamples", opts);
  const table = toBattleTable(battles);
  const rounds = opts.rounds ?? 1000;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bootstrap: rounds must be a positive integer; got ${rounds}`);
  if (table.length === 0) throw new Error("bootstrap: no battles");
  const rng = new Rng(opts.seed ?? 0);
  const n = table.models.length;
  const samples = new Float64Array(rounds * n);
  if ((opts.method ?? "bt") === "elo") {
    const order = new Int32Array(table.length);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < order.length; k++) order[k] = rng.int(order.length);
      samples.set(onlineEloArray(table.reorder(order), opts), r * n);
    }
    return { models: table.models.slice(), rounds, samples };
  }
  const po = pairOutcomes(table);
  const prior = opts.prior ?? 0;
  const full = fitBradleyTerry(winMatrix(table), { ...opts, tol: undefined, method: "newton" });
  const tolTheta = (opts.tol ?? 1e-2) / pointsPerNat(opts);
  // The full-data system matrix, inverted once, drives every resample's chord steps.
  const system = new Float64Array(n * n);
  evaluate(pairsFrom(po), full.theta, prior, new Float64Array(n), system);
  const inverse = inverseSpd(system, n);
  if (!inverse) throw new Error("bootstrap: full-data system matrix not positive definite");
  const nPairs = po.i.length;
  const weights = new Float64Array(3 * nPairs), draw = new Float64Array(3 * nPairs);
  for (let k = 0; k < nPairs; k++) { weights[3 * k] = po.winI[k]!; weights[3 * k + 1] = po.winJ[k]!; weights[3 * k + 2] = po.ties[k]!; }
  const sampler = new MultinomialSampler(po.total, weights);
  const pairs: Pairs = { n, i: po.i, j: po.j, wij: new Float64Array(nPairs), wji: new Float64Array(nPairs) };
  const theta = new Float64Array(n);
  for (let r = 0; r < rounds; r++) {
    sampler.draw(rng, draw);
    for (let k = 0; k < nPairs; k++) {
      pairs.wij[k] = draw[3 * k]! + 0.5 * draw[3 * k + 2]!;
      pairs.wji[k] = draw[3 * k + 1]! + 0.5 * draw[3 * k + 2]!;
    }
    theta.set(full.theta);
    let fit = chordFit(pairs, prior, theta, tolTheta, 50, inverse);
    if (!fit.converged) {
      const problem = prior === 0 ? mleProblem(pairsToWinMatrix(pairs, table.models)) : null;
      if (problem) throw new NoMleError({ ...problem, message: `bootstrap round ${r}: ${problem.message}` });
      theta.set(full.theta);
      fit = fastNewtonFit(pairs, prior, theta, tolTheta, 100);
      if (!fit.converged) throw new Error(`bootstrap round ${r}: Bradley–Terry fit did not converge`);
    }
    samples.set(toRatings(fit.theta, table.models, opts), r * n);
  }
  return { models: table.models.slice(), rounds, samples };
}

function pairsToWinMatrix(p: Pairs, models: readonly string[]) {
  const n = p.n, wins = new Float64Array(n * n);
  for (let k = 0; k < p.i.length; k++) { wins[p.i[k]! * n + p.j[k]!] = p.wij[k]!; wins[p.j[k]! * n + p.i[k]!] = p.wji[k]!; }
  return { models: models.slice(), wins };
}

/**
 * Bootstrap leaderboard: the full-data rating, the bootstrap median and percentile interval, and
 * Arena's rank, sorted by rating (best first).
 */
export function bootstrapRatings(battles: Battles, opts: BootstrapOptions = {}): LeaderboardRow[] {
  checkBootstrapOptions("bootstrapRatings", opts);
  const table = toBattleTable(battles);
  const { models, rounds, samples } = bootstrapSamples(table, opts);
  const point = (opts.method ?? "bt") === "elo"
    ? onlineEloArray(table, opts)
    : fitBradleyTerry(winMatrix(table), { ...opts, method: "newton" }).ratings;
  const games = gamesPerModel(table);
  const alpha = (1 - (opts.level ?? 0.95)) / 2;
  const column = new Float64Array(rounds);
  const rows = models.map((model, i) => {
    for (let r = 0; r < rounds; r++) column[r] = samples[r * models.length + i]!;
    column.sort();
    return { model, rating: point[i]!, lower: quantileSorted(column, alpha), upper: quantileSorted(column, 1 - alpha), median: quantileSorted(column, 0.5), rank: 0, games: games[i]! };
  });
  return withRanks(rows);
}

/**
 * Closed-form 95% intervals from the sandwich covariance A⁻¹ B A⁻¹: A is minus the Hessian of
 * the log-likelihood (the Laplacian with weights n_ij p_ij (1 − p_ij)) and B the summed outer
 * products of per-battle scores (the Laplacian with weights Σ (y − p_ij)², y = 1, 0 or ½). Robust
 * to ties and to the model being wrong in detail; with a correct model it is the usual
 * Fisher-information interval.
 */
export function sandwichRatings(battles: Battles, opts: Omit<BradleyTerryOptions, "method"> & { level?: number } = {}): LeaderboardRow[] {
  checkSandwichOptions("sandwichRatings", opts);
  const table = toBattleTable(battles);
  const po = pairOutcomes(table);
  const fit = fitBradleyTerry(winMatrix(table), { ...opts, method: "newton" });
  const n = po.models.length, prior = opts.prior ?? 0, theta = fit.theta;
  const a = new Float64Array(n * n), meat = new Float64Array(n * n);
  evaluate(pairsFrom(po), theta, prior, new Float64Array(n), a);
  for (let k = 0; k < po.i.length; k++) {
    const i = po.i[k]!, j = po.j[k]!;
    const p = 1 / (1 + Math.exp(theta[j]! - theta[i]!));
    const s = po.winI[k]! * (1 - p) ** 2 + po.winJ[k]! * p ** 2 + po.ties[k]! * (0.5 - p) ** 2;
    meat[i * n + i]! += s; meat[j * n + j]! += s; meat[i * n + j]! -= s; meat[j * n + i]! -= s;
  }
  const inv = inverseSpd(a, n);
  if (!inv) throw new Error("sandwichRatings: system matrix not positive definite");
  const cov = matMul(matMul(inv, meat, n), inv, n); // [n, n] covariance of θ
  // Variance of each reported contrast: θ_i − mean θ, or θ_i − θ_anchor.
  const k = pointsPerNat(opts);
  const anchor = opts.anchor ? po.models.indexOf(opts.anchor.model) : -1;
  const rowMean = new Float64Array(n);
  let allMean = 0;
  for (let i = 0; i < n; i++) { for (let j = 0; j < n; j++) rowMean[i]! += cov[i * n + j]! / n; allMean += rowMean[i]! / n; }
  const z = normalQuantile(1 - (1 - (opts.level ?? 0.95)) / 2);
  const ratings = toRatings(theta, po.models, opts);
  const rows = po.models.map((model, i) => {
    const v = anchor >= 0
      ? cov[i * n + i]! + cov[anchor * n + anchor]! - 2 * cov[i * n + anchor]!
      : cov[i * n + i]! - 2 * rowMean[i]! + allMean;
    const half = z * k * Math.sqrt(Math.max(v, 0));
    return { model, rating: ratings[i]!, lower: ratings[i]! - half, upper: ratings[i]! + half, median: ratings[i]!, rank: 0, games: po.games[i]! };
  });
  return withRanks(rows);
}

/** Arena's rank: 1 + the number of models whose lower bound is above this model's upper bound. */
export function arenaRanks(rows: readonly { lower: number; upper: number }[]): number[] {
  return rows.map((row) => 1 + rows.filter((other) => other.lower > row.upper).length);
}

function withRanks(rows: LeaderboardRow[]): LeaderboardRow[] {
  const ranks = arenaRanks(rows);
  rows.forEach((row, i) => (row.rank = ranks[i]!));
  return rows.sort((x, y) => y.rating - x.rating || x.model.localeCompare(y.model));
}

function gamesPerModel(t: BattleTable): Float64Array {
  const games = new Float64Array(t.models.length);
  for (let k = 0; k < t.length; k++) { games[t.a[k]!]!++; games[t.b[k]!]!++; }
  return games;
}

/** Quantile of sorted values with linear interpolation (NumPy's default "linear" method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function matMul(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const xik = x[i * n + k]!;
      if (xik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += xik * y[k * n + j]!;
    }
  }
  return out;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1); got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowP = 0.02425;
  let x: number;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - lowP) {
    const q = p - 0.5, r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}
