/**
 * The capstone's committed results (notebooks/06_mini_deepseek.ipynb loads them by default;
 * scripts/capstone.mjs measures them): the schema of datasets/capstone/results.json, the loaders
 * of it and of datasets/capstone/battles.csv, and the rating of entrants from battles with lesson
 * 4's Bradley–Terry (scale 400, base 10, mean 1000, no prior) and bootstrap 95% intervals.
 */
import { loadDatasetJson, datasetPath, readText } from "../data.js";
import { bootstrapRatings } from "../elo/uncertainty.js";
import { fitBradleyTerry } from "../elo/bradleyTerry.js";
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
  /** Bradley–Terry rating from exactly the committed battles, with a bootstrap 95% interval. */
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
  rating?: { scale: number; base: number; init: number; prior: number; rounds: number; seed: number };
  /** Curves for the notebook: MaxVio over mini-V3's training, loss curves, GRPO rewards, … */
  curves?: Record<string, unknown>;
  /** What the distillation comparison found, and anything else worth a sentence. */
  findings?: Record<string, unknown>;
}

/** The fixed rating settings of the capstone arena: lesson 4's Bradley–Terry on the Elo scale. */
export const CAPSTONE_RATING = { scale: 400, base: 10, init: 1000, prior: 0, rounds: 1000, seed: 16 } as const;

/** One entrant's rating. */
export interface EntrantRating {
  name: string;
  elo: number;
  eloLow: number;
  eloHigh: number;
  rank: number;
}

/**
 * Bradley–Terry ratings (scale 400, base 10, mean 1000, no prior) with bootstrap 95% intervals.
 * `elo` is the maximum-likelihood fit on all battles; the interval the 2.5th–97.5th percentiles
 * of `rounds` seeded resamples. Returned in the order models first appear in the battles.
 */
export function rateEntrants(battles: readonly Battle[], opts: { rounds?: number; seed?: number } = {}): EntrantRating[] {
  if (!Array.isArray(battles) || battles.length === 0) throw new Error(`rateEntrants: battles must be a non-empty array; got ${Array.isArray(battles) ? "[]" : typeof battles}`);
  const scale = { scale: CAPSTONE_RATING.scale, base: CAPSTONE_RATING.base, init: CAPSTONE_RATING.init, prior: CAPSTONE_RATING.prior };
  const fit = fitBradleyTerry(winMatrix(battles), { ...scale, method: "newton" });
  const rows = bootstrapRatings(battles, { ...scale, rounds: opts.rounds ?? CAPSTONE_RATING.rounds, seed: opts.seed ?? CAPSTONE_RATING.seed });
  const byName = new Map(rows.map((r) => [r.model, r]));
  return fit.models.map((name, i) => {
    const r = byName.get(name)!;
    return { name, elo: fit.ratings[i]!, eloLow: r.lower, eloHigh: r.upper, rank: r.rank };
  });
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
