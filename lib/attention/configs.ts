/**
 * DeepSeek-V2-Lite, V2 and V3 architecture shapes from datasets/deepseek_configs.json (each entry
 * transcribed from the model's published config.json; the file names its sources).
 *
 * Introduced in notebooks/01_multi_head_latent_attention.ipynb (the KV-cache memory chart); each
 * entry is a `ModelShape` (lib/attention/memory.ts) and an `MLAConfig`-like description.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ModelShape } from "./memory.js";

/** One model's entry. Fields are the camelCased Hugging Face config fields. */
export interface DeepSeekConfig extends ModelShape {
  source: string;
  totalParams: number;
  activatedParams: number;
  dModel: number;
  nKvHeads: number;
  qLoraRank: number;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
  vocabSize: number;
  intermediateSize: number;
  moeIntermediateSize: number;
  nRoutedExperts: number;
  nSharedExperts: number;
  numExpertsPerTok: number;
  firstKDenseReplace: number;
  nGroup: number;
  topkGroup: number;
  scoringFunc: "softmax" | "sigmoid";
  routedScalingFactor?: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
}

/** Finds datasets/deepseek_configs.json by walking up from this module (works from lib/ and lib/dist/). */
function defaultPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "datasets", "deepseek_configs.json");
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, "..");
  }
  throw new Error(`loadDeepSeekConfigs: could not find datasets/deepseek_configs.json above ${dirname(fileURLToPath(import.meta.url))}; pass its path`);
}

/** The models by name ("DeepSeek-V2-Lite", "DeepSeek-V2", "DeepSeek-V3"). */
export function loadDeepSeekConfigs(path?: string): Record<string, DeepSeekConfig> {
  const p = path ?? defaultPath();
  const doc = JSON.parse(readFileSync(p, "utf8")) as { models?: Record<string, DeepSeekConfig> };
  if (!doc.models || typeof doc.models !== "object") throw new Error(`loadDeepSeekConfigs: ${p} has no "models" object`);
  for (const [name, m] of Object.entries(doc.models)) {
    for (const f of ["nLayers", "nHeads", "headDim", "kvLoraRank", "qkRopeHeadDim"] as const) {
      if (!Number.isInteger(m[f]) || (m[f] as number) <= 0) throw new Error(`loadDeepSeekConfigs: ${name}.${f} must be a positive integer; got ${String(m[f])}`);
    }
  }
  return doc.models;
}
