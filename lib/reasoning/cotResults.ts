/**
 * The chain-of-thought lesson's committed results (notebooks/03_chain_of_thought.ipynb): the schema
 * of datasets/cot_results.json, measured by scripts/cot-experiments.mjs, its loader, and the
 * committed checkpoints (datasets/cot_*_small.json). The experiments themselves are experiments.ts.
 */
import { datasetPath, loadDatasetJson } from "../data.js";
import { loadCheckpoint } from "../model/checkpoint.js";
import type { AnswerStyle } from "./problems.js";
import type { ArithmeticEval, ArithmeticTask } from "./experiments.js";

/** One training run's record in datasets/cot_results.json. */
export interface CotRunRecord {
  file: string;
  task: ArithmeticTask;
  /** Digits per operand. */
  digits: number;
  style: AnswerStyle;
  size: string;
  seed: number;
  params: number;
  budgetMs: number;
  trainMs: number;
  steps: number;
  tokens: number;
  finalLoss: number;
  eval: Omit<ArithmeticEval, "examples"> & { examples: ArithmeticEval["examples"] };
  curve: { elapsedMs: number; step: number; tokens: number; loss: number; accuracy: number }[];
  command: string;
}

export interface CotRLRecord {
  file?: string;
  experiment: string;
  budgetMs: number;
  settings: Record<string, number>;
  curve: { elapsedMs: number; step: number; accuracy: number; meanReward?: number | null; final?: boolean }[];
  rewards?: { step: number; elapsedMs: number; meanReward: number; sampleAccuracy: number; usefulGroups: number }[];
  final: { accuracy: number; lo: number; hi: number; n: number };
  command: string;
}

/** datasets/cot_results.json: everything the lesson's charts show, measured by scripts/cot-experiments.mjs. */
export interface CotResults {
  generated: string;
  machine: string;
  command: string;
  runs: CotRunRecord[];
  consistency: Record<
    string,
    {
      problems: number;
      pool: number;
      temperature: number;
      greedy: { accuracy: number; lo: number; hi: number; meanTokens: number };
      curve: { k: number; accuracy: number; stderr: number; tokens: number }[];
      passAtPool: number;
      majorityAtPool: number;
      command: string;
    }
  >;
  rl: Record<string, { grpo: CotRLRecord[]; sft: CotRLRecord | null }>;
}

/** Reads datasets/cot_results.json. */
export async function loadCotResults(path?: string): Promise<CotResults> {
  return loadDatasetJson<CotResults>("cot_results.json", path, "loadCotResults");
}

/** Loads a committed checkpoint (default: the small chain-of-thought multiplication model). */
export async function loadCotCheckpoint(file = "cot_mul_cot_small.json"): ReturnType<typeof loadCheckpoint> {
  return loadCheckpoint(await datasetPath(file));
}
