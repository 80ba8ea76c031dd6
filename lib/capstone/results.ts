/**
 * The capstone's committed results (notebooks/06_mini_deepseek.ipynb loads them by default;
 * scripts/capstone.mjs measures them): the schema of datasets/capstone/results.json, the loaders
 * of it and of datasets/capstone/battles.csv, and the rating of entrants from battles with lesson
 * 4's Bradley–Terry (scale 400, base 10, mean 1000, no prior) and bootstrap 95% intervals —
 * resampling whole problems, since the battles of one problem are not independent.
 */
import { loadDatasetJson, datasetPath, readText } from "../data.js";
import { arenaRanks, bootstrapRatings, quantileSorted } from "../elo/uncertainty.js";
import { fitBradleyTerry, type RatingScale } from "../elo/bradleyTerry.js";
import { Rng } from "../random.js";
import { winMatrix } from "../elo/winMatrix.js";
import type { Battle } from "../elo/battles.js";
import { parseCapstoneBattles, type CapstoneBattle } from "./battles.js";

/** What an entrant is (the notebook groups and colours by it). */
export type CapstoneKind =
  | "dense" // MHA + SwiGLU, the baseline
  | "mini-V3" // MLA + DeepSeekMoE at the same active parameters
  | "ladder" // an earlier checkpoint of dense or mini-V3 (compute ladder)
  | "grpo" // mini-V3 + GRPO
  | "sft-control" // mini-V3 + supervised training for the same time as GRPO
  | "mini-R1" // cold start → GRPO → rejection sampling → SFT → GRPO
  | "distilled" // half-width student on mini-R1's correct traces
  | "student-gt" // the same student on ground-truth scratchpads, same tokens
  | "self-consistency"; // the best model, majority of k samples

/** One entrant's row in results.json: the required fields, then extras. */
export interface CapstoneEntrant {
  name: string;
  kind: CapstoneKind;
  /** Trained parameters (routing bias excluded). */
  totalParams: number;
  /** Parameters one token's forward pass uses. */
  activeParams: number;
  /** 6 · active params · training tokens (all training phases; sampling forward passes at 2 · active). */
  trainFlops: number;
  /** Training wall-clock seconds, all phases, evaluation excluded. */
  trainSeconds: number;
  /** `kvCacheElementsPerToken` of the architecture (whole model). */
  kvElementsPerToken: number;
  /** Mean generated tokens per held-out answer (<eos> included; k samples for self-consistency). */
  tokensPerAnswer: number;
  /** Fraction right on the held-out set, with a Wilson 95% interval. */
  accuracy: number;
  accuracyLow: number;
  accuracyHigh: number;
  /** Bradley–Terry rating from exactly the committed battles, with a bootstrap 95% interval (problems resampled). */
  elo: number;
  eloLow: number;
  eloHigh: number;
  // ---- extras (beside the required fields) ----
  /** Arena rank (1 + entrants whose interval lies wholly above). */
  rank?: number;
  /** Architecture: "dense", "mini-V3" or "student". */
  arch?: string;
  /** Training tokens (inputs processed by supervised steps; GRPO's rollouts counted as trained tokens). */
  trainTokens?: number;
  /** KV-cache bytes per token at the library's float32 (4 bytes per element). */
  kvBytesPerToken?: number;
  /** Greedy decode speed on the held-out set, batched (tokens per second, this machine). */
  decodeTokensPerSec?: number;
  /** Held-out answers right. */
  correct?: number;
  /** What it was made from (e.g. the base of a ladder rung or of self-consistency). */
  from?: string;
  /** Samples per problem (self-consistency). */
  k?: number;
  /** Free-form notes (budgets, settings). */
  notes?: string;
}

/** datasets/capstone/results.json. */
export interface CapstoneResults {
  command: string;
  seeds: number[];
  heldOut: number;
  entrants: CapstoneEntrant[];
  // ---- extras ----
  /** When and where it was measured. */
  generated?: string;
  machine?: string;
  wallSeconds?: number;
  /** The rating settings (scale, base, mean, prior, bootstrap rounds and seed). */
  rating?: { scale: number; base: number; init: number; prior: number; rounds: number; seed: number; resample?: "problem" | "battle" };
  /** Curves for the notebook: MaxVio over mini-V3's training, loss curves, GRPO rewards, … */
  curves?: Record<string, unknown>;
  /** What the distillation comparison found, and anything else worth a sentence. */
  findings?: Record<string, unknown>;
}

/** The fixed rating settings of the capstone arena: lesson 4's Bradley–Terry on the Elo scale. */
export const CAPSTONE_RATING = { scale: 400, base: 10, init: 1000, prior: 0, rounds: 1000, seed: 16, resample: "problem" } as const;

/** One entrant's rating. */
export interface EntrantRating {
  name: string;
  elo: number;
  eloLow: number;
  eloHigh: number;
  rank: number;
}

export interface RateOptions {
  /** Bootstrap resamples. Default 1000. */
  rounds?: number;
  /** Default 16. */
  seed?: number;
  /**
   * What the bootstrap resamples. "problem" (default): whole problems with replacement, each with
   * all its battles — the honest choice here, because the battles of one problem all come from
   * the same answers (15 battles share each entrant's one verdict), so they are not independent.
   * "battle": single battles, as Chatbot Arena and lesson 4 do (their votes are independent);
   * on this file it gives intervals several times too narrow.
   */
  resample?: "problem" | "battle";
}

/**
 * Bradley–Terry ratings (scale 400, base 10, mean 1000, no prior) with bootstrap 95% intervals.
 * `elo` is the maximum-likelihood fit on all battles; the interval the 2.5th–97.5th percentiles
 * of `rounds` seeded resamples (of problems by default, see `RateOptions.resample`); `rank` is
 * Arena's (1 + entrants whose interval lies wholly above). In the order models first appear.
 */
export function rateEntrants(battles: readonly (Battle & { problem?: string })[], opts: RateOptions = {}): EntrantRating[] {
  if (!Array.isArray(battles) || battles.length === 0) throw new Error(`rateEntrants: battles must be a non-empty array; got ${Array.isArray(battles) ? "[]" : typeof battles}`);
  const resample = opts.resample ?? "problem";
  if (resample !== "problem" && resample !== "battle") throw new Error(`rateEntrants: options.resample must be "problem" or "battle"; got ${JSON.stringify(resample)}`);
  const rounds = opts.rounds ?? CAPSTONE_RATING.rounds;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rateEntrants: options.rounds must be a positive integer; got ${rounds}`);
  const seed = opts.seed ?? CAPSTONE_RATING.seed;
  const scale = { scale: CAPSTONE_RATING.scale, base: CAPSTONE_RATING.base, init: CAPSTONE_RATING.init, prior: CAPSTONE_RATING.prior };
  const fit = fitBradleyTerry(winMatrix(battles), { ...scale, method: "newton" });
  const models = fit.models;
  const n = models.length;
  let lower: number[];
  let upper: number[];
  if (resample === "battle") {
    const rows = new Map(bootstrapRatings(battles, { ...scale, rounds, seed }).map((r) => [r.model, r]));
    lower = models.map((m) => rows.get(m)!.lower);
    upper = models.map((m) => rows.get(m)!.upper);
  } else {
    const samples = problemBootstrap(battles, models, rounds, seed, scale);
    lower = [];
    upper = [];
    const column = new Float64Array(rounds);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < rounds; r++) column[r] = samples[r * n + i]!;
      column.sort();
      lower.push(quantileSorted(column, 0.025));
      upper.push(quantileSorted(column, 0.975));
    }
  }
  const ranks = arenaRanks(models.map((_, i) => ({ lower: lower[i]!, upper: upper[i]! })));
  return models.map((name, i) => ({ name, elo: fit.ratings[i]!, eloLow: lower[i]!, eloHigh: upper[i]!, rank: ranks[i]! }));
}

/**
 * Ratings refitted on `rounds` resamples of whole problems: [rounds * n] row-major. Each problem's
 * battles add their win-matrix cells (a tie ½ each way); a resample sums the cells of the drawn problems.
 */
function problemBootstrap(battles: readonly (Battle & { problem?: string })[], models: readonly string[], rounds: number, seed: number, scale: RatingScale): Float64Array {
  const n = models.length;
  const index = new Map(models.map((m, i) => [m, i]));
  const byProblem = new Map<string, number[]>(); // problem → [cell, amount, cell, amount, …]
  battles.forEach((b, k) => {
    if (typeof b.problem !== "string") throw new Error(`rateEntrants: resample "problem" needs each battle's problem; battle ${k} has ${JSON.stringify(b.problem)}`);
    let cells = byProblem.get(b.problem);
    if (!cells) byProblem.set(b.problem, (cells = []));
    const i = index.get(b.modelA)!, j = index.get(b.modelB)!;
    if (b.winner === "model_a") cells.push(i * n + j, 1);
    else if (b.winner === "model_b") cells.push(j * n + i, 1);
    else cells.push(i * n + j, 0.5, j * n + i, 0.5);
  });
  const problems = [...byProblem.values()];
  const rng = new Rng(seed);
  const samples = new Float64Array(rounds * n);
  const wins = new Float64Array(n * n);
  for (let r = 0; r < rounds; r++) {
    wins.fill(0);
    for (let d = 0; d < problems.length; d++) {
      const cells = problems[rng.int(problems.length)]!;
      for (let c = 0; c < cells.length; c += 2) wins[cells[c]!]! += cells[c + 1]!;
    }
    samples.set(fitBradleyTerry({ models: models.slice(), wins }, { ...scale, method: "newton" }).ratings, r * n);
  }
  return samples;
}

/** Reads datasets/capstone/results.json (or `path`). */
export async function loadCapstoneResults(path?: string): Promise<CapstoneResults> {
  const r = await loadDatasetJson<CapstoneResults>("capstone/results.json", path, "loadCapstoneResults");
  if (!r || !Array.isArray(r.entrants) || typeof r.heldOut !== "number") {
    throw new Error(`loadCapstoneResults: ${path ?? "datasets/capstone/results.json"} is not capstone results (expected { command, seeds, heldOut, entrants: [...] })`);
  }
  return r;
}

/** Reads datasets/capstone/battles.csv (or `path`): one battle per row, with its problem. */
export async function loadCapstoneBattles(path?: string): Promise<CapstoneBattle[]> {
  const file = path ?? (await datasetPath("capstone/battles.csv"));
  let text: string;
  try {
    text = await readText(file);
  } catch (e) {
    throw new Error(`loadCapstoneBattles: cannot read ${file}: ${(e as Error).message}`);
  }
  return parseCapstoneBattles(text, file);
}
