/**
 * The MoE balancing experiment's results (notebooks/02_mixture_of_experts.ipynb, section "training
 * with and without balancing"): their schema, and reading/writing the committed copy,
 * datasets/moe_balance_experiment.json. The experiment itself is experiment.ts.
 */
import { datasetPath, loadDatasetJson, writeText } from "../data.js";
import type { BalanceExperimentConfig, BalanceMode } from "./experiment.js";

export interface BalanceRunResult {
  mode: BalanceMode;
  seed: number;
  /** Steps at which `maxVio` and `loss` were recorded. */
  steps: number[];
  /** MaxVio of each recorded training batch. */
  maxVio: number[];
  /** Task (cross-entropy) loss of each recorded training batch, without any auxiliary term. */
  loss: number[];
  /** On the whole table after training. */
  final: {
    loss: number;
    accuracy: number;
    accuracyByFamily: number[];
    maxVio: number;
    /** Assignments per expert. */
    load: number[];
    /** [family][expert]: assignments (all k choices) of that family's rows to that expert. */
    familyExpert: number[][];
    /** Final routing bias ("biasFree" only). */
    bias?: number[];
  };
  seconds: number;
}

export interface BalanceExperimentResult {
  config: BalanceExperimentConfig;
  families: string[];
  backend: string;
  runs: BalanceRunResult[];
}

/** The committed results' file inside datasets/. */
const BALANCE_EXPERIMENT_FILE = "moe_balance_experiment.json";

/** Reads committed experiment results (default: datasets/moe_balance_experiment.json). */
export async function loadBalanceExperiment(path?: string): Promise<BalanceExperimentResult> {
  const r = await loadDatasetJson<BalanceExperimentResult>(BALANCE_EXPERIMENT_FILE, path, "loadBalanceExperiment");
  if (!r || !Array.isArray(r.runs) || r.runs.length === 0 || !r.config) throw new Error(`loadBalanceExperiment: ${path ?? BALANCE_EXPERIMENT_FILE} is not an experiment result (no runs/config)`);
  return r;
}

/** Writes results as compact JSON (numbers rounded to 5 significant digits to keep the file small). */
export async function saveBalanceExperiment(result: BalanceExperimentResult, path?: string): Promise<string> {
  const p = path ?? (await datasetPath(BALANCE_EXPERIMENT_FILE));
  const round = (_k: string, v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(5)) : v);
  await writeText(p, JSON.stringify(result, round) + "\n");
  return p;
}
